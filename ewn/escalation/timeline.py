"""An escalation's timeline, and the states in which it is over."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ewn.models import Escalation, EscalationEvent

OVER = ("resolved",)


def record(session: Session, escalation: Escalation, kind: str, **detail) -> None:
    session.add(EscalationEvent(escalation_id=escalation.id, kind=kind, detail=detail or None))
