"""ewn work: look at and retry durable work items."""

from __future__ import annotations

import click

from ewn.cli.common import FORMAT_OPTION, app_runtime, emit, iso
from ewn.store import work


def register(main: click.Group) -> None:
    @main.group("work")
    def group() -> None:
        """Durable work items (stages and sends)."""

    @group.command("list")
    @FORMAT_OPTION
    def list_command(fmt: str) -> None:
        """Counts by status, then the failed items."""
        with app_runtime() as (_app, rt), rt.db.reading() as session:
            counts = work.count_by_status(session)
            failed = [
                {
                    "id": item.id,
                    "stage": item.stage,
                    "subject_id": item.subject_id,
                    "attempts": item.attempts,
                    "last_error": item.last_error,
                    "finished_at": iso(item.finished_at),
                }
                for item in work.failed_items(session)
            ]
        if fmt == "json":
            emit([{"counts": counts, "failed": failed}], fmt, [])
            return
        click.echo(
            "  ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
            or "no work items"
        )
        if failed:
            emit(failed, fmt, ["id", "stage", "subject_id", "attempts", "last_error"])

    @group.command("retry")
    @click.argument("ids", nargs=-1, type=int)
    def retry(ids: tuple[int, ...]) -> None:
        """Queue failed items again (all of them, or the given ids)."""
        with app_runtime() as (_app, rt), rt.db.session() as session:
            count = work.retry_failed(session, list(ids) or None)
        click.echo(f"{count} work items queued again")
