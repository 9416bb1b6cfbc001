"""The `ewn` command."""

from __future__ import annotations

import click

from ewn.cli import (
    db,
    escalations,
    gazetteer,
    incidents,
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
@click.option(
    "--demo",
    is_flag=True,
    help="Use the embedded demo's settings and keys (as `ewn serve --demo`).",
)
def main(demo: bool) -> None:
    """EWN: community early-warning network for preventing atrocity crimes."""


for module in (
    db,
    escalations,
    gazetteer,
    incidents,
    keys,
    messages,
    monitors,
    reports,
    serve,
    simulate,
    translations,
    users,
    work,
):
    module.register(main)
