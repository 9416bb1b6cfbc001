"""Monitors, their phone identities, opt-outs and invite codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow

TRUST_LEVELS = ("low", "normal", "high")
STATUSES = ("active", "unverified", "suspended")


class Monitor(Base):
    """A community monitor, known to staff only by a random pseudonym."""

    __tablename__ = "monitors"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(2))
    home_place: Mapped[str | None] = mapped_column(Text)
    # The gazetteer place home_place names, once resolved.
    home_place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    trust: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="active")
    # A silent monitor is never sent anything (a reply could endanger them).
    silent: Mapped[bool] = mapped_column(default=False)
    # staff, invite, open, unknown_sender, import
    enrolled_via: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_report_at: Mapped[datetime | None]
    last_checkin_at: Mapped[datetime | None]


class MonitorIdentity(Base):
    """One phone identity (SMS or WhatsApp) of a monitor; the number itself only encrypted."""

    __tablename__ = "monitor_identities"
    __table_args__ = (UniqueConstraint("channel", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    profile_name_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]


class OptOut(Base):
    """A number that texted STOP: nothing is ever sent to it until it texts START."""

    __tablename__ = "opt_outs"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))


class InviteCode(Base):
    """A code a new monitor texts with JOIN when enrolment is by invitation."""

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    home_place: Mapped[str | None] = mapped_column(Text)
    trust: Mapped[str] = mapped_column(String(8), default="normal")
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
