"""The words of an alert, in the recipient's language, never more than two SMS segments.

A full alert says what, where and how corroborated; a minimal one (groups whose phones may be
searched) carries only the reference and the ack code. Neither ever names a monitor.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ewn.escalation.segments import fit

MAX_SEGMENTS = 2

HEAD = {
    "full": _l("EWN alert {reference}: "),
    "minimal": _l("EWN {reference}."),
    "unanswered": _l("EWN {reference} NOT ACKNOWLEDGED: "),
}
INCIDENT = _l("{category}, {place}. Severity {severity}/5, {monitors} independent monitor(s).")
PATTERN = _l("{count} incidents of {category} in {place} within {days} days.")
TAIL = _l(" Reply {code} to acknowledge.")
LINK = _l(" Or: {link}")


@dataclass(frozen=True)
class AlertFacts:
    reference: str
    code: str
    category: str  # already in the recipient's language
    place: str
    severity: int | None = None
    monitors: int = 0
    pattern_count: int | None = None
    pattern_days: float | None = None


def compose(facts: AlertFacts, language: str, mode: str, link: str | None = None) -> str:
    """mode: full, minimal or unanswered (the final contact's message)."""
    with force_locale(language):
        head = str(HEAD[mode]).format(reference=facts.reference)
        tail = str(TAIL).format(code=facts.code)
        if mode == "minimal":
            return fit(head, "", tail, MAX_SEGMENTS)
        with_link = tail + str(LINK).format(link=link) if link else tail
        if facts.pattern_count is not None:
            middle = str(PATTERN).format(
                count=facts.pattern_count,
                category=facts.category,
                place=facts.place,
                days=f"{facts.pattern_days:g}" if facts.pattern_days is not None else "?",
            )
        else:
            middle = str(INCIDENT).format(
                category=facts.category,
                place=facts.place,
                severity=facts.severity or "?",
                monitors=facts.monitors,
            )
    try:
        return fit(head, middle, with_link, MAX_SEGMENTS)
    except ValueError:  # a long public URL: the code alone still acknowledges
        return fit(head, middle, tail, MAX_SEGMENTS)


ACKNOWLEDGED = _l("Thank you: alert {reference} is acknowledged.")
ALREADY = _l("Alert {reference} was already acknowledged. Thank you.")
NO_SUCH_ALERT = _l("No alert with code {code} is waiting for you.")


def confirmation(kind: str, language: str, **values: str) -> str:
    texts = {"acknowledged": ACKNOWLEDGED, "already": ALREADY, "unknown": NO_SUCH_ALERT}
    with force_locale(language):
        return str(texts[kind]).format(**values)
