"""Throughput and latency of EWN's Twilio webhook against two reference apps, over real HTTP.

Four servers run one at a time under gunicorn with the production config
(config/gunicorn.conf.py: the same gthread workers, processes, threads and keep-alive for all;
access log off for all):
    empty       reference: answers empty TwiML, nothing else (gunicorn + Flask + HTTP floor)
    sig+insert  reference: checks X-Twilio-Signature (twilio's RequestValidator) and makes one
                durable SQLite insert (WAL, EWN's PRAGMA synchronous): the least any durable
                ingest must do (benchmarks/reference_apps.py)
    EWN sqlite  `app:app` on its embedded SQLite default
    EWN pg      `app:app` on PostgreSQL (skipped, saying why, when the server is unreachable)
Client processes keep --concurrency HTTP/1.1 keep-alive connections busy posting pre-signed
Twilio SMS webhooks, each with its own MessageSid; a request's latency runs from sending it to
reading the end of its response. Each round starts every server in turn (order rotated per
round), waits for GET /health, posts an untimed warm-up, then --requests timed webhooks, and
stops it. Throughput is the median over rounds; p50/p99 are pooled over every timed request of
all rounds. Afterwards every posted MessageSid (warm-ups included) must be stored exactly once
(for EWN also with one 'message' work item each). No `ewn worker` runs: only the webhook is
measured. Clients and servers share the machine's cores, alike for every app.

Targets, EWN on SQLite: throughput >= 80% of sig+insert, p99 < 50 ms. Exit status 0 when they
are met with no errors and exact storage, else 1. Run from the project directory:
    .venv/bin/python benchmarks/ingest.py --help
    .venv/bin/python benchmarks/ingest.py --requests 5000 --rounds 5
"""

from __future__ import annotations

# ruff: noqa: E402  (imports follow the sys.path fix below)
import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where benchmarks/queue.py would hide the
# standard library's queue module (urllib3 and psycopg import it): the project folder goes there.
ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "benchmarks":
    sys.path[0] = str(ROOT)

import argparse
import http.client
import math
import multiprocessing
import os
import random
import runpy
import secrets
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from gunicorn.config import KNOWN_SETTINGS
from sqlalchemy import create_engine, make_url, text
from twilio.request_validator import RequestValidator

from benchmarks.reference_apps import WEBHOOK_PATH, create_schema

GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
TARGET_RATIO, TARGET_P99_MS = 0.80, 50.0
ACCOUNT_SID = "AC7d2c4f1a9b3e5d6c8a0f2e4b6d8c1a3e"
PLACES = ["Kibera", "Eldoret", "Molo", "Naivasha", "Kisumu", "Burnt Forest", "Londiani", "Mathare"]
TEXTS = [
    "Armed young men gathering near {p} market since morning, shops closed, people afraid",
    "Leaflets at {p} church tell newcomers to leave before Friday or face the consequences",
    "Roadblock at {p} turning back travellers; rumours of an attack tonight",
    "Two houses burnt in {p} last night, about 30 people sleeping at the primary school",
    "Local radio in {p} calling our neighbours snakes this morning. Tension very high",
    "Vijana wamekusanyika karibu na soko la {p} wakiwa na mapanga, watu wanaogopa sana",
    "Kuna vipeperushi {p} vinavyowaambia wageni waondoke kabla ya Ijumaa",
    "Nyumba mbili zimechomwa {p} usiku wa jana, familia zimekimbilia kanisani",
]
TAILS = ["", " Please send help.", " Tafadhali tumeni msaada haraka.", " Police not responding."]
# The parameters every SMS webhook of this account and number carries (Twilio signs them all).
FIXED_PARAMS = dict.fromkeys(["ToCity", "ToZip", "FromCity", "FromState", "FromZip"], "") | {
    "ToCountry": "US", "ToState": "CA", "To": "+15005550006", "FromCountry": "KE",
    "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "AccountSid": ACCOUNT_SID,
    "ApiVersion": "2010-04-01",
}  # fmt: skip
EWN_IDS = "SELECT external_id FROM inbound_messages WHERE provider = 'twilio'"
EWN_WORK = (
    "SELECT count(DISTINCT w.id) FROM work_items w JOIN inbound_messages m "
    "ON m.id = w.subject_id WHERE w.stage = 'message'"
)
REFERENCE_IDS = "SELECT external_id FROM messages WHERE provider = 'twilio'"


