"""Alert recipients in the web app: the list (by pseudonym), CSV import and each group's alert
template, for admins; committee members may read the list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ewn.escalation import contacts as contact_store
from ewn.models import Contact, ContactGroup
from ewn.runtime import runtime
from ewn.web.access import ADMIN, COMMITTEE, allow, audit

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
MAX_FILE = 1_000_000
SHOWN_ERRORS = 50


@bp.get("")
@allow(ADMIN, COMMITTEE)
def index():
    rt = runtime()
    with rt.db.reading() as session:
        rows = [
            contact_store.describe(session, contact)
            for contact in session.scalars(select(Contact).order_by(Contact.id))
        ]
        groups = contact_store.groups(session)
    return render_template(
        "contacts.html",
        contacts=rows,
        columns=contact_store.COLUMNS,
        groups=groups,
        templates=rt.escalation.template_names,
    )


@bp.post("/groups/<int:group_id>")
@allow(ADMIN)
def set_template(group_id: int):
    rt = runtime()
    template = request.form.get("template", "")
    if template not in rt.escalation.template_names:
        flash(_("Choose one of the alert templates listed."), "error")
        return redirect(url_for("contacts.index"))
    with rt.db.session() as session:
        group = session.get(ContactGroup, group_id)
        if group is None:
            abort(404)
        before, group.template = group.template, template
        audit(
            session,
            "group_template",
            "contact_group",
            str(group.id),
            {"from": before, "to": template},
        )
        name = group.name
    flash(
        _("Alerts to %(group)s now use the %(template)s template.", group=name, template=template),
        "ok",
    )
    return redirect(url_for("contacts.index"))


@bp.post("/import")
@allow(ADMIN)
def import_file():
    upload = request.files.get("file")
    raw = upload.read(MAX_FILE + 1) if upload else b""
    if not raw:
        flash(_("Choose a CSV file to import."), "error")
        return redirect(url_for("contacts.index"))
    if len(raw) > MAX_FILE:
        flash(_("The file is larger than 1 MB: split it."), "error")
        return redirect(url_for("contacts.index"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 text: save it as CSV UTF-8 and try again."), "error")
        return redirect(url_for("contacts.index"))
    rt = runtime()
    with rt.db.session() as session:
        try:
            result = contact_store.import_csv(session, rt, text)
        except contact_store.ContactError:
            flash(
                _(
                    "The first row must name the columns: %(columns)s.",
                    columns=", ".join(contact_store.COLUMNS),
                ),
                "error",
            )
            return redirect(url_for("contacts.index"))
        audit(
            session,
            "contacts_import",
            "contacts",
            None,
            {"created": result.created, "updated": result.updated, "refused": len(result.errors)},
        )
    flash(
        _(
            "%(created)s contacts created, %(updated)s updated, %(refused)s rows refused.",
            created=result.created,
            updated=result.updated,
            refused=len(result.errors),
        ),
        "error" if result.errors else "ok",
    )
    for error in result.errors[:SHOWN_ERRORS]:
        flash(error, "error")
    return redirect(url_for("contacts.index"))
