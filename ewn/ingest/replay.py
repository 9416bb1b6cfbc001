"""Replay the disk spool into the database once it is reachable again."""

from __future__ import annotations

import base64
import logging
from datetime import datetime

from ewn.channels import twilio
from ewn.delivery import status as delivery_status
from ewn.ingest.record import message_row
from ewn.store import messages

log = logging.getLogger(__name__)


def replay(rt, entry: dict) -> None:
    raw = base64.b64decode(entry["raw"])
    form = twilio.parse_form(raw)
    if entry["kind"] == "message":
        received_at = datetime.fromisoformat(entry["received_at"])
        messages.record_inbound(rt.db, message_row(raw, form, "spool", rt, received_at))
    elif entry["kind"] == "status":
        delivery_status.apply_callback(rt.db, entry.get("reference", ""), form)
    else:
        raise ValueError(f"unknown spool entry kind {entry['kind']!r}")


def flush_spool(rt, owner: str) -> int:
    """Replay every waiting entry; stops at the first database error (try again later)."""
    done = 0
    for path in rt.spool.pending(stale_after=rt.settings.worker.lease_seconds):
        with rt.spool.claim(path, owner) as entry:
            if entry is None:
                continue
            replay(rt, entry)
            done += 1
    if done:
        log.info("replayed %s spooled requests", done)
    return done
