"""Who may use which route: a matrix written by hand, route × role × jurisdiction.

Columns are eight visitors: nobody logged in; an admin; triage staff for the whole country,
for Nakuru county (where the incident is) and for Kisumu county; mediators for Nakuru and for
Kisumu; a committee member for the whole country. Each cell is
  Y  allowed: the view runs (whatever it then answers)
  N  refused: 403 with a message saying why
  L  sent to the login page
  P  public: never refused for who you are (the view answers: a form, a wrong password,
     a redirect, "demo only")
  S  Twilio signature required: refused to everyone without one
A route the app has and the matrix does not list fails test_every_route_is_in_the_matrix.
"""

from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import select

from ewn import create_app
from ewn.escalation import engine
from ewn.models import (
    AuditEntry,
    Contact,
    ContactGroup,
    Incident,
    Monitor,
    Notification,
    Report,
)
from tests.builders import enrol, logged_in, make_user, report_incident
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, app_settings
from tests.fakes import twilio_api

LINK_TOKEN = "link-token-for-the-access-test"
VISITORS = (
    "anonymous",
    "admin",
    "triage",
    "triage_nakuru",
    "triage_kisumu",
    "mediator_nakuru",
    "mediator_kisumu",
    "committee",
)

MATRIX = {
    # cells in VISITORS order: anonymous admin triage triage_nakuru ... committee
    ("GET", "/"): "P P P P P P P P",
    ("GET", "/health"): "P P P P P P P P",
    ("POST", "/webhooks/twilio/messages"): "S S S S S S S S",
    ("POST", "/webhooks/twilio/messages/fallback"): "S S S S S S S S",
    ("POST", "/webhooks/twilio/status"): "S S S S S S S S",
    ("POST", "/simulator"): "P P P P P P P P",
    ("GET", "/login"): "P P P P P P P P",
    ("POST", "/login"): "P P P P P P P P",
    ("GET", "/login/code"): "P P P P P P P P",
    ("POST", "/login/code"): "P P P P P P P P",
    ("GET", "/login/code/setup"): "P P P P P P P P",
    ("POST", "/login/code/setup"): "P P P P P P P P",
    ("POST", "/logout"): "L Y Y Y Y Y Y Y",
    ("POST", "/language"): "L Y Y Y Y Y Y Y",
    ("GET", "/queue"): "L Y Y Y Y Y Y Y",
    ("GET", "/queue/rows"): "L Y Y Y Y Y Y Y",
    ("GET", "/map"): "L Y Y Y Y Y Y Y",
    ("GET", "/map/data"): "L Y Y Y Y Y Y Y",
    ("GET", "/dashboard"): "L Y Y Y Y Y Y Y",
    ("GET", "/incidents/<reference>"): "L Y Y Y N Y N Y",
    ("POST", "/incidents/<reference>/note"): "L Y Y Y N Y N Y",
    ("POST", "/incidents/<reference>/claim"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/assign"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/verify"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/severity"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/dismiss"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/escalate"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/merge"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/reports/<report_reference>/split"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/reports/<report_reference>/categories"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/reports/<report_reference>/place"): "L Y Y Y N N N N",
    ("POST", "/incidents/<reference>/reports/<report_reference>/reply"): "L Y Y Y N N N N",
    ("GET", "/monitors/<pseudonym>"): "L Y Y Y N N N N",
    ("POST", "/monitors/<pseudonym>/reveal"): "L Y N N N N N N",
    ("POST", "/escalations/<escalation>/ack"): "L Y Y Y N Y N Y",
    ("POST", "/escalations/<escalation>/resolve"): "L Y Y Y N Y N Y",
    ("GET", "/contacts"): "L Y N N N N N Y",
    ("POST", "/contacts/import"): "L Y N N N N N N",
    ("POST", "/contacts/groups/<int:group_id>"): "L Y N N N N N N",
    # an alert's link: the token is the recipient's credential
    ("GET", "/ack/<token>"): "P P P P P P P P",
    ("POST", "/ack/<token>"): "P P P P P P P P",
}

# What each route is sent: a form a real user could submit, so an allowed call does real work.
FORMS = {
    "/language": {"language": "fr"},
    "/incidents/<reference>/note": {"text": "Called the chief; confirmed."},
    "/incidents/<reference>/verify": {"reason": "two monitors"},
    "/incidents/<reference>/severity": {"severity": "4"},
    "/incidents/<reference>/dismiss": {"as": "rumour"},
    "/incidents/<reference>/merge": {"other": "{other}"},
    "/incidents/<reference>/assign": {"to": "{assignee}"},
    "/incidents/<reference>/reports/<report_reference>/categories": {"category": "ARSON"},
    "/incidents/<reference>/reports/<report_reference>/place": {"place": "Naivasha"},
    "/incidents/<reference>/reports/<report_reference>/reply": {"text": "Are you safe?"},
    "/login": {"username": "nobody", "password": "wrong"},
    "/escalations/<escalation>/resolve": {"why": "Mediators are on site."},
    "/contacts/groups/<int:group_id>": {"template": "minimal"},
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, sqlite_template, keyring_file):
    """A database with the eight visitors and two incidents in Nakuru county, one from an
    enrolled monitor; built once, copied for each route."""
    fake, server = twilio_api.start(ACCOUNT_SID, AUTH_TOKEN)
    folder = tmp_path_factory.mktemp("access")
    shutil.copy(sqlite_template, folder / "ewn.db")
    app = create_app(
        app_settings(folder / "data", f"sqlite:///{folder / 'ewn.db'}", keyring_file, fake.url)
    )
    rt = app.extensions["ewn"]
    with app.app_context():
        users = {"anonymous": None}
        for name in VISITORS[1:]:
            role, _, county = name.partition("_")
            users[name] = make_user(rt, name, role, county.capitalize() or None)
        enrol(rt, "+254711000001")
        here = report_incident(app, rt, "Houses burned in Nakuru town last night", "+254711000001")
        other = report_incident(app, rt, "Armed militia seen gathering in Molo today")
        with rt.db.reading() as session:
            report = session.scalar(select(Report).where(Report.incident_id == here.id))
            monitor = session.get(Monitor, report.monitor_id)
        with rt.db.session() as session:
            incident = session.get(Incident, here.id)
            escalation = engine.start(session, rt, rt.escalation.incident_rules[0], incident)
            contact = Contact(pseudonym="R-ACCES")
            group = ContactGroup(name="County mediators")
            session.add_all([contact, group])
            session.flush()
            group_id = group.id
            session.add(
                Notification(
                    escalation_id=escalation.id,
                    contact_id=contact.id,
                    round=0,
                    step=0,
                    group="County mediators",
                    link_hash=engine.link_hash(LINK_TOKEN),
                )
            )
            escalation_reference = escalation.reference
    rt.db.dispose()
    server.shutdown()
    server.server_close()
    assert here.id != other.id and here.area_id == other.area_id is not None
    values = {
        "reference": here.reference,
        "report_reference": report.reference,
        "pseudonym": monitor.pseudonym,
        "other": other.reference,
        "assignee": str(users["triage_nakuru"]),
        "escalation": escalation_reference,
        "token": LINK_TOKEN,
        "group_id": str(group_id),
    }
    return folder / "ewn.db", users, values


@pytest.fixture
def world(prepared, tmp_path, keyring_file, fake_twilio):
    database, users, values = prepared
    shutil.copy(database, tmp_path / "ewn.db")
    app = create_app(
        app_settings(
            tmp_path / "data", f"sqlite:///{tmp_path / 'ewn.db'}", keyring_file, fake_twilio.url
        )
    )
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests; here only access
    yield app, users, values
    app.extensions["ewn"].db.dispose()


def routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_matrix(app):
    assert routes(app) == set(MATRIX), "list new routes in MATRIX (and FORMS if they need a form)"


def test_every_route_declares_who_it_is_for(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "access", None), f"{rule.rule} has neither @allow nor @public"


def fill(rule: str, values: dict) -> str:
    """ "/incidents/<reference>" → "/incidents/K7Q-4MX" (each <name> from values)."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values[match.group(1)], rule)


@pytest.mark.parametrize(("method", "rule"), sorted(MATRIX))
def test_access_matrix(world, method, rule):
    app, users, values = world
    expected = dict(zip(VISITORS, MATRIX[(method, rule)].split(), strict=True))
    path = fill(rule, values)
    form = {k: v.format(**values) for k, v in FORMS.get(rule, {}).items()}
    rt = app.extensions["ewn"]
    for visitor, cell in expected.items():
        client = logged_in(app, users[visitor]) if users[visitor] else app.test_client()
        response = client.open(path, method=method, data=form if method == "POST" else None)
        status, location = response.status_code, response.headers.get("Location", "")
        outcome = f"{visitor} {method} {path} -> {status} {location}"
        if cell == "Y":
            assert status not in (401, 403) and "/login?next=" not in location, outcome
            assert status < 500, outcome
        elif cell == "N":
            assert status == 403, outcome
            assert "<h1>" in response.get_data(as_text=True), outcome
            with rt.db.reading() as session:
                refused = session.scalar(
                    select(AuditEntry)
                    .where(AuditEntry.action == "refused", AuditEntry.username == visitor)
                    .order_by(AuditEntry.id.desc())
                    .limit(1)
                )
            assert refused is not None, f"{outcome}: refusal not audited"
        elif cell == "L":
            assert status == 302 and "/login?next=" in location, outcome
        elif cell == "S":
            assert status == 403, outcome
        else:
            assert cell == "P" and status != 403 and status < 500, outcome
