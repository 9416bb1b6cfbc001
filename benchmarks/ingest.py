"""Throughput and latency of EWN's Twilio webhook against two reference apps, over real HTTP.

Four servers run one at a time under gunicorn with the production settings
(config/gunicorn.conf.py: gthread workers, same processes, threads and keep-alive; access log
off for all):
    empty        reference: answers empty TwiML, nothing else (gunicorn + Flask + HTTP floor)
    sig+insert   reference: checks X-Twilio-Signature (twilio's RequestValidator) and makes one
                 durable SQLite insert (WAL, EWN's PRAGMA synchronous): the least any durable
                 ingest must do (benchmarks/reference_apps.py)
    EWN sqlite   `app:app` on its embedded SQLite default
    EWN pg       `app:app` on PostgreSQL (skipped, with the reason, if unreachable)
Client processes keep --concurrency HTTP/1.1 keep-alive connections busy posting pre-signed
Twilio SMS webhooks, each with its own MessageSid; latency is timed from sending a request to
reading the end of its response. Each round starts every server in turn (order rotated per
round), waits for /health, sends an uncounted warm-up, then --requests timed webhooks, and stops
it. Throughput is the median over rounds; p50/p99 are pooled over every timed request of all
rounds. Afterwards every posted MessageSid (warm-ups too) must be stored exactly once (EWN: with
one 'message' work item each). No `ewn worker` runs: only the webhook is measured.

Targets, EWN on SQLite: throughput >= 80% of sig+insert, p99 < 50 ms. Exit status 0 when they
are met and storage is exact, 1 otherwise. Run from the project directory:
    .venv/bin/python benchmarks/ingest.py --help
    .venv/bin/python benchmarks/ingest.py --requests 5000 --rounds 3
"""

from __future__ import annotations

import argparse
import http.client
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
from collections.abc import Callable
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from gunicorn.config import KNOWN_SETTINGS
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

if __package__:
    from .reference_apps import WEBHOOK_PATH, create_schema
else:
    from reference_apps import WEBHOOK_PATH, create_schema

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
TARGETS = {"p99_ms": 50.0, "vs_reference": 0.80}
ACCOUNT_SID = "AC" + "7d2c4f1a9b3e5d6c8a0f2e4b6d8c1a3e"
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


@dataclass
class Target:
    label: str
    wsgi: str
    env: dict[str, str]
    verify: Callable[[set[str]], str | None] | None  # the problem with what was stored
    port: int = 0
    throughputs: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    posted: set[str] = field(default_factory=set)
    stored: str = ""


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
    prefix = secrets.token_hex(4)
    params = []
    for index in range(count):
        sid = f"SM{prefix}{index:08x}{rng.getrandbits(64):016x}"
        body = (rng.choice(TEXTS).format(p=rng.choice(PLACES)) + rng.choice(TAILS))[:160]
        params.append(
            {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
             "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
             "FromCity": "", "Body": body, "FromCountry": "KE", "To": "+15005550006", "ToZip": "",
             "NumSegments": "1", "MessageSid": sid, "AccountSid": ACCOUNT_SID,
             "From": f"+2547{rng.randrange(10**8):08d}", "ApiVersion": "2010-04-01"}
        )  # fmt: skip
    return params


def signed_requests(params: list[dict[str, str]], port: int, token: str) -> list[bytes]:
    """Complete HTTP/1.1 requests, signed as Twilio signs them for this port."""
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    validator = RequestValidator(token)
    requests = []
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
    lines = buffer[:end].decode("latin-1").split("\r\n")
    length = 0
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
    """Drive connections keep-alive sockets through requests; report timings to results."""
    pending, latencies, errors = list(reversed(requests)), [], []
    selector = selectors.DefaultSelector()
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        selector.register(sock, selectors.EVENT_READ, [b"", 0.0])
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
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes + 1), context.Queue()
    workers = []
    for index in range(processes):
        connections = len(range(index, args.concurrency, processes))
        chunk = requests[index::processes]
        worker_args = (chunk, port, connections, barrier, results, args.timeout)
        workers.append(context.Process(target=client_process, args=worker_args))
    for worker in workers:
        worker.start()
    barrier.wait(timeout=60)
    reports = [results.get(timeout=args.timeout * 10 + 600) for _ in workers]
    for worker in workers:
        worker.join()
    wall = max(r[1] for r in reports) - min(r[0] for r in reports)
    latencies = [value for r in reports for value in r[2]]
    return len(latencies) / wall, latencies, [error for r in reports for error in r[3]]


# ---------------------------------------------------------------------------- servers


