"""The theme: Jinja2 templates and static files, the newsletter's own over the built-in ones.

A file in the newsletter's templates/ folder replaces the built-in file of the same name;
everything it does not replace comes from the built-in theme (the repository's templates/
folder, shipped inside the package as digest/templates).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from digest.errors import TemplateError
from digest.models import Config

# Files of the theme that are rendered, not copied; the PDF and email use their own.
TEMPLATE_SUFFIXES = {".html", ".md", ".xml", ".txt", ".j2"}
NOT_SITE_ASSETS = {"print.css"}
ASSET_SUFFIXES = {".css", ".js", ".png", ".svg", ".ico", ".jpg", ".jpeg", ".webp", ".woff2"}


@cache
def builtin_theme_dir() -> Path:
    """digest/templates when installed from a wheel, else templates/ beside the package."""
    try:
        packaged = Path(str(resources.files("digest").joinpath("templates")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - namespace oddities
        packaged = Path(__file__).resolve().parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def theme_dirs(config: Config) -> tuple[Path, ...]:
    """Where theme files are looked up, first match wins: the newsletter's, then built-in."""
    builtin = builtin_theme_dir()
    own = config.templates_dir
    if own.is_dir() and own.resolve() != builtin.resolve():
        return (own, builtin)
    return (builtin,)


def theme_files(config: Config) -> dict[str, Path]:
    """Every file of the theme by name, after the newsletter's overrides."""
    found: dict[str, Path] = {}
    for folder in reversed(theme_dirs(config)):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))


def shows_intro(config: Config) -> bool:
    """Whether a template of the theme shows the issue's intro (then an empty one is a gap)."""
    return any(
        "issue.intro" in path.read_text("utf-8", errors="replace")
        for name, path in theme_files(config).items()
        if name.endswith((".html", ".txt", ".md"))
    )


def site_assets(config: Config) -> dict[str, Path]:
    """The static files the site needs under assets/ (stylesheets, images)."""
    return {
        name: path
        for name, path in theme_files(config).items()
        if path.suffix.lower() in ASSET_SUFFIXES and name not in NOT_SITE_ASSETS
    }


def theme_hash(config: Config) -> str:
    """Changes whenever any theme file's name or bytes change."""
    digest = hashlib.sha256()
    for name, path in theme_files(config).items():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def environment(
    config: Config, filters: dict[str, Callable[..., object]] | None = None
) -> jinja2.Environment:
    """A Jinja2 environment over the theme: autoescaped HTML and XML, undefined names fail.

    Without extra filters it is shared while the theme's files stay the same, so a process
    that builds again (the preview server) does not compile the same templates again.
    """
    folders = tuple(str(d) for d in theme_dirs(config))
    if filters:
        return _new_environment(folders, filters)
    return _shared_environment(folders, theme_hash(config))


@lru_cache(maxsize=4)
def _shared_environment(folders: tuple[str, ...], theme_key: str) -> jinja2.Environment:
    return _new_environment(folders)


def _new_environment(
    folders: tuple[str, ...], filters: dict[str, Callable[..., object]] | None = None
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=ThemeLoader(list(folders)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["breakable_slashes"] = breakable_slashes
    env.filters.update(filters or {})
    return env


def breakable_slashes(text: str) -> Markup:
    """Escaped text that may wrap after each slash ("Sichuan/BIT Mining/e-CNY" on a phone)."""
    return Markup(str(escape(text)).replace("/", "/<wbr>"))


def get_template(env: jinja2.Environment, name: str) -> jinja2.Template:
    """The named template; a syntax error in it becomes a TemplateError naming file and line."""
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(
            f"{where}:{exc.lineno}: template syntax error: {exc.message}",
            hint="Fix the template, or remove the newsletter's copy to use the built-in theme.",
        ) from None


def render_template(env: jinja2.Environment, name: str, /, **context: object) -> str:
    """Fill in a template; a mistake inside it is a TemplateError naming the template."""
    template = get_template(env, name)
    try:
        return template.render(**context)
    except TemplateError:
        raise
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"template {name}: {exc.message}",
            hint="The template uses a name the renderer does not provide.",
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {name}: {exc}") from None


class ThemeLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader whose missing-template error is the editor's to read."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            raise TemplateError(
                f"template {template} not found in {' or '.join(self.searchpath)}",
                hint="Restore it, or remove the newsletter's copy to use the built-in theme.",
            ) from None
