"""Escalation: the people alerts go to, and every alert from its start to its end.

Contacts are mediators, committee members and staff on duty. Their names and addresses are
personal data: encrypted, looked up by keyed hash, shown to staff by pseudonym.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow


class Contact(Base):
    """Someone alerts go to. national: their jurisdiction is the whole country."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    name_enc: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    national: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactChannel(Base):
    """One way to reach a contact; position 0 is tried first."""

    __tablename__ = "contact_channels"
    __table_args__ = (
        UniqueConstraint("contact_id", "position"),
        # every inbound message looks its sender up here, by number whatever the channel
        Index("ix_contact_channels_lookup", "address_hash", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    # sms, whatsapp (E.164 numbers) or email.
    channel: Mapped[str] = mapped_column(String(16))
    address_enc: Mapped[str] = mapped_column(Text)
    address_hash: Mapped[str] = mapped_column(String(64))


class ContactArea(Base):
    """An admin area a contact covers."""

    __tablename__ = "contact_areas"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), primary_key=True)


class ContactGroup(Base):
    """A named group ("Uasin Gishu mediators", "National Committee").

    template: the wording of its alerts: "full" (what, where, how corroborated), "minimal"
    (only a reference and the ack code, for phones that may be searched), or the name of a
    deployment's own template in config/escalation.yaml.
    """

    __tablename__ = "contact_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    template: Mapped[str] = mapped_column(String(40), default="full")


class ContactGroupMember(Base):
    __tablename__ = "contact_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("contact_groups.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )


class Escalation(Base):
    """One alert working through its policy: for an incident, or for a pattern in an area.

    state: active (steps running), acknowledged, unanswered (policy exhausted), resolved.
    next_due_at: when the worker must look again (the next step, or the ack timeout).
    """

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("rule", "incident_id"),
        Index("ix_escalations_due", "state", "next_due_at"),
        Index("ix_escalations_pattern", "rule", "area_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # incident or pattern
    kind: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"))
    # A pattern alert: how many incidents it counted when it fired.
    pattern_count: Mapped[int | None]
    # The policy as it was when the escalation started (editing the file changes nothing here).
    policy: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="active")
    # The next step to run and the round of the policy (0-based).
    step: Mapped[int] = mapped_column(default=0)
    round: Mapped[int] = mapped_column(default=0)
    next_due_at: Mapped[datetime | None]
    # Recipients reply with it: unique among escalations that are not over.
    ack_code: Mapped[str] = mapped_column(String(8), index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    acknowledged_by_user: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EscalationIncident(Base):
    """The incidents a pattern alert holds."""

    __tablename__ = "escalation_incidents"

    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True
    )
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)


class Notification(Base):
    """One recipient of one step of an escalation: the message, and their ack link."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("escalation_id", "round", "step", "contact_id"),
        Index("ix_notifications_contact", "contact_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    round: Mapped[int]
    step: Mapped[int]
    group: Mapped[str] = mapped_column(String(80))
    # The contact's channel tried now (position in their order) and its outbox message; a
    # channel that fails or stays undelivered hands over to the next.
    channel_position: Mapped[int] = mapped_column(SmallInteger, default=0)
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"), index=True)
    # The ack link's token, hashed; single use.
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EscalationEvent(Base):
    """The escalation's timeline: started, notified, acknowledged, unacknowledged, ..."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[dict | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)
