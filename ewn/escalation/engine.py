"""Escalations from start to end: rules start them, timers in the database move them along.

Two worker stages:
  escalate    (subject: an incident) check the rules after the incident changed; start an
              escalation for each rule it newly matches, and for each pattern it completes
  escalation  (subject: an escalation) its timer: run the next step when it is due

Every timer is the escalation's next_due_at, held in the database; the work item only wakes a
worker. A stale wake-up (the escalation was acknowledged, resolved or moved on meanwhile) does
nothing. Messages go through the outbox with a dedup key per escalation, round, step and
recipient, so no step notifies anyone twice however often it is retried.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.escalation import delivery, rules, wording
from ewn.escalation.config import Rule
from ewn.escalation.timeline import OVER, record
from ewn.models import (
    Contact,
    ContactArea,
    ContactGroup,
    ContactGroupMember,
    Escalation,
    EscalationIncident,
    Incident,
    Notification,
    utcnow,
)
from ewn.models.work import PRIORITY_ALERT_MORE, PRIORITY_URGENT
from ewn.refs import random_code
from ewn.store import work
from ewn.store.common import with_unique_retry
from ewn.worker import Job, transactional_stage

log = logging.getLogger(__name__)
ESCALATE_STAGE = "escalate"
STEP_STAGE = "escalation"


def incident_changed(session: Session, rt, incident: Incident) -> None:
    """Check the escalation rules for this incident soon (called whenever it changes), unless
    no rule could concern it: most incidents never escalate, and each check is a job."""
    if rules.may_concern(session, rt.escalation, incident):
        work.requeue(session, ESCALATE_STAGE, incident.id, priority=PRIORITY_URGENT)


# -- the escalate stage ------------------------------------------------------------------------


@transactional_stage(ESCALATE_STAGE)
def evaluate(session: Session, job: Job) -> None:
    rt = job.runtime
    incident = session.scalar(
        select(Incident).where(Incident.id == job.subject_id).with_for_update()
    )
    if incident is None:
        return
    now = utcnow()
    if incident.status == "dismissed" or incident.triage_status == "dismissed":
        for escalation in _unfinished(session, incident.id):
            resolve(session, escalation, by="auto", why="incident dismissed")
        return
    # One escalation under way per incident: its recipients hear of it once, not once per rule.
    if not _unfinished(session, incident.id):
        for rule in rt.escalation.incident_rules:
            if rules.matches(session, rule, incident) and not _exists(session, rule, incident.id):
                start(session, rt, rule, incident=incident)
                break
    if incident.area_id is None or incident.status != "open":
        return
    for rule in rt.escalation.pattern_rules:
        if incident.primary_category != rule.pattern.category:
            continue
        held = rules.pattern_incidents(session, rule, incident.area_id, now)
        if rules.pattern_due(session, rule, incident.area_id, len(held), now):
            start(session, rt, rule, area_id=incident.area_id, held=held)


def _exists(session: Session, rule: Rule, incident_id: int) -> bool:
    return (
        session.scalar(
            select(Escalation.id).where(
                Escalation.rule == rule.name, Escalation.incident_id == incident_id
            )
        )
        is not None
    )


def _unfinished(session: Session, incident_id: int) -> list[Escalation]:
    return list(
        session.scalars(
            select(Escalation)
            .where(Escalation.incident_id == incident_id, Escalation.state.not_in(OVER))
            .with_for_update()
        )
    )


def start(
    session: Session,
    rt,
    rule: Rule,
    incident: Incident | None = None,
    area_id: int | None = None,
    held: list[Incident] | None = None,
) -> Escalation:
    """Start an escalation under rule's policy (copied now: later edits change nothing)."""
    policy = rt.escalation.policies[rule.policy]
    now = utcnow()

    def make() -> Escalation:
        escalation = Escalation(
            reference="E" + random_code(5),
            kind="pattern" if held is not None else "incident",
            rule=rule.name,
            incident_id=incident.id if incident else None,
            area_id=incident.area_id if incident else area_id,
            pattern_count=len(held) if held is not None else None,
            policy=policy.snapshot(),
            state="active",
            next_due_at=now,
            ack_code=_free_ack_code(session),
            created_at=now,
        )
        session.add(escalation)
        session.flush()
        return escalation

    escalation = with_unique_retry(session, make)
    for item in held or []:
        session.add(EscalationIncident(escalation_id=escalation.id, incident_id=item.id))
    record(session, escalation, "started", rule=rule.name, policy=policy.name)
    work.requeue(session, STEP_STAGE, escalation.id, priority=PRIORITY_URGENT, due_at=now)
    log.info("escalation %s started by rule %s", escalation.reference, rule.name)
    return escalation


def _free_ack_code(session: Session) -> str:
    """Four digits no unfinished escalation uses (easy to type on any phone, in any script)."""
    for _ in range(50):
        code = f"{secrets.randbelow(9000) + 1000}"
        taken = session.scalar(
            select(Escalation.id).where(Escalation.ack_code == code, Escalation.state.not_in(OVER))
        )
        if taken is None:
            return code
    raise RuntimeError("no free acknowledgement code: too many unfinished escalations")


# -- the escalation stage (timers) -------------------------------------------------------------


def lock(session: Session, escalation_id: int) -> Escalation | None:
    return session.scalar(
        select(Escalation).where(Escalation.id == escalation_id).with_for_update()
    )


