"""How urgently staff must look at an incident: a score, a band and a review deadline.

The score rises with severity, independent corroboration, the most trusted monitor behind it,
recency, and mentions of people at particular risk (children, women, camps); it falls once
staff have verified or escalated it, and for possibly coordinated reporting. Recomputed
whenever the incident changes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ewn.models import Incident, Report, utcnow
from ewn.text import fold

BANDS = (("critical", 70.0), ("high", 50.0), ("medium", 30.0), ("low", 0.0))
TRUST_POINTS = {"high": 10.0, "normal": 6.0, "low": 2.0}
# Points for an event younger than each step (see ewn/triage/ageing.py).
RECENCY_STEPS = (timedelta(hours=6), timedelta(hours=24), timedelta(hours=72))
RECENCY_POINTS = (15.0, 10.0, 5.0)
VULNERABLE = re.compile(
    r"\b(child|children|kids?|girls?|boys?|women|woman|pregnant|pupils?|school|elderly|"
    r"disabled|camp|camps|refugees?|idps?|watoto|mtoto|wasichana|msichana|wanawake|mwanamke|"
    r"mjamzito|wanafunzi|shule|wazee|kambi|wakimbizi|enfants?|femmes?|filles?|"
    r"ecole|camp|refugies?|اطفال|طفل|نساء|امراة|مخيم|لاجئين|مدرسة)\b"
)


def band_range(band: str) -> tuple[float, float] | None:
    """The scores of a band, [low, high), so queries filter on the indexed score; None for
    an unknown band."""
    floors = dict(BANDS)
    if band not in floors:
        return None
    above = [floor for _, floor in BANDS if floor > floors[band]]
    return floors[band], min(above, default=1000.0)


def band_of(score: float) -> str:
    return next(name for name, floor in BANDS if score >= floor)


def mentions_vulnerable(reports: list[Report]) -> bool:
    return any(VULNERABLE.search(fold(report.text)) for report in reports)


def score(
    incident: Incident, reports: list[Report], best_trust: str | None, now: datetime | None = None
) -> float:
    now = now or utcnow()
    points = 8.0 * (incident.severity or 1)
    points += min(20.0, 7.0 * (incident.corroboration or 0.0))
    points += TRUST_POINTS.get(best_trust or "", 0.0)
    age = now - incident.event_end
    points += next(
        (p for step, p in zip(RECENCY_STEPS, RECENCY_POINTS, strict=True) if age < step), 0.0
    )
    if incident.vulnerable:
        points += 10.0
    if incident.triage_status in ("verified", "escalated"):
        points -= 10.0
    if "possible_coordination" in (incident.flags or []):
        points -= 10.0
    return max(0.0, min(100.0, points))


def review_minutes(settings, band: str) -> int:
    return int(getattr(settings.triage, f"review_minutes_{band}"))


def refresh(incident: Incident, reports: list[Report], best_trust: str | None, settings) -> None:
    incident.vulnerable = mentions_vulnerable(reports)
    incident.priority_score = round(score(incident, reports, best_trust), 1)
    incident.priority_band = band_of(incident.priority_score)
    since = incident.reviewed_at or incident.created_at or utcnow()
    incident.review_due_at = since + timedelta(
        minutes=review_minutes(settings, incident.priority_band)
    )


def overdue(incident: Incident, now: datetime | None = None) -> bool:
    return (
        incident.triage_status in ("new", "claimed")
        and incident.review_due_at is not None
        and incident.review_due_at < (now or utcnow())
    )
