"""Helpers shared by the commands: building the app with clear errors, output, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from ewn.config_files import ConfigError
from ewn.crypto import KeyringError

T = TypeVar("T")


def fail(message: str, code: int = 2):
    click.echo(f"ewn: {message}", err=True)
    sys.exit(code)


def demo_requested() -> bool:
    """True when `ewn --demo ...` was given."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("demo"))


def build_app(overrides: Mapping[str, Any] | None = None):
    """The application, or a clear one-line error naming the file, key and problem."""
    from ewn import create_app

    if demo_requested():
        overrides = {"demo": True, **(overrides or {})}
    try:
        return create_app(overrides)
    except ConfigError as exc:
        fail(f"configuration error: {exc}")
    except KeyringError as exc:
        fail(f"keyring error: {exc}")


@contextmanager
def app_runtime(overrides: Mapping[str, Any] | None = None):
    """(app, runtime) inside an application context."""
    app = build_app(overrides)
    with app.app_context():
        yield app, app.extensions["ewn"]


def progress(items: Iterable[T], total: int | None, label: str) -> Iterator[T]:
    """Show progress on stderr for long commands (quiet when there is little to do)."""
    if total is not None and total < 200:
        yield from items
        return
    with click.progressbar(items, length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield from bar


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def parse_time(text: str, default_tz=UTC) -> datetime:
    """ISO 8601 (with or without offset; naive means default_tz) or a date."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(UTC)


def emit(rows: list[dict], fmt: str, columns: list[str]) -> None:
    """Print rows as JSON or an aligned table."""
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("(none)")
        return
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)
    ]
    click.echo(
        "  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True))
    )
    for line in cells:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
