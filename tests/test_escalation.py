"""Escalation: rules and pattern rules, policies step by step, acknowledgement by SMS, link and
web, resolution, timers held in the database, and what the alert says.

Alerts go out through the real send stage to the fake Twilio REST API on 127.0.0.1; replies
come in as signed webhooks. Time passes by moving an escalation's due time into the past, as
a clock would.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select, update

from ewn.escalation import contacts as contact_store
from ewn.escalation import engine
from ewn.escalation.segments import segments
from ewn.models import (
    Escalation,
    EscalationIncident,
    InboundMessage,
    Incident,
    OutboundMessage,
    Report,
    StaffUser,
    WorkItem,
    utcnow,
)
from ewn.models.work import PRIORITY_ALERT_MORE, PRIORITY_URGENT
from ewn.triage import actions
from tests.builders import logged_in, make_user, report_incident, send
from tests.conftest import PUBLIC_URL, drain

POLICY_FILE = """
templates:
  discreet:
    en: "Reminder {reference}: reply {code} to confirm."
    sw: "Kumbusho {reference}: jibu {code} kuthibitisha. {link}"
policies:
  local_then_national:
    steps:
      - notify: County mediators
        wait_minutes: 10
      - notify: National Committee
        wait_minutes: 20
    repeat: 2
    final: Duty officers
    ack_timeout_minutes: 60
  quiet:
    steps:
      - notify: Quiet group
        wait_minutes: 5
rules:
  - name: staff_escalated
    status: [escalated]
    policy: local_then_national
  - name: killings_in_nakuru
    categories: [KILLING]
    min_severity: 5
    areas: [Nakuru]
    policy: local_then_national
  - name: hate_speech_trend
    pattern: {category: HATE_SPEECH_INCITEMENT, at_least: 3, within_days: 7}
    policy: local_then_national
"""

CONTACTS = """name,channels,language,areas,national,groups
Amina Wanjiru,+254722000001,sw,Nakuru,no,County mediators
Otieno Kisumu,+254722000002,en,Kisumu,no,County mediators
Claire Comité,+254722000003,fr,,yes,National Committee
Duty Officer,whatsapp:+254722000004;+254722000004,ar,,yes,Duty officers
"""
NAKURU_MEDIATOR, KISUMU_MEDIATOR, COMMITTEE, DUTY = (
    "+254722000001",
    "+254722000002",
    "+254722000003",
    "+254722000004",
)


@pytest.fixture
def overrides(overrides, tmp_path):
    path = tmp_path / "escalation.yaml"
    path.write_text(POLICY_FILE, encoding="utf-8")
    return {
        **overrides,
        "escalation.config_file": str(path),
        "twilio.whatsapp_from": "+15005550007",
    }


@pytest.fixture
def people(rt):
    with rt.db.session() as session:
        result = contact_store.import_csv(session, rt, CONTACTS)
    assert (result.created, result.errors) == (4, [])


def escalated(app, rt, text="Houses burned in Nakuru town last night") -> Incident:
    """An incident staff escalate (the staff_escalated rule), run through the worker."""
    incident = report_incident(app, rt, text)
    make_user(rt, "tri", "triage")
    with rt.db.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "tri"))
        actions.escalate(session, rt, session.get(Incident, incident.id), user, "chief called")
    drain(rt)
    return incident


def the_escalation(rt, rule="staff_escalated") -> Escalation:
    with rt.db.reading() as session:
        found = session.scalar(select(Escalation).where(Escalation.rule == rule))
        assert found is not None, f"no escalation by {rule}"
        session.expunge(found)
        return found


def sent_to(fake, phone: str) -> list[str]:
    return [m["body"] for m in fake.sent if m["to"].removeprefix("whatsapp:") == phone]


def time_passes(rt, escalation_id: int) -> None:
    """The escalation's timer is due: its next_due_at (and the wake-up) move into the past."""
    past = utcnow() - timedelta(seconds=1)
    with rt.db.session() as session:
        session.execute(
            update(Escalation).where(Escalation.id == escalation_id).values(next_due_at=past)
        )
        session.execute(
            update(WorkItem)
            .where(WorkItem.stage == engine.STEP_STAGE, WorkItem.subject_id == escalation_id)
            .values(due_at=past)
        )
    drain(rt)


