"""config/taxonomy.yaml: categories, their codes, severities, risk factors and terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ewn.config_files import ConfigError, line_of, load_yaml, unknown_key_problem
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.text import fold, wildcard

if TYPE_CHECKING:
    from ewn.meaning.learned import Learned

CATEGORY_KEYS = ("code", "severity", "risk_factors", "names", "terms")
OPTIONAL_KEYS = ("outranks", "hints", "last_words")
PHRASE_SECTIONS = (
    "negations",
    "not_incident",
    "separate",
    "follow_up",
    "cause",
    "future",
    "forward",
    "suspects",
    "unharmed",
)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    # The last word matches any ending ("wameua*").
    prefix: bool
    category: str
    language: str
    written: str
    # The first word is a stem that matches after any beginning ("*shambuli*": wameshambulia,
    # walimshambulia, mashambulizi; '*tendewa vibaya'): Kiswahili writes who and when in
    # front of the verb.
    stem: bool = False
    # A hint: tells of the category except after a term of another category in its clause
    # (a funeral tells of a death; "attacked on her way from a funeral" does not).
    hint: bool = False
    # Counts only as the last words of its clause, after a deed: Sheng "risasi, wote
    # wameenda" (all are gone: dead), not "wameenda sokoni" (gone to the market).
    last: bool = False


@dataclass
class Category:
    name: str
    code: str
    severity: int
    risk_factors: list[int]
    names: dict[str, str]
    # Categories this one is the primary over when a report tells of both ("police beat the
    # protesters": the repression of a protest, more than an attack).
    outranks: tuple[str, ...] = ()


@dataclass
class Taxonomy:
    categories: dict[str, Category] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # short code → category
    # Terms by their first word; one-word prefixes and stems are listed apart.
    terms: dict[str, list[Term]] = field(default_factory=dict)
    prefix_terms: list[Term] = field(default_factory=list)
    negations: list[tuple[str, ...]] = field(default_factory=list)
    not_incident: list[tuple[str, ...]] = field(default_factory=list)
    # "separate from the morning attack": the report tells of another event.
    separate: list[tuple[str, ...]] = field(default_factory=list)
    # "death toll now 4", "baada ya maandamano": what followed an event told before.
    follow_up: list[tuple[str, ...]] = field(default_factory=list)
    # "families fled after the raid": the rest of the clause tells what caused the event.
    cause: list[tuple[str, ...]] = field(default_factory=list)
    # "will", "going to", "vont", "سوف": what follows is threatened, not done.
    future: list[tuple[str, ...]] = field(default_factory=list)
    # "sambaza kwa wote", "share with everyone": a chain message, unverified whatever it says.
    forward: list[tuple[str, ...]] = field(default_factory=list)
    # "suspects", "washukiwa": an arrest in their clause follows up an event.
    suspects: list[tuple[str, ...]] = field(default_factory=list)
    # "body found, no visible wounds": a death of unknown cause, not (yet) a killing.
    unharmed: list[tuple[str, ...]] = field(default_factory=list)
    # The category learned from example reports, for reports without any term (learned.py).
    learned: Learned | None = None

    def severity(self, category: str) -> int:
        return self.categories[category].severity if category in self.categories else 2

    def codes_help(self, language: str) -> str:
        """The codes a monitor may start a message with, for the HELP reply."""
        return ", ".join(
            f"{c.code}={self.label(c.name, language)}" for c in self.categories.values()
        )

    def label(self, category: str, language: str) -> str:
        names = self.categories[category].names
        return names.get(language) or names.get("en") or category

    @classmethod
    def load(cls, path: Path) -> Taxonomy:
        source = str(path)
        document = load_yaml(path)
        if not isinstance(document, dict) or not isinstance(document.get("categories"), dict):
            raise ConfigError(source, None, "categories", "expected a mapping of categories")
        for key in document:
            if key != "categories" and key not in PHRASE_SECTIONS:
                raise ConfigError(
                    source,
                    line_of(document, key),
                    key,
                    unknown_key_problem(key, ["categories", *PHRASE_SECTIONS]),
                )
        taxonomy = cls()
        for name, body in document["categories"].items():
            _category(taxonomy, name, body, line_of(document["categories"], name), source)
        for name, category in taxonomy.categories.items():
            unknown = [other for other in category.outranks if other not in taxonomy.categories]
            if unknown:
                body = document["categories"][name]
                raise ConfigError(
                    source,
                    line_of(body, "outranks"),
                    f"{name}.outranks",
                    f"unknown categor{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}",
                )
        for section in PHRASE_SECTIONS:
            phrases = []
            for _language, words in words_by_language(document.get(section, {}), section, source):
                phrases += [tuple(fold(str(word)).split()) for word in words if fold(str(word))]
            # Longest first; phrases of one length in a fixed order, whatever the hash seed.
            setattr(taxonomy, section, sorted(set(phrases), key=lambda p: (-len(p), p)))
        return taxonomy


def _category(taxonomy: Taxonomy, name, body, line, source: str) -> None:
    if not isinstance(name, str) or not name.isupper() or not name.replace("_", "").isalpha():
        raise ConfigError(source, line, str(name), "category names are UPPER_CASE words")
    if not isinstance(body, dict):
        raise ConfigError(source, line, name, "expected code, severity, risk_factors, names, terms")
    for key in body:
        if key not in CATEGORY_KEYS + OPTIONAL_KEYS:
            raise ConfigError(
                source,
                line_of(body, key),
                f"{name}.{key}",
                unknown_key_problem(key, [*CATEGORY_KEYS, *OPTIONAL_KEYS]),
            )
    missing = [key for key in CATEGORY_KEYS if key not in body]
    if missing:
        raise ConfigError(source, line, name, f"missing {', '.join(missing)}")
    code = str(body["code"]).strip().upper()
    if not code.isalpha() or len(code) > 3:
        raise ConfigError(
            source, line_of(body, "code"), f"{name}.code", "a code is one to three letters"
        )
    if code in taxonomy.codes:
        raise ConfigError(
            source,
            line_of(body, "code"),
            f"{name}.code",
            f"code {code} is already {taxonomy.codes[code]}",
        )
    severity = body["severity"]
    if isinstance(severity, bool) or not isinstance(severity, int) or not 1 <= severity <= 5:
        raise ConfigError(
            source,
            line_of(body, "severity"),
            f"{name}.severity",
            f"expected a whole number from 1 to 5, got {severity!r}",
        )
    factors = body["risk_factors"]
    if not isinstance(factors, list) or not all(
        isinstance(f, int) and not isinstance(f, bool) and 1 <= f <= 14 for f in factors
    ):
        raise ConfigError(
            source,
            line_of(body, "risk_factors"),
            f"{name}.risk_factors",
            "expected a list of risk factor numbers from 1 to 14",
        )
    names = body["names"]
    if not isinstance(names, dict) or "en" not in names:
        raise ConfigError(
            source,
            line_of(body, "names"),
            f"{name}.names",
            "expected names per language, at least en",
        )
    outranks = body.get("outranks", [])
    if not isinstance(outranks, list) or not all(isinstance(o, str) for o in outranks):
        raise ConfigError(
            source,
            line_of(body, "outranks"),
            f"{name}.outranks",
            "expected a list of category names",
        )
    taxonomy.categories[name] = Category(
        name,
        code,
        severity,
        list(factors),
        {str(k): str(v) for k, v in names.items()},
        tuple(outranks),
    )
    taxonomy.codes[code] = name
    for key in ("terms", "hints", "last_words"):
        if key not in body:
            continue
        for language, words in words_by_language(body[key], f"{name}.{key}", source):
            for word in words:
                written = str(word)
                try:
                    folded, prefix, stem = wildcard(written)
                except ValueError as problem:
                    raise ConfigError(
                        source, line_of(body, key), f"{name}.{key}.{language}", str(problem)
                    ) from None
                term = Term(
                    folded,
                    prefix,
                    name,
                    language,
                    written,
                    stem,
                    hint=key == "hints",
                    last=key == "last_words",
                )
                if stem or (prefix and len(folded) == 1):
                    taxonomy.prefix_terms.append(term)
                else:
                    taxonomy.terms.setdefault(folded[0], []).append(term)


def words_by_language(block, section: str, source: str):
    """(language, words) of a block of words per language, checked: known languages, lists
    of words (a bare yes or no is a YAML boolean, not a word)."""
    if not isinstance(block, dict):
        raise ConfigError(source, None, section, "expected languages mapping to lists")
    for language, words in block.items():
        if language not in SUPPORTED_LANGUAGES:
            raise ConfigError(
                source,
                line_of(block, language),
                f"{section}.{language}",
                unknown_key_problem(str(language), list(SUPPORTED_LANGUAGES)),
            )
        if not isinstance(words, list):
            raise ConfigError(
                source, line_of(block, language), f"{section}.{language}", "expected a list"
            )
        for index, word in enumerate(words):
            if not isinstance(word, str | int) or isinstance(word, bool):
                hint = (
                    " (quote it: YAML reads yes, no, on, off as true/false)"
                    if isinstance(word, bool)
                    else ""
                )
                raise ConfigError(
                    source,
                    line_of(words, index) or line_of(block, language),
                    f"{section}.{language}",
                    f"not a word: {word!r}{hint}",
                )
        yield language, words
