"""GET /health: 200 when EWN can take and process reports, 503 with the reasons when not."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from ewn.escalation import engine as escalation
from ewn.models import utcnow
from ewn.runtime import runtime
from ewn.store import work
from ewn.web.access import public

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def check() -> tuple[bool, dict]:
    rt = runtime()
    problems: list[str] = []
    report: dict = {"spooled": rt.spool.count()}
    if report["spooled"]:
        problems.append(f"{report['spooled']} requests wait in the disk spool")
    try:
        with rt.db.reading() as session:
            session.execute(text("SELECT 1"))
            oldest = work.oldest_waiting(session)
            counts = work.count_by_status(session)
            step_due = escalation.overdue_since(session)
    except Exception as exc:
        log.warning("health: database unreachable (%s)", type(exc).__name__)
        problems.append("database unreachable")
        report["database"] = "unreachable"
    else:
        report["database"] = "ok"
        waited = (utcnow() - oldest).total_seconds() if oldest else 0.0
        report["oldest_due_seconds"] = round(max(0.0, waited), 1)
        report["work"] = counts
        limit = rt.settings.health.max_due_age_seconds
        if waited > limit:
            problems.append(
                f"due work has waited {waited:.0f} s (limit {limit} s): are the workers running?"
            )
        late = (utcnow() - step_due).total_seconds() if step_due else 0.0
        report["escalation_step_late_seconds"] = round(max(0.0, late), 1)
        allowed = rt.settings.health.max_escalation_delay_seconds
        if late > allowed:
            problems.append(
                f"an escalation step is {late:.0f} s overdue (limit {allowed} s): "
                "alerts are not going out; are the workers running?"
            )
        if counts.get("failed"):
            problems.append(f"{counts['failed']} work items failed (see `ewn work list`)")
    report["status"] = "ok" if not problems else "failing"
    report["problems"] = problems
    return not problems, report


@bp.get("/health")
@public("counts and states only, no personal data")
def health():
    healthy, report = check()
    return jsonify(report), 200 if healthy else 503
