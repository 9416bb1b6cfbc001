"""Time from a report reaching EWN to its first alert reaching the provider, under load.

For each database (the embedded SQLite default, and PostgreSQL when reachable) this
  1. creates a fresh database with the schema, the bundled Kenya gazetteer, five national
     contacts in one group, and one escalation rule (KILLING, severity 5) whose policy notifies
     that group;
  2. starts the fake Twilio REST API (tests/fakes/twilio_api.py) on 127.0.0.1, EWN under
     gunicorn with the production config, --urgent-workers `ewn worker --urgent-only` and
     --workers `ewn worker` processes (one per core in all, as the README advises), with a pool
     of two alert senders allowing 5 SMS segments per second each (10 in all);
  3. posts signed Twilio SMS webhooks at --rate reports per second (default 50) for --seconds,
     of which one per second reports killings in a different town (a new incident, so a new
     escalation to 5 recipients) and the rest are ordinary reports;
  4. prints p50/p95 of the time from the webhook's 200 answer to the first alert for that
     report's incident arriving at the fake provider, and the alert send rate measured at the
     provider (busiest second per sender and overall, average) against the pool's limit.
Target: p95 < 2 s on each database; the send rate never above the limit. Exit status 0 when met.

    .venv/bin/python benchmarks/escalation.py --help
    .venv/bin/python benchmarks/escalation.py --seconds 60
"""

from __future__ import annotations

# ruff: noqa: E402  (imports follow the sys.path fix below)
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "benchmarks":
    sys.path[0] = str(ROOT)

import argparse
import http.client
import json
import math
import os
import random
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from urllib.parse import urlencode

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from benchmarks.ingest import (
    FIXED_PARAMS,
    Target,
    base_env,
    free_port,
    log,
    make_params,
    recreate_postgres,
    serving,
    tool,
)
from ewn.crypto import Keyring
from ewn.db import Database
from ewn.escalation.segments import segments
from ewn.geo import gazetteer
from ewn.geo.config import GeoConfig
from ewn.geo.distance import km as haversine_km
from ewn.models import (
    Escalation,
    InboundMessage,
    Notification,
    OutboundMessage,
    Place,
    Report,
    WorkItem,
)
from tests.fakes import twilio_api

ACCOUNT_SID = FIXED_PARAMS["AccountSid"]
SENDERS = [
    {"address": "+15005550101", "channel": "sms", "segments_per_second": 5},
    {"address": "+15005550102", "channel": "sms", "segments_per_second": 5},
]
LIMIT = sum(sender["segments_per_second"] for sender in SENDERS)
TARGET_P95 = 2.0
ESCALATION_FILE = """policies:
  bench:
    steps:
      - notify: Bench group
        wait_minutes: 60
rules:
  - name: killings
    categories: [KILLING]
    min_severity: 5
    policy: bench
"""
RECIPIENTS = 5
CONTACTS = "name,channels,language,areas,national,groups\n" + "".join(
    f"Recipient {n},+25473300000{n},en,,yes,Bench group\n" for n in range(RECIPIENTS)
)


def towns(db: Database, count: int) -> list[str]:
    """Populated places at least 20 km apart, most populous first (each a separate incident)."""
    with db.reading() as session:
        places = session.execute(
            select(Place.name, Place.latitude, Place.longitude)
            .where(Place.feature_class == "P", Place.population > 2000)
            .order_by(Place.population.desc())
        ).all()
    chosen: list[tuple[str, float, float]] = []
    for name, lat, lon in places:
        if " " in name or any(name == other for other, _, _ in chosen):
            continue
        if all(haversine_km(lat, lon, la, lo) > 20 for _, la, lo in chosen):
            chosen.append((name, lat, lon))
        if len(chosen) == count:
            break
    return [name for name, _, _ in chosen]


def prepare(url: str, workdir: Path, keyring_path: Path, places_needed: int) -> list[str]:
    db = Database(url)
    db.upgrade()
    gazetteer.load(
        db,
        ROOT / "ewn" / "geo" / "data" / "KE.txt.gz",
        GeoConfig.load(ROOT / "config" / "geo.yaml"),
    )
    found = towns(db, places_needed)
    db.dispose()
    return found


