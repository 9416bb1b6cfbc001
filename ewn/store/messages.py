"""Inbound messages: the durable record every report starts from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ewn.db import Database
from ewn.models import InboundMedia, InboundMessage, utcnow
from ewn.models.work import PRIORITY_INTAKE
from ewn.store import work
from ewn.store.common import insert_ignoring_conflicts

MESSAGE_STAGE = "message"


def record_inbound(db: Database, row: dict) -> bool:
    """Store one message and queue its processing, once: False if it was already there."""
    return record_many(db, [row])[0]


def record_many(db: Database, rows: list[dict]) -> list[bool]:
    """Store messages and queue their processing in one transaction (one disk flush).

    Returns, per row, whether it was new. Repeats of a message already stored add nothing.
    """
    table = InboundMessage.__table__
    insert = insert_ignoring_conflicts(db.dialect, table, ("provider", "external_id")).returning(
        table.c.id, table.c.provider, table.c.external_id
    )
    now = utcnow()
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        full = {"status": "new", "recorded_at": now, **row}
        groups.setdefault(tuple(sorted(full)), []).append(full)
    fresh: dict[tuple[str, str], int] = {}
    with db.begin() as connection:
        for group in groups.values():
            # Conflicting rows (repeats) return nothing: what comes back is what is new.
            for inserted in connection.execute(insert, group):
                fresh[(inserted.provider, inserted.external_id)] = inserted.id
        work.enqueue_many(
            connection, MESSAGE_STAGE, sorted(fresh.values()), priority=PRIORITY_INTAKE
        )
    return [(row["provider"], row["external_id"]) in fresh for row in rows]


def exists(session: Session, provider: str, external_id: str) -> bool:
    return (
        session.scalar(
            select(InboundMessage.id).where(
                InboundMessage.provider == provider, InboundMessage.external_id == external_id
            )
        )
        is not None
    )


def get_for_update(session: Session, message_id: int) -> InboundMessage | None:
    return session.get(InboundMessage, message_id, with_for_update=True)


def add_media(session: Session, message_id: int, items: list[tuple[str, str]]) -> None:
    for position, (url, content_type) in enumerate(items):
        session.add(
            InboundMedia(
                message_id=message_id, position=position, url=url, content_type=content_type
            )
        )


def media_of(session: Session, message_id: int) -> list[InboundMedia]:
    return list(
        session.scalars(
            select(InboundMedia)
            .where(InboundMedia.message_id == message_id)
            .order_by(InboundMedia.position)
        )
    )


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(InboundMessage))


def list_messages(session: Session, limit: int = 100, since: datetime | None = None):
    query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit)
    if since is not None:
        query = query.where(InboundMessage.received_at >= since)
    return list(session.scalars(query))
