"""The map and dashboard: summaries that stay small however large the store grows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ewn.models import AdminArea, Incident
from ewn.store import incidents
from ewn.triage.priority import band_range

MAX_POINTS = 1500
MAX_CELLS = 400  # about 3° x 3°


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
    scores = band_range(band) if band else None
    if scores:
        query = query.where(
            Incident.priority_score >= scores[0], Incident.priority_score < scores[1]
        )
    if bbox:
        south, west, north, east = bbox
        query = query.where(
            Incident.latitude.between(south, north), Incident.longitude.between(west, east)
        )
        # A small box: look its grid cells up (ix_incidents_cell) rather than walk every
        # open incident in priority order until enough fall inside.
        cells = incidents.cells_in(south, west, north, east, limit=MAX_CELLS)
        if cells:
            query = query.where(Incident.cell.in_(cells))
    rows = session.execute(
        query.order_by(Incident.priority_score.desc()).limit(MAX_POINTS + 1)
    ).all()
    return rows[:MAX_POINTS], len(rows) > MAX_POINTS


def counts(session: Session, areas: set[int] | None, since: datetime):
    """Open, undismissed incidents since a time, by the UTC day they happened: counts per
    (area name, category), and per day. Both are read from one covering index."""
    first = incidents.day_bucket(since)
    counted = [
        Incident.status == "open",
        Incident.day_bucket >= first,
        Incident.triage_status != "dismissed",
        Incident.area_id.is_not(None),
    ]
    if areas:
        counted.append(Incident.area_id.in_(areas))
    names = dict(session.execute(select(AdminArea.id, AdminArea.name)).all())
    by_area = session.execute(
        select(Incident.area_id, Incident.primary_category, func.count())
        .where(*counted)
        .group_by(Incident.area_id, Incident.primary_category)
    )
    by_day = session.execute(
        select(Incident.day_bucket, func.count()).where(*counted).group_by(Incident.day_bucket)
    )
    epoch = incidents.EPOCH.date()
    return (
        [(names.get(area, "?"), category, count) for area, category, count in by_area],
        [(epoch + timedelta(days=day), count) for day, count in by_day],
    )


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
