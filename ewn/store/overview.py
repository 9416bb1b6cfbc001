"""The map and dashboard: summaries that stay small however large the store grows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ewn.models import AdminArea, Incident

MAX_POINTS = 1500


def map_points(
    session: Session, areas: set[int] | None, bbox: tuple[float, ...] | None, band: str | None
) -> tuple[list, bool]:
    """Open incidents as points, most urgent first; beyond MAX_POINTS the map shows the
    most urgent ones and says it is incomplete (never a million points)."""
    query = select(
        Incident.reference,
        Incident.latitude,
        Incident.longitude,
        Incident.radius_km,
        Incident.priority_band,
        Incident.primary_category,
        Incident.place_name,
    ).where(
        Incident.status == "open",
        Incident.triage_status != "dismissed",
        Incident.latitude.is_not(None),
    )
    if areas:
        query = query.where(Incident.area_id.in_(areas))
    if band:
        query = query.where(Incident.priority_band == band)
    if bbox:
        south, west, north, east = bbox
        query = query.where(
            Incident.latitude.between(south, north), Incident.longitude.between(west, east)
        )
    rows = session.execute(
        query.order_by(Incident.priority_score.desc()).limit(MAX_POINTS + 1)
    ).all()
    return rows[:MAX_POINTS], len(rows) > MAX_POINTS


def counts(session: Session, areas: set[int] | None, since: datetime) -> list:
    """(area name, category, day, count) of incidents since a time."""
    day = func.date(Incident.event_start)
    query = (
        select(AdminArea.name, Incident.primary_category, day, func.count())
        .join(AdminArea, AdminArea.id == Incident.area_id)
        .where(Incident.event_start >= since, Incident.status == "open")
        .group_by(AdminArea.name, Incident.primary_category, day)
    )
    if areas:
        query = query.where(Incident.area_id.in_(areas))
    return session.execute(query).all()


def extent(session: Session, areas: set[int] | None) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) around the admin areas (all first-level ones if None)."""
    query = select(
        func.min(AdminArea.min_lat),
        func.min(AdminArea.min_lon),
        func.max(AdminArea.max_lat),
        func.max(AdminArea.max_lon),
    ).where(AdminArea.level == 1)
    if areas:
        query = query.where(AdminArea.id.in_(areas))
    row = session.execute(query).one()
    return tuple(row) if None not in row else None