@dataclass
class Target:
    """One server to measure, and what was measured."""

    label: str
    wsgi: str
    env: dict[str, str]
    port: int
    db_url: str = ""  # empty: stores nothing
    ids_sql: str = ""
    work_sql: str = ""
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    posted: set[str] = field(default_factory=set)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """A console script of this virtualenv (beside sys.executable), else from PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"cannot find {name!r} beside {sys.executable} or on PATH")
    return found


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------- requests


def make_params(count: int, rng: random.Random) -> list[dict[str, str]]:
    """Realistic Twilio SMS webhook parameters, each with a distinct MessageSid."""
    prefix, params = secrets.token_hex(4), []
    for index in range(count):
        sid = f"SM{prefix}{index:08x}{rng.getrandbits(64):016x}"
        body = (rng.choice(TEXTS).format(p=rng.choice(PLACES)) + rng.choice(TAILS))[:160]
        sender = f"+2547{rng.randrange(10**8):08d}"
        ids = {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid}
        params.append(FIXED_PARAMS | ids | {"Body": body, "From": sender})
    return params


def signed_requests(params: list[dict[str, str]], port: int, token: str) -> list[bytes]:
    """Complete HTTP/1.1 requests, signed as Twilio signs them for this port."""
    url, validator, requests = f"http://127.0.0.1:{port}{WEBHOOK_PATH}", RequestValidator(token), []
    for item in params:
        body = urlencode(item).encode()
        head = (
            f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "User-Agent: TwilioProxy/1.1\r\nAccept: */*\r\n"
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
            f"X-Twilio-Signature: {validator.compute_signature(url, item)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


# ---------------------------------------------------------------------------- client


def parse_response(buffer: bytes) -> tuple[int, bytes, bytes] | None:
    """(status, body, rest of buffer) once a whole response is in buffer, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines, length = buffer[:end].decode("latin-1").split("\r\n"), 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    total = end + 4 + length
    if len(buffer) < total:
        return None
    return int(lines[0].split()[1]), buffer[end + 4 : total], buffer[total:]


def send_next(selector, sock, pending: list[bytes]) -> None:
    if not pending:
        selector.unregister(sock)
        sock.close()
        return
    selector.get_key(sock).data[1] = time.perf_counter()
    sock.sendall(pending.pop())


def client_process(requests, port, connections, barrier, results, timeout) -> None:
    """Keep `connections` keep-alive sockets busy with requests; put timings on results."""
    pending, latencies, errors = list(reversed(requests)), [], []
    selector = selectors.DefaultSelector()
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        selector.register(sock, selectors.EVENT_READ, [b"", 0.0])  # [buffer, sent at]
    barrier.wait()
    started = time.monotonic()
    for key in list(selector.get_map().values()):
        send_next(selector, key.fileobj, pending)
    while selector.get_map():
        events = selector.select(timeout)
        if not events:
            errors.append(f"no response within {timeout} s")
            break
        for key, _mask in events:
            sock, state = key.fileobj, key.data
            chunk = sock.recv(65536)
            if not chunk:
                errors.append("connection closed by the server")
                selector.unregister(sock)
                continue
            state[0] += chunk
            response = parse_response(state[0])
            if response is None:
                continue
            status, body, state[0] = response
            latencies.append(time.perf_counter() - state[1])
            if status != 200:
                errors.append(f"HTTP {status}: {body[:100]!r}")
            send_next(selector, sock, pending)
    results.put((started, time.monotonic(), latencies, errors))


