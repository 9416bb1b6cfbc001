"""The incident page and everything staff do to an incident."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ewn.dedup.staff import StaffError, categorise, incident_by_reference, merge, split
from ewn.geo.corrections import CorrectionError, correct, find_place
from ewn.geo.locate import area_names
from ewn.models import (
    AdminArea,
    AuditEntry,
    Escalation,
    EscalationEvent,
    EscalationIncident,
    IncidentDecision,
    IncidentNote,
    Monitor,
    Report,
    StaffUser,
)
from ewn.runtime import runtime
from ewn.store import incidents as store
from ewn.store import work as work_store
from ewn.triage import actions
from ewn.triage.actions import ActionError
from ewn.triage.priority import overdue
from ewn.web.access import STAFF, WORKERS, allow, audit, can_see, covers, incident_or_403

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

REPLY_PROBLEMS = {
    "empty": lambda: _("Write a message first."),
    "too_long": lambda: _("The message is too long for an SMS."),
    "no_monitor": lambda: _("This report has no monitor to answer."),
    "silent": lambda: _("This monitor is silent: EWN never sends them anything."),
    "no_number": lambda: _("No number is known for this report."),
    "opted_out": lambda: _("This number has opted out: nothing can be sent to it."),
}


def _back(reference: str):
    return redirect(url_for("incidents.show", reference=reference))


@bp.get("/<reference>")
@allow(*STAFF)
def show(reference: str):
    rt = runtime()
    with rt.db.session() as session:
        incident = incident_or_403(session, reference)
        reports = store.reports_of(session, incident.id)
        monitors = {
            m.id: m
            for m in session.scalars(
                select(Monitor).where(
                    Monitor.id.in_({r.monitor_id for r in reports if r.monitor_id})
                )
            )
        }
        history = _history(session, incident)
        escalations = escalation_views(session, incident)
        area = session.get(AdminArea, incident.area_id) if incident.area_id else None
        audit(session, "view", "incident", incident.reference)
        page = render_template(
            "incident.html",
            incident=incident,
            reports=reports,
            monitors=monitors,
            areas={r.id: area_names(session, r.id) for r in reports},
            area=area,
            history=history,
            escalations=escalations,
            overdue=overdue(incident),
            taxonomy=rt.taxonomy,
            reasons=actions.DISMISS_REASONS,
            settings=rt.settings,
            assignees=assignees(session, incident) if current_user.role in WORKERS else [],
            assigned=session.get(StaffUser, incident.assigned_to_id)
            if incident.assigned_to_id
            else None,
        )
    return page


def escalation_views(session, incident) -> list[dict]:
    """The incident's escalations, and pattern alerts holding it, with their timelines."""
    held = select(EscalationIncident.escalation_id).where(
        EscalationIncident.incident_id == incident.id
    )
    found = session.scalars(
        select(Escalation)
        .where(or_(Escalation.incident_id == incident.id, Escalation.id.in_(held)))
        .order_by(Escalation.id.desc())
    )
    views = []
    for escalation in found:
        events = session.scalars(
            select(EscalationEvent)
            .where(EscalationEvent.escalation_id == escalation.id)
            .order_by(EscalationEvent.id.desc())
        )
        views.append({"escalation": escalation, "events": list(events)})
    return views


def assignees(session, incident) -> list[StaffUser]:
    """Active admin and triage staff whose jurisdiction covers the incident."""
    everyone = session.scalars(
        select(StaffUser)
        .where(StaffUser.active.is_(True), StaffUser.role.in_(WORKERS))
        .order_by(StaffUser.username)
    )
    return [u for u in everyone if covers(session, u, incident.area_id)]


# Audited actions that leave no decision or note of their own.
AUDIT_ONLY = ("place", "refused")


def _history(session, incident) -> list[dict]:
    """Decisions, notes, place corrections and refused access, newest first."""
    items = [
        {"at": d.decided_at, "who": d.actor, "what": d.action, "why": d.reason, "detail": d.scores}
        for d in session.scalars(
            select(IncidentDecision).where(IncidentDecision.incident_id == incident.id)
        )
    ]
    names = dict(session.execute(select(StaffUser.id, StaffUser.username)).all())
    items += [
        {
            "at": n.created_at,
            "who": names.get(n.user_id),
            "what": "note",
            "why": n.text,
            "detail": None,
        }
        for n in session.scalars(
            select(IncidentNote).where(IncidentNote.incident_id == incident.id)
        )
    ]
    items += [
        {"at": a.at, "who": a.username, "what": a.action, "why": None, "detail": a.detail}
        for a in session.scalars(
            select(AuditEntry).where(
                AuditEntry.target == incident.reference, AuditEntry.action.in_(AUDIT_ONLY)
            )
        )
    ]
    return sorted(items, key=lambda item: item["at"], reverse=True)


def _act(reference: str, work, done_message):
    rt = runtime()
    with rt.db.session() as session:
        incident = incident_or_403(session, reference)
        try:
            work(session, rt, incident)
        except (ActionError, StaffError, CorrectionError) as exc:
            flash(str(exc), "error")
            return _back(reference)
        audit(
            session,
            request.endpoint.split(".")[-1],
            "incident",
            reference,
            {k: v for k, v in request.form.items() if k != "csrf_token"},
        )
    flash(done_message(), "ok")
    return _back(reference)


@bp.post("/<reference>/claim")
@allow(*WORKERS)
def claim(reference: str):
    return _act(
        reference,
        lambda s, rt, i: actions.claim(s, rt, i, current_user),
        lambda: _("You are working on this incident."),
    )


