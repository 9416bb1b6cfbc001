"""Gazetteer queries: names by key, fuzzy variants, places near a point, admin areas."""

from __future__ import annotations

import math
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ewn.geo.gazetteer import neighbour_cells
from ewn.models import AdminArea, Place, PlaceName, PlaceNameVariant

MAX_PARAMETERS = 900


def _chunks(values: Iterable, size: int = MAX_PARAMETERS):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# Built once: the place reader runs these for every message (no per-call expression building).
_NAMES = PlaceName.__table__
_BY_JOINED = select(_NAMES.c.joined, _NAMES.c.place_id, _NAMES.c.kind).where(
    _NAMES.c.joined.in_(bindparam("keys", expanding=True))
)
_BY_SKELETON = select(_NAMES.c.skeleton, _NAMES.c.place_id, _NAMES.c.kind, _NAMES.c.joined).where(
    _NAMES.c.skeleton.in_(bindparam("keys", expanding=True))
)
_VARIANTS = PlaceNameVariant.__table__
_BY_VARIANT = select(_VARIANTS.c.variant, _VARIANTS.c.joined).where(
    _VARIANTS.c.variant.in_(bindparam("keys", expanding=True))
)
# Plain rows (not ORM objects): the reader may look at many candidates per message.
_PLACES_BY_ID = select(
    Place.id,
    Place.source_id,
    Place.name,
    Place.country,
    Place.feature_class,
    Place.feature_code,
    Place.population,
    Place.latitude,
    Place.longitude,
    Place.admin1,
).where(Place.id.in_(bindparam("keys", expanding=True)))


def _rows(session: Session, statement, keys: Iterable) -> list:
    connection = session.connection()
    rows = []
    for chunk in _chunks(set(keys)):
        rows += connection.execute(statement, {"keys": chunk}).all()
    return rows


def names_by_joined(session: Session, keys: Iterable[str]) -> list:
    """(joined, place_id, kind) for names written exactly as any of keys."""
    return _rows(session, _BY_JOINED, keys)


def names_by_skeleton(session: Session, skeletons: Iterable[str]) -> list:
    return _rows(session, _BY_SKELETON, skeletons)


def joined_by_variant(session: Session, variants: Iterable[str]) -> list:
    """(variant, joined name) pairs: names one deletion away from the variants."""
    return _rows(session, _BY_VARIANT, variants)


def places_by_id(session: Session, ids: Iterable[int]) -> dict[int, Place]:
    """Places as rows with the attributes of Place that reading a message needs."""
    return {row.id: row for row in _rows(session, _PLACES_BY_ID, ids)}


def by_source_id(session: Session, source_id: int) -> Place | None:
    return session.scalar(select(Place).where(Place.source_id == source_id))


def places_near(
    session: Session,
    latitude: float,
    longitude: float,
    radius_km: float,
    classes: tuple[str, ...] = (),
) -> list:
    """Places (as rows) in the box around a point: found through the grid-cell index."""
    reach_lat = radius_km / 111.0
    reach_lon = radius_km / (111.0 * max(0.05, math.cos(math.radians(latitude))))
    rows = _rows_near(
        session,
        neighbour_cells(latitude, longitude, radius_km),
        {
            "south": latitude - reach_lat,
            "north": latitude + reach_lat,
            "west": longitude - reach_lon,
            "east": longitude + reach_lon,
        },
    )
    return [row for row in rows if not classes or row.feature_class in classes]


def _rows_near(session: Session, cells: list[int], box: dict) -> list:
    return session.connection().execute(_NEAR, {"cells": cells, **box}).all()


_AREA = select(AdminArea).where(
    AdminArea.country == bindparam("country"),
    AdminArea.level == bindparam("level"),
    AdminArea.code == bindparam("code"),
)
_AREAS_BY_CODES = select(AdminArea).where(
    AdminArea.country == bindparam("country"),
    AdminArea.level == bindparam("level"),
    AdminArea.code.in_(bindparam("codes", expanding=True)),
)
_NEAR = select(
    Place.id,
    Place.source_id,
    Place.name,
    Place.country,
    Place.feature_class,
    Place.feature_code,
    Place.population,
    Place.latitude,
    Place.longitude,
    Place.admin1,
).where(
    Place.cell.in_(bindparam("cells", expanding=True)),
    Place.latitude.between(bindparam("south"), bindparam("north")),
    Place.longitude.between(bindparam("west"), bindparam("east")),
)


def area(session: Session, country: str, level: int, code: str) -> AdminArea | None:
    return session.scalar(_AREA, {"country": country, "level": level, "code": code})


def areas_by_codes(session: Session, keys: Iterable[tuple[str, int, str]]) -> dict:
    """Areas by (country, level, code)."""
    wanted: dict[tuple[str, int], set[str]] = {}
    for country, level, code in keys:
        wanted.setdefault((country, level), set()).add(code)
    found = {}
    for (country, level), codes in wanted.items():
        for chunk in _chunks(codes):
            for found_area in session.scalars(
                _AREAS_BY_CODES, {"country": country, "level": level, "codes": chunk}
            ):
                found[(found_area.country, found_area.level, found_area.code)] = found_area
    return found


def areas_with_boundaries(session: Session) -> list[AdminArea]:
    return list(session.scalars(select(AdminArea).where(AdminArea.boundary.is_not(None))))


def boundary_version(session: Session) -> tuple:
    return tuple(
        session.execute(select(func.count(AdminArea.boundary), func.max(AdminArea.id))).one()
    )


def count_places(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Place))
