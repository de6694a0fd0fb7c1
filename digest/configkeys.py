"""The kinds of key feeds.yaml is made of: text, URLs, numbers, flags, word lists, sections,
lists and maps of entries, a choice of shapes. Each knows its check, its default and its help;
the schema (digest/configschema.py) is built from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from digest.errors import ConfigError
from digest.yamlfile import FieldReader, KeyPath, YamlDoc, describe

Values = dict[str, Any]  # the checked values of one mapping, by key, in schema order
# A default: a YAML value, or a function of the values read before it in the same mapping.
Default = Any


class Reader(FieldReader):
    """Fails with feeds.yaml's name, the line and the key path."""

    def __init__(self, doc: YamlDoc) -> None:
        super().__init__(doc, ConfigError)


class Option:
    """One key: what its value must be (check), what it is when absent (default), and help."""

    # A key written with no value (`key:`) takes its default, except where noted.
    blank_is_default = True

    def __init__(self, key: str, help: str, default: Default = None, *, attr: str = "") -> None:
        self.key = key
        self.help = help
        self.default = default
        self.attr = attr or key  # the dataclass field, when it differs from the key

    def default_value(self, before: Values) -> Any:
        return self.default(before) if callable(self.default) else self.default

    def is_blank(self, value: Any) -> bool:
        return self.blank_is_default and value is None

    def read(
        self, reader: Reader, data: Mapping[str, Any], keypath: KeyPath, before: Values
    ) -> Any:
        value = data.get(self.key)
        if self.key not in data or self.is_blank(value):
            value = self.default_value(before)
        return self.check(reader, value, (*keypath, self.key))

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        raise NotImplementedError


class Text(Option):
    """Text (a number is taken as its digits), optionally one of a few choices."""

    def __init__(
        self,
        key: str,
        help: str,
        default: Default = "",
        *,
        choices: tuple[str, ...] = (),
        convert: Callable[[str], Any] | None = None,
        required: str = "",  # the message when it is empty
        attr: str = "",
    ) -> None:
        super().__init__(key, help, choices[0] if choices else default, attr=attr)
        self.choices = choices
        self.convert = convert
        self.required = required

    def is_blank(self, value: Any) -> bool:
        # An empty value takes a default worked out from other keys (email.list_unsubscribe).
        return super().is_blank(value) or (value == "" and callable(self.default))

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            reader.fail(keypath, f"expected text, got {describe(value)}")
        text = str(value)
        if self.choices and text not in self.choices:
            reader.fail(keypath, f"'{text}' is not one of: {', '.join(self.choices)}")
        if self.required and not text.strip():
            reader.fail(keypath, self.required)
        return self.convert(text) if self.convert else text


class Url(Text):
    """An absolute URL with one of the given schemes, or empty."""

    def __init__(
        self,
        key: str,
        help: str,
        *,
        schemes: tuple[str, ...] = ("http", "https"),
        convert: Callable[[str], Any] | None = None,
    ) -> None:
        super().__init__(key, help, convert=convert)
        self.prefixes = tuple(f"{scheme}://" for scheme in schemes)

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        url = super().check(reader, value, keypath)
        if url and not url.startswith(self.prefixes):
            reader.fail(keypath, f"must start with {' or '.join(self.prefixes)}")
        return url


class Number(Option):
    blank_is_default = False

    def __init__(self, key: str, help: str, default: float, *, low: float, high: float) -> None:
        super().__init__(key, help, default)
        self.low = low
        self.high = high

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            reader.fail(keypath, f"expected a number, got {describe(value)}")
        if not self.low <= value <= self.high:
            reader.fail(keypath, f"{value} is out of range ({self.low} to {self.high})")
        return float(value)


class Whole(Option):
    blank_is_default = False

    def __init__(self, key: str, help: str, default: Default, *, low: int = 1) -> None:
        super().__init__(key, help, default)
        self.low = low

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            reader.fail(keypath, f"expected a whole number, got {describe(value)}")
        if value < self.low:
            reader.fail(keypath, f"must be at least {self.low}")
        return value


