"""Changes of a report's place after the locate stage: staff corrections (the wording becomes an
alias for next time), and the namesake the report's incident points to."""

from __future__ import annotations

import json
import logging

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ewn.geo.distance import km
from ewn.geo.gazetteer import MIN_FUZZY_LENGTH
from ewn.geo.locate import Fix, apply
from ewn.geo.names import deletions, joined, name_key, skeleton
from ewn.geo.resolve import Reading
from ewn.models import LocationCorrection, Place, PlaceName, PlaceNameVariant, Report
from ewn.store import places as place_store

log = logging.getLogger(__name__)
SAME_PLACE_KM = 5.0


class CorrectionError(ValueError):
    """The correction cannot be made as asked; the message says why."""


def find_place(session: Session, wanted: str) -> Place:
    """A place by GeoNames id, or by a name that is not ambiguous."""
    wanted = wanted.strip()
    if wanted.isdigit():
        place = place_store.by_source_id(session, int(wanted))
        if place is None:
            raise CorrectionError(_("no place with GeoNames id %(id)s", id=wanted))
        return place
    key = joined(name_key(wanted))
    ids = {place_id for _, place_id, _ in place_store.names_by_joined(session, [key])}
    places = sorted(place_store.places_by_id(session, ids).values(), key=lambda p: -p.population)
    if not places:
        raise CorrectionError(_("no place named %(name)r", name=wanted))
    places.sort(key=lambda p: (p.feature_class != "P", -p.population))
    # Namesakes a few hundred metres apart (a village listed twice) are one place.
    if any(
        km(places[0].latitude, places[0].longitude, p.latitude, p.longitude) > SAME_PLACE_KM
        for p in places[1:]
    ):
        listed = "; ".join(
            f"{p.source_id} ({p.name}, {p.feature_code}, admin1 {p.admin1}, "
            f"{p.latitude:.3f},{p.longitude:.3f})"
            for p in places[:8]
        )
        raise CorrectionError(
            _(
                "%(count)s places are named %(name)r; give the GeoNames id instead: %(listed)s",
                count=len(places),
                name=wanted,
                listed=listed,
            )
        )
    return places[0]


def correct(
    session: Session,
    report: Report,
    staff: str,
    place: Place | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    wording: str | None = None,
    stopwords: frozenset[str] | set[str] = frozenset(),
) -> LocationCorrection:
    previous = {
        "latitude": report.latitude,
        "longitude": report.longitude,
        "place": report.place_name,
        "source": report.location_source,
        "confidence": report.location_confidence,
        "status": report.location_status,
    }
    wording = (wording or report.location_wording or "").strip() or None
    if place is not None:
        fix = Fix(
            place.latitude,
            place.longitude,
            "staff",
            1.0,
            2.0,
            place=place,
            name=place.name,
            wording=wording,
        )
    elif latitude is not None and longitude is not None:
        fix = Fix(latitude, longitude, "staff", 1.0, 0.5, wording=wording)
    else:
        raise CorrectionError(_("give a place or coordinates"))
    apply(session, report, fix, Reading())
    correction = LocationCorrection(
        report_id=report.id,
        staff=staff,
        place_id=place.id if place else None,
        latitude=fix.latitude,
        longitude=fix.longitude,
        wording=wording,
        previous=json.dumps(previous),
    )
    session.add(correction)
    if place is not None and wording:
        add_alias(session, place, wording, staff, stopwords)
    return correction


def add_alias(
    session: Session, place: Place, wording: str, staff: str, stopwords: set[str] = frozenset()
) -> None:
    # "kwa mama mboga" is found as "mama mboga": names never start or end with a stopword.
    words = name_key(wording).split()
    while words and words[0] in stopwords:
        words.pop(0)
    while words and words[-1] in stopwords:
        words.pop()
    key = " ".join(words)
    if not key:
        return
    flat = joined(key)
    exists = session.query(PlaceName).filter_by(place_id=place.id, key=key, kind="alias").first()
    if exists is None:
        session.add(
            PlaceName(
                place_id=place.id,
                name=wording[:300],
                key=key,
                joined=flat,
                skeleton=skeleton(flat),
                kind="alias",
                created_by=staff,
            )
        )
    if len(flat) >= MIN_FUZZY_LENGTH:
        known = {
            row.variant for row in session.query(PlaceNameVariant.variant).filter_by(joined=flat)
        }
        for variant in deletions(flat) - known:
            session.add(PlaceNameVariant(variant=variant, joined=flat))


def move_to(session: Session, report: Report, place: Place) -> None:
    """The report's words name `place` after all, a namesake of the place first read (the
    incident the report belongs to says which); the reading's confidence and evidence stay."""
    fix = Fix(
        place.latitude,
        place.longitude,
        report.location_source,
        report.location_confidence or 0.0,
        report.location_radius_km or 5.0,
        place=place,
        name=place.name,
        wording=report.location_wording,
    )
    apply(session, report, fix, Reading())
    log.info("report %s moved to a namesake of its place", report.reference)
