"""config/geo.yaml: cues, stopwords, common words, generic words and admin level labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ewn.config_files import ConfigError, line_of, load_yaml, unknown_key_problem
from ewn.geo.names import lower, name_key
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.text import fold

SECTIONS = (
    "cues",
    "destination_cues",
    "place_nouns",
    "stopwords",
    "common_words",
    "generic_words",
    "admin_labels",
)

NOUN_KINDS = ("town", "county", "side")


@dataclass(eq=False)  # one per runtime, compared (and cached on) by identity
class GeoConfig:
    # Cues as tuples of folded words, longest first.
    cues: list[tuple[str, ...]] = field(default_factory=list)
    destination_cues: list[tuple[str, ...]] = field(default_factory=list)
    # Place nouns after a name, as word tuples: kind "town", "county" or "side".
    place_nouns: dict[tuple[str, ...], str] = field(default_factory=dict)
    stopwords: set[str] = field(default_factory=set)
    common_words: set[str] = field(default_factory=set)
    # Common words' locatives: places only when announced ("karibu na pangani") or written
    # with a capital ("Likoni", not liko + -ni).
    locatives: set[str] = field(default_factory=set)
    generic_words: set[str] = field(default_factory=set)
    admin_labels: dict[str, dict[int, str]] = field(default_factory=dict)

    def index(self, phrases: list[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
        """Phrases by their first word (longest first), built once per list."""
        cache = self.__dict__.setdefault("_indexes", {})
        key = id(phrases)
        if key not in cache:
            built: dict[str, list[tuple[str, ...]]] = {}
            for phrase in phrases:
                built.setdefault(phrase[0], []).append(phrase)
            cache[key] = built
        return cache[key]

    def label(self, country: str, level: int) -> str:
        labels = self.admin_labels.get(country) or self.admin_labels.get("default", {})
        return labels.get(level, f"Admin level {level}")

    @classmethod
    def load(cls, path: Path) -> GeoConfig:
        source = str(path)
        document = load_yaml(path)
        if not isinstance(document, dict):
            raise ConfigError(source, None, "", "expected a mapping")
        for key in document:
            if key not in SECTIONS:
                raise ConfigError(
                    source, line_of(document, key), key, unknown_key_problem(key, list(SECTIONS))
                )
        config = cls()
        cues = set()
        for _language, words in _by_language(document, "cues", source):
            cues.update(tuple(lower(word).split()) for word in words)
        config.cues = sorted(cues, key=len, reverse=True)
        destinations = set()
        for _language, words in _by_language(document, "destination_cues", source):
            destinations.update(tuple(lower(word).split()) for word in words)
        config.destination_cues = sorted(destinations, key=len, reverse=True)
        config.place_nouns = _place_nouns(document.get("place_nouns", {}), source)
        for _language, words in _by_language(document, "stopwords", source):
            config.stopwords.update(fold(word) for word in words)
        for _language, words in _by_language(document, "common_words", source):
            config.common_words.update(fold(word) for word in words)
            config.common_words.update(name_key(word) for word in words)
        generic = document.get("generic_words", [])
        if not isinstance(generic, list):
            raise ConfigError(
                source,
                line_of(document, "generic_words"),
                "generic_words",
                "expected a list of words",
            )
        config.generic_words = {name_key(str(word)) for word in generic}
        for words_file in sorted((path.parent / "words").glob("*.txt")):
            words = _word_file(words_file)
            if words_file.stem == "sw":
                # The locative of a common word: "darajani" (at the bridge), "hewani" (in the
                # air); but many places are named so (Pangani, Bondeni, Ziwani).
                config.locatives |= {
                    word + "ni" for word in words if len(word) >= 4 and word[-1] in "aeiou"
                } - words
            config.common_words |= words
        config.admin_labels = _labels(document.get("admin_labels", {}), source)
        return config


def _by_language(document: dict, section: str, source: str):
    block = document.get(section, {})
    if not isinstance(block, dict):
        raise ConfigError(
            source,
            line_of(document, section),
            section,
            "expected languages mapping to lists of words",
        )
    for language, words in block.items():
        key = f"{section}.{language}"
        line = line_of(block, language)
        if language not in SUPPORTED_LANGUAGES:
            raise ConfigError(
                source, line, key, unknown_key_problem(language, list(SUPPORTED_LANGUAGES))
            )
        if not isinstance(words, list):
            raise ConfigError(source, line, key, "expected a list of words")
        for index, word in enumerate(words):
            if not isinstance(word, str) or not word.strip():
                hint = (
                    " (quote it: YAML reads yes, no, on, off as true/false)"
                    if isinstance(word, bool)
                    else ""
                )
                raise ConfigError(
                    source,
                    line_of(words, index) or line,
                    key,
                    f"item {index + 1} is not a word: {word!r}{hint}",
                )
        yield language, words


def _word_file(path: Path) -> set[str]:
    """A language's common words, one per line (config/words/<language>.txt)."""
    source = str(path)
    if path.stem not in SUPPORTED_LANGUAGES:
        raise ConfigError(
            source, None, "", unknown_key_problem(path.stem, list(SUPPORTED_LANGUAGES))
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ConfigError(source, None, "", "not UTF-8 text") from None
    words = set()
    for number, line in enumerate(lines, start=1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if " " in word or "\t" in word:
            raise ConfigError(source, number, "", f"one word per line, got {word!r}")
        words.add(fold(word))
        words.add(name_key(word))
    return words


def _place_nouns(block, source: str) -> dict[tuple[str, ...], str]:
    if not isinstance(block, dict):
        raise ConfigError(source, None, "place_nouns", "expected town, county and side word lists")
    nouns = {}
    for kind, words in block.items():
        line = line_of(block, kind)
        if kind not in NOUN_KINDS:
            raise ConfigError(
                source,
                line,
                f"place_nouns.{kind}",
                unknown_key_problem(str(kind), list(NOUN_KINDS)),
            )
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ConfigError(source, line, f"place_nouns.{kind}", "expected a list of words")
        nouns.update({tuple(lower(word).replace("-", " ").split()): kind for word in words})
    return nouns


def _labels(block, source: str) -> dict[str, dict[int, str]]:
    if not isinstance(block, dict):
        raise ConfigError(source, None, "admin_labels", "expected countries mapping to levels")
    labels = {}
    for country, levels in block.items():
        line = line_of(block, country)
        key = f"admin_labels.{country}"
        if not isinstance(levels, dict) or not all(
            isinstance(level, int) and isinstance(label, str) for level, label in levels.items()
        ):
            raise ConfigError(source, line, key, "expected {level number: label}")
        labels[country] = dict(levels)
    return labels
