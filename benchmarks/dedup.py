"""How well and how fast EWN groups reports into incidents.

1. The labelled set (tests/fixtures/incidents/labelled_reports.jsonl): every report of the
   held-out incidents is sent through the real pipeline (message, locate, understand and
   cluster stages) in the order it was received, on a fresh SQLite database with the GeoNames
   Kenya gazetteer. Prints pairwise precision, recall and F1 of the grouping, primary category
   accuracy, and recall of KILLING, ARMED_ATTACK and SEXUAL_VIOLENCE.
2. Figure Eight messages (../shared/data/figure-eight-disaster-messages): rows of the 'direct'
   genre sharing the same `original` are one SMS translated by different volunteers. The
   clusterers see only the shuffled English messages. Text-only grouping with EWN's text
   similarity and signature index, next to a TF-IDF cosine baseline; each clusterer's threshold
   is chosen on one half of the groups and scored on the other.
3. Scale: the median time and mean candidates examined to place one report into the densest
   block of a store of 10,000 and of 1,000,000 reports; both stores are filled first and then
   timed in turns (5 rounds of 40 placements each), so the machine's slow spells fall on both.

    python benchmarks/dedup.py [--part labelled|figure-eight|scale|all]
                               [--split test|tune|extra|...|thirteenth] [--failures]

The held-out half ("test") is what is reported; "tune", and the later tuning sets "extra",
"third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
"twelfth" and "thirteenth" (tests/fixtures/incidents/NAME_reports.jsonl), are for tuning.
("fifth" to "thirteenth" were written blind after the "test" half had been scored many times,
each scored once blind, then tuned on.)

Reports in which the taxonomy finds no term get the category learned from config/examples.jsonl
(ewn/meaning/learned.py), which holds the reports of the tuning sets: the examples of the split
being scored are left out, so that its learned categories come from the other sets only.
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
import contextlib
import csv
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from werkzeug.datastructures import MultiDict

from ewn import create_app
from ewn.crypto import Keyring
from ewn.dedup.text import bands, content_words, similarity
from ewn.geo import gazetteer
from ewn.ingest.record import encode_params, message_row
from ewn.models import InboundMessage, Incident, IncidentDecision, IncidentSignature, Report
from ewn.registry import NewIdentity, add
from ewn.store import incidents as incident_store
from ewn.store import messages
from ewn.worker import Worker

LABELLED = ROOT / "tests" / "fixtures" / "incidents" / "labelled_reports.jsonl"
# Written later, for tuning only (the held-out half of the labelled set stays unseen).
HELD_OUT = {"test"}  # scored, never tuned on
SOURCES = {
    "test": LABELLED,
    "tune": LABELLED,
    **{
        name: ROOT / "tests" / "fixtures" / "incidents" / f"{name}_reports.jsonl"
        for name in (
            "extra",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
        )
    },
}
EXAMPLES = ROOT / "config" / "examples.jsonl"
KENYA = ROOT.parent / "shared" / "data" / "geonames" / "KE.txt"
FIGURE_EIGHT = ROOT.parent / "shared" / "data" / "figure-eight-disaster-messages"
TARGETS = {
    "f1": 0.90,
    "category": 0.85,
    "severe_recall": 0.98,
    "figure_eight_f1": 0.30,
    "growth": 1.5,
}
SEVERE = ("KILLING", "ARMED_ATTACK", "SEXUAL_VIOLENCE")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pairwise(truth: dict, predicted: dict) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a grouping (items → group labels)."""

    def pairs(labels: dict) -> int:
        sizes = Counter(labels.values())
        return sum(n * (n - 1) // 2 for n in sizes.values())

    both = Counter((truth[item], predicted[item]) for item in truth)
    together = sum(n * (n - 1) // 2 for n in both.values())
    true_pairs, predicted_pairs = pairs(truth), pairs({k: predicted[k] for k in truth})
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# ---------------------------------------------------------------------------- 1. labelled


# Settings overridden from the command line (for tuning on the tune half only).
SETTINGS: dict = {}


def examples_without(split: str, workdir: Path) -> Path:
    """config/examples.jsonl without the examples taken from the split being scored: the
    learned categories of its reports come from the other sets only."""
    kept = [
        line
        for line in EXAMPLES.read_text(encoding="utf-8").splitlines()
        if line.strip() and not json.loads(line).get("source", "").startswith(f"{split}:")
    ]
    path = workdir / "examples.jsonl"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def tuning_examples() -> list[dict]:
    """The reports of every tuning set as examples (config/examples.jsonl): never one of a
    held-out set."""
    examples = []
    for split, source in SOURCES.items():
        if split in HELD_OUT:
            continue
        for line in source.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["split"] == split:
                text = " ".join(part["text"].strip() for part in entry["messages"]).strip()
                examples.append(
                    {"text": text, "category": entry["primary"], "source": f"{split}:{entry['id']}"}
                )
    return examples


def write_examples() -> None:
    examples = tuning_examples()
    with EXAMPLES.open("w", encoding="utf-8") as out:
        for example in examples:
            out.write(json.dumps(example, ensure_ascii=False) + "\n")
    progress(f"wrote {len(examples)} examples to {EXAMPLES}")


def make_app(workdir: Path, split: str | None = None):
    keyring = workdir / "keyring.json"
    Keyring.generate().save(keyring)
    return create_app(
        {
            "data_dir": str(workdir),
            "database_url": f"sqlite:///{workdir}/ewn.db",
            "keyring_file": str(keyring),
            "log_level": "WARNING",
            "web.secret_key": "benchmark-" + "0" * 32,
            # The labelled monitors never answer a "where?" question, and a replay of March
            # cannot wait out a question's window (it is counted on the wall clock): with
            # asking on, a monitor's next short message, days later, would be taken for the
            # answer. Unlocated reports fall back to the monitor's home, as they do when the
            # window closes unanswered.
            "geo.ask_back": False,
            **({"incidents.examples_file": str(examples_without(split, workdir))} if split else {}),
            **SETTINGS,
        }
    )


def replay(app, rt, entries: list[dict]) -> dict[str, list[int]]:
    """Send every labelled report through the pipeline; returns entry id → its message ids."""
    phones = {}
    enrolled_at = datetime(2026, 1, 1, tzinfo=UTC)
    with rt.db.session() as session:
        for entry in entries:
            monitor = entry["monitor"]
            if monitor in phones:
                continue
            phones[monitor] = f"+2547{len(phones) + 10000000:08d}"
            if monitor.startswith("m"):
                registered = add(session, rt, NewIdentity(phones[monitor], trust=entry["trust"]))
                registered.created_at = enrolled_at
    sent: dict[str, list[int]] = {}
    order = sorted(
        (
            (datetime.fromisoformat(e["received_at"]) + timedelta(seconds=m["after_seconds"]), e, m)
            for e in entries
            for m in e["messages"]
        ),
        key=lambda x: x[0],
    )
    worker = Worker(rt, "benchmark")
    for count, (received, entry, part) in enumerate(order, start=1):
        params = {
            "MessageSid": f"SM{entry['id']}{part['after_seconds']:06d}",
            "From": phones[entry["monitor"]],
            "To": "+15005550006",
            "Body": part["text"],
        }
        row = message_row(
            encode_params(params), MultiDict(params), "webhook", rt, received.astimezone(UTC)
        )
        messages.record_inbound(rt.db, row)
        worker.run(until_idle=True)
        if count % 50 == 0:
            progress(f"  replayed {count}/{len(order)} messages")
    with rt.db.session() as session:
        for message in session.scalars(select(InboundMessage)):
            entry_id = message.external_id[2:7]
            sent.setdefault(entry_id, []).append(message.report_id)
    return sent


def evaluate_labelled(split: str) -> dict:
    source = SOURCES[split]
    entries = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line]
    chosen = [e for e in entries if e["split"] == split]
    with tempfile.TemporaryDirectory() as workdir:
        app = make_app(Path(workdir), split)
        rt = app.extensions["ewn"]
        with app.app_context():
            rt.db.upgrade()
            progress(f"loading {KENYA.name}...")
            gazetteer.load(rt.db, KENYA, rt.geo)
            import io

            rt.transport.stream = io.StringIO()  # the console transport: keep it quiet
            progress(f"replaying {len(chosen)} labelled reports ({split} split)...")
            started = time.perf_counter()
            sent = replay(app, rt, chosen)
            elapsed = time.perf_counter() - started
            with rt.db.session() as session:
                reports = {r.id: r for r in session.scalars(select(Report))}
                decisions = {
                    d.report_id: d.scores for d in session.scalars(select(IncidentDecision))
                }
        rt.db.dispose()
    truth, predicted = {}, {}
    assembled = category_ok = 0
    misses: list[str] = []
    recall = {name: [0, 0] for name in SEVERE}
    for entry in chosen:
        report_ids = [rid for rid in sent.get(entry["id"], []) if rid]
        if not report_ids:
            continue
        assembled += len(set(report_ids)) == 1
        report = reports[report_ids[0]]
        if len(set(report_ids)) > 1:
            parts = " | ".join(
                f"+{m['after_seconds']}s {m['text'][:60]!r}" for m in entry["messages"]
            )
            misses.append(f"{entry['id']}: not assembled into one report: {parts}")
        truth[entry["id"]] = entry["incident"] or f"noise-{entry['id']}"
        predicted[entry["id"]] = report.incident_id
        if entry["incident"] is None:
            category_ok += report.not_incident or report.primary_category is None
            continue
        category_ok += report.primary_category == entry["primary"]
        if report.primary_category != entry["primary"]:
            misses.append(
                f"{entry['id']}: category {report.primary_category} ({report.categories}), "
                f"truth {entry['primary']} ({entry['categories']}): {report.text[:100]!r}"
            )
        for name in SEVERE:
            if name in entry["categories"]:
                recall[name][1] += 1
                recall[name][0] += name in (report.categories or [])
                if name not in (report.categories or []):
                    misses.append(
                        f"{entry['id']}: {name} missed ({report.categories}): {report.text[:100]!r}"
                    )
    precision, recall_pairs, f1 = pairwise(truth, predicted)
    texts = {
        entry_id: reports[ids[0]].text
        for entry_id, ids in ((e["id"], [r for r in sent.get(e["id"], []) if r]) for e in chosen)
        if ids
    }
    scores = {
        entry_id: decisions.get(ids[0])
        for entry_id, ids in ((e["id"], [r for r in sent.get(e["id"], []) if r]) for e in chosen)
        if ids
    }
    misses += grouping_misses(truth, predicted, texts, scores)
    return {
        "misses": misses,
        "entries": len(chosen),
        "incidents": len({e["incident"] for e in chosen if e["incident"]}),
        "precision": precision,
        "recall": recall_pairs,
        "f1": f1,
        "category": category_ok / len(truth) if truth else 0.0,
        "severe": {name: (hit / total if total else 1.0) for name, (hit, total) in recall.items()},
        "assembled": assembled / len(truth) if truth else 0.0,
        "seconds_per_report": elapsed / max(1, len(chosen)),
    }


def grouping_misses(truth: dict, predicted: dict, texts: dict, scores: dict) -> list[str]:
    """True incidents split over several EWN incidents, and EWN incidents mixing several,
    each report with the scores of the decision that placed it."""
    lines = []
    for label, side, other in (("split", truth, predicted), ("mixed", predicted, truth)):
        groups: dict = {}
        for entry_id, key in side.items():
            groups.setdefault(key, []).append(entry_id)
        for key, members in groups.items():
            parts = {other[m] for m in members}
            if len(members) > 1 and len(parts) > 1 and not str(key).startswith("noise-"):
                lines.append(f"{label} {key} over {len(parts)}:")
                lines += [
                    f"    [{other[m]}] {m}: {texts.get(m, '')[:70]!r} {scores.get(m)}"
                    for m in members
                ]
    return lines


# ---------------------------------------------------------------------------- 2. figure eight


def figure_eight() -> tuple[list[str], list[str | None]]:
    """(messages, group key) of the direct genre; None = no group."""
    seen, texts, groups = set(), [], []
    with (FIGURE_EIGHT / "disaster_messages.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["genre"] != "direct" or row["id"] in seen:
                continue
            seen.add(row["id"])
            message = row["message"].strip()
            if not message or message.startswith("NOTES:"):
                continue
            original = (row.get("original") or "").strip()
            texts.append(message)
            groups.append(original if original and original != "a" else None)
    return texts, groups


def ewn_grouping(texts: list[str], threshold: float) -> list[int]:
    """Online grouping as the cluster stage does it: a message joins the group whose first
    message it is most like (found through signature bands), or starts a group."""
    by_band: dict[str, list[int]] = defaultdict(list)
    cluster = list(range(len(texts)))
    for index, text in enumerate(texts):
        signature = bands(text)
        candidates = {seed for band in signature for seed in by_band[band]}
        best, best_score = None, threshold
        for seed in candidates:
            score = similarity(text, texts[seed])
            if score >= best_score:
                best, best_score = seed, score
        if best is not None:
            cluster[index] = best
        else:
            for band in signature:
                by_band[band].append(index)
    return cluster


def tfidf_grouping(texts: list[str], threshold: float) -> list[int]:
    """The baseline: TF-IDF cosine over words, the same online grouping."""
    documents = [Counter(content_words(text)) for text in texts]
    frequency = Counter(word for doc in documents for word in doc)
    count = len(documents)
    vectors = []
    for doc in documents:
        vector = {w: (1 + math.log(n)) * math.log(count / frequency[w]) for w, n in doc.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    by_word: dict[str, list[int]] = defaultdict(list)
    cluster = list(range(count))
    for index, vector in enumerate(vectors):
        candidates = {seed for word in vector for seed in by_word[word]}
        best, best_score = None, threshold
        for seed in candidates:
            score = sum(v * vectors[seed].get(w, 0.0) for w, v in vector.items())
            if score >= best_score:
                best, best_score = seed, score
        if best is not None:
            cluster[index] = best
        else:
            for word in vector:
                by_word[word].append(index)
    return cluster


def score_grouping(texts, groups, grouping, threshold) -> tuple[float, float, float]:
    order = list(range(len(texts)))
    random.Random(11).shuffle(order)
    shuffled = [texts[i] for i in order]
    clusters = grouping(shuffled, threshold)
    truth = {i: groups[order[i]] or f"single-{order[i]}" for i in range(len(order))}
    predicted = {i: clusters[i] for i in range(len(order))}
    return pairwise(truth, predicted)


def evaluate_figure_eight() -> dict:
    texts, groups = figure_eight()
    rng = random.Random(5)
    keys = sorted({g for g in groups if g})
    half_a = {g for g in keys if rng.random() < 0.5}
    # Every message goes to one half with its group; ungrouped ones are split at random.
    side = ["a" if (g in half_a if g else rng.random() < 0.5) else "b" for g in groups]
    halves = {
        name: (
            [t for t, s in zip(texts, side, strict=True) if s == name],
            [g for g, s in zip(groups, side, strict=True) if s == name],
        )
        for name in ("a", "b")
    }
    results = {}
    for label, grouping, thresholds in (
        (
            "EWN text similarity",
            ewn_grouping,
            [0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
        ),
        (
            "TF-IDF cosine baseline",
            tfidf_grouping,
            [0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
        ),
    ):
        progress(f"  {label}: choosing a threshold on half A...")
        tuned = max(thresholds, key=lambda t: score_grouping(*halves["a"], grouping, t)[2])
        results[label] = (tuned, score_grouping(*halves["b"], grouping, tuned))
    grouped = sum(1 for g in groups if g)
    return {
        "messages": len(texts),
        "grouped": grouped,
        "groups": len({g for g in groups if g}),
        "results": results,
    }


# ---------------------------------------------------------------------------- 3. scale


def fill(rt, reports: int, days: int, seed: int = 3) -> None:
    """A synthetic store: reports in incidents spread over days and ~47 areas' cells."""
    rng = random.Random(seed)
    base = datetime(2020, 1, 1, tzinfo=UTC)
    centres = [(rng.uniform(-4.0, 4.5), rng.uniform(34.0, 41.5)) for _ in range(47)]
    words = [
        "armed",
        "men",
        "attacked",
        "village",
        "houses",
        "burned",
        "killed",
        "youths",
        "police",
        "market",
        "night",
        "cattle",
        "raid",
        "displaced",
        "families",
        "shots",
        "fired",
        "threats",
        "leaflets",
        "rally",
        "church",
    ]
    incident_rows, report_rows, signature_rows = [], [], []
    incident_id = report_id = 0
    with rt.db.engine.begin() as connection:
        while report_id < reports:
            incident_id += 1
            lat, lon = rng.choice(centres)
            lat += rng.gauss(0, 0.3)
            lon += rng.gauss(0, 0.3)
            start = base + timedelta(days=rng.randrange(days), hours=rng.randrange(24))
            size = min(reports - report_id, max(1, int(rng.expovariate(1 / 3.3))))
            text = " ".join(rng.choice(words) for _ in range(8))
            incident_rows.append(
                {
                    "id": incident_id,
                    "reference": f"I{incident_id:010d}",
                    "status": "open",
                    "categories": ["ARMED_ATTACK"],
                    "primary_category": "ARMED_ATTACK",
                    "event_start": start,
                    "event_end": start + timedelta(hours=6),
                    "latitude": lat,
                    "longitude": lon,
                    "radius_km": 2.0,
                    "day_bucket": incident_store.day_bucket(start),
                    "cell": incident_store.cell_of(lat, lon),
                    "report_count": size,
                    "flags": [],
                    "created_at": start,
                    "updated_at": start,
                }
            )
            for band in bands(text):
                signature_rows.append(
                    {
                        "incident_id": incident_id,
                        "band": band,
                        "day_bucket": incident_store.day_bucket(start),
                    }
                )
            for _ in range(size):
                report_id += 1
                report_rows.append(
                    {
                        "id": report_id,
                        "reference": f"R{report_id:010d}",
                        "channel": "sms",
                        "origin": "live",
                        "text": text,
                        "trust": "normal",
                        "received_at": start,
                        "event_start": start,
                        "event_end": start + timedelta(hours=6),
                        "event_time_source": "text",
                        "latitude": lat,
                        "longitude": lon,
                        "location_status": "located",
                        "status": "new",
                        "created_at": start,
                        "incident_id": incident_id,
                        "placement": "auto",
                        "not_incident": False,
                        "coordinated": False,
                        "categories": ["ARMED_ATTACK"],
                    }
                )
            if len(report_rows) >= 20000:
                connection.execute(insert(Incident), incident_rows)
                connection.execute(insert(Report), report_rows)
                connection.execute(insert(IncidentSignature), signature_rows)
                incident_rows, report_rows, signature_rows = [], [], []
                progress(f"  stored {report_id:,} reports")
        if report_rows:
            connection.execute(insert(Incident), incident_rows)
            connection.execute(insert(Report), report_rows)
            connection.execute(insert(IncidentSignature), signature_rows)


def densest_block(rt) -> tuple[float, float, datetime, int]:
    """Where and when the most incidents are: the place of a new report that costs most."""
    from sqlalchemy import func

    with rt.db.session() as session:
        day, cell, crowd = session.execute(
            select(Incident.day_bucket, Incident.cell, func.count())
            .group_by(Incident.day_bucket, Incident.cell)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        sample = session.scalar(
            select(Incident).where(Incident.day_bucket == day, Incident.cell == cell).limit(1)
        )
        return sample.latitude, sample.longitude, sample.event_start, crowd


def time_placements(rt, block, samples: int) -> tuple[list[float], list[int]]:
    """ms and candidates to place new reports in the block (each rolled back, so every
    sample sees the same store)."""
    from sqlalchemy.orm import Session

    from ewn.dedup.cluster import place
    from ewn.models import IncidentDecision

    latitude, longitude, start, _ = block
    times, examined = [], []
    for index in range(samples):
        with rt.db.engine.connect() as connection:
            transaction = connection.begin()
            session = Session(bind=connection)
            report = Report(
                reference=f"BENCH{index:05d}",
                channel="sms",
                origin="live",
                text="armed men attacked the market at night, houses burned",
                trust="normal",
                received_at=start,
                event_start=start,
                event_end=start + timedelta(hours=3),
                latitude=latitude,
                longitude=longitude,
                location_status="located",
                location_radius_km=2.0,
                categories=["ARMED_ATTACK"],
                primary_category="ARMED_ATTACK",
                understood_at=start,
            )
            session.add(report)
            session.flush()
            began = time.perf_counter()
            place(session, rt, report)
            times.append((time.perf_counter() - began) * 1000)
            scores = session.scalar(
                select(IncidentDecision.scores).where(IncidentDecision.report_id == report.id)
            )
            examined.append((scores or {}).get("examined", 0))
            session.close()
            transaction.rollback()
    return times, examined


def evaluate_scale(sizes: list[int], rounds: int = 5, samples: int = 40) -> dict:
    """Median ms and mean candidates to place a report in the densest block of each store.
    The stores are filled first, then timed in turns, round by round, so that a slow spell of
    a shared machine falls on all of them alike."""
    with contextlib.ExitStack() as stack:
        stores = {}
        for size in sizes:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            app = make_app(workdir)
            rt = app.extensions["ewn"]
            with app.app_context():
                rt.db.upgrade()
                progress(f"storing {size:,} reports...")
                # The store grows over time: a hundred times the reports over a hundred times
                # the days, so the densest blocks are about as crowded in both.
                fill(rt, size, days=max(3, size // 330))
            stack.callback(rt.db.dispose)
            stores[size] = (rt, densest_block(rt))
        progress(f"timing {rounds} rounds of {samples} placements in each store...")
        measured = {size: ([], []) for size in sizes}
        for _ in range(rounds):
            for size, (rt, block) in stores.items():
                times, examined = time_placements(rt, block, samples)
                measured[size][0].extend(times)
                measured[size][1].extend(examined)
        return {
            size: (
                statistics.median(times),
                statistics.mean(examined),
                stores[size][1][3],
            )
            for size, (times, examined) in measured.items()
        }


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", default="all", choices=["labelled", "figure-eight", "scale", "all"]
    )
    parser.add_argument(
        "--split",
        default="test",
        choices=list(SOURCES),
        help="extra ... thirteenth: further tuning sets "
        "(tests/fixtures/incidents/NAME_reports.jsonl)",
    )
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument(
        "--failures", action="store_true", help="list category misses and split/mixed incidents"
    )
    parser.add_argument(
        "--join-threshold",
        type=float,
        help="override incidents.join_threshold (for tuning on the tune half)",
    )
    parser.add_argument(
        "--write-examples",
        action="store_true",
        help="write config/examples.jsonl from the tuning sets' reports, then stop",
    )
    args = parser.parse_args()
    if args.write_examples:
        write_examples()
        return 0
    if args.join_threshold is not None:
        SETTINGS["incidents.join_threshold"] = args.join_threshold
    met = True
    if args.part in ("labelled", "all"):
        figures = evaluate_labelled(args.split)
        if args.failures:
            print("\n".join(figures["misses"]))
        held = "held out" if args.split in HELD_OUT else "for tuning"
        print(
            f"\nLabelled set, '{args.split}' half ({held}): {figures['entries']} reports, "
            f"{figures['incidents']} incidents"
        )
        print(
            f"  pairwise precision {figures['precision']:.3f}  recall {figures['recall']:.3f}"
            f"  F1 {figures['f1']:.3f}   (target F1 >= {TARGETS['f1']})"
        )
        print(
            f"  primary category accuracy {figures['category']:.3f}   (target >= "
            f"{TARGETS['category']})"
        )
        for name, value in figures["severe"].items():
            print(f"  recall of {name:<16} {value:.3f}   (target >= {TARGETS['severe_recall']})")
        print(f"  multi-message reports assembled into one report: {figures['assembled']:.3f}")
        print(
            f"  pipeline time per report (all stages, one worker): "
            f"{figures['seconds_per_report'] * 1000:.0f} ms"
        )
        met &= figures["f1"] >= TARGETS["f1"] and figures["category"] >= TARGETS["category"]
        met &= all(v >= TARGETS["severe_recall"] for v in figures["severe"].values())
    if args.part in ("figure-eight", "all"):
        progress("Figure Eight: grouping translations of the same SMS...")
        figures = evaluate_figure_eight()
        print(
            f"\nFigure Eight 'direct' messages: {figures['messages']:,} "
            f"({figures['grouped']:,} in {figures['groups']:,} groups of translations)"
        )
        for label, (threshold, (precision, recall, f1)) in figures["results"].items():
            print(
                f"  {label:<24} threshold {threshold:.2f} (chosen on half A)  half B: "
                f"precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}"
            )
        ewn_f1 = figures["results"]["EWN text similarity"][1][2]
        print(
            f"  (aim: F1 >= {TARGETS['figure_eight_f1']}; tuned lexical baselines reach about 0.16)"
        )
        met &= ewn_f1 >= TARGETS["figure_eight_f1"]
    if args.part in ("scale", "all"):
        results = evaluate_scale([10_000, args.large])
        print("\nPlacing one report into the densest block:")
        for size, (ms, examined, crowd) in results.items():
            print(
                f"  {size:>9,} reports stored: median {ms:.2f} ms, {examined:.1f} candidates "
                f"examined (densest block holds {crowd} incidents)"
            )
        small, large = results[10_000][0], results[args.large][0]
        print(
            f"  the larger store costs {large / small:.2f}x the smaller (target <= "
            f"{TARGETS['growth']}x)"
        )
        met &= large / small <= TARGETS["growth"]
    print(f"\nTARGETS {'MET' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
