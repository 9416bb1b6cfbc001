"""ewn monitors and ewn invites."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import click

from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, fail, iso, progress
from ewn.models import utcnow
from ewn.models.monitor import TRUST_LEVELS
from ewn.phones import CHANNELS
from ewn.refs import random_code
from ewn.registry import AlreadyRegistered, NewIdentity, RegistryError, add
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.store import monitors

CSV_COLUMNS = ("phone", "channel", "language", "home_place", "trust", "silent", "country", "person")
_TRUE, _FALSE = {"yes", "true", "1", "y"}, {"no", "false", "0", "n", ""}


def register(main: click.Group) -> None:
    @main.group("monitors")
    def group() -> None:
        """Monitors and their phone identities."""

    @group.command("add")
    @click.argument("phone")
    @click.option("--channel", type=click.Choice(CHANNELS), default="sms", show_default=True)
    @click.option("--language", type=click.Choice(SUPPORTED_LANGUAGES))
    @click.option("--home-place", help="Where the monitor lives or works.")
    @click.option("--trust", type=click.Choice(TRUST_LEVELS), default="normal", show_default=True)
    @click.option("--silent", is_flag=True, help="Never send this monitor anything.")
    @click.option("--country", help="Country for numbers written without +code.")
    @click.option(
        "--monitor",
        "existing",
        metavar="PSEUDONYM",
        help="Add this number to an existing monitor instead.",
    )
    def add_command(phone, channel, language, home_place, trust, silent, country, existing):
        """Add a monitor with PHONE (or another number of an existing monitor)."""
        entry = NewIdentity(phone, channel, country, language, home_place, trust, silent)
        with app_runtime() as (_app, rt), rt.db.session() as session:
            monitor = None
            if existing:
                monitor = monitors.by_pseudonym(session, existing)
                if monitor is None:
                    fail(f"no monitor {existing}")
            try:
                monitor = add(session, rt, entry, monitor)
            except RegistryError as exc:
                fail(str(exc))
            click.echo(monitor.pseudonym)

    @group.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_command(path: Path) -> None:
        """Add monitors from a CSV file (safe to re-run).

        Columns: phone (required), channel, language, home_place, trust, silent, country,
        person. Rows with the same person value become one monitor with several numbers.
        """
        with app_runtime() as (_app, rt):
            added, skipped, rejected = import_monitors(rt, path)
        click.echo(f"{added} numbers added, {skipped} already registered, {len(rejected)} rejected")
        for line, problem in rejected[:50]:
            click.echo(f"  line {line}: {problem}", err=True)
        if len(rejected) > 50:
            click.echo(f"  ... and {len(rejected) - 50} more", err=True)

    @group.command("list")
    @FORMAT_OPTION
    def list_command(fmt: str) -> None:
        """Monitors by pseudonym (phone numbers are never shown)."""
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            rows = [
                {
                    "pseudonym": m.pseudonym,
                    "status": m.status,
                    "trust": m.trust,
                    "language": m.language,
                    "country": m.country,
                    "home_place": m.home_place,
                    "silent": m.silent,
                    "enrolled_via": m.enrolled_via,
                    "identities": monitors.count_identities(session, m.id),
                    "last_report_at": iso(m.last_report_at),
                    "last_checkin_at": iso(m.last_checkin_at),
                }
                for m in monitors.list_monitors(session)
            ]
        emit(
            rows,
            fmt,
            [
                "pseudonym",
                "status",
                "trust",
                "language",
                "home_place",
                "identities",
                "last_report_at",
                "last_checkin_at",
            ],
        )

    @main.group("invites")
    def invites() -> None:
        """Invite codes for enrolment by JOIN <code> (ingest.enrolment: invite)."""

    @invites.command("create")
    @click.option("--uses", default=1, show_default=True, type=click.IntRange(1, 10000))
    @click.option("--days", default=14, show_default=True, type=click.IntRange(1, 3650))
    @click.option("--language", type=click.Choice(SUPPORTED_LANGUAGES))
    @click.option("--home-place")
    @click.option("--trust", type=click.Choice(TRUST_LEVELS), default="normal", show_default=True)
    def create_invite(uses, days, language, home_place, trust):
        """Print a new invite code (stored only as a keyed hash)."""
        code = random_code(6)
        with app_runtime() as (_app, rt), rt.db.session() as session:
            monitors.create_invite(
                session,
                rt.keyring,
                code,
                utcnow() + timedelta(days=days),
                max_uses=uses,
                language=language,
                home_place=home_place,
                trust=trust,
            )
        click.echo(code)


def import_monitors(rt, path: Path) -> tuple[int, int, list[tuple[int, str]]]:
    added = skipped = 0
    rejected: list[tuple[int, str]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            total = sum(1 for _ in handle) - 1
            handle.seek(0)
            reader = csv.DictReader(handle)
            unknown = set(reader.fieldnames or []) - set(CSV_COLUMNS)
            if "phone" not in (reader.fieldnames or []) or unknown:
                fail(
                    f"{path}: columns must include phone and may be {', '.join(CSV_COLUMNS)}"
                    + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else "")
                )
            people: dict[str, str] = {}
            for row in progress(reader, total, "importing monitors"):
                line = reader.line_num
                try:
                    entry = _entry(row)
                except ValueError as exc:
                    rejected.append((line, str(exc)))
                    continue
                person = (row.get("person") or "").strip()
                with rt.db.session() as session:
                    owner = (
                        monitors.by_pseudonym(session, people[person])
                        if (person in people)
                        else None
                    )
                    try:
                        monitor = add(session, rt, entry, owner)
                    except AlreadyRegistered:
                        skipped += 1
                        continue
                    except RegistryError as exc:
                        rejected.append((line, str(exc)))
                        continue
                    if person:
                        people[person] = monitor.pseudonym
                    added += 1
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except csv.Error as exc:
        fail(f"{path}: not a readable CSV file ({exc})")
    return added, skipped, rejected


def _entry(row: dict) -> NewIdentity:
    silent = (row.get("silent") or "").strip().lower()
    if silent not in _TRUE | _FALSE:
        raise ValueError(f"silent must be yes or no, got {row.get('silent')!r}")
    return NewIdentity(
        phone=(row.get("phone") or "").strip(),
        channel=(row.get("channel") or "sms").strip().lower(),
        country=(row.get("country") or "").strip() or None,
        language=(row.get("language") or "").strip().lower() or None,
        home_place=(row.get("home_place") or "").strip() or None,
        trust=(row.get("trust") or "normal").strip().lower(),
        silent=silent in _TRUE,
    )


__all__ = ["import_monitors"]
