"""Database engine, sessions and migrations, for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import fcntl
import math
import os
import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ewn.settings import ROOT

MIGRATIONS = ROOT / "migrations"
SQLITE_BUSY_MS = 5000


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, sqlite_synchronous: str = "FULL", **kwargs) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine, sqlite_synchronous)
        return engine
    connect_args = {"connect_timeout": 3} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _sqrt(value: float | None) -> float | None:
    return None if value is None or value < 0 else math.sqrt(value)


def prepare_sqlite(dbapi_connection, synchronous: str) -> None:
    """Settings of every SQLite connection EWN opens."""
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    # The gazetteer's indexes are read for every report: keep them in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=268435456")
    try:
        cursor.execute("SELECT sqrt(4.0)")
    except sqlite3.OperationalError:
        # SQLite built without its math functions: the gazetteer's area vote needs sqrt.
        dbapi_connection.create_function("sqrt", 1, _sqrt, deterministic=True)
    cursor.close()


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        prepare_sqlite(dbapi_connection, synchronous)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A transaction that reads and then writes must hold the write lock from the start,
        # or SQLite refuses the upgrade at once instead of waiting. Readers opt out.
        if connection.get_execution_options().get("readonly"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class SQLiteWriteLock:
    """Serialise SQLite write transactions of all threads and processes on this host.

    SQLite lets one writer in at a time; the others sleep in its busy handler with growing
    back-off (up to 100 ms a time) even when the lock is free again a millisecond later. A
    thread lock plus flock() on a file beside the database queues writers in the kernel
    instead, and wakes the next one as soon as the lock is released.
    """

    def __init__(self, database_path: str):
        self.path = database_path + ".writelock"
        # Re-entrant, so a nested write in one thread fails on SQLite's busy timeout with a
        # clear error instead of waiting on itself forever.
        self._thread_lock = threading.RLock()
        self._depth = threading.local()
        self._descriptor: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # One descriptor per process (flock is per open file; a forked child needs its own).
        if self._descriptor is None or self._pid != os.getpid():
            self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._descriptor

    @contextmanager
    def __call__(self):
        with self._thread_lock:
            depth = getattr(self._depth, "value", 0)
            descriptor = self._file()
            if depth == 0:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            self._depth.value = depth + 1
            try:
                yield
            finally:
                self._depth.value = depth
                if depth == 0:
                    fcntl.flock(descriptor, fcntl.LOCK_UN)


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str, sqlite_synchronous: str = "FULL"):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, sqlite_synchronous)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        path = self.engine.url.database
        file_based = self.dialect == "sqlite" and path and path != ":memory:"
        self.write_lock = SQLiteWriteLock(path) if file_based else nullcontext

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self):
        """A session in one transaction: committed on success, rolled back on error."""
        with self.write_lock(), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def begin(self):
        """A Core connection in one write transaction."""
        with self.write_lock(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self):
        """A read-only session (on SQLite it does not take the write lock)."""
        with (
            self.engine.connect().execution_options(readonly=True) as connection,
            Session(bind=connection) as session,
            connection.begin(),
        ):
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to date with Alembic."""
        with self.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
