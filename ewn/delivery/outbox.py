"""Queue outbound messages: one row per message, sent by the worker's send stage."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.models import OutboundMessage
from ewn.models.work import PRIORITY_NORMAL
from ewn.refs import outbound_reference
from ewn.store import monitors, work
from ewn.store.common import with_unique_retry

log = logging.getLogger(__name__)
SEND_STAGE = "send"


def queue_message(
    session: Session,
    keyring,
    *,
    purpose: str,
    channel: str,
    phone: str,
    body: str,
    language: str | None = None,
    sender: str | None = None,
    monitor_id: int | None = None,
    report_id: int | None = None,
    in_reply_to_id: int | None = None,
    dedup_key: str | None = None,
    priority: int = PRIORITY_NORMAL,
) -> OutboundMessage | None:
    """Queue one message to phone (E.164) unless the same dedup_key was queued before.

    An opted-out number gets a suppressed record and nothing is sent; the send stage checks
    again just before sending, since STOP may arrive in between.
    """
    if dedup_key and session.scalar(
        select(OutboundMessage.id).where(OutboundMessage.dedup_key == dedup_key)
    ):
        return None
    to_hash = keyring.lookup_hash(phone)
    suppressed = monitors.is_opted_out(session, to_hash)

    def make() -> OutboundMessage:
        message = OutboundMessage(
            reference=outbound_reference(),
            dedup_key=dedup_key,
            purpose=purpose,
            priority=priority,
            channel=channel,
            to_hash=to_hash,
            to_enc=keyring.encrypt(phone, "outbound.to"),
            body=body,
            language=language,
            sender=sender or None,
            monitor_id=monitor_id,
            report_id=report_id,
            in_reply_to_id=in_reply_to_id,
            status="suppressed" if suppressed else "pending",
        )
        session.add(message)
        session.flush()
        return message

    message = with_unique_retry(session, make)
    if not suppressed:
        work.enqueue(session, SEND_STAGE, message.id, priority=priority)
    log.info("queued %s message %s (%s)", purpose, message.reference, message.status)
    return message
