"""An incident's picture, recomputed from its reports: categories, severity, time, place,
corroboration by independent monitors, and flags for possibly coordinated reporting."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ewn.dedup import coordination
from ewn.escalation import engine as escalation
from ewn.meaning.classify import VAGUE_TERMS as VAGUE
from ewn.meaning.classify import guessed, own_text
from ewn.models import Incident, MonitorIdentity, Report, utcnow
from ewn.store import incidents as store
from ewn.triage import priority

GUESSED = "category_guessed"  # flag: no report's category comes from a term or staff
TRUST_WEIGHT = {"high": 1.5, "normal": 1.0, "low": 0.5}
UNVERIFIED_WEIGHT = 0.3


def agreed_time(ranges: list[tuple[datetime, datetime]]) -> tuple[datetime, datetime]:
    """When the event happened: where most reports' time ranges overlap, narrowed to what
    all of those say ("at dawn" within "last night" within "in the last 12 hours"). A
    follow-up told the next day does not widen it."""
    points = sorted([(start, 0) for start, _ in ranges] + [(end, 1) for _, end in ranges])
    depth, best, at = 0, 0, ranges[0][0]
    for moment, kind in points:  # starts before ends at the same moment
        depth += 1 if kind == 0 else -1
        if depth > best:
            best, at = depth, moment
    covering = [(start, end) for start, end in ranges if start <= at <= end]
    return max(start for start, _ in covering), min(end for _, end in covering)


def sample_texts(
    session: Session, incident: Incident, limit: int, without: int | None = None
) -> list[str]:
    """The texts of the incident's first and latest reports (what a new one is compared to),
    without what they say of other events, and without report `without` (a report placed
    again is compared with the others, not with itself)."""
    query = select(Report.id, Report.text, Report.classification_evidence).where(
        Report.incident_id == incident.id, Report.id != (without or 0)
    )
    latest = session.execute(query.order_by(Report.id.desc()).limit(limit)).all()
    if len(latest) == limit:  # maybe more: the first two and the latest
        first = session.execute(query.order_by(Report.id).limit(2)).all()
        latest = first + latest[: limit - 2]
    chosen = {id_: own_text(text, evidence) for id_, text, evidence in latest}
    return [text for _, text in sorted(chosen.items())]


def refresh(session: Session, rt, incident: Incident) -> None:
    """Recompute the incident from its reports; the escalation rules look at it again."""
    _recompute(session, rt, incident)
    session.flush()
    escalation.incident_changed(session, rt, incident)


def _recompute(session: Session, rt, incident: Incident) -> None:
    reports = store.reports_of(session, incident.id)
    incident.report_count = len(reports)
    incident.updated_at = utcnow()
    if not reports:
        incident.status = "dismissed" if incident.status == "open" else incident.status
        incident.flags = sorted(set(incident.flags or []) | {"empty"})
        return
    # Categories guessed from example reports (learned.py) count only while no report tells
    # one: staff should know, and the matcher weighs them less.
    sure = [r for r in reports if not guessed(r)]
    told = any(set(r.categories or []) - VAGUE for r in sure)
    telling = sure if told else reports
    flags = set(incident.flags or []) - {GUESSED}
    incident.flags = sorted(flags if told or len(sure) == len(reports) else flags | {GUESSED})
    counted = Counter(c for r in telling for c in (r.categories or []))
    taxonomy = rt.taxonomy
    incident.categories = sorted(counted, key=lambda c: (-taxonomy.severity(c), -counted[c], c))
    primaries = Counter(r.primary_category for r in telling if r.primary_category)
    incident.primary_category = max(
        primaries, key=lambda c: (taxonomy.severity(c), primaries[c]), default=None
    )
    incident.severity = (
        incident.staff_severity or max((r.severity or 0 for r in reports), default=0) or None
    )
    incident.victims = max((r.victims or 0 for r in reports), default=0) or None
    incident.event_start, incident.event_end = agreed_time(
        [(r.event_start, r.event_end) for r in reports]
    )
    _place(session, incident, reports)
    monitors = store.monitors_of(session, {r.monitor_id for r in reports if r.monitor_id})
    _corroboration(session, rt, incident, reports, monitors)
    trusted = [m.trust for m in monitors.values() if m.status == "active"]
    best = max(trusted, key=lambda t: priority.TRUST_POINTS.get(t, 0), default=None)
    priority.refresh(incident, reports, best, rt.settings)


def _place(session: Session, incident: Incident, reports: list[Report]) -> None:
    located = [r for r in reports if r.latitude is not None]
    if located:
        best = min(
            located, key=lambda r: (r.location_radius_km or 50.0, -(r.location_confidence or 0))
        )
        incident.latitude, incident.longitude = best.latitude, best.longitude
        incident.radius_km = best.location_radius_km
        names = Counter(r.place_name for r in located if r.place_name)
        incident.place_name = names.most_common(1)[0][0] if names else best.place_name
        incident.cell = store.cell_of(incident.latitude, incident.longitude)
    areas = Counter(store.primary_areas(session, [r.id for r in reports]).values())
    if areas:
        incident.area_id = areas.most_common(1)[0][0]
    incident.country = next((r.country for r in reports if r.country), incident.country)
    incident.day_bucket = store.day_bucket(incident.event_start)


def _corroboration(
    session: Session, rt, incident: Incident, reports: list[Report], monitors: dict
) -> None:
    """Independent people who saw it, weighted by trust; coordinated reports do not count."""
    settings = rt.settings.incidents
    coordinated = coordination.coordinated(
        reports, monitors, settings.coordination_reports, settings.coordination_minutes
    )
    for report in reports:
        report.coordinated = report.id in coordinated
    counted = [r for r in reports if r.id not in coordinated and r.monitor_id]
    independent = {r.monitor_id for r in counted}
    weight = 0.0
    for monitor_id in independent:
        monitor = monitors[monitor_id]
        weight += (
            UNVERIFIED_WEIGHT
            if monitor.status != "active"
            else (TRUST_WEIGHT.get(monitor.trust, 1.0))
        )
    identities = (
        session.scalar(
            select(func.count(MonitorIdentity.id)).where(
                MonitorIdentity.monitor_id.in_(independent)
            )
        )
        if independent
        else 0
    )
    incident.monitor_count = len(independent)
    incident.identity_count = identities
    incident.corroboration = round(weight, 2)
    flags = set(incident.flags or []) - {"possible_coordination"}
    if coordinated:
        flags.add("possible_coordination")
    incident.flags = sorted(flags)
