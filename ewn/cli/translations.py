"""ewn translations: extract, update and compile the Babel catalogs."""

from __future__ import annotations

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.pofile import write_po

from ewn.i18n import TRANSLATIONS
from ewn.settings import ROOT, SUPPORTED_LANGUAGES

POT = TRANSLATIONS / "messages.pot"


def extract_catalog() -> None:
    """Write messages.pot with file names relative to the project (stable diffs)."""
    with (ROOT / "config" / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    catalog = Catalog(project="EWN", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    with POT.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_by_file=True, omit_header=False)


def pybabel(*arguments: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *arguments])


def register(main: click.Group) -> None:
    @main.group("translations")
    def group() -> None:
        """Babel catalogs in translations/."""

    @group.command()
    def extract() -> None:
        """Collect every translatable string into translations/messages.pot."""
        extract_catalog()
        click.echo(f"wrote {POT.relative_to(ROOT)}")

    @group.command()
    def update() -> None:
        """Merge messages.pot into each language's catalog (creating missing ones)."""
        for language in SUPPORTED_LANGUAGES:
            if language == "en":
                continue
            catalog = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
            if catalog.exists():
                pybabel(
                    "update", "--no-wrap", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language
                )
            else:
                pybabel(
                    "init", "--no-wrap", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language
                )
        click.echo("catalogs updated; translate the new entries, then `ewn translations compile`")

    @group.command()
    def compile() -> None:
        """Compile the catalogs to the .mo files EWN reads."""
        pybabel("compile", "-f", "-d", str(TRANSLATIONS))
        click.echo("catalogs compiled")
