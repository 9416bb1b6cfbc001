"""Load admin area boundaries from GeoJSON, matched to the gazetteer's areas by code or name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry import mapping, shape
from shapely.validation import make_valid
from sqlalchemy import select

from ewn.db import Database
from ewn.geo.names import name_key
from ewn.models import AdminArea


class BoundaryFileError(ValueError):
    """The file as a whole cannot be used."""


@dataclass
class BoundaryResult:
    matched: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    without: list[str] = field(default_factory=list)


def load_boundaries(
    db: Database,
    path: Path,
    country: str,
    level: int,
    code_property: str | None,
    name_property: str | None,
) -> BoundaryResult:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BoundaryFileError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise BoundaryFileError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{path}: expected a GeoJSON FeatureCollection")
    result = BoundaryResult()
    with db.session() as session:
        areas = list(
            session.scalars(
                select(AdminArea).where(AdminArea.country == country, AdminArea.level == level)
            )
        )
        by_code = {area.code: area for area in areas}
        by_name = {name_key(area.name): area for area in areas}
        for index, feature in enumerate(document.get("features") or [], start=1):
            problem, area, geometry = _match(
                feature, by_code, by_name, code_property, name_property
            )
            if problem:
                result.rejected.append((index, problem))
                continue
            west, south, east, north = geometry.bounds
            area.boundary = json.dumps(mapping(geometry))
            area.min_lat, area.max_lat, area.min_lon, area.max_lon = south, north, west, east
            result.matched.append(area.name)
    result.without = sorted({area.name for area in areas} - set(result.matched))
    return result


def _match(feature, by_code, by_name, code_property, name_property):
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        return "feature without properties", None, None
    properties = feature["properties"]
    area = None
    if code_property:
        code = str(properties.get(code_property, "")).strip()
        area = by_code.get(code) or by_code.get(code.zfill(2))
    if area is None and name_property:
        area = by_name.get(name_key(str(properties.get(name_property, ""))))
    if area is None:
        label = properties.get(name_property or "", properties.get(code_property or "", "?"))
        return f"no admin area matches {label!r}", None, None
    try:
        geometry = shape(feature.get("geometry") or {})
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return f"invalid geometry ({exc})", None, None
    if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return f"geometry must be a Polygon or MultiPolygon, got {geometry.geom_type}", None, None
    if not geometry.is_valid:
        geometry = make_valid(geometry)
    return None, area, geometry
