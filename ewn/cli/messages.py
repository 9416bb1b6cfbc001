"""ewn messages: list, import a backlog, reconcile with Twilio."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click
from werkzeug.datastructures import MultiDict

from ewn.channels.base import TransportError
from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, fail, iso, parse_time, progress
from ewn.ingest.importer import ImportFileError, import_rows, read_rows
from ewn.ingest.record import encode_params, message_row
from ewn.settings import timezone_problem
from ewn.store import messages


def register(main: click.Group) -> None:
    @main.group("messages")
    def group() -> None:
        """Inbound messages as received."""

    @group.command("list")
    @FORMAT_OPTION
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
    def list_command(fmt: str, limit: int) -> None:
        """Newest inbound messages first, with what each became (senders are not shown)."""
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            rows = [
                {
                    "id": m.id,
                    "provider": m.provider,
                    "external_id": m.external_id,
                    "source": m.source,
                    "channel": m.channel,
                    "received_at": iso(m.received_at),
                    "status": m.status,
                    "kind": m.kind,
                    "note": m.note,
                    "body": m.body,
                    "media": m.num_media,
                    "location": [m.latitude, m.longitude] if m.latitude is not None else None,
                }
                for m in messages.list_messages(session, limit)
            ]
        emit(rows, fmt, ["id", "source", "channel", "received_at", "kind", "note", "body"])

    @group.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--timezone",
        "zone_name",
        help="Time zone of times written without an offset (default: deployment.default_timezone).",
    )
    def import_command(path: Path, zone_name: str | None) -> None:
        """Import a backlog of messages from CSV or JSON lines (safe to re-run).

        Columns: received_at and text (or body) are required; from (phone) or monitor
        (pseudonym, for paper forms); optional id, to, channel (sms or whatsapp).
        Imported reports get no reply.
        """
        with app_runtime() as (_app, rt):
            zone_name = zone_name or rt.settings.deployment.default_timezone
            problem = timezone_problem(zone_name)
            if problem:
                fail(f"--timezone: {problem}")
            try:
                total = sum(1 for _ in path.open("rb"))
                rows = progress(read_rows(path), total, "importing messages")
                result = import_rows(rt, rows, ZoneInfo(zone_name))
            except ImportFileError as exc:
                fail(str(exc))
        click.echo(
            f"{result.added} messages imported, {result.duplicates} already there, "
            f"{len(result.rejected)} rows rejected"
        )
        for line, problem in result.rejected[:50]:
            click.echo(f"  line {line}: {problem}", err=True)
        if len(result.rejected) > 50:
            click.echo(f"  ... and {len(result.rejected) - 50} more", err=True)

    @group.command("reconcile")
    @click.option(
        "--since",
        required=True,
        help="Check messages Twilio received since then (ISO 8601; UTC unless an offset is given).",
    )
    def reconcile(since: str) -> None:
        """Add any inbound message Twilio has and EWN lacks (the last safety net)."""
        try:
            since_time = parse_time(since)
        except ValueError:
            fail(f"--since: not an ISO 8601 time: {since!r}")
        with app_runtime() as (_app, rt):
            if rt.transport.name != "twilio":
                fail("reconcile needs Twilio credentials (twilio.account_sid, auth_token)")
            checked = added = 0
            try:
                for item in rt.transport.list_inbound(since_time):
                    checked += 1
                    raw = encode_params(item.params)
                    record = message_row(
                        raw, MultiDict(item.params), "reconcile", rt, item.received_at
                    )
                    if messages.record_inbound(rt.db, record):
                        added += 1
                    if checked % 500 == 0:
                        click.echo(f"  checked {checked} messages...", err=True)
            except TransportError as exc:
                fail(f"Twilio: {exc} (checked {checked}, added {added} before the error)", 1)
        click.echo(f"checked {checked} inbound messages at Twilio, added {added} missing")
