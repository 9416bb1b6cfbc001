"""Report assembly: a monitor's consecutive messages that continue one account make one
report, and the same report sent again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.dedup.text import similarity
from ewn.models import InboundMessage, Report
from ewn.store import work

REPEAT_SIMILARITY = 0.85
# How a message that continues the previous one often begins.
CONTINUATION_STARTS = (
    "...",
    "…",
    "and ",
    "na ",
    "pia ",
    "also ",
    "then ",
    "et ",
    "puis ",
    "aussi ",
    "و",
    "cont",
    "+",
    "-",
)
SMS_PART = 140  # a message this long without an ending was probably cut by the phone


def assemble(session: Session, rt, message: InboundMessage, monitor_id: int) -> bool:
    """Attach message to a report it continues or repeats; True if it did."""
    settings = rt.settings.incidents
    since = message.received_at - timedelta(hours=settings.repeat_hours)
    recent = list(
        session.scalars(
            select(Report)
            .where(
                Report.monitor_id == monitor_id,
                Report.received_at >= since,
                Report.received_at <= message.received_at,
            )
            .order_by(Report.received_at.desc(), Report.id.desc())
            .limit(5)
        )
    )
    if not recent:
        return False
    body = message.body.strip()
    for report in recent:
        if similarity(body, report.text) >= REPEAT_SIMILARITY:
            _attach(session, message, report, "repeat")
            return True
    latest = recent[0]
    last_message = session.scalar(
        select(InboundMessage)
        .where(InboundMessage.report_id == latest.id)
        .order_by(InboundMessage.received_at.desc())
        .limit(1)
    )
    last_at = last_message.received_at if last_message else latest.received_at
    if message.received_at - last_at > timedelta(minutes=settings.assembly_minutes):
        return False
    previous = last_message.body.strip() if last_message else latest.text
    cut = len(previous) >= SMS_PART and not previous.endswith((".", "!", "?", "؟"))
    if cut or body.lower().startswith(CONTINUATION_STARTS) or body[:1].islower():
        latest.text = f"{latest.text.rstrip()} {body}".strip()
        _attach(session, message, latest, "continuation")
        for stage in ("understand", "locate"):
            work.requeue(session, stage, latest.id)
        return True
    return False


def _attach(session: Session, message: InboundMessage, report: Report, kind: str) -> None:
    message.kind, message.report_id = kind, report.id
