"""Read SOP template YAML keeping the line of every key, and collect problems by line.

Mappings come back as :class:`LineMapping` (a dict that knows each key's line) and lists as
:class:`LineList`. Times such as ``20:00`` stay strings: YAML 1.1 would read them as base-60
integers (1200), which no author means.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


class LineMapping(dict):
    """A YAML mapping; ``line`` is where it starts, ``key_lines[key]`` where each key is."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        """The line of ``key``, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A YAML sequence; ``item_lines[i]`` is the line of item ``i``."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one template file, with what to write instead."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source} line {self.line}: {self.message}"


class _Loader(yaml.SafeLoader):
    """SafeLoader with plain decimal integers only and no floats (see the module note)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT_TAG, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineMapping:
    loader.flatten_mapping(node)
    mapping = LineMapping(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int | bool):
            raise _DuplicateOrBadKey(line, "a key must be a plain word; write key: value")
        if key in mapping:
            raise _DuplicateOrBadKey(
                line, f"key {key!r} appears twice in this mapping; keep one of them"
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    items = LineList(node.start_mark.line + 1)
    for child in node.value:
        items.append(loader.construct_object(child, deep=True))
        items.item_lines.append(child.start_mark.line + 1)
    return items


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _DuplicateOrBadKey(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_yaml(path: Path, source: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file with line numbers.

    :param path: the file to read.
    :param source: how errors name the file (``sop_templates/wealth_salon.yaml``).
    :return: the document (``None`` when unreadable) and the problems found.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(source, 1, f"not UTF-8 ({error.reason}); save the file as UTF-8")]
    try:
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 (a SafeLoader subclass)
    except _DuplicateOrBadKey as error:
        return None, [Problem(source, error.line, error.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = error.problem or "invalid YAML"
        return None, [
            Problem(source, line, f"YAML syntax: {what}; check the indentation and quotes")
        ]
    except yaml.YAMLError as error:
        return None, [Problem(source, 1, f"YAML syntax: {error}")]


@dataclass
class StepContext:
    """What a step is checked against, and where its problems go."""

    source: str
    template: str
    roles: list[str]
    library: set[str]
    problems: list[Problem] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))


def suggest(word: Any, choices: tuple[str, ...] | list[str]) -> str:
    """``; did you mean 'x'?`` when a near choice exists, else the list of choices."""
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "write one of " + ", ".join(choices)


def whole_number(value: Any, minimum: int, maximum: int | None = None) -> int | None:
    """``value`` when it is an int within bounds (``True`` is not a number here), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value < minimum or (maximum is not None and value > maximum):
        return None
    return value
