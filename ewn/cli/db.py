"""ewn db: create or upgrade the database schema."""

from __future__ import annotations

import click

from ewn.cli.common import app_runtime


def register(main: click.Group) -> None:
    @main.group()
    def db() -> None:
        """Database schema."""

    @db.command()
    def upgrade() -> None:
        """Create the database or bring it up to the current schema."""
        with app_runtime() as (_app, rt):
            rt.db.upgrade()
            click.echo("database is up to date")
