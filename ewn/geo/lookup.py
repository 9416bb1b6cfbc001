"""Look up the gazetteer places a message's mentions may be: exact names (by joined form, so
"burnt forest" and "burntforest" meet "Burnt Forest"), misspellings of single words and pairs
through one-deletion variants (an index lookup, so the cost does not grow with the
gazetteer), and words in Arabic script by consonant skeleton.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein, Levenshtein
from sqlalchemy.orm import Session
from wordfreq import zipf_frequency

from ewn.geo.config import GeoConfig
from ewn.geo.extract import NAME_QUALITY, Mention, mentions
from ewn.geo.names import Token, deletions, skeleton, sound_key
from ewn.store import places as store

MIN_FUZZY = 5
# How good a match each way of matching is, before context.
MATCH = {"alias": 1.0, "name": 1.0, "ascii": 1.0, "alternate": 0.95, "partial": 0.85}
FUZZY_SOUND, FUZZY_ONE, FUZZY_TWO, SKELETON = 0.94, 0.88, 0.62, 0.6
# A word at least this frequent in English, French or Arabic (Zipf scale: 3.5 is about three
# in a million words) is written as meant: "scene" is not a misspelt "Scone", nor "wrote" Wote.
WORD_ZIPF = 3.5
WORD_LANGUAGES = {False: ("en", "fr"), True: ("ar",)}


def look_up(session: Session, tokens: list[Token], found: list[Mention]) -> int:
    """Fill each mention's candidates from the gazetteer; returns how many were examined.

    One query finds the names written exactly like a mention or like a mention with one
    letter removed; one more finds names sharing a one-deletion variant with a mention
    (the variants table); a third fetches the names those lead to.
    """
    eligible = [m for m in found if _fuzzy_shape(m)]
    keys = {m.joined for m in found}
    for mention in eligible:
        keys |= deletions(mention.joined)
    names: dict[str, list[tuple[int, str]]] = {}
    for joined_key, place_id, kind in store.names_by_joined(session, keys):
        names.setdefault(joined_key, []).append((place_id, kind))
    examined = 0
    for mention in found:
        for place_id, kind in names.get(mention.joined, ()):
            _add(mention, place_id, MATCH.get(kind, 0.9), "exact")
            examined += 1
    examined += _fuzzy(session, [m for m in eligible if _wants_fuzzy(m)], names)
    arabic = [
        m
        for m in found
        if not m.candidates and not m.common and m.words <= 2 and _arabic(tokens, m)
    ]
    examined += _skeletons(session, arabic)
    return examined


def name_spans(session: Session, text: str, config: GeoConfig) -> list[tuple[int, int]]:
    """Where the text names a place of several words ("Burnt Forest", "Kampi ya Moto"), as
    character spans: those words name the place, not what happened there."""
    tokens, found = mentions(text, config)
    several = [m for m in found if m.words > 1]
    if not several:
        return []
    look_up(session, tokens, several)
    return [
        (tokens[m.first].start, tokens[m.last - 1].end)
        for m in several
        if m.candidates and max(m.candidates.values()) >= NAME_QUALITY
    ]


def _fuzzy_shape(mention: Mention) -> bool:
    # Pairs of words are misspelt names ("burnt forrest"), not ordinary phrases ("mtaa ka").
    if mention.words == 3:
        return mention.long_name
    if mention.words > 2 or mention.common or (mention.words > 1 and mention.has_common):
        return False
    if mention.words == 1 and dictionary_word(mention.text.casefold()):
        return False
    return len(mention.joined) >= MIN_FUZZY or (mention.announced and len(mention.joined) >= 4)


@lru_cache(maxsize=65536)
def dictionary_word(word: str) -> bool:
    """A frequent word of English, French or Arabic, spelled right (wordfreq's lists)."""
    arabic = any("\u0600" <= char <= "\u06ff" for char in word)
    return any(
        zipf_frequency(word, language, wordlist="small") >= WORD_ZIPF
        for language in WORD_LANGUAGES[arabic]
    )


def _wants_fuzzy(mention: Mention) -> bool:
    """Misspellings are looked for in words not found as written, and also in words that
    are announced as places (a cue, a heading, "X town") even when some place has that
    exact name: "huko ngongo" may well be Ngong."""
    return not mention.candidates or mention.announced


def _arabic(tokens: list[Token], mention: Mention) -> bool:
    return all(token.arabic for token in tokens[mention.first : mention.last])


def _add(mention: Mention, place_id: int, quality: float, kind: str) -> None:
    if quality > mention.candidates.get(place_id, 0.0):
        mention.candidates[place_id] = quality
        mention.kind = mention.kind if mention.kind == "exact" else kind


def _fuzzy(session: Session, found: list[Mention], names: dict[str, list[tuple[int, str]]]) -> int:
    if not found:
        return 0
    probes: dict[str, set[str]] = {}  # a mention's form or one-deletion variant → mentions
    for mention in found:
        for probe in {mention.joined} | deletions(mention.joined):
            probes.setdefault(probe, set()).add(mention.joined)
    targets: dict[str, set[str]] = {}  # mention → names it may be a misspelling of
    # Names equal to a deletion of the mention (the mention has an extra letter)...
    for probe, sources in probes.items():
        if probe in names:
            for source in sources:
                targets.setdefault(source, set()).add(probe)
    # ...and names sharing a one-deletion variant (substitutions, missing letters, swaps).
    for variant, joined_key in store.joined_by_variant(session, probes):
        for source in probes[variant]:
            targets.setdefault(source, set()).add(joined_key)
    missing = set().union(*targets.values()) - names.keys() if targets else set()
    for joined_key, place_id, kind in store.names_by_joined(session, missing):
        names.setdefault(joined_key, []).append((place_id, kind))
    examined = 0
    for mention in found:
        limit = 1 if len(mention.joined) < 8 else 2
        for joined_key in targets.get(mention.joined, ()):
            distance = DamerauLevenshtein.distance(mention.joined, joined_key, score_cutoff=limit)
            if distance == 0 or distance > limit:
                continue
            # A spelling that sounds the same is nearly as good as the name itself; otherwise
            # one letter wrong in a long name is stronger evidence than in a short one.
            if sound_key(mention.joined) == sound_key(joined_key):
                quality = FUZZY_SOUND
            else:
                quality = max(FUZZY_TWO, min(FUZZY_ONE, 1 - 1.2 * distance / len(mention.joined)))
            for place_id, kind in names.get(joined_key, ()):
                _add(mention, place_id, quality * MATCH.get(kind, 0.9), "fuzzy")
                examined += 1
    return examined


def _skeletons(session: Session, found: list[Mention]) -> int:
    by_skeleton: dict[str, list[Mention]] = {}
    for mention in found:
        # East African Arabic writes the g of names with qaf as well ("لوكيتاونق", Lokitaung).
        spellings = {mention.joined, mention.joined.replace("q", "g")}
        for shape in {skeleton(spelling, from_arabic=True) for spelling in spellings}:
            # Two consonants ("إيسيولو", isiulu: "sl") are shared by many names: only a long
            # word whose vowels also sound alike is matched that way.
            if (len(shape) >= 3 and len(mention.joined) >= 4) or (
                len(shape) == 2 and len(mention.joined) >= 5
            ):
                by_skeleton.setdefault(shape, []).append(mention)
    examined = 0
    for shape, place_id, kind, joined in store.names_by_skeleton(session, by_skeleton):
        for mention in by_skeleton[shape]:
            quality = _skeleton_quality(mention, joined)
            examined += 1
            # Consonants alone are weak evidence: enough after a cue ("في إيستلي"), but an
            # ordinary word ("مجهولون", unknown: Migori) must sound like the name too.
            if quality >= FUZZY_ONE - 0.01 or (len(shape) > 2 and mention.announced):
                _add(mention, place_id, quality * MATCH.get(kind, 0.9), "skeleton")
    return examined


_THREE_VOWELS = str.maketrans("eo", "iu")  # Arabic writes only a, i and u


def _arabic_vowels(joined_key: str) -> str:
    # An initial alef only carries the vowel after it: "إيسيولو" (aisiulu) is Isiolo.
    if len(joined_key) > 2 and joined_key[0] == "a" and joined_key[1] in "iu":
        joined_key = joined_key[1:]
    return sound_key(joined_key).translate(_THREE_VOWELS)


def _skeleton_quality(mention: Mention, joined: str) -> float:
    """Consonants alike are weak evidence ("طريقها", tariqha, and Tharaka share them); where
    the Arabic spelling's long vowels also sound like the name's ("هاغاديرا", haghadira, and
    Hagadera), it is nearly as good as a misspelling one letter off."""
    likeness = Levenshtein.normalized_similarity(
        _arabic_vowels(mention.joined), _arabic_vowels(joined)
    )
    return SKELETON + (FUZZY_ONE - SKELETON) * max(0.0, (likeness - 0.6) / 0.4)
