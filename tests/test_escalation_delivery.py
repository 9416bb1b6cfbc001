"""Alerts that get through: the recipient's channels in order, permanent errors, undelivered
status callbacks (in any order), delivery deadlines, the WhatsApp 24-hour window and templates,
ValidityPeriod, e-mail over a real local SMTP server, and send rates shared by workers."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from ewn.escalation import contacts as contact_store
from ewn.escalation import delivery
from ewn.models import (
    Escalation,
    Notification,
    OutboundMessage,
    SenderClock,
    WorkItem,
    utcnow,
)
from ewn.triage import actions
from tests.builders import make_user, report_incident, send
from tests.conftest import drain, load_fixture, post_signed
from tests.fakes.twilio_api import Failure

# overrides: the same test policies and WhatsApp sender as the escalation tests.
from tests.test_escalation import overrides, sent_to, timeline  # noqa: F401

PHONE = "+254722000011"


def add_contact(rt, channels: str, language: str = "en") -> None:
    csv = "name,channels,language,areas,national,groups\n"
    csv += f"Mediator,{channels},{language},Nakuru,no,County mediators\n"
    with rt.db.session() as session:
        result = contact_store.import_csv(session, rt, csv)
    assert result.errors == []


def escalate(app, rt, fake=None, *failures: Failure) -> Escalation:
    """Staff escalate an incident; the provider then answers the alerts with failures."""
    incident = report_incident(app, rt, "Houses burned in Nakuru town last night")
    if failures:
        fake.fail_next(*failures)
    make_user(rt, "tri", "triage")
    with rt.db.session() as session:
        from ewn.models import Incident, StaffUser

        user = session.scalar(select(StaffUser).where(StaffUser.username == "tri"))
        actions.escalate(session, rt, session.get(Incident, incident.id), user, None)
    drain(rt)
    with rt.db.reading() as session:
        escalation = session.scalar(select(Escalation))
        session.expunge(escalation)
        return escalation


def alerts(rt) -> list[OutboundMessage]:
    with rt.db.reading() as session:
        found = list(
            session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.purpose == "alert")
                .order_by(OutboundMessage.id)
            )
        )
        for message in found:
            session.expunge(message)
        return found


def deadline_passes(rt) -> None:
    """The delivery deadline of every alert in flight is reached."""
    past = utcnow() - timedelta(minutes=30)
    with rt.db.session() as session:
        session.execute(update(OutboundMessage).values(created_at=past))
        session.execute(
            update(WorkItem)
            .where(WorkItem.stage == delivery.CHECK_STAGE)
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
    drain(rt)


def callback(client, reference: str, fixture: str, **extra):
    params = dict(load_fixture(fixture), **extra)
    return post_signed(client, f"/webhooks/twilio/status?ref={reference}", params)


# -- fallback ----------------------------------------------------------------------------------


def test_permanent_error_falls_back_to_the_next_channel(app, rt, fake_twilio):
    add_contact(rt, f"{PHONE};whatsapp:{PHONE}")
    send(app.test_client(), "hello from whatsapp", "whatsapp:" + PHONE)  # opens the window
    drain(rt)
    before = len(fake_twilio.sent)
    escalation = escalate(app, rt, fake_twilio, Failure(400, 21612, "cannot route"))
    sms, whatsapp = alerts(rt)
    assert (sms.channel, sms.status, sms.error_code) == ("sms", "failed", "21612")
    assert whatsapp.channel == "whatsapp" and whatsapp.body == sms.body
    assert [m["to"] for m in fake_twilio.sent[before:] if PHONE in m["to"]] == ["whatsapp:" + PHONE]
    assert "fallback" in timeline(rt, escalation.id)


def test_undelivered_callback_falls_back_even_after_a_late_sent(app, rt, fake_twilio):
    add_contact(rt, f"{PHONE};email:mediator@example.org")
    escalate(app, rt)
    [sms] = alerts(rt)
    client = app.test_client()
    assert callback(client, sms.reference, "status__undelivered").status_code == 200
    assert callback(client, sms.reference, "status__sent").status_code == 200  # out of order
    drain(rt)
    first, second = alerts(rt)
    assert first.status == "undelivered" and second.channel == "email"


def test_delivered_alert_does_not_fall_back(app, rt, fake_twilio):
    add_contact(rt, f"{PHONE};email:mediator@example.org")
    escalate(app, rt)
    [sms] = alerts(rt)
    callback(app.test_client(), sms.reference, "status__delivered")
    deadline_passes(rt)
    assert len(alerts(rt)) == 1


def test_not_delivered_by_the_deadline_falls_back(app, rt, fake_twilio):
    add_contact(rt, f"{PHONE};email:mediator@example.org")
    escalation = escalate(app, rt)
    deadline_passes(rt)
    first, second = alerts(rt)
    assert first.status in ("queued", "accepted") and second.channel == "email"
    assert "fallback" in timeline(rt, escalation.id)


def test_acknowledged_alert_does_not_fall_back(app, rt, fake_twilio):
    add_contact(rt, f"{PHONE};email:mediator@example.org")
    escalation = escalate(app, rt)
    send(app.test_client(), f"ACK {escalation.ack_code}", PHONE)
    drain(rt)
    deadline_passes(rt)
    assert len(alerts(rt)) == 1


def test_no_channel_left_is_on_the_timeline(app, rt, fake_twilio):
    add_contact(rt, PHONE)
    escalation = escalate(app, rt, fake_twilio, Failure(400, 21211, "invalid number"))
    events = timeline(rt, escalation.id)
    assert events[-2:] == ["fallback", "no_channel"]


# -- WhatsApp window, templates, ValidityPeriod ------------------------------------------------


def test_outside_the_window_whatsapp_sends_the_template(app, rt, fake_twilio):
    rt.settings.delivery.whatsapp_alert_template_sid = "HX" + "0" * 32
    add_contact(rt, f"whatsapp:{PHONE};{PHONE}")
    escalation = escalate(app, rt)
    [whatsapp] = alerts(rt)
    [request] = [m for m in fake_twilio.sent if m["to"] == "whatsapp:" + PHONE]
    form = request["form"]
    assert form["ContentSid"] == "HX" + "0" * 32 and "Body" not in form
    assert escalation.ack_code in form["ContentVariables"]
    assert whatsapp.content_variables["2"] == escalation.ack_code


def test_validity_period_is_set_on_alerts_only(app, rt, fake_twilio):
    add_contact(rt, PHONE)
    escalate(app, rt)
    forms = {m["to"]: m["form"] for m in fake_twilio.sent}
    assert forms[PHONE]["ValidityPeriod"] == str(rt.settings.delivery.alert_validity_seconds)
    monitor_replies = [form for to, form in forms.items() if to != PHONE]
    assert monitor_replies and all("ValidityPeriod" not in form for form in monitor_replies)


# -- e-mail ------------------------------------------------------------------------------------


def configure_smtp(rt, port: int) -> None:
    smtp = rt.settings.smtp
    smtp.host, smtp.port, smtp.security = "127.0.0.1", port, "none"
    smtp.from_address, smtp.timeout_seconds = "ewn@example.org", 2


class Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_alert_by_email_over_smtp(app, rt, fake_twilio, smtp_server):
    inbox, port = smtp_server
    configure_smtp(rt, port)
    add_contact(rt, "email:mediator@example.org")
    escalation = escalate(app, rt)
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["mediator@example.org"]
    assert escalation.ack_code in envelope.content.decode()
    [message] = alerts(rt)
    assert message.status == "sent" and message.provider == "smtp"
    deadline_passes(rt)  # no receipts come for e-mail: "sent" is final, nothing falls back
    assert len(alerts(rt)) == 1


def test_smtp_server_down_is_retried_then_fails_over(app, rt, fake_twilio):
    configure_smtp(rt, 1)  # nothing listens there
    add_contact(rt, f"email:mediator@example.org;{PHONE}")
    rt.settings.worker.max_attempts = 2
    escalation = escalate(app, rt)
    mail, sms = alerts(rt)
    assert mail.status == "failed" and "unreachable" in (mail.error_message or "")
    assert sms.channel == "sms" and "fallback" in timeline(rt, escalation.id)


# -- rate limits -------------------------------------------------------------------------------


def test_pool_senders_share_the_load_and_never_exceed_their_rate(app, rt, fake_twilio):
    rt.settings.delivery.senders = [
        {"address": "+15005550101", "channel": "sms", "segments_per_second": 4},
        {"address": "+15005550102", "channel": "sms", "segments_per_second": 4},
    ]
    from ewn.delivery.outbox import queue_message

    with rt.db.session() as session:
        for index in range(24):
            queue_message(
                session,
                rt.keyring,
                purpose="test",
                channel="sms",
                phone=f"+2547220001{index:02d}",
                body="one segment",
            )
    workers = [threading.Thread(target=drain, args=(rt,)) for _ in range(3)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    received = [(m["received_at"], m["from"]) for m in fake_twilio.sent]
    senders = {sender for _, sender in received}
    assert senders == {"+15005550101", "+15005550102"} and len(received) == 24
    for sender in senders:
        times = sorted(t for t, s in received if s == sender)
        # Never more than 4 segments in any one second, from each sender (one of slack for
        # the time between reserving a slot and the request reaching the provider).
        busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
        assert busiest <= 4 + 1, busiest
    assert elapsed >= 24 / 8 - 1  # 8 segments a second in all: about three seconds
    with rt.db.reading() as session:
        assert len(session.scalars(select(SenderClock)).all()) == 2


def test_a_two_segment_message_takes_two_slots(app, rt):
    from ewn.delivery import rate
    from ewn.delivery.outbox import queue_message

    rt.settings.delivery.segments_per_second = 1
    with rt.db.session() as session:
        long = queue_message(
            session, rt.keyring, purpose="test", channel="sms", phone=PHONE, body="x" * 200
        )
        assert rate.reserve(session, rt.settings, long) is None
        clock = session.scalar(select(SenderClock.next_free_at))
        assert timedelta(seconds=1.9) < clock - utcnow() <= timedelta(seconds=2)
        short = queue_message(
            session, rt.keyring, purpose="test", channel="sms", phone=PHONE, body="x"
        )
        assert rate.reserve(session, rt.settings, short) is not None  # busy: try later


def test_rate_waits_do_not_use_up_attempts(app, rt, fake_twilio):
    rt.settings.delivery.segments_per_second = 2
    rt.settings.worker.max_attempts = 2
    from ewn.delivery.outbox import queue_message

    with rt.db.session() as session:
        for index in range(8):
            queue_message(
                session,
                rt.keyring,
                purpose="test",
                channel="sms",
                phone=f"+2547220002{index:02d}",
                body="hello",
            )
    drain(rt)
    with rt.db.reading() as session:
        statuses = session.scalars(select(OutboundMessage.status)).all()
        failed = session.scalars(select(WorkItem).where(WorkItem.status == "failed")).all()
    assert set(statuses) <= {"queued", "accepted"} and len(statuses) == 8 and failed == []


def test_429_is_retried(app, rt, fake_twilio):
    add_contact(rt, PHONE)
    escalate(app, rt, fake_twilio, Failure(429, 20429, "Too Many Requests"))
    [alert] = alerts(rt)
    assert alert.status in ("queued", "accepted") and sent_to(fake_twilio, PHONE)


def test_notification_rows_point_at_the_message_in_flight(app, rt, fake_twilio):
    add_contact(rt, f"{PHONE};email:mediator@example.org")
    escalate(app, rt, fake_twilio, Failure(400, 21612, "cannot route"))
    with rt.db.reading() as session:
        [notification] = session.scalars(select(Notification)).all()
        message = session.get(OutboundMessage, notification.outbound_id)
        assert notification.channel_position == 1 and message.channel == "email"


def test_delivery_statuses_are_on_the_timeline(app, rt, fake_twilio):
    add_contact(rt, PHONE)
    escalation = escalate(app, rt)
    [sms] = alerts(rt)
    callback(app.test_client(), sms.reference, "status__delivered")
    from ewn.models import EscalationEvent

    with rt.db.reading() as session:
        statuses = [
            event.detail["status"]
            for event in session.scalars(
                select(EscalationEvent)
                .where(EscalationEvent.escalation_id == escalation.id)
                .order_by(EscalationEvent.id)
            )
            if event.kind == "delivery"
        ]
    assert statuses[0] in ("queued", "accepted") and statuses[-1] == "delivered"


def test_sms_sent_can_count_as_delivered_where_carriers_send_no_receipts(app, rt, fake_twilio):
    rt.settings.delivery.sms_sent_is_final = True
    add_contact(rt, f"{PHONE};email:mediator@example.org")
    escalate(app, rt)
    [sms] = alerts(rt)
    callback(app.test_client(), sms.reference, "status__sent")
    deadline_passes(rt)
    assert len(alerts(rt)) == 1
