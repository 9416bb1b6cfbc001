"""The demo's front page: a phone simulator. Type as a monitor, and watch the report go
through the same pipeline as a real SMS and appear in the queue."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ewn.escalation.contacts import DEMO_MEDIATOR_PHONE
from ewn.ingest.record import encode_params, message_row
from ewn.models import OutboundMessage
from ewn.runtime import runtime
from ewn.store import messages
from ewn.web.access import public

bp = Blueprint("simulator", __name__)
MONITOR_PHONES = ("+254700000101", "+254700000102", "+254700000103")
PHONES = (*MONITOR_PHONES, DEMO_MEDIATOR_PHONE)
DEMO_NUMBER = "+15005550006"


@bp.get("/")
@public("the demo's phone simulator; elsewhere it leads to the queue")
def home():
    rt = runtime()
    if not rt.settings.demo:
        return redirect(url_for("queue.queue"))
    phone = request.args.get("phone", PHONES[0])
    if phone not in PHONES:
        phone = PHONES[0]
    with rt.db.reading() as session:
        replies = list(
            session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.to_hash == rt.keyring.lookup_hash(phone))
                .order_by(OutboundMessage.id.desc())
                .limit(10)
            )
        )
    return render_template(
        "simulator.html",
        phones=MONITOR_PHONES,
        mediator=DEMO_MEDIATOR_PHONE,
        phone=phone,
        replies=replies,
    )


@bp.post("/simulator")
@public("demo only: refused outside demo mode")
def send():
    rt = runtime()
    if not rt.settings.demo:
        abort(404)
    phone = request.form.get("phone", "")
    body = request.form.get("body", "")[:1600]
    if phone not in PHONES or not body.strip():
        flash(_("Choose a phone and write a message."), "error")
        return redirect(url_for("simulator.home"))
    sid = "SM" + secrets.token_hex(16)
    params = {"MessageSid": sid, "From": phone, "To": DEMO_NUMBER, "Body": body, "NumMedia": "0"}
    messages.record_inbound(
        rt.db, message_row(encode_params(params), MultiDict(params), "webhook", rt)
    )
    flash(_("Sent. Watch the report appear in the queue."), "ok")
    return redirect(url_for("simulator.home", phone=phone))
