"""The staff web app through Flask's test client, CSRF on: logging in, the queue, the
incident page and its actions, and every way a request can be bad."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from ewn import create_app
from ewn.models import AuditEntry, Incident, Report, StaffUser, utcnow
from ewn.web.auth import safe_next
from tests.builders import (
    PASSWORD,
    csrf_token,
    enrol,
    logged_in,
    make_user,
    new_totp_secret,
    report_incident,
)
from tests.conftest import drain


@pytest.fixture
def rt(app):
    """The runtime without an application context held open across requests: each request
    must get its own, as in production (Flask-WTF caches the CSRF token in g)."""
    return app.extensions["ewn"]


def code_for(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(utcnow().timestamp() + 30 * offset_steps)


def log_in(client, username: str, code: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    first = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )
    if first.status_code != 302:
        return first
    return client.post("/login/code", data={"csrf_token": token, "code": code})


def audited(rt, action: str, target: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target == target)
    with rt.db.reading() as session:
        return list(session.scalars(query))


def page(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, **form):
    """POST a form as the browser would, with the CSRF token of the page it came from."""
    token = csrf_token(client, "/queue")
    return client.post(path, data={"csrf_token": token, **form})


# ---------------------------------------------------------------------------- logging in


def test_password_then_code_logs_in(app, rt):
    secret = new_totp_secret()
    make_user(rt, "amina", "triage", totp_secret=secret)
    client = app.test_client()
    assert client.get("/queue").headers["Location"].startswith("/login?next=")
    done = log_in(client, "amina", code_for(secret))
    assert done.status_code == 302 and done.headers["Location"] == "/queue"
    queue = client.get("/queue")
    assert queue.status_code == 200 and "amina" in page(queue)
    assert len(audited(rt, "login", "amina")) == 1


def test_a_used_code_is_refused_even_within_its_time_window(app, rt):
    secret = new_totp_secret()
    make_user(rt, "amina", "triage", totp_secret=secret)
    client = app.test_client()
    code = code_for(secret)
    assert log_in(client, "amina", code).status_code == 302
    post(client, "/logout")
    again = log_in(client, "amina", code)
    assert again.status_code == 401 and "already used" in page(again)
    assert client.get("/queue").status_code == 302  # not logged in


@pytest.mark.parametrize("wrong", ["000000", "12345", "abcdef", "", "1" * 500])
def test_wrong_codes_are_refused(app, rt, wrong):
    secret = new_totp_secret()
    make_user(rt, "amina", "triage", totp_secret=secret)
    if wrong == "000000" and code_for(secret) == "000000":
        wrong = "111111"
    client = app.test_client()
    refused = log_in(client, "amina", wrong)
    assert refused.status_code == 401 and "wrong or was already used" in page(refused)
    assert client.get("/queue").status_code == 302
    [failure] = audited(rt, "login_failed", "amina")
    assert failure.detail == {"reason": "code"}


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(app, rt):
    make_user(rt, "amina", "triage", totp_secret=new_totp_secret())
    client = app.test_client()
    for username, password in (("amina", "nope"), ("nobody", PASSWORD)):
        refused = log_in(client, username, "123456", password)
        assert refused.status_code == 401 and "Wrong username or password." in page(refused)


def test_repeated_failures_lock_the_account(overrides, rt):
    app = create_app({**overrides, "web.lockout_failures": 3, "web.lockout_minutes": 15})
    rt = app.extensions["ewn"]
    secret = new_totp_secret()
    with app.app_context():
        make_user(rt, "amina", "triage", totp_secret=secret)
    client = app.test_client()
    for _ in range(3):
        assert (
            log_in(
                client, "amina", "999999" if code_for(secret) != "999999" else "888888"
            ).status_code
            == 401
        )
    locked = log_in(client, "amina", code_for(secret))
    assert locked.status_code == 403 and "locked" in page(locked)
    with rt.db.reading() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "amina"))
        assert user.locked_until > utcnow() + timedelta(minutes=14)


def test_login_attempts_are_rate_limited(overrides):
    app = create_app({**overrides, "web.login_rate_limit": "3 per minute"})
    client = app.test_client()
    token = csrf_token(client)
    answers = [
        client.post("/login", data={"csrf_token": token, "username": "x", "password": "y"})
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert "Too many attempts" in page(answers[-1])


def test_first_login_sets_up_the_second_factor(app, rt):
    make_user(rt, "amina", "triage")
    client = app.test_client()
    token = csrf_token(client)
    start = client.post(
        "/login", data={"csrf_token": token, "username": "amina", "password": PASSWORD}
    )
    assert start.headers["Location"] == "/login/code/setup"
    setup = page(client.get("/login/code/setup"))
    secret = re.search(r"secret=([A-Z2-7]+)", setup).group(1)
    wrong = client.post("/login/code/setup", data={"csrf_token": token, "code": "12"})
    assert wrong.status_code == 401
    done = client.post("/login/code/setup", data={"csrf_token": token, "code": code_for(secret)})
    assert done.headers["Location"] == "/queue"
    with rt.db.reading() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "amina"))
        assert secret not in user.totp_secret_enc  # encrypted at rest
        assert rt.keyring.decrypt(user.totp_secret_enc, "staff.totp") == secret
    assert audited(rt, "totp_enrolled", "amina")


def test_the_code_step_needs_the_password_step(client):
    assert client.get("/login/code").headers["Location"] == "/login"
    assert client.get("/login/code/setup").headers["Location"] == "/login"


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/incidents/IABC-DEF", True),
        ("/queue?status=new", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_after_login_only_paths_on_this_site(target, kept):
    assert safe_next(target) == (target if kept else None)


# ---------------------------------------------------------------------------- CSRF and forms


@pytest.fixture
def nakuru(app, rt):
    """An incident in Nakuru county from an enrolled monitor, and a national triage user."""
    enrol(rt, "+254711000031")
    incident = report_incident(app, rt, "Houses burned in Nakuru town last night", "+254711000031")
    user_id = make_user(rt, "tri", "triage")
    return incident, logged_in(app, user_id)


def triage_status(rt, reference: str) -> str:
    with rt.db.reading() as session:
        return session.scalar(select(Incident.triage_status).where(Incident.reference == reference))


@pytest.mark.parametrize("token", [None, "", "forged", "IjEyMyI.ZmFrZQ.c2lnbmF0dXJl"])
def test_forged_or_missing_csrf_tokens_are_refused(app, rt, nakuru, token):
    incident, client = nakuru
    data = {} if token is None else {"csrf_token": token}
    refused = client.post(f"/incidents/{incident.reference}/verify", data=data)
    assert refused.status_code == 400
    assert "The form has expired or was changed" in page(refused)
    assert triage_status(rt, incident.reference) == "new"


def test_a_token_from_another_session_is_refused(app, rt, nakuru):
    incident, client = nakuru
    other = logged_in(app, make_user(rt, "other", "triage"))
    stolen = csrf_token(other, "/queue")
    refused = client.post(f"/incidents/{incident.reference}/verify", data={"csrf_token": stolen})
    assert refused.status_code == 400 and triage_status(rt, incident.reference) == "new"


def test_tampered_forms_get_clear_answers(app, rt, nakuru):
    incident, client = nakuru
    ref = incident.reference
    bad = post(client, f"/incidents/{ref}/dismiss", **{"as": "deleted"})
    assert bad.status_code == 400 and "Choose why the incident is dismissed." in page(bad)
    for wrong in ("9", "0", "high", "-1"):
        bad = post(client, f"/incidents/{ref}/severity", severity=wrong)
        assert bad.status_code == 400 and "a number from 1 to 5" in page(bad)
    for path, form, message in (
        (f"/incidents/{ref}/assign", {"to": "99999"}, "Choose someone who works on this"),
        (f"/incidents/{ref}/assign", {"to": "'; DROP TABLE"}, "Choose someone who works on this"),
        (f"/incidents/{ref}/merge", {"other": "INOPE-000"}, "no incident INOPE-000"),
        (f"/incidents/{ref}/merge", {"other": ref}, "cannot be merged into itself"),
        (f"/incidents/{ref}/note", {"text": "   "}, "Write a note first."),
        ("/language", {"language": "xx"}, "Unknown language."),
    ):
        answer = post(client, path, **form)
        assert answer.status_code == 302, (path, form)
        shown = page(client.get(answer.headers["Location"]))
        assert message in shown and 'class="flash error"' in shown, (path, form)
    missing = post(client, f"/incidents/{ref}/reports/NOPE-123/split")
    assert missing.status_code == 404 and "No such report in this incident." in page(missing)
    unknown = client.get("/incidents/INOPE-000")
    assert unknown.status_code == 404 and "No incident INOPE-000." in page(unknown)
    assert triage_status(rt, ref) == "new"
    # Query strings out of range or nonsense fall back to defaults.
    for path in (
        "/queue?page=abc&band=nope&area=x&period=forever",
        "/queue/rows?page=-3",
        "/map/data?bbox=1,2,x,4",
        "/map/data?bbox=95,0,99,1",
        "/dashboard?days=-5",
        "/dashboard?days=abc",
    ):
        assert client.get(path).status_code == 200, path


def test_report_text_with_markup_is_shown_as_text(app, rt):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)> houses burned in Nakuru'
    enrol(rt, "+254711000041")
    incident = report_incident(app, rt, payload, "+254711000041")
    client = logged_in(app, make_user(rt, "tri", "triage"))
    shown = page(client.get(f"/incidents/{incident.reference}"))
    assert "<script>alert" not in shown and "<img src=x" not in shown
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in shown
    )
    monitor_page = page(client.get(f"/monitors/{pseudonym_of(rt, incident)}"))
    assert "<script>alert" not in monitor_page and "&lt;script&gt;" in monitor_page


def test_a_guessed_category_is_shown_as_a_guess_with_its_words(app, rt):
    enrol(rt, "+254711000042")
    text = "Molo: tumejificha ndani ya kanisa tuko kama hamsini na watoto, tunasikia vilio nje"
    incident = report_incident(app, rt, text, "+254711000042")
    assert incident.flags == ["category_guessed"]
    client = logged_in(app, make_user(rt, "tri", "triage"))
    shown = page(client.get(f"/incidents/{incident.reference}"))
    assert "category guessed from example reports" in shown
    assert re.search(r"guessed from reports in like words: \w+", shown), shown


def pseudonym_of(rt, incident) -> str:
    from ewn.models import Monitor

    with rt.db.reading() as session:
        return session.scalar(
            select(Monitor.pseudonym)
            .join(Report, Report.monitor_id == Monitor.id)
            .where(Report.incident_id == incident.id)
        )


# ---------------------------------------------------------------------------- access and audit


def test_another_areas_incident_is_refused_with_a_reason(app, rt, nakuru):
    incident, _ = nakuru
    kisumu = logged_in(app, make_user(rt, "kis", "triage", "Kisumu"))
    refused = kisumu.get(f"/incidents/{incident.reference}")
    assert refused.status_code == 403
    assert "This incident is outside your admin areas." in page(refused)
    [entry] = audited(rt, "refused", incident.reference)
    assert entry.username == "kis" and entry.detail == {"reason": "areas"}
    # Nor can it be pulled in by merging it into one of their own.
    own = report_incident(app, rt, "Armed men attacked the market in Kisumu town today")
    answer = post(kisumu, f"/incidents/{own.reference}/merge", other=incident.reference)
    assert "outside your admin areas" in page(kisumu.get(answer.headers["Location"]))
    assert triage_status(rt, incident.reference) == "new"


def test_views_of_personal_data_and_every_change_are_audited(app, rt, nakuru):
    incident, client = nakuru
    pseudonym = pseudonym_of(rt, incident)
    client.get(f"/incidents/{incident.reference}")
    assert audited(rt, "view", incident.reference)[0].username == "tri"
    monitor_page = page(client.get(f"/monitors/{pseudonym}"))
    assert audited(rt, "view", pseudonym)
    assert "711000031" not in monitor_page and "Show phone numbers" not in monitor_page
    post(client, f"/incidents/{incident.reference}/claim")
    post(client, f"/incidents/{incident.reference}/note", text="Called the chief")
    assert {e.action for e in audited(rt, "claim") + audited(rt, "note")} == {"claim", "note"}

    admin = logged_in(app, make_user(rt, "root", "admin"))
    assert "Show phone numbers" in page(admin.get(f"/monitors/{pseudonym}"))
    assert not audited(rt, "reveal_number")
    revealed = post(admin, f"/monitors/{pseudonym}/reveal")
    assert revealed.status_code == 200 and "+254711000031" in page(revealed)
    [entry] = audited(rt, "reveal_number", pseudonym)
    assert entry.username == "root"
    assert post(client, f"/monitors/{pseudonym}/reveal").status_code == 403


# ---------------------------------------------------------------------------- the queue


def test_queue_filters_and_jurisdiction(app, rt, nakuru):
    here, client = nakuru
    there = report_incident(app, rt, "Two people abducted by armed men in Kisumu town today")
    assert here.area_id != there.area_id
    everything = page(client.get("/queue"))
    assert here.reference in everything and there.reference in everything
    kisumu = logged_in(app, make_user(rt, "kis", "triage", "Kisumu"))
    theirs = page(kisumu.get("/queue"))
    assert there.reference in theirs and here.reference not in theirs
    assert here.reference not in page(kisumu.get(f"/queue?area={here.area_id}"))
    assert here.reference not in kisumu.get("/map/data").get_data(as_text=True)
    assert there.reference in kisumu.get("/map/data").get_data(as_text=True)
    counts = page(kisumu.get("/dashboard"))
    assert "<th>Kisumu</th>" in counts and "Nakuru" not in counts
    everywhere = page(client.get("/dashboard?days=7"))
    assert "<th>Kisumu</th>" in everywhere and "<th>Nakuru</th>" in everywhere

    def shown(query: str) -> set[str]:
        rows = page(client.get(f"/queue/rows?{query}"))
        return {r for r in (here.reference, there.reference) if r in rows}

    assert shown(f"area={there.area_id}") == {there.reference}
    assert shown(f"category={here.primary_category}") == {here.reference}
    assert shown(f"band={here.priority_band}") >= {here.reference}
    assert shown("period=24h") == {here.reference, there.reference}
    post(client, f"/incidents/{here.reference}/verify")
    assert shown("") == {there.reference}
    assert shown("status=verified") == {here.reference}
    assert shown("status=all") == {here.reference, there.reference}


def test_overdue_incidents_stand_out(app, rt, nakuru):
    incident, client = nakuru
    assert "overdue" not in page(client.get("/queue/rows"))
    with rt.db.session() as session:
        session.scalar(select(Incident).where(Incident.id == incident.id)).review_due_at = (
            utcnow() - timedelta(minutes=1)
        )
    rows = page(client.get("/queue/rows"))
    assert re.search(r'<tr class="band-\w+ overdue"', rows) and ">overdue</strong>" in rows


# ---------------------------------------------------------------------------- the incident page


def test_working_an_incident_end_to_end(app, rt, fake_twilio, nakuru):
    incident, client = nakuru
    ref = incident.reference
    shown = page(client.get(f"/incidents/{ref}"))
    pseudonym = pseudonym_of(rt, incident)
    assert "Houses burned in Nakuru town last night" in shown and pseudonym in shown
    assert 'id="incident-map"' in shown and "data-radius=" in shown and "sms" in shown
    assert "+254711000031" not in shown and "711000031" not in shown

    assert post(client, f"/incidents/{ref}/claim").status_code == 302
    assert triage_status(rt, ref) == "claimed"
    post(client, f"/incidents/{ref}/note", text="Chief confirms; 3 houses")
    with rt.db.reading() as session:
        report = session.scalar(select(Report).where(Report.incident_id == incident.id))
    categories = f"/incidents/{ref}/reports/{report.reference}/categories"
    unknown = post(client, categories, category=["ARSON"])
    assert "unknown categories: ARSON" in page(client.get(unknown.headers["Location"]))
    saved = post(client, categories, category=["PROPERTY_DESTRUCTION", "DISPLACEMENT"])
    assert "Categories saved." in page(client.get(saved.headers["Location"]))
    post(client, f"/incidents/{ref}/reports/{report.reference}/reply", text="Are you safe?")
    drain(rt)
    assert [m["to"] for m in fake_twilio.sent if m["body"] == "Are you safe?"] == ["+254711000031"]
    computed = incident.severity
    post(client, f"/incidents/{ref}/severity", severity="1")
    with rt.db.reading() as session:
        lowered = session.get(Incident, incident.id)
        assert lowered.severity == 1 and lowered.priority_score < incident.priority_score
    post(client, f"/incidents/{ref}/severity", severity="")
    with rt.db.reading() as session:
        assert session.get(Incident, incident.id).severity == computed
    post(client, f"/incidents/{ref}/escalate", reason="spreading")
    assert triage_status(rt, ref) == "escalated"
    history = page(client.get(f"/incidents/{ref}"))
    for entry in (
        "Chief confirms; 3 houses",
        "replied to the monitor",
        "escalated",
        "claimed",
        "categorised",
        "spreading",
    ):
        assert entry in history, entry

    other = report_incident(app, rt, "Armed militia seen gathering in Molo today")
    merged = post(client, f"/incidents/{ref}/merge", other=other.reference)
    assert "Incidents merged." in page(client.get(merged.headers["Location"]))
    with rt.db.reading() as session:
        assert (
            session.scalar(select(Incident.status).where(Incident.reference == other.reference))
            == "merged"
        )
        moved = session.scalar(select(Report).where(Report.text.like("Armed militia%")))
    split = post(client, f"/incidents/{ref}/reports/{moved.reference}/split")
    assert "Report moved to a new incident." in page(client.get(split.headers["Location"]))
    with rt.db.reading() as session:
        assert session.get(Report, moved.id).incident_id != incident.id


def test_choosing_arabic_lays_the_page_out_right_to_left(app, rt, nakuru):
    _incident, client = nakuru
    assert 'dir="ltr"' in page(client.get("/queue"))
    post(client, "/language", language="ar")
    arabic = page(client.get("/queue"))
    assert '<html lang="ar" dir="rtl">' in arabic and "Queue</h1>" not in arabic
    with rt.db.reading() as session:
        assert session.scalar(select(StaffUser.language).where(StaffUser.username == "tri")) == "ar"


# ---------------------------------------------------------------------------- the demo


def test_the_phone_simulator_is_for_the_demo_only(app, client):
    assert client.get("/").headers["Location"] == "/queue"
    assert client.post("/simulator", data={"phone": "+254700000101", "body": "x"}).status_code in (
        400,
        404,
    )


def test_the_phone_simulator_feeds_the_pipeline(overrides):
    app = create_app({**overrides, "demo": True})
    rt = app.extensions["ewn"]
    client = app.test_client()
    home = client.get("/")
    assert home.status_code == 200 and "+254700000101" in page(home)
    token = csrf_token(client, "/")
    sent = client.post(
        "/simulator",
        data={
            "csrf_token": token,
            "phone": "+254700000101",
            "body": "Houses burned in Nakuru town",
        },
    )
    assert sent.status_code == 302
    refused = client.post("/simulator", data={"csrf_token": token, "phone": "+1999", "body": "x"})
    assert "Choose a phone and write a message." in page(client.get(refused.headers["Location"]))
    with app.app_context():
        drain(rt)
    with rt.db.reading() as session:
        [report] = session.scalars(select(Report))
        assert report.text == "Houses burned in Nakuru town" and report.incident_id
