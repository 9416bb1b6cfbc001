"""Work items: claiming, leases, retries, failures; and /health."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from ewn.models import WorkItem, utcnow
from ewn.models.work import PRIORITY_INTAKE, PRIORITY_NORMAL, PRIORITY_SEVERE, PRIORITY_URGENT
from ewn.store import work
from ewn.worker import STAGES, Worker, transactional_stage


@transactional_stage("test_boom")
def _boom(session, job):
    raise RuntimeError("stage exploded")


def add_item(rt, stage="test_boom", subject_id=1, **values):
    with rt.db.session() as session:
        work.enqueue(session, stage, subject_id)
        if values:
            session.execute(
                update(WorkItem)
                .where(WorkItem.subject_id == subject_id, WorkItem.stage == stage)
                .values(**values)
            )


def items(rt):
    with rt.db.session() as session:
        return list(session.scalars(select(WorkItem).order_by(WorkItem.id)))


def test_enqueue_is_idempotent(rt):
    add_item(rt)
    add_item(rt)
    assert len(items(rt)) == 1


def test_claim_leases_items_and_others_cannot_take_them(rt):
    for subject in range(5):
        add_item(rt, subject_id=subject)
    with rt.db.session() as session:
        first = work.claim(session, "a", 3, 60, 8)
    with rt.db.session() as session:
        second = work.claim(session, "b", 10, 60, 8)
    assert len(first) == 3 and len(second) == 2
    assert not {i.id for i in first} & {i.id for i in second}


def test_claim_respects_priority_then_due_time(rt):
    add_item(rt, subject_id=1, priority=9)
    add_item(rt, subject_id=2, priority=0)
    add_item(rt, subject_id=3, priority=5, due_at=utcnow() + timedelta(hours=1))
    with rt.db.session() as session:
        claimed = work.claim(session, "a", 10, 60, 8)
    assert [i.subject_id for i in claimed] == [2, 1]


def test_expired_lease_is_taken_over_and_the_old_holder_cannot_complete(rt):
    add_item(rt)
    with rt.db.session() as session:
        [old] = work.claim(session, "dead-worker", 1, 60, 8)
        session.execute(update(WorkItem).values(lease_until=utcnow() - timedelta(seconds=1)))
    with rt.db.session() as session:
        [new] = work.claim(session, "live-worker", 1, 60, 8)
    assert new.id == old.id and new.attempts == old.attempts + 1
    with rt.db.session() as session:
        assert work.complete(session, old) is False
        assert work.complete(session, new) is True


def test_failing_stage_is_retried_then_parked_as_failed(rt, client):
    worker = Worker(rt, "w")
    worker.settings.max_attempts = 3
    add_item(rt)
    for _ in range(3):
        with rt.db.session() as session:
            [item] = work.claim(session, "w", 1, 60, 3)
        worker.run_item(item)
        with rt.db.session() as session:
            session.execute(update(WorkItem).values(due_at=utcnow()))
    [item] = items(rt)
    assert item.status == "failed" and item.attempts == 3
    assert item.last_error == "RuntimeError: stage exploded"
    health = client.get("/health")
    assert health.status_code == 503
    assert "1 work items failed" in " ".join(health.json["problems"])
    with rt.db.session() as session:
        assert work.retry_failed(session) == 1
    assert items(rt)[0].status == "due"
    assert "test_boom" in STAGES


def test_lease_expiring_on_every_attempt_parks_the_item(rt):
    add_item(rt)
    for _ in range(3):
        with rt.db.session() as session:
            work.claim(session, "w", 1, 60, 3)
            session.execute(update(WorkItem).values(lease_until=utcnow() - timedelta(seconds=1)))
    with rt.db.session() as session:
        assert work.claim(session, "w", 1, 60, 3) == []
    [item] = items(rt)
    assert item.status == "failed" and "lease expired" in item.last_error


def test_health_ok_then_503_when_work_waits_too_long(client, rt):
    response = client.get("/health")
    assert response.status_code == 200 and response.json["status"] == "ok"
    add_item(rt, due_at=utcnow() - timedelta(seconds=rt.settings.health.max_due_age_seconds + 5))
    response = client.get("/health")
    assert response.status_code == 503
    assert "are the workers running?" in response.json["problems"][0]


def test_health_503_when_database_unreachable(overrides, tmp_path):
    from ewn import create_app

    # A directory cannot be opened as a database file.
    (tmp_path / "not-a-db").mkdir()
    app = create_app(dict(overrides, database_url=f"sqlite:///{tmp_path / 'not-a-db'}"))
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_worker_survives_database_outage(overrides, tmp_path):
    from ewn import create_app

    (tmp_path / "not-a-db").mkdir()
    app = create_app(dict(overrides, database_url=f"sqlite:///{tmp_path / 'not-a-db'}"))
    worker = Worker(app.extensions["ewn"], "w")
    worker.settings.poll_seconds = 0.01
    import threading

    thread = threading.Thread(target=worker.run)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # still trying, not crashed
    worker.stopping.set()
    thread.join(5)
    assert not thread.is_alive()


RAN: list[tuple[str, int]] = []


@transactional_stage("test_routine")
def _routine(session, job):
    """A routine job; the first one makes urgent work appear meanwhile."""
    RAN.append(("routine", job.subject_id))
    if job.subject_id == 1:
        work.enqueue(session, "test_urgent", 7, priority=PRIORITY_URGENT)


@transactional_stage("test_urgent")
def _urgent(session, job):
    RAN.append(("urgent", job.subject_id))


def test_urgent_work_arriving_mid_batch_runs_before_the_rest_of_the_batch(rt):
    RAN.clear()
    for subject in (1, 2, 3):
        add_item(rt, stage="test_routine", subject_id=subject, priority=PRIORITY_NORMAL)
    worker = Worker(rt, "w")
    worker.settings.batch_size = 10
    assert worker.run_once() == 3  # one batch: all three routine jobs claimed at once
    assert RAN == [("routine", 1), ("urgent", 7), ("routine", 2), ("routine", 3)]
    assert {(i.stage, i.status) for i in items(rt)} == {
        ("test_routine", "done"),
        ("test_urgent", "done"),
    }


def test_claim_can_take_only_work_more_urgent_than_a_priority(rt):
    add_item(rt, subject_id=1, priority=PRIORITY_NORMAL)
    add_item(rt, subject_id=2, priority=PRIORITY_SEVERE)
    add_item(rt, subject_id=3, priority=PRIORITY_URGENT)
    with rt.db.reading() as session:
        assert work.more_urgent_waiting(session, PRIORITY_SEVERE)
        assert not work.more_urgent_waiting(session, PRIORITY_URGENT)
    with rt.db.session() as session:
        claimed = work.claim(session, "a", 10, 60, 8, more_urgent_than=PRIORITY_NORMAL)
    assert [i.subject_id for i in claimed] == [3, 2]


def test_an_urgent_only_worker_never_takes_routine_work(rt):
    RAN.clear()
    add_item(rt, stage="test_urgent", subject_id=1, priority=PRIORITY_URGENT)
    add_item(rt, stage="test_urgent", subject_id=2, priority=PRIORITY_INTAKE)
    add_item(rt, stage="test_routine", subject_id=3, priority=PRIORITY_NORMAL)
    Worker(rt, "lane", urgent_only=True).run(until_idle=True)
    assert RAN == [("urgent", 1), ("urgent", 2)]
    assert {(i.subject_id, i.status) for i in items(rt)} == {(1, "done"), (2, "done"), (3, "due")}
    Worker(rt, "any").run(until_idle=True)
    assert RAN[-1] == ("routine", 3)


def test_worker_command_urgent_only(rt, ewn_cli):
    RAN.clear()
    add_item(rt, stage="test_urgent", subject_id=1, priority=PRIORITY_SEVERE)
    add_item(rt, stage="test_routine", subject_id=2, priority=PRIORITY_NORMAL)
    result = ewn_cli("worker", "--urgent-only", "--until-idle")
    assert result.exit_code == 0, result.output
    assert {(i.subject_id, i.status) for i in items(rt)} == {(1, "done"), (2, "due")}
