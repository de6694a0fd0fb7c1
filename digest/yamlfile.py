"""YAML in and out, keeping line numbers so errors can point at the editor's line."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml

from digest.errors import FileError

KeyPath = tuple[str | int, ...]
T = TypeVar("T")

# A document with more nodes than this is refused: it guards against alias bombs.
MAX_NODES = 200_000


# libyaml's parser when PyYAML was built with it: several times faster on large files.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


@dataclass(frozen=True)
class YamlDoc:
    """Parsed YAML plus the (line, column) where each value starts, both 1-based."""

    path: Path
    data: Any
    marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, keypath: KeyPath) -> tuple[int | None, int | None]:
        """The position of keypath, or of its nearest ancestor that has one."""
        path = tuple(keypath)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))


def format_keypath(keypath: KeyPath) -> str:
    out = ""
    for part in keypath:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_yaml(path: Path, error: type[FileError] = FileError) -> YamlDoc:
    """Read a YAML file; any problem becomes `error` naming the file, line and column."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(path, "file not found") from None
    except OSError as exc:
        raise error(path, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, "is not UTF-8 text", line=line, hint="Save it as UTF-8.") from None
    _refuse_control_characters(text, path, error)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        marks: dict[KeyPath, tuple[int, int]] = {}
        budget = [MAX_NODES]
        data = _build(loader, node, (), marks, budget, path, error) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(
            path,
            f"YAML syntax error: {problem}",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="Check the indentation and quoting on that line.",
        ) from None
    except yaml.YAMLError as exc:
        raise error(path, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return YamlDoc(path=path, data=data, marks=marks)


# What YAML 1.1 calls printable; anything else (a stray BEL, an ESC) is refused by the reader,
# and libyaml's reader says so only as a bare error with no position.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _refuse_control_characters(text: str, path: Path, error: type[FileError]) -> None:
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return
    position = found.start()
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    raise error(
        path,
        f"YAML does not allow the control character U+{ord(found.group()):04X}",
        line=line,
        column=column,
        hint="Delete it; it is invisible in most editors.",
    )


def _build(
    loader: _Loader,
    node: yaml.Node,
    keypath: KeyPath,
    marks: dict[KeyPath, tuple[int, int]],
    budget: list[int],
    path: Path,
    error: type[FileError],
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise error(path, "too many values (aliases nested too deep?)")
    marks[keypath] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node, keypath, path, error)
            if not isinstance(key, str | int | float | bool) and key is not None:
                line = key_node.start_mark.line + 1
                raise error(path, "a key must be a plain word", line=line)
            key = str(key)
            if key in out:
                line = key_node.start_mark.line + 1
                raise error(path, f"the key '{key}' appears twice", line=line)
            out[key] = _build(loader, value_node, (*keypath, key), marks, budget, path, error)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, child, (*keypath, i), marks, budget, path, error)
            for i, child in enumerate(node.value)
        ]
    return _scalar(loader, node, keypath, path, error)


def _scalar(
    loader: _Loader, node: yaml.Node, keypath: KeyPath, path: Path, error: type[FileError]
) -> Any:
    """The value of a plain node; one YAML cannot construct (2026-02-30) names its line."""
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise error(
                path,
                f"{format_keypath(keypath)}: {node.value} is not a date on the calendar",
                line=line,
                column=column,
                hint="Check the day and the month (YYYY-MM-DD).",
            ) from None
        value = shorten(str(node.value))
        raise error(
            path, f"{format_keypath(keypath)}: cannot read '{value}'", line=line, column=column
        ) from None


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


class FlowList(list[Any]):
    """A short list dump_yaml writes on one line: countries: [CN, HK]."""


def _represent_flow_list(dumper: yaml.SafeDumper, value: FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(FlowList, _represent_flow_list)


def dump_yaml(data: Any) -> str:
    """YAML an editor can read: keys in the given order, multi-line text as blocks."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)


class FieldReader:
    """Reads typed values out of a YamlDoc; a wrong value fails with file, line and field path."""

    def __init__(self, doc: YamlDoc, error: type[FileError]) -> None:
        self.doc = doc
        self.error = error

    def fail(self, keypath: KeyPath, message: str, hint: str | None = None) -> NoReturn:
        line, column = self.doc.where(keypath)
        raise self.error(
            self.doc.path,
            f"{format_keypath(keypath)}: {message}",
            line=line,
            column=column,
            hint=hint,
        )

    def mapping(self, value: Any, keypath: KeyPath) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(keypath, f"expected a mapping of keys, got {describe(value)}")
        return value

    def known_keys(self, value: dict[str, Any], keypath: KeyPath, known: set[str]) -> None:
        for key in value:
            if key not in known:
                hint = f"Known keys: {', '.join(sorted(known))}."
                self.fail((*keypath, key), f"unknown key '{key}'", hint)

    def each(
        self, items: Any, keypath: KeyPath, read: Callable[[dict[str, Any], KeyPath], T]
    ) -> list[T]:
        if not isinstance(items, list):
            self.fail(keypath, f"expected a list, got {describe(items)}")
        return [
            read(self.mapping(item, (*keypath, i)), (*keypath, i)) for i, item in enumerate(items)
        ]


def describe(value: Any) -> str:
    """What a wrong value is, for an error message: "text 'abc'", "a list", "nothing"."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"text '{shorten(value)}'"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else type(value).__name__


def shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
