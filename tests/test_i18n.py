"""Translations: every string in every catalog, translated, and the compiled files current."""

from __future__ import annotations

import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from ewn.cli.translations import POT, extract_catalog
from ewn.i18n import TRANSLATIONS
from ewn.settings import ROOT, SUPPORTED_LANGUAGES

LANGUAGES = [language for language in SUPPORTED_LANGUAGES if language != "en"]


def catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_template_lists_every_translatable_string(tmp_path, monkeypatch):
    committed = {message.id for message in read_po(POT.open("rb")) if message.id}
    fresh_path = tmp_path / "messages.pot"
    monkeypatch.setattr("ewn.cli.translations.POT", fresh_path)
    extract_catalog()
    fresh = {message.id for message in read_po(fresh_path.open("rb")) if message.id}
    assert fresh == committed, "run `ewn translations extract` and `update`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_differs_from_english(language):
    template = {message.id for message in read_po(POT.open("rb")) if message.id}
    translated = catalog(language)
    ids = {message.id for message in translated if message.id}
    assert template <= ids, f"missing in {language}: {template - ids}"
    for message in translated:
        if not message.id:
            continue
        english = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        for form in forms:
            assert form, f"{language}: untranslated {message.id!r}"
            assert form not in english, f"{language}: same as English {message.id!r}"
        assert "fuzzy" not in message.flags, f"{language}: fuzzy {message.id!r}"


def entries(messages) -> dict:
    """Catalog entries as {id: string}; a plural entry's id and forms become tuples."""

    def plain(value):
        return value if isinstance(value, str) else tuple(value)

    return {plain(message.id): plain(message.string) for message in messages if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_source(language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = entries(read_mo(handle))
    assert compiled == entries(catalog(language)), "run `ewn translations compile`"


def placeholders(text: str) -> set[str]:
    """Both kinds of placeholder EWN uses: {reference} and %(name)s."""
    return set(re.findall(r"\{(\w+)\}|%\((\w+)\)[sdr]", text)) - {("", "")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    for message_id, string in entries(catalog(language)).items():
        if isinstance(message_id, str):
            assert placeholders(string) == placeholders(message_id), message_id
            continue
        # Every plural form names what the English plural names (the count included:
        # Arabic and Kiswahili forms still show the number).
        for form in string:
            assert placeholders(form) == placeholders(message_id[1]), message_id


def test_the_placeholder_check_sees_both_styles():
    assert placeholders("Reference {reference}, %(num)s days, %(count)d") == {
        ("reference", ""),
        ("", "num"),
        ("", "count"),
    }


TEMPLATES = ROOT / "ewn" / "web" / "templates"
# Words that are the same in every language: the product's name.
UNTRANSLATED_OK = {"EWN"}


def literal_text(source: str) -> list[str]:
    """Words in a template that no translation call covers: text between tags, and the
    human-readable attributes (placeholder, aria-label, title, alt). Keys (<kbd>c</kbd>) are
    the same in every language."""
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    found = re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*)"', source)
    source = re.sub(r"<script.*?</script>|<style.*?</style>|<kbd>.</kbd>", " ", source, flags=re.S)
    found += re.sub(r"<[^>]*>", " ", source).split()
    return [w for w in found if re.search(r"[^\W\d_]", w) and w.strip() not in UNTRANSLATED_OK]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_text_outside_the_catalogs(template):
    assert literal_text((TEMPLATES / template).read_text(encoding="utf-8")) == []


def test_the_literal_text_check_finds_literal_text():
    assert literal_text('<p>{{ _("Hello") }} world</p><input placeholder="Name">') == [
        "Name",
        "world",
    ]