class Flag(Option):
    blank_is_default = False

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> bool:
        if not isinstance(value, bool):
            reader.fail(keypath, f"expected true or false, got {describe(value)}")
        return value


class Words(Option):
    """A list of words or phrases; a single one may be written without the brackets."""

    def __init__(self, key: str, help: str) -> None:
        super().__init__(key, help, [])

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> tuple[str, ...]:
        words = [value] if isinstance(value, str) else value or []
        if not isinstance(words, list) or not all(isinstance(w, str | int) for w in words):
            reader.fail(keypath, "expected a list of words")
        return tuple(str(w) for w in words)


Finish = Callable[[Reader, Values, KeyPath], None]


class Section(Option):
    """A mapping of known keys; builds `build` from their values (or returns the values)."""

    def __init__(
        self,
        key: str,
        help: str,
        options: tuple[Option, ...],
        *,
        build: Callable[..., Any] | None = None,
        finish: Finish | None = None,  # checks that look at several keys at once
    ) -> None:
        super().__init__(key, help, {})
        self.options = options
        self.build = build
        self.finish = finish

    @property
    def keys(self) -> set[str]:
        return {option.key for option in self.options}

    def values(self, reader: Reader, value: Any, keypath: KeyPath) -> Values:
        data = reader.mapping(value or {}, keypath)
        reader.known_keys(data, keypath, self.keys)
        values: Values = {}
        for option in self.options:
            values[option.key] = option.read(reader, data, keypath, values)
        if self.finish:
            self.finish(reader, values, keypath)
        return values

    def fields(self, values: Values) -> dict[str, Any]:
        return {option.attr: values[option.key] for option in self.options}

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        values = self.values(reader, value, keypath)
        return self.build(**self.fields(values)) if self.build else values


class ListOf(Option):
    """A list of mappings of one shape."""

    def __init__(
        self,
        key: str,
        help: str,
        entry: Section,
        *,
        finish: Callable[[Reader, list[Values], KeyPath], None] | None = None,
    ) -> None:
        super().__init__(key, help, [])
        self.entry = entry
        self.finish = finish

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> tuple[Any, ...]:
        entries = reader.each(
            value or [], keypath, lambda data, k: self.entry.values(reader, data, k)
        )
        if self.finish:
            self.finish(reader, entries, keypath)
        build = self.entry.build or dict
        return tuple(build(**self.entry.fields(values)) for values in entries)


class MapOf(Option):
    """A mapping from names the editor chooses (country codes, topic slugs) to entries."""

    def __init__(
        self,
        key: str,
        help: str,
        entry: Section,
        *,
        name_field: str,  # the entry's field that holds its name
        name_check: Callable[[str], bool],
        name_problem: str,  # the message for a bad name, with {} for the name
        example: str,
    ) -> None:
        super().__init__(key, help, {})
        self.entry = entry
        self.name_field = name_field
        self.name_check = name_check
        self.name_problem = name_problem
        self.example = example  # one entry, for the commented template

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> dict[str, Any]:
        data = reader.mapping(value or {}, keypath)
        out: dict[str, Any] = {}
        build = self.entry.build or dict
        for name, raw in data.items():
            k = (*keypath, name)
            if not self.name_check(name):
                reader.fail(k, self.name_problem.format(name))
            values = self.entry.values(reader, raw, k)
            out[name] = build(**{self.name_field: name}, **self.entry.fields(values))
        return out


class OneOf(Option):
    """A mapping in one of several shapes, told apart by its keys; nothing when absent."""

    def __init__(self, key: str, help: str, shapes: tuple[Section, ...], *, example: str) -> None:
        super().__init__(key, help, None)
        self.shapes = shapes
        self.example = example  # for the commented template

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        if value is None:
            return None
        data = reader.mapping(value, keypath)
        reader.known_keys(data, keypath, set().union(*(shape.keys for shape in self.shapes)))
        for shape in self.shapes:
            if data and set(data) <= shape.keys:
                return shape.check(reader, data, keypath)
        either = " or ".join("{" + ", ".join(o.key for o in s.options) + "}" for s in self.shapes)
        reader.fail(keypath, f"expected {either}", f"For example: {self.example}.")
