"""The words of an alert, in the recipient's language, never more than two SMS segments.

A full alert says what, where and how corroborated; a minimal one (groups whose phones may be
searched) carries only the reference and the ack code. Neither ever names a monitor. Both come
from the Babel catalogs. A group may use a deployment's own wording instead (templates in
config/escalation.yaml, one text per language, with placeholders such as {code}).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ewn.escalation.segments import fit, segments

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


BUILT_IN = ("full", "minimal")
# What a deployment's own template may say: {code} is required (recipients reply with it).
PLACEHOLDERS = ("reference", "code", "link", "category", "place", "severity", "monitors")
SAMPLE = AlertFacts("I7K2M9QX", "4821", "Armed attack", "Burnt Forest (Uasin Gishu)", 5, 3)


def template_problem(text: str) -> str | None:
    """What is wrong with a deployment's alert template, or None."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in _parse(text)]
    except ValueError as exc:
        return f"cannot be read as a template: {exc} (write a literal brace as {{{{ or }}}})"
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return f"unknown placeholder {{{name}}}; expected: " + ", ".join(
                f"{{{known}}}" for known in PLACEHOLDERS
            )
        if spec or conversion:
            return f"write {{{name}}} without a format"
    if "code" not in {name for name, _, _ in fields}:
        return "must contain {code}: recipients acknowledge by replying with it"
    worst = _render(text, SAMPLE, "")
    if segments(worst) > MAX_SEGMENTS:
        return (
            f"takes {segments(worst)} SMS segments with sample values; an alert may take "
            f"{MAX_SEGMENTS} at most"
        )
    return None


def _parse(text: str):
    return list(string.Formatter().parse(text))


def _render(text: str, facts: AlertFacts, link: str) -> str:
    return text.format(
        reference=facts.reference,
        code=facts.code,
        link=link,
        category=facts.category,
        place=facts.place,
        severity=facts.severity or "?",
        monitors=facts.monitors,
    ).strip()


def compose_own(
    texts: dict[str, str], facts: AlertFacts, language: str, default: str, link: str | None
) -> str | None:
    """A deployment's own wording in the recipient's language (else the deployment's default
    language, else the first given); without the link if it does not fit otherwise; None if
    it still takes more than two segments (the caller sends the minimal alert instead)."""
    text = texts.get(language) or texts.get(default) or next(iter(texts.values()))
    for candidate in (link, "") if link else ("",):
        body = _render(text, facts, candidate)
        if segments(body) <= MAX_SEGMENTS:
            return body
    return None


ACKNOWLEDGED = _l("Thank you: alert {reference} is acknowledged.")
ALREADY = _l("Alert {reference} was already acknowledged. Thank you.")
NO_SUCH_ALERT = _l("No alert with code {code} is waiting for you.")


def confirmation(kind: str, language: str, **values: str) -> str:
    texts = {"acknowledged": ACKNOWLEDGED, "already": ALREADY, "unknown": NO_SUCH_ALERT}
    with force_locale(language):
        return str(texts[kind]).format(**values)
