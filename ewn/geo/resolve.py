"""Choose the place a message is about, with a confidence and an uncertainty radius.

Each candidate place of each mention gets a score from how well the words match, whether a cue
("near", "karibu na") or a capital letter announces a name, what kind of feature it is and how
many people live there, how near it is to the monitor's home, and whether other places in the
message agree with it (the county it is in, a neighbouring town). The confidence is lowered when
another candidate far away scores almost as well: then EWN asks rather than guesses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ewn.geo.config import GeoConfig
from ewn.geo.distance import km
from ewn.geo.extract import Mention, look_up, mentions
from ewn.models import Place
from ewn.store import places as store

FEATURE_PRIOR = {
    "PPLC": 1.0,
    "PPLA": 0.95,
    "PPLA2": 0.9,
    "PPLA3": 0.85,
    "PPLA4": 0.85,
    "PPL": 0.8,
    "PPLX": 0.75,
    "PPLL": 0.7,
    "PPLS": 0.7,
    "PPLF": 0.6,
    "ADM1": 0.85,
    "ADM2": 0.75,
    "ADMD": 0.65,
    "ADM3": 0.65,
    "ADM4": 0.6,
    "CMP": 0.8,
    "MKT": 0.7,
    "EST": 0.6,
    "LCTY": 0.6,
    "AREA": 0.55,
}
CLASS_PRIOR = {
    "P": 0.75,
    "A": 0.6,
    "S": 0.35,
    "L": 0.5,
    "T": 0.35,
    "V": 0.35,
    "H": 0.3,
    "R": 0.3,
    "U": 0.1,
}
WEIGHTS = {
    "match": 0.40,
    "cue": 0.10,
    "capital": 0.05,
    "feature": 0.12,
    "population": 0.08,
    "home": 0.20,
    "context": 0.15,
}
FAR_KM = 50.0
HOME_SCALE_KM = 40.0


@dataclass
class Scored:
    mention: Mention
    place: Place
    score: float
    parts: dict[str, float]


@dataclass
class Reading:
    """What the text says about where: the chosen place (if any) and why."""

    place: Place | None = None
    confidence: float = 0.0
    radius_km: float | None = None
    wording: str | None = None
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
    found = [m for m in found if m.candidates and (not m.common or (m.cue and m.capitalised))]
    if not found:
        return reading
    places = store.places_by_id(session, {pid for m in found for pid in m.candidates})
    scored = _score(found, places, home, countries)
    chosen = _choose(scored)
    if chosen is None:
        return reading
    best, rival = chosen
    reading.place = best.place
    reading.wording = best.mention.text
    reading.confidence = _confidence(best, rival)
    reading.radius_km = _radius(best.place, rival, best)
    reading.evidence = [
        _explain(item)
        for item in sorted((s for s in scored if s.score > 0.3), key=lambda s: -s.score)[:8]
    ]
    return reading


def _score(
    found: list[Mention], places: dict[int, Place], home: Place | None, countries: tuple[str, ...]
) -> list[Scored]:
    scored = []
    for mention in found:
        for place_id, quality in mention.candidates.items():
            place = places.get(place_id)
            if place is None:
                continue
            parts = {
                "match": quality,
                "cue": 1.0 if mention.cue else 0.0,
                "capital": 1.0 if mention.capitalised else 0.0,
                "feature": FEATURE_PRIOR.get(
                    place.feature_code, CLASS_PRIOR.get(place.feature_class, 0.3)
                ),
                "population": min(1.0, math.log10(place.population + 1) / 6),
                "home": (
                    math.exp(
                        -km(home.latitude, home.longitude, place.latitude, place.longitude)
                        / HOME_SCALE_KM
                    )
                    if home
                    else 0.35
                ),
                "context": 0.0,
            }
            scored.append(Scored(mention, place, 0.0, parts))
    for item in scored:
        item.parts["context"] = _support(item, scored)
        item.score = sum(WEIGHTS[name] * value for name, value in item.parts.items())
        if item.mention.common:
            item.score -= 0.15
        if not item.mention.cue and not item.mention.capitalised and item.mention.words == 1:
            item.score -= 0.05
        if countries and item.place.country not in countries:
            item.score *= 0.5
    return scored


def _support(item: Scored, scored: list[Scored]) -> float:
    """How much other places named in the message agree with this candidate."""
    best = 0.0
    for other in scored:
        if _overlaps(other.mention, item.mention) or other.place.id == item.place.id:
            continue
        if (
            other.place.feature_code in ("ADM1", "ADM2")
            and other.place.country == (item.place.country)
            and other.place.admin1 == item.place.admin1
        ):
            best = max(best, 1.0 * other.parts["match"])
        elif (
            km(
                item.place.latitude,
                item.place.longitude,
                other.place.latitude,
                other.place.longitude,
            )
            < 30
        ):
            best = max(best, 0.6 * other.parts["match"])
    return best


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.first < b.last and b.first < a.last


def _choose(scored: list[Scored]) -> tuple[Scored, Scored | None] | None:
    if not scored:
        return None
    # Per stretch of words, the longest mention with a strong candidate wins.
    ranked = sorted(scored, key=lambda s: s.score + 0.04 * s.mention.words, reverse=True)
    taken: list[Mention] = []
    picks: list[Scored] = []
    for item in ranked:
        if any(_overlaps(item.mention, other) and other is not item.mention for other in taken):
            continue
        if item.mention not in taken:
            taken.append(item.mention)
            picks.append(item)
    best = picks[0]
    # A county named beside a town in it: the town is the more precise answer.
    if best.place.feature_class == "A" and best.place.feature_code in ("ADM1", "ADM2"):
        inside = [
            p
            for p in picks[1:]
            if p.place.feature_class != "A"
            and p.place.admin1 == best.place.admin1
            and p.score > 0.5 * best.score
        ]
        if inside:
            best = inside[0]
    # "Mandera" is a county and its main town: the town, and no ambiguity between them.
    namesakes = [s for s in scored if s.mention is best.mention and _contains(s.place, best.place)]
    if best.place.feature_class == "A" and namesakes:
        town = max(namesakes, key=lambda s: s.score)
        if town.score > 0.8 * best.score:
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


def _contains(area: Place, place: Place) -> bool:
    """area is the county (or district) place lies in."""
    return (
        area.feature_code in ("ADM1", "ADM2")
        and place.feature_class != "A"
        and area.country == place.country
        and area.admin1 == place.admin1
    )


def _far(a: Place, b: Place) -> bool:
    return km(a.latitude, a.longitude, b.latitude, b.longitude) > FAR_KM


def _confidence(best: Scored, rival: Scored | None) -> float:
    confidence = 1 / (1 + math.exp(-(best.score - 0.55) * 10))
    if rival is not None and best.score > 0:
        ratio = rival.score / best.score
        confidence *= 1 - max(0.0, ratio - 0.6) / 0.4 * 0.6
    if best.mention.kind in ("fuzzy", "skeleton"):
        confidence *= 0.9
    return round(max(0.0, min(1.0, confidence)), 3)


def _radius(place: Place, rival: Scored | None, best: Scored) -> float:
    code = place.feature_code
    if code == "ADM1":
        radius = 50.0
    elif code == "ADM2":
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
