"""Durable work: one row per stage to run on one subject, claimed by workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow

# Lower runs first: escalations and alerts to their first recipient; an alert's further
# recipients (so when the senders are busy, every alert reaches someone before any reaches
# everyone); reports that read as severe (killings, sexual violence...) through every later
# stage of the pipeline; reading new messages (intake, which is how a severe report is found);
# everything else; bulk messages.
PRIORITY_URGENT, PRIORITY_ALERT_MORE, PRIORITY_SEVERE = 0, 1, 2
PRIORITY_INTAKE, PRIORITY_NORMAL, PRIORITY_BULK = 3, 5, 9


class WorkItem(Base):
    """Run stage on subject_id when due; status due → running → done (or failed)."""

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("stage", "subject_id"),
        Index("ix_work_items_claim", "status", "priority", "due_at"),
        Index("ix_work_items_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="due")
    priority: Mapped[int] = mapped_column(SmallInteger, default=PRIORITY_NORMAL)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    # The worker holding (or last holding) the item.
    worker: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
