"""Comparable forms of report texts: content words, character trigrams and a MinHash
signature whose bands find similar texts through an ordinary index."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from ewn.dedup.concepts import Concepts
from ewn.geo.names import word_key
from ewn.meaning.numbers import NUMBER_WORDS
from ewn.settings import ROOT
from ewn.text import WORD, fold

_CLOCK = re.compile(r"\b\d{1,2}(?:[:.h]\d{2})?\s?[ap]m\b|\b\d{1,2}[:.h]\d{2}\b", re.IGNORECASE)
_NAME_NUMBER = re.compile(r"\b([A-Z]\w+) \d{1,3}\b")  # Kakuma 4, Phase 2

BANDS, ROWS = 8, 2
WORD_KEY = "w:"  # beside the bands ("0:…" to "7:…") in the same index
CONCEPT_KEY = "~"
# Words that say nothing about which event it is.
FILLER = set(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "by",
        "for",
        "with",
        "from",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "we",
        "they",
        "them",
        "their",
        "our",
        "us",
        "i",
        "you",
        "he",
        "she",
        "his",
        "her",
        "there",
        "here",
        "have",
        "has",
        "had",
        "not",
        "no",
        "yes",
        "but",
        "so",
        "all",
        "some",
        "many",
        "very",
        "now",
        "also",
        "just",
        "please",
        "pls",
        "na",
        "ya",
        "wa",
        "la",
        "cha",
        "za",
        "vya",
        "kwa",
        "ni",
        "si",
        "au",
        "pia",
        "hii",
        "hiyo",
        "huu",
        "hapa",
        "pale",
        "kule",
        "wao",
        "sisi",
        "yeye",
        "mimi",
        "wewe",
        "lakini",
        "tena",
        "sana",
        "bado",
        "kama",
        "katika",
        "kwenye",
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "de",
        "du",
        "et",
        "ou",
        "est",
        "sont",
        "ce",
        "cette",
        "ces",
        "il",
        "elle",
        "ils",
        "nous",
        "vous",
        "pour",
        "par",
        "sur",
        "avec",
        "dans",
        "en",
        "au",
        "aux",
        "pas",
        "ne",
    ]
)


_concepts: Concepts | None = None


def use_concepts(concepts: Concepts) -> None:
    """The deployment's concepts (config/concepts.yaml unless set otherwise)."""
    global _concepts
    _concepts = concepts
    for cached in (content_words, profile, text_similarity):
        cached.cache_clear()


def _lexicon() -> Concepts:
    global _concepts
    if _concepts is None:
        _concepts = Concepts.load(ROOT / "config" / "concepts.yaml")
    return _concepts


@lru_cache(maxsize=4096)
def content_words(text: str) -> tuple[str, ...]:
    """Folded, transliterated words that carry meaning; number words become digits; a word
    naming a concept of config/concepts.yaml brings the concept too ("~herders"), so that
    "wafugaji" and "herders" have something in common."""
    words = []
    concepts = _lexicon()
    for match in WORD.finditer(text):
        folded = fold(match.group())
        if folded in NUMBER_WORDS:
            words.append(str(NUMBER_WORDS[folded]))
            continue
        key = word_key(folded)
        if key and key not in FILLER and (len(key) >= 3 or key.isdigit()):
            words.append(key)
            if concept := concepts.of(folded):
                words.append(CONCEPT_KEY + concept.lower())
    return tuple(words)


def trigrams(words: tuple[str, ...]) -> Counter:
    grams: Counter = Counter()
    for word in words:
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


@dataclass(frozen=True)
class Profile:
    """What similarity needs of one text, computed once (texts are compared many times)."""

    words: frozenset[str]
    grams: Counter
    norm: float


@lru_cache(maxsize=8192)
def profile(text: str) -> Profile:
    """Cached: an incident's texts are compared with every report that might join it."""
    words = content_words(text)
    grams = trigrams(words)
    return Profile(frozenset(words), grams, math.sqrt(sum(c * c for c in grams.values())))


@lru_cache(maxsize=65536)
def text_similarity(a: str, b: str) -> float:
    """similarity of two texts, remembered: an incident's reports are compared again at every
    refresh."""
    return similarity(profile(a), profile(b))


def similarity(a: str | Profile, b: str | Profile) -> float:
    """0..1: how alike two texts are in words (Jaccard) and spelling (trigram cosine)."""
    a = a if isinstance(a, Profile) else profile(a)
    b = b if isinstance(b, Profile) else profile(b)
    if not a.words or not b.words:
        return 0.0
    jaccard = len(a.words & b.words) / len(a.words | b.words)
    small, large = (a.grams, b.grams) if len(a.grams) <= len(b.grams) else (b.grams, a.grams)
    dot = sum(count * large[gram] for gram, count in small.items())
    norm = a.norm * b.norm
    cosine = dot / norm if norm else 0.0
    return 0.4 * jaccard + 0.6 * cosine


def _hash(word: str, seed: int) -> int:
    digest = hashlib.blake2b(word.encode(), digest_size=8, person=seed.to_bytes(16, "little"))
    return int.from_bytes(digest.digest(), "little")


def bands(text: str) -> list[str]:
    """MinHash bands of the text's content words: similar texts share at least one band."""
    words = set(content_words(text))
    if not words:
        return []
    minima = [min(_hash(word, seed) for word in words) for seed in range(BANDS * ROWS)]
    result = []
    for band in range(BANDS):
        rows = minima[band * ROWS : (band + 1) * ROWS]
        key = hashlib.blake2b(repr(rows).encode(), digest_size=6).hexdigest()
        result.append(f"{band}:{key}")
    return result


def word_keys(text: str) -> list[str]:
    """Index keys of the text's longer words. Reports of one event whose place EWN cannot pin
    down (a name missing from the gazetteer, or shared by places far apart) still find each
    other through the name; words too common to tell events apart are skipped at search time."""
    return sorted(
        {
            WORD_KEY + word[:22]
            for word in content_words(text)
            if len(word) >= 4 and not word.isdigit()
        }
    )


def numbers(text: str) -> set[int]:
    """The numbers a report tells (victims, houses, ages), not those of its clock times
    ("6:30am", "10pm") or place names ("Kakuma 4", "Phase 2")."""
    told = _NAME_NUMBER.sub(r"\1", _CLOCK.sub(" ", text))
    return {int(word) for word in content_words(told) if word.isdigit() and len(word) <= 4}
