"""Fixtures: an app on SQLite and (when EWN_TEST_DATABASE_URL is set) PostgreSQL, a fake Twilio
REST API on 127.0.0.1, and requests signed exactly as Twilio signs them.

With CI=true a PostgreSQL or browser test that would be skipped fails instead: CI is where
skips hide.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from ewn import create_app
from ewn.crypto import Keyring
from ewn.db import Database, normalise_url
from ewn.geo import gazetteer
from ewn.geo.config import GeoConfig
from ewn.models import Base
from ewn.settings import ROOT
from tests.fakes import twilio_api

FIXTURES = Path(__file__).parent / "fixtures"
PUBLIC_URL = "https://ewn.example.org"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PG_ENV = "EWN_TEST_DATABASE_URL"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, a skipped postgresql or browser test is a failure."""
    outcome = yield
    report = outcome.get_result()
    needs_service = item.get_closest_marker("postgresql") or item.get_closest_marker("browser")
    if IN_CI and report.skipped and needs_service:
        report.outcome = "failed"
        report.longrepr = f"CI=true: {item.nodeid} was skipped: {report.longrepr}"


def pytest_collection_modifyitems(items):
    for item in items:
        params = getattr(item, "callspec", None)
        if params and params.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgresql)


def load_fixture(name: str) -> dict[str, str]:
    return json.loads((FIXTURES / "twilio" / f"{name}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- databases


def postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        message = f"{PG_ENV} is not set: PostgreSQL tests not run"
        if IN_CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    return normalise_url(url)


BUNDLED_GAZETTEER = ROOT / "ewn" / "geo" / "data" / "KE.txt.gz"
# Places and areas tests add themselves use this country and ids from this number on.
TEST_COUNTRY, TEST_IDS = "ZZ", 900_000_000


def prepare(database: Database) -> None:
    """Schema plus the bundled Kenya gazetteer: every test database starts like the demo."""
    database.upgrade()
    gazetteer.load(database, BUNDLED_GAZETTEER, GeoConfig.load(ROOT / "config" / "geo.yaml"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A prepared SQLite database, copied for each test (preparing each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "ewn.db"
    database = Database(f"sqlite:///{path}")
    prepare(database)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    url = postgres_url()
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    prepare(database)
    database.dispose()
    return url


GAZETTEER_TABLES = {"places", "place_names", "place_name_variants", "admin_areas"}


def empty_postgres(url: str) -> None:
    """Empty every table but the bundled gazetteer, and undo what tests added to it."""
    database = Database(url)
    tables = ", ".join(
        table.name for table in Base.metadata.sorted_tables if table.name not in GAZETTEER_TABLES
    )
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(text("DELETE FROM place_names WHERE kind = 'alias'"))
        connection.execute(
            text(f"DELETE FROM places WHERE country = '{TEST_COUNTRY}' OR source_id >= {TEST_IDS}")
        )
        connection.execute(text(f"DELETE FROM admin_areas WHERE country = '{TEST_COUNTRY}'"))
        connection.execute(text("UPDATE admin_areas SET boundary = NULL"))
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_migrated")
        empty_postgres(url)
        return url
    path = tmp_path / "ewn.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


# ---------------------------------------------------------------------------- app


@pytest.fixture(scope="session")
def keyring_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "keyring.json"
    Keyring.generate().save(path)
    return path


@pytest.fixture
def fake_twilio():
    fake, server = twilio_api.start(ACCOUNT_SID, AUTH_TOKEN)
    yield fake
    server.shutdown()
    server.server_close()


def app_settings(data_dir: Path, database_url: str, keyring_file: Path, twilio_url: str) -> dict:
    """Settings for a test app: real keyring, Twilio pointed at the fake API."""
    return {
        "data_dir": str(data_dir),
        "database_url": database_url,
        "keyring_file": str(keyring_file),
        "public_url": PUBLIC_URL,
        "twilio.account_sid": ACCOUNT_SID,
        "twilio.auth_token": AUTH_TOKEN,
        "twilio.api_base_url": twilio_url,
        "twilio.sms_from": "+15005550006",
        "twilio.timeout_seconds": 2,
        "web.secret_key": "test-secret-key-" + "0" * 32,
        "worker.retry_base_seconds": 0.01,
        "worker.retry_max_seconds": 0.05,
        # Rate limits have their own tests; elsewhere they would only slow tests down.
        "delivery.segments_per_second": 1000,
    }


@pytest.fixture
def overrides(tmp_path, database_url, keyring_file, fake_twilio) -> dict:
    return app_settings(tmp_path / "data", database_url, keyring_file, fake_twilio.url)


@pytest.fixture
def app(overrides):
    application = create_app(overrides)
    yield application
    application.extensions["ewn"].db.dispose()


@pytest.fixture
def rt(app):
    with app.app_context():
        yield app.extensions["ewn"]


@pytest.fixture
def client(app):
    return app.test_client()


# ---------------------------------------------------------------------------- helpers


def sign(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post_signed(client, path: str, params: dict, token: str = AUTH_TOKEN, **kwargs):
    """POST form params to path as Twilio would, signed for PUBLIC_URL + path."""
    return client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign(PUBLIC_URL + path, params, token)},
        **kwargs,
    )


def drain(rt, timeout: float = 30.0) -> None:
    """Run the worker until no work is left, waiting for retries scheduled a moment ahead
    (work scheduled further ahead, such as the end of an ask-back window, is left)."""
    import time
    from datetime import timedelta

    from sqlalchemy import func, or_, select

    from ewn.models import WorkItem, utcnow
    from ewn.worker import Worker

    worker = Worker(rt, name="test-worker")
    deadline = time.monotonic() + timeout
    while True:
        worker.run(until_idle=True)
        soon = utcnow() + timedelta(seconds=10)
        with rt.db.session() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(WorkItem)
                .where(
                    or_(
                        WorkItem.status == "running",
                        (WorkItem.status == "due") & (WorkItem.due_at < soon),
                    )
                )
            )
        if not waiting and not rt.spool.count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{waiting} work items still waiting after {timeout} s")
        time.sleep(0.02)


@pytest.fixture
def run_worker(rt):
    return lambda: drain(rt)


@pytest.fixture
def ewn_cli(overrides, monkeypatch):
    """Run `ewn ...` against the test app's settings (passed as environment variables)."""
    from click.testing import CliRunner

    from ewn.cli import main

    for dotted, value in overrides.items():
        monkeypatch.setenv("EWN_" + dotted.replace(".", "_").upper(), str(value))
    return lambda *args: CliRunner().invoke(main, list(args))
