"""Helpers shared by the store modules."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")


@cache
def insert_ignoring_conflicts(dialect: str, table: Table, conflict_columns: tuple[str, ...]):
    """INSERT ... ON CONFLICT (columns) DO NOTHING, for SQLite and PostgreSQL (built once)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))


def with_unique_retry(session: Session, make: Callable[[], T], attempts: int = 8) -> T:
    """Run make() in a savepoint, again on a unique-key collision (random references)."""
    for attempt in range(attempts):
        try:
            with session.begin_nested():
                return make()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
