"""The monitor registry: enrol monitors and their phone identities (CLI now, web app later)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ewn.models import Monitor
from ewn.models.monitor import TRUST_LEVELS
from ewn.phones import CHANNELS, BadNumber, to_e164
from ewn.settings import SUPPORTED_LANGUAGES, country_problem
from ewn.store import monitors


class RegistryError(ValueError):
    """A monitor cannot be added as asked; the message says why."""


class AlreadyRegistered(RegistryError):
    """The number already belongs to a monitor."""


@dataclass
class NewIdentity:
    phone: str
    channel: str = "sms"
    country: str | None = None
    language: str | None = None
    home_place: str | None = None
    trust: str = "normal"
    silent: bool = False


def check(entry: NewIdentity, settings) -> tuple[str, str]:
    """(E.164 number, country) for entry, or RegistryError naming the problem."""
    country = (entry.country or settings.deployment.default_country).upper()
    problem = country_problem(country)
    if problem:
        raise RegistryError(problem)
    if entry.channel not in CHANNELS:
        raise RegistryError(f"channel must be one of {', '.join(CHANNELS)}, got {entry.channel!r}")
    if entry.trust not in TRUST_LEVELS:
        raise RegistryError(f"trust must be one of {', '.join(TRUST_LEVELS)}, got {entry.trust!r}")
    if entry.language and entry.language not in SUPPORTED_LANGUAGES:
        raise RegistryError(
            f"unsupported language {entry.language!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    try:
        return to_e164(entry.phone, country), country
    except BadNumber as exc:
        raise RegistryError(f"not a phone number ({exc})") from None


def add(session: Session, rt, entry: NewIdentity, monitor: Monitor | None = None) -> Monitor:
    """Add a monitor (or another identity of monitor); refuses a number already registered."""
    phone, country = check(entry, rt.settings)
    existing = monitors.find_identity(session, entry.channel, rt.keyring.lookup_hash(phone))
    if existing is not None:
        owner = monitors.get_monitor(session, existing.monitor_id)
        raise AlreadyRegistered(f"this {entry.channel} number is already monitor {owner.pseudonym}")
    if monitor is None:
        monitor = monitors.create_monitor(
            session,
            country=country,
            language=entry.language or rt.settings.deployment.default_language,
            enrolled_via="staff",
            trust=entry.trust,
            status="active",
            home_place=entry.home_place or None,
            silent=entry.silent,
        )
    monitors.add_identity(session, rt.keyring, monitor, entry.channel, phone)
    return monitor
