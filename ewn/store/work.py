"""Durable work items: enqueue, claim with a lease, complete, retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, func, select, update
from sqlalchemy.orm import Session

from ewn.models import WorkItem, utcnow
from ewn.models.work import PRIORITY_NORMAL
from ewn.store.common import insert_ignoring_conflicts

ACTIVE = ("due", "running")


@dataclass(frozen=True)
class Claimed:
    """A work item this worker holds; attempts identifies this particular hold."""

    id: int
    stage: str
    subject_id: int
    attempts: int
    worker: str
    priority: int = PRIORITY_NORMAL


def enqueue(
    connection: Connection | Session,
    stage: str,
    subject_id: int,
    priority: int = PRIORITY_NORMAL,
    due_at: datetime | None = None,
) -> None:
    """Add work unless the same stage is already queued for subject (idempotent)."""
    enqueue_many(connection, stage, [subject_id], priority, due_at)


def enqueue_many(
    connection: Connection | Session,
    stage: str,
    subject_ids: list[int],
    priority: int = PRIORITY_NORMAL,
    due_at: datetime | None = None,
) -> None:
    if not subject_ids:
        return
    now = utcnow()
    bind = connection.bind if isinstance(connection, Session) else connection
    statement = insert_ignoring_conflicts(
        bind.dialect.name, WorkItem.__table__, ("stage", "subject_id")
    )
    connection.execute(
        statement,
        [
            {
                "stage": stage,
                "subject_id": subject_id,
                "status": "due",
                "priority": priority,
                "due_at": due_at or now,
                "attempts": 0,
                "created_at": now,
            }
            for subject_id in subject_ids
        ],
    )


def claim(
    session: Session,
    worker: str,
    limit: int,
    lease_seconds: float,
    max_attempts: int,
    more_urgent_than: int | None = None,
    at_most: int | None = None,
) -> list[Claimed]:
    """Take up to limit due items, each leased to worker for lease_seconds: only those more
    urgent than more_urgent_than, and of priority at_most at most, when given."""
    now = utcnow()
    # Items whose worker died (lease expired) become due again, or failed if they keep dying.
    session.execute(
        update(WorkItem)
        .where(
            WorkItem.status == "running",
            WorkItem.lease_until < now,
            WorkItem.attempts >= max_attempts,
        )
        .values(
            status="failed",
            finished_at=now,
            lease_until=None,
            last_error="lease expired on every attempt (worker killed or job too long)",
        )
    )
    # The others are due again, in their old place in the queue (their holder can no longer
    # complete them). Claiming then reads due items only, in index order: no sort of the
    # whole backlog at every claim.
    session.execute(
        update(WorkItem)
        .where(WorkItem.status == "running", WorkItem.lease_until < now)
        .values(status="due", lease_until=None)
    )
    candidates = (
        select(WorkItem.id)
        .where(WorkItem.status == "due", WorkItem.due_at <= now)
        .order_by(WorkItem.priority, WorkItem.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if more_urgent_than is not None:
        candidates = candidates.where(WorkItem.priority < more_urgent_than)
    if at_most is not None:
        candidates = candidates.where(WorkItem.priority <= at_most)
    rows = session.execute(
        update(WorkItem)
        .where(WorkItem.id.in_(candidates.scalar_subquery()))
        .values(
            status="running",
            worker=worker,
            attempts=WorkItem.attempts + 1,
            lease_until=now + timedelta(seconds=lease_seconds),
        )
        .returning(
            WorkItem.id,
            WorkItem.stage,
            WorkItem.subject_id,
            WorkItem.attempts,
            WorkItem.priority,
            WorkItem.due_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    # RETURNING does not keep the subquery's order: run the most urgent first.
    rows = sorted(rows, key=lambda row: (row.priority, row.due_at, row.id))
    return [
        Claimed(row.id, row.stage, row.subject_id, row.attempts, worker, row.priority)
        for row in rows
    ]


def _held(item: Claimed):
    return and_(
        WorkItem.id == item.id,
        WorkItem.status == "running",
        WorkItem.worker == item.worker,
        WorkItem.attempts == item.attempts,
    )


def complete(session: Session, item: Claimed) -> bool:
    """Mark done; False if the lease was lost (another worker took the item over)."""
    result = session.execute(
        update(WorkItem)
        .where(_held(item))
        .values(status="done", finished_at=utcnow(), lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def reschedule(session: Session, item: Claimed, due_at: datetime) -> bool:
    """Run the item again at due_at (a stage that waits for something, e.g. an answer)."""
    result = session.execute(
        update(WorkItem)
        .where(_held(item))
        .values(status="due", due_at=due_at, lease_until=None, attempts=0, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def defer(session: Session, item: Claimed, due_at: datetime) -> bool:
    """Put the item back until due_at without counting this claim as an attempt (it waited
    for something, e.g. a free sender; it did not fail)."""
    result = session.execute(
        update(WorkItem)
        .where(_held(item))
        .values(status="due", due_at=due_at, lease_until=None, attempts=WorkItem.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def requeue(
    session: Session,
    stage: str,
    subject_id: int,
    priority: int = PRIORITY_NORMAL,
    due_at: datetime | None = None,
) -> None:
    """Run stage on subject again soon, whether it ran before or waits for later; it keeps the
    more urgent of its priority and the one given."""
    now = utcnow()
    result = session.execute(
        update(WorkItem)
        .where(
            WorkItem.stage == stage,
            WorkItem.subject_id == subject_id,
            WorkItem.status.in_(("due", "done", "failed")),
        )
        .values(
            status="due",
            due_at=due_at or now,
            attempts=0,
            finished_at=None,
            last_error=None,
            priority=case((WorkItem.priority < priority, WorkItem.priority), else_=priority),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        enqueue(session, stage, subject_id, priority, due_at)


def more_urgent_waiting(session: Session, priority: int) -> bool:
    """Is any due item more urgent than priority waiting to be claimed?"""
    return (
        session.scalar(
            select(WorkItem.id)
            .where(
                WorkItem.status == "due",
                WorkItem.priority < priority,
                WorkItem.due_at <= utcnow(),
            )
            .limit(1)
        )
        is not None
    )


def retry_later(
    session: Session, item: Claimed, error: str, delay: float, max_attempts: int
) -> str:
    """Reschedule after a failure, or park as failed when attempts are used up."""
    now = utcnow()
    if item.attempts >= max_attempts:
        values = {"status": "failed", "finished_at": now}
    else:
        values = {"status": "due", "due_at": now + timedelta(seconds=delay)}
    session.execute(
        update(WorkItem)
        .where(_held(item))
        .values(lease_until=None, last_error=error[:2000], **values)
        .execution_options(synchronize_session=False)
    )
    return values["status"]


def oldest_waiting(session: Session) -> datetime | None:
    """When the longest-waiting due item became due (expired leases count as due)."""
    now = utcnow()
    due = session.scalar(
        select(func.min(WorkItem.due_at)).where(WorkItem.status == "due", WorkItem.due_at <= now)
    )
    stale = session.scalar(
        select(func.min(WorkItem.lease_until)).where(
            WorkItem.status == "running", WorkItem.lease_until < now
        )
    )
    times = [t for t in (due, stale) if t is not None]
    if not times:
        return None
    # Aggregates bypass the column type on SQLite: make sure we compare aware datetimes.
    return min(_aware(t) for t in times)


def _aware(value):
    from ewn.models.base import UTCDateTime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(WorkItem.status, func.count()).group_by(WorkItem.status))
    return {status: count for status, count in rows}


def failed_items(session: Session, limit: int = 100) -> list[WorkItem]:
    return list(
        session.scalars(
            select(WorkItem).where(WorkItem.status == "failed").order_by(WorkItem.id).limit(limit)
        )
    )


def retry_failed(session: Session, ids: list[int] | None = None) -> int:
    """Put failed items back in the queue (staff fixed the cause)."""
    statement = update(WorkItem).where(WorkItem.status == "failed")
    if ids:
        statement = statement.where(WorkItem.id.in_(ids))
    result = session.execute(
        statement.values(
            status="due", due_at=utcnow(), attempts=0, finished_at=None
        ).execution_options(synchronize_session=False)
    )
    return result.rowcount
