"""Where a report may be, for finding and weighing its incident: its place, or while it is
unlocated the places its text may name (else the monitor's home); and the namesakes of a
place read from words ("Sigor" in West Pokot and in Kericho)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session

from ewn.geo.distance import km_fast
from ewn.meaning.classify import own_text
from ewn.models import Monitor, Place, Report
from ewn.store import incidents as store
from ewn.store import places as place_store

GUESSES = 4  # readings of a report's text that are weighed
# A namesake scored at least this share of the place read is weighed too.
NAMESAKE_SHARE = 0.75
READ_SOURCES = {"text", "ask_back"}  # locations read from words, which may name namesakes


@dataclass
class Features:
    """What a report brings to the comparison: where (perhaps only a guess) and when."""

    report: Report
    area_id: int | None
    coarse: bool
    latitude: float | None
    longitude: float | None
    # Other places the report may be about (a name shared by places far apart): the
    # incident it belongs to may say which.
    alternatives: tuple[Features, ...] = ()
    place: Place | None = None  # the gazetteer place of a reading

    @cached_property
    def text(self) -> str:
        """The report's words, without what it says of another event."""
        return own_text(self.report.text, self.report.classification_evidence)


def features_of(session: Session, report: Report, settings) -> Features:
    """The report's place; while it is unlocated (asking "where?", or no answer), the places
    its text may name, else the monitor's home, as coarse places: good enough to find and
    weigh candidates."""
    area_id = store.primary_area(session, report.id)
    if report.latitude is not None:
        coarse = report.location_radius_km is None or report.location_radius_km > (
            settings.distance_km
        )
        features = Features(report, area_id, coarse, report.latitude, report.longitude)
        features.alternatives = tuple(
            _guess(session, report, None, place) for place in _namesakes(session, report, settings)
        )
        return features
    guesses = [
        _guess(session, report, area_id, guess) for guess in _guessed_places(session, report)
    ]
    if not guesses:
        return Features(report, area_id, True, None, None)
    guesses[0].alternatives = tuple(guesses[1:])
    return guesses[0]


def _guess(session: Session, report: Report, area_id: int | None, place: Place) -> Features:
    area_id = area_id or _area_of(session, place)
    return Features(report, area_id, True, place.latitude, place.longitude, place=place)


def _namesakes(session: Session, report: Report, settings) -> list[Place]:
    """Far-off places with the name the report's place was read from, nearly as likely
    ("Sigor" in West Pokot and in Kericho): the report may be about one of them."""
    if report.location_source not in READ_SOURCES or not report.location_wording:
        return []
    evidence = json.loads(report.location_evidence or "{}").get("candidates", [])
    wording = report.location_wording.casefold()
    same = [item for item in evidence if item["words"].casefold() == wording]
    if not same:
        return []
    least = NAMESAKE_SHARE * max(item["score"] for item in same)
    found: list[Place] = []
    for item in same:
        if item["score"] < least or len(found) == GUESSES - 1:
            continue
        place = place_store.by_source_id(session, item["geonameid"])
        if place is None or place.id == report.place_id:
            continue
        if all(_apart(place, other, settings) for other in (report, *found)):
            found.append(place)
    return found


def _apart(one, other, settings) -> bool:
    """Whether two located things (places, reports) are further apart than the distance."""
    distance = km_fast(one.latitude, one.longitude, other.latitude, other.longitude)
    return distance > settings.distance_km


def namesake_place(features: Features, geonameid: int) -> Place:
    return next(w.place for w in features.alternatives if w.place.source_id == geonameid)


def _area_of(session: Session, place: Place) -> int | None:
    area = place_store.area(session, place.country, 1, place.admin1) if place.admin1 else None
    return area.id if area else None


def _guessed_places(session: Session, report: Report) -> list[Place]:
    evidence = json.loads(report.location_evidence or "{}").get("candidates", [])[:GUESSES]
    found = [place_store.by_source_id(session, item["geonameid"]) for item in evidence]
    places = [place for place in found if place is not None]
    if places:
        return places
    monitor = session.get(Monitor, report.monitor_id) if report.monitor_id else None
    if monitor is not None and monitor.home_place_id:
        return [session.get(Place, monitor.home_place_id)]
    return []
