"""Priority, review deadlines and what staff do to incidents (without the browser)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ewn.models import Incident, Monitor, OutboundMessage, Report, StaffUser, utcnow
from ewn.store import monitors as monitor_store
from ewn.triage import actions
from ewn.triage.actions import ActionError
from ewn.triage.ageing import rescore_aged
from ewn.triage.priority import overdue
from tests.builders import enrol, make_user, report_incident, send
from tests.conftest import drain


def reload(rt, incident_id: int) -> Incident:
    with rt.db.reading() as session:
        incident = session.get(Incident, incident_id)
        session.expunge(incident)
        return incident


def staff(rt, username: str = "tri") -> StaffUser:
    user_id = make_user(rt, username, "triage")
    with rt.db.reading() as session:
        user = session.get(StaffUser, user_id)
        session.expunge(user)
        return user


def test_priority_follows_severity_corroboration_and_vulnerable_people(app, rt, client):
    minor = report_incident(app, rt, "People say there may be tension at Molo market next week")
    for n, phone in enumerate(("+254711000011", "+254711000012", "+254711000013")):
        enrol(rt, phone)
        send(client, f"Armed men killed {n + 3} children at the Kakuma camp this morning", phone)
    drain(rt)
    with rt.db.reading() as session:
        grave = session.scalar(select(Incident).where(Incident.primary_category == "KILLING"))
        session.expunge(grave)
    assert grave.vulnerable and grave.monitor_count == 3
    assert grave.priority_band == "critical" and minor.priority_band in ("low", "medium")
    assert grave.priority_score > minor.priority_score + 30
    # Each band has its own review target.
    assert grave.review_due_at - grave.created_at == timedelta(minutes=15)
    assert minor.review_due_at - minor.created_at >= timedelta(minutes=240)


def test_verifying_recomputes_priority_and_restarts_the_clock(app, rt):
    incident = report_incident(app, rt, "Houses burned in Nakuru town last night")
    user = staff(rt)
    with rt.db.session() as session:
        live = session.get(Incident, incident.id)
        live.review_due_at = utcnow() - timedelta(minutes=1)
        assert overdue(live)
        actions.verify(session, rt, live, user, "two sources")
    after = reload(rt, incident.id)
    assert after.triage_status == "verified" and not overdue(after)
    assert after.priority_score == incident.priority_score - 10
    assert after.reviewed_at is not None and after.review_due_at > after.reviewed_at


def test_incidents_are_rescored_as_they_grow_older(app, rt):
    incident = report_incident(app, rt, "Houses are burning in Nakuru town")
    # Time passes: the event is now 6 hours and a minute old, and nothing else changed.
    six_hours_ago = utcnow() - timedelta(hours=6, minutes=1)
    with rt.db.session() as session:
        for report in session.scalars(select(Report).where(Report.incident_id == incident.id)):
            report.event_start = report.event_end = six_hours_ago
        live = session.get(Incident, incident.id)
        live.event_start = live.event_end = six_hours_ago
        before = live.priority_score
    assert rescore_aged(rt, since=utcnow() - timedelta(minutes=5)) == 1
    after = reload(rt, incident.id)
    assert after.priority_score == before - 5  # from "under 6 hours" to "under 24 hours"
    # Nothing crossed a step since: nothing is re-scored again.
    assert rescore_aged(rt, since=utcnow() - timedelta(seconds=1)) == 0


def test_replies_go_through_the_outbox_only_to_those_who_may_receive_them(app, rt, fake_twilio):
    enrol(rt, "+254711000021")
    incident = report_incident(app, rt, "Houses burned in Nakuru town", "+254711000021")
    user = staff(rt)
    with rt.db.session() as session:
        report = session.scalar(select(Report).where(Report.incident_id == incident.id))
        reference = actions.reply(session, rt, report, user, "Are you safe? Call 1199.")
        for bad, problem in (("", "empty"), ("x" * 481, "too_long")):
            with pytest.raises(ActionError, match=problem):
                actions.reply(session, rt, report, user, bad)
    drain(rt)
    sent = [m for m in fake_twilio.sent if m["body"] == "Are you safe? Call 1199."]
    assert len(sent) == 1 and sent[0]["to"] == "+254711000021"
    with rt.db.reading() as session:
        queued = session.scalar(
            select(OutboundMessage).where(OutboundMessage.reference == reference)
        )
        assert queued.purpose == "staff_reply" and queued.status == "accepted"

    with rt.db.session() as session:
        report = session.scalar(select(Report).where(Report.incident_id == incident.id))
        identity_hash = rt.keyring.lookup_hash("+254711000021")
        monitor_store.opt_out(session, identity_hash, None)
        with pytest.raises(ActionError, match="opted_out"):
            actions.reply(session, rt, report, user, "Hello?")
        session.get(Monitor, report.monitor_id).silent = True
        with pytest.raises(ActionError, match="silent"):
            actions.reply(session, rt, report, user, "Hello?")
