"""The cluster stage: every report joins the open incident that tells of the same event, or
starts one. Each decision keeps the scores behind it; a staff decision is never undone.

Same event means: event times within the window (default 48 h), places within the distance
(default 15 km, or the same admin area when a place is coarse), compatible categories, and
alike texts, with the same victim count and the same named place as extra evidence. Two
reports of the same kind of event in one town on different days, or of different events in
one town on the same day, stay apart unless their texts are very alike.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from ewn.dedup import incidents as aggregate
from ewn.dedup.features import Features, features_of, namesake_place
from ewn.dedup.text import bands, numbers, profile, similarity, word_keys
from ewn.geo.corrections import move_to
from ewn.geo.distance import km_fast
from ewn.geo.extract import name_words
from ewn.meaning.classify import guessed
from ewn.meaning.stage import CLUSTER_STAGE
from ewn.models import Incident, IncidentDecision, Report
from ewn.refs import report_reference
from ewn.store import incidents as store
from ewn.store.common import with_unique_retry
from ewn.worker import Job, transactional_stage

log = logging.getLogger(__name__)
WEIGHTS = {"time": 0.25, "place": 0.25, "category": 0.20, "text": 0.30}
# Categories that go together in one event (an attack with killings, arson and flight).
FAMILIES = [
    {
        "KILLING",
        "ARMED_ATTACK",
        "SEXUAL_VIOLENCE",
        "ABDUCTION_DETENTION",
        "PROPERTY_DESTRUCTION",
        "DISPLACEMENT",
    },
    {"THREAT_INTIMIDATION", "HATE_SPEECH_INCITEMENT", "ARMS_MOBILIZATION", "DISPLACEMENT"},
    {
        "PROTEST_REPRESSION",
        "KILLING",
        "ARMED_ATTACK",
        "ABDUCTION_DETENTION",
        "PROPERTY_DESTRUCTION",
    },
    {"HUMANITARIAN_OBSTRUCTION", "ARMED_ATTACK", "ABDUCTION_DETENTION", "PROPERTY_DESTRUCTION"},
]
RUMOUR = "RUMOR_UNVERIFIED"
VAGUE = {RUMOUR, "OTHER"}
MIN_CATEGORY, MIN_TEXT_ALONE = 0.5, 0.25
# A report that says it tells of another event ("separate from the morning ambush") loses
# SEPARATE from its total, unless its text is this alike to the incident's. (Ruling such
# joins out, or a larger drop, splits more true incidents than it saves on the tuning sets.)
SAME_TEXT, SEPARATE = 0.45, 0.2
APART = 0.5  # the time score of events that do not overlap, at most
TEXT_SAMPLES = 10
NEAR_COPY = 0.8  # text likeness of a copy, which joins whatever the places read
UNKNOWN_PLACE = 0.3  # the place score when nothing is known about where
UNPLACED_TEXT = 0.35  # text likeness that outweighs an unlocated report's far-off guesses
# How many days before its time window an incident near in time may have begun ("since last
# week"; a raid told of over days): those are searched as well.
BEGAN_DAYS_BEFORE = 7


@transactional_stage(CLUSTER_STAGE)
def cluster(session: Session, job: Job) -> None:
    report = session.get(Report, job.subject_id, with_for_update=True)
    if report is None or report.placement == "staff":
        return
    if report.understood_at is None or report.location_status == "pending":
        return  # the understand or locate stage will queue this again when it is done
    place(session, job.runtime, report)


def place(session: Session, rt, report: Report) -> Incident:
    settings = rt.settings.incidents
    window = timedelta(hours=settings.window_hours)
    days = sorted(
        {
            store.day_bucket(report.event_start - window + timedelta(hours=12 * i))
            for i in range(int(2 * settings.window_hours / 12) + 3)
        }
        | {store.day_bucket(report.event_end)}
    )
    store.lock_days(session, days)
    reach = store.Reach(
        [
            store.day_bucket(report.event_start - window - timedelta(days=back))
            for back in range(1, BEGAN_DAYS_BEFORE + 1)
        ],
        report.event_start - window,
        report.event_end + window,
    )
    features = features_of(session, report, settings)
    signature, words = bands(features.text), word_keys(features.text)
    current = session.get(Incident, report.incident_id) if report.incident_id else None
    best, best_scores = None, None
    if not report.not_incident:
        # A precisely located report finds its incident among the nearby ones; text
        # signatures are for reports whose place is unknown or coarse.
        text_keys = features.coarse
        candidates = {
            incident.id: incident
            for index, where in enumerate((features, *features.alternatives))
            for incident in store.candidates(
                session,
                days,
                where.latitude,
                where.longitude,
                where.area_id,
                signature if text_keys and index == 0 else [],
                words if text_keys and index == 0 else [],
                reach,
            )
        }.values()
        for incident in candidates:
            if incident is current and current.report_count <= 1:
                continue  # an incident of this report alone is itself: no evidence
            scores = score(session, features, incident, settings, rt.geo)
            if scores and (best_scores is None or scores["total"] > best_scores["total"]):
                best, best_scores = incident, scores
        examined = len(candidates)
    else:
        examined = 0
    joins = best is not None and best_scores["total"] >= settings.join_threshold
    if current is not None and (not joins or best.id == current.id):
        aggregate.refresh(session, rt, current)  # stays where it is
        return current
    previous = current
    if joins:
        incident, action = best, "joined"
        if namesake := best_scores.get("namesake"):
            # The incident says which of the places of that name the report means.
            move_to(session, report, namesake_place(features, namesake["geonameid"]))
    else:
        incident, action = new_incident(session, report, features.area_id), "created"
    report.incident_id, report.placement = incident.id, "auto"
    session.flush()
    session.add(
        IncidentDecision(
            report_id=report.id,
            incident_id=incident.id,
            action="moved" if previous is not None else action,
            actor="auto",
            scores={
                **(best_scores or {}),
                "examined": examined,
                "threshold": settings.join_threshold,
            },
        )
    )
    store.add_signature(
        session, incident.id, signature + words, store.day_bucket(report.event_start)
    )
    aggregate.refresh(session, rt, incident)
    if previous is not None:
        aggregate.refresh(session, rt, previous)
    log.info("report %s %s incident %s", report.reference, action, incident.reference)
    return incident


def new_incident(session: Session, report: Report, area_id: int | None) -> Incident:
    def make() -> Incident:
        incident = Incident(
            reference="I" + report_reference(),
            status="open",
            event_start=report.event_start,
            event_end=report.event_end,
            latitude=report.latitude,
            longitude=report.longitude,
            radius_km=report.location_radius_km,
            area_id=area_id,
            country=report.country,
            day_bucket=store.day_bucket(report.event_start),
            cell=store.cell_of(report.latitude, report.longitude),
            categories=list(report.categories or []),
        )
        if report.not_incident:
            incident.status, incident.flags = "dismissed", ["not_an_incident"]
        session.add(incident)
        session.flush()
        return incident

    return with_unique_retry(session, make)


def score(session: Session, features: Features, incident: Incident, settings, geo) -> dict | None:
    """How likely report and incident are the same event (None: certainly not)."""
    report = features.report
    window = timedelta(hours=settings.window_hours)
    gap = max(
        report.event_start - incident.event_end,
        incident.event_start - report.event_end,
        timedelta(0),
    )
    if gap > window:
        return None
    # What followed an event ("death toll now 4", "calm after the clashes") is told later.
    follow_up = (report.classification_evidence or {}).get("follow_up")
    if follow_up and report.event_start >= incident.event_start:
        # It is told hours or a day after the event as a matter of course.
        time = 1 - gap / (2 * window)
    else:
        time = 1.0 if gap == timedelta(0) else max(0.0, 1 - gap / window) * APART
    readings = [
        (value, where)
        for where in (features, *features.alternatives)
        if (value := _place(where, incident, settings)) is not None
    ]
    place, reading = max(readings, key=lambda item: item[0], default=(None, None))
    texts = aggregate.sample_texts(session, incident, TEXT_SAMPLES, report.id)
    mine = features.text
    own = profile(mine)
    text = max((similarity(own, other) for other in texts), default=0.0)
    if place is None:
        # The same words naming the same places (a forwarded alert), read apart: the reading
        # differs, not the event ("Manyatta" is also a town in Embu). The same words about
        # another town ("houses burnt at Molo" / "at Kapedo") are another event.
        if text >= NEAR_COPY and _shared_names(mine, texts, geo):
            place = 0.0
        elif report.latitude is None and gap == timedelta(0) and text >= UNPLACED_TEXT:
            # Only guessed at, far off: what it tells, at that time, says more than a guess.
            place = UNKNOWN_PLACE
        else:
            return None
    category = _categories(report.categories or [], incident.categories or [], gap == timedelta(0))
    if (
        RUMOUR in (report.primary_category, incident.primary_category)
        or guessed(report)
        or aggregate.GUESSED in (incident.flags or [])
    ):
        # What a rumour claims ("messages say an attack is coming") may or may not be what
        # the others tell: its categories neither agree nor disagree. Nor do categories
        # guessed from example reports (learned.py): a right guess helps, a wrong one does
        # not count against.
        category = max(category, 0.5)
    # Being in the same place on the same day is not enough: different events happen
    # there too. What happened, or how it is told, must agree as well.
    # Nor is another kind of event at another time ("families evicted this morning", "a
    # farmer hacked to death this evening"), unless the words are much alike.
    if category < MIN_CATEGORY and text < (MIN_TEXT_ALONE if gap == timedelta(0) else SAME_TEXT):
        return None
    parts = {
        "time": round(time, 3),
        "place": round(place, 3),
        "category": round(category, 3),
        "text": round(text, 3),
    }
    total = sum(WEIGHTS[name] * value for name, value in parts.items())
    # One victim is what most reports tell of: the same count says little.
    shared = (numbers(mine) & set().union(*(numbers(t) for t in texts))) - {1} if texts else set()
    if shared:
        total += 0.05
        parts["numbers"] = sorted(shared)
    separate = (report.classification_evidence or {}).get("separate")
    if separate and text < SAME_TEXT:
        total -= SEPARATE
        parts["separate"] = separate
    if report.place_name and report.place_name == incident.place_name:
        total += 0.05
        parts["same_place"] = report.place_name
    elif names := _shared_names(mine, texts, geo):
        # A name both use that EWN could not pin down to one place (unknown or ambiguous).
        total += 0.05
        parts["same_name"] = sorted(names)
    if reading is not None and reading is not features and report.latitude is not None:
        # Read near the incident as a namesake of the place first read.
        parts["namesake"] = {"place": reading.place.name, "geonameid": reading.place.source_id}
    parts["total"] = round(total, 3)
    return parts


def _shared_names(text: str, others: list[str], geo) -> set[str]:
    mine = name_words(text, geo)
    return set().union(*(mine & name_words(other, geo) for other in others)) if mine else set()


def _place(features: Features, incident: Incident, settings) -> float | None:
    if features.latitude is not None and incident.latitude is not None:
        distance = km_fast(
            features.latitude, features.longitude, incident.latitude, incident.longitude
        )
        coarse = features.coarse or (incident.radius_km or 0) > settings.distance_km
        if coarse:
            # Near is near, whatever the county (towns straddle borders); further away,
            # only within the same admin area.
            if distance <= settings.distance_km:
                return 0.6
            if (
                features.area_id is not None
                and incident.area_id is not None
                and (features.area_id != incident.area_id)
            ):
                return None
            return 0.4 if distance <= 3 * settings.distance_km else None
        if distance > settings.distance_km:
            return None
        return max(0.0, 1 - distance / settings.distance_km)
    # One of them is unlocated: its area, if any, is a guess from its words ("zizi" read as
    # a village far off). The same area says a little; another says nothing.
    if features.area_id is not None and features.area_id == incident.area_id:
        return 0.5
    return UNKNOWN_PLACE


def _categories(mine: list[str], theirs: list[str], overlapping: bool = False) -> float:
    specific_mine, specific_theirs = set(mine) - VAGUE, set(theirs) - VAGUE
    if not specific_mine or not specific_theirs:
        return 0.5
    if specific_mine & specific_theirs:
        return (
            len(specific_mine & specific_theirs) / len(specific_mine | specific_theirs) * 0.5 + 0.5
        )
    # An incident told by many gathers many categories (the raid, the flight, the arming
    # that followed): what this report says must go with some of them.
    together = any(specific_mine <= family and specific_theirs & family for family in FAMILIES)
    if together and overlapping and specific_mine == {"SEXUAL_VIOLENCE"}:
        # Women assaulted while fleeing an attack, at its hours: told apart, by those who
        # treat them.
        return 0.5
    return 0.4 if together else 0.0
