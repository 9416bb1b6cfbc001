"""Turn a provider's request (or an imported row) into the columns of a new inbound message."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlencode

from ewn.channels import twilio
from ewn.models import utcnow


def message_row(
    raw: bytes,
    form,
    source: str,
    rt,
    received_at: datetime | None = None,
    provider: str = twilio.PROVIDER,
) -> dict:
    """Columns for a new inbound message; the worker derives the rest from raw_enc.

    raw is the form body exactly as received; it is stored encrypted because it carries the
    sender's number and WhatsApp profile name.
    """
    sid = twilio.external_id(form)
    external = sid if sid and len(sid) <= 128 else "sha256:" + hashlib.sha256(raw).hexdigest()
    to_address = form.get("To", "")[:64]
    country, timezone = rt.settings.number_settings(to_address)
    return {
        "provider": provider,
        "external_id": external,
        "source": source,
        "to_address": to_address,
        # PostgreSQL text cannot hold NUL; the exact bytes stay in raw_enc.
        "body": form.get("Body", "").replace("\x00", "\ufffd"),
        "raw_enc": rt.keyring.encrypt(raw, "message.raw"),
        "received_at": received_at or utcnow(),
        "country": country,
        "timezone": timezone,
    }


def encode_params(params: dict[str, str]) -> bytes:
    """Imported and reconciled messages are stored in the same form encoding as webhooks."""
    return urlencode(params).encode("utf-8")
