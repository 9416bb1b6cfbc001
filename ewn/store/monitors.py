"""Monitors, their phone identities, opt-outs and invite codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ewn.models import InviteCode, Monitor, MonitorIdentity, OptOut, utcnow
from ewn.refs import pseudonym
from ewn.store.common import with_unique_retry


def find_identity(session: Session, channel: str, phone_hash: str) -> MonitorIdentity | None:
    return session.scalar(
        select(MonitorIdentity).where(
            MonitorIdentity.channel == channel, MonitorIdentity.phone_hash == phone_hash
        )
    )


def identities_by_phone(session: Session, phone_hash: str) -> list[MonitorIdentity]:
    return list(
        session.scalars(select(MonitorIdentity).where(MonitorIdentity.phone_hash == phone_hash))
    )


def create_monitor(
    session: Session,
    *,
    country: str,
    language: str,
    enrolled_via: str,
    trust: str = "normal",
    status: str = "active",
    home_place: str | None = None,
    silent: bool = False,
) -> Monitor:
    """A new monitor with a fresh random pseudonym."""

    def make() -> Monitor:
        monitor = Monitor(
            pseudonym=pseudonym(country),
            country=country,
            language=language,
            enrolled_via=enrolled_via,
            trust=trust,
            status=status,
            home_place=home_place,
            silent=silent,
        )
        session.add(monitor)
        session.flush()
        return monitor

    return with_unique_retry(session, make)


def add_identity(
    session: Session, keyring, monitor: Monitor, channel: str, phone: str
) -> MonitorIdentity:
    """Attach a phone identity; the number is stored only encrypted and as a lookup hash."""
    identity = MonitorIdentity(
        monitor_id=monitor.id,
        channel=channel,
        phone_hash=keyring.lookup_hash(phone),
        phone_enc=keyring.encrypt(phone, "identity.phone"),
    )
    session.add(identity)
    session.flush()
    return identity


def get_monitor(session: Session, monitor_id: int) -> Monitor | None:
    return session.get(Monitor, monitor_id)


def by_pseudonym(session: Session, name: str) -> Monitor | None:
    return session.scalar(select(Monitor).where(Monitor.pseudonym == name.strip().upper()))


def list_monitors(session: Session) -> list[Monitor]:
    return list(session.scalars(select(Monitor).order_by(Monitor.id)))


def count_identities(session: Session, monitor_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(MonitorIdentity)
        .where(MonitorIdentity.monitor_id == monitor_id)
    )


# ---------------------------------------------------------------------------- opt-out


def is_opted_out(session: Session, phone_hash: str) -> bool:
    return session.get(OptOut, phone_hash) is not None


def opt_out(session: Session, phone_hash: str, message_id: int | None) -> None:
    if session.get(OptOut, phone_hash) is None:
        session.add(OptOut(phone_hash=phone_hash, message_id=message_id))
        session.flush()


def opt_in(session: Session, phone_hash: str) -> None:
    session.execute(delete(OptOut).where(OptOut.phone_hash == phone_hash))


# ---------------------------------------------------------------------------- invites


def create_invite(
    session: Session,
    keyring,
    code: str,
    expires_at: datetime,
    *,
    max_uses: int = 1,
    language: str | None = None,
    home_place: str | None = None,
    trust: str = "normal",
) -> InviteCode:
    invite = InviteCode(
        code_hash=keyring.lookup_hash("invite:" + code),
        expires_at=expires_at,
        max_uses=max_uses,
        language=language,
        home_place=home_place,
        trust=trust,
    )
    session.add(invite)
    session.flush()
    return invite


def use_invite(session: Session, keyring, code: str) -> InviteCode | None:
    """The invite for code if it is still valid, counting this use; else None."""
    invite = session.scalar(
        select(InviteCode)
        .where(InviteCode.code_hash == keyring.lookup_hash("invite:" + code))
        .with_for_update()
    )
    if invite is None or invite.uses >= invite.max_uses or invite.expires_at <= utcnow():
        return None
    invite.uses += 1
    return invite
