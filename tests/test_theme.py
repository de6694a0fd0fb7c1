"""The theme (digest/theme.py): the newsletter's own files over the built-in ones, templates
that escape and fail loudly, and errors that name the template."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.newsletter import copy_newsletter

from digest.config import load_config
from digest.errors import TemplateError
from digest.models import Config
from digest.theme import (
    breakable_slashes,
    builtin_theme_dir,
    environment,
    render_template,
    site_assets,
    theme_dirs,
    theme_files,
    theme_hash,
)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A newsletter without a templates/ folder of its own: the built-in theme alone."""
    return load_config(copy_newsletter(tmp_path))


def own_file(config: Config, name: str, text: str) -> Path:
    path = config.templates_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_templates_folder_the_built_in_theme_is_used(config: Config) -> None:
    assert theme_dirs(config) == (builtin_theme_dir(),)
    files = theme_files(config)
    assert {"base.html", "issue.html", "issue.md", "style.css", "print.css"} <= set(files)
    assert all(path.parent == builtin_theme_dir() for path in files.values())


def test_a_file_of_the_newsletters_own_replaces_the_built_in_one_only(config: Config) -> None:
    style = own_file(config, "style.css", "body { color: teal }\n")
    own_file(config, "images/logo.svg", "<svg/>")
    own_file(config, ".style.css.swp", "editor junk")
    assert theme_dirs(config) == (config.templates_dir, builtin_theme_dir())
    files = theme_files(config)
    assert files["style.css"] == style
    assert files["images/logo.svg"] == config.templates_dir / "images" / "logo.svg"
    assert files["base.html"] == builtin_theme_dir() / "base.html"
    assert not any(name.endswith(".swp") for name in files)
    assert list(files) == sorted(files)


def test_site_assets_are_the_static_files_but_the_print_stylesheet(config: Config) -> None:
    own_file(config, "images/logo.svg", "<svg/>")
    assets = site_assets(config)
    assert "style.css" in assets and "images/logo.svg" in assets
    assert "print.css" not in assets
    assert not any(name.endswith((".html", ".md", ".xml", ".txt")) for name in assets)


def test_the_theme_hash_follows_every_name_and_byte(config: Config) -> None:
    before = theme_hash(config)
    assert theme_hash(config) == before
    own_file(config, "style.css", (builtin_theme_dir() / "style.css").read_text("utf-8"))
    assert theme_hash(config) == before  # the same bytes under the same name
    own_file(config, "style.css", "body { color: teal }\n")
    changed = theme_hash(config)
    assert changed != before
    own_file(config, "extra.css", "")
    assert theme_hash(config) != changed


def test_html_is_escaped_and_text_templates_are_not(config: Config) -> None:
    own_file(config, "page.html", "<p>{{ title }}</p>")
    own_file(config, "page.md", "# {{ title }}")
    env = environment(config)
    title = "<script>alert(1)</script> & co"
    assert render_template(env, "page.html", title=title) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>"
    )
    assert render_template(env, "page.md", title=title) == f"# {title}"


def test_an_environment_is_shared_until_a_theme_file_changes(config: Config) -> None:
    own_file(config, "page.html", "<p>one</p>")
    env = environment(config)
    assert render_template(env, "page.html") == "<p>one</p>"
    assert environment(load_config(config.root)) is env  # the settings loaded again
    own_file(config, "page.html", "<p>two</p>")  # same size, maybe the same mtime
    assert render_template(environment(config), "page.html") == "<p>two</p>"
    own_file(config, "other.html", "<p>new</p>")
    assert render_template(environment(config), "other.html") == "<p>new</p>"


def test_extra_filters_are_offered_to_templates(config: Config) -> None:
    own_file(config, "page.txt", "{{ name | shout }} {{ path | breakable_slashes }}")
    env = environment(config, {"shout": lambda text: str(text).upper()})
    assert render_template(env, "page.txt", name="ann", path="a/b") == "ANN a/<wbr>b"


def test_an_undefined_name_names_the_template(config: Config) -> None:
    own_file(config, "page.html", "<p>{{ titel }}</p>")
    undefined = r"template page\.html: 'titel' is undefined"
    with pytest.raises(TemplateError, match=undefined) as refused:
        render_template(environment(config), "page.html", title="x")
    assert refused.value.hint is not None and "does not provide" in refused.value.hint


def test_a_syntax_error_names_the_file_and_line(config: Config) -> None:
    path = own_file(config, "page.html", "<p>\n{{ title }\n</p>\n")
    with pytest.raises(TemplateError) as refused:
        render_template(environment(config), "page.html", title="x")
    assert refused.value.message.startswith(f"{path}:2: template syntax error")


def test_a_missing_template_names_where_it_was_looked_for(config: Config) -> None:
    own_file(config, "style.css", "")
    with pytest.raises(TemplateError, match=r"template nope\.html not found in ") as refused:
        render_template(environment(config), "nope.html")
    assert str(config.templates_dir) in refused.value.message
    assert str(builtin_theme_dir()) in refused.value.message


def test_an_error_raised_inside_a_template_names_it(config: Config) -> None:
    own_file(config, "page.txt", "{{ items | first }}")
    with pytest.raises(TemplateError, match=r"template page\.txt: No first item"):
        render_template(environment(config), "page.txt", items=[])


def test_breakable_slashes_escapes_first() -> None:
    assert (
        str(breakable_slashes("Sichuan/<b>BIT</b>")) == "Sichuan/<wbr>&lt;b&gt;BIT&lt;/<wbr>b&gt;"
    )
