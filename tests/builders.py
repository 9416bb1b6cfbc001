"""Builders shared by tests: reports sent as Twilio sends them, monitors, staff users,
logged-in clients, CSRF tokens."""

from __future__ import annotations

import re
import secrets

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import select

from ewn.models import AdminArea, Incident, Monitor, StaffArea, StaffUser
from ewn.registry import NewIdentity, add
from tests.conftest import drain, load_fixture, post_signed

PATH = "/webhooks/twilio/messages"
PASSWORD = "correct horse battery staple"
_HASH = PasswordHasher().hash(PASSWORD)


def send(client, body: str, phone: str = "+254712345678") -> None:
    params = dict(
        load_fixture("inbound__sms"), Body=body, From=phone, MessageSid="SM" + secrets.token_hex(16)
    )
    assert post_signed(client, PATH, params).status_code == 200


def enrol(rt, phone: str, trust: str = "normal", **fields) -> Monitor:
    with rt.db.session() as session:
        return add(session, rt, NewIdentity(phone, trust=trust, **fields))


def report_incident(app, rt, body: str, phone: str = "+254712345678") -> Incident:
    """Send one report through the whole pipeline; the newest incident afterwards."""
    send(app.test_client(), body, phone)
    drain(rt)
    with rt.db.session() as session:
        incident = session.scalar(select(Incident).order_by(Incident.id.desc()).limit(1))
        session.expunge(incident)
        return incident


def area_id(rt, name: str) -> int:
    with rt.db.reading() as session:
        return session.scalar(
            select(AdminArea.id).where(AdminArea.name == name, AdminArea.level == 1)
        )


def make_user(
    rt,
    username: str,
    role: str,
    area: str | None = None,
    totp_secret: str | None = None,
    language: str = "en",
) -> int:
    """A staff user with PASSWORD, optionally assigned to one county and enrolled in TOTP."""
    with rt.db.session() as session:
        user = StaffUser(
            username=username,
            role=role,
            password_hash=_HASH,
            language=language,
            totp_secret_enc=rt.keyring.encrypt(totp_secret, "staff.totp") if totp_secret else None,
        )
        session.add(user)
        session.flush()
        if area:
            session.add(StaffArea(user_id=user.id, area_id=area_id(rt, area)))
        return user.id


def logged_in(app, user_id: int):
    """A test client whose session is as after a full login (password and code)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def new_totp_secret() -> str:
    return pyotp.random_base32()