def plan(places: list[str], seconds: int, rate: float) -> list[tuple[dict, bool]]:
    """(webhook params, is it a trigger) for every report, in posting order."""
    rng = random.Random(3)
    background = make_params(int(seconds * rate), rng)
    items = []
    per_second = int(rate)
    for index, params in enumerate(background):
        trigger = index % per_second == 0
        if trigger:
            town = places[(index // per_second) % len(places)]
            params = dict(
                params,
                Body=f"{rng.randint(2, 9)} people killed by armed men in {town} this morning",
            )
        items.append((params, trigger))
    return items


class Poster:
    """Posts webhooks on schedule from several keep-alive connections; records accept times."""

    def __init__(self, port: int, token: str, connections: int = 16):
        self.port, self.validator = port, RequestValidator(token)
        self.url = f"http://127.0.0.1:{port}/webhooks/twilio/messages"
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(connections)
        self.accepted: dict[str, float] = {}
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()

    def _post(self, params: dict) -> None:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30
            )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.url, params),
        }
        try:
            connection.request("POST", "/webhooks/twilio/messages", urlencode(params), headers)
            response = connection.getresponse()
            response.read()
            code = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            self.local.connection = None
            code = 0
        with self.lock:
            self.statuses[code] = self.statuses.get(code, 0) + 1
            if code == 200:
                self.accepted[params["MessageSid"]] = time.monotonic()

    def run(self, items: list[tuple[dict, bool]], rate: float) -> float:
        started = time.monotonic()
        for index, (params, _) in enumerate(items):
            wait = started + index / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.pool.submit(self._post, params)
        self.pool.shutdown(wait=True)
        return time.monotonic() - started


