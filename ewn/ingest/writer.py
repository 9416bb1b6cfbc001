"""Group commit for the webhook: messages arriving together share one transaction.

Each request hands its row to the process's writer thread and waits until the row is committed,
so Twilio still gets its 200 only after the message is on disk. Under load, the writer commits
whatever has queued up meanwhile in one transaction: one disk flush for many messages instead of
one each.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from concurrent.futures import Future

from ewn.db import Database
from ewn.store import messages

log = logging.getLogger(__name__)
MAX_BATCH = 64


class InboundWriter:
    def __init__(self, db: Database):
        self.db = db
        self._queue: queue.SimpleQueue[tuple[dict, Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()

    def record(self, row: dict, timeout: float = 10.0) -> bool:
        """Store row durably (True if new); raises if the database cannot take it in time."""
        self._ensure_thread()
        future: Future = Future()
        self._queue.put((row, future))
        return future.result(timeout)

    def _ensure_thread(self) -> None:
        # Threads do not survive fork (gunicorn --preload): each process starts its own.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="ewn-inbound-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[dict, Future]]) -> None:
        try:
            results = messages.record_many(self.db, [row for row, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            # One bad row must not fail the others: write them one by one.
            log.warning(
                "batch of %s failed (%s); writing one by one", len(batch), type(exc).__name__
            )
            for item in batch:
                self._write([item])
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
