"""What an escalation's alert says to one recipient: the facts (what, where, how corroborated,
in the recipient's language) in the template of the recipient's group."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ewn.escalation.messages import AlertFacts, compose, compose_own
from ewn.models import AdminArea, Escalation, Incident


def alert(
    session: Session,
    rt,
    escalation: Escalation,
    template: str,
    language: str,
    mode: str,
    link: str | None,
) -> tuple[str, str | None]:
    """The alert in a group's template: the built-in full one (or, to the final group, the
    unanswered one), the minimal one, or the deployment's own; the minimal one when the
    deployment's own is gone from the file or too long for these facts (and why)."""
    about = facts(session, rt, escalation, language)
    if template == "minimal":
        return compose(about, language, "minimal"), None
    if template == "full":
        return compose(about, language, mode, link), None
    texts = rt.escalation.templates.get(template)
    if texts is None:
        return compose(about, language, "minimal"), "template_missing"
    default = rt.settings.deployment.default_language
    body = compose_own(texts, about, language, default, link)
    if body is None:
        return compose(about, language, "minimal"), "template_too_long"
    return body, None


def facts(session: Session, rt, escalation: Escalation, language: str) -> AlertFacts:
    area = session.get(AdminArea, escalation.area_id) if escalation.area_id else None
    area_name = area.name if area else "?"
    if escalation.kind == "pattern":
        rule = next((r for r in rt.escalation.pattern_rules if r.name == escalation.rule), None)
        return AlertFacts(
            reference=escalation.reference,
            code=escalation.ack_code,
            category=_label(rt, rule.pattern.category if rule else escalation.rule, language),
            place=area_name,
            pattern_count=escalation.pattern_count,
            pattern_days=rule.pattern.within_days if rule else None,
        )
    incident = session.get(Incident, escalation.incident_id)
    place = incident.place_name or area_name
    if incident.place_name and area and area.name not in incident.place_name:
        place = f"{incident.place_name} ({area.name})"
    return AlertFacts(
        reference=incident.reference,
        code=escalation.ack_code,
        category=_label(rt, incident.primary_category, language),
        place=place,
        severity=incident.severity,
        monitors=incident.monitor_count,
    )


def _label(rt, category: str | None, language: str) -> str:
    if category and category in rt.taxonomy.categories:
        return rt.taxonomy.label(category, language)
    return category or "?"
