"""ewn reports."""

from __future__ import annotations

import click

from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, fail, iso, parse_time
from ewn.geo.locate import area_names
from ewn.refs import normalise_reference
from ewn.store import reports


def location_row(report, areas: list[dict]) -> dict:
    return {
        "status": report.location_status,
        "source": report.location_source,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "place": report.place_name,
        "label": report.location_label,
        "confidence": report.location_confidence,
        "radius_km": report.location_radius_km,
        "wording": report.location_wording,
        "admin_areas": areas,
        "ask_until": iso(report.ask_until),
    }


def report_row(report, pseudonym, messages, areas: list[dict]) -> dict:
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
        "location": location_row(report, areas),
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

    from ewn.cli.incidents import register_report_commands

    register_report_commands(group)

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
            rows = [
                report_row(report, name, messages, area_names(session, report.id))
                for report, name, messages in reports.list_reports(session, limit, since_time)
            ]
        if fmt == "table":
            for row in rows:
                location = row["location"]
                row["place"] = location["place"] or location["status"]
                row["area"] = next((a["name"] for a in location["admin_areas"]), None)
        emit(rows, fmt, ["reference", "monitor", "channel", "received_at", "place", "area", "text"])

    @group.command("locate")
    @click.argument("reference")
    @click.option("--by", "staff", required=True, help="Your staff username (recorded).")
    @click.option("--place", help="GeoNames id, or a name that is not ambiguous.")
    @click.option("--latitude", type=click.FloatRange(-90, 90))
    @click.option("--longitude", type=click.FloatRange(-180, 180))
    @click.option(
        "--wording",
        help="The words the monitor used for the place (default: the "
        "words EWN read); they become an alias of the place.",
    )
    def locate_command(reference, staff, place, latitude, longitude, wording) -> None:
        """Set where a report happened (a staff correction, never overwritten)."""
        from ewn.geo.corrections import CorrectionError, correct, find_place

        if (latitude is None) != (longitude is None):
            fail("give both --latitude and --longitude")
        if bool(place) == (latitude is not None):
            fail("give either --place or --latitude and --longitude")
        with app_runtime() as (_app, rt), rt.db.session() as session:
            report = reports.by_reference(session, normalise_reference(reference))
            if report is None:
                fail(f"no report {reference}")
            try:
                found = find_place(session, place) if place else None
                correction = correct(
                    session, report, staff, found, latitude, longitude, wording, rt.geo.stopwords
                )
            except CorrectionError as exc:
                fail(str(exc))
            areas = ", ".join(a["name"] for a in area_names(session, report.id)) or "none"
            click.echo(
                f"{report.reference} located at {report.place_name or 'the point'} "
                f"({report.latitude:.5f}, {report.longitude:.5f}); areas: {areas}"
                + (f"; alias {correction.wording!r} added" if correction.wording and found else "")
            )
