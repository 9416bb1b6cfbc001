"""Gazetteer queries: names by key, fuzzy variants, places near a point, admin areas."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ewn.geo.gazetteer import neighbour_cells
from ewn.models import AdminArea, Place, PlaceName, PlaceNameVariant

MAX_PARAMETERS = 900


def _chunks(values: Iterable, size: int = MAX_PARAMETERS):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def names_by_joined(session: Session, keys: Iterable[str]) -> list:
    """(joined, place_id, kind) for names written exactly as any of keys."""
    rows = []
    for chunk in _chunks(set(keys)):
        rows += session.execute(
            select(PlaceName.joined, PlaceName.place_id, PlaceName.kind).where(
                PlaceName.joined.in_(chunk)
            )
        ).all()
    return rows


def names_by_skeleton(session: Session, skeletons: Iterable[str]) -> list:
    rows = []
    for chunk in _chunks(set(skeletons)):
        rows += session.execute(
            select(PlaceName.skeleton, PlaceName.place_id, PlaceName.kind).where(
                PlaceName.skeleton.in_(chunk)
            )
        ).all()
    return rows


def joined_by_variant(session: Session, variants: Iterable[str]) -> list:
    """(variant, joined name) pairs: names one deletion away from the variants."""
    rows = []
    for chunk in _chunks(set(variants)):
        rows += session.execute(
            select(PlaceNameVariant.variant, PlaceNameVariant.joined).where(
                PlaceNameVariant.variant.in_(chunk)
            )
        ).all()
    return rows


def places_by_id(session: Session, ids: Iterable[int]) -> dict[int, Place]:
    found = {}
    for chunk in _chunks(set(ids)):
        found.update(
            {place.id: place for place in session.scalars(select(Place).where(Place.id.in_(chunk)))}
        )
    return found


def by_source_id(session: Session, source_id: int) -> Place | None:
    return session.scalar(select(Place).where(Place.source_id == source_id))


def places_near(
    session: Session,
    latitude: float,
    longitude: float,
    radius_km: float,
    classes: tuple[str, ...] = (),
) -> list[Place]:
    query = select(Place).where(Place.cell.in_(neighbour_cells(latitude, longitude, radius_km)))
    if classes:
        query = query.where(Place.feature_class.in_(classes))
    return list(session.scalars(query))


def area(session: Session, country: str, level: int, code: str) -> AdminArea | None:
    return session.scalar(
        select(AdminArea).where(
            AdminArea.country == country, AdminArea.level == level, AdminArea.code == code
        )
    )


def areas_by_codes(session: Session, keys: Iterable[tuple[str, int, str]]) -> dict:
    keys = set(keys)
    if not keys:
        return {}
    countries = {country for country, _, _ in keys}
    found = session.scalars(select(AdminArea).where(AdminArea.country.in_(countries)))
    return {(a.country, a.level, a.code): a for a in found if (a.country, a.level, a.code) in keys}


def areas_with_boundaries(session: Session) -> list[AdminArea]:
    return list(session.scalars(select(AdminArea).where(AdminArea.boundary.is_not(None))))


def boundary_version(session: Session) -> tuple:
    return tuple(
        session.execute(select(func.count(AdminArea.boundary), func.max(AdminArea.id))).one()
    )


def count_places(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Place))
