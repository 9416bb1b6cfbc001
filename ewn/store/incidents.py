"""Incidents: candidate search by block (day and grid cell) and by text signature bands."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from ewn.models import Incident, IncidentSignature, Monitor, Report, ReportArea

# A 3x3 block of cells covers at least 15 km around any point in it.
CELL_DEGREES = 0.15
ROW = 10_000  # cell numbers: row * ROW + column (columns < 360 / CELL_DEGREES)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_BY_BLOCK = select(Incident).where(
    Incident.day_bucket.in_(bindparam("days", expanding=True)),
    Incident.cell.in_(bindparam("cells", expanding=True)),
    Incident.status == "open",
)
_BY_AREA = select(Incident).where(
    Incident.day_bucket.in_(bindparam("days", expanding=True)),
    Incident.area_id == bindparam("area"),
    Incident.status == "open",
)
_BY_BANDS = (
    select(IncidentSignature.incident_id)
    .where(
        IncidentSignature.band.in_(bindparam("bands", expanding=True)),
        IncidentSignature.day_bucket.in_(bindparam("days", expanding=True)),
    )
    .distinct()
)
_WORD_COUNTS = (
    select(IncidentSignature.band, func.count())
    .where(
        IncidentSignature.band.in_(bindparam("words", expanding=True)),
        IncidentSignature.day_bucket.in_(bindparam("days", expanding=True)),
    )
    .group_by(IncidentSignature.band)
)
# A word shared by more incidents of the same days than this tells events apart no better
# than the day itself ("police", "attack"): it is not used to find candidates.
MAX_INCIDENTS_PER_WORD = 8
_BY_IDS = select(Incident).where(
    Incident.id.in_(bindparam("ids", expanding=True)), Incident.status == "open"
)


def day_bucket(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds() // 86400)


def cell_of(latitude: float | None, longitude: float | None) -> int:
    """A ~17 km grid cell; -1 for incidents without coordinates."""
    if latitude is None or longitude is None:
        return -1
    return math.floor((latitude + 90) / CELL_DEGREES) * ROW + math.floor(
        (longitude + 180) / CELL_DEGREES
    )


def cells_in(south: float, west: float, north: float, east: float, limit: int) -> list[int] | None:
    """The grid cells a box touches, or None when there are more than limit."""
    first, last = cell_of(south, west), cell_of(north, east)
    rows = range(first // ROW, last // ROW + 1)
    columns = range(first % ROW, last % ROW + 1)
    if not columns or len(rows) * len(columns) > limit:
        return None
    return [row * ROW + column for row in rows for column in columns]


def neighbour_cells(latitude: float, longitude: float) -> list[int]:
    centre = cell_of(latitude, longitude)
    return [centre + row * ROW + column for row in (-1, 0, 1) for column in (-1, 0, 1)]


@dataclass(frozen=True)
class Reach:
    """When a candidate incident may have happened. An incident is filed under the day it
    began; one that began days earlier is still a candidate while its time comes near (a
    raid told of for a week, "since last week"): the earlier days it may have begun on, and
    the time its events must reach (between earliest and latest)."""

    days: list[int]
    earliest: datetime
    latest: datetime

    def near(self, incident: Incident) -> bool:
        return incident.event_end >= self.earliest and incident.event_start <= self.latest


def candidates(
    session: Session,
    days: list[int],
    latitude: float | None,
    longitude: float | None,
    area_id: int | None,
    signature: list[str],
    words: Sequence[str] = (),
    reach: Reach | None = None,
) -> list[Incident]:
    """Open incidents that may be the same event: same days and nearby cells, same area,
    a shared text signature band, or a shared word few other incidents of those days use.
    Each query uses an index; none scans the store. reach: also incidents of nearby cells
    that began on earlier days and whose time comes near."""
    found: dict[int, Incident] = {}
    if words:
        counts = session.execute(_WORD_COUNTS, {"words": list(words), "days": days})
        signature = [*signature, *(w for w, n in counts if n <= MAX_INCIDENTS_PER_WORD)]
    # The time bounds are checked here, not in SQL: with them there, SQLite may choose the
    # index on event_end and read every open incident since (46x slower at 1M reports).
    when = sorted(set(days) | set(reach.days)) if reach else days
    near = reach.near if reach else (lambda incident: True)
    if latitude is not None:
        cells = [*neighbour_cells(latitude, longitude), -1]
        for incident in session.scalars(_BY_BLOCK, {"days": when, "cells": cells}):
            if near(incident):
                found[incident.id] = incident
    if area_id is not None:
        # A whole county holds many incidents a day: the earlier days are looked up by cell.
        for incident in session.scalars(_BY_AREA, {"days": days, "area": area_id}):
            found[incident.id] = incident
    if signature:
        ids = [
            row
            for (row,) in session.execute(_BY_BANDS, {"bands": signature, "days": days})
            if row not in found
        ]
        if ids:
            for incident in session.scalars(_BY_IDS, {"ids": ids}):
                found[incident.id] = incident
    return list(found.values())


def reports_of(session: Session, incident_id: int) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .where(Report.incident_id == incident_id)
            .order_by(Report.received_at, Report.id)
        )
    )


def monitors_of(session: Session, monitor_ids: set[int]) -> dict[int, Monitor]:
    if not monitor_ids:
        return {}
    return {m.id: m for m in session.scalars(select(Monitor).where(Monitor.id.in_(monitor_ids)))}


def primary_area(session: Session, report_id: int) -> int | None:
    return session.scalar(
        select(ReportArea.area_id)
        .where(
            ReportArea.report_id == report_id,
            ReportArea.is_primary.is_(True),
            ReportArea.level == 1,
        )
        .limit(1)
    )


def primary_areas(session: Session, report_ids: list[int]) -> dict[int, int]:
    """primary_area for many reports in one query: {report id: county-level area id}."""
    if not report_ids:
        return {}
    rows = session.execute(
        select(ReportArea.report_id, func.min(ReportArea.area_id))
        .where(
            ReportArea.report_id.in_(report_ids),
            ReportArea.is_primary.is_(True),
            ReportArea.level == 1,
        )
        .group_by(ReportArea.report_id)
    )
    return dict(rows.all())


def add_signature(session: Session, incident_id: int, bands: list[str], day: int) -> None:
    known = set(
        session.scalars(
            select(IncidentSignature.band).where(IncidentSignature.incident_id == incident_id)
        )
    )
    for band in set(bands) - known:
        session.add(IncidentSignature(incident_id=incident_id, band=band, day_bucket=day))


def lock_days(session: Session, days: list[int]) -> None:
    """Serialise placement of reports whose time windows overlap (PostgreSQL; SQLite has
    one writer at a time already): two workers never both start the same incident."""
    if session.bind.dialect.name != "postgresql":
        return
    for day in sorted(days):
        session.execute(text("SELECT pg_advisory_xact_lock(7301, :day)"), {"day": day})


def count_open(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(Incident).where(Incident.status == "open")
    )


def list_incidents(session: Session, limit: int = 100) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.status != "merged")
            .order_by(Incident.updated_at.desc())
            .limit(limit)
        )
    )
