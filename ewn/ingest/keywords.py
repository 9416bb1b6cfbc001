"""Keywords (STOP, HELP, JOIN...) in every language, read from config/keywords.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ewn.config_files import ConfigError, line_of, load_yaml, unknown_key_problem
from ewn.settings import SUPPORTED_LANGUAGES
from ewn.text import ascii_digits, fold

ACTIONS = ("stop", "start", "help", "join", "checkin", "ack")
# Keywords that may be followed by one code: join <invite code>, ack <alert code>.
WITH_CODE = ("join", "ack")


@dataclass(frozen=True)
class Keyword:
    action: str
    language: str
    # What follows the keyword: join's invite code, ack's alert code.
    argument: str = ""


class Keywords:
    """Recognises a whole message as a keyword."""

    def __init__(self, words: dict[str, Keyword]):
        self._words = words

    @classmethod
    def load(cls, path: Path) -> Keywords:
        document = load_yaml(path)
        source = str(path)
        if not isinstance(document, dict):
            raise ConfigError(source, None, "", "expected languages mapping to actions")
        words: dict[str, Keyword] = {}
        for language, actions in document.items():
            line = line_of(document, language)
            if language not in SUPPORTED_LANGUAGES:
                raise ConfigError(
                    source, line, language, unknown_key_problem(language, list(SUPPORTED_LANGUAGES))
                )
            if not isinstance(actions, dict):
                raise ConfigError(source, line, language, "expected a mapping of actions to words")
            for action, entries in actions.items():
                key, line = f"{language}.{action}", line_of(actions, action)
                if action not in ACTIONS:
                    raise ConfigError(source, line, key, unknown_key_problem(action, list(ACTIONS)))
                if not isinstance(entries, list) or not entries:
                    raise ConfigError(source, line, key, "expected a non-empty list of words")
                for index, entry in enumerate(entries):
                    item_line = line_of(entries, index) or line
                    folded = fold(str(entry)) if isinstance(entry, str | int) else ""
                    if not folded:
                        raise ConfigError(
                            source, item_line, key, f"empty or invalid word {entry!r}"
                        )
                    known = words.get(folded)
                    if known and known.action != action:
                        raise ConfigError(
                            source,
                            item_line,
                            key,
                            f"{entry!r} is already the {known.language}.{known.action} keyword",
                        )
                    words.setdefault(folded, Keyword(action, language))
        return cls(words)

    def match(self, body: str) -> Keyword | None:
        """The keyword this whole message is, if it is one."""
        folded = fold(body)
        if not folded or len(folded) > 60:
            return None
        found = self._words.get(folded)
        if found:
            return found
        # join <invite code>, ack <alert code>: the keyword, then one code.
        head, _, rest = folded.rpartition(" ")
        found = self._words.get(head)
        if found and found.action in WITH_CODE and rest:
            return Keyword(found.action, found.language, ascii_digits(rest).upper())
        return None

    def words(self, action: str, language: str) -> list[str]:
        return [
            word
            for word, kw in self._words.items()
            if kw.action == action and kw.language == language
        ]
