"""Layers: no module imports from a stage above its own.

The table below is the pipeline as the import graph sees it, lowest first. A module may import
from its own layer and any layer below; every import of the package is read (module level and
inside functions), so a lazy import cannot hide a dependency that runs the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "digest"

# (layer, the modules in it: a name covers its submodules, the longest name wins), lowest first.
# fmt: off
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # What every stage shares: the data (models), errors, atomic writes, the YAML reader, URL
    # and name rules, the taxonomy, the sanitizing allowlist, Markdown, the theme and what a
    # forked helper process does first (processes). sanitize
    # is a stage in the data flow (after parse) but a library to everything that touches
    # feed HTML, the parser included.
    ("shared", ("digest", "digest.models", "digest.errors", "digest.fsutil", "digest.yamlfile",
                "digest.urls", "digest.sanitize", "digest.taxonomy", "digest.names",
                "digest.markdown", "digest.theme", "digest.processes")),
    # Records the store keeps for mail: the send log's rows and the subscriber list.
    ("records", ("digest.sendlog", "digest.subscribers")),
    # feeds.yaml: the kinds of key, the schema, the loaded Config.
    ("config", ("digest.configkeys", "digest.configschema", "digest.config")),
    # Below fetch: fetch's parse workers parse each download as soon as it arrives.
    ("parse", ("digest.parse",)),
    # HTTP, conditional requests, the parse pool. Classifying beside the parsing is handed in
    # as a function (Client.classify), so fetch does not import classify.
    ("fetch", ("digest.fetch",)),
    ("classify", ("digest.classify",)),
    ("stories", ("digest.stories", "digest.crosslang")),
    # SQLite: items, tags, stories, feeds' states, the send log, subscribers.
    ("store", ("digest.store",)),
    # issues/N.yaml: draft writes it and render reads it, so its format sits below both; so
    # does what an issue needs before it is published.
    ("issuefile", ("digest.issuefile", "digest.publishable")),
    ("draft", ("digest.draft",)),
    ("render", ("digest.render",)),
    ("pdf", ("digest.pdf", "digest.pdffonts", "digest.printpage", "digest.fontqueries")),
    ("site", ("digest.site",)),
    # An issue's page, PDF and site pages written (or the whole site, or the preview). Below
    # mail: `digest send` attaches the built PDF, building it first when it is stale.
    ("build", ("digest.build",)),
    ("mail", ("digest.mail", "digest.mailtext", "digest.smtplink", "digest.addresses")),
    # Whole operations at the edges, each run by one command.
    ("operations", ("digest.refresh", "digest.importer", "digest.evaluate", "digest.deploy",
                    "digest.serve")),
    ("commands", ("digest.commands",)),
    ("cli", ("digest.cli", "digest.__main__")),
)
# fmt: on

# Imports that run upward on purpose: (importer, imported) -> why.
DELIBERATE = {
    ("digest.draft.io", "digest.build"): "an issue file that does not load is stood in for by "
    "its last build; where previews are built and how a broken file is reported are build's",
    ("digest.draft.io", "digest.site.cache"): "the last build of a broken issue file is read "
    "from the site's cache, whose format is site/'s",
}

RANK = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    """The longest table name that is the module or a package holding it."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if name in RANK:
            return name
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def imports_of(module: str) -> set[str]:
    """Every module of the package this one imports, anywhere in it."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from digest import classify` imports a module; `from digest import x` a name.
            found.update(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            )
    return {name for name in found if name in MODULES and name != module}


def test_every_module_has_a_layer() -> None:
    def placed(module: str) -> bool:
        parts = module.split(".")
        return any(".".join(parts[:end]) in RANK for end in range(len(parts), 0, -1))

    assert MODULES and [m for m in sorted(MODULES) if not placed(m)] == [], "add it to LAYERS"


def test_no_module_names_two_layers() -> None:
    names = [name for _, layer in LAYERS for name in layer]
    assert len(names) == len(set(names))
    assert all(name in MODULES for name in names), "a layer names a module that is gone"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_to_a_higher_layer(module: str) -> None:
    own = RANK[layer_of(module)]
    upward = [
        f"{module} ({layer_of(module)}) imports {imported} ({layer_of(imported)})"
        for imported in sorted(imports_of(module))
        if RANK[layer_of(imported)] > own and (module, imported) not in DELIBERATE
    ]
    assert upward == []


def test_each_deliberate_exception_is_still_an_import() -> None:
    for module, imported in DELIBERATE:
        assert imported in imports_of(module), f"{module} no longer imports {imported}"


def test_the_check_sees_lazy_imports() -> None:
    assert "digest.build" in imports_of("digest.mail.send")  # inside issue_pdf
    assert "digest.classify" in imports_of("digest.store.corrections")  # `from digest import`
