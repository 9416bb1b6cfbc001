"""ewn reports."""

from __future__ import annotations

import click

from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, fail, iso, parse_time
from ewn.store import reports


def report_row(report, pseudonym, messages) -> dict:
    return {
        "reference": report.reference,
        "monitor": pseudonym,
        "channel": report.channel,
        "origin": report.origin,
        "status": report.status,
        "trust": report.trust,
        "language": report.language,
        "text": report.text,
        "received_at": iso(report.received_at),
        "event_time": {
            "start": iso(report.event_start),
            "end": iso(report.event_end),
            "source": report.event_time_source,
        },
        "location": {
            "latitude": report.latitude,
            "longitude": report.longitude,
            "label": report.location_label,
            "source": report.location_source,
        },
        "country": report.country,
        "timezone": report.timezone,
        "messages": [
            {
                "provider": m.provider,
                "external_id": m.external_id,
                "source": m.source,
                "media": m.num_media,
            }
            for m in messages
        ],
    }


def register(main: click.Group) -> None:
    @main.group("reports")
    def group() -> None:
        """Reports."""

    @group.command("list")
    @FORMAT_OPTION
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
    @click.option("--since", help="Only reports received since this time (ISO 8601, UTC).")
    def list_command(fmt: str, limit: int, since: str | None) -> None:
        """Newest reports first."""
        try:
            since_time = parse_time(since) if since else None
        except ValueError:
            fail(f"--since: not an ISO 8601 time: {since!r}")
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            rows = [report_row(*item) for item in reports.list_reports(session, limit, since_time)]
        emit(rows, fmt, ["reference", "monitor", "channel", "received_at", "text"])
