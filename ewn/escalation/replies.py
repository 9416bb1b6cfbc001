"""Messages from alert recipients: acknowledgements by SMS or WhatsApp.

A recipient acknowledges with the ack keyword in any language ("ACK", "POKEA", "REÇU",
"استلمت"), followed or not by the alert's four-digit code, or with the code alone (Arabic-Indic
digits too). Without a code it acknowledges the latest alert sent to them. Anything else they
send is kept and shown on their latest alert's timeline; a recipient who is also a monitor is
then treated as a monitor.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.delivery.outbox import queue_message
from ewn.escalation import engine
from ewn.escalation.delivery import alert_reference
from ewn.escalation.messages import confirmation
from ewn.ingest.keywords import Keyword
from ewn.models import (
    Contact,
    ContactChannel,
    Escalation,
    InboundMessage,
    Notification,
)
from ewn.text import ascii_digits, fold

CODE = re.compile(r"\d{4}")


def contact_reply(
    session: Session, rt, message: InboundMessage, sender, keyword: Keyword | None
) -> bool:
    """Handle a message from an alert recipient; False if not one (or a monitor's report)."""
    contacts = list(
        session.scalars(
            select(Contact)
            .join(ContactChannel, ContactChannel.contact_id == Contact.id)
            .where(ContactChannel.address_hash == sender.hash)
            .distinct()
        )
    )
    if not contacts:
        return False
    if keyword is not None and keyword.action != "ack":
        return False  # STOP, START, HELP...: as from anyone
    code = None
    if keyword is not None:
        code = keyword.argument
    elif CODE.fullmatch(ascii_digits(fold(message.body)).replace(" ", "")):
        code = ascii_digits(fold(message.body)).replace(" ", "")
    if code is None:
        if sender.monitor is not None:
            return False
        latest = _latest(session, contacts, None)
        message.kind, message.note = "contact", "from an alert recipient, not an acknowledgement"
        if latest is not None:
            engine.record(
                session, latest[0], "contact_reply", contact=latest[1].pseudonym, inbound=message.id
            )
        return True
    message.kind = "ack"
    found = _latest(session, contacts, code or None)
    if found is None:
        message.note = "no unfinished alert for this recipient" + (
            f" with code {code}" if code else ""
        )
        _confirm(session, rt, message, sender, contacts[0], "unknown", code=code or "-")
        return True
    escalation, contact = found
    acknowledged = engine.acknowledge(session, escalation, via=sender.channel, contact=contact)
    message.note = (
        f"acknowledged {escalation.reference}" if acknowledged else "already acknowledged"
    )
    _confirm(
        session,
        rt,
        message,
        sender,
        contact,
        "acknowledged" if acknowledged else "already",
        reference=alert_reference(session, escalation),
    )
    return True


def _latest(session: Session, contacts: list[Contact], code: str | None):
    """The latest unfinished escalation notified to one of these contacts (with code, if given)."""
    ids = {contact.id: contact for contact in contacts}
    query = (
        select(Escalation, Notification.contact_id)
        .join(Notification, Notification.escalation_id == Escalation.id)
        .where(Notification.contact_id.in_(ids), Escalation.state.not_in(engine.OVER))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(1)
    )
    if code:
        query = query.where(Escalation.ack_code == code)
    row = session.execute(query).first()
    if row is None:
        return None
    escalation = engine.lock(session, row[0].id)
    return escalation, ids[row[1]]


def _confirm(session: Session, rt, message, sender, contact: Contact, kind: str, **values) -> None:
    if sender.opted_out:
        return
    queue_message(
        session,
        rt.keyring,
        purpose="ack_reply",
        channel=sender.channel,
        phone=sender.phone,
        body=confirmation(kind, contact.language, **values),
        language=contact.language,
        sender=message.to_address or None,
        in_reply_to_id=message.id,
        dedup_key=f"reply:{message.id}",
    )
