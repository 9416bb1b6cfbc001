"""Reference Flask apps that benchmarks/ingest.py measures EWN's webhook against.

empty_app answers every webhook with empty TwiML: the cost of gunicorn, Flask and HTTP alone.
insert_app checks X-Twilio-Signature with twilio's RequestValidator and makes one durable
INSERT into SQLite (WAL, the same PRAGMA synchronous as EWN): the least any durable ingest
must do. It reads its settings from the environment:

    BENCH_REF_DATABASE     SQLite file (create its table first with create_schema)
    BENCH_REF_SYNCHRONOUS  PRAGMA synchronous value, e.g. FULL
    BENCH_REF_AUTH_TOKEN   Twilio auth token the requests are signed with
    BENCH_REF_PUBLIC_URL   base URL the requests are signed for, e.g. http://127.0.0.1:8000

Run either under gunicorn, e.g. `gunicorn -c config/gunicorn.conf.py
benchmarks.reference_apps:insert_app`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from functools import cache

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

WEBHOOK_PATH = "/webhooks/twilio/messages"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    external_id TEXT NOT NULL,
    raw BLOB NOT NULL,
    received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (provider, external_id)
)
"""
INSERT = """
INSERT INTO messages (provider, external_id, raw) VALUES ('twilio', ?, ?)
ON CONFLICT (provider, external_id) DO NOTHING
"""


def _twiml() -> Response:
    return Response(EMPTY_TWIML, 200, content_type="text/xml; charset=utf-8")


def _health() -> str:
    return "ok\n"


def connect(path: str, synchronous: str) -> sqlite3.Connection:
    """An autocommit connection in WAL mode that waits for the write lock like EWN's."""
    connection = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("PRAGMA busy_timeout=5000")
    return connection


def create_schema(path: str) -> None:
    connection = connect(path, "FULL")
    connection.execute(SCHEMA)
    connection.close()


# ---------------------------------------------------------------------------- empty TwiML

empty_app = Flask("empty_app")
empty_app.add_url_rule("/health", view_func=_health)
empty_app.add_url_rule(WEBHOOK_PATH, view_func=_twiml, methods=["POST"])


# ---------------------------------------------------------------------------- signature + insert

insert_app = Flask("insert_app")
insert_app.add_url_rule("/health", view_func=_health)
_local = threading.local()


@cache
def _settings() -> tuple[str, str, RequestValidator, str]:
    env = os.environ
    return (
        env["BENCH_REF_DATABASE"],
        env.get("BENCH_REF_SYNCHRONOUS", "FULL"),
        RequestValidator(env["BENCH_REF_AUTH_TOKEN"]),
        env["BENCH_REF_PUBLIC_URL"].rstrip("/") + WEBHOOK_PATH,
    )


def _connection() -> sqlite3.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None:
        path, synchronous, _validator, _url = _settings()
        connection = _local.connection = connect(path, synchronous)
    return connection


@insert_app.post(WEBHOOK_PATH)
def insert_message() -> Response:
    _path, _synchronous, validator, url = _settings()
    raw = request.get_data()  # read (and cache) the body first: form parsing would consume it
    signature = request.headers.get("X-Twilio-Signature", "")
    if not validator.validate(url, request.form, signature):
        return Response("Forbidden\n", 403, content_type="text/plain; charset=utf-8")
    _connection().execute(INSERT, (request.form["MessageSid"], raw))
    return _twiml()
