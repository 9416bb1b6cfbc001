"""How well and how fast EWN reads places from monitors' messages.

Loads a GeoNames gazetteer (by default the full Kenya extract in ../shared/data) into a fresh
SQLite database, reads the place of every message of the labelled set
(tests/fixtures/geo/labelled_messages.jsonl) with the monitor's home place, and prints, for the
held-out half ("test") and, for comparison, the half the matcher was tuned on:

- share of messages naming a place that were located within 10 km of the truth,
- share of those whose primary admin area is the truth's,
- share of no-place messages left unlocated,
- median and p99 time per message (reading the place and assigning admin areas; after a
  warm-up pass, each message is read three times and its fastest time counts).

It also prints how many of the real Figure Eight messages (../shared/data; disasters outside
Kenya, so a Kenyan place read in them is almost always a false location) are read as a place
with the confidence that locates a report: a measure of misreadings, with no target.

It also loads the same gazetteer plus 200,000 generated places inside the same country into a
second database and prints the same figures there, with the mean number of candidate places
examined per message. The two databases are timed in turns, so that a slow spell of a shared
machine does not fall on one of them only.

    python benchmarks/geocode.py [--gazetteer FILE] [--generated 200000]
                                 [--split test|tune|all|extra|third|fourth] [--failures]

The held-out half ("test") is what is reported; "tune", and the later tuning sets "extra",
"third" and "fourth" (tests/fixtures/geo/{extra,third,fourth}_messages.jsonl), are for tuning.
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
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from benchmarks.dedup import figure_eight
from ewn.db import Database
from ewn.geo import gazetteer
from ewn.geo.areas import assign
from ewn.geo.config import GeoConfig
from ewn.geo.distance import km
from ewn.geo.resolve import read_place
from ewn.settings import load_settings
from ewn.store import places as place_store

LABELLED = ROOT / "tests" / "fixtures" / "geo" / "labelled_messages.jsonl"
# Written later, for tuning only (the held-out half of the labelled set stays unseen).
FURTHER = {
    name: ROOT / "tests" / "fixtures" / "geo" / f"{name}_messages.jsonl"
    for name in ("extra", "third", "fourth")
}
DEFAULT_GAZETTEER = ROOT.parent / "shared" / "data" / "geonames" / "KE.txt"
# Each message is read this many times (in turns across databases); its time is the fastest.
ROUNDS = 3
TARGETS = {
    "within_10km": 0.90,
    "admin_area": 0.95,
    "no_place_unlocated": 0.95,
    "median_ms": 5.0,
    "growth": 1.5,
}
SYLLABLES = [
    "ka",
    "ki",
    "ko",
    "ku",
    "ma",
    "mi",
    "mo",
    "mu",
    "na",
    "ni",
    "no",
    "nu",
    "ta",
    "ti",
    "to",
    "tu",
    "ra",
    "ri",
    "ro",
    "ru",
    "ba",
    "bi",
    "bo",
    "bu",
    "sa",
    "si",
    "so",
    "su",
    "la",
    "li",
    "lo",
    "lu",
    "wa",
    "we",
    "ya",
    "chi",
    "che",
    "ge",
    "go",
    "ny",
    "ng",
    "mb",
    "nd",
    "kip",
    "kap",
    "chep",
    "lo",
    "ole",
]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evaluate(
    db: Database,
    config: GeoConfig,
    messages: list[dict],
    threshold: float,
    countries: tuple[str, ...],
) -> dict:
    """Accuracy on the messages, and the time each one took (in message order)."""
    times, examined = [], []
    near = area_ok = named = empty = empty_ok = 0
    failures = []
    with Session(db.engine) as session:
        for message in messages:
            home = (
                place_store.by_source_id(session, message["home"]["geonameid"])
                if (message.get("home"))
                else None
            )
            started = time.perf_counter()
            reading = read_place(session, message["text"], config, home, countries)
            located = reading.place is not None and reading.confidence >= threshold
            areas = (
                assign(
                    session,
                    reading.place.latitude,
                    reading.place.longitude,
                    reading.radius_km or 5,
                    reading.place,
                )
                if located
                else []
            )
            times.append((time.perf_counter() - started) * 1000)
            examined.append(reading.examined)
            truth = message.get("truth")
            if truth is None:
                empty += 1
                empty_ok += not located
                if located:
                    failures.append((message["id"], "no place, read " + reading.place.name))
                continue
            named += 1
            if located:
                distance = km(
                    truth["latitude"],
                    truth["longitude"],
                    reading.place.latitude,
                    reading.place.longitude,
                )
                near += distance <= 10
                primary = next((a.area for a in areas if a.primary and a.area.level == 1), None)
                wanted = truth_area(session, truth)
                area_ok += primary is not None and primary.code == wanted
                if distance <= 10 and (primary is None or primary.code != wanted):
                    failures.append(
                        (
                            message["id"],
                            f"{truth['name']} in admin area "
                            f"{primary.code if primary else None}, not {wanted}",
                        )
                    )
                if distance > 10:
                    failures.append(
                        (
                            message["id"],
                            f"{truth['name']} read as {reading.place.name} ({distance:.0f} km)",
                        )
                    )
            else:
                failures.append(
                    (
                        message["id"],
                        f"{truth['name']} not located (confidence {reading.confidence})",
                    )
                )
    return {
        "times": times,
        "messages": len(messages),
        "named": named,
        "no_place": empty,
        "within_10km": near / named if named else 0.0,
        "admin_area": area_ok / named if named else 0.0,
        "no_place_unlocated": empty_ok / empty if empty else 1.0,
        "examined": statistics.mean(examined),
        "failures": failures,
    }


def best_of(runs: list[dict]) -> dict:
    """The figures of repeated runs, each message timed by its fastest run: the time a shared,
    noisy machine disturbs least."""
    times = sorted(min(each) for each in zip(*(run["times"] for run in runs), strict=True))
    return {
        **runs[-1],
        "median_ms": statistics.median(times),
        "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))],
    }


def timed(dbs: list[Database], measure) -> list[dict]:
    """Run measure(db) on each database ROUNDS times, taking turns, after a warm-up run each
    (the caches as a running worker has them): slow spells of the machine then fall on all
    of them alike."""
    for db in dbs:
        measure(db)
    runs: list[list[dict]] = [[] for _ in dbs]
    for _ in range(ROUNDS):
        for index, db in enumerate(dbs):
            runs[index].append(measure(db))
    return [best_of(each) for each in runs]


def truth_area(session: Session, truth: dict) -> str | None:
    """The truth's county: its GeoNames code, or for the ~470 features with an obsolete or
    missing code (02, 03, 07, 08...), the county its neighbours are in."""
    if place_store.area(session, "KE", 1, truth["admin1"]) is not None:
        return truth["admin1"]
    guesses = assign(session, truth["latitude"], truth["longitude"], 5.0)
    return next((guess.area.code for guess in guesses if guess.primary), None)


def generate(path: Path, db: Database, count: int, seed: int = 7) -> None:
    """count synthetic populated places inside the country: each within about 10 km of a real
    populated place and given its county, so the denser gazetteer is denser where people live,
    as real ones are (not spread over the whole bounding box, into the neighbouring countries,
    with counties drawn at random)."""
    from sqlalchemy import select

    from ewn.models import Place

    with Session(db.engine) as session:
        anchors = session.execute(
            select(Place.latitude, Place.longitude, Place.country, Place.admin1).where(
                Place.feature_class == "P", Place.admin1 != ""
            )
        ).all()
    rng = random.Random(seed)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for index in range(count):
            latitude, longitude, country, admin1 = rng.choice(anchors)
            # Three to five syllables, like most place names (Kipkelion, Olenguruone).
            name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5))).title()
            if rng.random() < 0.1:
                name += " " + rng.choice(("Centre", "Market", "Estate", "Village", "Farm"))
            row = [
                str(950_000_000 + index),
                name,
                name,
                "",
                f"{latitude + rng.uniform(-0.09, 0.09):.5f}",
                f"{longitude + rng.uniform(-0.09, 0.09):.5f}",
                "P",
                "PPL",
                country,
                "",
                admin1,
                "",
                "",
                "",
                str(int(rng.paretovariate(1.2) * 50)),
                "",
                "",
                "",
                "",
            ]
            out.write("\t".join(row) + "\n")


def report(label: str, figures: dict) -> None:
    print(
        f"\n{label}: {figures['messages']} messages ({figures['named']} name a place, "
        f"{figures['no_place']} name none)"
    )
    print(
        f"  located within 10 km of the truth   {figures['within_10km']:6.1%}"
        f"   (target >= {TARGETS['within_10km']:.0%})"
    )
    print(
        f"  correct admin area                  {figures['admin_area']:6.1%}"
        f"   (target >= {TARGETS['admin_area']:.0%})"
    )
    print(
        f"  no-place messages left unlocated    {figures['no_place_unlocated']:6.1%}"
        f"   (target >= {TARGETS['no_place_unlocated']:.0%})"
    )
    print(
        f"  time per message: median {figures['median_ms']:.2f} ms, p99 "
        f"{figures['p99_ms']:.2f} ms; candidates examined: mean {figures['examined']:.1f}"
    )


def foreign(db: Database, config: GeoConfig, threshold: float, countries) -> None:
    """Messages about disasters elsewhere (Haiti, Pakistan...) read as a Kenyan place."""
    progress("reading the Figure Eight messages...")
    texts, _ = figure_eight()
    with db.reading() as session:
        read = sum(
            1
            for text in texts
            if (reading := read_place(session, text, config, None, countries)).place is not None
            and reading.confidence >= threshold
        )
    print(
        f"\nFigure Eight 'direct' messages (disasters outside Kenya) read as a place here: "
        f"{read:,} of {len(texts):,} ({read / len(texts):.1%}; fewer is better, no target)"
    )


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load(path: Path, source: Path, config: GeoConfig) -> Database:
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    progress(f"loading {source} into {path.name}...")
    loaded = gazetteer.load(db, source, config)
    progress(f"  {loaded.places} places")
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_GAZETTEER)
    parser.add_argument("--generated", type=int, default=200_000)
    parser.add_argument(
        "--split",
        default="test",
        choices=["test", "tune", "all", *FURTHER],
        help="extra, third, fourth: further tuning sets, tests/fixtures/geo/NAME_messages.jsonl",
    )
    parser.add_argument("--failures", action="store_true", help="list every miss")
    args = parser.parse_args()
    settings = load_settings({"demo": True}, environ={})
    config = GeoConfig.load(settings.path(settings.geo.config_file))
    threshold = settings.geo.min_confidence
    labelled = read_jsonl(LABELLED)
    chosen = (
        read_jsonl(FURTHER[args.split])
        if args.split in FURTHER
        else [m for m in labelled if args.split == "all" or m["split"] == args.split]
    )
    with tempfile.TemporaryDirectory() as workdir:
        dbs = [load(Path(workdir) / "geocode.db", args.gazetteer, config)]
        if args.generated:
            grown_db = load(Path(workdir) / "grown.db", args.gazetteer, config)
            path = Path(workdir) / "generated.txt.gz"
            progress(f"generating {args.generated} places inside the country...")
            generate(path, grown_db, args.generated)
            progress("loading them...")
            gazetteer.load(grown_db, path, config)
            dbs.append(grown_db)
        progress(f"timing {ROUNDS} rounds...")
        results = timed(dbs, lambda db: evaluate(db, config, chosen, threshold, settings.countries))
        base = results[0]
        held_out = "held out" if args.split == "test" else "for tuning"
        report(f"{args.gazetteer.name}, split '{args.split}' ({held_out})", base)
        if args.split == "test":
            tuned = [m for m in labelled if m["split"] == "tune"]
            report(
                f"{args.gazetteer.name}, split 'tune' (for comparison: tuned on it)",
                timed(
                    dbs[:1], lambda db: evaluate(db, config, tuned, threshold, settings.countries)
                )[0],
            )
        if args.failures:
            for identifier, problem in base["failures"]:
                print(f"    {identifier}: {problem}")
        foreign(dbs[0], config, threshold, settings.countries)
        grown = None
        if args.generated:
            grown = results[1]
            report(f"with {args.generated:,} generated places added, split '{args.split}'", grown)
            ratio = grown["median_ms"] / base["median_ms"]
            print(
                f"  per-message time grew {ratio:.2f}x (median; target <= "
                f"{TARGETS['growth']}x); candidates examined "
                f"{base['examined']:.1f} -> {grown['examined']:.1f}"
            )
        for db in dbs:
            db.dispose()
    met = (
        base["within_10km"] >= TARGETS["within_10km"]
        and base["admin_area"] >= TARGETS["admin_area"]
        and base["no_place_unlocated"] >= TARGETS["no_place_unlocated"]
        and base["median_ms"] < TARGETS["median_ms"]
        and (grown is None or grown["median_ms"] / base["median_ms"] <= TARGETS["growth"])
    )
    print(f"\nTARGETS {'MET' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
