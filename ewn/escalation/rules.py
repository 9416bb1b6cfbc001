"""Which rules an incident matches, and whether a pattern rule's count has crossed a threshold."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.escalation.config import Rule
from ewn.models import AdminArea, Escalation, Incident

COUNTED_STATUSES = ("new", "claimed", "verified", "escalated")


def matches(session: Session, rule: Rule, incident: Incident) -> bool:
    if incident.status != "open" or rule.pattern is not None:
        return False
    if rule.categories and not rule.categories & set(incident.categories or []):
        return False
    if rule.min_severity is not None and (incident.severity or 0) < rule.min_severity:
        return False
    if rule.bands and incident.priority_band not in rule.bands:
        return False
    if rule.min_monitors is not None and incident.monitor_count < rule.min_monitors:
        return False
    if rule.statuses and incident.triage_status not in rule.statuses:
        return False
    if rule.areas:
        area = session.get(AdminArea, incident.area_id) if incident.area_id else None
        wanted = {name.lower() for name in rule.areas}
        if area is None or not {area.code.lower(), area.name.lower()} & wanted:
            return False
    return True


def may_concern(session: Session, config, incident: Incident) -> bool:
    """Could the escalate stage do anything for this incident as it is now? Only if an incident
    rule matches it, a pattern rule counts its category, or it was dismissed (its escalations
    end). Otherwise checking it would change nothing."""
    if "dismissed" in (incident.status, incident.triage_status):
        return True
    return any(matches(session, rule, incident) for rule in config.incident_rules) or any(
        rule.pattern.category == incident.primary_category for rule in config.pattern_rules
    )


def pattern_incidents(session: Session, rule: Rule, area_id: int, now: datetime) -> list[Incident]:
    """The open incidents of the pattern's category in the area within its window."""
    pattern = rule.pattern
    since = now - timedelta(days=pattern.within_days)
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.area_id == area_id,
                Incident.status == "open",
                Incident.triage_status.in_(COUNTED_STATUSES),
                Incident.primary_category == pattern.category,
                Incident.event_end >= since,
            )
            .order_by(Incident.event_end)
        )
    )


def pattern_due(session: Session, rule: Rule, area_id: int, count: int, now: datetime) -> bool:
    """Fire when the count reaches the threshold; again only at the next multiple of
    again_every, or once the window has passed since the last alert."""
    pattern = rule.pattern
    if count < pattern.at_least:
        return False
    last = session.execute(
        select(Escalation.pattern_count, Escalation.created_at)
        .where(Escalation.rule == rule.name, Escalation.area_id == area_id)
        .order_by(Escalation.created_at.desc(), Escalation.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return True
    last_count, last_at = last
    if last_at <= now - timedelta(days=pattern.within_days):
        return True
    next_threshold = (last_count // pattern.again_every + 1) * pattern.again_every
    return count >= next_threshold
