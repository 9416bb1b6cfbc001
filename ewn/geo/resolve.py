"""Choose the place a message is about, with a confidence and an uncertainty radius.

Every candidate place of every mention is scored (ewn.geo.weigh); the strongest reading wins,
with the more precise of two places that say the same ("githunguri kiambu", "X near Y"). The
confidence is lowered when another candidate far away scores almost as well: then EWN asks
rather than guesses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ewn.geo.config import GeoConfig
from ewn.geo.distance import km_fast as km
from ewn.geo.extract import Mention, mentions
from ewn.geo.lookup import look_up
from ewn.geo.weigh import Scored, may_be_place, overlaps, score
from ewn.models import Place
from ewn.store import places as store

LENGTH_BONUS = 0.12
FIRST_BONUS = 0.04
# The score at which a reading is as likely right as wrong (tuned on the tune half).
CONFIDENCE_MIDPOINT = 0.45
# A rival this far below the best reading no longer makes it doubtful.
RIVAL_MARGIN = 0.15
ADMIN_CODES = ("ADM1", "ADM2")
# Feature codes outside class P as precise as a village: camp, market, estate, locality.
SPECIFIC_CODES = ("CMP", "MKT", "EST", "LCTY")
FAR_KM = 50.0
NEAR_KM = 30.0  # a place this close may be named to say where another one is
QUALIFIED_SHARE = 0.6
CITY = 100_000  # a town this big is often named first, its estate or quarter after it
INSIDE_SHARE = 0.7  # of a place inside the county named next to it ("githunguri kiambu")


@dataclass
class Reading:
    """What the text says about where: the chosen place (if any) and why."""

    place: Place | None = None
    confidence: float = 0.0
    radius_km: float | None = None
    wording: str | None = None
    # The words name where people went ("fled to Molo"), not where it happened.
    destination: bool = False
    evidence: list[dict] = field(default_factory=list)
    examined: int = 0


def read_place(
    session: Session,
    text: str,
    config: GeoConfig,
    home: Place | None = None,
    countries: tuple[str, ...] = (),
) -> Reading:
    tokens, found = mentions(text, config)
    reading = Reading()
    if not found:
        return reading
    reading.examined = look_up(session, tokens, found)
    found = [m for m in found if m.candidates and may_be_place(m)]
    if not found:
        return reading
    places = store.places_by_id(session, {pid for m in found for pid in m.candidates})
    scored = score(found, places, home, countries)
    chosen = _choose(scored)
    if chosen is None:
        return reading
    best, rival = chosen
    reading.place = best.place
    reading.wording = best.mention.text
    reading.destination = best.mention.destination
    reading.confidence = _confidence(best, rival)
    reading.radius_km = _radius(best.place, rival, best)
    # Each place once, at its best reading ("Sigor" named twice is one candidate).
    distinct = {}
    for item in sorted((s for s in scored if s.score > 0.3), key=lambda s: -s.score):
        distinct.setdefault(item.place.id, item)
    reading.evidence = [_explain(item) for item in list(distinct.values())[:8]]
    return reading


def _choose(scored: list[Scored]) -> tuple[Scored, Scored | None] | None:
    if not scored:
        return None
    # Per stretch of words, the longest mention with a strong candidate wins...
    ranked = sorted(
        scored, key=lambda s: s.score + LENGTH_BONUS * (s.mention.words - 1), reverse=True
    )
    taken: list[Mention] = []
    picks: list[Scored] = []
    for item in ranked:
        if item.mention in taken or any(overlaps(item.mention, other) for other in taken):
            continue
        taken.append(item.mention)
        picks.append(item)
    # ...and among separate places, the strongest; monitors name the place first (unless
    # they start with where people came from or went to).
    first = min(pick.mention.first for pick in picks)
    picks.sort(
        key=lambda s: (
            s.score
            + (FIRST_BONUS if s.mention.first == first and not s.mention.destination else 0.0)
        ),
        reverse=True,
    )
    best = picks[0]
    # "githunguri kiambu": Kiambu is a town and a county; read as the county, it says where
    # Githunguri is, and Githunguri is the more precise answer.
    county = _as_county(best, scored)
    if county is not None and best.mention.noun != "town":
        # Any reading of the other words, not only their strongest: "Luanda kakamega" is
        # the Luanda in Kakamega county, not the bigger one next door.
        inside = [
            s
            for s in sorted(scored, key=lambda s: -s.score)
            if not overlaps(s.mention, best.mention)
            and _specific(s)
            and not s.mention.destination  # "the Rhamu road near Mandera" is not at Rhamu
            and _contains(county.place, s.place)
            and s.score > INSIDE_SHARE * best.score
            and (s.mention.first < best.mention.first or county.mention.noun == "county")
        ]
        if inside:
            best = inside[0]
    # "kibaoni near mpeketoni": the place named before the cue; the other says where it is.
    best = _qualified(best, scored) or best
    # "Mandera" alone is a county and its main town: the town (unless "Mandera county").
    if best.place.feature_code in ADMIN_CODES and best.mention.noun != "county":
        towns = [s for s in scored if s.mention is best.mention and _contains(best.place, s.place)]
        town = max(towns, key=lambda s: s.score, default=None)
        if town is not None and town.score > 0.8 * best.score:
            best = town
    rival = next(
        (
            s
            for s in sorted(scored, key=lambda s: -s.score)
            if s.mention is best.mention
            and s.place.id != best.place.id
            and _far(s.place, best.place)
            and not _contains(s.place, best.place)
            and not _contains(best.place, s.place)
        ),
        None,
    )
    return best, rival


def _qualified(best: Scored, scored: list[Scored]) -> Scored | None:
    """The place named right before best that best only says where it is: before its cue
    ("X near best", "X in best"), or right before it and smaller ("kongoni naivasha"), when
    it lies near best and its reading is a strong one; of several so named, the nearest."""

    def distance(s: Scored) -> float:
        return km(s.place.latitude, s.place.longitude, best.place.latitude, best.place.longitude)

    def before(s: Scored) -> bool:
        if best.mention.cue_from is not None:
            return s.mention.last == best.mention.cue_from
        if best.place.population >= CITY and s.mention.first == best.mention.last:
            return s.place.population < best.place.population  # "Kisumu (Nyalenda)"
        return s.mention.last == best.mention.first and s.place.population < best.place.population

    return min(
        (
            s
            for s in scored
            if before(s)
            and _specific(s)
            and s.score >= QUALIFIED_SHARE * best.score
            and distance(s) <= NEAR_KM
        ),
        key=distance,
        default=None,
    )


def _specific(item: Scored) -> bool:
    """A town, village, estate, camp or market: more precise than the county it is in."""
    return item.place.feature_class == "P" or item.place.feature_code in SPECIFIC_CODES


def _as_county(best: Scored, scored: list[Scored]) -> Scored | None:
    """best's words read as a county or district, if that reading is a strong one."""
    if best.place.feature_code in ADMIN_CODES:
        return best
    return max(
        (
            s
            for s in scored
            if s.mention is best.mention
            and s.place.feature_code in ADMIN_CODES
            and s.score >= 0.7 * best.score
        ),
        key=lambda s: s.score,
        default=None,
    )


