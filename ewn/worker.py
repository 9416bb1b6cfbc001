"""The worker: claims due work items from the database and runs their stages.

Any number of workers, on any number of machines, share the queue: a claim is an UPDATE of rows
selected FOR UPDATE SKIP LOCKED (PostgreSQL) or under SQLite's write lock, and each claim is a
lease. A stage's database effects commit in the same transaction that marks its item done, and
only while the lease is still held, so a crash or a takeover repeats nothing.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ewn.models import utcnow
from ewn.models.work import PRIORITY_INTAKE, PRIORITY_URGENT
from ewn.runtime import Runtime
from ewn.store import work
from ewn.store.work import Claimed

log = logging.getLogger(__name__)


class Retry(Exception):
    """Raised by a stage: try this item again after delay seconds."""

    def __init__(self, reason: str, delay: float | None = None):
        super().__init__(reason)
        self.delay = delay


class LeaseLost(Exception):
    """Another worker took the item over; our effects are rolled back."""


@dataclass(frozen=True)
class Job:
    """A claimed item, as a stage sees it."""

    item: Claimed
    runtime: Runtime

    @property
    def subject_id(self) -> int:
        return self.item.subject_id

    def complete(self, session: Session) -> None:
        """Mark the item done in session's transaction; raises LeaseLost if it is not ours."""
        if not work.complete(session, self.item):
            raise LeaseLost(f"work item {self.item.id}")

    def wait_until(self, session: Session, due_at: datetime) -> None:
        """Run again at due_at; this run does not count as an attempt."""
        if not work.defer(session, self.item, due_at):
            raise LeaseLost(f"work item {self.item.id}")

    def run_again_at(self, session: Session, due_at: datetime) -> None:
        """Instead of done, schedule the item to run again at due_at."""
        if not work.reschedule(session, self.item, due_at):
            raise LeaseLost(f"work item {self.item.id}")


# A stage takes a job and does its work in one or more transactions, the last of which calls
# job.complete(session).
STAGES: dict[str, Callable[[Job], None]] = {}


def stage(name: str):
    """Register a stage that manages its own transactions."""

    def register(function: Callable[[Job], None]):
        STAGES[name] = function
        return function

    return register


def transactional_stage(name: str):
    """Register a stage whose whole effect is one transaction, committed with completion.

    The stage may return a time: the item then runs again at that time instead of being done.
    """

    def register(function: Callable[[Session, Job], datetime | None]):
        def run(job: Job) -> None:
            with job.runtime.db.session() as session:
                again = function(session, job)
                if again is None:
                    job.complete(session)
                else:
                    job.run_again_at(session, again)

        STAGES[name] = run
        return function

    return register


def load_stages() -> None:
    """Import every stage's module: importing registers it."""
    from importlib import import_module

    for module in STAGE_MODULES:
        import_module(module)


STAGE_MODULES = (
    "ewn.ingest.process",  # message
    "ewn.geo.locate",  # locate
    "ewn.meaning.stage",  # understand
    "ewn.dedup.cluster",  # cluster
    "ewn.delivery.send",  # send
    "ewn.escalation.engine",  # escalate, escalation
    "ewn.escalation.delivery",  # alert_check
)


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{random.randrange(16**4):04x}"


