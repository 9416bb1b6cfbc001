"""Text normalisation shared by keyword matching and, later, place and term matching."""

from __future__ import annotations

import re
import unicodedata

_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ـ": None})
_EDGE_PUNCTUATION = " \t\r\n.!?,;:؟،؛…-'\"«»“”‘’()[]"
_SPACES = re.compile(r"\s+")


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
