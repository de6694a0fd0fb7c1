"""The static site: every issue's page, Markdown and PDF, the front page, tag pages, the feed.

    site/index.html                     the latest issue and the archive, newest first
    site/issues/N/index.html            one issue, with N.md and <newsletter>-N.pdf beside it
    site/feed.xml                       Atom, absolute links from newsletter.url
    site/countries/CC/index.html        every item tagged with a country, across issues
    site/topics/SLUG/index.html         the same per topic
    site/assets/                        the theme's stylesheet

Incremental and safe: a manifest under the site keeps a hash of each output's inputs (the
issue file, the theme, the settings, the code), so an unchanged page is neither rendered nor
rewritten. Everything is rendered first, into memory and a staging folder beside the site;
only when all of it succeeded are files moved into place, each atomically. A build that fails
leaves the previous site as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from digest import __version__, theme
from digest.fsutil import atomic_write
from digest.issuefile import issue_numbers, issue_path, load_issue_file
from digest.models import (
    Config,
    Issue,
    IssueItem,
    Link,
    Section,
    TimelineEntry,
)
from digest.render import (
    PageLinks,
    absolute_issue_url,
    display_url,
    item_anchor,
    markdown_html,
    markdown_name,
    numbered_items,
    pdf_name,
    render_html,
    render_markdown,
    slugify,
    template_helpers,
)
from digest.sanitize import safe_url

MANIFEST = ".digest-build.json"
MANIFEST_FORMAT = 1
FEED_ENTRIES = 20
# The modules whose code shapes the output; a change to any of them rebuilds everything.
_CODE_FILES = ("issuefile.py", "models.py", "pdf.py", "render.py", "sanitize.py", "site.py",
               "theme.py")  # fmt: skip

PdfWriter = Callable[[Issue, Config, Path], None]


@dataclass(frozen=True)
class SiteResult:
    out: Path
    written: tuple[Path, ...]  # files created or replaced, in the order written
    unchanged: int  # outputs that were already up to date
    removed: tuple[Path, ...] = ()  # outputs of issues or tags that no longer exist
    issues: tuple[int, ...] = ()


@dataclass(frozen=True)
class TagEntry:
    """One item as a country or topic page lists it; hrefs relative to that page."""

    number: int  # the issue
    href: str  # the item on its issue's page
    title: str
    lang: str | None
    date: dt.date  # the item's date, else its issue's
    source: str
    source_url: str | None


@dataclass
class _Plan:
    """What this build will put where, filled while rendering; nothing is written yet."""

    out: Path
    staging: Path
    old: dict[str, Any]
    outputs: dict[str, dict[str, str | None]] = field(default_factory=dict)
    pending: dict[str, bytes | Path] = field(default_factory=dict)  # rel path -> bytes or staged
    unchanged: int = 0

    def fresh(self, rel: str, key: str) -> bool:
        """True (and recorded) when rel was built from these very inputs and is still there."""
        old = self.old.get("outputs", {}).get(rel)
        if old and old.get("key") == key and (self.out / rel).is_file():
            self.outputs[rel] = old
            self.unchanged += 1
            return True
        return False

    def put(self, rel: str, data: bytes, key: str | None = None) -> None:
        sha = hashlib.sha256(data).hexdigest()
        old = self.old.get("outputs", {}).get(rel)
        self.outputs[rel] = {"key": key, "sha": sha}
        if old and old.get("sha") == sha and (self.out / rel).is_file():
            self.unchanged += 1
            return
        self.pending[rel] = data

    def put_file(self, rel: str, staged: Path, key: str) -> None:
        sha = _file_sha(staged)
        old = self.old.get("outputs", {}).get(rel)
        self.outputs[rel] = {"key": key, "sha": sha}
        if old and old.get("sha") == sha and (self.out / rel).is_file():
            self.unchanged += 1
            return
        self.pending[rel] = staged

    def keep(self, rel: str) -> None:
        """An output this build does not remake (another issue's PDF) stays as it is."""
        old = self.old.get("outputs", {}).get(rel)
        self.outputs[rel] = old or {"key": None, "sha": None}


def build_site(
    config: Config,
    out: Path | None = None,
    *,
    pdf_for: Collection[int] | None = None,
    pdf_writer: PdfWriter | None = None,
) -> SiteResult:
    """Bring the site at out (default site/) up to date with every issue file.

    PDFs are made for the issues in pdf_for (every issue when None) and kept as they are for
    the others. pdf_writer defaults to digest.pdf.render_pdf.
    """
    out = (out or config.site_dir).resolve()
    old = _read_manifest(out)
    base = _base_key(config)
    issues, records = _load_issues(config, old, base)
    wanted_pdfs = set(issues) if pdf_for is None else set(pdf_for) & set(issues)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _staging_folder(out) as staging:
        plan = _Plan(out=out, staging=staging, old=old)
        env = theme.environment(config)
        _plan_assets(plan, config)
        _plan_issues(plan, config, env, issues, records, base, wanted_pdfs, pdf_writer)
        _plan_shared(plan, config, env, issues, records, base)
        manifest = {
            "format": MANIFEST_FORMAT,
            "base": base,
            "issues": records,
            "outputs": dict(sorted(plan.outputs.items())),
        }
        written = _commit(plan)
        removed = _remove_stale(out, old, plan.outputs)
        atomic_write(
            out / MANIFEST, json.dumps(manifest, sort_keys=True, separators=(",", ":")) + "\n"
        )
    return SiteResult(
        out=out,
        written=tuple(written),
        unchanged=plan.unchanged,
        removed=tuple(removed),
        issues=tuple(issues),
    )


# ---------------------------------------------------------------- inputs


def _base_key(config: Config) -> str:
    """What every output depends on: the code, the settings and the theme."""
    digest = hashlib.sha256(f"{MANIFEST_FORMAT}\0{__version__}\0".encode())
    here = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        path = here / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    settings = config.path if config.path is not None else config.root / "feeds.yaml"
    digest.update(settings.read_bytes() if settings.is_file() else repr(config).encode())
    digest.update(theme.theme_hash(config).encode())
    return digest.hexdigest()


def _load_issues(
    config: Config, old: dict[str, Any], base: str
) -> tuple[dict[int, Issue], dict[str, dict[str, Any]]]:
    """Every issue, read from its file only when the file changed since the last build."""
    cached: dict[str, Any] = old.get("issues", {}) if old.get("base") == base else {}
    issues: dict[int, Issue] = {}
    records: dict[str, dict[str, Any]] = {}
    for number in issue_numbers(config):
        path = issue_path(config, number)
        key = hashlib.sha256(path.read_bytes()).hexdigest()
        hit = cached.get(str(number))
        issue: Issue | None = None
        if hit and hit.get("key") == key:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                issue = issue_from_record(hit["record"], path)
        if issue is None:
            issue = load_issue_file(path, config.taxonomy)
        issues[number] = issue
        records[str(number)] = {"key": key, "record": issue_record(issue)}
    return issues, records


# ---------------------------------------------------------------- planning each output


def _plan_assets(plan: _Plan, config: Config) -> None:
    for name, path in theme.site_assets(config).items():
        plan.put(f"assets/{name}", path.read_bytes())


def _plan_issues(
    plan: _Plan,
    config: Config,
    env: Any,
    issues: dict[int, Issue],
    records: dict[str, dict[str, Any]],
    base: str,
    wanted_pdfs: set[int],
    pdf_writer: PdfWriter | None,
) -> None:
    numbers = sorted(issues)
    for index, number in enumerate(numbers):
        issue = issues[number]
        folder = f"issues/{number}"
        issue_key = _hash(base, records[str(number)]["key"])
        pdf_rel = f"{folder}/{pdf_name(config.newsletter, number)}"
        has_pdf = _plan_pdf(plan, config, issue, pdf_rel, issue_key, number in wanted_pdfs,
                            pdf_writer)  # fmt: skip
        md_rel = f"{folder}/{markdown_name(number)}"
        if not plan.fresh(md_rel, issue_key):
            plan.put(md_rel, render_markdown(issue, config, env=env).encode(), issue_key)
        links = PageLinks(
            root="../../",
            pdf=pdf_name(config.newsletter, number) if has_pdf else None,
            markdown=markdown_name(number),
            previous=_neighbour(issues, numbers, index - 1),
            next=_neighbour(issues, numbers, index + 1),
            existing=frozenset(
                n for n in (*_cited(issue), *numbers[max(index - 1, 0) : index + 2]) if n in issues
            ),
        )
        html_rel = f"{folder}/index.html"
        page_key = _hash(issue_key, repr(links))
        if not plan.fresh(html_rel, page_key):
            plan.put(html_rel, render_html(issue, config, links, env=env).encode(), page_key)


def _plan_pdf(
    plan: _Plan,
    config: Config,
    issue: Issue,
    rel: str,
    key: str,
    wanted: bool,
    pdf_writer: PdfWriter | None,
) -> bool:
    """Stage the issue's PDF if asked for and stale; True when the site will have one."""
    if plan.fresh(rel, key):
        return True
    if not wanted:
        if (plan.out / rel).is_file():
            plan.keep(rel)
            return True
        return False
    staged = plan.staging / rel
    staged.parent.mkdir(parents=True, exist_ok=True)
    (pdf_writer or _default_pdf_writer())(issue, config, staged)
    plan.put_file(rel, staged, key)
    return True


def _default_pdf_writer() -> PdfWriter:
    from digest.pdf import render_pdf  # WeasyPrint loads only when a PDF is made

    return render_pdf


def _neighbour(issues: dict[int, Issue], numbers: list[int], index: int) -> tuple[int, str] | None:
    if 0 <= index < len(numbers):
        return (numbers[index], issues[numbers[index]].title)
    return None


def _cited(issue: Issue) -> list[int]:
    return sorted({n for item in issue.items for n in item.previously})


def _plan_shared(
    plan: _Plan,
    config: Config,
    env: Any,
    issues: dict[int, Issue],
    records: dict[str, dict[str, Any]],
    base: str,
) -> None:
    """Front page, feed and tag pages: each rendered only when an issue it shows changed."""
    helpers = template_helpers(config)
    newest_first = [issues[n] for n in sorted(issues, reverse=True)]
    file_key = {n: str(records[str(n)]["key"]) for n in issues}
    countries, topics = collect_tags(newest_first)

    def key_of(kind: str, shown: list[int], *extra: str) -> str:
        return _hash(base, kind, *extra, *(f"{n}:{file_key[n]}" for n in shown))

    every = [issue.number for issue in newest_first]
    latest_pdf = _latest_pdf(plan, config, newest_first)
    archive = [(i.number, i.title, i.date, i.subtitle) for i in newest_first]
    counts = [(tag, len(e)) for tags in (countries, topics) for tag, e in tags.items()]
    key = key_of("index", every[:1], repr(archive), repr(counts), latest_pdf or "")
    if not plan.fresh("index.html", key):
        page = _front_page(env, helpers, config, newest_first, countries, topics, latest_pdf)
        plan.put("index.html", page, key)
    key = key_of("feed", every[:FEED_ENTRIES])
    if not plan.fresh("feed.xml", key):
        plan.put("feed.xml", render_feed(config, env, newest_first).encode(), key)
    for kind, folder, tags, name_of in (
        ("country", "countries", countries, helpers["country_name"]),
        ("topic", "topics", topics, helpers["topic_name"]),
    ):
        for tag, entries in tags.items():
            rel = f"{folder}/{tag}/index.html"
            key = key_of(rel, [], repr(entries))
            if not plan.fresh(rel, key):
                plan.put(rel, _tag_page(env, helpers, kind, name_of(tag), entries, config), key)


def _latest_pdf(plan: _Plan, config: Config, newest_first: list[Issue]) -> str | None:
    if not newest_first:
        return None
    number = newest_first[0].number
    rel = f"issues/{number}/{pdf_name(config.newsletter, number)}"
    return rel if rel in plan.outputs else None


def _front_page(
    env: Any,
    helpers: dict[str, Any],
    config: Config,
    newest_first: list[Issue],
    countries: dict[str, list[TagEntry]],
    topics: dict[str, list[TagEntry]],
    latest_pdf: str | None,
) -> bytes:
    latest = newest_first[0] if newest_first else None
    links = PageLinks(root="", existing=frozenset(issue.number for issue in newest_first))
    if latest is not None:
        folder = f"issues/{latest.number}"
        links = PageLinks(
            root="",
            pdf=latest_pdf,
            markdown=f"{folder}/{markdown_name(latest.number)}",
            existing=links.existing,
        )
    html = theme.render_template(
        env,
        "index.html",
        latest=latest,
        issue=latest,
        numbered=numbered_items(latest) if latest else [],
        links=links,
        root="",
        archive=newest_first,
        countries=[(code, helpers["country_name"](code), len(e)) for code, e in countries.items()],
        topics=[(slug, helpers["topic_name"](slug), len(e)) for slug, e in topics.items()],
        page_title=config.newsletter.name,
        **helpers,
    )
    return html.encode()


def _tag_page(
    env: Any,
    helpers: dict[str, Any],
    kind: str,
    name: str,
    entries: list[TagEntry],
    config: Config,
) -> bytes:
    html = theme.render_template(
        env,
        "tag.html",
        kind=kind,
        name=name,
        entries=entries,
        root="../../",
        page_title=f"{name} – {config.newsletter.name}",
        **helpers,
    )
    return html.encode()


def collect_tags(
    newest_first: list[Issue],
) -> tuple[dict[str, list[TagEntry]], dict[str, list[TagEntry]]]:
    """Items by country code and by topic slug, newest issue first, in reading order."""
    countries: dict[str, list[TagEntry]] = {}
    topics: dict[str, list[TagEntry]] = {}
    for issue in newest_first:
        for section_items in numbered_items(issue):
            for position, item in section_items:
                url = safe_url(item.url)
                entry = TagEntry(
                    number=issue.number,
                    href=f"../../issues/{issue.number}/index.html#{item_anchor(position)}",
                    title=item.title,
                    lang=item.lang,
                    date=item.date or issue.date,
                    source=item.source or (display_url(url) if url else ""),
                    source_url=url,
                )
                for code in item.countries:
                    countries.setdefault(code, []).append(entry)
                for slug in item.topics:
                    topics.setdefault(slug, []).append(entry)
    return dict(sorted(countries.items())), dict(sorted(topics.items()))


def render_feed(config: Config, env: Any, newest_first: list[Issue]) -> str:
    """site/feed.xml: the newest issues as Atom entries with stable ids."""
    newsletter = config.newsletter
    site_url = f"{newsletter.url}/" if newsletter.url else ""
    feed_id = site_url or f"urn:digest:{slugify(newsletter.name)}"
    entries = []
    for issue in newest_first[:FEED_ENTRIES]:
        url = absolute_issue_url(newsletter, issue.number) or f"issues/{issue.number}/"
        entries.append(
            {
                "issue": issue,
                "id": url if site_url else f"{feed_id}:issue:{issue.number}",
                "url": url,
                "updated": _atom_date(issue.date),
                "content": feed_content(issue),
            }
        )
    updated = _atom_date(newest_first[0].date) if newest_first else "1970-01-01T00:00:00Z"
    return theme.render_template(
        env,
        "feed.xml",
        newsletter=newsletter,
        site_url=site_url,
        feed_id=feed_id,
        updated=updated,
        entries=entries,
    )


def feed_content(issue: Issue) -> str:
    """The HTML of a feed entry, as plain text for the template to escape: intro + headlines."""
    parts: list[str] = [markdown_html(issue.greeting), markdown_html(issue.intro)]
    headlines = []
    for item in issue.items:
        url = safe_url(item.url)
        line = '<li><a href="{}">{}</a></li>' if url else "<li>{1}</li>"
        headlines.append(Markup(line).format(url, item.title))
    if headlines:
        parts.append(Markup("<ul>") + Markup("").join(headlines) + Markup("</ul>"))
    return "".join(str(escape(part)) for part in parts if part)


def _atom_date(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


# ---------------------------------------------------------------- writing


@contextlib.contextmanager
def _staging_folder(out: Path) -> Iterator[Path]:
    """A scratch folder beside the site (same file system, so moves are renames).

    The build holds a lock inside it while it runs, so a later build can tell the folder of a
    build that was killed (lock free) from one still running, and clear what the dead one left.
    """
    staging = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(out)}", dir=out.parent))
    lock = os.open(staging / _STAGING_LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clear_interrupted_builds(out, staging)
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(lock)


_STAGING_LOCK = ".lock"
_STALE_UNLOCKED = 60.0  # seconds: a staging folder this old without its lock file is dead
_ATOMIC_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # fsutil.atomic_write's temp files


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.staging-"


def _clear_interrupted_builds(out: Path, mine: Path) -> None:
    """Remove the staging folders of killed builds and, when no other build is running, the
    temporary files they left half-written inside the site."""
    others_running = killed = False
    for folder in out.parent.glob(f"{_staging_prefix(out)}*"):
        if folder == mine or not folder.is_dir():
            continue
        if _lock_held(folder):
            others_running = True
        else:
            shutil.rmtree(folder, ignore_errors=True)
            killed = True
    # Every write into the site happens while its build's staging folder exists, so temp
    # files can only be left where a dead staging folder was found.
    if others_running or not killed or not out.is_dir():
        return
    for path in out.rglob(".*.tmp"):
        if _ATOMIC_TEMP.match(path.name):
            path.unlink(missing_ok=True)


def _lock_held(folder: Path) -> bool:
    try:
        fd = os.open(folder / _STAGING_LOCK, os.O_RDWR)
    except FileNotFoundError:  # made, but its build has not taken the lock yet (or never will)
        return time.time() - folder.stat().st_mtime < _STALE_UNLOCKED
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the lock if this call took it
    return False


def _commit(plan: _Plan) -> list[Path]:
    """Move every rendered output into place; each file is replaced atomically."""
    written: list[Path] = []
    for rel, data in sorted(plan.pending.items()):
        target = plan.out / rel
        if isinstance(data, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(data, target)
        else:
            atomic_write(target, data)
        written.append(target)
    return written


def _remove_stale(out: Path, old: dict[str, Any], now: dict[str, Any]) -> list[Path]:
    """Outputs of an earlier build that this one no longer makes (a deleted issue or tag)."""
    removed: list[Path] = []
    for rel in sorted(set(old.get("outputs", {})) - set(now)):
        path = out / rel
        if path.is_file():
            path.unlink()
            removed.append(path)
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only when empty
    return removed


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    data = (json.dumps(manifest, sort_keys=True, separators=(",", ":")) + "\n").encode()
    path = out / MANIFEST
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    atomic_write(path, data)


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else {}


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the issue cache


def issue_record(issue: Issue) -> dict[str, Any]:
    """An Issue as JSON-ready data (the manifest keeps it so unchanged files are not re-read)."""
    return {
        "number": issue.number,
        "date": issue.date.isoformat(),
        "title": issue.title,
        "subtitle": issue.subtitle,
        "greeting": issue.greeting,
        "intro": issue.intro,
        "summary": list(issue.summary),
        "quick_take": list(issue.quick_take),
        "outro": issue.outro,
        "sign_off": issue.sign_off,
        "sections": [
            {
                "heading": s.heading,
                "intro": s.intro,
                "lang": s.lang,
                "timeline": [[e.date.isoformat(), e.text] for e in s.timeline],
                "items": [_item_record(item) for item in s.items],
            }
            for s in issue.sections
        ],
    }


def _item_record(item: IssueItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "url": item.url,
        "source": item.source,
        "date": item.date.isoformat() if item.date else None,
        "countries": list(item.countries),
        "topics": list(item.topics),
        "body": item.body,
        "also": [[link.source, link.url] for link in item.also],
        "lang": item.lang,
        "previously": list(item.previously),
        "id": item.id,
    }


def issue_from_record(data: dict[str, Any], path: Path | None = None) -> Issue:
    return Issue(
        number=int(data["number"]),
        date=dt.date.fromisoformat(data["date"]),
        title=data["title"],
        subtitle=data["subtitle"],
        greeting=data["greeting"],
        intro=data["intro"],
        summary=tuple(data["summary"]),
        quick_take=tuple(data["quick_take"]),
        outro=data["outro"],
        sign_off=data["sign_off"],
        path=path,
        sections=tuple(
            Section(
                heading=s["heading"],
                intro=s["intro"],
                lang=s["lang"],
                timeline=tuple(
                    TimelineEntry(date=dt.date.fromisoformat(d), text=t) for d, t in s["timeline"]
                ),
                items=tuple(_item_from_record(item) for item in s["items"]),
            )
            for s in data["sections"]
        ),
    )


def _item_from_record(data: dict[str, Any]) -> IssueItem:
    return IssueItem(
        title=data["title"],
        url=data["url"],
        source=data["source"],
        date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
        countries=tuple(data["countries"]),
        topics=tuple(data["topics"]),
        body=data["body"],
        also=tuple(Link(source=s, url=u) for s, u in data["also"]),
        lang=data["lang"],
        previously=tuple(data["previously"]),
        id=data["id"],
    )


__all__ = ["MANIFEST", "SiteResult", "TagEntry", "build_site", "item_anchor"]
