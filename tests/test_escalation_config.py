"""config/escalation.yaml is checked at start-up; SMS segments are counted as phones count
them; contacts are imported from CSV with every bad row named by its line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ewn import create_app
from ewn.config_files import ConfigError
from ewn.escalation import contacts as contact_store
from ewn.escalation.config import EscalationConfig
from ewn.escalation.messages import AlertFacts, compose, compose_own
from ewn.escalation.segments import encoding, fit, segments
from ewn.meaning.taxonomy import Taxonomy
from ewn.models import Contact, ContactChannel
from ewn.settings import ROOT

TAXONOMY = Taxonomy.load(ROOT / "config" / "taxonomy.yaml")
GOOD = """policies:
  p:
    steps:
      - notify: G
        wait_minutes: 5
rules:
  - name: r
    bands: [critical]
    policy: p
"""


def load(tmp_path, text: str) -> EscalationConfig:
    path = tmp_path / "escalation.yaml"
    path.write_text(text, encoding="utf-8")
    return EscalationConfig.load(path, TAXONOMY)


def test_the_shipped_file_loads():
    config = EscalationConfig.load(ROOT / "config" / "escalation.yaml", TAXONOMY)
    assert config.incident_rules and config.pattern_rules
    for rule in config.rules:
        assert rule.policy in config.policies


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("bands: [critical]", "bands: [urgent]"), 8, "unknown 'urgent'"),
        (("policy: p\n", "policy: q\n"), 9, "unknown 'q'"),
        (("wait_minutes: 5", "wait_minutes: -5"), 5, "at least 0"),
        (("    bands: [critical]\n", "    colour: red\n"), 8, "colour: unknown key"),
        (("- name: r", "- name: ''"), 7, "non-empty text"),
        (("    steps:\n", "    stepz:\n"), 3, "stepz: unknown key (did you mean 'steps'?)"),
        (
            (
                "    bands: [critical]\n",
                "    pattern: {category: NOPE, at_least: 3, within_days: 7}\n",
            ),
            8,
            "unknown 'NOPE'",
        ),
        (
            (
                "    bands: [critical]\n",
                "    pattern: {category: KILLING, at_least: 0, within_days: 7}\n",
            ),
            8,
            "at least 1",
        ),
    ],
)
def test_mistakes_are_named_with_their_line(tmp_path, change, line, words):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, GOOD.replace(*change))
    assert error.value.line == line and words in str(error.value)


def test_a_pattern_rule_takes_no_other_filters(tmp_path):
    text = GOOD.replace(
        "    bands: [critical]\n",
        "    bands: [critical]\n    pattern: {category: KILLING, at_least: 3, within_days: 7}\n",
    )
    with pytest.raises(ConfigError, match="a pattern rule takes no filters"):
        load(tmp_path, text)


def test_duplicate_rule_names_are_refused(tmp_path):
    text = GOOD + "  - name: r\n    policy: p\n"
    with pytest.raises(ConfigError, match="'r' appears twice"):
        load(tmp_path, text)


def test_ewn_does_not_start_with_a_broken_file(tmp_path, keyring_file):
    path = tmp_path / "escalation.yaml"
    path.write_text(GOOD.replace("policy: p\n", "policy: missing\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"escalation.yaml:9: rules\[0\].policy"):
        create_app({"demo": True, "data_dir": str(tmp_path), "escalation.config_file": str(path)})


# -- segments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected_encoding", "expected_segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 2),
        ("ب" * 70, "UCS-2", 1),
        ("ب" * 71, "UCS-2", 2),
        ("a" * 69 + "ç", "UCS-2", 1),  # one character outside GSM-7 changes the whole message
        ("😀" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("😀" * 36, "UCS-2", 2),
        ("Watu 5 wameuawa Molo", "GSM-7", 1),
    ],
)
def test_segments(text, expected_encoding, expected_segments):
    assert encoding(text) == expected_encoding and segments(text) == expected_segments


@given(st.text(max_size=400))
def test_fit_never_exceeds_two_segments_and_keeps_head_and_tail(middle):
    text = fit("EWN K7Q-4MX: ", middle, " Reply 4821 to acknowledge.")
    assert segments(text) <= 2
    assert text.startswith("EWN K7Q-4MX: ") and text.endswith(" Reply 4821 to acknowledge.")


@pytest.mark.parametrize("language", ["en", "sw", "fr", "ar"])
def test_alerts_fit_two_segments_in_every_language(app, language):
    facts = AlertFacts(
        reference="K7Q-4MX",
        code="4821",
        category="Sexual violence",
        place="Kapsabet Township Ward near the old stadium (Nandi) " * 3,
        severity=5,
        monitors=3,
    )
    link = "https://ewn.example.org/ack/y6IPdtswixPDe5ScomPJZA"
    with app.app_context():
        for mode in ("full", "minimal", "unanswered"):
            text = compose(facts, language, mode, link)
            assert segments(text) <= 2 and "4821" in text and "K7Q-4MX" in text
            if mode == "minimal":
                assert "Kapsabet" not in text and link not in text
            elif language != "en":  # in the recipient's language, not English
                assert text != compose(facts, "en", mode, link)


# -- contacts ------------------------------------------------------------------------------

CSV = """name,channels,language,areas,national,groups
Amina Wanjiru,whatsapp:+254722000001;0722000001,sw,Nakuru,no,County mediators
No Channel,,en,,no,
Bad Number,+2547,en,,no,
Bad Area,+254722000003,en,Atlantis,no,
Bad Language,+254722000004,xx,,no,
Bad National,+254722000005,en,,maybe,
Mail Only,email:someone@example.org,fr,,yes,National Committee
"""


def test_contacts_import_names_bad_rows_and_is_safe_to_rerun(rt):
    with rt.db.session() as session:
        result = contact_store.import_csv(session, rt, CSV)
    assert (result.created, result.updated) == (2, 0)
    assert [error.split(":")[0] for error in result.errors] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "Atlantis" in result.errors[2] and "xx" in result.errors[3]
    with rt.db.session() as session:
        again = contact_store.import_csv(session, rt, CSV.replace("Nakuru,no", "Nakuru;Kisumu,no"))
    assert (again.created, again.updated) == (0, 2)
    with rt.db.reading() as session:
        [amina, mail] = [
            contact_store.describe(session, c) for c in session.query(Contact).order_by(Contact.id)
        ]
        assert amina["channels"] == ["whatsapp", "sms"] and amina["areas"] == ["Kisumu", "Nakuru"]
        assert mail["national"] and mail["groups"] == ["National Committee"]
        stored = " ".join(
            str(value)
            for row in session.query(Contact.name_enc, ContactChannel.address_enc)
            .join(ContactChannel, ContactChannel.contact_id == Contact.id)
            .all()
            for value in row
        )
        assert "Amina" not in stored and "722000001" not in stored


def test_contacts_import_refuses_a_file_without_the_columns(rt):
    with rt.db.session() as session, pytest.raises(contact_store.ContactError, match="header"):
        contact_store.import_csv(session, rt, "who,phone\nA,+254722000001\n")


def test_contacts_cli(ewn_cli, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CSV, encoding="utf-8")
    result = ewn_cli("contacts", "import", str(path))
    assert result.exit_code == 1 and "2 contacts created" in result.output
    assert "line 5" in result.output
    listed = ewn_cli("contacts", "list", "--format", "json")
    assert listed.exit_code == 0 and "R-" in listed.stdout
    assert "Amina" not in listed.stdout and "722000001" not in listed.stdout


def test_contacts_page_and_import_in_the_web_app(app, rt):
    from io import BytesIO

    from flask import g

    from tests.builders import logged_in, make_user

    app.config["WTF_CSRF_ENABLED"] = False
    admin = logged_in(app, make_user(rt, "boss", "admin"))

    def upload(content: bytes):
        response = admin.post(
            "/contacts/import",
            data={"file": (BytesIO(content), "contacts.csv")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert response.status_code == 200
        return response.get_data(as_text=True)

    page = upload(CSV.encode())
    assert "2 contacts created, 0 updated, 5 rows refused." in page and "line 5:" in page
    assert "R-" in page and "Amina" not in page and "722000001" not in page
    assert "not UTF-8" in upload("name,channels\nZoë,+254722000009\n".encode("latin-1"))
    assert "The first row must name the columns" in upload(b"who,phone\nA,+254722000001\n")
    assert "Choose a CSV file" in upload(b"")
    g.pop("_login_user", None)  # the test's application context outlives requests
    committee = logged_in(app, make_user(rt, "chair", "committee"))
    listing = committee.get("/contacts").get_data(as_text=True)
    assert "R-" in listing and 'action="/contacts/import"' not in listing


def test_a_link_too_long_for_two_segments_is_left_out_not_the_alert(app):
    facts = AlertFacts(reference="K7Q-4MX", code="4821", category="Killing", place="Molo")
    link = "https://ewn.example.org/" + "x" * 300 + "/ack/token"
    with app.app_context():
        text = compose(facts, "en", "full", link)
    assert segments(text) <= 2 and "4821" in text and link not in text


OWN = """templates:
  discreet:
    en: "Reminder {reference}: reply {code} to confirm. {link}"
    sw: "Kumbusho {reference}: jibu {code} kuthibitisha."
