"""Staff accounts: created from the command line (and, in the demo, at start-up)."""

from __future__ import annotations

import secrets

import pyotp
from argon2 import PasswordHasher
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ewn.models import AdminArea, StaffArea, StaffUser

MIN_PASSWORD = 12
HASHER = PasswordHasher()


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why."""


def find_areas(session: Session, wanted: list[str]) -> list[AdminArea]:
    """Admin areas by name or code (case-insensitive), each naming exactly one area."""
    found = []
    for name in wanted:
        matches = list(
            session.scalars(
                select(AdminArea).where(
                    or_(func.lower(AdminArea.name) == name.lower(), AdminArea.code == name)
                )
            )
        )
        if not matches:
            raise AccountError(
                _l("no admin area named %(name)s (see `ewn gazetteer areas`)", name=repr(name))
            )
        if len(matches) > 1:
            codes = ", ".join(a.code for a in matches)
            raise AccountError(
                _l(
                    "%(name)s names several admin areas; give one code: %(codes)s",
                    name=repr(name),
                    codes=codes,
                )
            )
        found.append(matches[0])
    return found


def create(
    session: Session,
    keyring,
    username: str,
    role: str,
    password: str,
    language: str = "en",
    areas: list[str] = (),
    totp_secret: str | None = None,
) -> StaffUser:
    username = username.strip()
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise AccountError("username must be 1-64 characters without spaces")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise AccountError(f"a user named {username!r} exists already")
    user = StaffUser(
        username=username,
        role=role,
        language=language,
        password_hash=HASHER.hash(password),
        totp_secret_enc=keyring.encrypt(totp_secret, "staff.totp") if totp_secret else None,
    )
    session.add(user)
    session.flush()
    for area in find_areas(session, list(areas)):
        session.add(StaffArea(user_id=user.id, area_id=area.id))
    return user


DEMO_ACCOUNTS = (
    ("admin", "admin"),
    ("triage", "triage"),
    ("mediator", "mediator"),
    ("committee", "committee"),
)


def demo_accounts(session: Session, keyring, data_path) -> list[tuple[str, str, str]]:
    """Demo mode only: one account per role, created once; (username, role, password).
    Passwords are kept in the demo data directory so start-up can print them again."""
    path = data_path / "demo-accounts.txt"
    known = {}
    if path.exists():
        for line in path.read_text().splitlines():
            username, _, password = line.partition(" ")
            known[username] = password
    accounts = []
    for username, role in DEMO_ACCOUNTS:
        exists = session.scalar(select(StaffUser.id).where(StaffUser.username == username))
        if not exists:
            known[username] = secrets.token_urlsafe(9)
            create(
                session, keyring, username, role, known[username], totp_secret=pyotp.random_base32()
            )
        accounts.append((username, role, known.get(username, "(set before; unknown)")))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    path.chmod(0o600)
    return accounts
