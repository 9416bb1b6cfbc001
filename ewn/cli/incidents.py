"""ewn incidents: list, merge, split; and ewn reports categorize."""

from __future__ import annotations

import click
from sqlalchemy import select

from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, fail, iso
from ewn.dedup.staff import (
    StaffError,
    categorise,
    incident_by_reference,
    merge,
    resolve_categories,
    split,
)
from ewn.geo.locate import area_names
from ewn.models import AdminArea, InboundMessage, IncidentDecision, Monitor, StaffUser
from ewn.refs import normalise_reference
from ewn.store import incidents as store
from ewn.store import reports as report_store
from ewn.triage.priority import overdue


def incident_row(session, incident) -> dict:
    reports = store.reports_of(session, incident.id)
    monitor_ids = {r.monitor_id for r in reports if r.monitor_id}
    names = dict(
        session.execute(
            select(Monitor.id, Monitor.pseudonym).where(Monitor.id.in_(monitor_ids))
        ).all()
    )
    area = session.get(AdminArea, incident.area_id) if incident.area_id else None
    decisions = session.scalars(
        select(IncidentDecision)
        .where(IncidentDecision.incident_id == incident.id)
        .order_by(IncidentDecision.id)
    )
    return {
        "reference": incident.reference,
        "status": incident.status,
        "primary_category": incident.primary_category,
        "categories": incident.categories,
        "severity": incident.severity,
        "victims": incident.victims,
        "event_time": {"start": iso(incident.event_start), "end": iso(incident.event_end)},
        "place": {
            "name": incident.place_name,
            "latitude": incident.latitude,
            "longitude": incident.longitude,
            "radius_km": incident.radius_km,
            "area": {"name": area.name, "label": area.label, "code": area.code} if area else None,
        },
        "corroboration": {
            "monitors": incident.monitor_count,
            "identities": incident.identity_count,
            "weighted": incident.corroboration,
        },
        "flags": incident.flags,
        "triage": {
            "status": incident.triage_status,
            "dismissed_as": incident.dismiss_reason,
            "priority": {"score": incident.priority_score, "band": incident.priority_band},
            "review_due_at": iso(incident.review_due_at),
            "overdue": overdue(incident),
            "assigned_to": session.scalar(
                select(StaffUser.username).where(StaffUser.id == incident.assigned_to_id)
            )
            if incident.assigned_to_id
            else None,
            "vulnerable_people": incident.vulnerable,
        },
        "reports": [
            {
                "reference": r.reference,
                "monitor": names.get(r.monitor_id),
                "received_at": iso(r.received_at),
                "text": r.text,
                "categories": r.categories,
                "primary_category": r.primary_category,
                "classification": r.classification_source,
                "classification_evidence": r.classification_evidence,
                "placement": r.placement,
                "coordinated": r.coordinated,
                "event_time": {
                    "start": iso(r.event_start),
                    "end": iso(r.event_end),
                    "source": r.event_time_source,
                    "phrase": r.event_time_phrase,
                },
                "admin_areas": area_names(session, r.id),
                "messages": [
                    {"provider": m.provider, "external_id": m.external_id}
                    for m in session.scalars(
                        select(InboundMessage)
                        .where(InboundMessage.report_id == r.id)
                        .order_by(InboundMessage.id)
                    )
                ],
            }
            for r in reports
        ],
        "decisions": [
            {
                "action": d.action,
                "actor": d.actor,
                "reason": d.reason,
                "report": d.report_id,
                "scores": d.scores,
                "at": iso(d.decided_at),
            }
            for d in decisions
        ],
    }


def register(main: click.Group) -> None:
    @main.group("incidents")
    def group() -> None:
        """Incidents: reports of one event, grouped."""

    @group.command("list")
    @FORMAT_OPTION
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
    def list_command(fmt: str, limit: int) -> None:
        """Incidents, most recently updated first."""
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            rows = [incident_row(session, i) for i in store.list_incidents(session, limit)]
        if fmt == "table":
            for row in rows:
                row["place_name"] = row["place"]["name"]
                row["reports_count"] = len(row["reports"])
                row["monitors"] = row["corroboration"]["monitors"]
                row["priority"] = row["triage"]["priority"]["band"]
                row["triage_status"] = row["triage"]["status"]
                row["review_due_at"] = row["triage"]["review_due_at"]
        emit(
            rows,
            fmt,
            [
                "reference",
                "status",
                "triage_status",
                "priority",
                "review_due_at",
                "primary_category",
                "severity",
                "place_name",
                "reports_count",
                "monitors",
                "flags",
            ],
        )

    @group.command("merge")
    @click.argument("into")
    @click.argument("other")
    @click.option("--by", "staff", required=True, help="Your staff username (recorded).")
    @click.option("--why", required=True, help="The reason (recorded).")
    def merge_command(into: str, other: str, staff: str, why: str) -> None:
        """Merge incident OTHER into INTO."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            try:
                moved = merge(
                    session,
                    rt,
                    incident_by_reference(session, into),
                    incident_by_reference(session, other),
                    staff,
                    why,
                )
            except StaffError as exc:
                fail(str(exc))
        click.echo(f"moved {moved} reports from {other.upper()} into {into.upper()}")

    @group.command("split")
    @click.argument("report")
    @click.option("--by", "staff", required=True)
    @click.option("--why", required=True)
    def split_command(report: str, staff: str, why: str) -> None:
        """Take REPORT out of its incident into a new incident."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            found = report_store.by_reference(session, normalise_reference(report))
            if found is None:
                fail(f"no report {report}")
            incident = split(session, rt, found, staff, why)
            click.echo(f"{found.reference} is now incident {incident.reference}")


def register_report_commands(reports_group: click.Group) -> None:
    @reports_group.command("categorize")
    @click.argument("report")
    @click.option(
        "--categories",
        required=True,
        help="Comma-separated categories or codes, e.g. K,A or KILLING,ARMED_ATTACK.",
    )
    @click.option("--primary", help="The primary category (default: the first given).")
    @click.option("--by", "staff", required=True)
    @click.option("--why", required=True)
    def categorize(report, categories, primary, staff, why) -> None:
        """Set a report's categories (a staff decision, never reclassified)."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            found = report_store.by_reference(session, normalise_reference(report))
            if found is None:
                fail(f"no report {report}")
            chosen = resolve_categories(rt, categories)
            main_category = (
                resolve_categories(rt, primary)[0] if primary else (chosen[0] if chosen else "")
            )
            try:
                categorise(session, rt, found, chosen, main_category, staff, why)
            except StaffError as exc:
                fail(str(exc))
            click.echo(f"{found.reference}: {', '.join(chosen)} (primary {main_category})")