"""


def test_own_templates_load_and_groups_may_choose_them(tmp_path):
    config = load(tmp_path, OWN + GOOD)
    assert config.templates["discreet"]["sw"].startswith("Kumbusho")
    assert config.template_names == ("full", "minimal", "discreet")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('    en: "Reply {code} about {victim}"\n', 3, "unknown placeholder {victim}"),
        ('    en: "Something happened in {place}"\n', 3, "must contain {code}"),
        ('    en: "Reply {code:>10}"\n', 3, "without a format"),
        ('    en: "Reply {code"\n', 3, "cannot be read as a template"),
        ('    xx: "Reply {code}"\n', 3, "xx: unknown key"),
        ('    en: "' + "Reply {code} now. " * 20 + '"\n', 3, "takes 3 SMS segments"),
        ("    en: 5\n", 3, "non-empty text"),
    ],
)
def test_template_mistakes_are_named_with_their_line(tmp_path, text, line, words):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, "templates:\n  discreet:\n" + text + GOOD)
    assert error.value.line == line and words in str(error.value)


def test_the_built_in_template_names_are_taken(tmp_path):
    with pytest.raises(ConfigError, match="full and minimal are built in"):
        load(tmp_path, 'templates:\n  minimal:\n    en: "{code}"\n' + GOOD)


def test_group_template_from_the_cli(ewn_cli, tmp_path, rt):
    path = tmp_path / "contacts.csv"
    path.write_text(CSV, encoding="utf-8")
    ewn_cli("contacts", "import", str(path))
    shown = ewn_cli("contacts", "group", "County mediators")
    assert shown.exit_code == 0 and "County mediators: full alerts" in shown.output
    changed = ewn_cli("contacts", "group", "County mediators", "--minimal")
    assert changed.exit_code == 0 and "minimal alerts" in changed.output
    wrong = ewn_cli("contacts", "group", "County mediators", "--template", "discrete")
    assert wrong.exit_code != 0 and "unknown 'discrete'" in wrong.output
    missing = ewn_cli("contacts", "group", "Nobody", "--full")
    assert missing.exit_code != 0 and "no group named 'Nobody'" in missing.output


def test_an_own_template_drops_the_link_then_gives_up_when_too_long(app):
    texts = {"en": "Alert {reference} at {place}: reply {code}. {link}", "fr": "Alerte {code}"}
    facts = AlertFacts(reference="K7Q-4MX", code="4821", category="Killing", place="Molo")
    link = "https://ewn.example.org/ack/" + "x" * 300
    with app.app_context():
        assert compose_own(texts, facts, "en", "en", "https://e.org/ack/t").endswith("/ack/t")
        short = compose_own(texts, facts, "en", "en", link)
        assert short == "Alert K7Q-4MX at Molo: reply 4821."
        assert compose_own(texts, facts, "sw", "fr", None) == "Alerte 4821"  # default language
        far = AlertFacts(reference="K7Q-4MX", code="4821", category="Killing", place="x" * 400)
        assert compose_own(texts, far, "en", "en", link) is None


def test_group_templates_in_the_web_app(app, rt):
    from flask import g
    from sqlalchemy import select

    from ewn.models import AuditEntry, ContactGroup
    from tests.builders import logged_in, make_user

    app.config["WTF_CSRF_ENABLED"] = False
    with rt.db.session() as session:
        contact_store.import_csv(session, rt, CSV)
    with rt.db.reading() as session:
        group_id = session.scalar(
            select(ContactGroup.id).where(ContactGroup.name == "County mediators")
        )

    def template() -> str:
        with rt.db.reading() as session:
            return session.get(ContactGroup, group_id).template

    admin = logged_in(app, make_user(rt, "boss", "admin"))
    page = admin.get("/contacts").get_data(as_text=True)
    assert "County mediators" in page and f'action="/contacts/groups/{group_id}"' in page
    changed = admin.post(
        f"/contacts/groups/{group_id}", data={"template": "minimal"}, follow_redirects=True
    )
    assert "Alerts to County mediators now use the minimal template." in changed.text
    assert template() == "minimal"
    refused = admin.post(
        f"/contacts/groups/{group_id}", data={"template": "nonsense"}, follow_redirects=True
    )
    assert "Choose one of the alert templates listed." in refused.text
    assert template() == "minimal"
    assert admin.post("/contacts/groups/999999", data={"template": "full"}).status_code == 404
    with rt.db.reading() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "group_template"))
        assert entry.username == "boss" and entry.detail == {"from": "full", "to": "minimal"}
    g.pop("_login_user", None)
    committee = logged_in(app, make_user(rt, "chair", "committee"))
    listing = committee.get("/contacts").get_data(as_text=True)
    assert "County mediators" in listing and "/contacts/groups/" not in listing
    assert (
        committee.post(f"/contacts/groups/{group_id}", data={"template": "full"}).status_code == 403
    )
    assert template() == "minimal"


def test_contact_import_errors_are_in_the_staff_members_language(app, rt):
    from io import BytesIO

    from tests.builders import logged_in, make_user

    app.config["WTF_CSRF_ENABLED"] = False
    admin = logged_in(app, make_user(rt, "patron", "admin", language="fr"))
    page = admin.post(
        "/contacts/import",
        data={"file": (BytesIO(CSV.encode()), "contacts.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "ligne 3 : aucun canal indiqué" in page
    assert "ligne 4 : pas un numéro de téléphone : &#39;+2547&#39;" in page
    assert "ligne 5 : aucune zone administrative nommée &#39;Atlantis&#39;" in page
    assert "line " not in page
