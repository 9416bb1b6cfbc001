"""Every encrypted column, and re-encryption under the active key (key rotation)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, select, update

from ewn.crypto import Keyring
from ewn.db import Database
from ewn.models import InboundMessage, MonitorIdentity, OutboundMessage

# (model, column, context): the context binds each ciphertext to its place.
ENCRYPTED = [
    (InboundMessage, "raw_enc", "message.raw"),
    (MonitorIdentity, "phone_enc", "identity.phone"),
    (MonitorIdentity, "profile_name_enc", "identity.profile_name"),
    (OutboundMessage, "to_enc", "outbound.to"),
]


def key_usage(db: Database) -> Counter:
    """How many values each key id protects, per column."""
    usage: Counter = Counter()
    with db.reading() as session:
        for model, column, _ in ENCRYPTED:
            attribute = getattr(model, column)
            for (value,) in session.execute(select(attribute).where(attribute.is_not(None))):
                usage[(f"{model.__tablename__}.{column}", Keyring.key_id_of(value))] += 1
    return usage


def count_stale(db: Database, keyring: Keyring) -> int:
    prefix = f"e1.{keyring.active}.%"
    total = 0
    with db.reading() as session:
        for model, column, _ in ENCRYPTED:
            attribute = getattr(model, column)
            total += session.scalar(
                select(func.count())
                .select_from(model)
                .where(attribute.is_not(None), attribute.not_like(prefix))
            )
    return total


def reencrypt(
    db: Database, keyring: Keyring, on_batch: Callable[[int], None], batch: int = 500
) -> int:
    """Re-encrypt every value not under the active key, in batches; returns how many."""
    prefix = f"e1.{keyring.active}.%"
    done = 0
    for model, column, context in ENCRYPTED:
        attribute = getattr(model, column)
        while True:
            with db.session() as session:
                rows = session.execute(
                    select(model.id, attribute)
                    .where(attribute.is_not(None), attribute.not_like(prefix))
                    .limit(batch)
                ).all()
                for row_id, value in rows:
                    fresh = keyring.encrypt(keyring.decrypt_bytes(value, context), context)
                    session.execute(update(model).where(model.id == row_id).values({column: fresh}))
            if not rows:
                break
            done += len(rows)
            on_batch(len(rows))
    return done
