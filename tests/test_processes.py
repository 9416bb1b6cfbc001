"""Real processes and real outages: gunicorn killed with SIGKILL, four workers sharing
PostgreSQL, a locked SQLite database, PostgreSQL going away and coming back."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from ewn.ingest.record import encode_params, message_row
from ewn.models import InboundMessage, Report, WorkItem
from ewn.settings import ROOT
from tests.conftest import PUBLIC_URL, drain, load_fixture, post_signed, sign

PATH = "/webhooks/twilio/messages"
pytestmark = pytest.mark.slow


def ewn_environment(overrides: dict, **extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("EWN_") or key.startswith("EWN_TEST_")
    }
    for dotted, value in {**overrides, **extra}.items():
        environment["EWN_" + dotted.replace(".", "_").upper()] = str(value)
    return environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port} after {timeout} s")


def start_gunicorn(environment: dict, port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "config/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "app:app",
        ],
        cwd=ROOT,
        env={**environment, "EWN_BIND": f"127.0.0.1:{port}", "EWN_WEB_PROCESSES": "2"},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return process


def test_kill_9_right_after_200_loses_nothing(overrides, rt):
    port = free_port()
    environment = ewn_environment(overrides)
    server = start_gunicorn(environment, port)
    params = load_fixture("inbound__sms")
    url = f"http://127.0.0.1:{port}{PATH}"
    # EWN checks signatures against its public URL, whatever host the request reached.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "POST",
        PATH,
        body=urlencode(params),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(PUBLIC_URL + PATH, params),
        },
    )
    response = connection.getresponse()
    assert response.status == 200
    os.killpg(server.pid, signal.SIGKILL)  # master and workers, no clean shutdown
    server.wait(10)
    assert url  # the request above went over real HTTP to gunicorn
    restarted = start_gunicorn(environment, port)
    try:
        drain(rt)
        with rt.db.session() as session:
            [message] = session.scalars(select(InboundMessage)).all()
            assert message.external_id == params["MessageSid"]
            assert session.scalar(select(func.count()).select_from(Report)) == 1
    finally:
        os.killpg(restarted.pid, signal.SIGTERM)
        restarted.wait(20)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_locked_sqlite_spools_then_flushes(client, rt, backend):
    path = rt.db.engine.url.database
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        response = post_signed(client, PATH, load_fixture("inbound__sms"))
        assert response.status_code == 200
        assert time.monotonic() - started < 10  # well within Twilio's 15 s
        assert rt.spool.count() == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    drain(rt)
    assert rt.spool.count() == 0
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_outage_spools_then_flushes(overrides, backend):
    from sqlalchemy.engine import make_url

    from ewn import create_app
    from tests.fakes.tcp_proxy import TcpProxy

    target = make_url(overrides["database_url"])
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    proxy.start()
    through_proxy = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False
    )
    app = create_app(dict(overrides, database_url=through_proxy))
    client = app.test_client()
    first, second = load_fixture("inbound__sms"), load_fixture("inbound__whatsapp_text")
    assert post_signed(client, PATH, first).status_code == 200
    proxy.stop()  # PostgreSQL is gone
    try:
        assert post_signed(client, PATH, second).status_code == 200
        rt = app.extensions["ewn"]
        assert rt.spool.count() == 1
        health = client.get("/health")
        assert health.status_code == 503 and health.json["database"] == "unreachable"
    finally:
        proxy.start()  # and back, on the same port
    with app.app_context():
        drain(rt)
        with rt.db.session() as session:
            sids = set(session.scalars(select(InboundMessage.external_id)))
    assert sids == {first["MessageSid"], second["MessageSid"]}
    assert rt.spool.count() == 0
    assert client.get("/health").status_code == 200
    rt.db.dispose()
    proxy.stop()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_four_workers_share_1000_messages_and_take_over_a_killed_one(overrides, tmp_path):
    from ewn import create_app
    from ewn.store import messages

    settings = dict(
        overrides,
        **{"worker.lease_seconds": 3, "worker.batch_size": 5, "worker.poll_seconds": 0.05},
    )
    app = create_app(settings)
    rt = app.extensions["ewn"]
    marker = tmp_path / "stalled"
    environment = {**ewn_environment(settings), "STALL_MARKER": str(marker)}
    # Logs go to files: an unread pipe fills up and blocks the worker writing to it.
    logs = [(tmp_path / f"worker{n}.log").open("wb") for n in range(4)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.stalling_worker"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        time.sleep(2)  # all four polling before the work arrives
        base = load_fixture("inbound__sms")
        for index in range(1000):
            params = dict(
                base,
                MessageSid=f"SM{index:032x}",
                From=f"+2547{index:08d}",
                Body=("STALL " if index == 500 else "") + f"report number {index}",
            )
            raw = encode_params(params)
            messages.record_inbound(rt.db, message_row(raw, MultiDict(params), "webhook", rt))
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert time.monotonic() < deadline, "no worker picked up the STALL message"
            time.sleep(0.05)
        stalled_pid = int(marker.read_text())
        os.kill(stalled_pid, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while True:
            with rt.db.session() as session:
                waiting = session.scalar(
                    select(func.count())
                    .select_from(WorkItem)
                    .where(WorkItem.stage == "message", WorkItem.status != "done")
                )
            if not waiting:
                break
            if time.monotonic() > deadline:
                with rt.db.session() as session:
                    stuck = [
                        (i.id, i.status, i.attempts, i.worker, i.lease_until, i.last_error)
                        for i in session.scalars(select(WorkItem).where(WorkItem.status != "done"))
                    ]
                raise AssertionError(
                    f"still waiting: {stuck}; killed {stalled_pid}; logs in {tmp_path}"
                )
            time.sleep(0.2)
        with rt.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Report)) == 1000
            unreported = session.scalar(
                select(func.count())
                .select_from(InboundMessage)
                .where(InboundMessage.report_id.is_(None))
            )
            assert unreported == 0
            distinct = session.scalar(select(func.count(func.distinct(InboundMessage.report_id))))
            assert distinct == 1000
            done_by = Counter(
                int(name.split(":")[1])
                for name in session.scalars(
                    select(WorkItem.worker).where(WorkItem.stage == "message")
                )
            )
            stall_item = session.scalar(
                select(WorkItem)
                .join(InboundMessage, InboundMessage.id == WorkItem.subject_id)
                .where(WorkItem.stage == "message", InboundMessage.body.like("STALL%"))
            )
        assert stall_item.status == "done" and stall_item.attempts == 2
        assert int(stall_item.worker.split(":")[1]) != stalled_pid
        busy = [pid for pid, count in done_by.items() if count >= 200]
        assert len(busy) >= 2, f"work per worker: {dict(done_by)}"
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        rt.db.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_four_workers_place_50_simultaneous_reports_of_one_event_in_one_incident(
    overrides, tmp_path
):
    from ewn import create_app
    from ewn.models import Incident

    settings = dict(
        overrides,
        **{"worker.lease_seconds": 10, "worker.batch_size": 3, "worker.poll_seconds": 0.05},
    )
    app = create_app(settings)
    rt = app.extensions["ewn"]
    environment = ewn_environment(settings)
    logs = [(tmp_path / f"worker{n}.log").open("wb") for n in range(4)]
    ewn = Path(sys.executable).with_name("ewn")
    workers = [
        subprocess.Popen(
            [str(ewn), "worker"], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        for log in logs
    ]
    try:
        time.sleep(2)
        base = load_fixture("inbound__sms")
        variants = [
            "Shots fired at Kipkelion market now, two people killed by gunmen",
            "Gunmen attacked Kipkelion market, 2 killed",
            "watu wawili wameuawa na watu wenye bunduki soko la Kipkelion sasa hivi",
        ]
        rows = []
        for index in range(50):
            params = dict(
                base,
                MessageSid=f"SM{index:032x}",
                From=f"+2547{index + 1:08d}",
                Body=variants[index % 3] + ("!" * (index % 4)),
            )
            rows.append(message_row(encode_params(params), MultiDict(params), "webhook", rt))
        from ewn.store import messages

        messages.record_many(rt.db, rows)  # all due at once
        deadline = time.monotonic() + 120
        while True:
            with rt.db.session() as session:
                waiting = session.scalar(
                    select(func.count()).select_from(WorkItem).where(WorkItem.status != "done")
                )
                placed = session.scalar(
                    select(func.count()).select_from(Report).where(Report.incident_id.is_not(None))
                )
            if not waiting and placed == 50:
                break
            assert time.monotonic() < deadline, f"{waiting} waiting, {placed} placed"
            time.sleep(0.3)
        with rt.db.session() as session:
            incident_ids = set(session.scalars(select(Report.incident_id)))
            open_incidents = session.scalar(
                select(func.count()).select_from(Incident).where(Incident.status == "open")
            )
            workers_used = {
                name.split(":")[1]
                for name in session.scalars(
                    select(WorkItem.worker).where(WorkItem.stage == "cluster")
                )
            }
        assert len(incident_ids) == 1 and open_incidents == 1
        assert len(workers_used) >= 2  # the placements really were concurrent
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        rt.db.dispose()