def timeline(rt, escalation_id: int) -> list[str]:
    """The escalation's events in order, without delivery statuses (they arrive whenever the
    provider reports; tests of them read them directly)."""
    from ewn.models import EscalationEvent

    with rt.db.reading() as session:
        return list(
            session.scalars(
                select(EscalationEvent.kind)
                .where(
                    EscalationEvent.escalation_id == escalation_id,
                    EscalationEvent.kind != "delivery",
                )
                .order_by(EscalationEvent.id)
            )
        )


def incident_reference(rt, escalation: Escalation) -> str:
    with rt.db.reading() as session:
        return session.get(Incident, escalation.incident_id).reference


def state(rt, escalation_id: int) -> str:
    with rt.db.reading() as session:
        return session.get(Escalation, escalation_id).state


# -- rules and the first step --------------------------------------------------------------------


def test_staff_escalation_alerts_the_mediators_of_the_area_only(app, rt, people, fake_twilio):
    incident = escalated(app, rt)
    escalation = the_escalation(rt)
    assert escalation.incident_id == incident.id and escalation.state == "active"
    [alert] = sent_to(fake_twilio, NAKURU_MEDIATOR)
    # In the mediator's language (Kiswahili), with the reference and the ack code.
    assert incident.reference in alert and escalation.ack_code in alert and "Nakuru" in alert
    assert segments(alert) <= 2
    assert sent_to(fake_twilio, KISUMU_MEDIATOR) == []  # another county's mediator
    assert sent_to(fake_twilio, COMMITTEE) == []  # the next step, not yet
    assert timeline(rt, escalation.id) == ["started", "notified", "waiting"]


def test_a_rule_starts_once_per_incident_however_often_it_changes(app, rt, people, fake_twilio):
    incident = escalated(app, rt)
    with rt.db.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "tri"))
        actions.escalate(session, rt, session.get(Incident, incident.id), user, "again")
        actions.note(session, session.get(Incident, incident.id), user, "still burning")
    drain(rt)
    with rt.db.reading() as session:
        assert len(session.scalars(select(Escalation)).all()) == 1
    assert len(sent_to(fake_twilio, NAKURU_MEDIATOR)) == 1


def test_one_escalation_under_way_per_incident(app, rt, people, fake_twilio):
    """A killing in Nakuru (one rule), then escalated by staff (another): one alert."""
    escalated(app, rt, "Five people were killed in Nakuru town this morning")
    with rt.db.reading() as session:
        [only] = session.scalars(select(Escalation)).all()
        assert only.rule == "killings_in_nakuru"
    assert len(sent_to(fake_twilio, NAKURU_MEDIATOR)) == 1


def test_category_severity_and_area_filters(app, rt, people, fake_twilio):
    report_incident(app, rt, "Armed men attacked the market in Kisumu town today")
    report_incident(app, rt, "Five people were killed in Nakuru town this morning")
    with rt.db.reading() as session:
        rules = {e.rule for e in session.scalars(select(Escalation))}
    # The killing in Nakuru matches; the attack in Kisumu matches nothing; nobody escalated.
    assert rules == {"killings_in_nakuru"}


def test_an_incident_no_rule_could_concern_queues_no_rule_check(app, rt, people, fake_twilio):
    quiet = report_incident(app, rt, "Armed men attacked the market in Kisumu town today")
    killing = report_incident(app, rt, "Five people were killed in Nakuru town this morning")
    with rt.db.reading() as session:
        checked = set(
            session.scalars(select(WorkItem.subject_id).where(WorkItem.stage == "escalate"))
        )
    assert killing.id in checked and quiet.id not in checked


