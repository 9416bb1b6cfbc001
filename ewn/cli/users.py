"""ewn users: staff accounts."""

from __future__ import annotations

import sys

import click
from argon2 import PasswordHasher
from sqlalchemy.exc import IntegrityError

from ewn.cli.common import app_runtime, fail
from ewn.models import StaffUser
from ewn.models.staff import ROLES
from ewn.settings import SUPPORTED_LANGUAGES

MIN_PASSWORD = 12


def register(main: click.Group) -> None:
    @main.group("users")
    def group() -> None:
        """Staff accounts."""

    @group.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option(
        "--language", type=click.Choice(SUPPORTED_LANGUAGES), default="en", show_default=True
    )
    @click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
    def create(username: str, role: str, language: str, password_stdin: bool) -> None:
        """Create a staff account (the password is asked for, never given as an argument)."""
        username = username.strip()
        if not username or len(username) > 64 or any(ch.isspace() for ch in username):
            fail("username must be 1-64 characters without spaces")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < MIN_PASSWORD:
            fail(f"password must have at least {MIN_PASSWORD} characters")
        with app_runtime() as (_app, rt):
            try:
                with rt.db.session() as session:
                    session.add(
                        StaffUser(
                            username=username,
                            role=role,
                            language=language,
                            password_hash=PasswordHasher().hash(password),
                        )
                    )
            except IntegrityError:
                fail(f"a user named {username!r} exists already")
        click.echo(f"created {role} {username}")
