"""A disk spool for signed requests that arrive while the database is unreachable.

Each entry is one file, encrypted (it holds phone numbers), written to a temporary name, flushed
to disk and renamed, so a crash leaves either a whole entry or none. The worker replays entries
once the database is back and deletes each only after the database has committed it.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ewn.crypto import Keyring

log = logging.getLogger(__name__)
SUFFIX = ".spool"
CLAIMED = ".flushing"
CONTEXT = "spool"


class Spool:
    def __init__(self, directory: Path, keyring: Keyring):
        self.directory = directory
        self.keyring = keyring

    def write(self, entry: dict) -> Path:
        """Store entry durably; raises OSError if the disk cannot take it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
        sealed = self.keyring.encrypt(json.dumps(entry), CONTEXT).encode("ascii")
        temporary = self.directory / (name + ".tmp")
        final = self.directory / (name + SUFFIX)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, sealed)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, final)
        self._sync_directory()
        return final

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def count(self) -> int:
        """Entries waiting (including any a worker is replaying right now)."""
        try:
            return sum(
                1 for entry in os.scandir(self.directory) if entry.name.endswith((SUFFIX, CLAIMED))
            )
        except FileNotFoundError:
            return 0

    def _candidates(self, stale_after: float) -> list[Path]:
        if not self.directory.exists():
            return []
        now = time.time()
        paths = []
        for path in sorted(self.directory.iterdir()):
            if path.name.endswith(SUFFIX):
                paths.append(path)
            elif path.name.endswith(CLAIMED) and now - path.stat().st_mtime > stale_after:
                # A worker died while replaying this one.
                paths.append(path)
        return paths

    @contextmanager
    def claim(self, path: Path, owner: str) -> Iterator[dict | None]:
        """Take one entry for replay; it is deleted only if the block finishes without error."""
        base = path.name.split(".")[0]
        claimed = path.with_name(f"{base}.{owner}{CLAIMED}")
        try:
            os.replace(path, claimed)
        except FileNotFoundError:
            yield None  # another worker took it
            return
        os.utime(claimed)
        try:
            entry = json.loads(self.keyring.decrypt(claimed.read_text("ascii"), CONTEXT))
            yield entry
        except BaseException:
            os.replace(claimed, path.with_name(base + SUFFIX))
            raise
        claimed.unlink()
        self._sync_directory()

    def pending(self, stale_after: float = 300.0) -> list[Path]:
        return self._candidates(stale_after)
