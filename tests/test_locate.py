"""The locate stage end to end: text, WhatsApp shares, asking back, fallbacks, online
geocoders (a fake Nominatim on 127.0.0.1) and staff corrections."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from ewn import create_app
from ewn.cli import main
from ewn.models import (
    GeocodeCache,
    InboundMessage,
    LocationCorrection,
    Report,
    ReportArea,
    WorkItem,
    utcnow,
)
from ewn.registry import NewIdentity, add
from tests.conftest import drain, load_fixture, post_signed
from tests.fakes import nominatim

PATH = "/webhooks/twilio/messages"


def send(client, body: str, fixture: str = "inbound__sms", **extra) -> dict:
    params = dict(
        load_fixture(fixture), Body=body, MessageSid="SM" + secrets.token_hex(16), **extra
    )
    assert post_signed(client, PATH, params).status_code == 200
    return params


def reports(rt) -> list[Report]:
    with rt.db.session() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def areas(rt, report_id: int) -> list[tuple[str, bool, bool]]:
    from ewn.geo.locate import area_names

    with rt.db.session() as session:
        return [(a["name"], a["primary"], a["approximate"]) for a in area_names(session, report_id)]


def enrol(rt, phone="+254712345678", **fields):
    with rt.db.session() as session:
        return add(session, rt, NewIdentity(phone, **fields))


def test_place_read_from_the_text(client, rt, fake_twilio):
    enrol(rt, home_place="Molo")
    send(client, "vijana wamechoma nyumba karibu na soko la Burnt Forest jana usiku")
    drain(rt)
    [report] = reports(rt)
    assert (report.location_status, report.location_source) == ("located", "text")
    assert report.place_name == "Burnt Forest" and report.location_wording == "Burnt Forest"
    assert report.location_confidence >= 0.5 and report.location_radius_km > 0
    assert areas(rt, report.id) == [("Uasin Gishu", True, False)]
    evidence = json.loads(report.location_evidence)
    assert evidence["candidates"][0]["place"] == "Burnt Forest"
    assert [m["body"][:8] for m in fake_twilio.sent] == ["Received"]  # no question


def test_whatsapp_share_is_exact_and_gets_the_nearest_place(client, rt):
    send(client, "", fixture="inbound__whatsapp_location")
    drain(rt)
    [report] = reports(rt)
    assert (report.location_source, report.location_confidence) == ("whatsapp", 1.0)
    assert report.place_name == "Burnt Forest" and report.location_radius_km == 0.1
    assert areas(rt, report.id)[0][:2] == ("Uasin Gishu", True)


def test_ask_back_then_answer_attaches_and_locates(client, rt, fake_twilio):
    enrol(rt, language="sw")
    send(client, "watu wamevamiwa usiku na vijana wenye mapanga")
    drain(rt)
    [report] = reports(rt)
    assert report.location_status == "asking" and report.ask_until > utcnow()
    question = fake_twilio.sent[-1]["body"]
    assert question.startswith("Hili lilitokea wapi?") and report.reference in question
    send(client, "Kipkelion")
    drain(rt)
    [report] = reports(rt)  # the answer made no new report
    assert (report.location_status, report.location_source) == ("located", "ask_back")
    assert report.place_name == "Kipkelion"
    with rt.db.session() as session:
        answer = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
    assert (answer.kind, answer.report_id) == ("answer", report.id)


def test_a_new_report_during_the_window_is_not_an_answer(client, rt):
    enrol(rt)
    send(client, "men with guns are gathering, people are scared")
    drain(rt)
    send(
        client,
        "Another attack now: they burned the church and two shops, many people "
        "are running towards the forest with their children",
    )
    drain(rt)
    assert len(reports(rt)) == 2


def test_whatsapp_location_as_an_answer(client, rt):
    enrol(rt, "+254733000222", channel="whatsapp")
    send(
        client,
        "shots fired, people running",
        fixture="inbound__whatsapp_text",
        From="whatsapp:+254733000222",
    )
    drain(rt)
    send(client, "", fixture="inbound__whatsapp_location")
    drain(rt)
    [report] = reports(rt)
    assert report.location_source == "ask_back" and report.location_confidence == 1.0


def test_a_location_shared_right_after_a_located_report_is_not_a_note_on_it(client, rt):
    enrol(rt, "+254733000222", channel="whatsapp")
    send(
        client,
        "shots fired at Molo market, people running",
        fixture="inbound__whatsapp_text",
        From="whatsapp:+254733000222",
    )
    send(client, "", fixture="inbound__whatsapp_location")
    drain(rt)
    first, shared = reports(rt)
    assert first.location_source == "text" and first.place_name == "Molo"
    assert shared.location_source == "whatsapp" and shared.location_confidence == 1.0


def test_a_photo_without_words_is_asked_where(client, rt, fake_twilio):
    enrol(rt, "+254722000111", channel="whatsapp")
    send(client, "", fixture="inbound__whatsapp_media")
    drain(rt)
    [report] = reports(rt)
    assert report.location_status == "asking"
    assert fake_twilio.sent[-1]["body"].startswith("Where did this happen?")


def test_no_answer_falls_back_to_the_monitors_home(client, rt):
    enrol(rt, home_place="Londiani")
    send(client, "watu wamevamiwa usiku na vijana wenye mapanga")
    drain(rt)
    with rt.db.session() as session:
        session.execute(update(Report).values(ask_until=utcnow() - timedelta(seconds=1)))
        session.execute(update(WorkItem).where(WorkItem.stage == "locate").values(due_at=utcnow()))
    drain(rt)
    [report] = reports(rt)
    assert (report.location_status, report.location_source) == ("located", "monitor_home")
    assert report.place_name == "Londiani" and report.location_confidence == 0.3


def test_silent_monitor_is_never_asked(client, rt, fake_twilio):
    enrol(rt, silent=True)
    send(client, "watu wamevamiwa usiku na vijana wenye mapanga")
    drain(rt)
    [report] = reports(rt)
    assert report.location_status == "unlocated" and fake_twilio.sent == []


def test_a_message_about_nothing_is_not_asked_where(client, rt, fake_twilio):
    enrol(rt)
    send(client, "Who is this? You sent me a message")
    drain(rt)
    [report] = reports(rt)
    assert report.not_incident and report.location_status == "unlocated"
    # Acknowledged as any message is, but not asked where it happened.
    assert [m["body"].split(".")[0] for m in fake_twilio.sent] == ["Received, thank you"]


def test_imported_reports_are_not_asked(client, rt, fake_twilio, tmp_path, monkeypatch, overrides):
    for dotted, value in overrides.items():
        monkeypatch.setenv("EWN_" + dotted.replace(".", "_").upper(), str(value))
    backlog = tmp_path / "backlog.csv"
    backlog.write_text(
        "from,received_at,text\n+254711000001,2026-01-05 10:00,watu wamevamiwa usiku\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(main, ["messages", "import", str(backlog)]).exit_code == 0
    drain(rt)
    [report] = reports(rt)
    assert report.location_status == "unlocated" and fake_twilio.sent == []


# ---------------------------------------------------------------------------- online geocoder


@pytest.fixture
def geocoder():
    fake, server = nominatim.start()
    yield fake
    server.shutdown()
    server.server_close()


def test_online_geocoder_after_the_gazetteer_with_a_cache(overrides, geocoder, fake_twilio):
    geocoder.places["zzyzx junction"] = {
        "lat": "0.3",
        "lon": "35.6",
        "display_name": "Zzyzx Junction, Kenya",
        "boundingbox": ["0.29", "0.31", "35.59", "35.61"],
        "importance": 0.4,
    }
    app = create_app(
        dict(
            overrides,
            **{
                "geo.geocoders": [
                    {"url": geocoder.url, "timeout_seconds": 2, "min_delay_seconds": 0}
                ]
            },
        )
    )
    with app.app_context():
        rt = app.extensions["ewn"]
        client = app.test_client()
        send(client, "shots fired near Zzyzx Junction")
        send(client, "more shots near Zzyzx Junction", From="+254700000077")
        drain(rt)
        located = reports(rt)
        assert [r.location_source for r in located] == ["geocoder", "geocoder"]
        assert (located[0].latitude, located[0].longitude) == (0.3, 35.6)
        assert located[0].place_name == "Zzyzx Junction, Kenya"
        assert geocoder.queries.count("Zzyzx Junction") == 1  # the second came from the cache
        with rt.db.session() as session:
            assert session.scalar(select(GeocodeCache.query)) == "Zzyzx Junction"
        assert areas(rt, located[0].id)[0][2] is True  # assigned by neighbours: approximate


def test_online_geocoder_timeout_is_not_an_error(overrides, geocoder):
    geocoder.delay = 3
    app = create_app(
        dict(
            overrides,
            **{
                "geo.geocoders": [
                    {"url": geocoder.url, "timeout_seconds": 0.5, "min_delay_seconds": 0}
                ]
            },
        )
    )
    with app.app_context():
        rt = app.extensions["ewn"]
        send(app.test_client(), "shots fired near Zzyzx Junction")
        drain(rt)
        [report] = reports(rt)
        assert report.location_status == "asking"
        with rt.db.session() as session:
            assert session.scalar(select(GeocodeCache)) is None  # failures are not cached


# ---------------------------------------------------------------------------- corrections


@pytest.fixture
def cli(overrides, monkeypatch):
    for dotted, value in overrides.items():
        monkeypatch.setenv("EWN_" + dotted.replace(".", "_").upper(), str(value))
    return lambda *args: CliRunner().invoke(main, list(args))


def test_staff_correction_becomes_an_alias(client, rt, cli):
    enrol(rt)
    send(client, "vijana wanakusanyika kwa mama mboga na mapanga")
    drain(rt)
    [report] = reports(rt)
    result = cli(
        "reports",
        "locate",
        report.reference.lower().replace("-", " "),
        "--place",
        "Burnt Forest",
        "--by",
        "amina",
        "--wording",
        "kwa mama mboga",
    )
    assert result.exit_code == 0, result.output
    assert "alias 'kwa mama mboga' added" in result.output
    [report] = reports(rt)
    assert (report.location_source, report.place_name) == ("staff", "Burnt Forest")
    with rt.db.session() as session:
        correction = session.scalar(select(LocationCorrection))
        assert (correction.staff, correction.wording) == ("amina", "kwa mama mboga")
        assert json.loads(correction.previous)["status"] == "asking"
    # The locate stage never overwrites a staff decision...
    from ewn.store import work

    with rt.db.session() as session:
        work.requeue(session, "locate", report.id)
    drain(rt)
    assert reports(rt)[0].location_source == "staff"
    # ...and the same wording now resolves on its own.
    send(client, "tena vijana kwa mama mboga wamechoma kibanda", From="+254700000099")
    drain(rt)
    new = reports(rt)[1]
    assert (new.location_source, new.place_name) == ("text", "Burnt Forest")


def test_correction_errors_are_clear(client, rt, cli):
    send(client, "karibu na Molo")
    drain(rt)
    [report] = reports(rt)
    ambiguous = cli("reports", "locate", report.reference, "--place", "Marti", "--by", "amina")
    assert ambiguous.exit_code == 2 and "give the GeoNames id instead" in ambiguous.output
    unknown = cli("reports", "locate", "ZZZ-ZZZ", "--place", "Molo", "--by", "amina")
    assert "no report" in unknown.output
    both = cli(
        "reports",
        "locate",
        report.reference,
        "--place",
        "Molo",
        "--latitude",
        "1",
        "--longitude",
        "2",
        "--by",
        "amina",
    )
    assert "either --place or --latitude" in both.output
    point = cli(
        "reports",
        "locate",
        report.reference,
        "--latitude",
        "-0.25",
        "--longitude",
        "35.73",
        "--by",
        "amina",
    )
    assert point.exit_code == 0 and "Nakuru" in point.output


def test_reports_list_shows_the_location(client, rt, cli):
    send(client, "youths blocking the road in eldorett town")
    drain(rt)
    [row] = json.loads(cli("reports", "list", "--format", "json").stdout)
    location = row["location"]
    assert location["place"] == "Eldoret" and location["source"] == "text"
    assert location["admin_areas"][0]["name"] == "Uasin Gishu"
    assert {"latitude", "longitude", "confidence", "radius_km", "status"} <= set(location)


def test_report_areas_are_replaced_not_duplicated(client, rt):
    send(client, "karibu na Molo")
    drain(rt)
    [report] = reports(rt)
    from ewn.store import work

    with rt.db.session() as session:
        work.requeue(session, "locate", report.id)
    drain(rt)
    with rt.db.session() as session:
        links = session.scalars(select(ReportArea)).all()
    assert len(links) == len(areas(rt, report.id)) == 1
