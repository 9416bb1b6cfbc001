"""Read YAML configuration files while remembering where every value came from.

Errors in configuration must name the file, the line and the problem, so the loader keeps the
line of every mapping key and sequence item alongside the plain Python values.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """A configuration file or variable is wrong; the message says where and why."""

    def __init__(self, source: str, line: int | None, key: str, problem: str):
        self.source, self.line, self.key, self.problem = source, line, key, problem
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


class Located(dict):
    """A mapping that knows the line of each of its keys."""

    lines: dict[str, int]


class LocatedList(list):
    """A sequence that knows the line of each of its items."""

    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    result = Located()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} must be text or a number", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(item, deep=True) for item in node.value)
    result.lines = [item.start_mark.line + 1 for item in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path | str) -> Any:
    """Load one YAML file; syntax errors become ConfigError with the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), None, "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), None, "", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(str(path), None, "", f"cannot read ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(str(path), line, "", exc.problem or str(exc)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), None, "", str(exc)) from None
    if data is None:
        data = Located()
        data.lines = {}
    return data


def line_of(container: Any, key: str | int) -> int | None:
    """The line where key (or item index) was written, when known."""
    lines = getattr(container, "lines", None)
    if lines is None:
        return None
    if isinstance(lines, dict):
        return lines.get(key)
    return lines[key] if isinstance(key, int) and 0 <= key < len(lines) else None


def unknown_key_problem(key: str, known: list[str]) -> str:
    """Explain an unexpected key, suggesting the closest known one."""
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; known keys: {', '.join(sorted(known))}"
