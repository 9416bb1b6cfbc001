"""The inbound webhook: signatures, recording, idempotency, bad input, spool."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from ewn.models import InboundMessage, OutboundMessage, Report, WorkItem
from tests.conftest import PUBLIC_URL, drain, load_fixture, post_signed, sign

PATH = "/webhooks/twilio/messages"


def stored(rt) -> list[InboundMessage]:
    with rt.db.session() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


@pytest.mark.parametrize(
    "fixture",
    [
        "inbound__sms",
        "inbound__whatsapp_text",
        "inbound__whatsapp_media",
        "inbound__whatsapp_location",
    ],
)
def test_signed_message_is_recorded_and_answered_with_empty_twiml(client, rt, fixture):
    params = load_fixture(fixture)
    response = post_signed(client, PATH, params)
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    assert response.data.endswith(b"<Response></Response>")
    [message] = stored(rt)
    assert (message.provider, message.external_id) == ("twilio", params["MessageSid"])
    assert message.body == params["Body"]
    assert message.status == "new"
    with rt.db.session() as session:
        [item] = session.scalars(select(WorkItem)).all()
    assert (item.stage, item.subject_id, item.status) == ("message", message.id, "due")


def test_sender_and_profile_name_are_stored_only_encrypted(client, rt):
    params = load_fixture("inbound__whatsapp_text")
    post_signed(client, PATH, params)
    [message] = stored(rt)
    assert "254722000111" not in message.raw_enc
    assert "Wanjiku" not in message.raw_enc
    raw = rt.keyring.decrypt(message.raw_enc, "message.raw")
    assert "ProfileName=Wanjiku+M" in raw
    with rt.db.engine.connect() as connection:
        dump = " ".join(
            str(row)
            for table in ("inbound_messages", "work_items")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert "254722000111" not in dump and "Wanjiku" not in dump


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "wrong"])
def test_missing_or_wrong_signature_is_refused_and_nothing_kept(client, rt, caplog, signature):
    params = load_fixture("inbound__sms")
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = client.post(PATH, data=params, headers=headers)
    assert response.status_code == 403
    assert stored(rt) == []
    assert params["Body"] not in caplog.text and params["From"] not in caplog.text


def test_signature_for_another_url_or_token_is_refused(client, rt):
    params = load_fixture("inbound__sms")
    signature = sign("https://elsewhere.example.org" + PATH, params)
    assert (
        client.post(PATH, data=params, headers={"X-Twilio-Signature": signature}).status_code == 403
    )
    assert post_signed(client, PATH, params, token="f" * 32).status_code == 403
    tampered = dict(params, Body="changed after signing")
    signature = sign(PUBLIC_URL + PATH, params)
    assert (
        client.post(PATH, data=tampered, headers={"X-Twilio-Signature": signature}).status_code
        == 403
    )
    assert stored(rt) == []


def test_public_url_is_used_behind_a_reverse_proxy(client, rt):
    # The proxy forwards to http://localhost/...; Twilio signed the public https URL.
    params = load_fixture("inbound__sms")
    response = client.post(
        PATH,
        data=params,
        base_url="http://10.0.0.7:8000",
        headers={"X-Twilio-Signature": sign(PUBLIC_URL + PATH, params)},
    )
    assert response.status_code == 200
    assert len(stored(rt)) == 1


def test_secondary_auth_token_is_accepted(overrides):
    from ewn import create_app

    app = create_app(dict(overrides, **{"twilio.secondary_auth_token": "s" * 32}))
    params = load_fixture("inbound__sms")
    assert post_signed(app.test_client(), PATH, params, token="s" * 32).status_code == 200


def test_redelivery_creates_nothing_new(client, rt):
    params = load_fixture("inbound__sms")
    for _ in range(20):
        assert post_signed(client, PATH, params).status_code == 200
    assert len(stored(rt)) == 1
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WorkItem)) == 1


def test_concurrent_redelivery_records_one_message(app, rt):
    params = load_fixture("inbound__sms")
    barrier = threading.Barrier(20)
    statuses = []

    def deliver():
        client = app.test_client()
        barrier.wait()
        statuses.append(post_signed(client, PATH, params).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    assert len(stored(rt)) == 1
    drain(rt)
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 1


def test_fallback_url_records_the_same_way(client, rt):
    params = load_fixture("fallback__sms")
    response = post_signed(client, PATH + "/fallback", params)
    assert response.status_code == 200
    [message] = stored(rt)
    assert message.source == "fallback"
    # A later delivery of the same message to the main URL adds nothing.
    post_signed(client, PATH, params)
    assert len(stored(rt)) == 1


def test_request_over_64_kib_is_refused(client, rt):
    params = dict(load_fixture("inbound__sms"), Body="x" * 70_000)
    response = post_signed(client, PATH, params)
    assert response.status_code == 413
    assert stored(rt) == []


@pytest.mark.parametrize(
    "body",
    [
        "A" * 1601 + " end",
        "Watoto 👶🏾 wamefichwa kanisani 🙏🔥",
        "قتل ثلاثة رجال قرب السوق الليلة الماضية",
        "mixed עברית and English ‮reversed‬ text",
        "null\x00byte inside",
        "",
    ],
)
def test_unusual_bodies_are_recorded_faithfully(client, rt, body):
    params = dict(load_fixture("inbound__sms"), Body=body)
    assert post_signed(client, PATH, params).status_code == 200
    [message] = stored(rt)
    assert message.body == body.replace("\x00", "\ufffd")
    raw = rt.keyring.decrypt_bytes(message.raw_enc, "message.raw")
    from ewn.channels.twilio import parse_form

    assert parse_form(raw)["Body"] == body


def test_invalid_utf8_is_recorded_not_refused(client, rt):
    params = load_fixture("inbound__sms")
    # Percent-encoded bytes that are not UTF-8; Twilio's signature covers the decoded value.
    raw_body = "Body=caf%E9+%FF%FE&" + "&".join(
        f"{key}={value}" for key, value in params.items() if key != "Body"
    )
    from ewn.channels.twilio import parse_form

    decoded = parse_form(raw_body.encode())
    signature = sign(PUBLIC_URL + PATH, decoded.to_dict())
    response = client.post(
        PATH,
        data=raw_body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 200
    [message] = stored(rt)
    assert message.body == "caf\ufffd \ufffd\ufffd"
    assert rt.keyring.decrypt_bytes(message.raw_enc, "message.raw") == raw_body.encode()


def test_signed_request_without_message_sid_is_kept(client, rt):
    params = {"From": "+254712345678", "To": "+15005550006", "Body": "no sid here"}
    assert post_signed(client, PATH, params).status_code == 200
    assert post_signed(client, PATH, params).status_code == 200
    [message] = stored(rt)
    assert message.external_id.startswith("sha256:")


def test_database_down_spools_then_worker_flushes(client, rt, monkeypatch, run_worker):
    from ewn.store import messages

    def unreachable(*_args, **_kwargs):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("INSERT", {}, Exception("connection refused"))

    params = load_fixture("inbound__whatsapp_location")
    monkeypatch.setattr(messages, "record_many", unreachable)
    assert post_signed(client, PATH, params).status_code == 200
    assert stored(rt) == []
    assert rt.spool.count() == 1
    health = client.get("/health")
    assert health.status_code == 503
    assert "spool" in " ".join(health.json["problems"])
    monkeypatch.undo()
    run_worker()
    assert rt.spool.count() == 0
    [message] = stored(rt)
    assert message.source == "spool"
    assert message.kind == "report"
    assert client.get("/health").status_code == 200


def test_spool_files_are_encrypted(client, rt, monkeypatch):
    from ewn.store import messages

    monkeypatch.setattr(messages, "record_many", lambda *a, **k: 1 / 0)
    params = load_fixture("inbound__whatsapp_text")
    assert post_signed(client, PATH, params).status_code == 200
    [path] = rt.spool.pending()
    content = path.read_bytes()
    assert b"254722000111" not in content and b"Wanjiku" not in content
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_database_and_disk_both_failing_answers_500(client, rt, monkeypatch):
    from ewn.store import messages

    monkeypatch.setattr(messages, "record_many", lambda *a, **k: 1 / 0)

    def disk_full(_entry):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rt.spool, "write", disk_full)
    response = post_signed(client, PATH, load_fixture("inbound__sms"))
    # Twilio then tries the fallback URL: better than a 200 that loses the message.
    assert response.status_code == 500
