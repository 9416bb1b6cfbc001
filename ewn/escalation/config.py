"""config/escalation.yaml: which incidents and patterns escalate, and to whom, step by step.

Checked when EWN starts: a mistake stops it with the file, line and key named. Groups are
named here and filled in the database (`ewn contacts import`), so a group nobody is in yet is
not an error here; an escalation that reaches it records that on its timeline and moves on.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ewn.config_files import ConfigError, line_of, load_yaml, unknown_key_problem
from ewn.escalation.messages import BUILT_IN, template_problem
from ewn.meaning.taxonomy import Taxonomy
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.triage.priority import BANDS

STATUSES = ("new", "claimed", "verified", "escalated")
BAND_NAMES = tuple(name for name, _ in BANDS)


@dataclass(frozen=True)
class Step:
    notify: str
    wait_minutes: float


@dataclass(frozen=True)
class Policy:
    """Notify each step's group and wait for an acknowledgement; go round `repeat` times;
    then tell `final` and mark the escalation unanswered."""

    name: str
    steps: tuple[Step, ...]
    repeat: int = 1
    final: str | None = None
    # Acknowledged but not resolved within this: unacknowledged again, next step.
    ack_timeout_minutes: float | None = None

    def snapshot(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Pattern:
    """At least `at_least` incidents of `category` in one admin area within `within_days`."""

    category: str
    at_least: int
    within_days: float
    # Fires again when the count reaches the next multiple of this (default: at_least).
    again_every: int


@dataclass(frozen=True)
class Rule:
    name: str
    policy: str
    categories: frozenset[str] = frozenset()
    min_severity: int | None = None
    bands: frozenset[str] = frozenset()
    # Independent monitors behind the incident.
    min_monitors: int | None = None
    # Admin area codes or names (any level); empty: everywhere.
    areas: tuple[str, ...] = ()
    statuses: frozenset[str] = frozenset()
    pattern: Pattern | None = None


@dataclass
class EscalationConfig:
    rules: list[Rule] = field(default_factory=list)
    policies: dict[str, Policy] = field(default_factory=dict)
    # A deployment's own alert wordings, which groups may use instead of the built-in full and
    # minimal ones: name -> language -> text.
    templates: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def template_names(self) -> tuple[str, ...]:
        return BUILT_IN + tuple(self.templates)

    @property
    def incident_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.pattern is None]

    @property
    def pattern_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.pattern is not None]

    @classmethod
    def load(cls, path: Path, taxonomy: Taxonomy) -> EscalationConfig:
        return _Reader(str(path), taxonomy).read(load_yaml(path))


SECTIONS = ("templates", "policies", "rules")
RULE_KEYS = ("name", "policy", "categories", "min_severity", "bands", "min_monitors", "areas")
RULE_KEYS += ("status", "pattern")
POLICY_KEYS = ("steps", "repeat", "final", "ack_timeout_minutes")
STEP_KEYS = ("notify", "wait_minutes")
PATTERN_KEYS = ("category", "at_least", "within_days", "again_every")


def unknown_value(value: str, known) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {value!r}{hint}; expected one of: {', '.join(sorted(known)) or 'none defined'}"


class _Reader:
    def __init__(self, source: str, taxonomy: Taxonomy):
        self.source, self.taxonomy = source, taxonomy

    def fail(self, container: Any, key: Any, where: str, problem: str):
        raise ConfigError(self.source, line_of(container, key), where, problem)

    def mapping(self, container, key, where: str, known: tuple[str, ...]) -> dict:
        value = container[key]
        if not isinstance(value, dict):
            self.fail(container, key, where, "expected a mapping")
        for name in value:
            if name not in known:
                self.fail(value, name, f"{where}.{name}", unknown_key_problem(name, list(known)))
        return value

    def number(self, container, key, where: str, *, whole=False, minimum=0.0, default=None):
        if key not in container:
            return default
        value = container[key]
        kind = int if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or value < minimum:
            wanted = "a whole number" if whole else "a number"
            self.fail(container, key, where, f"expected {wanted} of at least {minimum}")
        return value

    def text(self, container, key, where: str, required=True) -> str | None:
        value = container.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(container, key, where, "expected a non-empty text")
        return value.strip()

    def words(self, container, key, where: str, allowed=None) -> tuple[str, ...]:
        if key not in container:
            return ()
        value = container[key]
        if not isinstance(value, list) or not value:
            self.fail(container, key, where, "expected a non-empty list")
        result = []
        for index, item in enumerate(value):
            if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
                self.fail(value, index, where, f"unexpected item {item!r}")
            item = str(item).strip()
            if allowed is not None and item not in allowed:
                self.fail(value, index, where, unknown_value(item, allowed))
            result.append(item)
        return tuple(result)

    def read(self, document) -> EscalationConfig:
        if not isinstance(document, dict):
            raise ConfigError(self.source, None, "", "expected policies and rules")
        for key in document:
            if key not in SECTIONS:
                self.fail(document, key, key, unknown_key_problem(key, list(SECTIONS)))
        config = EscalationConfig()
        templates = document.get("templates") or {}
        if not isinstance(templates, dict):
            self.fail(document, "templates", "templates", "expected a mapping of named templates")
        for name in templates:
            config.templates[str(name)] = self.template(templates, name)
        policies = document.get("policies") or {}
        if not isinstance(policies, dict):
            self.fail(document, "policies", "policies", "expected a mapping of named policies")
        for name in policies:
            config.policies[name] = self.policy(policies, name)
        rules = document.get("rules") or []
        if not isinstance(rules, list):
            self.fail(document, "rules", "rules", "expected a list of rules")
        for index in range(len(rules)):
            rule = self.rule(rules, index, config.policies)
            if any(known.name == rule.name for known in config.rules):
                self.fail(rules, index, f"rules[{index}].name", f"{rule.name!r} appears twice")
            config.rules.append(rule)
        return config

    def template(self, templates, name) -> dict[str, str]:
        where = f"templates.{name}"
        if name in BUILT_IN:
            self.fail(templates, name, where, "full and minimal are built in: choose another name")
        body = self.mapping(templates, name, where, SUPPORTED_LANGUAGES)
        if not body:
            self.fail(templates, name, where, "expected its text in at least one language")
        texts = {}
        for language in body:
            texts[language] = self.text(body, language, f"{where}.{language}")
            problem = template_problem(texts[language])
            if problem:
                self.fail(body, language, f"{where}.{language}", problem)
        return texts

    def policy(self, policies, name) -> Policy:
        where = f"policies.{name}"
        body = self.mapping(policies, name, where, POLICY_KEYS)
        steps = body.get("steps")
        if not isinstance(steps, list) or not steps:
            self.fail(
                body if "steps" in body else policies,
                "steps",
                f"{where}.steps",
                "expected a list of steps",
            )
        parsed = []
        for index in range(len(steps)):
            step_where = f"{where}.steps[{index}]"
            step = self.mapping(steps, index, step_where, STEP_KEYS)
            parsed.append(
                Step(
                    notify=self.text(step, "notify", f"{step_where}.notify"),
                    wait_minutes=self.number(
                        step, "wait_minutes", f"{step_where}.wait_minutes", default=15
                    ),
                )
            )
        timeout = self.number(body, "ack_timeout_minutes", f"{where}.ack_timeout_minutes")
        if timeout is not None and timeout <= 0:
            self.fail(body, "ack_timeout_minutes", f"{where}.ack_timeout_minutes", "must be > 0")
        return Policy(
            name=str(name),
            steps=tuple(parsed),
            repeat=self.number(body, "repeat", f"{where}.repeat", whole=True, minimum=1, default=1),
            final=self.text(body, "final", f"{where}.final", required=False),
            ack_timeout_minutes=timeout,
        )

    def rule(self, rules, index, policies: dict[str, Policy]) -> Rule:
        where = f"rules[{index}]"
        body = self.mapping(rules, index, where, RULE_KEYS)
        name = self.text(body, "name", f"{where}.name")
        policy = self.text(body, "policy", f"{where}.policy")
        if policy not in policies:
            self.fail(body, "policy", f"{where}.policy", unknown_value(policy, policies))
        categories = tuple(self.taxonomy.categories)
        pattern = None
        if "pattern" in body:
            pattern = self.pattern(body, f"{where}.pattern", categories)
            extra = [key for key in body if key not in ("name", "policy", "pattern")]
            if extra:
                self.fail(body, extra[0], f"{where}.{extra[0]}", "a pattern rule takes no filters")
        rule = Rule(
            name=name,
            policy=policy,
            categories=frozenset(self.words(body, "categories", f"{where}.categories", categories)),
            min_severity=self.number(body, "min_severity", f"{where}.min_severity", whole=True),
            bands=frozenset(self.words(body, "bands", f"{where}.bands", BAND_NAMES)),
            min_monitors=self.number(body, "min_monitors", f"{where}.min_monitors", whole=True),
            areas=self.words(body, "areas", f"{where}.areas"),
            statuses=frozenset(self.words(body, "status", f"{where}.status", STATUSES)),
            pattern=pattern,
        )
        if rule.min_severity is not None and not 1 <= rule.min_severity <= 5:
            self.fail(body, "min_severity", f"{where}.min_severity", "expected 1 to 5")
        return rule

    def pattern(self, body, where: str, categories: tuple[str, ...]) -> Pattern:
        block = self.mapping(body, "pattern", where, PATTERN_KEYS)
        category = self.text(block, "category", f"{where}.category")
        if category not in categories:
            self.fail(block, "category", f"{where}.category", unknown_value(category, categories))
        at_least = self.number(block, "at_least", f"{where}.at_least", whole=True, minimum=1)
        within = self.number(block, "within_days", f"{where}.within_days")
        if at_least is None or not within:
            self.fail(body, "pattern", where, "needs at_least and within_days (> 0)")
        again = self.number(
            block, "again_every", f"{where}.again_every", whole=True, minimum=1, default=at_least
        )
        return Pattern(category, at_least, within, again)
