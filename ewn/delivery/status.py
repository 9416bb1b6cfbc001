"""Apply provider status reports to outbound messages, tolerating repeats and disorder."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ewn.channels.twilio import STATUS_RANK, normalise_status
from ewn.db import Database
from ewn.models import DeliveryEvent, OutboundMessage, utcnow

log = logging.getLogger(__name__)


def advance(message: OutboundMessage, status: str, error_code: str | None = None) -> bool:
    """Move message to status if that is forward; True if it changed."""
    if message.status == "suppressed":
        return False
    if STATUS_RANK.get(status, -1) <= STATUS_RANK.get(message.status, -1):
        return False
    message.status = status
    message.status_at = utcnow()
    if error_code:
        message.error_code = error_code
    return True


def apply_callback(db: Database, reference: str, form) -> bool:
    """Record one status callback; False when it names no message of ours."""
    status = normalise_status(form.get("MessageStatus") or form.get("SmsStatus") or "")
    if not reference or status is None:
        log.info("status callback ignored: unknown reference or status")
        return False
    error_code = (form.get("ErrorCode") or "").strip()[:16] or None
    with db.session() as session:
        message = session.scalar(
            select(OutboundMessage).where(OutboundMessage.reference == reference).with_for_update()
        )
        if message is None:
            log.info("status callback for unknown outbound reference")
            return False
        applied = advance(message, status, error_code)
        sid = form.get("MessageSid")
        if sid and not message.provider_sid:
            message.provider_sid = sid[:64]
        session.add(
            DeliveryEvent(
                outbound_id=message.id, status=status, error_code=error_code, applied=applied
            )
        )
        if applied and status == "failed" and error_code == "21610":
            from ewn.store import monitors

            monitors.opt_out(session, message.to_hash, None)
        if applied:
            status_changed(session, message)
    return True


def status_changed(session, message: OutboundMessage) -> None:
    """An alert's new status goes on its escalation's timeline; if it will not arrive, the
    alert goes on to the recipient's next channel."""
    if message.purpose == "alert":
        from ewn.escalation import delivery

        delivery.on_status(session, message)