@contextmanager
def serving(target: Target, workdir: Path):
    """Run target under gunicorn with the production config until the block ends."""
    command = [tool("gunicorn"), "-c", str(GUNICORN_CONF), "--access-logfile", "/dev/null"]
    if any(setting.name == "control_socket" for setting in KNOWN_SETTINGS):
        command += ["--control-socket", str(workdir / "gunicorn.ctl")]
    env = {**target.env, "EWN_BIND": f"127.0.0.1:{target.port}"}
    logfile = workdir / (target.label.replace(" ", "-").replace("+", "-") + ".log")
    with open(logfile, "ab") as output:
        server = subprocess.Popen(
            [*command, target.wsgi], cwd=ROOT, env=env, stdout=output, stderr=output
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
            sys.exit(f"server exited with {server.returncode}; see {logfile}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/health")
            connection.getresponse().read()
        except OSError:
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


# ---------------------------------------------------------------------------- storage checks


def fetch(url: str, sql: str) -> list:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).scalars())
    finally:
        engine.dispose()


def exactly_once(stored: list[str], expected: set[str]) -> str | None:
    found = set(stored)
    if len(stored) != len(found):
        return f"{len(stored) - len(found)} duplicate rows"
    if found != expected:
        return f"{len(expected - found)} missing, {len(found - expected)} unexpected"
    return None


def ewn_verifier(url: str):
    def verify(expected: set[str]) -> str | None:
        ids = fetch(url, "SELECT external_id FROM inbound_messages WHERE provider = 'twilio'")
        work = fetch(
            url,
            "SELECT count(DISTINCT w.id) FROM work_items w JOIN inbound_messages m "
            "ON m.id = w.subject_id WHERE w.stage = 'message'",
        )[0]
        problem = exactly_once(ids, expected)
        return problem or (None if work == len(expected) else f"{work} message work items")

    return verify


def reference_verifier(url: str):
    return lambda expected: exactly_once(
        fetch(url, "SELECT external_id FROM messages WHERE provider = 'twilio'"), expected
    )


# ---------------------------------------------------------------------------- set-up


def base_env() -> dict[str, str]:
    keep = ("EWN_WEB_PROCESSES", "EWN_WEB_THREADS")
    return {k: v for k, v in os.environ.items() if not k.startswith("EWN_") or k in keep}


def ewn_target(label, url, workdir, token, args) -> Target:
    port, data = free_port(), workdir / label.replace(" ", "-")
    env = base_env() | {
        "EWN_DATA_DIR": str(data),
        "EWN_DATABASE_URL": url,
        "EWN_SQLITE_SYNCHRONOUS": args.sqlite_synchronous,
        "EWN_KEYRING_FILE": str(workdir / "keyring.json"),
        "EWN_TWILIO_AUTH_TOKEN": token,
        "EWN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "EWN_LOG_LEVEL": "WARNING",
    }
    run_command([tool("ewn"), "db", "upgrade"], env)
    return Target(label, "app:app", env, ewn_verifier(url), port)


