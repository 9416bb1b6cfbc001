"""Concepts: words of the four languages that name the same thing, for text similarity."""

from __future__ import annotations

import pytest

from ewn.config_files import ConfigError
from ewn.dedup import text
from ewn.dedup.concepts import Concepts
from ewn.settings import ROOT
from ewn.text import fold

CONCEPTS = Concepts.load(ROOT / "config" / "concepts.yaml")


@pytest.mark.parametrize(
    "word", ["herders", "wafugaji", "Éleveurs", "الرعاة", "والرعاة", "pastoralists"]
)
def test_one_concept_in_every_language(word):
    assert CONCEPTS.of(fold(word)) == "HERDERS"


@pytest.mark.parametrize(
    ("words", "concept"),
    [
        (["fishermen", "wavuvi", "pêcheurs", "الصيادين"], "FISHERMEN"),
        (["vendor", "mchuuzi", "commerçante", "تاجر"], "TRADERS"),
        (["squatters", "mashambani", "agriculteurs", "مزارعين"], "FARMS"),
        (["buried", "wamezikwa", "enterrés", "دفن"], "BURIAL"),
    ],
)
def test_who_and_what_of_everyday_reports_are_concepts(words, concept):
    assert {CONCEPTS.of(fold(word)) for word in words} == {concept}


def test_the_longest_prefix_wins_and_stems_match_after_any_beginning():
    assert CONCEPTS.of(fold("élèves")) == "SCHOOL"  # "eleve*", not "eleveur*"
    assert CONCEPTS.of(fold("zilichomwa")) == "BURNING"  # '*chomwa'
    assert CONCEPTS.of(fold("the")) is None


def test_reports_in_two_languages_look_alike_through_their_concepts():
    english = "Herders attacked with machetes near the water point, houses burnt"
    kiswahili = "Wafugaji wameshambuliwa kwa mapanga karibu na kisima, nyumba zimechomwa"
    with_concepts = text.similarity(english, kiswahili)
    try:
        text.use_concepts(Concepts())
        without = text.similarity(english, kiswahili)
    finally:
        text.use_concepts(CONCEPTS)
    assert without < 0.1 < with_concepts
    assert "~herders" in text.content_words(kiswahili)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("concepts:\n  FIRE:\n    en: [set alight]\n", "one word"),
        ("concepts:\n  FIRE:\n    sw: ['*moto']\n    xx: [fire]\n", "unknown key"),
        ("concepts:\n  FIRE:\n    sw: ['*ot']\n", "at least 4 letters"),
        ("concept:\n  FIRE:\n    en: [fire]\n", "expected a map of concepts"),
    ],
)
def test_mistakes_in_the_concepts_file_name_the_place(tmp_path, body, problem):
    path = tmp_path / "concepts.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as error:
        Concepts.load(path)
    assert str(error.value).startswith(str(path))
