"""What a report is about when no term of the taxonomy is in it, learned from example reports.

Monitors keep finding new words for old deeds ("wamekaushwa", "walibebwa na makachero"); a term
list cannot foresee them all. config/examples.jsonl holds reports whose category people decided,
one JSON object per line: {"text": ..., "category": "KILLING", "source": ...} (category null:
not an incident; source, optional: where the example came from).
A naive Bayes model over the words and the three- to five-letter pieces of words of these
examples guesses the category of a report in which the taxonomy found no term at all. It never
overrides a term, a code or a negation, and never makes a report noise: a guess of "not an
incident" leaves the report OTHER, for staff to read. The words of the report that weighed most
for the guess are kept as its evidence. A deployment adds examples in its own words.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ewn.config_files import ConfigError
from ewn.meaning.taxonomy import Taxonomy
from ewn.meaning.wording import words as text_words

PIECES = (3, 4, 5)  # lengths of the pieces of words the model weighs, besides whole words
SMOOTHING = 0.1  # added to every count (chosen on the eleventh and twelfth tuning sets)
EXPLAINING_WORDS = 3
NOT_INCIDENT = ""  # the class of examples that are not incident reports


@dataclass(frozen=True)
class Guess:
    category: str
    # The words of the report that weighed most for the category against the runner-up.
    words: tuple[str, ...]


def features(word: str) -> list[str]:
    marked = f"<{word}>"
    pieces = [marked[i : i + n] for n in PIECES for i in range(len(marked) - n + 1)]
    return ["=" + word, *pieces]


class Learned:
    def __init__(self, examples: Iterable[tuple[str, str | None]]):
        counts: dict[str, Counter] = defaultdict(Counter)
        documents: Counter = Counter()
        for text, category in examples:
            label = category or NOT_INCIDENT
            documents[label] += 1
            for word, _, _ in text_words(text):
                if not word.isdigit():
                    counts[label].update(features(word))
        self.size = sum(documents.values())
        vocabulary = set().union(*counts.values()) if counts else set()
        self.known = {feature: {} for feature in vocabulary}
        for label, counter in counts.items():
            for feature, n in counter.items():
                self.known[feature][label] = math.log((n + SMOOTHING) / SMOOTHING)
        self.prior = {label: math.log(n / self.size) for label, n in documents.items()}
        self.unseen = {
            label: math.log(SMOOTHING / (sum(counts[label].values()) + SMOOTHING * len(vocabulary)))
            for label in documents
        }

    def guess(self, words: Iterable[str]) -> Guess | None:
        """The most likely category of a report of these (folded) words, or None if that is
        "not an incident" or no word is known from the examples. Leave out the names of places:
        they tell where, not what."""
        weighed = [
            (word, [f for f in features(word) if f in self.known])
            for word in words
            if not word.isdigit()
        ]
        if not any(found for _, found in weighed):
            return None
        score = dict(self.prior)
        for _, found in weighed:
            for feature in found:
                for label, weight in self.known[feature].items():
                    score[label] += weight
            for label in score:
                score[label] += len(found) * self.unseen[label]
        best, runner_up = sorted(score, key=lambda label: (-score[label], label))[:2]
        if best == NOT_INCIDENT:
            return None
        return Guess(best, self._explain(weighed, best, runner_up))

    def _explain(self, weighed, best: str, other: str) -> tuple[str, ...]:
        def weight(found: list[str]) -> float:
            return sum(
                self.known[f].get(best, 0.0)
                - self.known[f].get(other, 0.0)
                + self.unseen[best]
                - self.unseen[other]
                for f in found
            )

        ranked = sorted(
            {word: weight(found) for word, found in weighed}.items(), key=lambda item: -item[1]
        )
        return tuple(word for word, w in ranked[:EXPLAINING_WORDS] if w > 0)


def load(path: Path, taxonomy: Taxonomy) -> Learned | None:
    """The model learned from the examples file, and from the taxonomy's terms as examples of
    their categories (their pieces teach new forms of known words); None if the file holds no
    example. A line that is not an example (not JSON, no text, an unknown category) is an
    error naming the file and line."""
    if not path.is_file():
        raise ConfigError(str(path), None, "incidents.examples_file", "no such file")
    stat = os.stat(path)
    terms = {
        (term.written.strip("*"), term.category)
        for term in [*taxonomy.prefix_terms, *(t for ts in taxonomy.terms.values() for t in ts)]
        if not (term.hint or term.last)
    }
    return _load(
        str(path), stat.st_mtime_ns, stat.st_size, tuple(taxonomy.categories), tuple(sorted(terms))
    )


@lru_cache(maxsize=4)  # every app of a process (and of the test suite) shares one model
def _load(
    source: str, _mtime: int, _size: int, categories: tuple[str, ...], terms: tuple
) -> Learned | None:
    examples = []
    with open(source, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            examples.append(_example(line, source, number, categories))
    return Learned(examples + list(terms)) if examples else None


def _example(line: str, source: str, number: int, categories) -> tuple[str, str | None]:
    try:
        example = json.loads(line)
    except ValueError as error:
        raise ConfigError(source, number, "", f"not a JSON object: {error}") from None
    if not isinstance(example, dict):
        raise ConfigError(source, number, "", 'expected {"text": ..., "category": ...}')
    unknown = sorted(set(example) - {"text", "category", "source"})
    if unknown:
        raise ConfigError(source, number, unknown[0], "expected text, category and source only")
    text, category = example.get("text"), example.get("category")
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(source, number, "text", "expected the text of a report")
    if category is not None and category not in categories:
        raise ConfigError(
            source,
            number,
            "category",
            f"unknown category {category!r} (null for a message that is not an incident)",
        )
    return text, category
