"""Twilio: webhook signatures, inbound parameters, sending, status callbacks, message lists."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from urllib.parse import parse_qsl

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.datastructures import MultiDict

from ewn.channels.base import Inbound, Outgoing, ProviderMessage, SendResult, TransportError

PROVIDER = "twilio"
# Error codes that will not succeed on retry (the number, not the moment, is the problem).
PERMANENT_ERRORS = {
    "21211": "invalid 'To' number",
    "21408": "region not enabled",
    "21610": "recipient opted out (STOP)",
    "21612": "cannot route to this number",
    "21614": "not a mobile number",
    "63003": "invalid WhatsApp address",
    "63016": "outside the WhatsApp 24-hour window",
}
OPTED_OUT = "21610"

_quiet = logging.getLogger("ewn.twilio.http")
_quiet.disabled = True  # the client would log numbers and text at INFO


# ---------------------------------------------------------------------------- webhooks


class Form(MultiDict):
    """Form parameters; getall is the accessor RequestValidator looks for first."""

    getall = MultiDict.getlist


def parse_form(raw: bytes) -> Form:
    """Decode a form body as Twilio sent it; invalid UTF-8 becomes U+FFFD, nothing raises."""
    text = raw.decode("utf-8", "replace")
    return Form(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace"))


def signature_valid(
    url: str, params: MultiDict, signature: str | None, tokens: Sequence[str]
) -> bool:
    """Check X-Twilio-Signature against every accepted auth token.

    The URL as configured is tried first (one HMAC); RequestValidator.validate then tries the
    variants with and without the port, as Twilio's own signing is not consistent about it.
    """
    if not signature or not tokens:
        return False
    for token in tokens:
        validator = RequestValidator(token)
        expected = validator.compute_signature(url, params)
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return True
        if validator.validate(url, params, signature):
            return True
    return False


def external_id(params: MultiDict) -> str | None:
    return params.get("MessageSid") or params.get("SmsMessageSid") or params.get("SmsSid")


def parse_inbound(params: MultiDict) -> Inbound:
    """The parts of an incoming-message webhook (SMS or WhatsApp) EWN uses."""
    media = []
    for index in range(_int(params.get("NumMedia"), 0, 10)):
        url = params.get(f"MediaUrl{index}")
        if url:
            media.append((url, params.get(f"MediaContentType{index}", "")))
    return Inbound(
        sender=params.get("From", ""),
        to=params.get("To", ""),
        body=params.get("Body", ""),
        profile_name=params.get("ProfileName") or None,
        media=media,
        latitude=_coordinate(params.get("Latitude"), 90),
        longitude=_coordinate(params.get("Longitude"), 180),
        address=params.get("Address") or None,
        label=params.get("Label") or None,
        replied_to=params.get("OriginalRepliedMessageSid") or None,
    )


def _int(value: str | None, default: int, limit: int) -> int:
    try:
        return max(0, min(int(value), limit))
    except (TypeError, ValueError):
        return default


def _coordinate(value: str | None, bound: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -bound <= number <= bound else None


# ---------------------------------------------------------------------------- statuses

# Order in which an outbound message's status may move; it never moves back, so late or
# repeated callbacks change nothing. Final outcomes share a rank: the first one stands.
STATUS_RANK = {
    "pending": 0,
    "submitting": 1,
    "accepted": 2,
    "scheduled": 2,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "canceled": 5,
    "read": 6,
}
FINAL = {"delivered", "undelivered", "failed", "canceled", "read", "suppressed"}


def normalise_status(status: str) -> str | None:
    status = (status or "").strip().lower()
    if status in ("queued", "scheduled"):
        return "accepted"
    return status if status in STATUS_RANK else None


# ---------------------------------------------------------------------------- sending


class TwilioTransport:
    name = PROVIDER

    def __init__(self, settings):
        self.settings = settings
        http = TwilioHttpClient(timeout=settings.timeout_seconds, logger=_quiet)
        self.client = Client(settings.account_sid, settings.auth_token, http_client=http)
        self.client.api.base_url = settings.api_base_url.rstrip("/")

    def _sender(self, message: Outgoing) -> dict[str, str]:
        if message.sender:
            return {"from_": message.sender}
        if message.channel == "sms" and self.settings.messaging_service_sid:
            return {"messaging_service_sid": self.settings.messaging_service_sid}
        sender = (
            self.settings.whatsapp_from
            if message.channel == "whatsapp"
            else (self.settings.sms_from)
        )
        if not sender:
            raise TransportError(f"no {message.channel} sender configured", retryable=False)
        if message.channel == "whatsapp" and not sender.startswith("whatsapp:"):
            sender = "whatsapp:" + sender
        return {"from_": sender}

    def send(self, message: Outgoing) -> SendResult:
        options = self._sender(message)
        if message.status_callback:
            options["status_callback"] = message.status_callback
        if message.validity_seconds:
            options["validity_period"] = message.validity_seconds
        if message.content_sid:  # a WhatsApp template instead of free text
            options["content_sid"] = message.content_sid
            options["content_variables"] = json.dumps(message.content_variables or {})
        else:
            options["body"] = message.body
        try:
            created = self.client.messages.create(to=message.to, **options)
        except TwilioRestException as exc:
            code = str(exc.code) if exc.code else None
            retryable = exc.status >= 500 or exc.status == 429 or code in ("20429", "20500")
            if code in PERMANENT_ERRORS:
                retryable = False
            raise TransportError(f"Twilio {exc.status} error {code}", retryable, code) from None
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise TransportError(f"Twilio unreachable: {type(exc).__name__}", True) from None
        return SendResult(PROVIDER, created.sid, normalise_status(created.status) or "accepted")

    def list_inbound(self, since: datetime) -> Iterator[ProviderMessage]:
        """Inbound messages Twilio received since the given time (newest first)."""
        try:
            for record in self.client.messages.stream(date_sent_after=since, page_size=200):
                if not (record.direction or "").startswith("inbound"):
                    continue
                params = {
                    "MessageSid": record.sid,
                    "AccountSid": record.account_sid or "",
                    "From": record.from_ or "",
                    "To": record.to or "",
                    "Body": record.body or "",
                    "NumMedia": str(record.num_media or "0"),
                }
                yield ProviderMessage(record.sid, params, record.date_sent or record.date_created)
        except TwilioRestException as exc:
            raise TransportError(
                f"Twilio {exc.status} error {exc.code}",
                exc.status >= 500,
                str(exc.code) if exc.code else None,
            ) from None
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise TransportError(f"Twilio unreachable: {type(exc).__name__}", True) from None
