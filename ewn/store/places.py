"""Gazetteer queries: names by key, fuzzy variants, places near a point, admin areas."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Float, bindparam, func, select
from sqlalchemy.orm import Session

from ewn.geo import gazetteer
from ewn.geo.distance import KM_PER_DEGREE, km_per_degree_of_longitude
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
    # With the source, the lookup uses the (source, source_id) unique index.
    return session.scalar(
        select(Place).where(Place.source == gazetteer.SOURCE, Place.source_id == source_id)
    )


def _box(latitude: float, longitude: float, radius_km: float) -> dict:
    reach_lat = radius_km / KM_PER_DEGREE
    km_per_lon = km_per_degree_of_longitude(latitude)
    return {
        "cells": neighbour_cells(latitude, longitude, radius_km),
        "south": latitude - reach_lat,
        "north": latitude + reach_lat,
        "west": longitude - radius_km / km_per_lon,
        "east": longitude + radius_km / km_per_lon,
        "km_per_lon": km_per_lon,
    }


def places_near(
    session: Session,
    latitude: float,
    longitude: float,
    radius_km: float,
    classes: tuple[str, ...] = (),
) -> list:
    """Places (as rows) in the box around a point: found through the grid-cell index."""
    box = _box(latitude, longitude, radius_km)
    classes = list(classes or gazetteer.FEATURE_CLASSES)
    return session.connection().execute(_NEAR, {**box, "classes": classes}).all()


def area_weights(
    session: Session,
    latitude: float,
    longitude: float,
    radius_km: float,
    classes: tuple[str, ...],
) -> list[tuple[str, str, float]]:
    """(country, admin1 code, weight) of the places within radius_km of a point, each place
    weighing 1 / (1 + d) at d km. Summed by the database: however dense the gazetteer, one
    row per area comes back."""
    box = _box(latitude, longitude, radius_km)
    return [
        (country, admin1, float(weight))
        for country, admin1, weight in session.connection().execute(
            _WEIGHTS,
            {
                **box,
                "classes": list(classes),
                "latitude": latitude,
                "longitude": longitude,
                "reach2": radius_km**2,
            },
        )
    ]


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
_IN_BOX = (
    Place.cell.in_(bindparam("cells", expanding=True)),
    Place.feature_class.in_(bindparam("classes", expanding=True)),
    Place.latitude.between(bindparam("south"), bindparam("north")),
    Place.longitude.between(bindparam("west"), bindparam("east")),
)
_NORTH_KM = (Place.latitude - bindparam("latitude", type_=Float)) * KM_PER_DEGREE
_EAST_KM = (Place.longitude - bindparam("longitude", type_=Float)) * bindparam(
    "km_per_lon", type_=Float
)
_SQUARED_KM = _NORTH_KM * _NORTH_KM + _EAST_KM * _EAST_KM
_WEIGHTS = (
    select(
        Place.country,
        Place.admin1,
        func.sum(1.0 / (1.0 + func.sqrt(_SQUARED_KM))),
    )
    .where(*_IN_BOX, Place.admin1 != "", bindparam("reach2", type_=Float) >= _SQUARED_KM)
    .group_by(Place.country, Place.admin1)
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
).where(*_IN_BOX)


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
