"""Settings and configuration files: strict parsing, errors that name file, line and key."""

from __future__ import annotations

import pytest

from ewn.config_files import ConfigError
from ewn.ingest.keywords import Keywords
from ewn.ingest.replies import Replies
from ewn.settings import environment_names, load_settings

BASE = {"demo": True}


def settings_from(tmp_path, text: str, **environ):
    path = tmp_path / "deployment.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings(BASE, environ={"EWN_CONFIG": str(path), **environ})


def test_defaults_load_and_every_setting_has_an_environment_name():
    settings = load_settings(BASE, environ={})
    assert settings.worker.lease_seconds == 60.0
    names = environment_names()
    assert names["EWN_TWILIO_AUTH_TOKEN"] == "twilio.auth_token"
    assert names["EWN_HEALTH_MAX_DUE_AGE_SECONDS"] == "health.max_due_age_seconds"


def test_deployment_file_and_environment_override_defaults(tmp_path):
    settings = settings_from(
        tmp_path,
        "ingest:\n  enrolment: invite\nworker:\n  batch_size: 5\n",
        EWN_WORKER_BATCH_SIZE="7",
        EWN_PUBLIC_URL="https://x.example",
    )
    assert settings.ingest.enrolment == "invite"
    assert settings.worker.batch_size == 7
    assert settings.public_url == "https://x.example"


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [
        ("worker:\n  lease_seconds: soon\n", 2, "worker.lease_seconds", "expected a number"),
        ("demo: maybe\n", 1, "demo", "expected true or false"),
        ("twilo:\n  auth_token: x\n", 1, "twilo", "did you mean 'twilio'"),
        ("ingest:\n  enrolment: everyone\n", 2, "ingest.enrolment", "expected one of staff"),
        (
            "deployment:\n  default_timezone: Africa/Nairobbi\n",
            2,
            "deployment.default_timezone",
            "unknown time zone",
        ),
        (
            "deployment:\n  numbers:\n    - address: '0712'\n"
            "      country: KE\n      timezone: UTC\n",
            2,
            "deployment.numbers",
            "address must be +E.164",
        ),
        ("worker: [1, 2]\n", 1, "worker", "expected a mapping"),
        ("health:\n  max_due_age_seconds: 0\n", 2, "health.max_due_age_seconds", "greater than 0"),
    ],
)
def test_mistakes_in_a_file_name_file_line_key_and_problem(tmp_path, text, line, key, problem):
    with pytest.raises(ConfigError) as error:
        settings_from(tmp_path, text)
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'deployment.yaml'}:{line}: {key}: ")
    assert problem in message


def test_yaml_syntax_error_names_line(tmp_path):
    with pytest.raises(ConfigError) as error:
        settings_from(tmp_path, "worker:\n  lease_seconds: 5\n bad indent: [\n")
    assert f"{tmp_path / 'deployment.yaml'}:3" in str(error.value)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("EWN_DEMO", "yes please", "expected true or false"),
        ("EWN_WORKER_BATCH_SIZE", "ten", "expected a whole number"),
        ("EWN_PUBLC_URL", "https://x", "unknown key (did you mean 'EWN_PUBLIC_URL'?)"),
    ],
)
def test_bad_environment_variables_are_errors(name, value, problem):
    with pytest.raises(ConfigError) as error:
        load_settings(BASE, environ={name: value})
    assert str(error.value).startswith("environment")
    assert problem in str(error.value)


def test_production_needs_a_keyring_and_a_public_url():
    with pytest.raises(ConfigError, match=r"web\.secret_key: required outside demo mode"):
        load_settings(environ={})
    with pytest.raises(ConfigError, match="keyring_file: required outside demo mode"):
        load_settings({"web.secret_key": "k" * 40}, environ={})
    with pytest.raises(ConfigError, match="public_url: required when Twilio is configured"):
        load_settings(
            {"keyring_file": "k.json", "twilio.account_sid": "AC1", "twilio.auth_token": "t"},
            environ={},
        )


def test_receiving_number_sets_country_and_time_zone(tmp_path):
    settings = settings_from(
        tmp_path,
        (
            "deployment:\n  numbers:\n    - address: '+12025550100'\n      country: SS\n"
            "      timezone: Africa/Juba\n"
        ),
    )
    assert settings.number_settings("+12025550100") == ("SS", "Africa/Juba")
    assert settings.number_settings("+15005550006") == ("KE", "Africa/Nairobi")


def test_shipped_keywords_and_replies_load():
    from ewn.settings import ROOT

    keywords = Keywords.load(ROOT / "config" / "keywords.yaml")
    assert keywords.match("  Stop. ").action == "stop"
    assert keywords.match("ARRÊT").action == "stop"
    assert keywords.match("أَبْدَأ").action == keywords.match("ابدأ").action == "start"
    assert keywords.match("join ٧qx٤ma") == keywords.match("JOIN 7QX4MA")
    assert keywords.match("join 7QX4MA").argument == "7QX4MA"
    assert keywords.match("stop the killing") is None
    Replies.load(ROOT / "config" / "replies.yaml")


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("en:\n  stop: [STOP]\n  start: [STOP]\n", 3, "already the en.stop keyword"),
        ("en:\n  halt: [STOP]\n", 2, "unknown key"),
        ("xx:\n  stop: [STOP]\n", 1, "unknown key"),
        ("en:\n  stop: []\n", 2, "non-empty list"),
        ("en:\n  stop: ['  ']\n", 2, "empty or invalid word"),
    ],
)
def test_keyword_file_mistakes(tmp_path, text, line, problem):
    path = tmp_path / "keywords.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        Keywords.load(path)
    assert str(error.value).startswith(f"{path}:{line}:")
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ack:\n  en: 'Got it {ref}'\n", "unknown placeholder {ref}"),
        ("ack:\n  en: 'Got it {reference'\n", "malformed placeholder"),
        ("ack:\n  de: 'Danke {reference}'\n", "unknown key"),
        ("thanks:\n  en: 'x'\n", "unknown key"),
    ],
)
def test_reply_file_mistakes(tmp_path, text, problem):
    path = tmp_path / "replies.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        Replies.load(path)
    assert str(error.value).startswith(f"{path}:2:") or str(error.value).startswith(f"{path}:1:")
    assert problem in str(error.value)


def test_custom_reply_wording_is_used(overrides, tmp_path, fake_twilio):
    from ewn import create_app
    from tests.conftest import drain, load_fixture, post_signed

    replies = tmp_path / "replies.yaml"
    replies.write_text("ack:\n  en: 'Thank you for your order {reference}.'\n", encoding="utf-8")
    app = create_app(dict(overrides, **{"ingest.replies_file": str(replies)}))
    post_signed(app.test_client(), "/webhooks/twilio/messages", load_fixture("inbound__sms"))
    with app.app_context():
        drain(app.extensions["ewn"])
    [sent] = fake_twilio.sent
    assert sent["body"].startswith("Thank you for your order ")


def test_app_refuses_to_start_with_a_broken_keywords_file(overrides, tmp_path):
    from ewn import create_app

    broken = tmp_path / "keywords.yaml"
    broken.write_text("en:\n  stop: STOP\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"keywords.yaml:2: en.stop: expected a non-empty list"):
        create_app(dict(overrides, **{"ingest.keywords_file": str(broken)}))
