"""A monitor's page: pseudonym, trust, activity; the number only for admins, on request."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ewn.models import Incident, Monitor, MonitorIdentity, Report
from ewn.runtime import runtime
from ewn.web.access import ADMIN, WORKERS, allow, audit, refuse, user_areas

bp = Blueprint("monitors", __name__, url_prefix="/monitors")


def _monitor(session, pseudonym: str) -> Monitor:
    monitor = session.scalar(select(Monitor).where(Monitor.pseudonym == pseudonym.upper()))
    if monitor is None:
        abort(404, _("No monitor %(pseudonym)s.", pseudonym=pseudonym))
    return monitor


def _their_reports(session, monitor: Monitor):
    """The monitor's reports this user may see: staff assigned to admin areas see a monitor
    only through reports of incidents in those areas."""
    query = select(Report).where(Report.monitor_id == monitor.id)
    areas = set() if current_user.role == ADMIN else user_areas(session, current_user.id)
    if areas:
        query = query.join(Incident, Incident.id == Report.incident_id).where(
            Incident.area_id.in_(areas)
        )
        if session.scalar(query.limit(1)) is None:
            refuse(
                _("This monitor has not reported from your admin areas."),
                "monitor",
                monitor.pseudonym,
                "areas",
            )
    return query


@bp.get("/<pseudonym>")
@allow(*WORKERS)
def show(pseudonym: str):
    with runtime().db.session() as session:
        monitor = _monitor(session, pseudonym)
        visible = _their_reports(session, monitor)
        reports = session.scalar(select(func.count()).select_from(visible.subquery()))
        identities = list(
            session.scalars(select(MonitorIdentity).where(MonitorIdentity.monitor_id == monitor.id))
        )
        recent = list(session.scalars(visible.order_by(Report.received_at.desc()).limit(20)))
        audit(session, "view", "monitor", monitor.pseudonym)
        return render_template(
            "monitor.html",
            monitor=monitor,
            reports=reports,
            identities=identities,
            recent=recent,
            revealed=None,
        )


@bp.post("/<pseudonym>/reveal")
@allow(ADMIN)
def reveal(pseudonym: str):
    """Show the monitor's numbers: admins only, every time audited."""
    rt = runtime()
    with rt.db.session() as session:
        monitor = _monitor(session, pseudonym)
        identities = list(
            session.scalars(select(MonitorIdentity).where(MonitorIdentity.monitor_id == monitor.id))
        )
        numbers = {i.id: rt.keyring.decrypt(i.phone_enc, "identity.phone") for i in identities}
        audit(
            session, "reveal_number", "monitor", monitor.pseudonym, {"identities": len(identities)}
        )
        reports = session.scalar(
            select(func.count()).select_from(Report).where(Report.monitor_id == monitor.id)
        )
        return render_template(
            "monitor.html",
            monitor=monitor,
            reports=reports,
            identities=identities,
            recent=[],
            revealed=numbers,
        )
