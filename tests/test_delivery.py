"""The outbox against the fake Twilio REST API, and status callbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ewn.delivery.outbox import queue_message
from ewn.models import DeliveryEvent, OptOut, OutboundMessage, WorkItem
from tests.conftest import load_fixture, post_signed
from tests.fakes.twilio_api import Failure

STATUS = "/webhooks/twilio/status"


def queue(rt, phone="+254712345678", channel="sms", **kwargs) -> OutboundMessage:
    with rt.db.session() as session:
        return queue_message(
            session,
            rt.keyring,
            purpose="test",
            channel=channel,
            phone=phone,
            body="Ujumbe wa majaribio",
            **kwargs,
        )


def outbound(rt, reference: str) -> OutboundMessage:
    with rt.db.session() as session:
        return session.scalar(select(OutboundMessage).where(OutboundMessage.reference == reference))


def work_item(rt, outbound_id: int) -> WorkItem:
    with rt.db.session() as session:
        return session.scalar(
            select(WorkItem).where(WorkItem.stage == "send", WorkItem.subject_id == outbound_id)
        )


def test_send_uses_twilio_client_with_status_callback(rt, run_worker, fake_twilio):
    message = queue(rt)
    run_worker()
    [sent] = fake_twilio.sent
    assert sent["to"] == "+254712345678" and sent["body"] == "Ujumbe wa majaribio"
    assert sent["from"] == "+15005550006"
    assert sent["status_callback"].endswith(f"/webhooks/twilio/status?ref={message.reference}")
    stored = outbound(rt, message.reference)
    assert stored.status == "accepted" and stored.provider_sid == sent["sid"]
    assert work_item(rt, message.id).status == "done"


def test_messaging_service_is_used_when_configured(overrides, fake_twilio):
    from ewn import create_app
    from tests.conftest import drain

    app = create_app(dict(overrides, **{"twilio.messaging_service_sid": "MG" + "1" * 32}))
    with app.app_context():
        rt = app.extensions["ewn"]
        queue(rt)
        drain(rt)
    [sent] = fake_twilio.sent
    assert sent["form"]["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in sent["form"]


@pytest.mark.parametrize(
    "failure",
    [
        Failure(500, 20500, "Internal Server Error"),
        Failure(503, None, "Service Unavailable"),
        Failure(429, 20429, "Too Many Requests"),
        Failure(201, None, "slow", delay=3.0),  # longer than the client's 2 s timeout
    ],
)
def test_retryable_failures_are_retried_until_sent(rt, run_worker, fake_twilio, failure):
    message = queue(rt)
    fake_twilio.fail_next(failure, failure)
    run_worker()
    stored = outbound(rt, message.reference)
    assert stored.status == "accepted"
    assert len(fake_twilio.sent) == 1
    assert work_item(rt, message.id).attempts == 3


@pytest.mark.parametrize(("code", "opted_out"), [(21211, False), (21610, True), (21614, False)])
def test_permanent_errors_are_recorded_not_retried(rt, run_worker, fake_twilio, code, opted_out):
    message = queue(rt)
    fake_twilio.fail_next(Failure(400, code, "refused"))
    run_worker()
    stored = outbound(rt, message.reference)
    assert (stored.status, stored.error_code) == ("failed", str(code))
    assert work_item(rt, message.id).attempts == 1 and fake_twilio.sent == []
    with rt.db.session() as session:
        assert (session.scalar(select(OptOut)) is not None) is opted_out


def test_retries_give_up_after_max_attempts(overrides, fake_twilio):
    from ewn import create_app
    from tests.conftest import drain

    app = create_app(dict(overrides, **{"worker.max_attempts": 3}))
    with app.app_context():
        rt = app.extensions["ewn"]
        message = queue(rt)
        fake_twilio.fail_next(*[Failure(500, 20500)] * 5)
        drain(rt)
        stored = outbound(rt, message.reference)
        assert (stored.status, stored.error_code) == ("failed", "20500")
        assert work_item(rt, message.id).status == "done"


def test_dedup_key_queues_once(rt):
    first = queue(rt, dedup_key="ack:report:1")
    assert first is not None
    assert queue(rt, dedup_key="ack:report:1") is None


def test_console_transport_prints_pseudonym_not_number(overrides, capsys):
    from ewn import create_app
    from ewn.registry import NewIdentity, add
    from tests.conftest import drain

    settings = {k: v for k, v in overrides.items() if not k.startswith("twilio.")}
    app = create_app(settings)
    with app.app_context():
        rt = app.extensions["ewn"]
        with rt.db.session() as session:
            monitor = add(session, rt, NewIdentity("+254712345678"))
        queue(rt, monitor_id=monitor.id)
        drain(rt)
        out = capsys.readouterr().out
        assert f"[sms → {monitor.pseudonym}] Ujumbe wa majaribio" in out
        assert "254712345678" not in out


# ---------------------------------------------------------------------------- status callbacks


def callback(client, reference: str, fixture: str, **extra):
    params = dict(load_fixture(fixture), **extra)
    return post_signed(client, f"{STATUS}?ref={reference}", params)


def test_status_callbacks_move_forward_only(client, rt, run_worker, fake_twilio):
    message = queue(rt)
    run_worker()
    assert callback(client, message.reference, "status__delivered").status_code == 200
    # Late and repeated callbacks change nothing.
    assert callback(client, message.reference, "status__sent").status_code == 200
    assert callback(client, message.reference, "status__delivered").status_code == 200
    assert callback(client, message.reference, "status__undelivered").status_code == 200
    stored = outbound(rt, message.reference)
    assert stored.status == "delivered" and stored.error_code is None
    with rt.db.session() as session:
        events = session.scalars(select(DeliveryEvent).order_by(DeliveryEvent.id)).all()
    assert [(e.status, e.applied) for e in events] == [
        ("delivered", True),
        ("sent", False),
        ("delivered", False),
        ("undelivered", False),
    ]


def test_status_callback_before_send_result_is_committed(client, rt, run_worker, fake_twilio):
    message = queue(rt)
    # Twilio can call back before our worker has recorded the API answer.
    callback(client, message.reference, "status__sent")
    run_worker()
    assert outbound(rt, message.reference).status == "sent"


def test_undelivered_keeps_error_code_and_whatsapp_read(client, rt, run_worker):
    first, second = queue(rt), queue(rt, "+254722000111", "whatsapp")
    run_worker()
    callback(client, first.reference, "status__undelivered")
    callback(client, second.reference, "status__whatsapp_read")
    assert (outbound(rt, first.reference).status, outbound(rt, first.reference).error_code) == (
        "undelivered",
        "30003",
    )
    assert outbound(rt, second.reference).status == "read"


def test_status_callback_needs_a_valid_signature(client, rt, run_worker):
    message = queue(rt)
    run_worker()
    params = load_fixture("status__delivered")
    response = client.post(
        f"{STATUS}?ref={message.reference}", data=params, headers={"X-Twilio-Signature": "forged"}
    )
    assert response.status_code == 403
    # The reference is part of the signed URL: moving a signature to another ref fails.
    other = queue(rt)
    from tests.conftest import PUBLIC_URL, sign

    signature = sign(f"{PUBLIC_URL}{STATUS}?ref={message.reference}", params)
    response = client.post(
        f"{STATUS}?ref={other.reference}", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert outbound(rt, message.reference).status == "accepted"


@pytest.mark.parametrize("reference", ["", "unknown", "o' OR 1=1 --"])
def test_status_callback_for_unknown_message_is_answered(client, rt, reference):
    assert callback(client, reference, "status__delivered").status_code == 200


def test_status_callback_with_unknown_status_is_ignored(client, rt, run_worker):
    message = queue(rt)
    run_worker()
    response = callback(
        client,
        message.reference,
        "status__delivered",
        MessageStatus="teleported",
        SmsStatus="teleported",
    )
    assert response.status_code == 200
    assert outbound(rt, message.reference).status == "accepted"


def test_status_callback_spooled_when_database_down(client, rt, run_worker, monkeypatch):
    from ewn.delivery import status

    message = queue(rt)
    run_worker()
    monkeypatch.setattr(status, "apply_callback", lambda *a: 1 / 0)
    assert callback(client, message.reference, "status__delivered").status_code == 200
    assert rt.spool.count() == 1
    monkeypatch.undo()
    run_worker()
    assert rt.spool.count() == 0
    assert outbound(rt, message.reference).status == "delivered"
