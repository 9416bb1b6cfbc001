"""The `ewn` command, run with click's runner against the test database."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ewn.cli import main
from ewn.models import InboundMessage, Monitor, MonitorIdentity, OutboundMessage, Report, StaffUser
from tests.conftest import drain


@pytest.fixture
def cli(overrides, monkeypatch):
    """Run `ewn ...` with the test settings given as EWN_* variables."""
    for dotted, value in overrides.items():
        monkeypatch.setenv("EWN_" + dotted.replace(".", "_").upper(), str(value))

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def rows(rt, model):
    with rt.db.session() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def test_db_upgrade_is_repeatable(cli):
    assert "up to date" in cli("db", "upgrade").output
    assert "up to date" in cli("db", "upgrade").output


def test_monitors_add_and_list_never_show_numbers(cli, rt):
    pseudonym = cli(
        "monitors", "add", "0712 345 678", "--language", "sw", "--home-place", "Burnt Forest"
    ).output.strip()
    assert pseudonym.startswith("KE-")
    cli("monitors", "add", "+254722000111", "--channel", "whatsapp", "--monitor", pseudonym)
    again = cli("monitors", "add", "+254712345678", ok=False)
    assert again.exit_code == 2 and f"already monitor {pseudonym}" in again.output
    bad = cli("monitors", "add", "12", ok=False)
    assert bad.exit_code == 2 and "not a phone number" in bad.output
    listing = cli("monitors", "list", "--format", "json").stdout
    [monitor] = json.loads(listing)
    assert monitor["pseudonym"] == pseudonym and monitor["identities"] == 2
    assert "712345678" not in listing and "722000111" not in listing


def test_monitors_import_csv_reports_rejects_and_is_safe_to_rerun(cli, rt, tmp_path):
    path = tmp_path / "monitors.csv"
    path.write_text(
        "phone,channel,language,home_place,trust,silent,person\n"
        "+254711000001,sms,sw,Molo,high,no,amina\n"
        "+254711000001,whatsapp,sw,Molo,high,no,amina\n"
        "0711000002,,fr,,,,\n"
        "not-a-number,sms,en,,,,\n"
        "+254711000003,pager,en,,,,\n"
        "+254711000004,sms,xx,,,,\n"
        "+254711000005,sms,en,,,sometimes,\n",
        encoding="utf-8",
    )
    result = cli("monitors", "import", str(path))
    assert "3 numbers added, 0 already registered, 4 rejected" in result.output
    assert "line 5: not a phone number" in result.output
    assert "line 6: channel must be one of sms, whatsapp" in result.output
    assert "line 7: unsupported language 'xx'" in result.output
    assert "line 8: silent must be yes or no" in result.output
    monitors = rows(rt, Monitor)
    assert len(monitors) == 2 and len(rows(rt, MonitorIdentity)) == 3
    assert monitors[0].trust == "high"
    again = cli("monitors", "import", str(path))
    assert "0 numbers added, 3 already registered, 4 rejected" in again.output


def test_monitors_import_refuses_unknown_columns(cli, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("phone,name\n+254711000001,Amina\n", encoding="utf-8")
    result = cli("monitors", "import", str(path), ok=False)
    assert result.exit_code == 2 and "unknown: name" in result.output


def test_users_create(cli, rt):
    result = cli(
        "users",
        "create",
        "amina",
        "--role",
        "triage",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert "created triage amina" in result.output
    [user] = rows(rt, StaffUser)
    assert user.password_hash.startswith("$argon2")
    short = cli(
        "users", "create", "bo", "--role", "admin", "--password-stdin", input="short\n", ok=False
    )
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    dup = cli(
        "users",
        "create",
        "amina",
        "--role",
        "admin",
        "--password-stdin",
        input="another long password\n",
        ok=False,
    )
    assert "exists already" in dup.output


def test_messages_import_backlog_with_original_times(cli, rt, tmp_path, fake_twilio):
    pseudonym = cli("monitors", "add", "+254711000001").output.strip()
    path = tmp_path / "backlog.csv"
    path.write_text(
        "id,from,received_at,text,monitor\n"
        "17,+254711000001,2026-03-01 21:30,Wanaume wenye mapanga wameonekana Kipkelion,\n"
        "18,,2026-03-02T06:00:00+00:00,Paper form: houses burned at Molo,"
        f"{pseudonym}\n"
        "19,+254711000009,yesterday,no time,\n"
        "20,+254711000009,2026-03-02 07:00,,\n"
        "21,,2026-03-02 07:00,who sent this,\n"
        "22,,2026-03-02 07:00,unknown monitor,KE-ZZZZ\n",
        encoding="utf-8",
    )
    result = cli("messages", "import", str(path))
    assert "2 messages imported, 0 already there, 4 rows rejected" in result.output
    assert "line 4: not a time: 'yesterday'" in result.output
    assert "line 5: no text" in result.output
    assert "line 6: neither from (phone) nor monitor (pseudonym)" in result.output
    assert "line 7: no monitor KE-ZZZZ" in result.output
    rerun = cli("messages", "import", str(path))
    assert "0 messages imported, 2 already there" in rerun.output
    drain(rt)
    reports = rows(rt, Report)
    assert [r.origin for r in reports] == ["import", "import"]
    # 21:30 in Nairobi (UTC+3) is 18:30 UTC.
    assert reports[0].received_at == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    assert reports[1].received_at == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert len({r.monitor_id for r in reports}) == 1
    assert fake_twilio.sent == [] and rows(rt, OutboundMessage) == []


def test_messages_import_json_lines_and_timezone_option(cli, rt, tmp_path):
    path = tmp_path / "ushahidi.jsonl"
    path.write_text(
        json.dumps(
            {
                "from": "+243990000001",
                "received_at": "2026-05-04 10:00",
                "message": "Des hommes armés ont enlevé deux enfants près de Beni",
            }
        )
        + "\n"
        + "this is not json\n"
        + json.dumps(["a", "list"])
        + "\n",
        encoding="utf-8",
    )
    result = cli("messages", "import", str(path), "--timezone", "Africa/Lubumbashi")
    assert "1 messages imported, 0 already there, 2 rows rejected" in result.output
    assert "line 2: not JSON" in result.output and "line 3: expected a JSON object" in result.output
    [message] = rows(rt, InboundMessage)
    assert message.received_at == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    bad_zone = cli("messages", "import", str(path), "--timezone", "Mars/Olympus", ok=False)
    assert "unknown time zone" in bad_zone.output


def test_messages_import_unreadable_file(cli, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("received_at,text\n2026-01-01,caf\xe9\n".encode("latin-1"))
    result = cli("messages", "import", str(path), ok=False)
    assert result.exit_code == 2 and "not UTF-8" in result.output
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = cli("messages", "import", str(path), ok=False)
    assert "needs a header with received_at and text" in result.output


def test_messages_reconcile_adds_what_ewn_lacks(cli, rt, client, fake_twilio):
    from tests.conftest import load_fixture, post_signed

    now = datetime.now(UTC)
    known = load_fixture("inbound__sms")
    post_signed(client, "/webhooks/twilio/messages", known)
    fake_twilio.inbound.append(
        {
            "sid": known["MessageSid"],
            "from": known["From"],
            "to": known["To"],
            "body": known["Body"],
            "date_sent": now,
            "direction": "inbound",
            "num_media": "0",
        }
    )
    for index in range(3):
        fake_twilio.add_inbound(
            f"+25471100000{index}",
            "+15005550006",
            f"missed report {index}",
            now - timedelta(minutes=index),
        )
    fake_twilio.add_inbound("+254711000009", "+15005550006", "too old", now - timedelta(days=3))
    since = (now - timedelta(hours=1)).isoformat()
    result = cli("messages", "reconcile", "--since", since)
    assert "checked 4 inbound messages at Twilio, added 3 missing" in result.output
    assert "added 0 missing" in cli("messages", "reconcile", "--since", since).output
    messages = rows(rt, InboundMessage)
    assert sorted(m.source for m in messages) == ["reconcile"] * 3 + ["webhook"]
    drain(rt)
    assert len(rows(rt, Report)) == 4


def test_reports_list_json(cli, rt, client):
    from tests.conftest import load_fixture, post_signed

    post_signed(client, "/webhooks/twilio/messages", load_fixture("inbound__whatsapp_location"))
    drain(rt)
    output = cli("reports", "list", "--format", "json").stdout
    [report] = json.loads(output)
    location = report["location"]
    assert (location["latitude"], location["longitude"]) == (0.217, 35.4331)
    assert (location["source"], location["status"], location["confidence"]) == (
        "whatsapp",
        "located",
        1.0,
    )
    assert location["place"] == "Burnt Forest" and location["label"] == "Burnt Forest market"
    assert location["admin_areas"][0]["name"] == "Uasin Gishu"
    assert location["admin_areas"][0]["label"] == "County"
    assert report["monitor"].startswith("KE-")
    assert report["messages"][0]["external_id"] == "SM3c4d5e6f708192a3b4c5d6e7f8091a2b"
    assert report["event_time"]["source"] == "received"
    assert "254733000222" not in output and "Otieno" not in output
    assert "(none)" in cli("reports", "list", "--since", "2099-01-01").output
    assert "not an ISO 8601 time" in cli("reports", "list", "--since", "soon", ok=False).output


def test_work_list_and_retry(cli):
    assert "no work items" in cli("work", "list").output
    assert "0 work items queued again" in cli("work", "retry").output


def test_keys_rotate_reencrypts_everything(cli, rt, client, overrides, tmp_path, monkeypatch):
    import shutil

    from ewn.crypto import Keyring
    from tests.conftest import load_fixture, post_signed

    # Rotate a copy: the session keyring is shared by other tests.
    keyring_copy = tmp_path / "keyring.json"
    shutil.copy(overrides["keyring_file"], keyring_copy)
    monkeypatch.setenv("EWN_KEYRING_FILE", str(keyring_copy))
    post_signed(client, "/webhooks/twilio/messages", load_fixture("inbound__whatsapp_text"))
    drain(rt)
    old_key = Keyring.load(keyring_copy).active
    result = cli("keys", "rotate")
    # The raw request, the phone, the WhatsApp profile name and the acknowledgement's number.
    assert "re-encrypted 4 values" in result.output
    new = Keyring.load(keyring_copy)
    assert new.active != old_key and old_key in new.keys
    status = cli("keys", "status").output
    assert old_key not in status.split("keys in file")[1].split("\n", 1)[1]
    [message] = rows(rt, InboundMessage)
    assert Keyring.key_id_of(message.raw_enc) == new.active
    assert "Wanjiku" in new.decrypt(message.raw_enc, "message.raw")


def test_keys_generate_refuses_to_overwrite(cli, tmp_path):
    path = tmp_path / "k.json"
    assert "wrote" in cli("keys", "generate", str(path)).output
    result = cli("keys", "generate", str(path), ok=False)
    assert result.exit_code == 2 and "refusing to overwrite" in result.output


def test_configuration_error_is_one_clear_line(cli, monkeypatch):
    monkeypatch.setenv("EWN_WORKER_LEASE_SECONDS", "a minute")
    result = cli("reports", "list", ok=False)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "ewn: configuration error: environment: EWN_WORKER_LEASE_SECONDS: "
        "expected a number, got 'a minute'"
    )


def test_demo_keyring_is_refused_outside_demo_mode(cli, tmp_path, monkeypatch):
    from ewn.crypto import demo_keyring

    demo = demo_keyring(tmp_path)
    monkeypatch.setenv("EWN_KEYRING_FILE", str(demo.path))
    result = cli("reports", "list", ok=False)
    assert "demo keyring; it is refused outside demo mode" in result.output


def test_simulate_posts_a_signed_message_to_a_running_ewn(cli, app, rt):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        result = cli(
            "simulate", "--url", url, "--from", "+254711000077", "Armed men near the market"
        )
        assert "HTTP 200" in result.output
        cli(
            "simulate",
            "--url",
            url,
            "--latitude",
            "0.43",
            "--longitude",
            "35.52",
            "--label",
            "Burnt Forest",
            "",
        )
        bad = cli("simulate", "--url", url, "--latitude", "1", "x", ok=False)
        assert "give both --latitude and --longitude" in bad.output
    finally:
        server.shutdown()
    drain(rt)
    reports = rows(rt, Report)
    assert [r.text for r in reports] == ["Armed men near the market", ""]
    assert reports[1].location_source == "whatsapp"


def test_demo_option_reads_the_demo_database(tmp_path, monkeypatch):
    monkeypatch.setenv("EWN_DATA_DIR", str(tmp_path))
    for name in [n for n in os.environ if n.startswith("EWN_") and n != "EWN_DATA_DIR"]:
        monkeypatch.delenv(name)
    refused = CliRunner().invoke(main, ["reports", "list"])
    assert refused.exit_code == 2 and "required outside demo mode" in refused.output
    assert CliRunner().invoke(main, ["--demo", "db", "upgrade"]).exit_code == 0
    listing = CliRunner().invoke(main, ["--demo", "reports", "list"])
    assert listing.exit_code == 0 and "(none)" in listing.output
    assert (tmp_path / "demo-keyring.json").exists() and (tmp_path / "ewn.db").exists()
