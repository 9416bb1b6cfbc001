"""The message stage: read one recorded message, find its monitor, act on keywords or make a report.

Runs in the worker, in one transaction with the completion of its work item, so it happens once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ewn.channels import twilio
from ewn.dedup.assembly import assemble
from ewn.delivery.outbox import queue_message
from ewn.escalation.replies import contact_reply
from ewn.geo.locate import LOCATE_STAGE, attach_answer
from ewn.ingest.keywords import Keyword
from ewn.meaning.stage import UNDERSTAND_STAGE, pipeline_priority
from ewn.models import InboundMessage, Monitor, MonitorIdentity
from ewn.phones import BadNumber, split_address, to_e164
from ewn.store import messages, monitors, reports, work
from ewn.store.messages import MESSAGE_STAGE
from ewn.worker import Job, transactional_stage

log = logging.getLogger(__name__)


@dataclass
class Sender:
    channel: str
    phone: str  # E.164, or the raw address when it is not a phone number (alphanumeric ids)
    hash: str
    identity: MonitorIdentity | None
    monitor: Monitor | None
    opted_out: bool
    profile_name: str | None = None


@transactional_stage(MESSAGE_STAGE)
def process_message(session: Session, job: Job) -> None:
    rt = job.runtime
    message = messages.get_for_update(session, job.subject_id)
    if message is None or message.status != "new":
        return
    params = twilio.parse_form(rt.keyring.decrypt_bytes(message.raw_enc, "message.raw"))
    inbound = twilio.parse_inbound(params)
    message.status = "processed"
    message.num_media = len(inbound.media)
    message.latitude, message.longitude = inbound.latitude, inbound.longitude
    message.location_address, message.location_label = inbound.address, inbound.label
    messages.add_media(session, message.id, inbound.media)
    if inbound.sender:
        sender = identify(session, rt, message, inbound.sender, inbound.profile_name)
    elif message.monitor_id is not None:
        # An imported paper form names its monitor, not a number: nothing can be sent back.
        monitor = monitors.get_monitor(session, message.monitor_id)
        sender = Sender(message.channel or "sms", "", "", None, monitor, opted_out=True)
    else:
        message.kind, message.note = "invalid", "no sender (From) in the request"
        return
    keyword = rt.keywords.match(message.body) if sender.phone else None
    if sender.phone and contact_reply(session, rt, message, sender, keyword):
        return
    if keyword and keyword.action != "ack":  # an ack from anyone else is an ordinary message
        act_on_keyword(session, rt, message, sender, keyword)
    else:
        make_report(session, rt, message, sender, inbound.latitude is not None, inbound.replied_to)


def identify(
    session: Session, rt, message: InboundMessage, address: str, profile_name: str | None
) -> Sender:
    channel, number = split_address(address)
    try:
        phone = to_e164(number, message.country or rt.settings.deployment.default_country)
    except BadNumber:
        phone = number  # a short code or alphanumeric sender: still one identity
    phone_hash = rt.keyring.lookup_hash(phone)
    message.channel, message.sender_hash = channel, phone_hash
    identity = monitors.find_identity(session, channel, phone_hash)
    monitor = None
    if identity is not None:
        monitor = monitors.get_monitor(session, identity.monitor_id)
        identity.last_seen_at = message.received_at
        if profile_name:
            identity.profile_name_enc = rt.keyring.encrypt(profile_name, "identity.profile_name")
        message.identity_id, message.monitor_id = identity.id, monitor.id
    opted_out = monitors.is_opted_out(session, phone_hash)
    return Sender(channel, phone, phone_hash, identity, monitor, opted_out, profile_name)


def attach_new_monitor(
    session: Session, rt, message: InboundMessage, sender: Sender, **fields
) -> None:
    """Create a monitor for an unknown sender, with this phone identity."""
    country = message.country or rt.settings.deployment.default_country
    sender.monitor = monitors.create_monitor(session, country=country, **fields)
    sender.identity = monitors.add_identity(
        session, rt.keyring, sender.monitor, sender.channel, sender.phone
    )
    if sender.profile_name:
        sender.identity.profile_name_enc = rt.keyring.encrypt(
            sender.profile_name, "identity.profile_name"
        )
    sender.identity.last_seen_at = message.received_at
    message.monitor_id, message.identity_id = sender.monitor.id, sender.identity.id


def reply(
    session: Session,
    rt,
    message: InboundMessage,
    sender: Sender,
    kind: str,
    language: str,
    extra: str = "",
    **values: str,
) -> None:
    """Answer the sender through the outbox, unless replying could harm or is unwanted."""
    if message.source == "import" or sender.opted_out:
        return
    if sender.monitor is not None and (
        sender.monitor.silent or sender.monitor.status == "suspended"
    ):
        return
    queue_message(
        session,
        rt.keyring,
        purpose=kind,
        channel=sender.channel,
        phone=sender.phone,
        body=(rt.replies.render(kind, language, **values) + extra).strip(),
        language=language,
        sender=message.to_address or None,
        monitor_id=sender.monitor.id if sender.monitor else None,
        report_id=message.report_id,
        in_reply_to_id=message.id,
        dedup_key=f"reply:{message.id}",
    )


def _language(rt, sender: Sender, keyword: Keyword | None = None) -> str:
    if sender.monitor is not None:
        return sender.monitor.language
    if keyword is not None:
        return keyword.language
    return rt.settings.deployment.default_language


def act_on_keyword(
    session: Session, rt, message: InboundMessage, sender: Sender, keyword: Keyword
) -> None:
    message.kind = keyword.action
    language = _language(rt, sender, keyword)
    if keyword.action == "stop":
        monitors.opt_out(session, sender.hash, message.id)
        sender.opted_out = True
    elif keyword.action == "start":
        monitors.opt_in(session, sender.hash)
        sender.opted_out = False
        reply(session, rt, message, sender, "start", language)
    elif keyword.action == "help":
        reply(
            session,
            rt,
            message,
            sender,
            "help",
            language,
            extra="\n" + rt.taxonomy.codes_help(language),
        )
    elif keyword.action == "checkin":
        if sender.monitor is not None:
            sender.monitor.last_checkin_at = max(
                sender.monitor.last_checkin_at or message.received_at, message.received_at
            )
        else:
            message.note = "check-in from an unknown sender"
    elif keyword.action == "join":
        enrol(session, rt, message, sender, keyword, language)


def enrol(
    session: Session, rt, message: InboundMessage, sender: Sender, keyword: Keyword, language: str
) -> None:
    """JOIN: enrol the sender as the enrolment policy allows."""
    policy = rt.settings.ingest.enrolment
    if sender.monitor is not None and sender.monitor.status == "active":
        message.note = "already enrolled"
        reply(
            session,
            rt,
            message,
            sender,
            "join_welcome",
            language,
            pseudonym=sender.monitor.pseudonym,
        )
        return
    if policy == "staff":
        message.note = "enrolment refused: only staff enrol monitors"
        reply(session, rt, message, sender, "join_staff", language)
        return
    invite = None
    if policy == "invite":
        invite = (
            monitors.use_invite(session, rt.keyring, keyword.argument)
            if (keyword.argument)
            else None
        )
        if invite is None:
            message.note = "enrolment refused: unknown, used or expired invite code"
            reply(session, rt, message, sender, "join_bad_code", language)
            return
        language = invite.language or language
    trust = invite.trust if invite else "low"
    via = "invite" if invite else "open"
    if sender.monitor is None:
        attach_new_monitor(
            session,
            rt,
            message,
            sender,
            language=language,
            enrolled_via=via,
            trust=trust,
            status="active",
            home_place=invite.home_place if invite else None,
        )
    else:  # an unverified monitor (created by an earlier report) completes enrolment
        sender.monitor.status, sender.monitor.trust = "active", trust
        sender.monitor.enrolled_via, sender.monitor.language = via, language
    message.note = f"enrolled ({via})"
    reply(
        session, rt, message, sender, "join_welcome", language, pseudonym=sender.monitor.pseudonym
    )


def make_report(
    session: Session,
    rt,
    message: InboundMessage,
    sender: Sender,
    has_location: bool,
    replied_to: str | None = None,
) -> None:
    if not message.body.strip() and not message.num_media and not has_location:
        message.kind, message.note = "empty", "no text, media or location"
        return
    if sender.monitor is not None and (
        attach_answer(session, message, sender.monitor, replied_to)
        or assemble(session, rt, message, sender.monitor.id)
    ):
        return
    if sender.monitor is None:
        if rt.settings.ingest.unknown_senders == "hold":
            message.kind, message.note = "held", "unknown sender: held for staff review"
            return
        attach_new_monitor(
            session,
            rt,
            message,
            sender,
            language=rt.settings.deployment.default_language,
            enrolled_via="unknown_sender",
            trust="low",
            status="unverified",
        )
    monitor = sender.monitor
    trusted = monitor.status == "active"
    report = reports.create_report(
        session,
        monitor_id=monitor.id,
        channel=sender.channel,
        origin="import" if message.source == "import" else "live",
        text=message.body,
        language=monitor.language,
        trust=monitor.trust if trusted else "low",
        country=message.country,
        timezone=message.timezone,
        received_at=message.received_at,
        event_start=message.received_at,
        event_end=message.received_at,
        event_time_source="received",
        latitude=message.latitude,
        longitude=message.longitude,
        location_source="whatsapp" if has_location else None,
        location_label=message.location_label or message.location_address,
    )
    message.kind, message.report_id = "report", report.id
    # A report that reads as severe goes through every stage ahead of the others.
    urgency = pipeline_priority(report.text, rt.taxonomy)
    work.enqueue(session, LOCATE_STAGE, report.id, priority=urgency)
    work.enqueue(session, UNDERSTAND_STAGE, report.id, priority=urgency)
    monitor.last_report_at = max(monitor.last_report_at or message.received_at, message.received_at)
    log.info("message %s became report %s", message.id, report.reference)
    reply(session, rt, message, sender, "ack", monitor.language, reference=report.reference)
