"""Who may do what: every staff route declares its roles, and incident routes check the
incident lies in the user's admin areas. Every state change and view of personal data is
written to the audit log."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.models import AuditEntry, Incident, StaffArea

# The roles; "public" routes need no login (login page, webhooks, health, demo simulator).
ADMIN, TRIAGE, MEDIATOR, COMMITTEE = "admin", "triage", "mediator", "committee"
STAFF = (ADMIN, TRIAGE, MEDIATOR, COMMITTEE)
WORKERS = (ADMIN, TRIAGE)


def allow(*roles: str):
    """Declare and enforce the roles a view is for (login required)."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                from ewn.web import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                refuse(_("Your role does not allow this."), "route", request.path, "role")
            return view(*args, **kwargs)

        guarded.access = tuple(roles)
        return guarded

    return decorate


def public(reason: str):
    """Declare a view open to anyone, and why."""

    def decorate(view):
        view.access = ("public", reason)
        return view

    return decorate


def user_areas(session: Session, user_id: int) -> set[int]:
    """The admin areas a staff member works on; empty means the whole deployment."""
    return set(session.scalars(select(StaffArea.area_id).where(StaffArea.user_id == user_id)))


def covers(session: Session, user, area_id: int | None) -> bool:
    """Whether the user's jurisdiction includes the admin area."""
    if user.role == ADMIN:
        return True
    areas = user_areas(session, user.id)
    return not areas or area_id in areas


def can_see(session: Session, incident: Incident) -> bool:
    return covers(session, current_user, incident.area_id)


def incident_or_403(session: Session, reference: str) -> Incident:
    incident = session.scalar(select(Incident).where(Incident.reference == reference))
    if incident is None:
        abort(404, _("No incident %(reference)s.", reference=reference))
    if not can_see(session, incident):
        refuse(_("This incident is outside your admin areas."), "incident", reference, "areas")
    return incident


def audit(
    session: Session,
    action: str,
    target_type: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
) -> None:
    authenticated = getattr(current_user, "is_authenticated", False)
    session.add(
        AuditEntry(
            user_id=current_user.id if authenticated else None,
            username=current_user.username if authenticated else None,
            action=action,
            target_type=target_type,
            target=target,
            detail=detail,
            ip=request.remote_addr if request else None,
        )
    )


def refuse(message: str, target_type: str, target: str, reason: str):
    """Refuse with 403 and a clear message. The refusal is audited after the request's own
    transaction has been rolled back (see record_refusals)."""
    g.setdefault("refusals", []).append((target_type, target, reason))
    abort(403, message)


def record_refusals(response):
    refusals = g.pop("refusals", None)
    if refusals:
        from ewn.runtime import runtime

        with runtime().db.session() as session:
            for target_type, target, reason in refusals:
                audit(session, "refused", target_type, target, {"reason": reason})
    return response
