"""Settings: config/settings.yaml defaults, a deployment file (EWN_CONFIG) and EWN_* variables.

The defaults file is also the schema: every key and its type come from it, so a key that is not
there, or a value of the wrong type, is an error naming its file, line and key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ewn.config_files import ConfigError, Located, line_of, load_yaml, unknown_key_problem
from ewn.setting_checks import (
    CHECKS,
    SUPPORTED_LANGUAGES,
    country_problem,
    timezone_problem,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = ROOT / "config" / "settings.yaml"
# Environment variables that are not settings but are read by EWN or its tests.
OTHER_VARIABLES = {"EWN_CONFIG", "EWN_BIND", "EWN_WEB_PROCESSES", "EWN_WEB_THREADS"}
OTHER_PREFIXES = ("EWN_TEST_",)

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class Section:
    """Attribute access to one level of settings."""

    def __init__(self, values: Mapping[str, Any]):
        for key, value in values.items():
            setattr(self, key, Section(value) if isinstance(value, dict) else value)

    def as_dict(self) -> dict[str, Any]:
        return {
            key: value.as_dict() if isinstance(value, Section) else value
            for key, value in vars(self).items()
        }


class Settings(Section):
    """All settings, plus the paths derived from them."""

    def path(self, value: str) -> Path:
        """Resolve a configured path against the project directory."""
        candidate = Path(value)
        return candidate if candidate.is_absolute() else ROOT / candidate

    @property
    def data_path(self) -> Path:
        return self.path(self.data_dir)

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_path / 'ewn.db'}"

    @property
    def spool_path(self) -> Path:
        return (
            self.path(self.ingest.spool_dir) if self.ingest.spool_dir else self.data_path / "spool"
        )

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio.account_sid and self.twilio.auth_token)

    @property
    def countries(self) -> tuple[str, ...]:
        """The countries this deployment serves."""
        found = [self.deployment.default_country]
        found += [number["country"] for number in self.deployment.numbers]
        return tuple(dict.fromkeys(found))

    def number_settings(self, address: str) -> tuple[str, str]:
        """Country and time zone of the deployment a receiving number serves."""
        for number in self.deployment.numbers:
            if number["address"] == address:
                return number["country"], number["timezone"]
        return self.deployment.default_country, self.deployment.default_timezone


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load and check all settings. overrides (dotted keys) win over everything: tests use them."""
    environ = os.environ if environ is None else environ
    defaults = load_yaml(DEFAULTS_FILE)
    values = _plain(defaults)
    deployment_file = environ.get("EWN_CONFIG")
    if deployment_file:
        document = load_yaml(deployment_file)
        if not isinstance(document, dict):
            raise ConfigError(deployment_file, None, "", "expected a mapping of settings")
        _merge_file(values, defaults, document, deployment_file, "")
    _merge_environment(values, defaults, environ)
    for dotted, value in (overrides or {}).items():
        _set_dotted(values, defaults, dotted, value, "overrides", None)
    for dotted, check in CHECKS.items():
        value = _get_dotted(values, dotted)
        problem = check(value)
        if problem:
            origin = (
                ("overrides", None)
                if dotted in (overrides or {})
                else (_origin(dotted, defaults, environ, deployment_file))
            )
            raise ConfigError(*origin, dotted, problem)
    settings = Settings(values)
    _check_combination(settings)
    return settings


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _merge_file(values: dict, defaults: dict, document: dict, source: str, prefix: str) -> None:
    for key, value in document.items():
        dotted = f"{prefix}{key}"
        if key not in defaults:
            raise ConfigError(
                source, line_of(document, key), dotted, unknown_key_problem(key, list(defaults))
            )
        if isinstance(defaults[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(source, line_of(document, key), dotted, "expected a mapping")
            _merge_file(values[key], defaults[key], value, source, dotted + ".")
        else:
            values[key] = _coerce(defaults[key], value, source, line_of(document, key), dotted)


def _leaf_paths(defaults: dict, prefix: str = "") -> dict[str, str]:
    paths = {}
    for key, value in defaults.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            paths.update(_leaf_paths(value, dotted + "."))
        else:
            paths["EWN_" + dotted.replace(".", "_").upper()] = dotted
    return paths


def environment_names() -> dict[str, str]:
    """Every settings variable name and the dotted key it sets."""
    return _leaf_paths(load_yaml(DEFAULTS_FILE))


def _merge_environment(values: dict, defaults: dict, environ: Mapping[str, str]) -> None:
    names = _leaf_paths(defaults)
    for name, raw in environ.items():
        if not name.startswith("EWN_") or name in OTHER_VARIABLES:
            continue
        if name.startswith(OTHER_PREFIXES):
            continue
        if name not in names:
            raise ConfigError("environment", None, name, unknown_key_problem(name, list(names)))
        _set_dotted(values, defaults, names[name], _parse_env(raw), "environment", None, name)


def _parse_env(raw: str) -> Any:
    # Lists and mappings come as JSON; everything else stays text and is coerced by type.
    stripped = raw.strip()
    if stripped.startswith(("[", "{")):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return raw
    return raw


def _get_dotted(values: dict, dotted: str) -> Any:
    for part in dotted.split("."):
        values = values[part]
    return values


def _set_dotted(values, defaults, dotted, value, source, line, label=None) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        if part not in defaults:
            raise ConfigError(source, line, label or dotted, "unknown key")
        values, defaults = values[part], defaults[part]
    if leaf not in defaults or isinstance(defaults[leaf], dict):
        raise ConfigError(source, line, label or dotted, "unknown key")
    values[leaf] = _coerce(defaults[leaf], value, source, line, label or dotted)


def _coerce(default: Any, value: Any, source: str, line: int | None, key: str) -> Any:
    """Give value the type of its default, strictly."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(source, line, key, f"expected true or false, got {value!r}")
    if isinstance(default, int | float):
        if isinstance(value, bool):
            raise ConfigError(source, line, key, f"expected a number, got {value!r}")
        kind = int if isinstance(default, int) else float
        try:
            return kind(str(value).strip()) if isinstance(value, str) else kind(value)
        except (TypeError, ValueError):
            name = "a whole number" if kind is int else "a number"
            raise ConfigError(source, line, key, f"expected {name}, got {value!r}") from None
    if isinstance(default, str):
        if isinstance(value, bool | list | dict) or value is None:
            raise ConfigError(source, line, key, f"expected text, got {value!r}")
        return str(value)
    if isinstance(default, list):
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(value, list):
            raise ConfigError(source, line, key, f"expected a list, got {value!r}")
        return _plain(value)
    raise ConfigError(source, line, key, "unsupported setting type")


def _origin(dotted, defaults, environ, deployment_file) -> tuple[str, int | None]:
    """Where a checked value came from, for the error message."""
    name = "EWN_" + dotted.replace(".", "_").upper()
    if name in environ:
        return "environment " + name, None
    if deployment_file:
        document = load_yaml(deployment_file)
        node = document
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and leaf in node:
            return deployment_file, line_of(node, leaf)
    node = defaults
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = node[part]
    return str(DEFAULTS_FILE), line_of(node, leaf)


# ---------------------------------------------------------------------------- value checks


def _check_combination(settings: Settings) -> None:
    if settings.demo:
        return
    if settings.twilio_configured and not settings.public_url:
        raise ConfigError(
            "settings",
            None,
            "public_url",
            "required when Twilio is configured: webhook signatures are checked against it",
        )
    if not settings.web.secret_key or len(settings.web.secret_key) < 32:
        raise ConfigError(
            "settings",
            None,
            "web.secret_key",
            "required outside demo mode: at least 32 random characters",
        )
    if not settings.keyring_file:
        raise ConfigError(
            "settings",
            None,
            "keyring_file",
            "required outside demo mode (create one with `ewn keys generate FILE`)",
        )


__all__ = [
    "ROOT",
    "SUPPORTED_LANGUAGES",
    "ConfigError",
    "Located",
    "Settings",
    "country_problem",
    "load_settings",
    "timezone_problem",
]