class Worker:
    """urgent_only: take only alerts, severe reports and new messages, never routine work, so
    that they never wait for a routine job to finish (run one such worker beside the others)."""

    def __init__(self, runtime: Runtime, name: str | None = None, urgent_only: bool = False):
        load_stages()
        self.runtime = runtime
        self.at_most = PRIORITY_INTAKE if urgent_only else None
        self.settings = runtime.settings.worker
        self.name = name or worker_name()
        self.stopping = threading.Event()
        self._last_spool_check = 0.0
        self._aged_until = None

    def run_item(self, item: Claimed) -> str:
        """Run one claimed item; returns what became of it."""
        job = Job(item, self.runtime)
        try:
            STAGES[item.stage](job)
            return "done"
        except LeaseLost:
            log.warning("lost the lease on work item %s; another worker has it", item.id)
            return "lost"
        except Exception as exc:
            delay = (
                exc.delay
                if isinstance(exc, Retry) and exc.delay is not None
                else (self.backoff(item.attempts))
            )
            if isinstance(exc, Retry):
                reason = f"retry: {exc}"
            else:
                reason = f"{type(exc).__name__}: {exc}"
                log.exception("stage %s failed on item %s", item.stage, item.id)
            with self.runtime.db.session() as session:
                outcome = work.retry_later(session, item, reason, delay, self.settings.max_attempts)
            log.info("work item %s (%s) %s: %s", item.id, item.stage, outcome, reason[:200])
            return outcome

    def backoff(self, attempts: int) -> float:
        base = self.settings.retry_base_seconds * 2 ** max(0, attempts - 1)
        return min(self.settings.retry_max_seconds, base) * random.uniform(0.8, 1.2)

    def run_once(self) -> int:
        """Claim and run one batch; returns how many items were claimed."""
        self.flush_spool_if_due()
        self.rescore_if_due()
        items = self.claim()
        for index, item in enumerate(items):
            if self.stopping.is_set():
                break  # unstarted items come back to the queue when their lease expires
            if index:
                self.run_more_urgent_than(item.priority)
            self.run_item(item)
        return len(items)

    def claim(self, more_urgent_than: int | None = None) -> list[Claimed]:
        with self.runtime.db.session() as session:
            return work.claim(
                session,
                self.name,
                self.settings.batch_size,
                self.settings.lease_seconds,
                self.settings.max_attempts,
                more_urgent_than,
                self.at_most,
            )

    def run_more_urgent_than(self, priority: int) -> None:
        """Run work more urgent than the rest of this batch first, then go on with the batch:
        an alert must not wait behind a batch of routine reports."""
        if priority <= PRIORITY_URGENT:
            return
        with self.runtime.db.reading() as session:
            if not work.more_urgent_waiting(session, priority):
                return
        for item in self.claim(more_urgent_than=priority):
            if self.stopping.is_set():
                break
            self.run_item(item)

    def rescore_if_due(self, every: timedelta = timedelta(minutes=1)) -> int:
        """Re-score incidents whose age crossed a recency step since the last look."""
        from ewn.triage import ageing

        now = utcnow()
        if self._aged_until is None:
            self._aged_until = now - ageing.lookback()
        if now - self._aged_until < every:
            return 0
        try:
            done = ageing.rescore_aged(self.runtime, self._aged_until, now)
        except Exception as exc:
            log.warning("incidents not re-scored yet: %s", type(exc).__name__)
            return 0
        self._aged_until = now
        return done

    def flush_spool_if_due(self, every: float = 2.0) -> int:
        now = time.monotonic()
        if now - self._last_spool_check < every:
            return 0
        self._last_spool_check = now
        from ewn.ingest.replay import flush_spool

        try:
            return flush_spool(self.runtime, self.name)
        except Exception as exc:
            log.warning("spool not flushed yet: %s", type(exc).__name__)
            return 0

    def run(self, until_idle: bool = False) -> None:
        """Loop until stopped (or, with until_idle, until no work is due)."""
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            try:
                claimed = self.run_once()
            except Exception as exc:  # database down: wait and try again
                log.warning("worker cannot reach the database: %s", type(exc).__name__)
                claimed = 0
                self.stopping.wait(min(5.0, self.settings.poll_seconds * 4))
            if claimed == 0:
                if until_idle:
                    break
                self.stopping.wait(self.settings.poll_seconds)
        log.info("worker %s stopped", self.name)

    def install_signal_handlers(self) -> None:
        def stop(signum, _frame):
            log.info("worker %s stopping on signal %s", self.name, signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
