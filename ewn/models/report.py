"""Reports: what a monitor told us, with its reference, times and location."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow


class Report(Base):
    """One account of an event; one or more inbound messages make it up."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short, unambiguous, readable over the phone; unique for as long as reports are kept.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("monitors.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # live (webhook, fallback, spool, reconcile) or import: imported reports get no reply.
    origin: Mapped[str] = mapped_column(String(16), default="live")
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    # Monitor trust when the report arrived (low for unknown senders).
    trust: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(index=True)
    # When it happened, as a range in UTC, and what says so: received (the default), text, staff.
    event_start: Mapped[datetime]
    event_end: Mapped[datetime]
    event_time_source: Mapped[str] = mapped_column(String(16), default="received")
    # Location so far: a WhatsApp share gives exact coordinates; later stages add the rest.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # text, whatsapp, ask_back, monitor_home, geocoder, staff
    location_source: Mapped[str | None] = mapped_column(String(16))
    location_label: Mapped[str | None] = mapped_column(Text)
    # pending (not located yet), located, asking (question sent to the monitor), unlocated
    location_status: Mapped[str] = mapped_column(String(12), default="pending")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    place_name: Mapped[str | None] = mapped_column(Text)
    location_confidence: Mapped[float | None]
    location_radius_km: Mapped[float | None]
    # The words of the message the place was read from (becomes an alias on correction).
    location_wording: Mapped[str | None] = mapped_column(Text)
    # JSON: the candidates and scores behind the decision, for staff to see.
    location_evidence: Mapped[str | None] = mapped_column(Text)
    located_at: Mapped[datetime | None]
    # Until when an answer to the "where?" question attaches to this report.
    ask_until: Mapped[datetime | None]
    # What it says happened (the understand stage, or staff when source is "staff").
    categories: Mapped[list | None] = mapped_column(JSON)
    primary_category: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    victims: Mapped[int | None]
    not_incident: Mapped[bool] = mapped_column(default=False)
    classification_source: Mapped[str | None] = mapped_column(String(8))
    # The matched terms, negations and code: why the categories are what they are.
    classification_evidence: Mapped[dict | None] = mapped_column(JSON)
    event_time_phrase: Mapped[str | None] = mapped_column(Text)
    understood_at: Mapped[datetime | None]
    # Its incident; placement by "auto" or "staff" (staff placements are never undone).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    placement: Mapped[str | None] = mapped_column(String(8))
    # One of many near-identical reports from new senders in a short time: not corroboration.
    coordinated: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
