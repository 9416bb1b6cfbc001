"""Latency of the staff web app on a large store, while reports keep arriving.

For each database (SQLite, and PostgreSQL when reachable) this
  1. creates a fresh database with the schema and the bundled Kenya gazetteer;
  2. seeds --reports reports (default 1,000,000) from 3,000 monitors in --incidents incidents
     (default 300,000) spread over the 47 counties and the last 365 days, with priorities,
     triage states, decisions and report areas as the pipeline leaves them;
  3. starts EWN under gunicorn with the production config, and --workers `ewn worker`
     processes;
  4. logs in as a triage user (password, then TOTP) over HTTP;
  5. posts signed Twilio SMS webhooks at --rate reports/s (default 20) for the whole
     measurement, while one client times, in a shuffled order, GET requests of four kinds:
        queue      /queue with varying filters (status, category, area, band, period, page)
        incident   /incidents/<ref> of random incidents (full page: reports, map, history)
        map        /map/data for the country, a county's box, or one band
        dashboard  /dashboard over each period the page offers (7, 30 or 90 days)
     and, as the floor of any page, GET /static/ewn.css (same server, no database);
  6. prints p50/p95 per kind, their ratio to the floor, how many webhooks were accepted and
     how many reports the workers turned into incidents meanwhile.
No response is cached. Target: p95 < 200 ms for each kind. Exit status 0 when met.

    .venv/bin/python benchmarks/queue.py --help
    .venv/bin/python benchmarks/queue.py                          # the full size
    .venv/bin/python benchmarks/queue.py --reports 100000 --incidents 30000 --requests 100
"""

from __future__ import annotations

# ruff: noqa: E402  (imports follow the sys.path fix below)
import sys
from pathlib import Path

# Run as a script, this file would shadow the standard library's queue module (its folder is
# first on sys.path): put the project folder there instead and import the package.
ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "benchmarks":
    sys.path[0] = str(ROOT)

import argparse
import http.client
import json
import random
import re
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import func, insert, select, text
from twilio.request_validator import RequestValidator

from benchmarks.ingest import (
    Target,
    base_env,
    free_port,
    log,
    make_params,
    recreate_postgres,
    run_command,
    serving,
    tool,
)
from ewn.crypto import Keyring
from ewn.db import Database
from ewn.geo import gazetteer
from ewn.geo.config import GeoConfig
from ewn.models import (
    AdminArea,
    Incident,
    IncidentDecision,
    Monitor,
    MonitorIdentity,
    Report,
    ReportArea,
    StaffUser,
)
from ewn.store import incidents as incident_store
from ewn.triage.priority import band_of
from ewn.web.maps import PERIODS as DASHBOARD_PERIODS

TARGET_P95_MS = 200.0
KINDS = ("queue", "incident", "map", "dashboard")
CATEGORIES = [
    ("KILLING", 5),
    ("ARMED_ATTACK", 4),
    ("SEXUAL_VIOLENCE", 5),
    ("ABDUCTION_DETENTION", 4),
    ("THREAT_INTIMIDATION", 3),
    ("HATE_SPEECH_INCITEMENT", 3),
    ("ARMS_MOBILIZATION", 3),
    ("DISPLACEMENT", 3),
    ("PROPERTY_DESTRUCTION", 3),
    ("HUMANITARIAN_OBSTRUCTION", 3),
    ("PROTEST_REPRESSION", 2),
    ("RUMOR_UNVERIFIED", 1),
]
BANDS = ("critical", "high", "medium", "low")
REVIEW_MINUTES = {"critical": 15, "high": 60, "medium": 240, "low": 1440}
TEXT = (
    "{n} armed men attacked homes near {place} market {when}; {v} people hurt, families "
    "sleeping at the church. Police not yet there."
)
CHUNK = 20_000
USERNAME, PASSWORD = "bench", "benchmark password " + secrets.token_hex(4)


# ---------------------------------------------------------------------------- seeding


