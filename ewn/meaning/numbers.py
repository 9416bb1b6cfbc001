"""Numbers as monitors write them: digits in any script ("٣"), and number words in English,
Kiswahili, French and Arabic ("watatu", "trois", "ثلاثة")."""

from __future__ import annotations

import unicodedata

# Larger than any count or hour a report tells: a phone or ID number, not a number of victims.
TOO_LARGE = 10000
NUMBER_WORDS = {
    # en
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "dozen": 12,
    "dozens": 24,
    "several": 3,
    "many": 10,
    # sw (with the class prefixes of people: watu watatu, wawili, wanne...)
    "mmoja": 1,
    "moja": 1,
    "wawili": 2,
    "mbili": 2,
    "watatu": 3,
    "tatu": 3,
    "wanne": 4,
    "nne": 4,
    "watano": 5,
    "tano": 5,
    "sita": 6,
    "saba": 7,
    "wanane": 8,
    "nane": 8,
    "tisa": 9,
    "kumi": 10,
    "ishirini": 20,
    "kadhaa": 3,
    "wengi": 10,
    # fr
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "vingt": 20,
    "plusieurs": 3,
    # ar
    "واحد": 1,
    "اثنان": 2,
    "اثنين": 2,
    "قتيلان": 2,
    "رجلان": 2,
    "ثلاثة": 3,
    "اربعة": 4,
    "خمسة": 5,
    "ستة": 6,
    "سبعة": 7,
    "ثمانية": 8,
    "تسعة": 9,
    "عشرة": 10,
    "عشرات": 20,
    # colloquial (Sudanese, Egyptian): t for th
    "اتنين": 2,
    "تلاتة": 3,
    "تلات": 3,
    "تلاته": 3,
    "ثلاث": 3,
    "اربع": 4,
    "خمس": 5,
    "تمانية": 8,
    "تمنية": 8,
}


def number(word: str) -> int | None:
    """The number a folded word writes, if any."""
    if word.isdigit():
        value = int("".join(str(unicodedata.digit(ch)) for ch in word))
        return value if value < TOO_LARGE else None
    return NUMBER_WORDS.get(word)