def alert_arrivals(url: str, fake, trigger_sids: list[str]) -> dict[str, list[float]]:
    """For each trigger report, when each alert for its incident reached the provider."""
    arrivals = {record["sid"]: record["received_at"] for record in list(fake.sent)}
    db = Database(url)
    found: dict[str, list[float]] = {}
    with db.reading() as session:
        rows = session.execute(
            select(InboundMessage.external_id, OutboundMessage.provider_sid)
            .join(Report, Report.id == InboundMessage.report_id)
            .join(Escalation, Escalation.incident_id == Report.incident_id)
            .join(Notification, Notification.escalation_id == Escalation.id)
            .join(OutboundMessage, OutboundMessage.id == Notification.outbound_id)
            .where(InboundMessage.external_id.in_(trigger_sids))
        ).all()
    db.dispose()
    for sid, provider_sid in rows:
        if provider_sid in arrivals:
            found.setdefault(sid, []).append(arrivals[provider_sid])
    return found


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95), nan when there are none."""
    if not values:
        return math.nan, math.nan
    values = sorted(values)
    return statistics.median(values), values[max(0, math.ceil(0.95 * len(values)) - 1)]


STAGE_CHAIN = ("message", "locate", "understand", "cluster", "escalate", "escalation", "send")


def stage_finishes(url: str, trigger_sids: list[str], accepted: dict[str, float]) -> dict:
    """p50 and p95 seconds after the webhook's 200 at which each stage finished, for trigger
    reports.

    Shows where the time goes; DB times are wall-clock UTC, mapped to the monotonic clock the
    poster uses.
    """
    offset = time.time() - time.monotonic()
    db = Database(url)
    subjects: dict[str, dict[str, int]] = {}
    with db.reading() as session:
        rows = session.execute(
            select(
                InboundMessage.external_id,
                InboundMessage.id,
                Report.id,
                Report.incident_id,
                Escalation.id,
                Notification.outbound_id,
            )
            .join(Report, Report.id == InboundMessage.report_id)
            .outerjoin(Escalation, Escalation.incident_id == Report.incident_id)
            .outerjoin(Notification, Notification.escalation_id == Escalation.id)
            .where(InboundMessage.external_id.in_(trigger_sids))
        ).all()
        for sid, message_id, report_id, incident_id, escalation_id, outbound_id in rows:
            ids = subjects.setdefault(sid, {"send": outbound_id})
            ids.update(
                message=message_id,
                locate=report_id,
                understand=report_id,
                cluster=report_id,
                escalate=incident_id,
                escalation=escalation_id,
            )
            if outbound_id is not None:
                ids["send"] = min(ids["send"] or outbound_id, outbound_id)
        finished = {
            (stage, subject): done
            for stage, subject, done in session.execute(
                select(WorkItem.stage, WorkItem.subject_id, WorkItem.finished_at).where(
                    WorkItem.stage.in_(STAGE_CHAIN), WorkItem.finished_at.is_not(None)
                )
            )
        }
    db.dispose()
    medians = {}
    for stage in STAGE_CHAIN:
        gaps = []
        for sid, ids in subjects.items():
            done = finished.get((stage, ids.get(stage)))
            if done is not None and sid in accepted:
                wall = done.replace(tzinfo=UTC).timestamp()
                gaps.append(wall - offset - accepted[sid])
        medians[stage] = [round(x, 2) for x in percentiles(gaps)] if gaps else None
    return medians


def due_items(url: str) -> int:
    """Work items waiting to run (not yet claimed), now."""
    db = Database(url)
    with db.reading() as session:
        count = session.scalar(
            select(func.count()).select_from(WorkItem).where(WorkItem.status == "due")
        )
    db.dispose()
    return count


def busiest_second(times: list[tuple[float, int]]) -> int:
    """The most segments sent within any one second."""
    times = sorted(times)
    best, start = 0, 0
    total = 0
    for end in range(len(times)):
        total += times[end][1]
        while times[end][0] - times[start][0] >= 1.0:
            total -= times[start][1]
            start += 1
        best = max(best, total)
    return best


def run_backend(label: str, url: str, workdir: Path, args) -> dict:
    log(f"{label}: preparing {url}")
    keyring_path = workdir / "keyring.json"
    places = prepare(url, workdir, keyring_path, args.seconds)
    token = secrets.token_hex(16)
    fake, fake_server = twilio_api.start(ACCOUNT_SID, token)
    port = free_port()
    (workdir / "escalation.yaml").write_text(ESCALATION_FILE)
    (workdir / "deployment.yaml").write_text(
        json.dumps({"delivery": {"senders": SENDERS, "segments_per_second": 200}})
    )
    env = base_env() | {
        "EWN_CONFIG": str(workdir / "deployment.yaml"),
        "EWN_DATA_DIR": str(workdir / f"data-{label}"),
        "EWN_DATABASE_URL": url,
        "EWN_KEYRING_FILE": str(keyring_path),
        "EWN_WEB_SECRET_KEY": "benchmark-" + "0" * 32,
        "EWN_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "EWN_TWILIO_AUTH_TOKEN": token,
        "EWN_TWILIO_API_BASE_URL": fake.url,
        "EWN_TWILIO_SMS_FROM": "+15005550006",
        "EWN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "EWN_ESCALATION_CONFIG_FILE": str(workdir / "escalation.yaml"),
        "EWN_WORKER_POLL_SECONDS": "0.05",
    }
    if args.batch_size:
        env["EWN_WORKER_BATCH_SIZE"] = str(args.batch_size)
    contacts = workdir / "contacts.csv"
    contacts.write_text(CONTACTS)
    subprocess.run(
        [tool("ewn"), "contacts", "import", str(contacts)],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    items = plan(places, args.seconds, args.rate)
    trigger_sids = [params["MessageSid"] for params, trigger in items if trigger]
    workers = []
    target = Target(label, "app:app", env, port, url)
    with serving(target, workdir):
        commands = [["worker", "--urgent-only"]] * args.urgent_workers
        commands += [["worker"]] * args.workers
        for command in commands:
            output = open(workdir / f"worker-{label}.log", "ab")  # noqa: SIM115
            workers.append(
                subprocess.Popen(
                    [tool("ewn"), *command], cwd=ROOT, env=env, stdout=output, stderr=output
                )
            )
        time.sleep(2)
        poster = Poster(port, token)
        log(
            f"{label}: posting {len(items):,} reports at {args.rate:g}/s, "
            f"{len(trigger_sids)} of them killings"
        )
        posting_seconds = poster.run(items, args.rate)
        backlog = due_items(url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alerts = alert_arrivals(url, fake, trigger_sids)
            everyone = all(len(times) >= RECIPIENTS for times in alerts.values())
            if len(alerts) == len(trigger_sids) and everyone:
                break
            time.sleep(1)
        time.sleep(2)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    fake_server.shutdown()
    fake_server.server_close()
    stages = stage_finishes(url, trigger_sids, poster.accepted)
    accepted = {sid: times for sid, times in alerts.items() if sid in poster.accepted}
    first = percentiles([min(times) - poster.accepted[sid] for sid, times in accepted.items()])
    last = percentiles([max(times) - poster.accepted[sid] for sid, times in accepted.items()])
    sent = [(r["received_at"], segments(r["body"]), r["from"]) for r in list(fake.sent)]
    alert_sends = [(t, n) for t, n, sender in sent if sender in {s["address"] for s in SENDERS}]
    per_sender = {
        s["address"]: busiest_second([(t, n) for t, n, sender in sent if sender == s["address"]])
        for s in SENDERS
    }
    span = (max(t for t, _ in alert_sends) - min(t for t, _ in alert_sends)) if alert_sends else 0
    return {
        "label": label,
        "reports": len(items),
        "posting_rate": round(len(items) / posting_seconds, 1),
        "webhooks": poster.statuses,
        "triggers": len(trigger_sids),
        "alerted": len(alerts),
        "p50": first[0],
        "p95": first[1],
        "all_recipients_p50": last[0],
        "all_recipients_p95": last[1],
        "alert_segments": sum(n for _, n in alert_sends),
        "average_rate": round(sum(n for _, n in alert_sends) / span, 2) if span else 0.0,
        "busiest_second": busiest_second(alert_sends),
        "busiest_per_sender": per_sender,
        "due_items_when_posting_ended": backlog,
        "trigger_stage_finished_p50_p95_s": stages,
    }


def print_report(results: list[dict]) -> bool:
    print(
        f"\nFirst alert after the webhook's 200, {results[0]['reports']:,} reports per database "
        f"(1 per second escalates to 5 recipients), alert senders limited to {LIMIT} "
        "segments/s in all"
    )
    print(
        f"{'database':<11} {'p50 s':>6} {'p95 s':>6}  target p95 < {TARGET_P95:g} s  "
        f"{'alerted':>9}  {'avg seg/s':>9} {'busiest s':>9}  per sender (limit 5)"
    )
    met = True
    for r in results:
        ok = r["p95"] < TARGET_P95 and r["alerted"] == r["triggers"]
        ok_rate = r["busiest_second"] <= LIMIT and all(
            v <= 5 for v in r["busiest_per_sender"].values()
        )
        met = met and ok and ok_rate
        print(
            f"{r['label']:<11} {r['p50']:6.2f} {r['p95']:6.2f}  "
            f"{'met' if ok else 'NOT MET':<20} {r['alerted']:>4}/{r['triggers']:<4}  "
            f"{r['average_rate']:9.2f} {r['busiest_second']:>9}  "
            f"{r['busiest_per_sender']} {'within' if ok_rate else 'EXCEEDED'}"
        )
        print(
            f"{'':<11} webhooks {r['webhooks']} at {r['posting_rate']}/s; "
            f"{r['alert_segments']} alert segments sent; all {RECIPIENTS} recipients alerted "
            f"after p50 {r['all_recipients_p50']:.2f} s, p95 {r['all_recipients_p95']:.2f} s; "
            f"{r['due_items_when_posting_ended']} work items waiting when posting ended"
        )
        print(
            f"{'':<11} killing reports, s after the 200 at which each stage finished (p50/p95): "
            + ", ".join(
                f"{stage} {at[0]}/{at[1]}" if at else f"{stage} -"
                for stage, at in r["trigger_stage_finished_p50_p95_s"].items()
            )
        )
    return met


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long reports arrive")
    parser.add_argument("--rate", type=float, default=50.0, help="reports per second")
    cores = os.cpu_count() or 2
    parser.add_argument(
        "--workers",
        type=int,
        default=max(1, cores - 1),
        help="`ewn worker` processes (default: with the urgent one, one per CPU core, as the "
        "README advises)",
    )
    parser.add_argument(
        "--urgent-workers",
        type=int,
        default=1,
        help="`ewn worker --urgent-only` processes (alerts, severe reports, intake)",
    )
    parser.add_argument(
        "--batch-size", type=int, help="work items a worker claims at a time (default: EWN's)"
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/ewn_bench_escalation",
        help="a dedicated database: it is dropped and created",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="ewn-escalation-bench-") as folder:
        workdir = Path(folder)
        Keyring.generate().save(workdir / "keyring.json")
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{workdir / 'ewn.db'}"
            else:
                problem = recreate_postgres(args.postgres_url)
                if problem:
                    log(f"postgresql: skipped: {problem}")
                    continue
                url = args.postgres_url
            results.append(run_backend(backend, url, workdir, args))
    met = print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
