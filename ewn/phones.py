"""Phone addresses: provider forms ("whatsapp:+2547…") to channel and E.164."""

from __future__ import annotations

import phonenumbers

CHANNELS = ("sms", "whatsapp")


class BadNumber(ValueError):
    """Not a phone number we can use."""


def split_address(address: str) -> tuple[str, str]:
    """("whatsapp:+254712345678") → ("whatsapp", "+254712345678"); plain numbers are SMS."""
    address = address.strip()
    if address.lower().startswith("whatsapp:"):
        return "whatsapp", address.split(":", 1)[1].strip()
    return "sms", address


def to_e164(number: str, default_country: str) -> str:
    """Parse a number as written (local or international) into E.164, or raise BadNumber."""
    try:
        parsed = phonenumbers.parse(number, default_country)
    except phonenumbers.NumberParseException as exc:
        raise BadNumber(str(exc)) from None
    if not phonenumbers.is_possible_number(parsed):
        raise BadNumber("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def provider_address(channel: str, e164: str) -> str:
    return f"whatsapp:{e164}" if channel == "whatsapp" else e164
