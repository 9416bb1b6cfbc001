"""Which admin areas a located report is in.

With boundary polygons loaded, a point is assigned by point-in-polygon; without them, a named
place keeps its gazetteer codes, and a bare point (a WhatsApp share) is assigned by a vote of
the places around it, marked approximate. Whenever the uncertainty circle reaches into another
area with a real share of the evidence, that area is kept too, so a report near a border never
silently goes to one side's mediators only.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from shapely import STRtree
from shapely.geometry import Point, shape
from sqlalchemy.orm import Session

from ewn.geo.distance import KM_PER_DEGREE
from ewn.models import AdminArea, Place
from ewn.store import places as store

# A second area is kept when it holds at least this share of the evidence.
SPLIT_SHARE = 0.25
VOTE_RADIUS_KM = 15.0
# Beyond this radius a place is too vague for its circle to say which side of a border it is.
MAX_SPLIT_KM = 20.0


@dataclass
class AreaGuess:
    area: AdminArea
    confidence: float
    approximate: bool
    primary: bool


class Boundaries:
    """Polygons of the areas that have them, indexed for point queries (cached per process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._version = None
        self._areas: list[AdminArea] = []
        self._shapes = []
        self._tree: STRtree | None = None

    def _refresh(self, session: Session) -> None:
        version = store.boundary_version(session)
        if version == self._version:
            return
        with self._lock:
            areas = store.areas_with_boundaries(session)
            self._shapes = [shape(json.loads(area.boundary)) for area in areas]
            self._areas = [(a.id, a.level) for a in areas]
            self._tree = STRtree(self._shapes) if self._shapes else None
            self._version = version

    def near(
        self, session: Session, latitude: float, longitude: float, radius_km: float
    ) -> list[tuple[int, int, float]]:
        """(area id, level, distance in km; 0 inside) of areas within radius_km of the point."""
        self._refresh(session)
        if self._tree is None:
            return []
        point = Point(longitude, latitude)
        reach = radius_km / KM_PER_DEGREE
        found = []
        for index in self._tree.query(point.buffer(max(reach, 1e-6))):
            distance = self._shapes[index].distance(point) * KM_PER_DEGREE
            if distance <= radius_km:
                area_id, level = self._areas[index]
                found.append((area_id, level, distance))
        return found


BOUNDARIES = Boundaries()


def assign(
    session: Session,
    latitude: float,
    longitude: float,
    radius_km: float,
    place: Place | None = None,
) -> list[AreaGuess]:
    """Admin areas for a point (and the named place it came from, if any)."""
    polygons = BOUNDARIES.near(session, latitude, longitude, max(radius_km, 0.01))
    if polygons:
        return _from_polygons(session, polygons, radius_km)
    guesses = []
    if place is not None and place.admin1:
        area = store.area(session, place.country, 1, place.admin1)
        if area is not None:
            guesses.append(AreaGuess(area, 0.95, approximate=False, primary=True))
    # Neighbours vote on the area of a bare point, and show whether a named place's
    # uncertainty circle reaches into another area (an admin area itself needs no vote).
    reach = max(radius_km, VOTE_RADIUS_KM) if not guesses else min(radius_km, MAX_SPLIT_KM)
    is_area = place is not None and place.feature_code in ("ADM1", "ADM2")
    votes = [] if is_area else _vote(session, latitude, longitude, reach)
    if not guesses and votes:
        (area, share), *rest = votes
        guesses.append(AreaGuess(area, round(share, 3), approximate=True, primary=True))
        votes = rest
    chosen = {guess.area.id for guess in guesses}
    for area, share in votes:
        if share >= SPLIT_SHARE and area.id not in chosen:
            guesses.append(AreaGuess(area, round(share, 3), approximate=True, primary=False))
    return guesses


def _from_polygons(session: Session, polygons, radius_km: float) -> list[AreaGuess]:
    areas = {
        area.id: area
        for area in session.query(AdminArea).filter(
            AdminArea.id.in_([area_id for area_id, _, _ in polygons])
        )
    }
    guesses = []
    for level in sorted({level for _, level, _ in polygons}):
        at_level = sorted((d, area_id) for area_id, lvl, d in polygons if lvl == level)
        inside = [area_id for d, area_id in at_level if d == 0]
        primary = inside[0] if inside else at_level[0][1]
        guesses.append(
            AreaGuess(areas[primary], 1.0 if inside else 0.7, approximate=False, primary=True)
        )
        for distance, area_id in at_level:
            if area_id == primary:
                continue
            # Reaches into a neighbour: its share falls with how far inside the circle it is.
            share = max(0.0, 1 - distance / radius_km) if radius_km else 0.0
            if share >= SPLIT_SHARE:
                guesses.append(
                    AreaGuess(
                        areas[area_id], round(share * 0.5, 3), approximate=False, primary=False
                    )
                )
    return guesses


def _vote(session: Session, latitude: float, longitude: float, radius_km: float):
    """Level-1 areas of the places around the point, with their share of the weight."""
    weights = {
        (country, code): weight
        for country, code, weight in store.area_weights(
            session, latitude, longitude, radius_km, ("P", "A", "L")
        )
    }
    if not weights:
        return []
    areas = store.areas_by_codes(session, {(c, 1, code) for c, code in weights})
    total = sum(w for (c, code), w in weights.items() if (c, 1, code) in areas)
    ranked = sorted(
        (
            (areas[(c, 1, code)], w / total)
            for (c, code), w in weights.items()
            if (c, 1, code) in areas
        ),
        key=lambda item: -item[1],
    )
    return ranked
