"""Logging in: password (argon2), then a TOTP code; rate limited; accounts lock after
repeated failures; a used code is never accepted twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ewn.models import StaffUser, utcnow
from ewn.runtime import runtime
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.web import limiter
from ewn.web.access import STAFF, allow, audit, public

bp = Blueprint("auth", __name__)
HASHER = PasswordHasher()
PENDING = "pending_user"
SETUP = "totp_setup_secret"
STEP_SECONDS = 30
# A dummy hash, so an unknown username takes as long as a wrong password.
_DUMMY = HASHER.hash("no such user")


def _login_limit() -> str:
    return runtime().settings.web.login_rate_limit


def totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step code belongs to (now, or one step either side), if not used before."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_SECONDS
    for step in (now, now - 1, now + 1):
        if totp.at(step * STEP_SECONDS) == code and (last_step is None or step > last_step):
            return step
    return None


def _fail(db_session, user: StaffUser | None, reason: str) -> None:
    settings = runtime().settings.web
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= settings.lockout_failures:
            user.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
    audit(db_session, "login_failed", "user", user.username if user else None, {"reason": reason})


@bp.route("/login", methods=["GET", "POST"])
@public("the way in")
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("queue.queue"))
    if request.method == "GET":
        return render_template("login.html")
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    rt = runtime()
    with rt.db.session() as db:
        user = db.scalar(select(StaffUser).where(StaffUser.username == username))
        try:
            HASHER.verify(user.password_hash if user else _DUMMY, password)
            valid = user is not None and user.active
        except (VerificationError, InvalidHashError):
            valid = False
        if valid and user.locked_until and user.locked_until > utcnow():
            audit(db, "login_refused", "user", username, {"reason": "locked"})
            flash(_("Too many failed attempts: this account is locked for a while."), "error")
            return render_template("login.html"), 403
        if not valid:
            _fail(db, user, "password")
            flash(_("Wrong username or password."), "error")
            return render_template("login.html"), 401
        session[PENDING] = user.id
        if user.totp_secret_enc is None:
            session[SETUP] = pyotp.random_base32()
            return redirect(url_for("auth.totp_setup"))
    return redirect(url_for("auth.totp"))


@bp.route("/login/code", methods=["GET", "POST"])
@public("second step of logging in (needs the password step)")
@limiter.limit(_login_limit, methods=["POST"])
def totp():
    if PENDING not in session:
        return redirect(url_for("auth.login"))
    rt = runtime()
    if request.method == "GET":
        return render_template("totp.html", demo_code=_demo_code(rt, session[PENDING]))
    with rt.db.session() as db:
        user = db.get(StaffUser, session[PENDING])
        if user is None or not user.active or user.totp_secret_enc is None:
            session.pop(PENDING, None)
            return redirect(url_for("auth.login"))
        if user.locked_until and user.locked_until > utcnow():
            flash(_("Too many failed attempts: this account is locked for a while."), "error")
            return render_template("totp.html"), 403
        secret = rt.keyring.decrypt(user.totp_secret_enc, "staff.totp")
        step = totp_step(secret, request.form.get("code", ""), user.totp_last_step)
        if step is None:
            _fail(db, user, "code")
            flash(_("That code is wrong or was already used. Wait for the next one."), "error")
            return render_template("totp.html"), 401
        _signed_in(db, user, step)
    return redirect(safe_next(request.args.get("next")) or url_for("queue.queue"))


def _demo_code(rt, user_id: int) -> str | None:
    """Demo mode only: the current code, so the demo needs no authenticator app."""
    if not rt.settings.demo:
        return None
    with rt.db.reading() as db:
        user = db.get(StaffUser, user_id)
        if user is None or user.totp_secret_enc is None:
            return None
        return pyotp.TOTP(rt.keyring.decrypt(user.totp_secret_enc, "staff.totp")).now()


def safe_next(target: str | None) -> str | None:
    """Only paths on this site: never send a user elsewhere after logging in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login/code/setup", methods=["GET", "POST"])
@public("first login: set up the second factor (needs the password step)")
@limiter.limit(_login_limit, methods=["POST"])
def totp_setup():
    if PENDING not in session or SETUP not in session:
        return redirect(url_for("auth.login"))
    secret = session[SETUP]
    rt = runtime()
    with rt.db.session() as db:
        user = db.get(StaffUser, session[PENDING])
        if user is None:
            return redirect(url_for("auth.login"))
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="EWN")
        if request.method == "GET":
            return render_template("totp_setup.html", secret=secret, uri=uri)
        step = totp_step(secret, request.form.get("code", ""), None)
        if step is None:
            flash(_("That code is wrong. Check the clock of your phone and try again."), "error")
            return render_template("totp_setup.html", secret=secret, uri=uri), 401
        user.totp_secret_enc = rt.keyring.encrypt(secret, "staff.totp")
        audit(db, "totp_enrolled", "user", user.username)
        _signed_in(db, user, step)
    session.pop(SETUP, None)
    return redirect(url_for("queue.queue"))


def _signed_in(db, user: StaffUser, step: int) -> None:
    user.totp_last_step = step
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    session.pop(PENDING, None)
    db.flush()
    db.expunge(user)
    login_user(user)
    audit(db, "login", "user", user.username)


@bp.post("/logout")
@allow(*STAFF)
def logout():
    with runtime().db.session() as db:
        audit(db, "logout", "user", current_user.username)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
@allow(*STAFF)
def language():
    chosen = request.form.get("language", "")
    if chosen not in SUPPORTED_LANGUAGES:
        flash(_("Unknown language."), "error")
        return redirect(request.referrer or url_for("queue.queue"))
    with runtime().db.session() as db:
        user = db.get(StaffUser, current_user.id)
        user.language = chosen
        audit(db, "language", "user", user.username, {"language": chosen})
    current_user.language = chosen
    return redirect(request.referrer or url_for("queue.queue"))
