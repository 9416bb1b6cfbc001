"""How likely each candidate place of each mention is what the message means: how well the
words match, whether a cue ("near", "karibu na") or a capital letter announces a name, what kind
of feature it is and how many people live there, how near it is to the monitor's home, and
whether other places in the message agree with it (the county it is in, a neighbouring town).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ewn.geo.distance import km_fast as km
from ewn.geo.extract import NAME_QUALITY, Mention
from ewn.models import Place

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
# Incidents happen in towns, villages, camps and markets, rarely in streams, schools or hotels.
CLASS_PRIOR = {
    "P": 0.75,
    "A": 0.6,
    "L": 0.5,
    "S": 0.15,
    "T": 0.15,
    "V": 0.15,
    "H": 0.1,
    "R": 0.1,
    "U": 0.05,
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
DESTINATION_PENALTY = 0.12
COUNTY_NOUN = 0.10
MAX_CANDIDATES = 12
HOME_SCALE_KM = 40.0
HOME_COUNTY = 0.5


@dataclass
class Scored:
    mention: Mention
    place: Place
    score: float
    parts: dict[str, float]


def _near_home(home: Place, place: Place) -> float:
    """How near the monitor's home: monitors mostly report from their own county, so a place
    in it counts as fairly near however far across the county it lies."""
    near = math.exp(
        -km(home.latitude, home.longitude, place.latitude, place.longitude) / HOME_SCALE_KM
    )
    if home.admin1 and home.country == place.country and home.admin1 == place.admin1:
        return max(near, HOME_COUNTY)
    return near


def _strongest(scored: list[Scored]) -> list[Scored]:
    """The best few candidates of each mention on everything but context: a name shared by
    a hundred places costs no more than one shared by a dozen."""
    by_mention: dict[int, list[Scored]] = {}
    for item in scored:
        item.score = sum(WEIGHTS[name] * value for name, value in item.parts.items())
        by_mention.setdefault(id(item.mention), []).append(item)
    kept = []
    for items in by_mention.values():
        kept += sorted(items, key=lambda item: -item.score)[:MAX_CANDIDATES]
    return kept


def may_be_place(mention: Mention) -> bool:
    """A common word ("soko", "bahati") is a place only when written and announced as one,
    or set apart as the heading of the message ("kiboko makueni: herders shot...")."""
    return not mention.common or mention.header or (mention.announced and mention.capitalised)


def score(
    found: list[Mention], places: dict[int, Place], home: Place | None, countries: tuple[str, ...]
) -> list[Scored]:
    scored = []
    for mention in found:
        # In the order of the places' ids: equal scores are then read the same every time.
        for place_id, quality in sorted(mention.candidates.items()):
            place = places.get(place_id)
            # A country as a whole ("Kenya Power", "Republic of Kenya") says nothing of where.
            if place is None or place.feature_code == "PCLI":
                continue
            parts = {
                "match": quality,
                # "fled to X", "came from X": announced, but not as where it happened.
                "cue": 0.0 if mention.destination else _announcement(mention),
                "capital": 1.0 if mention.capitalised else 0.0,
                "feature": FEATURE_PRIOR.get(
                    place.feature_code, CLASS_PRIOR.get(place.feature_class, 0.3)
                ),
                "population": min(1.0, math.log10(place.population + 1) / 6),
                "home": _near_home(home, place) if home else 0.35,
                "context": 0.0,
            }
            scored.append(Scored(mention, place, 0.0, parts))
    scored = _strongest(scored)
    inside = _inside_names(scored)
    for item in scored:
        item.parts["context"] = _support(item, scored, inside)
        item.score = sum(WEIGHTS[name] * value for name, value in item.parts.items())
        if item.mention.common:
            item.score -= 0.15
        if not _announcement(item.mention) and not item.mention.capitalised:
            item.score -= 0.05
        if item.mention.destination:
            item.score -= DESTINATION_PENALTY
        if item.mention.noun == "county":
            item.score += (
                COUNTY_NOUN if item.place.feature_code in ("ADM1", "ADM2") else (-COUNTY_NOUN)
            )
        if countries and item.place.country not in countries:
            item.score *= 0.5
    return scored


def _announcement(mention: Mention) -> float:
    """How clearly the words are presented as a place."""
    if mention.announced:
        return 1.0
    return 0.5 if mention.first == 0 else 0.0


def _support(item: Scored, scored: list[Scored], inside: set[int]) -> float:
    """How much other places named in the message agree with this candidate. Words that
    are part of a longer name ("Mau" of Mau Narok) name no other place."""
    best = 0.0
    for other in scored:
        if (
            overlaps(other.mention, item.mention)
            or other.place.id == item.place.id
            or id(other.mention) in inside
        ):
            continue
        if (
            other.place.feature_class == "A"
            and other.place.country == (item.place.country)
            and other.place.admin1 == item.place.admin1
            # "towards the Baringo side": the county people went to is often the next one
            # (giving it half the support was tried: worse on the third tuning set).
            and not other.mention.destination
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


def _inside_names(scored: list[Scored]) -> set[int]:
    """The mentions (by id) whose words are part of a longer mention that is a name."""
    names = {(s.mention.first, s.mention.last) for s in scored if s.parts["match"] >= NAME_QUALITY}
    return {
        id(s.mention)
        for s in scored
        if any(
            last - first > s.mention.words and first <= s.mention.first and s.mention.last <= last
            for first, last in names
        )
    }


def overlaps(a: Mention, b: Mention) -> bool:
    return a.first < b.last and b.first < a.last
