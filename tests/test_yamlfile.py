"""YAML with line numbers (digest/yamlfile.py): every problem names the file, line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from digest.errors import ConfigError, FileError
from digest.yamlfile import (
    FieldReader,
    FlowList,
    YamlDoc,
    describe,
    dump_yaml,
    format_keypath,
    load_yaml,
    shorten,
)


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "file.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> FileError:
    with pytest.raises(FileError) as refused:
        load_yaml(path)
    return refused.value


def test_values_keep_the_line_and_column_where_they_start(tmp_path: Path) -> None:
    doc = load_yaml(write(tmp_path, "title: Week 1\nitems:\n  - name: a\n    tags: [x, y]\n"))
    assert doc.data == {"title": "Week 1", "items": [{"name": "a", "tags": ["x", "y"]}]}
    assert doc.marks[("title",)] == (1, 8)
    assert doc.marks[("items", 0, "name")] == (3, 11)
    assert doc.marks[("items", 0, "tags", 1)] == (4, 15)
    assert doc.where(("items", 0, "tags", 1)) == (4, 15)
    assert doc.where(("items", 0, "missing", "deeper")) == (3, 5)  # nearest ancestor


def test_an_empty_file_is_none_with_no_position(tmp_path: Path) -> None:
    doc = load_yaml(write(tmp_path, "# nothing yet\n"))
    assert doc.data is None and doc.where(("anything",)) == (None, None)


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    assert load_yaml(write(tmp_path, "\ufefftitle: x\n".encode())).data == {"title": "x"}


def test_a_missing_file_is_the_callers_error_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found"):
        load_yaml(tmp_path / "nope.yaml", ConfigError)


def test_text_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "a: 1\nb: caf\xe9\n".encode("latin-1")))
    assert (error.line, error.column) == (2, None)
    assert "is not UTF-8 text" in error.message and error.hint == "Save it as UTF-8."


def test_an_invisible_control_character_is_named_with_line_and_column(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "a: 1\nb: x\x07y\n"))
    assert (error.line, error.column) == (2, 5)
    assert "U+0007" in error.message


def test_a_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "a: 1\nb: [open\n"))
    assert error.message.startswith(f"{tmp_path / 'file.yaml'}:3:1: YAML syntax error")
    assert error.hint is not None and "indentation" in error.hint


def test_a_key_given_twice_is_refused_at_its_second_line(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "title: a\nnumber: 1\ntitle: b\n"))
    assert error.line == 3 and "the key 'title' appears twice" in error.message


def test_a_key_that_is_a_list_is_refused(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "a: 1\n? [x, y]\n: 2\n"))
    assert error.line == 2 and "a key must be a plain word" in error.message


def test_numbers_and_booleans_as_keys_become_text(tmp_path: Path) -> None:
    assert load_yaml(write(tmp_path, "1: a\ntrue: b\n")).data == {"1": "a", "True": "b"}


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    error = refusal(write(tmp_path, "\n".join(lines) + "\n"))
    assert "too many values" in error.message


def test_dump_writes_what_load_reads_in_the_given_order(tmp_path: Path) -> None:
    data: dict[str, Any] = {
        "title": "四川 Miners",
        "date": dt.date(2021, 7, 15),
        "countries": FlowList(["CN", "HK"]),
        "summary": "First line.\nSecond line.\n",
    }
    text = dump_yaml(data)
    assert text.splitlines()[:3] == [
        "title: 四川 Miners",
        "date: 2021-07-15",
        "countries: [CN, HK]",
    ]
    assert "summary: |\n  First line.\n  Second line.\n" in text
    assert load_yaml(write(tmp_path, text)).data == data
    assert yaml.safe_load(text) == data


@pytest.mark.parametrize(
    ("keypath", "shown"),
    [
        ((), "(top level)"),
        (("feeds",), "feeds"),
        (("feeds", 2, "url"), "feeds[2].url"),
        ((0, "a"), "[0].a"),
    ],
)
def test_format_keypath(keypath: tuple[str | int, ...], shown: str) -> None:
    assert format_keypath(keypath) == shown


@pytest.mark.parametrize(
    ("value", "described"),
    [
        (None, "nothing"),
        ("abc", "text 'abc'"),
        (True, "true/false"),
        (3, "the number 3"),
        (2.5, "the number 2.5"),
        (dt.date(2021, 7, 15), "the date 2021-07-15"),
        ({"a": 1}, "a mapping"),
        ([1], "a list"),
        (b"x", "bytes"),
    ],
)
def test_describe_says_what_a_wrong_value_is(value: object, described: str) -> None:
    assert describe(value) == described


def test_shorten_collapses_space_and_cuts_with_an_ellipsis() -> None:
    assert shorten("a  b\n c") == "a b c"
    assert shorten("x" * 50, limit=10) == "x" * 9 + "…"


def field_reader(tmp_path: Path, text: str) -> tuple[FieldReader, YamlDoc]:
    doc = load_yaml(write(tmp_path, text))
    return FieldReader(doc, ConfigError), doc


def test_field_reader_points_at_the_wrong_value(tmp_path: Path) -> None:
    reader, doc = field_reader(tmp_path, "feeds:\n  - name: a\n  - just text\n")
    with pytest.raises(ConfigError) as refused:
        reader.each(doc.data["feeds"], ("feeds",), lambda item, _: item["name"])
    error = refused.value
    assert (error.line, error.column) == (3, 5)
    assert "feeds[1]: expected a mapping of keys, got text 'just text'" in error.message


def test_field_reader_names_an_unknown_key_and_the_known_ones(tmp_path: Path) -> None:
    reader, doc = field_reader(tmp_path, "newsletter:\n  name: X\n  colour: blue\n")
    with pytest.raises(ConfigError) as refused:
        reader.known_keys(doc.data["newsletter"], ("newsletter",), {"name", "url"})
    assert refused.value.line == 3
    assert "newsletter.colour: unknown key 'colour'" in refused.value.message
    assert refused.value.hint == "Known keys: name, url."


def test_field_reader_reads_each_mapping_of_a_list(tmp_path: Path) -> None:
    reader, doc = field_reader(tmp_path, "feeds:\n  - name: a\n  - name: b\n")
    read = reader.each(doc.data["feeds"], ("feeds",), lambda item, path: (item["name"], path))
    assert read == [("a", ("feeds", 0)), ("b", ("feeds", 1))]
    with pytest.raises(ConfigError, match="feeds: expected a list, got a mapping"):
        reader.each({"name": "a"}, ("feeds",), lambda item, path: item)
