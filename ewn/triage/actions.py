"""What staff do to an incident: claim, verify, dismiss, escalate, note, reply to a monitor.

Each is recorded (decision history and audit log) and updates the priority."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.dedup import incidents as aggregate
from ewn.delivery.outbox import queue_message
from ewn.models import (
    InboundMessage,
    Incident,
    IncidentDecision,
    IncidentNote,
    Monitor,
    MonitorIdentity,
    Report,
    utcnow,
)
from ewn.store import monitors as monitor_store

DISMISS_REASONS = ("false", "rumour", "duplicate", "not_an_incident")
MAX_NOTE = 4000
MAX_REPLY = 480


class ActionError(ValueError):
    """The action cannot be done; the message (already translated) says why."""


def _decide(
    session: Session,
    incident: Incident,
    action: str,
    user,
    reason: str | None = None,
    detail: dict | None = None,
    report_id: int | None = None,
) -> None:
    session.add(
        IncidentDecision(
            incident_id=incident.id,
            report_id=report_id,
            action=action,
            actor=user.username,
            reason=reason,
            scores=detail,
        )
    )


def claim(session: Session, rt, incident: Incident, user) -> None:
    incident.assigned_to_id = user.id
    if incident.triage_status == "new":
        incident.triage_status = "claimed"
    _decide(session, incident, "claimed", user)


def assign(session: Session, rt, incident: Incident, user, assignee) -> None:
    """Give the incident to another staff member (who must be able to work on it)."""
    incident.assigned_to_id = assignee.id
    if incident.triage_status == "new":
        incident.triage_status = "claimed"
    _decide(session, incident, "assigned", user, None, {"to": assignee.username})


def set_severity(session: Session, rt, incident: Incident, user, severity: int | None) -> None:
    """Staff's severity (1-5) replaces the one read from the reports; None goes back to it."""
    if severity is not None and not 1 <= severity <= 5:
        raise ActionError("severity")
    before = incident.severity
    incident.staff_severity = severity
    session.flush()
    aggregate.refresh(session, rt, incident)
    _decide(session, incident, "severity", user, None, {"from": before, "to": incident.severity})


def verify(session: Session, rt, incident: Incident, user, reason: str | None) -> None:
    incident.triage_status = "verified"
    _reviewed(session, rt, incident)
    _decide(session, incident, "verified", user, reason)


def dismiss(session: Session, rt, incident: Incident, user, why: str, reason: str | None):
    if why not in DISMISS_REASONS:
        raise ActionError(why)
    incident.triage_status, incident.dismiss_reason = "dismissed", why
    _reviewed(session, rt, incident)
    _decide(session, incident, "dismissed", user, reason, {"as": why})


def escalate(session: Session, rt, incident: Incident, user, reason: str | None) -> None:
    incident.triage_status = "escalated"
    _reviewed(session, rt, incident)
    _decide(session, incident, "escalated", user, reason)


def note(session: Session, incident: Incident, user, text: str) -> IncidentNote:
    text = text.strip()[:MAX_NOTE]
    if not text:
        raise ActionError("empty")
    added = IncidentNote(incident_id=incident.id, user_id=user.id, text=text)
    session.add(added)
    return added


def _reviewed(session: Session, rt, incident: Incident) -> None:
    incident.reviewed_at = utcnow()
    session.flush()
    aggregate.refresh(session, rt, incident)


def reply(session: Session, rt, report: Report, user, text: str) -> str:
    """Send the report's monitor a message through the outbox; returns the outcome."""
    text = text.strip()
    if not text:
        raise ActionError("empty")
    if len(text) > MAX_REPLY:
        raise ActionError("too_long")
    monitor = session.get(Monitor, report.monitor_id) if report.monitor_id else None
    if monitor is None:
        raise ActionError("no_monitor")
    if monitor.silent:
        raise ActionError("silent")
    message = session.scalar(
        select(InboundMessage)
        .where(InboundMessage.report_id == report.id, InboundMessage.identity_id.is_not(None))
        .order_by(InboundMessage.id.desc())
        .limit(1)
    )
    identity = session.get(MonitorIdentity, message.identity_id) if message else None
    if identity is None:
        raise ActionError("no_number")
    if monitor_store.is_opted_out(session, identity.phone_hash):
        raise ActionError("opted_out")
    queued = queue_message(
        session,
        rt.keyring,
        purpose="staff_reply",
        channel=identity.channel,
        phone=rt.keyring.decrypt(identity.phone_enc, "identity.phone"),
        body=text,
        language=monitor.language,
        sender=message.to_address or None,
        monitor_id=monitor.id,
        report_id=report.id,
        in_reply_to_id=message.id,
    )
    if report.incident_id:
        incident = session.get(Incident, report.incident_id)
        _decide(session, incident, "replied", user, None, {"outbound": queued.reference}, report.id)
    return queued.reference
