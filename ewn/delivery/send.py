"""The send stage: hand one outbox message to the transport and record what happened.

The provider call happens outside any transaction (it can take seconds; SQLite would be locked
meanwhile). Twilio takes no idempotency key, so a crash after Twilio accepted a message and
before the result is committed leaves the message "submitting"; the next attempt sends it again.
That window is one HTTP round trip plus one commit.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from ewn.channels.base import Outgoing, TransportError
from ewn.channels.twilio import OPTED_OUT
from ewn.delivery import rate
from ewn.delivery.outbox import SEND_STAGE
from ewn.delivery.status import advance, status_changed
from ewn.models import Monitor, OutboundMessage, utcnow
from ewn.store import monitors
from ewn.worker import Job, Retry, stage

log = logging.getLogger(__name__)
SENDABLE = ("pending", "submitting")


def _load(session, outbound_id: int) -> OutboundMessage | None:
    return session.scalar(
        select(OutboundMessage).where(OutboundMessage.id == outbound_id).with_for_update()
    )


def _suppression_reason(session, message: OutboundMessage) -> str | None:
    if monitors.is_opted_out(session, message.to_hash):
        return "opted out"
    if message.monitor_id is not None:
        monitor = session.get(Monitor, message.monitor_id)
        if monitor is not None and monitor.silent:
            return "monitor is silent"
    return None


@stage(SEND_STAGE)
def send_outbound(job: Job) -> None:
    rt = job.runtime
    with rt.db.session() as session:
        message = _load(session, job.subject_id)
        if message is None or message.status not in SENDABLE:
            job.complete(session)
            return
        reason = _suppression_reason(session, message)
        if reason:
            message.status, message.error_message = "suppressed", reason
            job.complete(session)
            log.info("outbound %s suppressed: %s", message.reference, reason)
            return
        again = rate.reserve(session, rt.settings, message)
        if again is not None:  # every sender is busy: wait for the first free one
            job.wait_until(session, again)
            return
        message.status = "submitting"
        pseudonym = None
        if message.monitor_id is not None:
            monitor = session.get(Monitor, message.monitor_id)
            pseudonym = monitor.pseudonym if monitor else None
        outgoing = Outgoing(
            reference=message.reference,
            channel=message.channel,
            to=_address(message.channel, rt.keyring.decrypt(message.to_enc, "outbound.to")),
            body=message.body,
            sender=message.sender,
            status_callback=rt.status_callback_url(message.reference),
            recipient_label=pseudonym or f"recipient {message.reference}",
            validity_seconds=message.validity_seconds,
            content_sid=message.content_sid,
            content_variables=message.content_variables,
        )
    try:
        result = rt.transport_for(outgoing.channel).send(outgoing)
    except TransportError as exc:
        _record_failure(job, exc)
        return
    with rt.db.session() as session:
        message = _load(session, job.subject_id)
        message.provider, message.provider_sid = result.provider, result.provider_sid
        message.sent_at = utcnow()
        message.error_code = message.error_message = None
        advance(message, "accepted")
        advance(message, result.status)
        status_changed(session, message)
        job.complete(session)
    log.info("sent outbound %s via %s", outgoing.reference, result.provider)


def _address(channel: str, phone: str) -> str:
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


def _record_failure(job: Job, error: TransportError) -> None:
    rt = job.runtime
    with rt.db.session() as session:
        message = _load(session, job.subject_id)
        message.error_code, message.error_message = error.code, str(error)[:500]
        if error.retryable and job.item.attempts < rt.settings.worker.max_attempts:
            message.status = "pending"
        else:
            message.status = "failed"
            if error.code == OPTED_OUT:
                monitors.opt_out(session, message.to_hash, None)
            status_changed(session, message)
            job.complete(session)
            log.warning("outbound %s failed for good: %s", message.reference, error)
            return
    # Outside the transaction above, so the outbox row keeps its error details.
    raise Retry(str(error))
