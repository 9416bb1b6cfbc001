"""How terms and phrases stand in the words of a message: matching a term (Arabic prefixes,
Kiswahili stems, the longest phrase), which clause each word is in, and what comes before a
term there: a negation ("hakuna aliyeuawa"), the future tense ("watachomwa", "will burn"), a
number of victims."""

from __future__ import annotations

import re

from ewn.meaning.numbers import number
from ewn.meaning.taxonomy import Taxonomy, Term
from ewn.text import WORD, fold

CLAUSE = re.compile(r"[.;!?\n،؛]|,\s|:(?!\d)")
SENTENCE = re.compile(r"[.!?\n؟](?!\d)")
ARABIC = re.compile(r"[\u0600-\u06ff]")
ELISION = re.compile(r"(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]")
CONJUNCTIONS = ("و", "ف")  # Arabic "and", "so", written onto the next word
NEGATION_REACH = 4  # words between a negation and the term it cancels
NUMBER_REACH = 4
FUTURE_REACH = 3  # words between "will" and the deed ("will have their houses burnt")
# Kiswahili future: who, "ta", then perhaps "ka" (relative) and whom, in front of the verb stem
# (watachomwa, yatateketezwa, watakaowaua); "ha" in front denies it (hawatashambulia).
SW_FUTURE = re.compile(
    r"^(ha)?(ni|u|a|tu|m|mu|wa|i|zi|ya|li|ki|vi|ku|pa|si)ta(ka(o|ye|yo|lo|zo|cho|vyo)?)?"
    r"(ni|ku|m|mw|mu|wa|i|zi|ya|li|ki|vi|tu|ji)?$"
)
# Kiswahili present, happening as the monitor writes: who, "na", perhaps whom, then the verb
# (tunavamiwa, zinachomwa, wanawapiga).
SW_ONGOING = re.compile(
    r"^(ni|u|a|tu|m|mu|wa|i|zi|ya|li|ki|vi|ku|pa)na"
    r"(ni|ku|m|mw|mu|wa|i|zi|ya|li|ki|vi|tu|ji)?$"
)
EN_ONGOING = {"are", "is", "am"}  # "they are burning houses"; "we are being attacked"
# Arabic future: "sa-" written onto the verb (سيهاجمون), perhaps after "and" (وسيقتلون).
AR_FUTURE = re.compile(r"^[وف]?س[يتنأا]")
FR_FUTURE_ENDINGS = ("ront", "rons", "rez")
# Between "will" and a deed, these make it a thing, not a deed ("will bury the dead").
DETERMINERS = {"the", "a", "an", "le", "la", "les", "un", "une", "des"}


def words(text: str) -> list[tuple[str, int, int]]:
    return [(fold(m.group()), m.start(), m.end()) for m in WORD.finditer(text)]


def heads(word: str) -> list[str]:
    """The word, and for Arabic the word without the prefixes written onto it (و ال ب ي ت);
    for French, without the article or pronoun elided onto it ("l'attaque", "d'aide")."""
    if not ARABIC.search(word):
        elided = ELISION.match(word)
        return [word, word[elided.end() :]] if elided and elided.end() < len(word) else [word]
    return [word] + [word[cut:] for cut in (1, 2, 3) if len(word) - cut >= 3]


def word_matches(word: str, wanted: str, prefix: bool, language: str) -> bool:
    elided = ELISION.match(word) if language == "fr" else None
    if (
        elided
        and elided.end() < len(word)
        and word_matches(word[elided.end() :], wanted, prefix, "")
    ):
        return True
    if prefix:
        return word.startswith(wanted)
    if word == wanted:
        return True
    # Arabic attaches "and", "the", "by" to the front of words (والقتل, بالرصاص).
    return (
        language == "ar"
        and len(wanted) >= 3
        and word.endswith(wanted)
        and (len(word) - len(wanted) <= 3)
    )


def matches(folded: list[str], position: int, term: Term, first: int = 0) -> bool:
    """Whether the words of the term from its first-th match the text from position."""
    size = len(term.words)
    if position + size - first > len(folded):
        return False
    for offset, wanted in enumerate(term.words[first:], start=first):
        last = offset == size - 1
        if not word_matches(
            folded[position + offset - first], wanted, term.prefix and last, term.language
        ):
            return False
    return True


def longest(found: list[tuple[int, int, Term]]) -> list[tuple[int, int, Term]]:
    """Overlapping matches: the longest phrase wins ("shot dead" over "shot")."""
    kept: list[tuple[int, int, Term]] = []
    for start, end, term in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if any(
            start < k_end
            and k_start < end
            and ((k_start, k_end) != (start, end) or k_term.category == term.category)
            for k_start, k_end, k_term in kept
        ):
            continue
        kept.append((start, end, term))
    return sorted(kept, key=lambda f: f[0])


