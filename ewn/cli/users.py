"""ewn users: staff accounts."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, fail, iso
from ewn.models import AdminArea, AuditEntry, StaffArea, StaffUser
from ewn.models.staff import ROLES
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.staff import AccountError, create


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
    @click.option(
        "--area",
        "areas",
        multiple=True,
        help="An admin area (name or code) the user works on; repeat for several. "
        "Without any, the user sees the whole deployment.",
    )
    @click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
    def create_command(
        username: str, role: str, language: str, areas: tuple[str, ...], password_stdin: bool
    ) -> None:
        """Create a staff account (the password is asked for, never given as an argument).
        The second factor is set up at the first login."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        with app_runtime() as (_app, rt):
            try:
                with rt.db.session() as session:
                    create(session, rt.keyring, username, role, password, language, list(areas))
            except AccountError as exc:
                fail(str(exc))
        where = f" for {', '.join(areas)}" if areas else ""
        click.echo(f"created {role} {username.strip()}{where}")

    @group.command("list")
    @FORMAT_OPTION
    def list_command(fmt: str) -> None:
        """Staff accounts with their roles and admin areas."""
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            areas: dict[int, list[str]] = {}
            for user_id, name in session.execute(
                select(StaffArea.user_id, AdminArea.name).join(
                    AdminArea, AdminArea.id == StaffArea.area_id
                )
            ):
                areas.setdefault(user_id, []).append(name)
            rows = [
                {
                    "username": u.username,
                    "role": u.role,
                    "language": u.language,
                    "active": u.active,
                    "areas": ", ".join(sorted(areas.get(u.id, []))) or "(all)",
                    "second_factor": u.totp_secret_enc is not None,
                    "last_login_at": iso(u.last_login_at),
                }
                for u in session.scalars(select(StaffUser).order_by(StaffUser.username))
            ]
        emit(rows, fmt, ["username", "role", "areas", "active", "second_factor", "last_login_at"])

    @group.command("reset-code")
    @click.argument("username")
    def reset_code(username: str) -> None:
        """Forget a user's second factor (lost phone): they set up a new one at next login."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
            if user is None:
                fail(f"no user named {username!r}")
            user.totp_secret_enc, user.totp_last_step = None, None
            user.failed_logins, user.locked_until = 0, None
            session.add(
                AuditEntry(
                    action="totp_reset",
                    target_type="user",
                    target=username,
                    detail={"by": "command line"},
                )
            )
        click.echo(f"{username}: second factor cleared; set up again at the next login")
