"""Load a GeoNames file (any country's XX.txt, cities500.txt, or EWN's compact extract).

The loader streams the file in batches (constant memory), upserts, so re-running changes
nothing, and reports malformed rows with their line numbers instead of stopping.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select

from ewn.db import Database
from ewn.geo.config import GeoConfig
from ewn.geo.distance import KM_PER_DEGREE, km_per_degree_of_longitude
from ewn.geo.names import deletions, joined, name_key, skeleton
from ewn.models import AdminArea, Place, PlaceName, PlaceNameVariant, utcnow
from ewn.store.common import insert_ignoring_conflicts

SOURCE = "geonames"
COLUMNS = 19
FEATURE_CLASSES = set("AHLPRSTUV")
BATCH = 2000
MAX_ALTERNATES = 40
# Fuzzy lookups index one-deletion variants of names at least this long.
MIN_FUZZY_LENGTH = 5
CELL_DEGREES = 0.1


CELL_COLUMNS = round(360 / CELL_DEGREES)


def cell_of(latitude: float, longitude: float) -> int:
    """The 0.1° grid cell of a point (neighbour searches use cells and an index)."""
    row = math.floor((latitude + 90) / CELL_DEGREES)
    column = math.floor((longitude + 180) / CELL_DEGREES)
    return row * CELL_COLUMNS + column


def neighbour_cells(latitude: float, longitude: float, radius_km: float) -> list[int]:
    """The cells that the box of radius_km around the point overlaps (one to four for a
    few kilometres): a denser gazetteer then costs only the places really near."""
    reach_lat = radius_km / KM_PER_DEGREE
    reach_lon = min(180.0, radius_km / km_per_degree_of_longitude(latitude))
    rows = range(
        math.floor((latitude - reach_lat + 90) / CELL_DEGREES),
        math.floor((latitude + reach_lat + 90) / CELL_DEGREES) + 1,
    )
    west = math.floor((longitude - reach_lon + 180) / CELL_DEGREES)
    east = math.floor((longitude + reach_lon + 180) / CELL_DEGREES)
    columns = {column % CELL_COLUMNS for column in range(west, east + 1)}
    return [row * CELL_COLUMNS + column for row in rows for column in sorted(columns)]


class BadRow(ValueError):
    """A malformed gazetteer line."""


@dataclass
class Row:
    geonameid: int
    name: str
    asciiname: str
    alternates: list[str]
    latitude: float
    longitude: float
    feature_class: str
    feature_code: str
    country: str
    admin1: str
    admin2: str
    population: int


@dataclass
class LoadResult:
    places: int = 0
    names: int = 0
    areas: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def parse_line(line: str) -> Row:
    columns = line.rstrip("\r\n").split("\t")
    if len(columns) != COLUMNS:
        raise BadRow(f"expected {COLUMNS} tab-separated columns, found {len(columns)}")
    try:
        geonameid = int(columns[0])
    except ValueError:
        raise BadRow(f"geonameid is not a number: {columns[0][:30]!r}") from None
    name = columns[1].strip()
    if not name:
        raise BadRow("empty name")
    try:
        latitude, longitude = float(columns[4]), float(columns[5])
    except ValueError:
        raise BadRow(
            f"coordinates are not numbers: {columns[4][:20]!r}, {columns[5][:20]!r}"
        ) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or math.isnan(latitude + longitude):
        raise BadRow(f"coordinates out of range: {latitude}, {longitude}")
    feature_class = columns[6].strip()
    if feature_class and feature_class not in FEATURE_CLASSES:
        raise BadRow(f"unknown feature class {feature_class!r}")
    country = columns[8].strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise BadRow(f"country code must be two letters, got {columns[8][:10]!r}")
    try:
        population = int(columns[14] or 0)
    except ValueError:
        raise BadRow(f"population is not a number: {columns[14][:20]!r}") from None
    alternates = [alt.strip() for alt in columns[3].split(",") if alt.strip()]
    return Row(
        geonameid=geonameid,
        name=name,
        asciiname=columns[2].strip(),
        alternates=alternates[:MAX_ALTERNATES],
        latitude=latitude,
        longitude=longitude,
        feature_class=feature_class or "L",
        feature_code=columns[7].strip()[:10],
        country=country,
        admin1=columns[10].strip()[:20],
        admin2=columns[11].strip()[:80],
        population=max(0, population),
    )


def read_rows(path: Path) -> Iterator[tuple[int, Row | BadRow, int]]:
    """(line number, row or problem, bytes read so far), streaming; .gz files too."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        done = 0
        for number, raw in enumerate(handle, start=1):
            done += len(raw)
            if not raw.strip() or raw.startswith(b"#"):
                continue
            try:
                yield number, parse_line(raw.decode("utf-8")), done
            except UnicodeDecodeError:
                yield number, BadRow("not UTF-8 text"), done
            except BadRow as problem:
                yield number, problem, done


def name_rows(row: Row, generic_words: set[str]) -> list[tuple[str, str]]:
    """(name as written, kind) for every distinct way of writing the place."""
    seen: set[str] = set()
    names = []
    for written, kind in [(row.name, "name"), (row.asciiname, "ascii")] + [
        (alternate, "alternate") for alternate in row.alternates
    ]:
        key = name_key(written)
        if not key or key in seen or key.isdigit():
            continue
        seen.add(key)
        names.append((written, kind))
        words = key.split()
        # "Mathare Valley" is often written "Mathare", "Dagahaley Refugee Camp" "Dagahaley".
        while len(words) > 1 and words[-1] in generic_words:
            words = words[:-1]
        head = " ".join(words)
        if head != key and len(head) >= 4 and head not in seen:
            seen.add(head)
            names.append((head, "partial"))
    return names


