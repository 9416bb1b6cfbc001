"""Find the words of a message that may name places, and the gazetteer places they may be.

Every run of one to four words is looked up exactly (by its joined form, so "burnt forest" and
"burntforest" meet "Burnt Forest"); single words and pairs not found exactly are looked up
fuzzily through one-deletion variants (an index lookup, so the cost does not grow with the
gazetteer); words in Arabic script are looked up by consonant skeleton.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy.orm import Session

from ewn.geo.config import GeoConfig
from ewn.geo.names import Token, deletions, skeleton, tokenise
from ewn.store import places as store

MAX_WORDS = 4
MAX_TOKENS = 400
MIN_FUZZY = 5
# How good a match each way of matching is, before context.
MATCH = {"alias": 1.0, "name": 1.0, "ascii": 1.0, "alternate": 0.95, "partial": 0.85}
FUZZY_ONE, FUZZY_TWO, SKELETON = 0.8, 0.62, 0.6


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
    kind: str = ""  # exact, fuzzy or skeleton
    candidates: dict[int, float] = field(default_factory=dict)  # place id → match quality

    @property
    def words(self) -> int:
        return self.last - self.first


def find_cues(tokens: list[Token], config: GeoConfig) -> set[int]:
    """Indexes of tokens that come right after a cue (or after a cue and an article)."""
    after = set()
    lowered = [token.lower for token in tokens]
    for index in range(len(tokens)):
        for cue in config.cues:
            if tuple(lowered[index : index + len(cue)]) == cue:
                end = index + len(cue)
                after.add(end)
                if end < len(tokens) and tokens[end].folded in config.stopwords:
                    after.add(end + 1)
                break
    return after


def mentions(text: str, config: GeoConfig) -> tuple[list[Token], list[Mention]]:
    tokens = tokenise(text)[:MAX_TOKENS]
    cued = find_cues(tokens, config)
    found = []
    for first in range(len(tokens)):
        for last in range(first + 1, min(first + MAX_WORDS, len(tokens)) + 1):
            words = tokens[first:last]
            if (
                words[0].folded in config.stopwords
                or words[-1].folded in config.stopwords
                or any(not token.key or token.key.isdigit() for token in words)
            ):
                continue
            common = len(words) == 1 and (
                words[0].folded in config.common_words or words[0].key in config.common_words
            )
            found.append(
                Mention(
                    first=first,
                    last=last,
                    text=text[words[0].start : words[-1].end],
                    joined="".join(token.key for token in words),
                    cue=first in cued,
                    capitalised=all(token.capitalised or token.arabic for token in words),
                    common=common,
                )
            )
    return tokens, found


def look_up(session: Session, tokens: list[Token], found: list[Mention]) -> int:
    """Fill each mention's candidates from the gazetteer; returns how many were examined."""
    by_joined: dict[str, list[Mention]] = {}
    for mention in found:
        by_joined.setdefault(mention.joined, []).append(mention)
    examined = 0
    for joined_key, place_id, kind in store.names_by_joined(session, by_joined):
        for mention in by_joined[joined_key]:
            _add(mention, place_id, MATCH.get(kind, 0.9), "exact")
            examined += 1
    fuzzy = [
        m
        for m in found
        if not m.candidates and m.words <= 2 and not m.common and len(m.joined) >= MIN_FUZZY
    ]
    examined += _fuzzy(session, fuzzy)
    arabic = [
        m
        for m in found
        if not m.candidates and not m.common and m.words == 1 and _arabic(tokens, m)
    ]
    examined += _skeletons(session, arabic)
    return examined


def _arabic(tokens: list[Token], mention: Mention) -> bool:
    return all(token.arabic for token in tokens[mention.first : mention.last])


def _add(mention: Mention, place_id: int, quality: float, kind: str) -> None:
    if quality > mention.candidates.get(place_id, 0.0):
        mention.candidates[place_id] = quality
        mention.kind = mention.kind if mention.kind == "exact" else kind


def _fuzzy(session: Session, found: list[Mention]) -> int:
    if not found:
        return 0
    probes: dict[str, set[str]] = {}  # a mention's form or one-deletion variant → mentions
    for mention in found:
        for probe in {mention.joined} | deletions(mention.joined):
            probes.setdefault(probe, set()).add(mention.joined)
    targets: dict[str, set[str]] = {}  # mention → names it may be a misspelling of
    # Names equal to a deletion of the mention (the mention has an extra letter)...
    for joined_key, _place_id, _kind in store.names_by_joined(session, probes):
        for source in probes[joined_key]:
            targets.setdefault(source, set()).add(joined_key)
    # ...and names sharing a one-deletion variant (substitutions, missing letters, swaps).
    for variant, joined_key in store.joined_by_variant(session, probes):
        for source in probes[variant]:
            targets.setdefault(source, set()).add(joined_key)
    if not targets:
        return 0
    entries: dict[str, list[tuple[int, str]]] = {}
    for joined_key, place_id, kind in store.names_by_joined(
        session, set().union(*targets.values())
    ):
        entries.setdefault(joined_key, []).append((place_id, kind))
    examined = 0
    for mention in found:
        limit = 1 if len(mention.joined) < 8 else 2
        for joined_key in targets.get(mention.joined, ()):
            distance = DamerauLevenshtein.distance(mention.joined, joined_key, score_cutoff=limit)
            if distance == 0 or distance > limit:
                continue
            quality = FUZZY_ONE if distance == 1 else FUZZY_TWO
            for place_id, kind in entries.get(joined_key, ()):
                _add(mention, place_id, quality * MATCH.get(kind, 0.9), "fuzzy")
                examined += 1
    return examined


def _skeletons(session: Session, found: list[Mention]) -> int:
    by_skeleton: dict[str, list[Mention]] = {}
    for mention in found:
        shape = skeleton(mention.joined, from_arabic=True)
        if len(shape) >= 3 and len(mention.joined) >= 4:
            by_skeleton.setdefault(shape, []).append(mention)
    examined = 0
    for shape, place_id, kind in store.names_by_skeleton(session, by_skeleton):
        for mention in by_skeleton[shape]:
            _add(mention, place_id, SKELETON * MATCH.get(kind, 0.9), "skeleton")
            examined += 1
    return examined
