"""The map of open incidents and the dashboard of counts."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from ewn.models import utcnow
from ewn.runtime import runtime
from ewn.store import overview
from ewn.web.access import STAFF, allow, user_areas

bp = Blueprint("maps", __name__)


def _areas(session) -> set[int] | None:
    return None if current_user.role == "admin" else (user_areas(session, current_user.id) or None)


def _bbox() -> tuple[float, ...] | None:
    try:
        values = tuple(float(v) for v in request.args.get("bbox", "").split(","))
    except ValueError:
        return None
    if len(values) != 4 or not (-90 <= values[0] <= values[2] <= 90):
        return None
    return values


@bp.get("/map")
@allow(*STAFF)
def map_page():
    rt = runtime()
    with rt.db.reading() as session:
        bounds = overview.extent(session, _areas(session))
    return render_template(
        "map.html",
        tile_url=rt.settings.web.tile_url,
        tile_attribution=rt.settings.web.tile_attribution,
        bounds=",".join(f"{v:.4f}" for v in bounds) if bounds else "-35,-20,38,52",
    )


@bp.get("/map/data")
@allow(*STAFF)
def map_data():
    band = request.args.get("band") or None
    with runtime().db.reading() as session:
        points, truncated = overview.map_points(session, _areas(session), _bbox(), band)
    return jsonify(
        {
            "truncated": truncated,
            "incidents": [
                {
                    "reference": p.reference,
                    "lat": p.latitude,
                    "lon": p.longitude,
                    "radius_km": p.radius_km,
                    "band": p.priority_band,
                    "category": p.primary_category,
                    "place": p.place_name,
                }
                for p in points
            ],
        }
    )


PERIODS = (7, 30, 90)


@bp.get("/dashboard")
@allow(*STAFF)
def dashboard():
    """Counts per admin area and category, and per day, rendered on the server."""
    days = request.args.get("days", "30")
    days = int(days) if days.isdigit() and int(days) in PERIODS else 30
    rt = runtime()
    with rt.db.reading() as session:
        per_area, per_day = overview.counts(
            session, _areas(session), utcnow() - timedelta(days=days - 1)
        )
    by_area: dict = defaultdict(lambda: defaultdict(int))
    for area, category, count in per_area:
        by_area[area][category or "OTHER"] += count
    categories = sorted({c for counts in by_area.values() for c in counts})
    return render_template(
        "dashboard.html",
        days=days,
        periods=PERIODS,
        areas=sorted(by_area.items()),
        categories=categories,
        taxonomy=rt.taxonomy,
        per_day=sorted(per_day),
        busiest=max((count for _, count in per_day), default=1),
    )