def load(
    db: Database,
    path: Path,
    config: GeoConfig,
    progress: Callable[[int], None] = lambda _bytes: None,
) -> LoadResult:
    result = LoadResult()
    batch: list[Row] = []
    last = 0
    for number, row, done in read_rows(path):
        if isinstance(row, BadRow):
            result.rejected.append((number, str(row)))
        else:
            batch.append(row)
        if len(batch) >= BATCH:
            _write(db, batch, config, result)
            batch = []
        progress(done - last)
        last = done
    if batch:
        _write(db, batch, config, result)
    _measure_areas(db)
    return result


def _write(db: Database, rows: list[Row], config: GeoConfig, result: LoadResult) -> None:
    now = utcnow()
    place_table = Place.__table__
    with db.begin() as connection:
        # Rows repeated in one batch (a file listing a feature twice): the last one counts.
        unique = {row.geonameid: row for row in rows}
        statement = _upsert_statement(db.dialect)
        ids = {}
        for chunk in _chunks(list(unique.values()), 500):
            returned = connection.execute(
                statement.returning(place_table.c.id, place_table.c.source_id),
                [
                    {
                        "source": SOURCE,
                        "source_id": row.geonameid,
                        "name": row.name,
                        "country": row.country,
                        "feature_class": row.feature_class,
                        "feature_code": row.feature_code,
                        "population": row.population,
                        "latitude": row.latitude,
                        "longitude": row.longitude,
                        "admin1": row.admin1,
                        "admin2": row.admin2,
                        "cell": cell_of(row.latitude, row.longitude),
                        "updated_at": now,
                    }
                    for row in chunk
                ],
            )
            ids.update({source_id: place_id for place_id, source_id in returned})
        connection.execute(
            delete(PlaceName).where(
                PlaceName.place_id.in_(list(ids.values())), PlaceName.kind != "alias"
            )
        )
        names, variants = [], set()
        for geonameid, row in unique.items():
            for written, kind in name_rows(row, config.generic_words):
                key = name_key(written)
                flat = joined(key)
                names.append(
                    {
                        "place_id": ids[geonameid],
                        "name": written[:300],
                        "key": key,
                        "joined": flat,
                        "skeleton": skeleton(flat),
                        "kind": kind,
                        "created_at": now,
                    }
                )
                if len(flat) >= MIN_FUZZY_LENGTH:
                    variants.update((variant, flat) for variant in deletions(flat))
        if names:
            connection.execute(PlaceName.__table__.insert(), names)
        variant_insert = insert_ignoring_conflicts(
            db.dialect, PlaceNameVariant.__table__, ("variant", "joined")
        )
        for chunk in _chunks(sorted(variants), 5000):
            connection.execute(
                variant_insert, [{"variant": variant, "joined": flat} for variant, flat in chunk]
            )
        areas = [row for row in unique.values() if row.feature_code in ("ADM1", "ADM2")]
        for row in areas:
            _upsert_area(connection, db.dialect, row, config)
    result.places += len(unique)
    result.names += len(names)
    result.areas += len(areas)


def _upsert_statement(dialect: str):
    from sqlalchemy.dialects import postgresql, sqlite

    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(Place.__table__)
    columns = (
        "name",
        "country",
        "feature_class",
        "feature_code",
        "population",
        "latitude",
        "longitude",
        "admin1",
        "admin2",
        "cell",
        "updated_at",
    )
    return insert.on_conflict_do_update(
        index_elements=["source", "source_id"],
        set_={column: getattr(insert.excluded, column) for column in columns},
    )


def _upsert_area(connection, dialect: str, row: Row, config: GeoConfig) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    level = 1 if row.feature_code == "ADM1" else 2
    code = row.admin1 if level == 1 else f"{row.admin1}.{row.admin2}"
    if not row.admin1 or (level == 2 and not row.admin2):
        return
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(AdminArea.__table__).values(
        country=row.country,
        level=level,
        code=code,
        name=row.name,
        label=config.label(row.country, level),
        latitude=row.latitude,
        longitude=row.longitude,
    )
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=["country", "level", "code"],
            set_={
                "name": row.name,
                "label": config.label(row.country, level),
                "latitude": row.latitude,
                "longitude": row.longitude,
            },
        )
    )


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _measure_areas(db: Database) -> None:
    """Each level-1 area's typical extent, from the spread of its populated places."""
    from ewn.geo.distance import km

    with db.begin() as connection:
        areas = connection.execute(
            select(
                AdminArea.id,
                AdminArea.country,
                AdminArea.code,
                AdminArea.latitude,
                AdminArea.longitude,
            ).where(AdminArea.level == 1)
        ).all()
        for area in areas:
            points = connection.execute(
                select(Place.latitude, Place.longitude).where(
                    Place.country == area.country,
                    Place.admin1 == area.code,
                    Place.feature_class == "P",
                )
            ).all()
            if not points or area.latitude is None:
                continue
            distances = sorted(km(area.latitude, area.longitude, lat, lon) for lat, lon in points)
            radius = distances[int(0.9 * (len(distances) - 1))]
            lats = [lat for lat, _ in points]
            lons = [lon for _, lon in points]
            connection.execute(
                AdminArea.__table__.update()
                .where(AdminArea.id == area.id)
                .values(radius_km=max(5.0, radius))
            )
            # Boundaries, when loaded, give the true extent: keep theirs.
            connection.execute(
                AdminArea.__table__.update()
                .where(AdminArea.id == area.id, AdminArea.boundary.is_(None))
                .values(min_lat=min(lats), max_lat=max(lats), min_lon=min(lons), max_lon=max(lons))
            )
