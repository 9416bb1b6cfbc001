"""Inbound messages exactly as a provider (or an import) delivered them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow


class InboundMessage(Base):
    """One message a monitor sent; unique per provider and the provider's own id."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("provider", "external_id"),
        Index("ix_inbound_messages_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # twilio, import, ... and that provider's id (Twilio's MessageSid).
    provider: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    # How it reached us: webhook, fallback, spool, import, reconcile.
    source: Mapped[str] = mapped_column(String(16))
    # Our receiving number (not personal data) and what the worker derives from the sender.
    to_address: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str | None] = mapped_column(String(16))
    sender_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The original request or import row, encrypted: it carries From, WaId and ProfileName.
    raw_enc: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    num_media: Mapped[int] = mapped_column(default=0)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_address: Mapped[str | None] = mapped_column(Text)
    location_label: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # When the provider received it (the original time for imports) and when EWN stored it.
    received_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # new until the worker has read it; then processed.
    status: Mapped[str] = mapped_column(String(16), default="new")
    # What it turned out to be: report, checkin, stop, start, help, join, empty, held, invalid.
    kind: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("monitors.id"), index=True)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("monitor_identities.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)


class InboundMedia(Base):
    """A media item attached to an inbound message (WhatsApp photo, MMS)."""

    __tablename__ = "inbound_media"
    __table_args__ = (UniqueConstraint("message_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    position: Mapped[int]
    url: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(128), default="")