def test_the_first_recipient_of_every_alert_goes_before_the_others(app, rt, people, fake_twilio):
    """When senders are busy, each alert reaches someone before any reaches everyone."""
    second = "Second Mediator,+254722000009,en,Nakuru,no,County mediators\n"
    with rt.db.session() as session:
        contact_store.import_csv(session, rt, CONTACTS.splitlines()[0] + "\n" + second)
    escalated(app, rt)
    with rt.db.reading() as session:
        alerts = session.execute(
            select(OutboundMessage.priority, WorkItem.priority)
            .join(
                WorkItem, (WorkItem.stage == "send") & (WorkItem.subject_id == OutboundMessage.id)
            )
            .where(OutboundMessage.purpose == "alert")
            .order_by(OutboundMessage.id)
        ).all()
    assert alerts == [(PRIORITY_URGENT,) * 2, (PRIORITY_ALERT_MORE,) * 2]
    assert len(sent_to(fake_twilio, NAKURU_MEDIATOR)) == len(sent_to(fake_twilio, "+254722000009"))
    assert len(sent_to(fake_twilio, "+254722000009")) == 1


# -- acknowledgement ---------------------------------------------------------------------------


def test_ack_by_sms_with_the_code_stops_the_steps(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    send(app.test_client(), f"POKEA {escalation.ack_code}", NAKURU_MEDIATOR)
    drain(rt)
    assert state(rt, escalation.id) == "acknowledged"
    confirmation = sent_to(fake_twilio, NAKURU_MEDIATOR)[-1]
    assert incident_reference(rt, escalation) in confirmation
    # The step's old wake-up (10 minutes) fires: it finds the escalation acknowledged.
    with rt.db.session() as session:
        session.execute(
            update(WorkItem)
            .where(WorkItem.stage == engine.STEP_STAGE)
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
    drain(rt)
    assert sent_to(fake_twilio, COMMITTEE) == [] and state(rt, escalation.id) == "acknowledged"
    with rt.db.reading() as session:
        message = session.scalar(select(InboundMessage).order_by(InboundMessage.id.desc()))
        assert message.kind == "ack" and message.report_id is None
        assert session.scalar(select(Report).where(Report.text.like("POKEA%"))) is None


def test_ack_with_arabic_indic_digits_and_a_bare_keyword(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    digits = escalation.ack_code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    send(app.test_client(), digits, NAKURU_MEDIATOR)
    drain(rt)
    assert state(rt, escalation.id) == "acknowledged"


def test_a_bare_ack_acknowledges_the_latest_alert_to_that_person(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    send(app.test_client(), "ack", NAKURU_MEDIATOR)
    drain(rt)
    assert state(rt, escalation.id) == "acknowledged"
    with rt.db.reading() as session:
        acknowledged = session.get(Escalation, escalation.id)
        assert acknowledged.acknowledged_by_id is not None


def test_a_wrong_code_acknowledges_nothing_and_says_so(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    wrong = "1000" if escalation.ack_code != "1000" else "1001"
    send(app.test_client(), f"ACK {wrong}", NAKURU_MEDIATOR)
    drain(rt)
    assert state(rt, escalation.id) == "active"
    assert wrong in sent_to(fake_twilio, NAKURU_MEDIATOR)[-1]


def test_someone_never_alerted_cannot_acknowledge(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    send(app.test_client(), f"ACK {escalation.ack_code}", KISUMU_MEDIATOR)
    drain(rt)
    assert state(rt, escalation.id) == "active"


def test_ack_from_a_monitor_is_an_ordinary_message(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    send(app.test_client(), f"RECEIVED {escalation.ack_code}", "+254799000123")
    drain(rt)
    assert state(rt, escalation.id) == "active"
    with rt.db.reading() as session:
        message = session.scalar(select(InboundMessage).order_by(InboundMessage.id.desc()))
        assert message.kind != "ack" and message.report_id is not None


def test_other_text_from_a_recipient_is_kept_on_the_timeline(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    send(app.test_client(), "Who is this? I am travelling", NAKURU_MEDIATOR)
    drain(rt)
    assert state(rt, escalation.id) == "active"
    assert timeline(rt, escalation.id)[-1] == "contact_reply"
    with rt.db.reading() as session:
        message = session.scalar(select(InboundMessage).order_by(InboundMessage.id.desc()))
        assert message.kind == "contact" and message.report_id is None


def link_of(alert: str) -> str:
    return re.search(re.escape(PUBLIC_URL) + r"(/ack/\S+)", alert).group(1)


def test_ack_link_get_only_shows_a_button_post_acknowledges_once(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    path = link_of(sent_to(fake_twilio, NAKURU_MEDIATOR)[0])
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    page = client.get(path)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert state(rt, escalation.id) == "active"  # a link preview acknowledges nothing
    assert client.post(path).status_code == 200
    assert state(rt, escalation.id) == "acknowledged"
    again = client.post(path).get_data(as_text=True)
    assert "already been used" in again
    assert client.get("/ack/not-a-token").status_code == 404
    with rt.db.reading() as session:
        acknowledged = session.get(Escalation, escalation.id)
        assert acknowledged.acknowledged_by_id is not None  # the link's own recipient


def test_web_acknowledge_and_resolve(app, rt, people, fake_twilio):
    incident = escalated(app, rt)
    escalation = the_escalation(rt)
    app.config["WTF_CSRF_ENABLED"] = False
    client = logged_in(app, make_user(rt, "med", "mediator", "Nakuru"))
    page = client.get(f"/incidents/{incident.reference}").get_data(as_text=True)
    assert escalation.reference in page
    client.post(f"/escalations/{escalation.reference}/ack")
    assert state(rt, escalation.id) == "acknowledged"
    refused = client.post(f"/escalations/{escalation.reference}/resolve", data={"why": ""})
    assert refused.status_code == 302 and state(rt, escalation.id) == "acknowledged"
    client.post(f"/escalations/{escalation.reference}/resolve", data={"why": "Mediators met"})
    assert state(rt, escalation.id) == "resolved"
    kisumu = logged_in(app, make_user(rt, "kis", "mediator", "Kisumu"))
    # The test's application context outlives requests: forget the last request's user.
    g.pop("_login_user", None)
    assert kisumu.post(f"/escalations/{escalation.reference}/ack").status_code == 403


# -- the policy over time ----------------------------------------------------------------------


def test_no_ack_next_group_then_repeat_then_final_and_unanswered(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    time_passes(rt, escalation.id)  # 10 minutes: the committee
    assert len(sent_to(fake_twilio, COMMITTEE)) == 1
    time_passes(rt, escalation.id)  # 20 minutes: round two starts with the mediators
    assert len(sent_to(fake_twilio, NAKURU_MEDIATOR)) == 2
    time_passes(rt, escalation.id)
    assert len(sent_to(fake_twilio, COMMITTEE)) == 2
    assert sent_to(fake_twilio, DUTY) == []
    time_passes(rt, escalation.id)  # repeat: 2 used up
    [final] = sent_to(fake_twilio, DUTY)
    assert state(rt, escalation.id) == "unanswered"
    # The duty officer reads Arabic. WhatsApp comes first in their order, but they have not
    # written on WhatsApp within 24 hours and no template is configured: SMS instead.
    assert [m["to"] for m in fake_twilio.sent if DUTY in m["to"]] == [DUTY]
    assert "channel_skipped" in timeline(rt, escalation.id)
    assert re.search("[\u0600-\u06ff]", final)
    events = timeline(rt, escalation.id)
    assert events.count("notified") == 5 and events[-1] == "unanswered" and "repeated" in events
    time_passes(rt, escalation.id)  # a stale wake-up does nothing
    alerts = [sent_to(fake_twilio, phone) for phone in (NAKURU_MEDIATOR, COMMITTEE, DUTY)]
    assert sum(map(len, alerts)) == 5


def test_acknowledged_after_unanswered_then_timed_out_tells_nobody_twice(
    app, rt, people, fake_twilio
):
    escalated(app, rt)
    escalation = the_escalation(rt)
    for _ in range(4):  # mediators, committee, mediators, committee, then the final group
        time_passes(rt, escalation.id)
    assert state(rt, escalation.id) == "unanswered" and len(sent_to(fake_twilio, DUTY)) == 1
    send(app.test_client(), escalation.ack_code, DUTY)  # the duty officer takes it late
    drain(rt)
    assert state(rt, escalation.id) == "acknowledged"
    time_passes(rt, escalation.id)  # ...and does not resolve it in time
    assert state(rt, escalation.id) == "unanswered"
    assert len([b for b in sent_to(fake_twilio, DUTY) if escalation.ack_code in b]) == 1
    with rt.db.reading() as session:
        failed = session.scalars(select(WorkItem).where(WorkItem.status == "failed")).all()
    assert failed == []


def test_ack_timeout_makes_it_unacknowledged_and_it_goes_on(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    send(app.test_client(), escalation.ack_code, NAKURU_MEDIATOR)
    drain(rt)
    with rt.db.reading() as session:
        waiting = session.get(Escalation, escalation.id)
        assert waiting.next_due_at - waiting.acknowledged_at == timedelta(minutes=60)
    time_passes(rt, escalation.id)  # an hour, not resolved
    assert state(rt, escalation.id) == "active"
    assert len(sent_to(fake_twilio, COMMITTEE)) == 1  # the next step
    assert "unacknowledged" in timeline(rt, escalation.id)


def test_resolved_escalation_sends_nothing_more(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    with rt.db.session() as session:
        assert engine.resolve(session, engine.by_reference(session, escalation.reference), by="t")
    before = len(fake_twilio.sent)
    with rt.db.session() as session:  # the old timer fires anyway
        session.execute(
            update(WorkItem)
            .where(WorkItem.stage == engine.STEP_STAGE)
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
    drain(rt)
    assert len(fake_twilio.sent) == before and state(rt, escalation.id) == "resolved"


def test_the_policy_is_copied_when_the_escalation_starts(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    # The file changes: the committee is dropped from the policy.
    policy = rt.escalation.policies["local_then_national"]
    rt.escalation.policies["local_then_national"] = type(policy)(
        name=policy.name, steps=policy.steps[:1], repeat=1
    )
    time_passes(rt, escalation.id)
    assert len(sent_to(fake_twilio, COMMITTEE)) == 1  # the snapshot still has the committee


def test_empty_group_moves_straight_on(app, rt, people, fake_twilio):
    with rt.db.session() as session:
        incident = session.get(Incident, report_incident(app, rt, "Youths threatened").id)
        rule = next(r for r in rt.escalation.incident_rules if r.name == "staff_escalated")
        rule = type(rule)(name="quiet_rule", policy="quiet")
        started = engine.start(session, rt, rule, incident)
    drain(rt)
    events = timeline(rt, started.id)
    assert events == ["started", "no_group", "unanswered"]


def test_opted_out_recipient_is_never_messaged(app, rt, people, fake_twilio):
    send(app.test_client(), "STOP", NAKURU_MEDIATOR)
    drain(rt)
    escalated(app, rt)
    escalation = the_escalation(rt)
    assert sent_to(fake_twilio, NAKURU_MEDIATOR) == []
    assert "nobody_notified" in timeline(rt, escalation.id)
    # Nobody to wait for: the committee is told at once.
    assert len(sent_to(fake_twilio, COMMITTEE)) == 1


def test_minimal_group_alert_carries_only_reference_and_code(app, rt, people, fake_twilio, ewn_cli):
    result = ewn_cli("contacts", "group", "County mediators", "--minimal")
    assert result.exit_code == 0 and "minimal" in result.output
    incident = escalated(app, rt)
    escalation = the_escalation(rt)
    [alert] = sent_to(fake_twilio, NAKURU_MEDIATOR)
    assert incident.reference in alert and escalation.ack_code in alert
    assert "Nakuru" not in alert and "/ack/" not in alert


def use_template(rt, group: str, template: str) -> None:
    from ewn.models import ContactGroup

    with rt.db.session() as session:
        session.execute(
            update(ContactGroup).where(ContactGroup.name == group).values(template=template)
        )


def test_a_group_alerted_in_the_deployments_own_words(app, rt, people, fake_twilio):
    use_template(rt, "County mediators", "discreet")
    escalated(app, rt)
    escalation = the_escalation(rt)
    [alert] = sent_to(fake_twilio, NAKURU_MEDIATOR)  # Amina reads Kiswahili
    assert alert.startswith("Kumbusho ") and f"jibu {escalation.ack_code} " in alert
    assert f"{PUBLIC_URL}/ack/" in alert and "Nakuru" not in alert
    assert "template_unusable" not in timeline(rt, escalation.id)


def test_a_template_gone_from_the_file_sends_the_minimal_alert(app, rt, people, fake_twilio):
    use_template(rt, "County mediators", "removed_since")
    incident = escalated(app, rt)
    escalation = the_escalation(rt)
    [alert] = sent_to(fake_twilio, NAKURU_MEDIATOR)
    assert incident.reference in alert and escalation.ack_code in alert
    assert "Nakuru" not in alert and "/ack/" not in alert
    assert timeline(rt, escalation.id) == ["started", "template_unusable", "notified", "waiting"]


# -- pattern rules -------------------------------------------------------------------------------

# Four separate events in Nakuru county (towns more than 15 km apart).
HATE = [
    "Hate speech at a rally in Naivasha this morning: the speaker called them cockroaches",
    "Politician at a rally in Molo called them cockroaches who must be cleared out today",
    "Hate messages on walls in Subukia saying outsiders must go, seen today",
    "Inflammatory voice notes in Gilgil inciting youths to drive out outsiders, this evening",
]


def test_pattern_fires_at_the_threshold_and_holds_its_incidents(app, rt, people, fake_twilio):
    for index, text in enumerate(HATE[:3]):
        report_incident(app, rt, text, f"+25471100010{index}")
    with rt.db.reading() as session:
        hate = session.scalars(
            select(Incident).where(Incident.primary_category == "HATE_SPEECH_INCITEMENT")
        ).all()
        assert len(hate) == 3, [(i.reference, i.primary_category) for i in hate]
        [alert] = session.scalars(select(Escalation).where(Escalation.kind == "pattern")).all()
        held = session.scalars(
            select(EscalationIncident.incident_id).where(
                EscalationIncident.escalation_id == alert.id
            )
        ).all()
        assert sorted(held) == sorted(i.id for i in hate) and alert.pattern_count == 3
    [message] = sent_to(fake_twilio, NAKURU_MEDIATOR)
    assert "3" in message and alert.reference in message
    fourth = report_incident(app, rt, HATE[3], "+254711000109")
    assert fourth.primary_category == "HATE_SPEECH_INCITEMENT"
    with rt.db.reading() as session:  # 4 is below the next threshold (6): no new alert
        assert len(session.scalars(select(Escalation)).all()) == 1


# -- health, listing -----------------------------------------------------------------------------


def test_health_fails_when_an_escalation_step_is_overdue(app, rt, people, fake_twilio):
    escalated(app, rt)
    escalation = the_escalation(rt)
    client = app.test_client()
    assert client.get("/health").status_code == 200
    with rt.db.session() as session:
        session.execute(
            update(Escalation)
            .where(Escalation.id == escalation.id)
            .values(next_due_at=utcnow() - timedelta(minutes=10))
        )
    answer = client.get("/health")
    assert answer.status_code == 503
    assert any("escalation step" in problem for problem in answer.get_json()["problems"])


def test_escalations_list_json(app, rt, people, fake_twilio, ewn_cli):
    incident = escalated(app, rt)
    escalation = the_escalation(rt)
    send(app.test_client(), escalation.ack_code, NAKURU_MEDIATOR)
    drain(rt)
    listed = ewn_cli("escalations", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)
    assert row["rule"] == "staff_escalated" and row["incident"] == incident.reference
    assert row["policy"]["steps"][0]["notify"] == "County mediators"
    assert row["state"] == "acknowledged"
    [message] = row["messages"]
    assert message["recipient"].startswith("R-") and message["channel"] == "sms"
    assert message["provider_id"].startswith("SM") and message["status"] in ("queued", "accepted")
    assert row["acknowledged"]["by"] == message["recipient"]
    assert "254722" not in listed.stdout and "Amina" not in listed.stdout
    assert [event["event"] for event in row["timeline"]][-1] == "acknowledged"
    resolved = ewn_cli("escalations", "resolve", escalation.reference, "--by", "t", "--why", "ok")
    assert resolved.exit_code == 0
    again = ewn_cli("escalations", "resolve", escalation.reference, "--by", "t", "--why", "ok")
    assert again.exit_code == 2 and "already resolved" in again.output
