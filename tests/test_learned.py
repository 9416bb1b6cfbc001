"""The category learned from example reports, for reports in which no term of the taxonomy is
found (ewn/meaning/learned.py, config/examples.jsonl)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from ewn import create_app
from ewn.config_files import ConfigError
from ewn.meaning import learned
from ewn.meaning.classify import classify
from ewn.meaning.learned import Learned
from ewn.meaning.taxonomy import Taxonomy
from ewn.meaning.wording import words
from ewn.models import Incident, Report
from ewn.settings import ROOT
from tests.builders import enrol, send
from tests.conftest import drain

TAXONOMY = Taxonomy.load(ROOT / "config" / "taxonomy.yaml")
FIXTURES = ROOT / "tests" / "fixtures" / "incidents"
# Made-up words, so that no term of the taxonomy is in these texts.
EXAMPLES = [
    ("wazungumzi wa bluu wamebebwa na wageni usiku", "ABDUCTION_DETENTION"),
    ("mwalimu amebebwa na wageni wa bluu", "ABDUCTION_DETENTION"),
    ("wageni wa bluu wamebeba vijana wawili", "ABDUCTION_DETENTION"),
    ("familia zimekimbilia kanisani na mizigo yao", "DISPLACEMENT"),
    ("wamekimbilia kanisani, watoto na mizigo", "DISPLACEMENT"),
    ("habari za asubuhi timu yote", None),
    ("asante kwa bando la leo timu", None),
]


def folded(text: str) -> list[str]:
    return [word for word, _, _ in words(text)]


def with_model(examples=EXAMPLES) -> Taxonomy:
    return replace(TAXONOMY, learned=Learned(examples))


def test_guesses_the_category_of_reports_in_like_words_and_names_the_words_that_decided():
    model = Learned(EXAMPLES)
    guess = model.guess(folded("jirani yetu amebebwa na wageni leo"))
    assert guess.category == "ABDUCTION_DETENTION"
    assert "amebebwa" in guess.words and "leo" not in guess.words
    assert model.guess(folded("wamekimbilia kanisani usiku")).category == "DISPLACEMENT"


def test_not_an_incident_and_unknown_words_are_no_guess():
    model = Learned(EXAMPLES)
    assert model.guess(folded("habari za asubuhi timu")) is None
    assert model.guess(folded("xq zzv")) is None
    assert model.guess([]) is None
    assert Learned([]).guess(folded("amebebwa")) is None


def test_classify_uses_the_guess_only_when_no_term_is_found():
    taxonomy = with_model()
    text = "Jirani yetu amebebwa na wageni wa bluu jioni hii, hatujui yuko wapi sasa"
    assert classify(text, TAXONOMY).primary == "OTHER"
    understood = classify(text, taxonomy)
    assert (understood.primary, understood.categories) == (
        "ABDUCTION_DETENTION",
        ["ABDUCTION_DETENTION"],
    )
    assert understood.evidence()["learned"]["category"] == "ABDUCTION_DETENTION"
    assert "amebebwa" in understood.evidence()["learned"]["words"]
    assert understood.severity == TAXONOMY.severity("ABDUCTION_DETENTION")
    # A term decides, even a negated one, and so does the monitor's code.
    assert classify("Wageni wa bluu wamebeba watu, wawili wameuawa", taxonomy).primary == "KILLING"
    negated = classify("Wageni wa bluu walikuja usiku lakini hakuna aliyeuawa hapa", taxonomy)
    assert negated.primary != "ABDUCTION_DETENTION" and negated.learned is None
    coded = classify("D: jirani yetu amebebwa na wageni wa bluu jioni hii", taxonomy)
    assert coded.primary == "DISPLACEMENT" and coded.learned is None


def test_names_of_places_do_not_weigh():
    taxonomy = with_model([*EXAMPLES, ("Kanisani Kapsotik leo", "DISPLACEMENT")])
    text = "Kapsotik Kapsotik Kapsotik jirani amebebwa na wageni"
    spans = [(0, 8), (9, 17), (18, 26)]
    assert "kapsotik" not in classify(text, taxonomy, spans).learned.words


def test_a_guess_never_makes_a_report_noise():
    text = "Timu yote ya asubuhi na bando la leo, tuko wengi hapa mjini sasa"
    assert Learned(EXAMPLES).guess(folded(text)) is None  # nearest the greetings
    assert classify(text, TAXONOMY).primary == "OTHER"
    understood = classify(text, with_model())
    assert not understood.not_incident and understood.primary == "OTHER"
    assert understood.learned is None


def test_the_bundled_examples_learn_what_the_terms_miss():
    model = learned.load(ROOT / "config" / "examples.jsonl", TAXONOMY)
    taxonomy = replace(TAXONOMY, learned=model)
    text = "Tumejificha ndani ya kanisa tuko kama hamsini na watoto, tunasikia vilio nje"
    assert classify(text, TAXONOMY).primary == "OTHER"
    assert classify(text, taxonomy).primary not in (None, "OTHER")


def test_the_bundled_examples_hold_no_report_of_a_held_out_set():
    from benchmarks.dedup import HELD_OUT, SOURCES, tuning_examples

    held_out = {
        " ".join(m["text"].strip() for m in row["messages"]).strip()
        for split in HELD_OUT
        for row in map(json.loads, SOURCES[split].read_text(encoding="utf-8").splitlines())
        if row["split"] == split
    }
    examples = [
        json.loads(line)
        for line in (ROOT / "config" / "examples.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(examples) > 1000 and held_out
    assert not [e["source"] for e in examples if e["text"] in held_out]
    assert not [e["source"] for e in examples if e["source"].split(":")[0] in HELD_OUT]
    # As `python benchmarks/dedup.py --write-examples` writes it from the tuning sets.
    assert examples == tuning_examples()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not a JSON object"),
        ('["a list"]', "expected"),
        ('{"category": "KILLING"}', "text: expected the text"),
        ('{"text": "  ", "category": "KILLING"}', "text: expected the text"),
        ('{"text": "x", "category": "MURDER"}', "category: unknown category 'MURDER'"),
        ('{"text": "x", "category": null, "lang": "sw"}', "lang: expected text, category"),
    ],
)
def test_a_bad_example_is_an_error_naming_its_line(tmp_path, line, problem):
    path = tmp_path / "examples.jsonl"
    path.write_text('{"text": "ok", "category": "KILLING"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as error:
        learned.load(path, TAXONOMY)
    assert error.value.line == 3 and str(path) in str(error.value)


def test_a_missing_or_empty_examples_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        learned.load(tmp_path / "nothing.jsonl", TAXONOMY)
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    assert learned.load(tmp_path / "empty.jsonl", TAXONOMY) is None


def test_a_report_without_terms_is_placed_by_its_learned_category_with_its_evidence(
    client, rt, ewn_cli
):
    enrol(rt, "+254711000001")
    send(
        client,
        "Molo: tumejificha ndani ya kanisa tuko kama hamsini na watoto, tunasikia vilio nje",
        "+254711000001",
    )
    drain(rt)
    listed = ewn_cli("incidents", "list", "--format", "json")
    assert listed.exit_code == 0, (listed.output, listed.exc_info)
    [incident] = json.loads(listed.stdout)
    [report] = incident["reports"]
    evidence = report["classification_evidence"]["learned"]
    assert report["primary_category"] == evidence["category"] != "OTHER"
    assert incident["primary_category"] == evidence["category"]
    assert evidence["words"] and "molo" not in evidence["words"]


def test_an_empty_examples_setting_turns_learning_off(overrides):
    app = create_app({**overrides, "incidents.examples_file": ""})
    try:
        assert app.extensions["ewn"].taxonomy.learned is None
    finally:
        app.extensions["ewn"].db.dispose()


def test_a_guess_counts_for_its_incident_only_while_no_report_tells_a_category(client, rt):
    guessed_text = "Molo: tumejificha ndani ya kanisa tuko kama hamsini na watoto, vilio nje"
    for number, text in enumerate(
        [guessed_text, "Molo: houses burnt this morning near the market"], start=1
    ):
        enrol(rt, f"+25471100000{number}")
        send(client, text, f"+25471100000{number}")
        drain(rt)
        with rt.db.session() as session:
            [incident] = session.scalars(select(Incident))
            guess = session.scalars(select(Report).order_by(Report.id)).first().categories
            if number == 1:
                assert incident.flags == ["category_guessed"]
                assert incident.categories == guess != ["OTHER"]
            else:
                assert incident.report_count == 2 and incident.flags == []
                assert incident.categories == ["PROPERTY_DESTRUCTION"] != guess


def test_the_terms_of_the_taxonomy_are_examples_too(tmp_path):
    path = tmp_path / "examples.jsonl"
    path.write_text('{"text": "habari za asubuhi timu", "category": null}\n', encoding="utf-8")
    model = learned.load(path, TAXONOMY)
    # A misspelt term is no term, but its pieces are known.
    assert model.guess(folded("mauajii")).category == "KILLING"
    assert model.guess(folded("wamebakwaa")).category == "SEXUAL_VIOLENCE"
    assert model.guess(folded("habari timu")) is None
