from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import load_config
from digest.errors import ConfigError


def write(root: Path, text: str) -> Path:
    (root / "feeds.yaml").write_text(text, encoding="utf-8")
    return root


def test_defaults_from_design(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "newsletter: {name: Test}\nfeeds: []\n"))
    assert config.fetch.workers == 16
    assert config.fetch.timeout == 20
    assert config.fetch.max_bytes == 15_000_000
    assert config.email.subject == "{name} #{number}: {title}"
    assert "CN" in config.taxonomy.countries and "mining" in config.taxonomy.topics


def test_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "newsletter:\n  name: [unclosed\nfeeds: []\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "feeds.yaml:" in str(info.value) and info.value.line is not None


def test_unknown_country_on_a_feed_names_the_field(tmp_path: Path) -> None:
    write(tmp_path, "feeds:\n  - name: a\n    url: https://example.org/feed\n    country: XX\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.line == 4
    assert "feeds[0].country" in str(info.value)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    write(tmp_path, "fetch:\n  workers: many\n")
    with pytest.raises(ConfigError, match=r"fetch\.workers: expected a whole number"):
        load_config(tmp_path)


def test_unsubscribe_defaults_to_mailto_from(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "email:\n  from: Coco <coco@example.org>\n"))
    assert config.email.list_unsubscribe == "mailto:coco@example.org?subject=unsubscribe"


def test_taxonomy_additions_merge(tmp_path: Path) -> None:
    text = (
        "countries:\n  MN: {name: Mongolia, aliases: [Ulaanbaatar]}\n  CN: {aliases: [Chengdu]}\n"
    )
    config = load_config(write(tmp_path, text))
    assert config.taxonomy.countries["MN"].name == "Mongolia"
    assert "Chengdu" in config.taxonomy.countries["CN"].aliases
    assert config.taxonomy.countries["CN"].name == "China"


def test_relevance_additions_join_the_built_in_lists(tmp_path: Path) -> None:
    text = "relevance:\n  terms: [Kaspa, zkSync]\n  ignore: [bitcoin bowl]\n"
    config = load_config(write(tmp_path, text))
    assert {"Kaspa", "zkSync", "bitcoin", "stablecoin"} <= set(config.taxonomy.relevance)
    assert {"bitcoin bowl", "exchange rate"} <= set(config.taxonomy.ignore)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("relevance:\n  terms: {Kaspa: 1}\n", r"relevance\.terms: expected a list of words", 2),
        ("relevance:\n  words: [Kaspa]\n", r"relevance\.words: unknown key 'words'", 2),
        ("relevance: [Kaspa]\n", r"relevance: expected a mapping", 1),
    ],
)
def test_bad_relevance_additions_are_named(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, text))
    assert info.value.line == line
