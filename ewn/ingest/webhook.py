"""Twilio webhooks: verify, record (or spool), answer. Nothing else happens in the request.

Twilio does not retry a failed messaging webhook by default, so after a valid signature every
path ends in 200 with the message durable in the database or in the disk spool. Only when both
are impossible (disk full and database down) is the answer 500, so Twilio tries the fallback URL.
"""

from __future__ import annotations

import base64
import logging

from flask import Blueprint, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from ewn.channels import twilio
from ewn.delivery import status as delivery_status
from ewn.ingest.record import message_row
from ewn.models import utcnow
from ewn.runtime import Runtime, runtime
from ewn.web.access import public

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")
SIGNED = "Twilio only: requests without a valid X-Twilio-Signature are refused"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _twiml() -> Response:
    return Response(EMPTY_TWIML, 200, content_type="text/xml; charset=utf-8")


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status, content_type="text/plain; charset=utf-8")


def signed_url() -> str:
    """The URL Twilio signed: the configured public URL (behind a proxy) plus path and query."""
    public = runtime().settings.public_url
    base = public.rstrip("/") if public else request.host_url.rstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def verified_form(rt: Runtime):
    """(raw body, parsed form) of a correctly signed request, or None."""
    raw = request.get_data(cache=False)
    form = twilio.parse_form(raw)
    signature = request.headers.get("X-Twilio-Signature")
    if not twilio.signature_valid(signed_url(), form, signature, rt.auth_tokens):
        return None
    return raw, form


def _spool(rt: Runtime, kind: str, raw: bytes, source: str, extra: dict | None = None):
    rt.spool.write(
        {
            "kind": kind,
            "source": source,
            "received_at": utcnow().isoformat(),
            "raw": base64.b64encode(raw).decode("ascii"),
            **(extra or {}),
        }
    )


def _receive(source: str) -> Response:
    rt = runtime()
    verified = verified_form(rt)
    if verified is None:
        return _plain(403, "Forbidden: missing or invalid X-Twilio-Signature")
    raw, form = verified
    try:
        rt.inbound_writer.record(message_row(raw, form, source, rt))
    except Exception as exc:  # the database is down or refused: keep the message on disk
        log.warning("database unavailable (%s); spooling inbound message", type(exc).__name__)
        try:
            _spool(rt, "message", raw, source)
        except OSError as spool_error:
            log.error("cannot spool inbound message either: %s", spool_error.strerror)
            return _plain(500, "Temporarily unable to store the message")
    return _twiml()


@bp.post("/messages")
@public(SIGNED)
def incoming_message() -> Response:
    return _receive("webhook")


@bp.post("/messages/fallback")
@public(SIGNED)
def incoming_message_fallback() -> Response:
    return _receive("fallback")


@bp.post("/status")
@public(SIGNED)
def status_callback() -> Response:
    rt = runtime()
    verified = verified_form(rt)
    if verified is None:
        return _plain(403, "Forbidden: missing or invalid X-Twilio-Signature")
    raw, form = verified
    reference = request.args.get("ref", "")
    try:
        delivery_status.apply_callback(rt.db, reference, form)
    except Exception as exc:
        log.warning("database unavailable (%s); spooling status callback", type(exc).__name__)
        try:
            _spool(rt, "status", raw, "status", {"reference": reference})
        except OSError:
            return _plain(500, "Temporarily unable to store the status")
    return _twiml()


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error) -> Response:
    return _plain(413, "Request too large")
