"""Normalised forms of names and message words, so "Eldorét", "ELDORET" and "إلدوريت" meet.

Three forms per name: key (folded, transliterated words joined by spaces), joined (the same
without spaces, so "Burntforest" finds "Burnt Forest") and skeleton (consonants only, for
names written in Arabic script, where short vowels are not written).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

from ewn.text import WORD, fold

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGRAPHS = (("sh", "s"), ("kh", "k"), ("gh", "g"), ("th", "t"), ("dh", "d"), ("ph", "f"))
_SKELETON_DROP = str.maketrans("", "", "aeiouwyh'")
_SKELETON_MAP = str.maketrans({"q": "k", "c": "k", "z": "s", "v": "f", "p": "b", "j": "g"})
_REPEATS = re.compile(r"(.)\1+")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


# Arabic writes long vowels with these letters; anyascii would drop or consonantise them,
# turning "كاكوما" (Kakuma) into "kkwm".
_ARABIC_VOWELS = str.maketrans({"ا": "a", "و": "u", "ي": "i", "ى": "a", "ة": "a"})


def word_key(word: str) -> str:
    """One word, folded and transliterated to lowercase ASCII letters and digits."""
    if ARABIC.search(word):
        word = word.translate(_ARABIC_VOWELS)
    return _NOT_ALNUM.sub("", anyascii(word).lower())


def name_key(name: str) -> str:
    """A whole name as words joined by single spaces ("Murang'a" → "muranga")."""
    words = (word_key(word) for word in WORD.findall(fold(name)))
    return " ".join(word for word in words if word)


def joined(key: str) -> str:
    return key.replace(" ", "")


def skeleton(joined_key: str, from_arabic: bool = False) -> str:
    """Consonant skeleton: "kakuma" and Arabic "كاكوما" (kkwm) both give "kkm".

    Latin spellings double letters ("Garissa") where Arabic writes one; Arabic puts letters
    side by side where Latin has a vowel between them ("kkwm"). So doubled letters are
    collapsed in Latin names only, and before the vowels go; so is the silent "gh" of English
    "eigh" ("Eastleigh" is "إيستلي").
    """
    text = joined_key if from_arabic else _REPEATS.sub(r"\1", joined_key).replace("eigh", "ei")
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return text.translate(_SKELETON_DROP).translate(_SKELETON_MAP)


_SOUNDS = (("ch", "s"), ("sh", "s"), ("dh", "d"), ("th", "t"), ("kh", "k"), ("gh", "g"))
_GLIDE = re.compile(r"(?<=[aeiou])[wy](?=[aeiou])")


def sound_key(joined_key: str) -> str:
    """Roughly how a name written in Latin letters sounds: spellings that differ only by a
    doubled letter ("mertti", "endebes"), a glide between vowels ("mauwa" for Maua) or an h
    that is not heard ("bodei" for Bodhei, "korogosho" for Korogocho) meet."""
    text = _REPEATS.sub(r"\1", joined_key)
    for digraph, letter in _SOUNDS:
        text = text.replace(digraph, letter)
    return _REPEATS.sub(r"\1", _GLIDE.sub("", text))


def deletions(text: str) -> set[str]:
    """Every string made by deleting one character (SymSpell-style fuzzy lookup)."""
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


def lower(word: str) -> str:
    """Case-folded, accents kept: cues compare this way ("à" is a cue, "a" is not)."""
    return unicodedata.normalize("NFC", word).casefold()


@dataclass(frozen=True)
class Token:
    """A word of a message: lowered (for cues), folded (for word lists), key (for names)."""

    lower: str
    folded: str
    key: str
    start: int
    end: int
    capitalised: bool
    arabic: bool


def tokenise(text: str) -> list[Token]:
    """The words of a message with their positions in the original text."""
    tokens = []
    for match in WORD.finditer(text):
        original = match.group()
        folded_word = fold(original)
        key = word_key(folded_word)
        if not key and not folded_word:
            continue
        tokens.append(
            Token(
                lower=lower(original),
                folded=folded_word,
                key=key,
                start=match.start(),
                end=match.end(),
                capitalised=original[:1].isupper(),
                arabic=bool(ARABIC.search(original)),
            )
        )
    return tokens