def seed(db: Database, keyring: Keyring, reports: int, incidents: int, seed_value: int = 5):
    """Fill the store as the pipeline would have left it after a year."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    with db.reading() as session:
        areas = list(session.scalars(select(AdminArea).where(AdminArea.level == 1)))
    log(f"  {len(areas)} counties")
    monitors = list(range(1, 3001))
    with db.begin() as connection:
        connection.execute(
            insert(Monitor),
            [
                {
                    "id": n,
                    "pseudonym": f"KE-B{n:04d}",
                    "language": "en",
                    "country": "KE",
                    "trust": rng.choice(("normal", "normal", "high", "low")),
                    "status": "active",
                    "enrolled_via": "staff",
                    "created_at": now - timedelta(days=400),
                }
                for n in monitors
            ],
        )
        phones = [f"+2547{n:08d}" for n in range(3000)]
        connection.execute(
            insert(MonitorIdentity),
            [
                {
                    "monitor_id": n + 1,
                    "channel": "sms",
                    "phone_hash": keyring.lookup_hash(phone),
                    "phone_enc": keyring.encrypt(phone, "identity.phone"),
                    "created_at": now - timedelta(days=400),
                }
                for n, phone in enumerate(phones)
            ],
        )
    # Incident sizes: at least one report each, the rest spread with a long tail.
    sizes = [1] * incidents
    for _ in range(reports - incidents):
        sizes[min(incidents - 1, int(rng.expovariate(1 / (incidents / 6))))] += 1
    rng.shuffle(sizes)
    report_id = decision_id = 0
    rows: dict[type, list[dict]] = {Incident: [], Report: [], ReportArea: [], IncidentDecision: []}
    started = time.monotonic()
    for number, size in enumerate(sizes, start=1):
        area = rng.choice(areas)
        lat = (area.latitude or 0) + rng.gauss(0, 0.15)
        lon = (area.longitude or 37) + rng.gauss(0, 0.15)
        age = timedelta(minutes=rng.uniform(0, 365 * 24 * 60))
        start = now - age
        category, severity = rng.choice(CATEGORIES)
        if age < timedelta(days=3):
            status = rng.choices(
                ("new", "claimed", "verified", "escalated", "dismissed"), (50, 20, 20, 5, 5)
            )[0]
        else:
            status = rng.choices(
                ("new", "claimed", "verified", "escalated", "dismissed"), (4, 1, 45, 5, 45)
            )[0]
        score = min(100.0, max(0.0, rng.gauss(8 * severity + 5, 12)))
        band = band_of(score)
        place = f"{area.name} town"
        rows[Incident].append(
            {
                "id": number,
                "reference": f"IB{number:07d}",
                "status": "merged" if rng.random() < 0.02 else "open",
                "primary_category": category,
                "categories": [category],
                "severity": severity,
                "event_start": start,
                "event_end": start + timedelta(hours=2),
                "latitude": lat,
                "longitude": lon,
                "radius_km": 3.0,
                "place_name": place,
                "area_id": area.id,
                "country": "KE",
                "day_bucket": incident_store.day_bucket(start),
                "cell": incident_store.cell_of(lat, lon),
                "report_count": size,
                "monitor_count": min(size, 5),
                "identity_count": min(size, 5),
                "corroboration": float(min(size, 5)),
                "flags": [],
                "created_at": start,
                "updated_at": start,
                "triage_status": status,
                "dismiss_reason": "rumour" if status == "dismissed" else None,
                "priority_score": round(score, 1),
                "priority_band": band,
                "review_due_at": start + timedelta(minutes=REVIEW_MINUTES[band]),
                "reviewed_at": None if status in ("new", "claimed") else start + age / 2,
            }
        )
        for index in range(size):
            report_id += 1
            decision_id += 1
            received = start + timedelta(minutes=7 * index)
            rows[Report].append(
                {
                    "id": report_id,
                    "reference": f"RB{report_id:07d}",
                    "monitor_id": rng.choice(monitors),
                    "channel": "sms",
                    "origin": "live",
                    "text": TEXT.format(
                        n=rng.randrange(3, 30),
                        place=area.name,
                        when="last night",
                        v=rng.randrange(1, 9),
                    ),
                    "language": "en",
                    "trust": "normal",
                    "received_at": received,
                    "event_start": start,
                    "event_end": start + timedelta(hours=2),
                    "event_time_source": "text",
                    "latitude": lat,
                    "longitude": lon,
                    "location_source": "text",
                    "location_status": "located",
                    "place_name": place,
                    "location_confidence": 0.9,
                    "location_radius_km": 3.0,
                    "categories": [category],
                    "primary_category": category,
                    "severity": severity,
                    "not_incident": False,
                    "classification_source": "rules",
                    "incident_id": number,
                    "placement": "auto",
                    "coordinated": False,
                    "status": "new",
                    "created_at": received,
                }
            )
            rows[ReportArea].append(
                {
                    "report_id": report_id,
                    "area_id": area.id,
                    "level": 1,
                    "confidence": 0.9,
                    "approximate": False,
                    "is_primary": True,
                }
            )
            rows[IncidentDecision].append(
                {
                    "id": decision_id,
                    "report_id": report_id,
                    "incident_id": number,
                    "action": "created" if index == 0 else "joined",
                    "actor": "auto",
                    "scores": {"total": 0.8} if index else None,
                    "decided_at": received,
                }
            )
        if len(rows[Report]) >= CHUNK or number == len(sizes):
            with db.begin() as connection:
                for model in (Incident, Report, ReportArea, IncidentDecision):
                    if rows[model]:
                        connection.execute(insert(model), rows[model])
                    rows[model] = []
            rate = report_id / (time.monotonic() - started)
            log(f"  {number:,} incidents, {report_id:,} reports stored ({rate:,.0f} reports/s)")
    with db.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            for table in ("incidents", "reports", "incident_decisions", "monitors"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (fixed names)
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))


def add_user(db: Database, keyring: Keyring) -> str:
    secret = pyotp.random_base32()
    with db.session() as session:
        session.add(
            StaffUser(
                username=USERNAME,
                role="triage",
                language="en",
                password_hash=PasswordHasher().hash(PASSWORD),
                totp_secret_enc=keyring.encrypt(secret, "staff.totp"),
            )
        )
    return secret


# ---------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection with the session cookie of a logged-in user."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data

    def log_in(self, secret: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        status, _ = self.request(
            "POST", "/login", {"csrf_token": token, "username": USERNAME, "password": PASSWORD}
        )
        if status != 302:
            sys.exit(f"login: password step answered {status}")
        code = pyotp.TOTP(secret).now()
        status, _ = self.request("POST", "/login/code", {"csrf_token": token, "code": code})
        if status != 302:
            sys.exit(f"login: code step answered {status}")
        status, _ = self.request("GET", "/queue")
        if status != 200:
            sys.exit(f"after logging in, /queue answered {status} (see the server log)")


class Ingest(threading.Thread):
    """Posts signed Twilio webhooks at a steady rate until stopped."""

    def __init__(self, port: int, token: str, rate: float):
        super().__init__(daemon=True)
        self.port, self.token, self.rate = port, token, rate
        self.stopping = threading.Event()
        self.statuses: dict[int, int] = {}
        self.params = make_params(200_000, random.Random(11))

    def run(self) -> None:
        url = f"http://127.0.0.1:{self.port}/webhooks/twilio/messages"
        validator = RequestValidator(self.token)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        started = time.monotonic()
        for index, item in enumerate(self.params):
            if self.stopping.is_set():
                break
            wait = started + index / self.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": validator.compute_signature(url, item),
            }
            try:
                connection.request("POST", "/webhooks/twilio/messages", urlencode(item), headers)
                status = connection.getresponse()
                status.read()
                code = status.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                code = 0
            self.statuses[code] = self.statuses.get(code, 0) + 1
        connection.close()
        self.seconds = time.monotonic() - started


def workload(rng: random.Random, requests: int, areas: list[AdminArea], incidents: int):
    """(kind, path) in a shuffled order, requests of each kind plus the floor."""
    queue_filters = [
        "",
        "status=all",
        "status=new",
        "status=verified",
        "status=dismissed&period=30d",
        "band=critical",
        "band=high&period=7d",
        "period=24h",
        "page=3",
        "status=all&page=20",
    ]
    plan = []
    for _ in range(requests):
        area = rng.choice(areas)
        category = rng.choice(CATEGORIES)[0]
        query = rng.choice(
            [
                *queue_filters,
                f"area={area.id}",
                f"category={category}",
                f"area={area.id}&status=all",
            ]
        )
        plan.append(("queue", "/queue" + (f"?{query}" if query else "")))
        plan.append(("incident", f"/incidents/IB{rng.randrange(1, incidents + 1):07d}"))
        box = (
            f"{area.min_lat},{area.min_lon},{area.max_lat},{area.max_lon}"
            if area.min_lat is not None
            else "-5,33,5,42"
        )
        plan.append(
            (
                "map",
                rng.choice(
                    [
                        "/map/data?bbox=-5,33,5,42",
                        f"/map/data?bbox={box}",
                        f"/map/data?band={rng.choice(BANDS)}",
                    ]
                ),
            )
        )
        plan.append(("dashboard", f"/dashboard?days={rng.choice(DASHBOARD_PERIODS)}"))
        plan.append(("floor", "/static/ewn.css"))
    rng.shuffle(plan)
    return plan


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------- one backend


def run_backend(label: str, url: str, workdir: Path, args) -> dict:
    log(f"{label}: preparing {url}")
    db = Database(url)
    db.upgrade()
    gazetteer.load(
        db,
        ROOT / "ewn" / "geo" / "data" / "KE.txt.gz",
        GeoConfig.load(ROOT / "config" / "geo.yaml"),
    )
    keyring_path = workdir / "keyring.json"
    keyring = Keyring.load(keyring_path)
    log(f"{label}: seeding {args.reports:,} reports in {args.incidents:,} incidents")
    began = time.monotonic()
    seed(db, keyring, args.reports, args.incidents)
    seeded = time.monotonic() - began
    secret = add_user(db, keyring)
    with db.reading() as session:
        areas = list(session.scalars(select(AdminArea).where(AdminArea.level == 1)))
        reports_before = session.scalar(select(func.count()).select_from(Report))
    db.dispose()

    port = free_port()
    token = secrets.token_hex(16)
    env = base_env() | {
        "EWN_DATA_DIR": str(workdir / f"data-{label}"),
        "EWN_DATABASE_URL": url,
        "EWN_KEYRING_FILE": str(keyring_path),
        "EWN_WEB_SECRET_KEY": "benchmark-" + "0" * 32,
        "EWN_TWILIO_AUTH_TOKEN": token,
        "EWN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "EWN_WORKER_POLL_SECONDS": "0.1",
    }
    target = Target(label, "app:app", env, port, url)
    workers = []
    with serving(target, workdir):
        for _ in range(args.workers):
            output = open(workdir / f"worker-{label}.log", "ab")  # noqa: SIM115
            workers.append(
                subprocess.Popen(
                    [tool("ewn"), "worker"], cwd=ROOT, env=env, stdout=output, stderr=output
                )
            )
        client = Client(port)
        client.log_in(secret)
        ingest = Ingest(port, token, args.rate)
        ingest.start()
        plan = workload(random.Random(7), args.requests, areas, args.incidents)
        for _kind, path in plan[: len(KINDS) * 3]:  # warm-up: first touches of each page
            client.request("GET", path)
        timings: dict[str, list[float]] = {kind: [] for kind in (*KINDS, "floor")}
        errors: dict[str, int] = {}
        began = time.monotonic()
        for number, (kind, path) in enumerate(plan, start=1):
            start = time.perf_counter()
            status, _ = client.request("GET", path)
            timings[kind].append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors[f"{status} {kind}"] = errors.get(f"{status} {kind}", 0) + 1
            if number % 200 == 0:
                log(f"{label}: {number}/{len(plan)} requests timed")
        measured = time.monotonic() - began
        ingest.stopping.set()
        ingest.join()
        time.sleep(3)  # let the workers finish what was posted last
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    db = Database(url)
    with db.reading() as session:
        new_reports = session.scalar(select(func.count()).select_from(Report)) - reports_before
        placed = session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.id > reports_before, Report.incident_id.is_not(None))
        )
    db.dispose()
    return {
        "label": label,
        "seconds_seeding": round(seeded),
        "timings": timings,
        "errors": errors,
        "ingest": ingest.statuses,
        "ingest_rate": round(sum(ingest.statuses.values()) / ingest.seconds, 1),
        "seconds_measured": round(measured),
        "new_reports": new_reports,
        "placed": placed,
    }


def print_report(results: list[dict], args) -> bool:
    ok = True
    print(
        f"\nStaff web app latency, {args.reports:,} reports in {args.incidents:,} incidents, "
        f"{args.requests} requests of each kind per database, ingest at {args.rate}/s, "
        "no response cache (ms)"
    )
    print(f"{'database':<12}{'page':<11}{'p50':>8}{'p95':>8}{'p95/floor':>11}  target p95 < 200")
    for result in results:
        floor = percentile(result["timings"]["floor"], 0.95)
        for kind in (*KINDS, "floor"):
            values = result["timings"][kind]
            p50, p95 = statistics.median(values), percentile(values, 0.95)
            met = kind == "floor" or p95 < TARGET_P95_MS
            ok &= met
            verdict = "" if kind == "floor" else ("met" if met else "NOT MET")
            print(
                f"{result['label']:<12}{kind:<11}{p50:>8.1f}{p95:>8.1f}{p95 / floor:>10.1f}x  "
                f"{verdict}"
            )
        print(
            f"{result['label']:<12}ingest: {result['ingest']} at {result['ingest_rate']}/s; "
            f"{result['new_reports']} new reports, {result['placed']} placed in incidents; "
            f"errors {result['errors'] or 'none'}; seeding took {result['seconds_seeding']} s"
        )
        ok &= not result["errors"]
    return ok


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per kind")
    parser.add_argument("--rate", type=float, default=20.0, help="webhooks per second")
    parser.add_argument("--workers", type=int, default=2, help="`ewn worker` processes")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/ewn_bench_queue",
        help="a dedicated database: it is dropped and created",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.incidents > args.reports:
        parser.error("--incidents cannot exceed --reports")
    return args


def main() -> int:
    args = parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="ewn-queue-bench-") as folder:
        workdir = Path(folder)
        Keyring.generate().save(workdir / "keyring.json")
        run_command([tool("ewn"), "--help"], base_env())
        for backend in args.backends.split(","):
            if backend == "sqlite":
                results.append(
                    run_backend("sqlite", f"sqlite:///{workdir / 'ewn.db'}", workdir, args)
                )
            elif backend == "postgresql":
                problem = recreate_postgres(args.postgres_url)
                if problem:
                    log(f"postgresql skipped: {problem}")
                    continue
                results.append(run_backend("postgresql", args.postgres_url, workdir, args))
            else:
                sys.exit(f"unknown backend {backend!r}")
    ok = print_report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