def reference_target(label, app, workdir, token, args) -> Target:
    port, database = free_port(), workdir / "reference.db"
    create_schema(str(database))
    env = base_env() | {
        "BENCH_REF_DATABASE": str(database),
        "BENCH_REF_SYNCHRONOUS": args.sqlite_synchronous,
        "BENCH_REF_AUTH_TOKEN": token,
        "BENCH_REF_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    verify = reference_verifier(f"sqlite:///{database}") if app == "insert_app" else None
    return Target(label, f"benchmarks.reference_apps:{app}", env, verify, port)


def recreate_postgres(url: str) -> str | None:
    """Drop and create the benchmark database; the reason it cannot be used, or None."""
    admin, _, name = url.rpartition("/")
    if name in ("", "test", "postgres", "template0", "template1"):
        return f"refusing to drop database {name!r}; name a dedicated one"
    try:
        with psycopg.connect(f"{admin}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None


# ---------------------------------------------------------------------------- report


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a sorted list, in milliseconds."""
    return ordered[max(0, int(len(ordered) * fraction + 0.999999) - 1)] * 1000


def summarise(target: Target) -> dict[str, float]:
    ordered = sorted(target.latencies)
    return {
        "rps": statistics.median(target.throughputs),
        "p50": percentile(ordered, 0.50),
        "p99": percentile(ordered, 0.99),
    }


def print_report(targets: list[Target], args, settings: str, skipped: str | None) -> bool:
    print(f"\nEWN ingest benchmark: {args.requests} webhooks x {args.rounds} rounds per app, "
          f"{args.concurrency} keep-alive connections ({args.client_processes} client processes), "
          f"warm-up {args.warmup} per start")  # fmt: skip
    print(f"gunicorn: {settings}; SQLite: WAL, PRAGMA synchronous={args.sqlite_synchronous}")
    print("throughput: median of rounds; p50/p99: pooled over all timed requests of all rounds\n")
    print(f"{'app':<12}{'req/s':>8}  {'rounds req/s':<22}{'p50 ms':>8}{'p99 ms':>8}"
          f"{'errors':>8}  stored")  # fmt: skip
    figures = {t.label: summarise(t) for t in targets}
    for t in targets:
        f, rounds = figures[t.label], ", ".join(f"{v:.0f}" for v in t.throughputs)
        print(f"{t.label:<12}{f['rps']:>8.0f}  {rounds:<22}{f['p50']:>8.1f}{f['p99']:>8.1f}"
              f"{sum(t.errors.values()):>8}  {t.stored}")  # fmt: skip
    if skipped:
        print(f"EWN pg: skipped ({skipped})")
    for t in targets:
        for error, count in t.errors.most_common(5):
            print(f"  {t.label} error x{count}: {error}")
    empty, reference = figures["empty"], figures["sig+insert"]
    for label in [t.label for t in targets if t.label.startswith("EWN")]:
        f = figures[label]
        print(f"{label}: throughput {f['rps'] / reference['rps']:.0%} of sig+insert, "
              f"{f['rps'] / empty['rps']:.0%} of empty; p99 {f['p99']:.1f} ms = "
              f"{f['p99'] / reference['p99']:.2f}x sig+insert, {f['p99'] / empty['p99']:.2f}x empty")  # fmt: skip
    ewn = figures["EWN sqlite"]
    ratio_ok = ewn["rps"] >= TARGETS["vs_reference"] * reference["rps"]
    p99_ok = ewn["p99"] < TARGETS["p99_ms"]
    clean = all(t.stored.startswith("ok") and not t.errors for t in targets)
    met = ratio_ok and p99_ok and clean
    print(f"\nTARGETS {'MET' if met else 'NOT MET'} (EWN sqlite): throughput "
          f"{ewn['rps'] / reference['rps']:.0%} of sig+insert (>= 80%: {'yes' if ratio_ok else 'no'}), "
          f"p99 {ewn['p99']:.1f} ms (< 50 ms: {'yes' if p99_ok else 'no'}), "
          f"errors and storage {'clean' if clean else 'NOT clean'}")  # fmt: skip
    return met


# ---------------------------------------------------------------------------- main


def measure(target: Target, params, workdir: Path, token: str, args, tag: str) -> None:
    requests = signed_requests(params, target.port, token)
    warmup, timed = requests[: args.warmup], requests[args.warmup :]
    log(f"{tag} {target.label}: starting gunicorn on port {target.port}")
    with serving(target, workdir):
        run_load(warmup, target.port, args)
        rate, latencies, errors = run_load(timed, target.port, args)
    target.posted.update(item["MessageSid"] for item in params)
    target.throughputs.append(rate)
    target.latencies.extend(latencies)
    target.errors.update(errors)
    p99 = percentile(sorted(latencies), 0.99)
    log(f"{tag} {target.label}: {rate:.0f} req/s, p99 {p99:.1f} ms, {len(errors)} errors")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", "-n", type=int, default=5000, help="timed per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", "-c", type=int, default=16, help="connections")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=300, help="untimed requests per start")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per response")
    parser.add_argument("--sqlite-synchronous", default="FULL", choices=["FULL", "NORMAL", "EXTRA"])
    parser.add_argument(
        "--postgres-url", default="postgresql://postgres@127.0.0.1:5432/ewn_bench",
        help="dropped and recreated; never name a database in use",
    )  # fmt: skip
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--workdir", type=Path, help="keep databases and logs here")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ewn-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    log(f"working in {workdir}")
    run_command([tool("ewn"), "keys", "generate", str(workdir / "keyring.json")], base_env())
    targets = [
        reference_target("empty", "empty_app", workdir, token, args),
        reference_target("sig+insert", "insert_app", workdir, token, args),
        ewn_target("EWN sqlite", f"sqlite:///{workdir / 'ewn.db'}", workdir, token, args),
    ]
    skipped = "--no-postgres" if args.no_postgres else recreate_postgres(args.postgres_url)
    if skipped:
        log(f"PostgreSQL skipped: {skipped}")
    else:
        targets.append(ewn_target("EWN pg", args.postgres_url, workdir, token, args))
    rng = random.Random(20240611)
    for round_index in range(args.rounds):
        params = make_params(args.warmup + args.requests, rng)
        shift = round_index % len(targets)
        for target in targets[shift:] + targets[:shift]:
            tag = f"[round {round_index + 1}/{args.rounds}]"
            measure(target, params, workdir, token, args, tag)
    for target in targets:
        problem = target.verify(target.posted) if target.verify else None
        stored = f"{len(target.posted)} sids exactly once" if target.verify else "n/a (stores nothing)"
        target.stored = f"NOT OK: {problem}" if problem else f"ok: {stored}"
    settings = describe_gunicorn()
    met = print_report(targets, args, settings, skipped)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if met else 1


def describe_gunicorn() -> str:
    """The settings the servers ran with, read from the config file as gunicorn reads it."""
    conf = runpy.run_path(str(GUNICORN_CONF))
    return (
        f"{GUNICORN_CONF.relative_to(ROOT)}: {conf['worker_class']}, {conf['workers']} processes"
        f" x {conf['threads']} threads, keepalive {conf['keepalive']} s, access log off"
    )


if __name__ == "__main__":
    sys.exit(main())
