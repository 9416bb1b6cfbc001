"""The queue: what needs staff attention, most urgent first."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from ewn.models import utcnow
from ewn.runtime import runtime
from ewn.store import queue as store
from ewn.triage.priority import overdue
from ewn.web.access import STAFF, WORKERS, allow, user_areas

bp = Blueprint("queue", __name__)
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def read_filter(session) -> store.QueueFilter:
    args = request.args
    area = args.get("area", "")
    period = PERIODS.get(args.get("period", ""))
    try:
        page = max(1, min(200, int(args.get("page", "1"))))
    except ValueError:
        page = 1
    allowed = user_areas(session, current_user.id) if current_user.role != "admin" else set()
    chosen_area = int(area) if area.isdigit() else None
    if allowed and chosen_area not in allowed:
        chosen_area = None
    return store.QueueFilter(
        status=args.get("status", "attention"),
        category=args.get("category") or None,
        area_id=chosen_area,
        band=args.get("band") or None,
        since=utcnow() - period if period else None,
        areas=allowed or None,
        page=page,
    )


def _context(session):
    rt = runtime()
    flt = read_filter(session)
    incidents = store.page(session, flt)
    now = utcnow()
    return {
        "incidents": incidents,
        "overdue": {i.id for i in incidents if overdue(i, now)},
        "filter": flt,
        "total": store.count(session, flt),
        "categories": list(rt.taxonomy.categories),
        "taxonomy": rt.taxonomy,
        "areas": {a.id: a for a in store.areas(session, flt.areas)},
        "area_names": {a.id: a.name for a in store.areas(session)},
        "staff_names": store.staff_names(
            session, {i.assigned_to_id for i in incidents if i.assigned_to_id}
        ),
        "can_claim": current_user.role in WORKERS,
        "refresh": rt.settings.web.queue_refresh_seconds,
        "now": now,
    }


@bp.get("/queue")
@allow(*STAFF)
def queue():
    with runtime().db.reading() as session:
        return render_template("queue.html", **_context(session))


@bp.get("/queue/rows")
@allow(*STAFF)
def rows():
    """The table body alone: the page refreshes it without reloading."""
    with runtime().db.reading() as session:
        return render_template("queue_rows.html", **_context(session))
