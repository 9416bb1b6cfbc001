"""The console transport: prints outbound messages instead of sending them (demo, no Twilio)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from datetime import datetime

from ewn.channels.base import Outgoing, ProviderMessage, SendResult


class ConsoleTransport:
    name = "console"

    def __init__(self, stream=None):
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> SendResult:
        stream = self.stream or sys.stdout
        with self._lock:
            # Recipient by pseudonym only: the console is a log too.
            print(
                f"[{message.channel} → {message.recipient_label}] {message.body}",
                file=stream,
                flush=True,
            )
        return SendResult("console", "console-" + message.reference, "delivered")

    def list_inbound(self, since: datetime) -> Iterator[ProviderMessage]:
        return iter(())