@transactional_stage(STEP_STAGE)
def run_timer(session: Session, job: Job) -> datetime | None:
    escalation = lock(session, job.subject_id)
    now = utcnow()
    if escalation is None or escalation.state in OVER or escalation.next_due_at is None:
        return None  # stale: nothing left to do
    if escalation.next_due_at > now:
        return escalation.next_due_at  # moved later meanwhile
    if escalation.state == "acknowledged":
        escalation.state = "active"
        record(session, escalation, "unacknowledged", reason="not resolved in time")
    advance(session, job.runtime, escalation, now)
    return escalation.next_due_at


def advance(session: Session, rt, escalation: Escalation, now: datetime) -> None:
    """Notify the next step's group and wait; after the last round, tell the final group."""
    policy = escalation.policy
    steps = policy["steps"]
    if escalation.step >= len(steps):
        if escalation.round + 1 < policy.get("repeat", 1):
            escalation.round += 1
            escalation.step = 0
            record(session, escalation, "repeated", round=escalation.round + 1)
        else:
            if policy.get("final"):
                notify(session, rt, escalation, policy["final"], len(steps), "unanswered")
            escalation.state, escalation.next_due_at = "unanswered", None
            record(session, escalation, "unanswered")
            return
    step = steps[escalation.step]
    sent = notify(session, rt, escalation, step["notify"], escalation.step, "full")
    escalation.step += 1
    # Nobody to wait for: go straight on to the next step.
    wait = timedelta(minutes=step["wait_minutes"]) if sent else timedelta(0)
    escalation.next_due_at = now + wait
    if sent:
        record(session, escalation, "waiting", until=escalation.next_due_at.isoformat())


def notify(session: Session, rt, escalation: Escalation, group_name: str, step: int, mode: str):
    """Queue the alert for every active group member covering the area; returns how many."""
    group = session.scalar(select(ContactGroup).where(ContactGroup.name == group_name))
    if group is None:
        record(session, escalation, "no_group", group=group_name)
        return 0
    sent, problems = 0, set()
    told = set(
        session.scalars(
            select(Notification.contact_id).where(
                Notification.escalation_id == escalation.id,
                Notification.round == escalation.round,
                Notification.step == step,
            )
        )
    )
    for contact in _recipients(session, group, escalation.area_id):
        if contact.id in told:  # e.g. the final group, told once already
            continue
        token = secrets.token_urlsafe(16)
        notification = Notification(
            escalation_id=escalation.id,
            contact_id=contact.id,
            round=escalation.round,
            step=step,
            group=group.name,
            link_hash=link_hash(token),
        )
        session.add(notification)
        session.flush()
        link = ack_link(rt, token)
        body, problem = wording.alert(
            session, rt, escalation, group.template, contact.language, mode, link
        )
        if problem and problem not in problems:
            problems.add(problem)
            record(session, escalation, "template_unusable", group=group.name, why=problem)
        # The first recipient goes before the others of every alert in the queue.
        priority = PRIORITY_ALERT_MORE if sent else PRIORITY_URGENT
        if (
            delivery.send_alert(session, rt, escalation, notification, body, 0, priority)
            is not None
        ):
            sent += 1
    if not sent:
        record(session, escalation, "nobody_notified", group=group.name)
    return sent


def _recipients(session: Session, group: ContactGroup, area_id: int | None) -> list[Contact]:
    members = list(
        session.scalars(
            select(Contact)
            .join(ContactGroupMember, ContactGroupMember.contact_id == Contact.id)
            .where(ContactGroupMember.group_id == group.id, Contact.active.is_(True))
            .order_by(Contact.id)
        )
    )
    covered = set(
        session.scalars(
            select(ContactArea.contact_id).where(
                ContactArea.area_id == area_id,
                ContactArea.contact_id.in_([member.id for member in members]),
            )
        )
    )
    return [member for member in members if member.national or member.id in covered]


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ack_link(rt, token: str) -> str | None:
    base = rt.settings.public_url
    return f"{base.rstrip('/')}/ack/{token}" if base else None


# -- acknowledge and resolve ------------------------------------------------------------------


def acknowledge(
    session: Session,
    escalation: Escalation,
    *,
    via: str,
    contact: Contact | None = None,
    user: str | None = None,
) -> bool:
    """Stop the steps; False if it was already acknowledged or is over."""
    if escalation.state in OVER or escalation.state == "acknowledged":
        return False
    now = utcnow()
    escalation.state = "acknowledged"
    escalation.acknowledged_at = now
    escalation.acknowledged_by_id = contact.id if contact else None
    escalation.acknowledged_by_user = user
    timeout = escalation.policy.get("ack_timeout_minutes")
    escalation.next_due_at = now + timedelta(minutes=timeout) if timeout else None
    if escalation.next_due_at is not None:
        work.requeue(
            session, STEP_STAGE, escalation.id, PRIORITY_URGENT, due_at=escalation.next_due_at
        )
    record(
        session,
        escalation,
        "acknowledged",
        via=via,
        by=contact.pseudonym if contact else user,
    )
    return True


def resolve(session: Session, escalation: Escalation, *, by: str, why: str | None = None) -> bool:
    if escalation.state in OVER:
        return False
    escalation.state, escalation.next_due_at = "resolved", None
    escalation.resolved_at = utcnow()
    record(session, escalation, "resolved", by=by, why=why)
    return True


def by_reference(session: Session, reference: str) -> Escalation | None:
    return session.scalar(
        select(Escalation)
        .where(Escalation.reference == reference.strip().upper())
        .with_for_update()
    )


def overdue_since(session: Session, now: datetime | None = None) -> datetime | None:
    """The oldest due time of an escalation step that has not run (stopped workers)."""
    now = now or utcnow()
    return session.scalar(
        select(Escalation.next_due_at)
        .where(Escalation.state.in_(("active", "acknowledged")), Escalation.next_due_at <= now)
        .order_by(Escalation.next_due_at)
        .limit(1)
    )
