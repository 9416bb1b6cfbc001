"""Inbound messages: the durable record every report starts from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ewn.db import Database
from ewn.models import InboundMedia, InboundMessage, utcnow
from ewn.store import work
from ewn.store.common import insert_ignoring_conflicts

MESSAGE_STAGE = "message"


def record_inbound(db: Database, row: dict) -> int | None:
    """Store a message and queue its processing, once: None if it was already there."""
    table = InboundMessage.__table__
    statement = insert_ignoring_conflicts(db.dialect, table, ["provider", "external_id"])
    with db.engine.begin() as connection:
        message_id = connection.execute(
            statement.values(status="new", recorded_at=utcnow(), **row).returning(table.c.id)
        ).scalar()
        if message_id is not None:
            work.enqueue(connection, MESSAGE_STAGE, message_id)
    return message_id


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