def run_load(requests: list[bytes], port: int, args) -> tuple[float, list[float], list[str]]:
    """Post all requests; (requests per second, latencies in seconds, error texts)."""
    processes = min(args.client_processes, args.concurrency)
    context = multiprocessing.get_context("fork")  # children inherit requests unpickled
    barrier, results = context.Barrier(processes + 1), context.Queue()
    workers = [
        context.Process(
            target=client_process,
            args=(
                requests[i::processes],
                port,
                len(range(i, args.concurrency, processes)),
                barrier,
                results,
                args.timeout,
            ),
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=60)
    reports = [results.get(timeout=args.timeout + len(requests)) for _ in workers]
    for worker in workers:
        worker.join()
    wall = max(report[1] for report in reports) - min(report[0] for report in reports)
    latencies = [value for report in reports for value in report[2]]
    return len(latencies) / wall, latencies, [error for report in reports for error in report[3]]


# ---------------------------------------------------------------------------- servers


@contextmanager
def serving(target: Target, workdir: Path):
    """Run target under gunicorn with the production config until the block ends."""
    command = [tool("gunicorn"), "-c", str(GUNICORN_CONF), "--access-logfile", "/dev/null"]
    if any(setting.name == "control_socket" for setting in KNOWN_SETTINGS):
        command += ["--control-socket", str(workdir / "gunicorn.ctl")]  # not ~/.gunicorn
    logfile = workdir / f"{target.label.replace(' ', '-').replace('+', '-')}.log"
    with open(logfile, "ab") as output:
        server = subprocess.Popen(
            [*command, target.wsgi],
            cwd=ROOT,
            stdout=output,
            stderr=output,
            env={**target.env, "EWN_BIND": f"127.0.0.1:{target.port}"},
        )
    try:
        wait_ready(server, target.port, logfile)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_ready(server: subprocess.Popen, port: int, logfile: Path, limit: float = 60) -> None:
    """Wait until a worker answers GET /health (any status: the app is loaded)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"server exited with status {server.returncode}; see {logfile}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/health")
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
            continue
        finally:
            connection.close()
        time.sleep(1.0)  # let the other worker processes finish booting too
        return
    sys.exit(f"server on port {port} not ready after {limit:.0f} s; see {logfile}")


def run_command(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


# ---------------------------------------------------------------------------- set-up and checks


def base_env() -> dict[str, str]:
    """This environment without EWN settings (EWN refuses unknown ones), same for all apps."""
    keep = ("EWN_WEB_PROCESSES", "EWN_WEB_THREADS")
    return {k: v for k, v in os.environ.items() if not k.startswith("EWN_") or k in keep}


def ewn_target(label: str, url: str, workdir: Path, token: str, args) -> Target:
    port = free_port()
    env = base_env() | {
        "EWN_DATA_DIR": str(workdir / label.replace(" ", "-")),
        "EWN_DATABASE_URL": url,
        "EWN_SQLITE_SYNCHRONOUS": args.sqlite_synchronous,
        "EWN_KEYRING_FILE": str(workdir / "keyring.json"),
        "EWN_WEB_SECRET_KEY": "benchmark-" + "0" * 32,
        "EWN_TWILIO_AUTH_TOKEN": token,
        "EWN_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    run_command([tool("ewn"), "db", "upgrade"], env)
    return Target(label, "app:app", env, port, url, EWN_IDS, EWN_WORK)


def reference_target(label: str, app: str, workdir: Path, token: str, args) -> Target:
    port, database = free_port(), workdir / "reference.db"
    env = base_env() | {
        "BENCH_REF_DATABASE": str(database),
        "BENCH_REF_SYNCHRONOUS": args.sqlite_synchronous,
        "BENCH_REF_AUTH_TOKEN": token,
        "BENCH_REF_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    wsgi = f"benchmarks.reference_apps:{app}"
    if app != "insert_app":
        return Target(label, wsgi, env, port)
    create_schema(str(database))
    return Target(label, wsgi, env, port, f"sqlite:///{database}", REFERENCE_IDS)


def recreate_postgres(url: str) -> str | None:
    """Drop and create the benchmark database; None, or why PostgreSQL cannot be used."""
    parsed = make_url(url)
    if parsed.database in (None, "", "test", "postgres", "template0", "template1"):
        return f"refusing to drop database {parsed.database!r}: name a dedicated one"
    admin = parsed.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(
            admin.render_as_string(hide_password=False), autocommit=True, connect_timeout=3
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{parsed.database}"')
    except psycopg.Error as exc:
        return f"{url}: {type(exc).__name__}: {(str(exc).strip() or '?').splitlines()[0]}"
    return None


def check_storage(target: Target) -> str:
    """'ok: ...' when every posted MessageSid is stored exactly once, else the problems."""
    if not target.db_url:
        return "n/a (stores nothing)"
    engine = create_engine(target.db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        ids = list(connection.execute(text(target.ids_sql)).scalars())
        work = connection.execute(text(target.work_sql)).scalar() if target.work_sql else None
    engine.dispose()
    found, expected, problems = set(ids), target.posted, []
    if len(ids) != len(found):
        problems.append(f"{len(ids) - len(found)} duplicate rows")
    if found != expected:
        problems.append(f"{len(expected - found)} missing, {len(found - expected)} unexpected")
    if work is not None and work != len(expected):
        problems.append(f"{work} 'message' work items for {len(expected)} messages")
    each = f"all {len(expected)} once" + (", 1 work item each" if work is not None else "")
    return "NOT OK: " + "; ".join(problems) if problems else "ok: " + each


# ---------------------------------------------------------------------------- measure and report


def measure(target: Target, params, workdir: Path, token: str, args, tag: str) -> None:
    requests = signed_requests(params, target.port, token)  # built before the clock starts
    log(f"{tag} {target.label}: starting gunicorn on port {target.port}")
    with serving(target, workdir):
        log(f"{tag} {target.label}: warm-up ({args.warmup}), then {args.requests} timed")
        warmup_errors = run_load(requests[: args.warmup], target.port, args)[2]
        rate, latencies, errors = run_load(requests[args.warmup :], target.port, args)
    errors += [f"(warm-up) {error}" for error in warmup_errors]
    target.posted.update(item["MessageSid"] for item in params)
    target.rates.append(rate)
    target.latencies.extend(latencies)
    target.errors.update(errors)
    p99 = percentile(sorted(latencies), 0.99)
    log(f"{tag} {target.label}: {rate:.0f} req/s, p99 {p99:.1f} ms, {len(errors)} errors")


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted seconds, in milliseconds."""
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)] * 1000


