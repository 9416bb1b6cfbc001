"""Alerts under faults, with real `ewn worker` processes: a worker killed in the middle of
sending, three workers on PostgreSQL sharing one rate limit, and every worker stopped.

Twilio takes no idempotency key. A worker killed after Twilio accepted a message but before
EWN recorded it leaves the message "submitting"; when the lease runs out another worker sends
it again. That window is one HTTP round trip plus one commit: the alert may then arrive twice,
and is never lost. Killed at any other moment, nothing is sent twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from ewn.delivery.outbox import queue_message
from ewn.models import Escalation, OutboundMessage, WorkItem, utcnow
from ewn.models.work import PRIORITY_URGENT
from ewn.settings import ROOT
from tests.test_processes import ewn_environment

pytestmark = pytest.mark.slow


def start_worker(settings: dict, log: Path) -> subprocess.Popen:
    ewn = Path(sys.executable).with_name("ewn")
    return subprocess.Popen(
        [str(ewn), "worker"],
        cwd=ROOT,
        env=ewn_environment(settings),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def queue_alerts(rt, count: int, body: str = "EWN alert K7Q-4MX: Killing. Reply 4821.") -> None:
    with rt.db.session() as session:
        for index in range(count):
            queue_message(
                session,
                rt.keyring,
                purpose="alert",
                channel="sms",
                phone=f"+2547230{index:05d}",
                body=body,
                priority=PRIORITY_URGENT,
            )


def statuses(rt) -> list[str]:
    with rt.db.reading() as session:
        return list(session.scalars(select(OutboundMessage.status)))


@pytest.fixture
def settings(overrides):
    return dict(
        overrides,
        **{"worker.lease_seconds": 2, "worker.poll_seconds": 0.05, "worker.batch_size": 2},
    )


def test_worker_killed_while_twilio_accepts_the_alert_loses_nothing(
    settings, rt, fake_twilio, tmp_path
):
    queue_alerts(rt, 1)
    fake_twilio.pause_next(3.0)  # the provider takes its time: the request is in flight
    first = start_worker(settings, tmp_path / "first.log")
    try:
        wait_for(lambda: statuses(rt) == ["submitting"], 20, "the send to start")
        time.sleep(0.5)
        os.killpg(first.pid, signal.SIGKILL)  # mid-request, before EWN records the result
        first.wait(10)
    finally:
        stop(first)
    wait_for(lambda: len(fake_twilio.sent) == 1, 10, "the provider to accept it anyway")
    second = start_worker(settings, tmp_path / "second.log")
    try:
        wait_for(lambda: statuses(rt) in (["queued"], ["accepted"]), 30, "the alert to be sent")
    finally:
        stop(second)
    # Not lost; sent a second time, as the module docstring says it can be in this window.
    assert len(fake_twilio.sent) == 2


def test_worker_killed_before_sending_sends_exactly_once(settings, rt, fake_twilio, tmp_path):
    queue_alerts(rt, 1)
    with rt.db.session() as session:  # a worker claimed it and died before sending anything
        session.execute(
            update(WorkItem)
            .where(WorkItem.stage == "send")
            .values(
                status="running",
                worker="dead-worker",
                attempts=1,
                lease_until=utcnow() - timedelta(seconds=1),
            )
        )
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        wait_for(lambda: statuses(rt) in (["queued"], ["accepted"]), 30, "the alert to be sent")
        time.sleep(1)
    finally:
        stop(worker)
    assert len(fake_twilio.sent) == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_three_workers_send_each_alert_once_within_the_rate(settings, rt, fake_twilio, tmp_path):
    rate = 5
    settings = dict(settings, **{"delivery.segments_per_second": rate})
    queue_alerts(rt, 30)
    workers = [start_worker(settings, tmp_path / f"worker{n}.log") for n in range(3)]
    try:
        wait_for(lambda: len(fake_twilio.sent) >= 30, 60, "thirty alerts")
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            stop(worker)
    references = [m["status_callback"].rsplit("ref=", 1)[1] for m in fake_twilio.sent]
    assert len(references) == len(set(references)) == 30, "an alert was sent twice"
    times = sorted(m["received_at"] for m in fake_twilio.sent)
    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    # One of slack: a slot is claimed just before the request travels to the provider.
    assert busiest <= rate + 1, f"{busiest} alerts in one second (limit {rate})"
    assert times[-1] - times[0] >= (30 - rate - 1) / rate


def test_all_workers_stopped_health_says_so(settings, rt, app, fake_twilio, tmp_path):
    from ewn.escalation import contacts as contact_store
    from ewn.escalation import engine
    from tests.builders import report_incident

    with rt.db.session() as session:
        contact_store.import_csv(
            session,
            rt,
            "name,channels,language,areas,national,groups\n"
            "M,+254722000099,en,,yes,County mediators\n",
        )
    incident = report_incident(app, rt, "Houses burned in Nakuru town last night")
    with rt.db.session() as session:
        from ewn.models import Incident

        started = engine.start(
            session, rt, rt.escalation.incident_rules[0], session.get(Incident, incident.id)
        )
    client = app.test_client()
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        wait_for(lambda: len(fake_twilio.sent) >= 2, 30, "the first alert")
        assert client.get("/health").status_code == 200
    finally:
        stop(worker)
    # No worker now. The step comes due and nobody runs it.
    with rt.db.session() as session:
        session.execute(
            update(Escalation)
            .where(Escalation.id == started.id)
            .values(next_due_at=utcnow() - timedelta(minutes=5))
        )
    answer = client.get("/health")
    assert answer.status_code == 503
    assert any("escalation step" in problem for problem in answer.get_json()["problems"])
