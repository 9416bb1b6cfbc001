"""Short random references and pseudonyms, readable over a bad phone line.

The alphabet leaves out letters and digits that sound or look alike (0/O, 1/I/L, 5/S, 2/Z, U/V,
B/8). References are random, not counters, so they never wrap and reveal nothing about volume;
uniqueness is guaranteed by the database, and callers retry on the rare collision.
"""

from __future__ import annotations

import secrets

ALPHABET = "34679ACDEFGHJKMNPQRTWXY"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def report_reference() -> str:
    """E.g. "K7Q-4MX": 23^6 ≈ 148 million values."""
    code = random_code(6)
    return f"{code[:3]}-{code[3:]}"


def pseudonym(country: str) -> str:
    """E.g. "KE-7Q4M": a monitor's name for staff."""
    return f"{country.upper()}-{random_code(4)}"


def outbound_reference() -> str:
    """Our id for an outbound message, carried in its status callback URL."""
    return "o" + secrets.token_urlsafe(12)


def normalise_reference(text: str) -> str:
    """Read back a reference as a person typed or spoke it ("k7q 4mx" → "K7Q-4MX")."""
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{code[:3]}-{code[3:]}" if len(code) == 6 else text.strip().upper()
