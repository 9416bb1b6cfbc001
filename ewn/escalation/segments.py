"""How many SMS segments a text takes, and fitting an alert into a number of them.

A message made only of GSM 03.38 characters is sent in GSM-7: 160 characters in one segment,
153 per segment when it is split (the rest carries the concatenation header); the extension
characters (€ [ ] { } ...) take two. Any other character (Arabic, most accents, emoji) makes
the whole message UCS-2: 70 UTF-16 code units in one segment, 67 per segment when split, and
an emoji is two code units.
"""

from __future__ import annotations

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_BASIC, _EXTENSION = frozenset(GSM7_BASIC), frozenset(GSM7_EXTENSION)


def encoding(text: str) -> str:
    return "GSM-7" if all(ch in _BASIC or ch in _EXTENSION for ch in text) else "UCS-2"


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    if encoding(text) == "GSM-7":
        return sum(2 if ch in _EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    if not text:
        return 1
    single, multi = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    size = units(text)
    return 1 if size <= single else -(-size // multi)


def fit(head: str, middle: str, tail: str, max_segments: int = 2) -> str:
    """head + middle + tail, shortening middle (never head or tail) to fit max_segments."""
    text = head + middle + tail
    if segments(text) <= max_segments:
        return text
    ellipsis = "..." if encoding(head + tail) == "GSM-7" else "…"
    low, high = 0, len(middle)
    while low < high:  # the longest prefix of middle that fits
        mid = (low + high + 1) // 2
        if segments(head + middle[:mid].rstrip() + ellipsis + tail) <= max_segments:
            low = mid
        else:
            high = mid - 1
    shortened = middle[:low].rstrip()
    text = head + (shortened + ellipsis if shortened else "") + tail
    if segments(text) > max_segments:
        raise ValueError("the alert's reference and instructions alone exceed the limit")
    return text