def _contains(area: Place, place: Place) -> bool:
    """area is the county (or district) place lies in."""
    return (
        area.feature_code in ADMIN_CODES
        and place.feature_class != "A"
        and area.country == place.country
        and area.admin1 == place.admin1
    )


def _far(a: Place, b: Place) -> bool:
    return km(a.latitude, a.longitude, b.latitude, b.longitude) > FAR_KM


def _confidence(best: Scored, rival: Scored | None) -> float:
    confidence = 1 / (1 + math.exp(-(best.score - CONFIDENCE_MIDPOINT) * 10))
    # Another place far away that the words match as well, scoring nearly as high: a real
    # ambiguity ("Marti" in Samburu or in Marsabit). A weaker spelling match is not one.
    if rival is not None and rival.parts["match"] >= best.parts["match"] - 0.05:
        margin = best.score - rival.score
        confidence *= min(1.0, 0.4 + 0.6 * margin / RIVAL_MARGIN)
    if best.mention.kind in ("fuzzy", "skeleton"):
        confidence *= 0.9
    return round(max(0.0, min(1.0, confidence)), 3)


def _radius(place: Place, rival: Scored | None, best: Scored) -> float:
    code = place.feature_code
    if code in ("ADM1H", "RGN"):  # a former province, a region: larger than a county
        radius = 100.0
    elif code == "ADM1":
        radius = 50.0
    elif code in ("ADM2", "ADM2H"):
        radius = 20.0
    elif place.feature_class == "A":
        radius = 10.0
    elif place.feature_class == "P":
        radius = 8.0 if place.population >= 100_000 else 4.0 if place.population >= 20_000 else 2.0
    elif code in ("CMP", "MKT", "EST"):
        radius = 2.5
    else:
        radius = 5.0
    return radius


def _explain(item: Scored) -> dict:
    return {
        "words": item.mention.text,
        "match": item.mention.kind,
        "place": item.place.name,
        "geonameid": item.place.source_id,
        "admin1": item.place.admin1,
        "score": round(item.score, 3),
        "parts": {name: round(value, 3) for name, value in item.parts.items()},
    }
