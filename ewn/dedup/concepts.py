"""Words of different languages that name the same thing ("herders", "wafugaji", "éleveurs",
"الرعاة"): reports of one event told in two languages share these concepts even when they
share no word, and text similarity counts them (config/concepts.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ewn.config_files import ConfigError, line_of, load_yaml, unknown_key_problem
from ewn.meaning.taxonomy import words_by_language
from ewn.text import wildcard, wildcard_matches

_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Arabic writes "and", "the", "by", "for" onto the front of a word (والرعاة, بالرصاص).
ARABIC_FRONT = 3


@dataclass
class Concepts:
    exact: dict[str, str] = field(default_factory=dict)  # folded word → concept
    # (word, any ending, any beginning, concept) of "wafugaj*" and '*chomwa', longest first.
    patterns: list[tuple[str, bool, bool, str]] = field(default_factory=list)

    def of(self, word: str) -> str | None:
        """The concept a folded word names, if any."""
        for form in _forms(word):
            if form in self.exact:
                return self.exact[form]
            for wanted, any_end, any_start, concept in self.patterns:
                if wildcard_matches(form, wanted, any_end, any_start):
                    return concept
        return None

    @classmethod
    def load(cls, path: Path) -> Concepts:
        source = str(path)
        body = load_yaml(path) or {}
        if not isinstance(body, dict) or not isinstance(body.get("concepts"), dict):
            raise ConfigError(source, None, "concepts", "expected a map of concepts")
        unknown = sorted(set(body) - {"concepts"})
        if unknown:
            raise ConfigError(
                source,
                line_of(body, unknown[0]),
                unknown[0],
                unknown_key_problem(unknown[0], ["concepts"]),
            )
        lexicon = cls()
        for name, languages in body["concepts"].items():
            for language, words in words_by_language(languages, str(name), source):
                for written in map(str, words):
                    line = line_of(languages, language)
                    lexicon._add(written, str(name), source, line, f"{name}.{language}")
        # The longest first: "eleveur*" (herders) before "eleve*" (pupils).
        lexicon.patterns.sort(key=lambda item: -len(item[0]))
        return lexicon

    def _add(self, written: str, concept: str, source: str, line, key: str) -> None:
        try:
            words, any_end, any_start = wildcard(written)
            if len(words) > 1:
                raise ValueError(f"{written!r}: a concept word is one word")
        except ValueError as problem:
            raise ConfigError(source, line, key, str(problem)) from None
        if any_end or any_start:
            self.patterns.append((words[0], any_end, any_start, concept))
        else:
            self.exact[words[0]] = concept


def _forms(word: str) -> list[str]:
    if not _ARABIC.search(word):
        return [word]
    return [word] + [word[cut:] for cut in range(1, ARABIC_FRONT + 1) if len(word) - cut >= 3]
