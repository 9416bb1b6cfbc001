"""Text normalisation, and the wildcards of configured words ("wameua*", '*vamia'), shared by
keyword, place, term and concept matching."""

from __future__ import annotations

import re
import unicodedata

_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ـ": None})
_EDGE_PUNCTUATION = " \t\r\n.!?,;:؟،؛…-'\"«»“”‘’()[]"
_SPACES = re.compile(r"\s+")
# A letter, or a mark written on one: Arabic vowel signs ("قُتل") and decomposed accents are
# not \w, and would cut a word in two.
_LETTER = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]"
WORD_PATTERN = rf"{_LETTER}+(?:['’]{_LETTER}+)*"
WORD = re.compile(WORD_PATTERN)


def fold(text: str) -> str:
    """Case-, accent- and diacritic-insensitive form: "  Arrêt! " → "arret"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_ALEF).casefold()
    text = _SPACES.sub(" ", text)
    return text.strip(_EDGE_PUNCTUATION)


def ascii_digits(text: str) -> str:
    """Arabic-Indic and other decimal digits to 0-9 ("٣٤٥" → "345")."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)


# A stem shorter than this would be found inside too many unrelated words.
MIN_STEM = 4


def wildcard(written: str) -> tuple[tuple[str, ...], bool, bool]:
    """A word or phrase of a configuration file, folded, and its wildcards: ends with * for
    any ending ("wameua*"), starts with * for any beginning of its first word ('*vamia',
    '*tendewa vibaya': a stem of at least MIN_STEM letters, as Kiswahili writes who and when
    in front of the verb). Raises ValueError saying what is wrong."""
    words = tuple(fold(written.strip("*")).split())
    any_start = written.startswith("*")
    if not words:
        raise ValueError(f"empty term {written!r}")
    if any_start and len(words[0]) < MIN_STEM:
        raise ValueError(f"a stem ({written!r}) has at least {MIN_STEM} letters")
    return words, written.endswith("*"), any_start


def wildcard_matches(word: str, wanted: str, any_end: bool, any_start: bool = False) -> bool:
    """Whether a folded word is wanted, with the wildcards of wildcard()."""
    if any_start:
        return wanted in word if any_end else word.endswith(wanted)
    return word.startswith(wanted) if any_end else word == wanted
