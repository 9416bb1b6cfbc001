"""What each setting's value must be, beyond its type: one check per dotted key, returning
the problem in words (or None). The settings loader (ewn/settings.py) names file and line."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

SUPPORTED_LANGUAGES = ("en", "fr", "sw", "ar")


def _choice(*allowed: str) -> Callable[[Any], str | None]:
    def check(value: str) -> str | None:
        if value not in allowed:
            return f"expected one of {', '.join(allowed)}, got {value!r}"
        return None

    return check


def _positive(value: float) -> str | None:
    return None if value > 0 else f"must be greater than 0, got {value!r}"


def timezone_problem(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r} (expected an IANA name such as Africa/Nairobi)"
    return None


def country_problem(value: str) -> str | None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        return f"unknown country code {value!r} (expected ISO 3166 alpha-2 such as KE)"
    return None


def _language(value: str) -> str | None:
    if value not in SUPPORTED_LANGUAGES:
        return f"unsupported language {value!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
    return None


def _languages(values: list) -> str | None:
    for value in values:
        problem = _language(value)
        if problem:
            return problem
    return None if values else "list at least one language"


def _url(value: str) -> str | None:
    if value and not re.match(r"^https?://[^/\s]+", value):
        return f"expected an http:// or https:// URL, got {value!r}"
    return None


_ADDRESS = re.compile(r"^(whatsapp:)?\+[1-9]\d{6,14}$")


def _geocoders(values: list) -> str | None:
    allowed = {"url", "timeout_seconds", "min_delay_seconds", "user_agent"}
    for index, entry in enumerate(values):
        if not isinstance(entry, dict) or "url" not in entry:
            return f"item {index + 1}: expected at least a url"
        unknown = set(entry) - allowed
        if unknown:
            return (
                f"item {index + 1}: unknown key {sorted(unknown)[0]!r} (known: url, "
                "timeout_seconds, min_delay_seconds, user_agent)"
            )
        problem = _url(str(entry["url"])) or None
        for key in ("timeout_seconds", "min_delay_seconds"):
            value = entry.get(key, 1)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problem = problem or f"{key} must be a number of seconds"
        if problem:
            return f"item {index + 1}: {problem}"
    return None


def _senders(values: list) -> str | None:
    for index, entry in enumerate(values):
        if not isinstance(entry, dict) or set(entry) != {
            "address",
            "channel",
            "segments_per_second",
        }:
            return f"item {index + 1}: expected exactly address, channel and segments_per_second"
        if entry["channel"] not in ("sms", "whatsapp"):
            return f"item {index + 1}: channel must be sms or whatsapp"
        rate = entry["segments_per_second"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            return f"item {index + 1}: segments_per_second must be a positive number"
        if not _ADDRESS.match(str(entry["address"])) and not str(entry["address"]).startswith("MG"):
            return f"item {index + 1}: address must be +E.164, whatsapp:+E.164 or a MG... SID"
    return None


def _fraction(value: float) -> str | None:
    return None if 0 <= value <= 1 else f"must be between 0 and 1, got {value!r}"


def _numbers(values: list) -> str | None:
    for index, number in enumerate(values):
        if not isinstance(number, dict):
            return f"item {index + 1}: expected address, country and timezone"
        unknown = set(number) - {"address", "country", "timezone"}
        if unknown or not {"address", "country", "timezone"} <= set(number):
            return f"item {index + 1}: expected exactly address, country and timezone"
        if not _ADDRESS.match(str(number["address"])):
            return f"item {index + 1}: address must be +E.164 or whatsapp:+E.164"
        problem = country_problem(number["country"]) or timezone_problem(number["timezone"])
        if problem:
            return f"item {index + 1}: {problem}"
    return None


CHECKS: dict[str, Callable[[Any], str | None]] = {
    "sqlite_synchronous": _choice("NORMAL", "FULL", "EXTRA"),
    "public_url": _url,
    "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
    "deployment.default_country": country_problem,
    "deployment.default_timezone": timezone_problem,
    "deployment.default_language": _language,
    "deployment.languages": _languages,
    "deployment.numbers": _numbers,
    "twilio.timeout_seconds": _positive,
    "twilio.api_base_url": _url,
    "ingest.max_request_bytes": _positive,
    "ingest.unknown_senders": _choice("keep", "hold"),
    "ingest.enrolment": _choice("staff", "invite", "open"),
    "geo.min_confidence": _fraction,
    "geo.ask_window_minutes": _positive,
    "geo.geocoders": _geocoders,
    "incidents.window_hours": _positive,
    "incidents.distance_km": _positive,
    "incidents.join_threshold": _fraction,
    "incidents.assembly_minutes": _positive,
    "incidents.repeat_hours": _positive,
    "incidents.burst_seconds": _positive,
    "incidents.coordination_reports": _positive,
    "incidents.coordination_minutes": _positive,
    "triage.review_minutes_critical": _positive,
    "triage.review_minutes_high": _positive,
    "triage.review_minutes_medium": _positive,
    "triage.review_minutes_low": _positive,
    "web.tile_url": lambda value: (
        None if not value or "{z}" in value else ("must contain {z}, {x} and {y}")
    ),
    "web.lockout_failures": _positive,
    "web.lockout_minutes": _positive,
    "web.queue_refresh_seconds": _positive,
    "escalation.link_hours": _positive,
    "delivery.segments_per_second": _positive,
    "delivery.senders": _senders,
    "delivery.alert_validity_seconds": lambda value: (
        None if 0 <= value <= 36000 else "must be 0 (not set) to 36000 seconds"
    ),
    "delivery.alert_delivery_minutes": _positive,
    "smtp.port": _positive,
    "smtp.security": _choice("none", "starttls", "tls"),
    "smtp.timeout_seconds": _positive,
    "worker.lease_seconds": _positive,
    "worker.poll_seconds": _positive,
    "worker.batch_size": _positive,
    "worker.max_attempts": _positive,
    "worker.retry_base_seconds": _positive,
    "worker.retry_max_seconds": _positive,
    "health.max_due_age_seconds": _positive,
    "health.max_escalation_delay_seconds": _positive,
}
