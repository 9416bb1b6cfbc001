"""Acknowledge and resolve escalations: in the staff app, and through an alert's link.

An alert's link shows a confirmation page on GET (link scanners and message previews open
links by themselves) and acknowledges only on POST. Each link works once and belongs to the
one recipient it was sent to.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ewn.escalation import engine
from ewn.models import Contact, Escalation, Incident, Notification, utcnow
from ewn.runtime import runtime
from ewn.web.access import STAFF, allow, audit, covers, public, refuse

bp = Blueprint("escalations", __name__)


def _escalation_or_403(session, reference: str) -> Escalation:
    escalation = engine.by_reference(session, reference)
    if escalation is None:
        abort(404, _("No escalation %(reference)s.", reference=reference))
    if not covers(session, current_user, escalation.area_id):
        refuse(_("This escalation is outside your admin areas."), "escalation", reference, "areas")
    return escalation


def _back(session, escalation: Escalation):
    if escalation.incident_id:
        incident = session.get(Incident, escalation.incident_id)
        return redirect(url_for("incidents.show", reference=incident.reference))
    return redirect(url_for("queue.queue"))


@bp.post("/escalations/<escalation>/ack")
@allow(*STAFF)
def acknowledge(escalation: str):
    with runtime().db.session() as session:
        found = _escalation_or_403(session, escalation)
        if engine.acknowledge(session, found, via="web", user=current_user.username):
            audit(session, "acknowledge", "escalation", found.reference)
            flash(_("Escalation acknowledged: its steps have stopped."), "ok")
        else:
            flash(_("This escalation is already acknowledged or resolved."), "error")
        return _back(session, found)


@bp.post("/escalations/<escalation>/resolve")
@allow(*STAFF)
def resolve(escalation: str):
    why = request.form.get("why", "").strip()[:500]
    with runtime().db.session() as session:
        found = _escalation_or_403(session, escalation)
        if not why:
            flash(_("Say why the escalation is resolved."), "error")
        elif engine.resolve(session, found, by=current_user.username, why=why):
            audit(session, "resolve", "escalation", found.reference, {"why": why})
            flash(_("Escalation resolved."), "ok")
        else:
            flash(_("This escalation is already resolved."), "error")
        return _back(session, found)


def _link(session, token: str):
    """The notification behind a link, or a 404 page that says why (nothing else revealed)."""
    rt = runtime()
    notification = session.scalar(
        select(Notification).where(Notification.link_hash == engine.link_hash(token[:64]))
    )
    if notification is None:
        abort(404, _("This link is not valid."))
    hours = rt.settings.escalation.link_hours
    if notification.created_at < utcnow() - timedelta(hours=hours):
        abort(410, _("This link has expired."))
    escalation = session.get(Escalation, notification.escalation_id)
    return notification, escalation


@bp.get("/ack/<token>")
@public("single-use acknowledgement link sent to one alert recipient; GET only shows a button")
def ack_page(token: str):
    with runtime().db.reading() as session:
        notification, escalation = _link(session, token)
        state = "used" if notification.link_used_at else escalation.state
        return render_template("ack.html", escalation=escalation, state=state, token=token)


@bp.post("/ack/<token>")
@public("single-use acknowledgement link sent to one alert recipient")
def ack_link(token: str):
    with runtime().db.session() as session:
        notification, escalation = _link(session, token)
        notification = session.scalar(
            select(Notification).where(Notification.id == notification.id).with_for_update()
        )
        escalation = engine.lock(session, escalation.id)
        if notification.link_used_at is None:
            notification.link_used_at = utcnow()
            contact = session.get(Contact, notification.contact_id)
            done = engine.acknowledge(session, escalation, via="link", contact=contact)
            state = "done" if done else "already"
        else:
            state = "used"
        return render_template("ack.html", escalation=escalation, state=state, token=token)
