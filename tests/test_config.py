from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest.commands.init import STARTER_FEEDS, create_newsletter
from digest.config import load_config
from digest.configkeys import Section
from digest.configschema import SCHEMA, config_template, default_of
from digest.errors import ConfigError
from digest.models import Config, DirDeploy, GitDeploy
from digest.taxonomy import builtin_taxonomy
from digest.yamlfile import dump_yaml


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


# ---------------------------------------------------------------- the schema's defaults

DEFAULTS: dict[str, Any] = {
    "newsletter.name": "My Newsletter",
    "newsletter.author": "",
    "newsletter.tagline": "",
    "newsletter.url": "",
    "newsletter.contact": "",
    "newsletter.language": "en",
    "newsletter.page_size": "A4",
    "newsletter.group_by": "country",
    "newsletter.about": "",
    "newsletter.section_order": (),
    "newsletter.remote_image_hosts": (),
    "fetch.timeout": 20.0,
    "fetch.workers": 16,
    "fetch.max_bytes": 15_000_000,
    "fetch.max_redirects": 5,
    "fetch.allow_private": False,
    "email.host": "localhost",
    "email.security": "starttls",
    "email.port": 587,
    "email.from": "",
    "email.reply_to": "",
    "email.list_unsubscribe": "",
    "email.unsubscribe_url": "",
    "email.pdf": "attach",
    "email.subject": "{name} #{number}: {title}",
    "email.timeout": 30.0,
    "deploy": None,
    "feeds": (),
    "countries": builtin_taxonomy().countries,
    "topics": builtin_taxonomy().topics,
    "relevance.terms": tuple(dict.fromkeys(builtin_taxonomy().relevance)),
    "relevance.ignore": tuple(dict.fromkeys(builtin_taxonomy().ignore)),
    "stories.threshold": 0.45,
}


def schema_keys() -> list[str]:
    keys = []
    for option in SCHEMA.options:
        if isinstance(option, Section):
            keys += [f"{option.key}.{sub.key}" for sub in option.options]
        else:
            keys.append(option.key)
    return keys


def setting(config: Config, key: str) -> Any:
    """The value in Config that a key of feeds.yaml sets."""
    section, _, name = key.partition(".")
    if section in ("countries", "topics"):
        return getattr(config.taxonomy, section)
    if section == "relevance":
        return getattr(config.taxonomy, "relevance" if name == "terms" else "ignore")
    if section == "stories":
        return config.story_threshold
    if not name:
        return getattr(config, section)
    group = getattr(config, section)
    option = next(o for o in SCHEMA.options if o.key == section)
    assert isinstance(option, Section)
    return getattr(group, next(o.attr for o in option.options if o.key == name))


def test_every_schema_key_has_a_tested_default() -> None:
    assert schema_keys() == list(DEFAULTS)


@pytest.mark.parametrize("key", list(DEFAULTS))
def test_an_empty_feeds_yaml_gives_every_default(tmp_path: Path, key: str) -> None:
    config = load_config(write(tmp_path, ""))
    assert setting(config, key) == DEFAULTS[key]


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("ssl", 465), ("none", 25)])
def test_the_default_port_follows_security(tmp_path: Path, security: str, port: int) -> None:
    config = load_config(write(tmp_path, f"email: {{security: {security}}}\n"))
    assert config.email.port == port


@pytest.mark.parametrize(
    ("text", "deploy"),
    [
        ("deploy: {branch: main}\n", GitDeploy(branch="main", remote="origin")),
        ("deploy: {branch: gh-pages, remote: up}\n", GitDeploy(branch="gh-pages", remote="up")),
        ("deploy: {dir: /var/www/news}\n", DirDeploy(dir=Path("/var/www/news"))),
        ("deploy:\n", None),
    ],
)
def test_deploy_is_a_branch_or_a_folder(tmp_path: Path, text: str, deploy: object) -> None:
    assert load_config(write(tmp_path, text)).deploy == deploy


def test_email_pdf_and_unsubscribe_url_are_read(tmp_path: Path) -> None:
    text = "email:\n  pdf: link\n  unsubscribe_url: https://example.org/unsubscribe\n"
    email = load_config(write(tmp_path, text)).email
    assert (email.pdf, email.unsubscribe_url) == ("link", "https://example.org/unsubscribe")


