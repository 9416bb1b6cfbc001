"""What a report says happened: its categories (one primary), severity and number of victims.

Explainable by construction: every category comes from terms found in the text (kept as
evidence), from the code the monitor started the message with ("K: 2 killed at Molo"), or, when
the text has no term at all, from example reports in like words (learned.py; the words that
weighed most are kept as evidence).
A term after a negation in the same clause ("no one was killed", "hakuna aliyeuawa") does not
count.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ewn.meaning import wording
from ewn.meaning.learned import Guess
from ewn.meaning.taxonomy import Taxonomy, Term
from ewn.text import wildcard_matches

_CODE = re.compile(r"^\s*([A-Za-z]{1,3})\s*[:.\-–]\s*\S")
RUMOUR, THREAT, GRAVEST = "RUMOR_UNVERIFIED", "THREAT_INTIMIDATION", 5
VAGUE_TERMS = {RUMOUR, "OTHER"}
DETENTION = "ABDUCTION_DETENTION"
CONSEQUENCES = {"DISPLACEMENT", "HUMANITARIAN_OBSTRUCTION"}
# A message this short with no incident words in it is not a report.
SHORT_WITHOUT_TERMS = 5
# Categories whose terms count victims ("5 killed", "watu watatu wametekwa").
VICTIM_CATEGORIES = {"KILLING", "ARMED_ATTACK", "SEXUAL_VIOLENCE", "ABDUCTION_DETENTION"}
# Deeds: told in the future tense ("watachomwa", "will be chased out"), they are threatened.
DEEDS = VICTIM_CATEGORIES | {
    "DISPLACEMENT",
    "PROPERTY_DESTRUCTION",
    "PROTEST_REPRESSION",
    "HUMANITARIAN_OBSTRUCTION",
}


@dataclass
class Match:
    category: str
    term: str
    words: str
    negated: bool
    # After "separate from" in the same clause: the term tells of the other event.
    other_event: bool = False
    # After "after", "baada ya" in the same clause: the term names the cause of the event.
    cause: bool = False
    # Told in the future tense: a deed threatened (category THREAT_INTIMIDATION), not done.
    future: bool = False
    # A hint (a funeral) set aside: it tells when or where a deed before it happened.
    hint: bool = False


@dataclass
class Understanding:
    categories: list[str] = field(default_factory=list)
    primary: str | None = None
    severity: int | None = None
    victims: int | None = None
    not_incident: bool = False
    code: str | None = None
    matches: list[Match] = field(default_factory=list)
    # The words by which the report says it tells of another event ("separate from..."),
    # and where the clause about that other event is in the text.
    separate: str | None = None
    other_event: tuple[int, int] | None = None
    # The words by which it tells of what followed an event ("death toll", "baada ya").
    follow_up: str | None = None
    # The words by which it asks to be passed on ("sambaza kwa wote"): a chain message.
    forward: str | None = None
    # The deed told as happening now ("tunavamiwa", "they are burning houses").
    ongoing: str | None = None
    # The category learned from example reports, when the text has no term of the taxonomy.
    learned: Guess | None = None

    def evidence(self) -> dict:
        return {
            "code": self.code,
            "terms": [
                {
                    "category": m.category,
                    "term": m.term,
                    "words": m.words,
                    "negated": m.negated,
                    "other_event": m.other_event,
                    "cause": m.cause,
                    "future": m.future,
                    "hint": m.hint,
                }
                for m in self.matches
            ],
            "victims": self.victims,
            "separate": self.separate,
            "other_event": list(self.other_event) if self.other_event else None,
            "follow_up": self.follow_up,
            "forward": self.forward,
            "ongoing": self.ongoing,
            "learned": {"category": self.learned.category, "words": list(self.learned.words)}
            if self.learned
            else None,
        }

    def own_text(self, text: str) -> str:
        return _blanked(text, self.other_event)


def guessed(report) -> bool:
    """Whether the report's categories were learned from example reports (no term, no code,
    no staff decision): a guess, weaker evidence than a term."""
    return report.classification_source != "staff" and bool(
        (report.classification_evidence or {}).get("learned")
    )


def own_text(text: str, evidence: dict | None) -> str:
    """The text without its clause about another event ("...separate from the morning
    ambush"), as its classification evidence records: neither its times nor its words are
    this report's."""
    return _blanked(text, (evidence or {}).get("other_event"))


def _blanked(text: str, span) -> str:
    if not span:
        return text
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def classify(
    text: str, taxonomy: Taxonomy, place_names: Collection[tuple[int, int]] = ()
) -> Understanding:
    """place_names: character spans naming places; a term inside one ("Burnt" of Burnt
    Forest) says nothing about what happened."""
    result = Understanding()
    code = _CODE.match(text)
    if (
        code
        and code.group(1).upper() in taxonomy.codes
        and (code.group(1).isupper() or len(code.group(1)) > 1)
    ):
        result.code = taxonomy.codes[code.group(1).upper()]
    words = wording.words(text)
    folded = [word for word, _, _ in words]
    clauses = wording.clause_numbers(text, words)
    sentences = wording.clause_numbers(text, words, wording.SENTENCE)
    found: list[tuple[int, int, Term]] = []
    for position, word in enumerate(folded):
        for head in wording.heads(word):
            for term in taxonomy.terms.get(head, ()):
                if wording.matches(folded, position, term):
                    found.append((position, position + len(term.words), term))
        for term in taxonomy.prefix_terms:
            last = len(term.words) == 1
            if any(
                wildcard_matches(head, term.words[0], term.prefix and last, term.stem)
                for head in wording.heads(word)
            ) and (last or wording.matches(folded, position + 1, term, first=1)):
                found.append((position, position + len(term.words), term))
    found = wording.longest(
        [
            (start, end, term)
            for start, end, term in found
            if not _names_place(words[start][1], words[end - 1][2], place_names)
            and not (term.last and not _last_words(start, end, clauses, found))
        ]
    )
    separate = wording.first_phrase(folded, taxonomy.separate)
    if separate is not None:
        begin = words[separate[0]][1]
        result.separate = text[begin : words[separate[1] - 1][2]]
        after = wording.CLAUSE.search(text, words[separate[1] - 1][2])
        result.other_event = (begin, after.start() if after else len(text))
    follow_up = _follow_up(folded, clauses, found, taxonomy)
    if follow_up is not None:
        result.follow_up = text[words[follow_up[0]][1] : words[follow_up[1] - 1][2]]
    forward = wording.first_phrase(folded, taxonomy.forward)
    if forward is not None:
        result.forward = text[words[forward[0]][1] : words[forward[1] - 1][2]]
    causes = wording.phrase_ends(folded, taxonomy.cause)
    # "no marks of beating" ("hauna alama za kupigwa"): a term after it in its clause tells of
    # no deed.
    unharmed = wording.first_phrase(folded, taxonomy.unharmed)
    # said: (category, sentence, clause) of what the report says happened; told: the same
    # without what it names as the cause ("families fled *after the raid*")
    victims, said, told = [], [], []
    # What each clause has told so far: a hint after another kind of event tells when or where
    # that happened ("attacked on her way from a funeral"), not of a death.
    told_in: dict[int, set[str]] = {}
    for start, end, term in found:
        negated = wording.negated(folded, clauses, start, taxonomy, causes) or (
            unharmed is not None and unharmed[0] <= start and clauses[start] == clauses[unharmed[0]]
        )
        future = term.category in DEEDS and wording.future(folded, clauses, start, term, taxonomy)
        if future == "denied":
            negated, future = True, False
        category = THREAT if future else term.category
        other = separate is not None and (
            start >= separate[1] and clauses[start] == clauses[separate[0]]
        )
        cause = any(cut <= start and clauses[cut - 1] == clauses[start] for cut in causes)
        hint = term.hint and bool(told_in.get(clauses[start], set()) - {term.category})
        if not term.hint and term.category not in (RUMOUR, "OTHER"):
            told_in.setdefault(clauses[start], set()).add(term.category)
        result.matches.append(
            Match(
                category,
                term.written,
                text[words[start][1] : words[end - 1][2]],
                negated,
                other,
                cause,
                bool(future),
                hint,
            )
        )
        if not negated and not other and not hint:
            going_on = not future and not cause and term.category in DEEDS
            if result.ongoing is None and going_on and wording.ongoing(folded, start, term):
                result.ongoing = result.matches[-1].words
            said.append((category, sentences[start], clauses[start], start))
            if not cause:
                told.append(said[-1])
            if category in VICTIM_CATEGORIES:
                victims += wording.numbers_near(folded, clauses, start, end)
    counted = [category for category, *_ in said]
    ordered = sorted(set(counted), key=lambda c: (-taxonomy.severity(c), -counted.count(c), c))
    if result.code and result.code not in ordered:
        ordered.insert(0, result.code)
    result.categories = ordered
    result.victims = max(victims) if victims else None
    questions = {  # clauses that end with a question mark
        clauses[index]
        for index, (_, _, end) in enumerate(words)
        if text[end : end + 2].strip()[:1] in ("?", "؟")
    }
    # A report of flight or of aid cut off is about that, not about the attack it names as
    # the cause ("families fled after the raid"); fear or a protest after a killing is not,
    # unless the monitor coded it so.
    # A coded report is about what the monitor coded, not the cause it names ("PR: youths
    # protesting the killing of their friend dispersed with teargas").
    main = told if told and (result.code or any(c in CONSEQUENCES for c, *_ in told)) else said
    # Suspects arrested are the police following up an event ("mshukiwa amekamatwa kuhusiana
    # na kuchomwa kwa vibanda"): the event the report tells of is the primary, not a detention.
    suspects = {clauses[start] for start, _ in wording.occurrences(folded, taxonomy.suspects)}
    event = [item for item in main if not (item[0] == DETENTION and item[2] in suspects)]
    main = event if any(c not in (RUMOUR, "OTHER") for c, *_ in event) else main
    result.primary = _primary(main, result.code, taxonomy, questions)
    if (
        result.primary == "KILLING"
        and result.code is None
        and set(result.categories) <= {"KILLING", RUMOUR, "OTHER"}
        and unharmed is not None
    ):
        # A body with no sign of violence on it: a death of unknown cause, for staff to read.
        result.primary, result.categories = "OTHER", ["OTHER"]
    if result.forward is not None and result.code is None and result.primary is not None:
        result.primary = RUMOUR  # a chain message: whatever it claims, it is unverified
    if result.primary == RUMOUR and RUMOUR not in result.categories:
        result.categories.append(RUMOUR)
    if result.primary is None:
        # Nothing said to have happened: noise ("calm today, no protests nor teargas"), or
        # words EWN does not know, which staff read ("two fishermen seized... No ransom").
        if _noise(folded, text, taxonomy):
            result.not_incident = True
        else:
            result.primary, result.categories = "OTHER", ["OTHER"]
    if (
        result.primary == "OTHER"
        and result.code is None
        and taxonomy.learned is not None
        and all(m.category == "OTHER" for m in result.matches)
    ):
        # No term at all, not even a negated one: what reports in like words were about.
        result.learned = taxonomy.learned.guess(
            word for word, start, end in words if not _names_place(start, end, place_names)
        )
        if result.learned is not None:
            result.primary, result.categories = result.learned.category, [result.learned.category]
    if result.primary:
        severity = max(taxonomy.severity(c) for c in result.categories)
        if result.victims and result.victims >= 5:
            severity = min(5, severity + 1)
        result.severity = severity
    return result


def _follow_up(
    folded: list[str], clauses: list[int], found: list[tuple[int, int, Term]], taxonomy: Taxonomy
) -> tuple[int, int] | None:
    """Where the report says it tells of what followed an event. "After" and its kind do so
    only before a deed ("after the raid", "baada ya mapigano"); before anything else they
    tell a motive ("burnt at 3pm after a boundary row")."""
    for start, end in wording.occurrences(folded, taxonomy.follow_up):
        causal = any(
            wording.is_phrase(folded[start : start + len(cause)], cause) for cause in taxonomy.cause
        )
        if not causal or any(
            at >= start and clauses[at] == clauses[start] and term.category not in VAGUE_TERMS
            for at, _, term in found
        ):
            return start, end
    return None


def _primary(
    said: list[tuple[str, int, int, int]],
    code: str | None,
    taxonomy: Taxonomy,
    questions: set[int],
) -> str | None:
    """The main thing the report says.

    A killing or sexual violence is always the primary, unless the monitor coded the report
    as the flight or the aid cut off that followed, or as something else and named the
    killing as its cause. Otherwise it is the code the monitor
    started with, or what the monitor wrote first (monitors lead with the main event), unless
    the report tells of a category that outranks it (taxonomy.yaml: the police beating
    protesters is the repression of a protest more than an attack).

    An unverified claim is a rumour whatever it claims: hearsay that introduces it or is part of
    its clause ("people say five were killed", "attackers planning to hit..."; but not what the
    people of a coded report say they did or will do: "M: youths armed, they say they will
    follow their cattle", "SV: two girls say they were abused"), or a warning heading the whole
    message ("TAHADHARI: ... If you see fire, do not be surprised."). Hearsay in a later clause
    or sentence tells of a cause or a motive ("shops burnt, people say it was arson"; "...burnt
    to death. People say he was a thief") and does not make it one. A claim asked as a question
    ("watu wameuawa?") is unverified too, but not one next to a question ("7 killed, where is
    the government?").
    """
    counted = [category for category, *_ in said]
    gravest = [c for c in counted if taxonomy.severity(c) >= GRAVEST and c != RUMOUR]
    specific = [c for c in counted if c not in ("OTHER", RUMOUR)]
    claim = gravest[0] if gravest else code if code and code != RUMOUR else None
    if code in CONSEQUENCES:
        claim = code  # "D: 120 families sheltering in the school after 4 were killed"
    if claim is None and specific:
        claim = specific[0]
        claim = next((c for c in specific if claim in taxonomy.categories[c].outranks), claim)
    if code == RUMOUR or (RUMOUR in counted and claim is None):
        return RUMOUR
    doubts = [(sentence, part, at) for category, sentence, part, at in said if category == RUMOUR]
    # The claim as first told ("shops burnt down, people say they were burnt on purpose").
    told = next((item for item in said if item[0] == claim), None)
    if told is not None:
        _, sentence, clause, at = told
        doubted = any(
            before == 0 or (where == sentence and claim != code and (part == clause or before < at))
            for where, part, before in doubts
        )
        if doubted or clause in questions:
            return RUMOUR
    return claim or (counted[0] if counted else None)


def _names_place(start: int, end: int, place_names: Collection[tuple[int, int]]) -> bool:
    """Whether the characters from start to end are part of a place's name."""
    return any(start < name_end and name_start < end for name_start, name_end in place_names)


def _last_words(
    start: int, end: int, clauses: list[int], found: list[tuple[int, int, Term]]
) -> bool:
    """A last-words term counts at the end of its clause, after a deed told before it ("risasi,
    wote wameenda"): "gone" is then dead."""
    at_end = end == len(clauses) or clauses[end] != clauses[end - 1]
    return at_end and any(
        other < start and term.category in DEEDS and not term.last for other, _, term in found
    )


def _noise(folded: list[str], text: str, taxonomy: Taxonomy) -> bool:
    """No incident words, and short, a question, or about the messaging itself (greetings,
    thanks, airtime, a new number, "all quiet")."""
    if len(folded) <= SHORT_WITHOUT_TERMS:
        return True
    if wording.first_phrase(folded, taxonomy.not_incident) is not None:
        return True
    return text.strip().endswith(("?", "؟"))
