"""The triage queue: incidents that need staff, most urgent first, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ewn.models import AdminArea, Incident, StaffUser
from ewn.triage.priority import band_range

NEEDS_ATTENTION = ("new", "claimed")
TRIAGE_STATUSES = ("new", "claimed", "verified", "escalated", "dismissed")
PAGE_SIZE = 50


@dataclass
class QueueFilter:
    status: str = "attention"  # attention (new + claimed), or one triage status, or all
    category: str | None = None
    area_id: int | None = None
    band: str | None = None
    since: datetime | None = None
    areas: set[int] | None = None  # the user's jurisdiction (None: everywhere)
    page: int = 1


def _query(flt: QueueFilter):
    query = select(Incident).where(Incident.status == "open")
    if flt.status == "attention":
        query = query.where(Incident.triage_status.in_(NEEDS_ATTENTION))
    elif flt.status in TRIAGE_STATUSES:
        query = query.where(Incident.triage_status == flt.status)
    if flt.category:
        query = query.where(Incident.primary_category == flt.category)
    if flt.area_id:
        query = query.where(Incident.area_id == flt.area_id)
    scores = band_range(flt.band) if flt.band else None
    if scores:
        query = query.where(
            Incident.priority_score >= scores[0], Incident.priority_score < scores[1]
        )
    if flt.since:
        query = query.where(Incident.event_end >= flt.since)
    if flt.areas:
        query = query.where(Incident.area_id.in_(flt.areas))
    return query


def page(session: Session, flt: QueueFilter) -> list[Incident]:
    query = (
        _query(flt)
        .order_by(Incident.priority_score.desc(), Incident.review_due_at, Incident.id)
        .limit(PAGE_SIZE)
        .offset(PAGE_SIZE * (max(1, flt.page) - 1))
    )
    return list(session.scalars(query))


def count(session: Session, flt: QueueFilter, cap: int = 10_000) -> int:
    """How many match (counted up to cap: exact counts of huge queues cost too much)."""
    capped = _query(flt).with_only_columns(Incident.id).limit(cap).subquery()
    return session.scalar(select(func.count()).select_from(capped))


def areas(session: Session, ids: set[int] | None = None) -> list[AdminArea]:
    query = select(AdminArea).where(AdminArea.level == 1).order_by(AdminArea.name)
    if ids:
        query = query.where(AdminArea.id.in_(ids))
    return list(session.scalars(query))


def staff_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(ids))).all()
    )
