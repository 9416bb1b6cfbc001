"""Send rate limits per sender, in segments per second, shared by every worker.

Each sender has a clock row: the time it may next send one segment. A message of n segments
may go (n - 1) / rate seconds after that, and moves the clock to n / rate seconds after now,
in one conditional UPDATE, so two workers can never claim the same slot and no one-second
window ever holds more than rate segments from one sender (for a whole-number rate).
A message that finds every sender busy is run again when
the first one is free; its work item keeps its place by priority, so alerts go first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ewn.escalation.segments import segments
from ewn.models import OutboundMessage, SenderClock, utcnow
from ewn.store.common import insert_ignoring_conflicts

RATED_CHANNELS = ("sms", "whatsapp")


@dataclass(frozen=True)
class Sender:
    key: str  # the clock's name
    address: str | None  # what the transport sends from (None: the configured default)
    rate: float  # segments per second


def candidates(settings, message: OutboundMessage) -> list[Sender]:
    """The senders this message may go out from."""
    delivery = settings.delivery
    if message.sender:
        for entry in delivery.senders:
            if entry["address"] == message.sender:
                return [Sender(message.sender, message.sender, entry["segments_per_second"])]
        return [Sender(message.sender, message.sender, delivery.segments_per_second)]
    pool = [
        Sender(entry["address"], entry["address"], entry["segments_per_second"])
        for entry in delivery.senders
        if entry["channel"] == message.channel
    ]
    return pool or [Sender(f"default:{message.channel}", None, delivery.segments_per_second)]


def cost(message: OutboundMessage) -> int:
    """Segments the message takes (a WhatsApp message or a template counts as one)."""
    if message.channel == "sms" and not message.content_sid:
        return segments(message.body)
    return 1


def reserve(session: Session, settings, message: OutboundMessage) -> datetime | None:
    """Claim a sender for this message now (None), or say when to try again."""
    if message.channel not in RATED_CHANNELS:
        return None
    senders = candidates(settings, message)
    keys = [sender.key for sender in senders]
    dialect = session.bind.dialect.name
    session.execute(
        insert_ignoring_conflicts(dialect, SenderClock.__table__, ("sender",)),
        [{"sender": key, "next_free_at": utcnow() - timedelta(seconds=1)} for key in keys],
    )
    clocks = dict(
        session.execute(
            select(SenderClock.sender, SenderClock.next_free_at).where(SenderClock.sender.in_(keys))
        ).all()
    )
    now, segments_needed = utcnow(), cost(message)

    def ready_at(sender: Sender):
        # A message of n segments waits (n - 1) / rate longer than a one-segment message, so
        # that no one-second window ever holds more than rate segments from this sender.
        return clocks[sender.key] + timedelta(seconds=(segments_needed - 1) / sender.rate)

    for sender in sorted(senders, key=ready_at):
        lead = timedelta(seconds=(segments_needed - 1) / sender.rate)
        claimed = session.execute(
            update(SenderClock)
            .where(SenderClock.sender == sender.key, SenderClock.next_free_at <= now - lead)
            .values(next_free_at=now + timedelta(seconds=segments_needed / sender.rate))
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            if sender.address and not message.sender:
                message.sender = sender.address
            return None
    return max(now, min(ready_at(sender) for sender in senders)) + timedelta(milliseconds=5)
