"""Replies to monitors: EWN's translated wording, or a deployment's own from config/replies.yaml."""

from __future__ import annotations

import string
from pathlib import Path

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ewn.config_files import ConfigError, line_of, load_yaml, unknown_key_problem
from ewn.settings import SUPPORTED_LANGUAGES

# Default wording. Keep each short: it is an SMS (and must not endanger who receives it).
DEFAULTS = {
    "ack": _l("Received, thank you. Reference {reference}."),
    "help": _l(
        "Send what you saw: what happened, where, when. OK = nothing to report. "
        "STOP = no more messages, START = resume."
    ),
    "start": _l("You will receive messages again. Send STOP to stop."),
    "join_welcome": _l("Welcome. You are registered as {pseudonym}. Send HELP for help."),
    "join_staff": _l("Thank you. A coordinator will contact you to register you."),
    "join_bad_code": _l("This code is not valid. Ask your coordinator for a new one."),
    "ask_place": _l(
        "Where did this happen? Reply with the village, town or nearest landmark. Ref {reference}"
    ),
}
PLACEHOLDERS = {
    "ack": {"reference"},
    "help": set(),
    "start": set(),
    "join_welcome": {"pseudonym"},
    "join_staff": set(),
    "join_bad_code": set(),
    "ask_place": {"reference"},
}


class Replies:
    def __init__(self, custom: dict[str, dict[str, str]]):
        self._custom = custom

    @classmethod
    def load(cls, path: Path) -> Replies:
        document = load_yaml(path)
        source = str(path)
        if not isinstance(document, dict):
            raise ConfigError(source, None, "", "expected a mapping of replies")
        custom: dict[str, dict[str, str]] = {}
        for kind, texts in document.items():
            line = line_of(document, kind)
            if kind not in DEFAULTS:
                raise ConfigError(source, line, kind, unknown_key_problem(kind, list(DEFAULTS)))
            if not isinstance(texts, dict):
                raise ConfigError(source, line, kind, "expected a mapping of language to text")
            for language, text in texts.items():
                key, text_line = f"{kind}.{language}", line_of(texts, language) or line
                if language not in SUPPORTED_LANGUAGES:
                    raise ConfigError(
                        source,
                        text_line,
                        key,
                        unknown_key_problem(language, list(SUPPORTED_LANGUAGES)),
                    )
                if not isinstance(text, str) or not text.strip():
                    raise ConfigError(source, text_line, key, "expected non-empty text")
                problem = placeholder_problem(text, PLACEHOLDERS[kind])
                if problem:
                    raise ConfigError(source, text_line, key, problem)
                custom.setdefault(kind, {})[language] = text
        return cls(custom)

    def render(self, kind: str, language: str, **values: str) -> str:
        """The reply text in language (needs an application context for the catalogs)."""
        template = self._custom.get(kind, {}).get(language)
        if template is None:
            with force_locale(language):
                template = str(DEFAULTS[kind])
        return template.format(**values)


def placeholder_problem(text: str, allowed: set[str]) -> str | None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return f"malformed placeholder ({exc}); write literal braces as {{{{ and }}}}"
    unknown = names - allowed
    if unknown:
        offered = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
        return f"unknown placeholder {{{sorted(unknown)[0]}}} (allowed here: {offered})"
    return None
