"""Getting an alert to one recipient: their channels in order, until one delivers.

An alert goes out on the recipient's first usable channel: not an opted-out number, and
WhatsApp only inside the 24-hour window (or as the approved template). When that message fails
for good (an error code such as 21211, 21610 or 63016, an "undelivered" status) or is still not
delivered after delivery.alert_delivery_minutes, the alert check stage sends it on the next
channel, unless the escalation was acknowledged or resolved meanwhile. Every hand-over is on
the escalation's timeline.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.delivery.outbox import queue_message
from ewn.escalation.timeline import OVER, record
from ewn.models import (
    Contact,
    ContactChannel,
    Escalation,
    InboundMessage,
    Incident,
    Notification,
    OutboundMessage,
    utcnow,
)
from ewn.models.work import PRIORITY_URGENT
from ewn.store import monitors, work
from ewn.worker import Job, transactional_stage

log = logging.getLogger(__name__)
CHECK_STAGE = "alert_check"
DELIVERED = ("delivered", "read")
GONE = ("failed", "undelivered", "canceled", "suppressed")
WHATSAPP_WINDOW = timedelta(hours=24)


def send_alert(
    session: Session,
    rt,
    escalation: Escalation,
    notification: Notification,
    body: str,
    position: int = 0,
    priority: int = PRIORITY_URGENT,
) -> OutboundMessage | None:
    """Queue the alert on the first usable channel at or after position; None if none is."""
    contact = session.get(Contact, notification.contact_id)
    channels = session.scalars(
        select(ContactChannel)
        .where(ContactChannel.contact_id == contact.id, ContactChannel.position >= position)
        .order_by(ContactChannel.position)
    )
    for channel in channels:
        template = None
        if monitors.is_opted_out(session, channel.address_hash):
            skip = "opted_out"
        elif channel.channel == "whatsapp" and not _window_open(session, channel.address_hash):
            template = rt.settings.delivery.whatsapp_alert_template_sid or None
            skip = None if template else "whatsapp_window"
        else:
            skip = None
        if skip:
            record(
                session,
                escalation,
                "channel_skipped",
                contact=contact.pseudonym,
                channel=channel.channel,
                why=skip,
            )
            continue
        message = queue_message(
            session,
            rt.keyring,
            purpose="alert",
            channel=channel.channel,
            phone=rt.keyring.decrypt(channel.address_enc, "contact.address"),
            body=body,
            language=contact.language,
            priority=priority,
            dedup_key=(
                f"alert:{notification.escalation_id}:{notification.round}:{notification.step}"
                f":{contact.id}:{channel.position}"
            ),
        )
        if message is None:  # queued before (a retried step): nothing more to do
            return None
        if template:
            message.content_sid = template
            message.content_variables = {
                "1": alert_reference(session, escalation),
                "2": escalation.ack_code,
            }
        validity = rt.settings.delivery.alert_validity_seconds
        message.validity_seconds = validity if channel.channel != "email" and validity else None
        session.flush()
        notification.channel_position = channel.position
        notification.outbound_id = message.id
        wait = timedelta(minutes=rt.settings.delivery.alert_delivery_minutes)
        work.requeue(session, CHECK_STAGE, notification.id, PRIORITY_URGENT, utcnow() + wait)
        record(
            session,
            escalation,
            "notified",
            group=notification.group,
            contact=contact.pseudonym,
            channel=channel.channel,
            outbound=message.reference,
            template=bool(template),
        )
        return message
    record(session, escalation, "no_channel", contact=contact.pseudonym)
    return None


def _window_open(session: Session, address_hash: str) -> bool:
    """Whether the recipient wrote to us on WhatsApp in the last 24 hours."""
    recent = session.scalar(
        select(InboundMessage.id)
        .where(
            InboundMessage.sender_hash == address_hash,
            InboundMessage.channel == "whatsapp",
            InboundMessage.received_at > utcnow() - WHATSAPP_WINDOW,
        )
        .limit(1)
    )
    return recent is not None


def alert_reference(session: Session, escalation: Escalation) -> str:
    """What the alert calls itself: the incident's reference, or the pattern alert's own."""
    if escalation.incident_id is None:
        return escalation.reference
    return session.get(Incident, escalation.incident_id).reference


def on_status(session: Session, message: OutboundMessage) -> None:
    """The outbox learnt something about an alert: the provider took it, delivered it, or it
    failed. It goes on the timeline; a failure is looked at now (the next channel)."""
    notification = session.scalar(
        select(Notification).where(Notification.outbound_id == message.id)
    )
    if notification is None:
        return
    escalation = session.get(Escalation, notification.escalation_id)
    detail = {"contact": _pseudonym(session, notification), "channel": message.channel}
    if message.error_code:
        detail["error"] = message.error_code
    record(session, escalation, "delivery", status=message.status, **detail)
    if message.status in GONE:
        work.requeue(session, CHECK_STAGE, notification.id, PRIORITY_URGENT)


@transactional_stage(CHECK_STAGE)
def check_alert(session: Session, job: Job) -> datetime | None:
    notification = session.scalar(
        select(Notification).where(Notification.id == job.subject_id).with_for_update()
    )
    if notification is None or notification.outbound_id is None:
        return None
    escalation = session.get(Escalation, notification.escalation_id)
    if escalation.state in OVER or escalation.state == "acknowledged":
        return None
    message = session.get(OutboundMessage, notification.outbound_id)
    if arrived(message, job.runtime.settings):
        return None
    deadline = message.created_at + timedelta(
        minutes=job.runtime.settings.delivery.alert_delivery_minutes
    )
    if message.status not in GONE and utcnow() < deadline:
        return deadline  # still on its way: look again at the deadline
    why = f"{message.channel} {message.status}" + (
        f" (error {message.error_code})" if message.error_code else ""
    )
    if message.status not in GONE:
        why = f"{message.channel} not delivered in time ({message.status})"
    record(session, escalation, "fallback", contact=_pseudonym(session, notification), why=why)
    send_alert(
        session,
        job.runtime,
        escalation,
        notification,
        message.body,
        notification.channel_position + 1,
    )
    return None


def arrived(message: OutboundMessage, settings) -> bool:
    """Delivered, as far as anyone will ever tell: e-mail has no receipts (handed to the mail
    server is all we learn), nor SMS where carriers send none (delivery.sms_sent_is_final)."""
    if message.status in DELIVERED:
        return True
    final_sent = message.channel == "email" or (
        message.channel == "sms" and settings.delivery.sms_sent_is_final
    )
    return final_sent and message.status == "sent"


def _pseudonym(session: Session, notification: Notification) -> str:
    return session.get(Contact, notification.contact_id).pseudonym
