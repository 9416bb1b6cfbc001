"""The `ewn` command."""

from __future__ import annotations

import click

from ewn.cli import (
    db,
    keys,
    messages,
    monitors,
    reports,
    serve,
    simulate,
    translations,
    users,
    work,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """EWN: community early-warning network for preventing atrocity crimes."""


for module in (db, keys, messages, monitors, reports, serve, simulate, translations, users, work):
    module.register(main)