def clause_numbers(
    text: str, words: list[tuple[str, int, int]], pattern: re.Pattern = CLAUSE
) -> list[int]:
    """For each word, which clause (or sentence) of the text it is in (negation does not
    cross clauses)."""
    boundaries = [match.start() for match in pattern.finditer(text)]
    numbers, clause, index = [], 0, 0
    for _, start, _ in words:
        while index < len(boundaries) and boundaries[index] < start:
            clause += 1
            index += 1
        numbers.append(clause)
    return numbers


def negated(
    folded: list[str], clauses: list[int], start: int, taxonomy: Taxonomy, causes: list[int]
) -> bool:
    """A negation before the term in its clause ("hakuna aliyeuawa"), unless it begins a longer
    phrase that says something else ("لا يزال", still), or the term is in what the clause
    names as a cause after it ("left with nothing after the shops were burnt"; causes: where
    each cause phrase ends)."""
    return any(
        not longer_phrase(folded, begin, size, taxonomy.follow_up)
        and not any(begin + size < cut <= start for cut in causes)
        for begin, size in preceding(folded, clauses, start, taxonomy.negations, NEGATION_REACH)
    )


def future(
    folded: list[str], clauses: list[int], start: int, term: Term, taxonomy: Taxonomy
) -> str | bool:
    """Whether the deed at start is told in the future tense: "future", "denied" (Kiswahili
    "hawatashambulia", they will not attack) or False."""
    word = folded[start]
    if term.stem and term.language == "sw":
        beginning = word[: word.find(term.words[0])]
        tense = SW_FUTURE.match(beginning)
        if tense:
            return "denied" if tense.group(1) else "future"
    if ARABIC.match(word) and AR_FUTURE.match(word) and not AR_FUTURE.match(term.words[0]):
        return "future"
    if term.language == "fr" and term.prefix and word.endswith(FR_FUTURE_ENDINGS):
        return "future"
    ahead = preceding(folded, clauses, start, taxonomy.future, FUTURE_REACH)
    if any(not DETERMINERS & set(folded[begin + size : start]) for begin, size in ahead):
        return "future"
    return False


def ongoing(folded: list[str], start: int, term: Term) -> bool:
    """Whether the deed at start is told as happening now: Kiswahili "tunavamiwa",
    "nyumba zinachomwa"; English "they are burning houses", "we are being attacked"."""
    word = folded[start]
    if term.language == "sw":
        cut = word.find(term.words[0]) if term.stem else -1
        if cut > 0:
            return bool(SW_ONGOING.match(word[:cut]))
        return not term.stem and any(
            SW_ONGOING.match(word[:cut]) for cut in range(3, min(len(word) - 2, 7))
        )
    before = set(folded[max(0, start - 2) : start])
    if term.language == "en" and word.endswith("ing"):
        return bool(EN_ONGOING & before)
    return term.language == "en" and "being" in before


def preceding(
    folded: list[str],
    clauses: list[int],
    start: int,
    phrases: list[tuple[str, ...]],
    between: int,
):
    """(begin, size) of each of the phrases that stands before the word at start in its clause,
    with at most between words in between ("no one was killed", "will have their houses
    burnt")."""
    for phrase in phrases:
        size = len(phrase)
        for begin in range(max(0, start - between - size), start - size + 1):
            if is_phrase(folded[begin : begin + size], phrase) and clauses[begin] == clauses[start]:
                yield begin, size


def is_phrase(words: list[str], phrase: tuple[str, ...]) -> bool:
    """The words are the phrase; in Arabic the first may carry "and" (ولم يقتل أحد)."""
    if tuple(words) == phrase:
        return True
    return (
        bool(words)
        and words[0][:1] in CONJUNCTIONS
        and ARABIC.match(words[0]) is not None
        and (words[0][1:], *words[1:]) == phrase
    )


def longer_phrase(folded: list[str], begin: int, size: int, phrases: list[tuple[str, ...]]) -> bool:
    """The negation is the start of a longer phrase that says something else: "لا يزال"
    (still), written with "not"."""
    return any(
        len(phrase) > size and tuple(folded[begin : begin + len(phrase)]) == phrase
        for phrase in phrases
    )


def numbers_near(folded: list[str], clauses: list[int], start: int, end: int) -> list[int]:
    found = []
    for position in range(max(0, start - NUMBER_REACH), min(len(folded), end + NUMBER_REACH)):
        if start <= position < end or clauses[position] != clauses[start]:
            continue
        value = number(folded[position])
        if value:
            found.append(value)
    return found


def occurrences(folded: list[str], phrases: list[tuple[str, ...]]):
    """(start, end) of every occurrence of the phrases in the words, phrase by phrase."""
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(folded) - size + 1):
            if tuple(folded[start : start + size]) == phrase:
                yield start, start + size


def phrase_ends(folded: list[str], phrases: list[tuple[str, ...]]) -> list[int]:
    """Where each occurrence of any of the phrases ends in the words."""
    return [end for _, end in occurrences(folded, phrases)]


def first_phrase(folded: list[str], phrases: list[tuple[str, ...]]) -> tuple[int, int] | None:
    """Where the first of the phrases (longest first) is in the words, if anywhere."""
    return next(occurrences(folded, phrases), None)
