"""Staff decisions on incidents: merge, split a report out, change a report's categories.

Each is recorded with who and why; reports a staff member placed are never moved by the
cluster stage again, and categories a staff member set are never reclassified.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.dedup import incidents as aggregate
from ewn.dedup.cluster import new_incident
from ewn.models import Incident, IncidentDecision, Report
from ewn.store import incidents as store


class StaffError(ValueError):
    """The decision cannot be made as asked; the message says why."""


def incident_by_reference(session: Session, reference: str) -> Incident:
    incident = session.scalar(select(Incident).where(Incident.reference == reference.upper()))
    if incident is None:
        raise StaffError(_("no incident %(reference)s", reference=reference))
    return incident


def merge(session: Session, rt, into: Incident, other: Incident, staff: str, why: str) -> int:
    """Move every report of other into into; returns how many moved."""
    if into.id == other.id:
        raise StaffError(_("an incident cannot be merged into itself"))
    if other.status == "merged" or into.status == "merged":
        raise StaffError(_("merge into or from an incident that was already merged"))
    moved = store.reports_of(session, other.id)
    for report in moved:
        report.incident_id, report.placement = into.id, "staff"
        session.add(
            IncidentDecision(
                report_id=report.id,
                incident_id=into.id,
                action="merged",
                actor=staff,
                reason=why,
                scores={"from": other.reference},
            )
        )
    other.status, other.merged_into_id = "merged", into.id
    session.add(
        IncidentDecision(
            incident_id=other.id,
            action="merged",
            actor=staff,
            reason=why,
            scores={"into": into.reference},
        )
    )
    session.flush()
    aggregate.refresh(session, rt, into)
    return len(moved)


def split(session: Session, rt, report: Report, staff: str, why: str) -> Incident:
    """Take report out of its incident into a new one of its own."""
    previous = session.get(Incident, report.incident_id) if report.incident_id else None
    incident = new_incident(session, report, store.primary_area(session, report.id))
    report.incident_id, report.placement = incident.id, "staff"
    session.add(
        IncidentDecision(
            report_id=report.id,
            incident_id=incident.id,
            action="split",
            actor=staff,
            reason=why,
            scores={"from": previous.reference if previous else None},
        )
    )
    session.flush()
    aggregate.refresh(session, rt, incident)
    if previous is not None:
        aggregate.refresh(session, rt, previous)
    return incident


def categorise(
    session: Session, rt, report: Report, categories: list[str], primary: str, staff: str, why: str
) -> None:
    unknown = [c for c in categories if c not in rt.taxonomy.categories]
    if unknown:
        raise StaffError(
            _(
                "unknown categories: %(unknown)s (known: %(known)s)",
                unknown=", ".join(unknown),
                known=", ".join(rt.taxonomy.categories),
            )
        )
    if primary not in categories:
        raise StaffError(_("the primary category must be one of the categories"))
    before = {"categories": report.categories, "primary": report.primary_category}
    report.categories, report.primary_category = categories, primary
    report.severity = max(rt.taxonomy.severity(c) for c in categories)
    report.not_incident = False
    report.classification_source = "staff"
    if report.incident_id:
        session.add(
            IncidentDecision(
                report_id=report.id,
                incident_id=report.incident_id,
                action="categorised",
                actor=staff,
                reason=why,
                scores={"before": before},
            )
        )
        session.flush()
        aggregate.refresh(session, rt, session.get(Incident, report.incident_id))


def resolve_categories(rt, names: str) -> list[str]:
    """Category names or monitor codes, comma-separated ("K,A" or "KILLING,ARMED_ATTACK")."""
    found = []
    for name in (part.strip().upper() for part in names.split(",") if part.strip()):
        found.append(rt.taxonomy.codes.get(name, name))
    return found
