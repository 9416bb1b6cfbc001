"""The message stage: monitors, keywords, reports, replies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ewn.models import (
    InboundMedia,
    InboundMessage,
    Monitor,
    MonitorIdentity,
    OptOut,
    OutboundMessage,
    Report,
)
from ewn.registry import NewIdentity, add
from tests.conftest import load_fixture, post_signed

PATH = "/webhooks/twilio/messages"


def send(client, body: str | None = None, fixture: str = "inbound__sms", **extra) -> dict:
    params = dict(load_fixture(fixture), **extra)
    if body is not None:
        params["Body"] = body
    if "MessageSid" in extra or body is not None:
        import secrets

        params.setdefault("MessageSid", params["MessageSid"])
        if "MessageSid" not in extra:
            params["MessageSid"] = "SM" + secrets.token_hex(16)
    assert post_signed(client, PATH, params).status_code == 200
    return params


def rows(rt, model):
    with rt.db.session() as session:
        key = model.id if hasattr(model, "id") else model.opted_out_at
        return list(session.scalars(select(model).order_by(key)))


def enrol(rt, phone="+254712345678", channel="sms", **fields) -> Monitor:
    with rt.db.session() as session:
        return add(session, rt, NewIdentity(phone, channel, **fields))


def test_report_from_known_monitor_gets_reference_and_ack_in_their_language(
    client, rt, run_worker, fake_twilio
):
    monitor = enrol(rt, language="sw")
    params = send(client)
    run_worker()
    [report] = rows(rt, Report)
    assert report.monitor_id == monitor.id
    assert report.text == params["Body"]
    assert report.trust == "normal" and report.origin == "live"
    # "usiku wa jana": last night, local time, before the report arrived.
    assert report.event_time_source == "text" and report.event_time_phrase == "usiku wa jana"
    assert report.event_start < report.event_end <= report.received_at
    assert {"PROPERTY_DESTRUCTION", "ARMED_ATTACK"} <= set(report.categories)
    assert report.country == "KE" and report.timezone == "Africa/Nairobi"
    [sent] = fake_twilio.sent
    assert sent["to"] == "+254712345678"
    assert sent["from"] == "+15005550006"
    assert report.reference in sent["body"]
    assert sent["body"].startswith("Tumepokea")
    [outbound] = rows(rt, OutboundMessage)
    assert outbound.status == "accepted" and outbound.provider_sid == sent["sid"]
    assert sent["status_callback"] == (
        f"https://ewn.example.org/webhooks/twilio/status?ref={outbound.reference}"
    )


def test_unknown_sender_report_is_kept_unverified_with_low_trust(client, rt, run_worker):
    send(client)
    run_worker()
    [monitor] = rows(rt, Monitor)
    assert (monitor.status, monitor.trust, monitor.enrolled_via) == (
        "unverified",
        "low",
        "unknown_sender",
    )
    assert monitor.pseudonym.startswith("KE-") and len(monitor.pseudonym) == 7
    [report] = rows(rt, Report)
    assert report.trust == "low" and report.monitor_id == monitor.id
    [identity] = rows(rt, MonitorIdentity)
    assert "254712345678" not in identity.phone_enc
    assert rt.keyring.decrypt(identity.phone_enc, "identity.phone") == "+254712345678"


def test_unknown_sender_held_when_policy_says_hold(overrides, fake_twilio):
    from ewn import create_app
    from tests.conftest import drain

    app = create_app(dict(overrides, **{"ingest.unknown_senders": "hold"}))
    with app.app_context():
        rt = app.extensions["ewn"]
        send(app.test_client())
        drain(rt)
        [message] = rows(rt, InboundMessage)
        assert message.kind == "held"
        assert rows(rt, Report) == [] and fake_twilio.sent == []


def test_whatsapp_location_share_sets_report_coordinates(client, rt, run_worker, fake_twilio):
    send(client, fixture="inbound__whatsapp_location")
    run_worker()
    [report] = rows(rt, Report)
    assert (report.latitude, report.longitude) == (0.2170, 35.4331)
    assert report.location_source == "whatsapp"
    assert report.location_label == "Burnt Forest market"
    assert report.channel == "whatsapp"
    [sent] = fake_twilio.sent
    assert sent["to"] == "whatsapp:+254733000222"
    assert sent["from"] == "whatsapp:+14155238886"


def test_whatsapp_media_is_kept_with_the_report(client, rt, run_worker):
    send(client, fixture="inbound__whatsapp_media")
    run_worker()
    media = rows(rt, InboundMedia)
    assert [m.content_type for m in media] == ["image/jpeg", "image/jpeg"]
    assert media[0].url.endswith("ME0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    [report] = rows(rt, Report)
    assert report.text == ""


def test_profile_name_of_known_whatsapp_monitor_is_stored_encrypted(client, rt, run_worker):
    enrol(rt, "+254722000111", "whatsapp")
    send(client, fixture="inbound__whatsapp_text")
    run_worker()
    [identity] = rows(rt, MonitorIdentity)
    assert rt.keyring.decrypt(identity.profile_name_enc, "identity.profile_name") == "Wanjiku M"


def test_sms_and_whatsapp_identities_of_one_monitor(client, rt, run_worker):
    monitor = enrol(rt, "+254722000111", "sms")
    with rt.db.session() as session:
        add(session, rt, NewIdentity("+254722000111", "whatsapp"), session.get(Monitor, monitor.id))
    send(client, fixture="inbound__whatsapp_text")
    send(client, "Sms too", From="+254722000111")
    run_worker()
    assert {r.monitor_id for r in rows(rt, Report)} == {monitor.id}
    assert len(rows(rt, Monitor)) == 1


@pytest.mark.parametrize("word", ["STOP", " stop ", "Stop!", "SIMAMA", "arrêt", "توقف"])
def test_stop_opts_out_and_nothing_is_ever_sent(client, rt, run_worker, fake_twilio, word):
    enrol(rt)
    send(client, word)
    run_worker()
    [message] = rows(rt, InboundMessage)
    assert message.kind == "stop"
    assert len(rows(rt, OptOut)) == 1
    send(client, "Polisi wamewakamata vijana watano")
    run_worker()
    assert len(rows(rt, Report)) == 1
    assert fake_twilio.sent == []
    assert rows(rt, OutboundMessage) == []


def test_start_after_stop_resumes_replies(client, rt, run_worker, fake_twilio):
    enrol(rt, language="fr")
    send(client, "ARRET")
    send(client, "REPRENDRE")
    run_worker()
    assert rows(rt, OptOut) == []
    [sent] = fake_twilio.sent
    assert sent["body"].startswith("Vous recevrez")


def test_stop_between_queueing_and_sending_suppresses_the_send(client, rt, run_worker, fake_twilio):
    from ewn.store import monitors

    enrol(rt)
    send(client, "Moto umewashwa sokoni")
    # Process the message but not the send, then the monitor opts out.
    from ewn.store import work
    from ewn.worker import STAGES, Worker

    worker = Worker(rt, "w")
    with rt.db.session() as session:
        [item] = work.claim(session, "w", 1, 60, 8)
    worker.run_item(item)
    with rt.db.session() as session:
        monitors.opt_out(session, rt.keyring.lookup_hash("+254712345678"), None)
    run_worker()
    assert fake_twilio.sent == []
    [outbound] = rows(rt, OutboundMessage)
    assert (outbound.status, outbound.error_message) == ("suppressed", "opted out")
    assert "send" in STAGES


def test_message_containing_a_keyword_is_a_report(client, rt, run_worker):
    enrol(rt)
    send(client, "they told us to STOP going to the market")
    run_worker()
    assert len(rows(rt, Report)) == 1 and rows(rt, OptOut) == []


@pytest.mark.parametrize(
    ("word", "start"),
    [("HELP", "Send what"), ("msaada", "Tuma"), ("aide", "Envoyez"), ("مساعدة", "أرسل")],
)
def test_help_answers_in_the_language_of_the_keyword(
    client, rt, run_worker, fake_twilio, word, start
):
    send(client, word)
    run_worker()
    [sent] = fake_twilio.sent
    assert sent["body"].startswith(start)
    assert rows(rt, Report) == []


@pytest.mark.parametrize("word", ["OK", "sawa", "RAS", "لا جديد", "Nothing to report."])
def test_checkin_is_recorded_not_a_report(client, rt, run_worker, fake_twilio, word):
    monitor = enrol(rt)
    send(client, word)
    run_worker()
    [message] = rows(rt, InboundMessage)
    assert message.kind == "checkin"
    assert rows(rt, Report) == [] and fake_twilio.sent == []
    with rt.db.session() as session:
        assert session.get(Monitor, monitor.id).last_checkin_at == message.received_at


def test_silent_monitor_gets_no_reply(client, rt, run_worker, fake_twilio):
    enrol(rt, silent=True)
    send(client)
    send(client, "HELP")
    run_worker()
    assert len(rows(rt, Report)) == 1
    assert fake_twilio.sent == [] and rows(rt, OutboundMessage) == []


def test_empty_message_is_recorded_without_report(client, rt, run_worker, fake_twilio):
    send(client, "   ")
    run_worker()
    [message] = rows(rt, InboundMessage)
    assert message.kind == "empty" and rows(rt, Report) == []


def test_join_refused_when_only_staff_enrol(client, rt, run_worker, fake_twilio):
    send(client, "JOIN")
    run_worker()
    assert rows(rt, Monitor) == []
    [sent] = fake_twilio.sent
    assert "coordinator" in sent["body"]


def test_join_with_invite_code(overrides, fake_twilio):
    from datetime import timedelta

    from ewn import create_app
    from ewn.models import utcnow
    from ewn.store import monitors
    from tests.conftest import drain

    app = create_app(dict(overrides, **{"ingest.enrolment": "invite"}))
    client = app.test_client()
    with app.app_context():
        rt = app.extensions["ewn"]
        with rt.db.session() as session:
            monitors.create_invite(
                session,
                rt.keyring,
                "7QX4MA",
                utcnow() + timedelta(days=1),
                language="sw",
                home_place="Burnt Forest",
                trust="high",
            )
        send(client, "JIUNGE 7QXAAA", From="+254700000009")  # wrong code
        send(client, "jiunge 7qx4ma", From="+254700000010")
        send(client, "JOIN 7QX4MA", From="+254700000011")  # used up
        drain(rt)
        [monitor] = rows(rt, Monitor)
        assert (monitor.language, monitor.trust, monitor.home_place, monitor.enrolled_via) == (
            "sw",
            "high",
            "Burnt Forest",
            "invite",
        )
        bodies = {m["to"]: m["body"] for m in fake_twilio.sent}
        assert bodies["+254700000009"].startswith("Nambari hii si sahihi")
        assert bodies["+254700000010"] == (
            f"Karibu. Umesajiliwa kama {monitor.pseudonym}. Tuma MSAADA kupata msaada."
        )
        assert bodies["+254700000011"].startswith("This code is not valid")  # English keyword


def test_join_open_enrolment_upgrades_an_unverified_monitor(overrides, fake_twilio):
    from ewn import create_app
    from tests.conftest import drain

    app = create_app(dict(overrides, **{"ingest.enrolment": "open"}))
    client = app.test_client()
    with app.app_context():
        rt = app.extensions["ewn"]
        send(client, "Shots fired at Kipkelion")
        send(client, "JOIN")
        drain(rt)
        [monitor] = rows(rt, Monitor)
        assert (monitor.status, monitor.enrolled_via) == ("active", "open")


def test_reply_to_unparseable_sender_is_kept_as_one_identity(client, rt, run_worker):
    send(client, "Molo: alert from a short code", From="MPESA")
    send(client, "Londiani: a second alert", From="MPESA")  # a new account, not a continuation
    run_worker()
    assert len(rows(rt, Monitor)) == 1 and len(rows(rt, Report)) == 2


def test_each_message_processed_once_even_if_run_twice(client, rt, run_worker, fake_twilio):
    from ewn.store import work

    enrol(rt)
    send(client)
    run_worker()
    with rt.db.session() as session:
        work.retry_failed(session)  # nothing failed: no-op
    from ewn.ingest.process import process_message
    from ewn.store.work import Claimed
    from ewn.worker import Job

    # Running the stage again on a processed message changes nothing.
    with rt.db.session() as session:
        process_message(session, Job(Claimed(0, "message", 1, 1, "x"), rt))
    assert len(rows(rt, Report)) == 1 and len(fake_twilio.sent) == 1