@bp.post("/<reference>/assign")
@allow(*WORKERS)
def assign(reference: str):
    wanted = request.form.get("to", "")

    def work(session, rt, incident):
        assignee = session.get(StaffUser, int(wanted)) if wanted.isdigit() else None
        if assignee is None or assignee not in assignees(session, incident):
            raise ActionError(_("Choose someone who works on this incident's area."))
        actions.assign(session, rt, incident, current_user, assignee)

    return _act(reference, work, lambda: _("Incident assigned."))


@bp.post("/<reference>/severity")
@allow(*WORKERS)
def severity(reference: str):
    wanted = request.form.get("severity", "")
    if wanted not in ("", "1", "2", "3", "4", "5"):
        abort(400, _("Severity is a number from 1 to 5, or empty to read it from the reports."))
    return _act(
        reference,
        lambda s, rt, i: actions.set_severity(
            s, rt, i, current_user, int(wanted) if wanted else None
        ),
        lambda: _("Severity saved."),
    )


@bp.post("/<reference>/verify")
@allow(*WORKERS)
def verify(reference: str):
    reason = request.form.get("reason", "").strip()[:500] or None
    return _act(
        reference,
        lambda s, rt, i: actions.verify(s, rt, i, current_user, reason),
        lambda: _("Incident verified."),
    )


@bp.post("/<reference>/dismiss")
@allow(*WORKERS)
def dismiss(reference: str):
    why = request.form.get("as", "")
    if why not in actions.DISMISS_REASONS:
        abort(400, _("Choose why the incident is dismissed."))
    reason = request.form.get("reason", "").strip()[:500] or None
    return _act(
        reference,
        lambda s, rt, i: actions.dismiss(s, rt, i, current_user, why, reason),
        lambda: _("Incident dismissed."),
    )


@bp.post("/<reference>/escalate")
@allow(*WORKERS)
def escalate(reference: str):
    reason = request.form.get("reason", "").strip()[:500] or None
    return _act(
        reference,
        lambda s, rt, i: actions.escalate(s, rt, i, current_user, reason),
        lambda: _("Incident escalated."),
    )


@bp.post("/<reference>/note")
@allow(*STAFF)
def note(reference: str):
    text = request.form.get("text", "")
    if not text.strip():
        flash(_("Write a note first."), "error")
        return _back(reference)
    return _act(
        reference, lambda s, rt, i: actions.note(s, i, current_user, text), lambda: _("Note added.")
    )


@bp.post("/<reference>/merge")
@allow(*WORKERS)
def merge_into(reference: str):
    other = request.form.get("other", "").strip().upper()
    why = request.form.get("reason", "").strip()[:500] or _("merged by staff")

    def work(session, rt, incident):
        target = incident_by_reference(session, other)
        if not can_see(session, target):
            raise StaffError(_("This incident is outside your admin areas."))
        merge(session, rt, incident, target, current_user.username, why)

    return _act(reference, work, lambda: _("Incidents merged."))


def _report_of(session, incident, report_reference: str) -> Report:
    report = session.scalar(
        select(Report).where(
            Report.reference == report_reference, Report.incident_id == incident.id
        )
    )
    if report is None:
        abort(404, _("No such report in this incident."))
    return report


@bp.post("/<reference>/reports/<report_reference>/split")
@allow(*WORKERS)
def split_report(reference: str, report_reference: str):
    why = request.form.get("reason", "").strip()[:500] or _("split by staff")

    def work(session, rt, incident):
        split(
            session, rt, _report_of(session, incident, report_reference), current_user.username, why
        )

    return _act(reference, work, lambda: _("Report moved to a new incident."))


@bp.post("/<reference>/reports/<report_reference>/categories")
@allow(*WORKERS)
def categories(reference: str, report_reference: str):
    chosen = [c for c in request.form.getlist("category") if c]
    primary = request.form.get("primary") or (chosen[0] if chosen else "")
    why = request.form.get("reason", "").strip()[:500] or _("set by staff")

    def work(session, rt, incident):
        if not chosen:
            raise StaffError(_("Choose at least one category."))
        categorise(
            session,
            rt,
            _report_of(session, incident, report_reference),
            chosen,
            primary,
            current_user.username,
            why,
        )

    return _act(reference, work, lambda: _("Categories saved."))


@bp.post("/<reference>/reports/<report_reference>/place")
@allow(*WORKERS)
def place(reference: str, report_reference: str):
    wanted = request.form.get("place", "").strip()

    def work(session, rt, incident):
        if not wanted:
            raise CorrectionError(_("Name the place, or give its GeoNames id."))
        report = _report_of(session, incident, report_reference)
        correct(
            session,
            report,
            current_user.username,
            find_place(session, wanted),
            wording=request.form.get("wording") or None,
            stopwords=rt.geo.stopwords,
        )
        work_store.requeue(session, "cluster", report.id)

    return _act(reference, work, lambda: _("Place saved."))


@bp.post("/<reference>/reports/<report_reference>/reply")
@allow(*WORKERS)
def reply(reference: str, report_reference: str):
    text = request.form.get("text", "")

    def work(session, rt, incident):
        try:
            actions.reply(
                session, rt, _report_of(session, incident, report_reference), current_user, text
            )
        except ActionError as exc:
            problem = str(exc)
            explained = REPLY_PROBLEMS[problem]() if problem in REPLY_PROBLEMS else problem
            raise ActionError(explained) from None

    return _act(reference, work, lambda: _("Reply queued."))