# ---------------------------------------------------------------- each kind of check


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("newsletter:\n  author: [a, b]\n", r"newsletter\.author: expected text, got a list", 2),
        ("newsletter:\n  page_size: B5\n", r"page_size: 'B5' is not one of: A4, Letter", 2),
        ("email:\n\n  pdf: inline\n", r"email\.pdf: 'inline' is not one of: attach, link, none", 3),
        ("newsletter:\n  url: ftp://x.org\n", r"url: must start with http:// or https://", 2),
        ("email:\n  unsubscribe_url: http://x.org/u\n", r"url: must start with https://$", 2),
        ("fetch:\n  timeout: fast\n", r"fetch\.timeout: expected a number, got text 'fast'", 2),
        ("fetch:\n  timeout:\n", r"fetch\.timeout: expected a number, got nothing", 2),
        ("stories:\n  threshold: 2\n", r"threshold: 2 is out of range \(0\.0 to 1\.0\)", 2),
        ("fetch:\n  workers: 2.5\n", r"fetch\.workers: expected a whole number", 2),
        ("fetch:\n  max_bytes: 10\n", r"fetch\.max_bytes: must be at least 1024", 2),
        ("fetch:\n  allow_private: maybe\n", r"allow_private: expected true or false", 2),
        ("newsletter:\n  section_order: {a: 1}\n", r"section_order: expected a list of words", 2),
        ("email: [smtp]\n", r"email: expected a mapping of keys, got a list", 1),
        ("feeds: {a: 1}\n", r"feeds: expected a list, got a mapping", 1),
        ("feeds:\n  - url: https://a.org/f\n", r"feeds\[0\]\.name: every feed needs a name", 2),
        ("feeds:\n  - name: a\n", r"feeds\[0\]\.url: feed 'a' has no url", 2),
        ("countries:\n  cn: {}\n", r"countries\.cn: 'cn' is not a two-letter country code", 2),
        ("topics:\n  Big_Deals: {}\n", r"topics\.Big_Deals: 'Big_Deals' is not a topic slug", 2),
        ("deploy: {branch: a, dir: b}\n", r"deploy: expected \{branch, remote\} or \{dir\}", 1),
        ("deploy:\n  dir: ''\n", r"deploy\.dir: needs a folder", 2),
    ],
)
def test_a_wrong_value_names_file_line_and_key(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, text))
    assert str(info.value).startswith(f"{tmp_path / 'feeds.yaml'}:{line}:")
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("newsletter: {name: X}\ncolour: blue\n", "colour", 2),
        ("fetch:\n  workers: 2\n  speed: 3\n", r"fetch\.speed", 3),
        ("email:\n  pdf_mode: link\n", r"email\.pdf_mode", 2),
        ("deploy:\n  branch: a\n  remote: b\n  force: true\n", r"deploy\.force", 4),
        ("feeds:\n  - {name: a, url: 'https://a.org/f', colour: red}\n", r"feeds\[0\]\.colour", 2),
        ("countries:\n  MN: {name: Mongolia, capital: X}\n", r"countries\.MN\.capital", 2),
    ],
)
def test_unknown_keys_are_refused_by_name(tmp_path: Path, text: str, key: str, line: int) -> None:
    with pytest.raises(ConfigError, match=rf"{key}: ") as info:
        load_config(write(tmp_path, text))
    assert info.value.line == line
    assert "unknown key" in str(info.value)


def test_an_unknown_top_level_key_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "colour: blue\n"))
    assert info.value.hint == f"Known keys: {', '.join(sorted(o.key for o in SCHEMA.options))}."


# ---------------------------------------------------------------- the init template


def test_the_init_template_loads_as_a_file_with_only_its_feeds(tmp_path: Path) -> None:
    create_newsletter(tmp_path / "new")
    written = load_config(tmp_path / "new")
    feeds_only = load_config(write(tmp_path, dump_yaml({"feeds": STARTER_FEEDS})))
    assert written == replace(feeds_only, root=written.root, path=written.path)
    empty = load_config(write(tmp_path, ""))
    assert replace(written, feeds=()) == replace(empty, root=written.root, path=written.path)


def test_the_init_template_shows_every_key_with_its_help() -> None:
    template = config_template(STARTER_FEEDS)
    comments = " ".join(line.lstrip("# ") for line in template.splitlines() if "#" in line)
    for option in SCHEMA.options:
        assert re.search(rf"^(# )?{option.key}:", template, re.MULTILINE), option.key
        assert option.help in comments, option.key
        for sub in option.options if isinstance(option, Section) else ():
            first_words = re.escape(" ".join(sub.help.split()[:3]))
            assert re.search(rf"^  {sub.key}: .*# .*{first_words}", template, re.MULTILINE)
    assert "  max_bytes: 15000000 " in template and "  pdf: attach " in template


# ---------------------------------------------------------------- a newsletter needs its name


def with_an_issue(root: Path) -> Path:
    (root / "issues").mkdir()
    (root / "issues" / "1.yaml").write_text("number: 1\ndate: 2021-07-01\ntitle: One\n", "utf-8")
    return root


@pytest.mark.parametrize(
    ("text", "line"),
    [("", None), ("feeds: []\n", 1), ("newsletter:\n  author: Coco\n", 2), ("newsletter:\n", 1)],
)
def test_a_nameless_newsletter_with_issues_is_refused(
    tmp_path: Path, text: str, line: int | None
) -> None:
    write(with_an_issue(tmp_path), text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(str(tmp_path / "feeds.yaml"))
    assert "newsletter.name" in str(info.value) and "Atom ids" in str(info.value)
    assert info.value.line == line and info.value.exit_code == 2


def test_a_new_folder_without_issues_takes_the_default_name(tmp_path: Path) -> None:
    (tmp_path / "issues").mkdir()
    assert load_config(write(tmp_path, "")).newsletter.name == "My Newsletter"


def test_a_named_newsletter_with_issues_loads(tmp_path: Path) -> None:
    write(with_an_issue(tmp_path), "newsletter: {name: Blockchain Asia}\n")
    assert load_config(tmp_path).newsletter.name == "Blockchain Asia"


def test_a_default_can_be_asked_for_by_key() -> None:
    assert default_of("fetch.max_bytes") == 15_000_000
    assert default_of("email.port") == 587
    assert default_of("stories.threshold") == 0.45
