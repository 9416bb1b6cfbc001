"""Incidents: one real-world event, the reports that tell of it, and every decision about it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow


class Incident(Base):
    """An event, as the reports about it describe it (recomputed when they change)."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_block", "day_bucket", "cell"),
        Index("ix_incidents_queue", "triage_status", "priority_score"),
        Index("ix_incidents_area_queue", "area_id", "triage_status", "priority_score"),
        # incidents whose recency points change: see ewn/triage/ageing.py
        Index("ix_incidents_ageing", "status", "event_end"),
        # the queue ("all"), the map: open incidents, most urgent first
        Index("ix_incidents_rank", "status", "priority_score"),
        Index("ix_incidents_area_rank", "area_id", "status", "priority_score"),
        # the map of a small area
        Index("ix_incidents_cell", "cell", "status"),
        # the dashboard's counts come from this index alone
        Index(
            "ix_incidents_counts",
            "status",
            "day_bucket",
            "triage_status",
            "area_id",
            "primary_category",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # open, merged (into merged_into_id), dismissed, closed
    status: Mapped[str] = mapped_column(String(12), default="open")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    primary_category: Mapped[str | None] = mapped_column(String(32))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    victims: Mapped[int | None]
    event_start: Mapped[datetime]
    event_end: Mapped[datetime]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    radius_km: Mapped[float | None]
    place_name: Mapped[str | None] = mapped_column(Text)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    # Blocking keys for candidate search: day of the event, and a ~17 km grid cell.
    day_bucket: Mapped[int]
    cell: Mapped[int]
    report_count: Mapped[int] = mapped_column(default=0)
    # Distinct monitors (and phone identities) behind the reports, and their trust-weighted sum.
    monitor_count: Mapped[int] = mapped_column(default=0)
    identity_count: Mapped[int] = mapped_column(default=0)
    corroboration: Mapped[float] = mapped_column(default=0.0)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Triage: new, claimed, verified, dismissed, escalated; why dismissed; who works on it.
    triage_status: Mapped[str] = mapped_column(String(12), default="new")
    dismiss_reason: Mapped[str | None] = mapped_column(String(16))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # Priority 0..100, its band (critical, high, medium, low) and when staff must look at it.
    priority_score: Mapped[float] = mapped_column(default=0.0)
    priority_band: Mapped[str] = mapped_column(String(10), default="low")
    review_due_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    # Mentions children, women, camps...: people at particular risk.
    vulnerable: Mapped[bool] = mapped_column(default=False)
    # Severity set by staff; when set it replaces the one read from the reports.
    staff_severity: Mapped[int | None] = mapped_column(SmallInteger)


class IncidentNote(Base):
    """A staff note on an incident."""

    __tablename__ = "incident_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentSignature(Base):
    """Bands of a report's text signature (MinHash), for finding similar texts by index."""

    __tablename__ = "incident_signatures"
    __table_args__ = (
        UniqueConstraint("incident_id", "band"),
        Index("ix_incident_signatures_band", "band", "day_bucket"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    band: Mapped[str] = mapped_column(String(24))
    day_bucket: Mapped[int]


class IncidentDecision(Base):
    """Why a report is in its incident: automatic (with the scores) or a staff decision."""

    __tablename__ = "incident_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    # created, joined, moved, merged, split, categorised
    action: Mapped[str] = mapped_column(String(16))
    # "auto" or the staff member's username.
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    scores: Mapped[dict | None] = mapped_column(JSON)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
