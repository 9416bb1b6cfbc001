"""ewn gazetteer: load places and boundaries, make a compact extract, try the place reader."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import click

from ewn.cli.common import app_runtime, fail
from ewn.geo import gazetteer
from ewn.geo.boundaries import BoundaryFileError, load_boundaries

CREDIT = "Contains data from GeoNames (geonames.org), CC BY 4.0"
# What the compact extract keeps: populated places, admin areas, localities and areas, and
# the landmarks monitors name (camps, markets, estates).
COMPACT_CLASSES = {"P", "A"}
COMPACT_CODES = {"LCTY", "AREA", "CMP", "MKT", "EST", "RESV", "SETL"}


def _size(path: Path) -> int:
    """Bytes the loader will read (uncompressed size for .gz files)."""
    if path.suffix != ".gz":
        return path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(-4, 2)
        return struct.unpack("<I", handle.read(4))[0]


def register(main: click.Group) -> None:
    @main.group("gazetteer")
    def group() -> None:
        """Places, names and admin areas (GeoNames format)."""

    @group.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def load_command(path: Path) -> None:
        """Load or update places from a GeoNames file (XX.txt, cities500.txt, .gz too)."""
        with app_runtime() as (_app, rt):
            rt.db.upgrade()
            with click.progressbar(
                length=_size(path), label=f"loading {path.name}", file=None
            ) as bar:
                result = gazetteer.load(rt.db, path, rt.geo, bar.update)
        click.echo(
            f"{result.places} places, {result.names} names, {result.areas} admin areas "
            f"loaded; {len(result.rejected)} malformed rows skipped"
        )
        for line, problem in result.rejected[:50]:
            click.echo(f"  line {line}: {problem}", err=True)
        if len(result.rejected) > 50:
            click.echo(f"  ... and {len(result.rejected) - 50} more", err=True)

    @group.command("compact")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
    def compact(source: Path, output: Path) -> None:
        """Write a compact extract of SOURCE (populated places, admin areas, localities,
        camps, markets, estates) to OUTPUT (.gz): how EWN's bundled gazetteer is made."""
        kept = 0
        with gzip.open(output, "wt", encoding="utf-8", compresslevel=9) as out:
            for _number, row, _done in gazetteer.read_rows(source):
                if isinstance(row, gazetteer.BadRow):
                    continue
                if row.feature_class in COMPACT_CLASSES or row.feature_code in COMPACT_CODES:
                    out.write(_line(row))
                    kept += 1
        click.echo(f"wrote {kept} places to {output}. {CREDIT}.")

    @group.command("boundaries")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--country", required=True, help="ISO country code of the areas.")
    @click.option("--level", type=click.IntRange(1, 4), default=1, show_default=True)
    @click.option("--code-property", help="Feature property holding the area's admin code.")
    @click.option("--name-property", help="Feature property holding the area's name.")
    def boundaries(path, country, level, code_property, name_property) -> None:
        """Load admin area polygons from a GeoJSON FeatureCollection."""
        if not code_property and not name_property:
            fail("give --code-property or --name-property to match features to areas")
        with app_runtime() as (_app, rt):
            try:
                result = load_boundaries(
                    rt.db, path, country.upper(), level, code_property, name_property
                )
            except BoundaryFileError as exc:
                fail(str(exc))
        click.echo(
            f"{len(result.matched)} boundaries loaded, {len(result.rejected)} features "
            f"rejected, {len(result.without)} areas still without a boundary"
        )
        for index, problem in result.rejected[:50]:
            click.echo(f"  feature {index}: {problem}", err=True)

    @group.command("read")
    @click.argument("text")
    @click.option("--home", help="The monitor's home place.")
    def read(text: str, home: str | None) -> None:
        """Show how EWN reads the place in TEXT, with the evidence (for tuning and support)."""
        from ewn.geo.resolve import read_place

        with app_runtime() as (_app, rt), rt.db.reading() as session:
            home_place = read_place(session, home, rt.geo).place if home else None
            reading = read_place(session, text, rt.geo, home_place, rt.settings.countries)
            place = reading.place
            click.echo(
                json.dumps(
                    {
                        "place": place.name if place else None,
                        "geonameid": place.source_id if place else None,
                        "latitude": place.latitude if place else None,
                        "longitude": place.longitude if place else None,
                        "confidence": reading.confidence,
                        "radius_km": reading.radius_km,
                        "wording": reading.wording,
                        "examined": reading.examined,
                        "candidates": reading.evidence,
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )


def _line(row: gazetteer.Row) -> str:
    columns = [
        str(row.geonameid),
        row.name,
        row.asciiname,
        ",".join(row.alternates),
        f"{row.latitude:.5f}",
        f"{row.longitude:.5f}",
        row.feature_class,
        row.feature_code,
        row.country,
        "",
        row.admin1,
        row.admin2,
        "",
        "",
        str(row.population),
        "",
        "",
        "",
        "",
    ]
    return "\t".join(column.replace("\t", " ") for column in columns) + "\n"