def print_report(targets: list[Target], args, skipped: str | None) -> bool:
    conf = runpy.run_path(str(GUNICORN_CONF))  # as gunicorn read it, same environment
    print(
        f"\nEWN ingest benchmark: {args.requests} timed webhooks x {args.rounds} rounds per app,"
        f" {args.concurrency} keep-alive connections from {args.client_processes} client"
        f" processes, {args.warmup} warm-up requests per server start"
    )
    print(
        f"gunicorn {GUNICORN_CONF.relative_to(ROOT)}: {conf['worker_class']}, "
        f"{conf['workers']} processes x {conf['threads']} threads, keepalive "
        f"{conf['keepalive']} s, access log off; SQLite: WAL, PRAGMA synchronous="
        f"{args.sqlite_synchronous}"
    )
    print("req/s: median of the rounds; p50/p99: pooled over all timed requests of all rounds\n")
    print(
        f"{'app':<11} {'req/s':>6}  {'each round':<17} {'p50 ms':>6} {'p99 ms':>6} "
        f"{'errors':>6}  stored"
    )
    figures, stored = {}, {t.label: check_storage(t) for t in targets}
    for t in targets:
        ordered = sorted(t.latencies)
        rps, p50, p99 = statistics.median(t.rates), *(percentile(ordered, q) for q in (0.5, 0.99))
        figures[t.label] = rps, p99
        rounds = " ".join(f"{rate:.0f}" for rate in t.rates)
        print(
            f"{t.label:<11} {rps:>6.0f}  {rounds:<17} {p50:>6.1f} {p99:>6.1f} "
            f"{sum(t.errors.values()):>6}  {stored[t.label]}"
        )
        for error, count in t.errors.most_common(5):
            print(f"    {count} x {error}")
    if skipped:
        print(f"EWN pg      skipped: {skipped}")
    print()
    for label in (t.label for t in targets if t.label.startswith("EWN")):
        (rps, p99), ref, empty = figures[label], figures["sig+insert"], figures["empty"]
        print(
            f"{label}: throughput {rps / ref[0]:.0%} of sig+insert, {rps / empty[0]:.0%} of "
            f"empty; p99 {p99 / ref[1]:.1f}x sig+insert's, {p99 / empty[1]:.1f}x empty's"
        )
    (rps, p99), ref_rps = figures["EWN sqlite"], figures["sig+insert"][0]
    ratio_ok, p99_ok = rps >= TARGET_RATIO * ref_rps, p99 < TARGET_P99_MS
    clean = not any(t.errors for t in targets) and all(
        result.startswith(("ok", "n/a")) for result in stored.values()
    )
    met = ratio_ok and p99_ok and clean
    print(
        f"\nTargets {'MET' if met else 'NOT MET'}: EWN sqlite throughput {rps / ref_rps:.0%} of "
        f"sig+insert (target >= {TARGET_RATIO:.0%}: {'yes' if ratio_ok else 'no'}), p99 "
        f"{p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms: {'yes' if p99_ok else 'no'}), "
        f"errors and storage {'clean' if clean else 'NOT clean'}"
    )
    return met


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add = parser.add_argument
    add("--requests", "-n", type=int, default=5000, help="timed webhooks per app and round")
    add("--rounds", type=int, default=5, help="rounds; throughput is their median")
    add("--concurrency", "-c", type=int, default=16, help="keep-alive connections")
    add("--client-processes", type=int, default=4, help="processes sharing the connections")
    add("--warmup", type=int, default=300, help="untimed webhooks after each server start")
    add("--timeout", type=float, default=30.0, help="seconds to wait for any response")
    add("--sqlite-synchronous", default="FULL", choices=["FULL", "NORMAL", "EXTRA"])
    add(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/ewn_bench",
        help="database dropped and recreated for EWN pg; never name one in use",
    )
    add("--no-postgres", action="store_true", help="measure EWN on SQLite only")
    add("--workdir", type=Path, help="keep databases and server logs here (default: temporary)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ewn-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        sys.exit(f"{workdir} is not empty: databases left there would spoil the storage check")
    token = secrets.token_hex(16)
    log(f"working in {workdir} (server logs, databases)")
    run_command([tool("ewn"), "keys", "generate", str(workdir / "keyring.json")], base_env())
    targets = [
        reference_target("empty", "empty_app", workdir, token, args),
        reference_target("sig+insert", "insert_app", workdir, token, args),
        ewn_target("EWN sqlite", f"sqlite:///{workdir / 'ewn.db'}", workdir, token, args),
    ]
    skipped = "--no-postgres given" if args.no_postgres else recreate_postgres(args.postgres_url)
    if skipped:
        log(f"PostgreSQL figures skipped: {skipped}")
    else:
        targets.append(ewn_target("EWN pg", args.postgres_url, workdir, token, args))
    rng = random.Random(20240611)
    for index in range(args.rounds):
        params = make_params(args.warmup + args.requests, rng)
        for target in targets[index % len(targets) :] + targets[: index % len(targets)]:
            measure(target, params, workdir, token, args, f"[round {index + 1}/{args.rounds}]")
    log("checking storage")
    met = print_report(targets, args, skipped)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
