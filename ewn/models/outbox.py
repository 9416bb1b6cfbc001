"""The outbox: every message EWN sends, its delivery state and its status history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow
from ewn.models.work import PRIORITY_NORMAL


class OutboundMessage(Base):
    """A message to send; the send stage delivers it, status callbacks track it."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our own id, carried in the status callback URL.
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    # Makes enqueueing idempotent: "ack:report:17" is queued once however often we try.
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    purpose: Mapped[str] = mapped_column(String(24))
    priority: Mapped[int] = mapped_column(SmallInteger, default=PRIORITY_NORMAL)
    channel: Mapped[str] = mapped_column(String(16))
    to_hash: Mapped[str] = mapped_column(String(64), index=True)
    to_enc: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("monitors.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    # pending (in our outbox), submitting (provider call under way), then the provider's own:
    # accepted, sending, sent, delivered, read, undelivered, failed, canceled; or suppressed
    # (never sent: opted out, silent monitor).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    sender: Mapped[str | None] = mapped_column(String(64))
    # A WhatsApp template (outside the 24-hour window): Twilio ContentSid and its variables.
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict | None] = mapped_column(JSON)
    # Twilio ValidityPeriod: the provider drops the message if not sent within this.
    validity_seconds: Mapped[int | None]
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    status_at: Mapped[datetime | None]


class DeliveryEvent(Base):
    """One status report about an outbound message, kept even when it arrives out of order."""

    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_id: Mapped[int] = mapped_column(ForeignKey("outbound_messages.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    # Whether it changed the message's status (a late "sent" after "delivered" does not).
    applied: Mapped[bool]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SenderClock(Base):
    """When a sender may next send: the send rate limit, shared by every worker."""

    __tablename__ = "sender_clocks"

    sender: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_free_at: Mapped[datetime] = mapped_column(default=utcnow)
