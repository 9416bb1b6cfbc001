"""Find the words of a message that may name places: every run of one to four words, with
what stands around it (a cue, a heading, a place noun, a destination). ewn/geo/lookup.py finds
the gazetteer places they may be.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ewn.geo.config import GeoConfig
from ewn.geo.names import Token, sound_key, tokenise

MAX_WORDS = 4
MAX_TOKENS = 400
LONG_FUZZY = 10  # letters of a three-word mention that is looked up fuzzily
# "35km": a distance, read as its unit ("km from") when looking for cues.
_DISTANCE = re.compile(r"^\d+(?:[.,]\d+)?(?=[^\W\d])")
# A match this good is the place's name (exact, or one letter off in a long name).
NAME_QUALITY = 0.85


@dataclass
class Mention:
    """Words of the message that may name a place."""

    first: int
    last: int  # exclusive
    text: str
    joined: str
    cue: bool
    capitalised: bool
    common: bool
    # Some word of it is a stopword or a stub, or all its words are common ("mtaa ka").
    has_common: bool = False
    # Three words that may be a misspelt name: "mukuru kwa njega" (but not "kambi ya moto").
    long_name: bool = False
    # Where people went ("towards X") or came from ("kutoka X"), not where it happened.
    destination: bool = False
    cue_from: int | None = None  # where the cue before it starts
    # A place noun right after: "town" ("Molo town"), "county" ("Mandera county") or "side"
    # ("the Nakuru side").
    noun: str | None = None
    # Written as a heading: "Timboroa: lorries passed..." or "Makutano Tana - youths...".
    header: bool = False
    kind: str = ""  # exact, fuzzy or skeleton
    candidates: dict[int, float] = field(default_factory=dict)  # place id → match quality

    @property
    def words(self) -> int:
        return self.last - self.first

    @property
    def announced(self) -> bool:
        """Presented as a place: after a cue, in a heading, or before "town"/"county"."""
        return self.cue or self.header or self.noun is not None


def find_cues(
    tokens: list[Token], config: GeoConfig, cues: list[tuple[str, ...]] | None = None
) -> dict[int, int]:
    """Indexes of tokens that come right after a cue (or after a cue and an article), each
    with the index where its longest cue starts."""
    index = config.index(config.cues if cues is None else cues)
    after: dict[int, int] = {}
    # "35km from X": a distance is read as its unit, so that "km from" is a cue; a number
    # alone as "#" ("kilomita # kutoka").
    lowered = [
        "#" if token.lower.isdigit() else _DISTANCE.sub("", token.lower) or token.lower
        for token in tokens
    ]
    for position, word in enumerate(lowered):
        for cue in index.get(word, ()):
            if tuple(lowered[position : position + len(cue)]) == cue:
                end = position + len(cue)
                ends = (
                    [end, end + 1]
                    if end < len(tokens) and tokens[end].folded in config.stopwords
                    else [end]
                )
                for after_cue in ends:
                    if after_cue not in after or position < after[after_cue]:
                        after[after_cue] = position
                break
    return after


def _noun_after(tokens: list[Token], last: int, config: GeoConfig) -> str | None:
    for length in (2, 1):
        words = tuple(token.lower for token in tokens[last : last + length])
        if len(words) == length and words in config.place_nouns:
            return config.place_nouns[words]
    return None


def _side(tokens: list[Token], first: int, noun: str | None, config: GeoConfig) -> bool:
    """ "from the Nakuru side", "towards the Pokot side": a direction, not the place."""
    return noun == "side" and first > 0 and tokens[first - 1].folded in config.stopwords


# A category code a monitor starts a message with ("K:", "SV:", "AB -").
_CODE = re.compile(r"[A-Z]{1,3}")
# A hyphen between two words with no space is inside a name ("Muru-erith", "Ol-Kalou").
JOINERS = ("-", "–")


def _punctuated(text: str, words: list[Token]) -> bool:
    """Whether punctuation separates the words (a name does not span "Molo, Nakuru")."""
    return any(
        text[a.end : b.start] not in JOINERS
        and any(mark in text[a.end : b.start] for mark in ",.;:!?()-–/")
        for a, b in itertools.pairwise(words)
    )


def _header_end(text: str, tokens: list[Token], first: int = 0) -> int:
    """How many leading words form a heading ended by ':' or ' - ' (0 if none); a comma may
    set a place apart from its county in it ("Umoja, samburu: ..."). After a category code
    ("SV: Kiminini, 14 July evening: ..."), the heading is the one after the code."""
    for index, token in enumerate(tokens[first : first + 4], start=first):
        end = tokens[index + 1].start if index + 1 < len(tokens) else len(text)
        following = text[token.end : end]
        if following not in JOINERS and any(mark in following for mark in (":", "-", "–")):
            if index == 0 and _CODE.fullmatch(text[token.start : token.end]):
                return _header_end(text, tokens, 1) or _comma_heading(text, tokens) or 1
            return index + 1
        if "." in following or following.count(",") > 1:
            return 0
    return 0


def _comma_heading(text: str, tokens: list[Token]) -> int:
    """After a category code, up to three capitalised words ended by a comma are a heading
    too: the place, as monitors are trained to write ("D: Kwanza, sixty families evicted")."""
    for index in range(1, min(4, len(tokens))):
        if not tokens[index].capitalised:
            return 0
        end = tokens[index + 1].start if index + 1 < len(tokens) else len(text)
        if "," in text[tokens[index].end : end]:
            return index + 1
    return 0


def mentions(text: str, config: GeoConfig) -> tuple[list[Token], list[Mention]]:
    tokens = tokenise(text)[:MAX_TOKENS]
    cued = find_cues(tokens, config)
    destined = find_cues(tokens, config, config.destination_cues)
    heading = _header_end(text, tokens)
    found = []
    for first in range(len(tokens)):
        for last in range(first + 1, min(first + MAX_WORDS, len(tokens)) + 1):
            words = tokens[first:last]
            if (
                words[0].folded in config.stopwords
                or words[-1].folded in config.stopwords
                or any(not token.key or token.key.isdigit() for token in words)
                or _punctuated(text, words)
            ):
                continue
            noun = _noun_after(tokens, last, config)
            common = len(words) == 1 and (
                words[0].folded in config.common_words
                or words[0].key in config.common_words
                or _without_article(words[0].folded) in config.common_words
                or (
                    words[0].folded in config.locatives
                    and first not in cued
                    and not words[0].capitalised
                )
            )
            found.append(
                Mention(
                    first=first,
                    last=last,
                    text=text[words[0].start : words[-1].end],
                    joined="".join(token.key for token in words),
                    cue=first in cued,
                    # "Laini saba", "Burnt forest": monitors capitalise the first word only.
                    capitalised=words[0].capitalised or all(token.arabic for token in words),
                    common=common,
                    has_common=any(
                        token.folded in config.stopwords or len(token.key) < 3 for token in words
                    )
                    or all(token.folded in config.common_words for token in words),
                    long_name=_long_name(words, config),
                    # The longer cue says more: "wamekimbia kutoka X" is where it
                    # happened, "kutoka X" is not; "I am in X" is not, "in X" is.
                    destination=(first in destined and destined[first] <= cued.get(first, first))
                    or _side(tokens, first, noun, config),
                    cue_from=cued.get(first),
                    noun=noun,
                    header=last <= heading,
                )
            )
    return tokens, found


_ARTICLE = re.compile(r"^(?:[وفبك]?ال|[وف]?لل)")


def _without_article(word: str) -> str:
    """An Arabic word without "the" and a letter written onto its front: "الشارع" (the
    street), "بالمال" (with the money) and "للسوق" (to the market) are common words too."""
    return _ARTICLE.sub("", word)


def _long_name(words: list[Token], config: GeoConfig) -> bool:
    content = [t for t in words if t.folded not in config.stopwords]
    return (
        len(words) == 3
        and sum(len(t.key) for t in words) >= LONG_FUZZY
        and all(len(t.key) >= 3 for t in content)
        and not all(t.folded in config.common_words for t in content)
    )


def place_phrases(text: str, config: GeoConfig, limit: int = 3) -> list[str]:
    """Words presented as a place ("near Zzyzx Junction", "Zzyzx:") that the gazetteer may
    not know: what to ask an online geocoder."""
    tokens, found = mentions(text, config)
    phrases = []
    for mention in sorted(found, key=lambda m: (-m.words, m.first)):
        if not mention.announced or mention.common or mention.destination:
            continue
        words = tokens[mention.first : mention.last]
        if any(t.folded in config.common_words and not t.capitalised for t in words):
            continue
        if any(mention.text in phrase for phrase in phrases):
            continue
        phrases.append(mention.text)
    return phrases[:limit]


@lru_cache(maxsize=8192)
def name_words(text: str, config: GeoConfig) -> frozenset[str]:
    """The words a text presents as a name, known to the gazetteer or not ("Kondele" is not):
    after a cue, in a heading, before a place noun, or capitalised inside a sentence; never
    common words. As sound keys, so "Chebilat" and "Chebillat" are one name."""
    tokens, found = mentions(text, config)
    names = set()
    for mention in found:
        if mention.words != 1 or mention.common or mention.has_common:
            continue
        token = tokens[mention.first]
        inside = mention.first > 0 and not any(
            mark in text[tokens[mention.first - 1].end : token.start] for mark in ".!?\n"
        )
        if len(token.key) >= 4 and (mention.announced or (token.capitalised and inside)):
            names.add(sound_key(token.key))
    return frozenset(names)
