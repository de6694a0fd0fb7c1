"""Planning a build: which outputs are stale, rendered into memory or the staging folder.

Nothing here writes into the site; staging.commit moves what the plan holds into place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from digest import theme
from digest.models import Config, Issue
from digest.render import (
    Anchors,
    PageLinks,
    cited_numbers,
    links_into,
    markdown_name,
    pdf_name,
    render_html,
    render_markdown,
    template_helpers,
)
from digest.site.atom import FEED_ENTRIES, render_feed, render_tag_feed
from digest.site.cache import file_sha, hash_parts
from digest.site.pages import collect_tags, front_page, tag_page
from digest.site.pdfprocess import PdfProcess
from digest.site.sitemap import ROBOTS, SITEMAP, render_robots, render_sitemap

PdfWriter = Callable[[Issue, Config, Path], None]


@dataclass(frozen=True)
class SiteContext:
    """What one build renders from; the same for every output it plans."""

    config: Config
    env: jinja2.Environment
    out: Path  # the site root
    staging: Path  # this build's scratch folder beside it
    issues: Mapping[int, Issue]
    numbers: tuple[int, ...]  # of the issues, ascending
    file_keys: Mapping[int, str]  # sha256 of each issue's file
    base: str  # cache.base_key: the code, the settings and the theme
    pdf_for: frozenset[int]  # issues whose PDF is made when stale; the others' are kept
    pdf_writer: PdfWriter | None  # None: digest.pdf.render_pdf


@dataclass
class Plan:
    """What this build will put where, filled while rendering; nothing is written yet."""

    out: Path
    old: Mapping[str, Any]  # the last build's outputs from its manifest: rel -> {key, sha}
    outputs: dict[str, dict[str, str | None]] = field(default_factory=dict)
    pending: dict[str, bytes | Path] = field(default_factory=dict)  # rel path -> bytes or staged
    unchanged: int = 0
    pdfs: list[tuple[Issue, str, str]] = field(default_factory=list)  # to make: issue, rel, key
    has_pdf: dict[int, bool] = field(default_factory=dict)  # issue -> the site has its PDF
    pdf_process: PdfProcess | None = None  # making the queued PDFs, when not made in-process
    # issue -> it with its follow-ups current, and where its "Previously" links point
    linked: dict[int, tuple[Issue, Anchors]] = field(default_factory=dict)

    def fresh(self, rel: str, key: str) -> bool:
        """True (and recorded) when rel was built from these very inputs and is still there."""
        old = self.old.get(rel)
        if old and old.get("key") == key and (self.out / rel).is_file():
            self.outputs[rel] = old
            self.unchanged += 1
            return True
        return False

    def put(self, rel: str, data: bytes, key: str | None = None) -> None:
        self._record(rel, hashlib.sha256(data).hexdigest(), key, data)

    def put_file(self, rel: str, staged: Path, key: str) -> None:
        self._record(rel, file_sha(staged), key, staged)

    def keep(self, rel: str) -> None:
        """An output this build does not remake (another issue's PDF) stays as it is."""
        self.outputs[rel] = self.old.get(rel) or {"key": None, "sha": None}

    def _record(self, rel: str, sha: str, key: str | None, data: bytes | Path) -> None:
        old = self.old.get(rel)
        self.outputs[rel] = {"key": key, "sha": sha}
        if old and old.get("sha") == sha and (self.out / rel).is_file():
            self.unchanged += 1
            return
        self.pending[rel] = data


def plan_assets(plan: Plan, ctx: SiteContext) -> None:
    for name, path in theme.site_assets(ctx.config).items():
        plan.put(f"assets/{name}", path.read_bytes())


def queue_pdfs(plan: Plan, ctx: SiteContext) -> None:
    """Which issues the site will have a PDF of (plan.has_pdf); the stale ones asked for are
    queued for make_pdfs (plan.pdfs)."""
    for number in ctx.numbers:
        rel = f"issues/{number}/{pdf_name(ctx.config.newsletter, number)}"
        issue, anchors = _linked(plan, ctx, number)
        key = hash_parts(_issue_key(ctx, number), _targets(issue, anchors))
        plan.has_pdf[number] = plan_pdf(plan, ctx, ctx.issues[number], rel, key)


def plan_issues(plan: Plan, ctx: SiteContext) -> None:
    """Each issue's page and Markdown (queue_pdfs has said which have a PDF)."""
    config, numbers = ctx.config, ctx.numbers
    for index, number in enumerate(numbers):
        issue, anchors = _linked(plan, ctx, number)
        folder = f"issues/{number}"
        issue_key = hash_parts(_issue_key(ctx, number), _targets(issue, anchors))
        md_rel = f"{folder}/{markdown_name(number)}"
        md_key = issue_key
        if not plan.fresh(md_rel, md_key):
            markdown = render_markdown(issue, config, env=ctx.env, anchors=anchors)
            plan.put(md_rel, markdown.encode(), md_key)
        links = PageLinks(
            root="../../",
            pdf=pdf_name(config.newsletter, number) if plan.has_pdf[number] else None,
            markdown=markdown_name(number),
            previous=_neighbour(ctx, index - 1),
            next=_neighbour(ctx, index + 1),
            existing=frozenset(
                n
                for n in (*cited_numbers(issue), *numbers[max(index - 1, 0) : index + 2])
                if n in ctx.issues
            ),
            anchors=anchors,
        )
        html_rel = f"{folder}/index.html"
        page_key = hash_parts(issue_key, repr(links))
        if not plan.fresh(html_rel, page_key):
            plan.put(html_rel, render_html(issue, config, links, env=ctx.env).encode(), page_key)


def _issue_key(ctx: SiteContext, number: int) -> str:
    return hash_parts(ctx.base, ctx.file_keys[number])


def plan_pdf(plan: Plan, ctx: SiteContext, issue: Issue, rel: str, key: str) -> bool:
    """Queue the issue's PDF if asked for and stale; True when the site will have one."""
    if plan.fresh(rel, key):
        return True
    if issue.number not in ctx.pdf_for:
        if (plan.out / rel).is_file():
            plan.keep(rel)
            return True
        return False
    plan.pdfs.append((issue, rel, key))
    return True


def start_pdfs(plan: Plan, ctx: SiteContext, process: PdfProcess | None) -> None:
    """Hand the queued PDFs to the process making them while the pages are rendered."""
    for issue, rel, _ in plan.pdfs:
        staged = ctx.staging / rel
        staged.parent.mkdir(parents=True, exist_ok=True)
        if process is not None:
            process.submit(issue, ctx.config, staged)
    plan.pdf_process = process


def make_pdfs(plan: Plan, ctx: SiteContext, before: int | None = None) -> None:
    """Stage the queued PDFs: wait for the process making them, or make them here. They take
    most of a build's time, so they are made beside the pages and the search index. before:
    where they go among the pending outputs (by count; default last), the order they are
    written and reported in."""
    if plan.pdf_process is not None:
        plan.pdf_process.wait()
    else:
        for issue, rel, _ in plan.pdfs:
            (ctx.pdf_writer or _default_pdf_writer())(issue, ctx.config, ctx.staging / rel)
    later = list(plan.pending.items())[before:] if before is not None else []
    for rel, _ in later:
        del plan.pending[rel]
    for _, rel, key in plan.pdfs:
        plan.put_file(rel, ctx.staging / rel, key)
    plan.pending.update(later)
    plan.pdfs.clear()


def _default_pdf_writer() -> PdfWriter:
    from digest.pdf import render_pdf  # WeasyPrint loads only when a PDF is made

    return render_pdf


def _neighbour(ctx: SiteContext, index: int) -> tuple[int, str] | None:
    if 0 <= index < len(ctx.numbers):
        number = ctx.numbers[index]
        return (number, ctx.issues[number].title)
    return None


def _linked(plan: Plan, ctx: SiteContext, number: int) -> tuple[Issue, Anchors]:
    """The issue with its follow-ups current, and where its "Previously" links point."""
    if number not in plan.linked:
        plan.linked[number] = links_into(ctx.issues[number], ctx.issues, ctx.config.taxonomy)
    return plan.linked[number]


def _targets(issue: Issue, anchors: Anchors) -> str:
    """What an issue's links into earlier issues point at (they change when those do)."""
    return repr((anchors, tuple(item.follow_up for item in issue.items)))


def plan_shared(plan: Plan, ctx: SiteContext) -> None:
    """Front page, feeds, tag pages and the sitemap: each rendered only when an issue it shows
    changed (the sitemap and robots.txt cost nothing to remake)."""
    config, env = ctx.config, ctx.env
    helpers = template_helpers(config)
    newest_first = [ctx.issues[n] for n in reversed(ctx.numbers)]
    countries, topics = collect_tags(newest_first)

    def key_of(kind: str, shown: list[int], *extra: str) -> str:
        return hash_parts(ctx.base, kind, *extra, *(f"{n}:{ctx.file_keys[n]}" for n in shown))

    every = [issue.number for issue in newest_first]
    latest_pdf = _latest_pdf(plan, config, newest_first)
    archive = [(i.number, i.title, i.date, i.subtitle) for i in newest_first]
    counts = [(tag, len(e)) for tags in (countries, topics) for tag, e in tags.items()]
    key = key_of("index", every[:1], repr(archive), repr(counts), latest_pdf or "")
    if not plan.fresh("index.html", key):
        page = front_page(env, helpers, config, newest_first, (countries, topics), latest_pdf)
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
                plan.put(rel, tag_page(env, helpers, kind, name_of(tag), entries, config), key)
            feed = f"{folder}/{tag}/feed.xml"
            if not plan.fresh(feed, key):
                xml = render_tag_feed(config, env, f"{folder}/{tag}", name_of(tag), entries)
                plan.put(feed, xml.encode(), key)
    sitemap = render_sitemap(config, newest_first, (countries, topics))
    if sitemap is not None:
        plan.put(SITEMAP, sitemap.encode())
    plan.put(ROBOTS, render_robots(config).encode())


def _latest_pdf(plan: Plan, config: Config, newest_first: list[Issue]) -> str | None:
    if not newest_first:
        return None
    number = newest_first[0].number
    rel = f"issues/{number}/{pdf_name(config.newsletter, number)}"
    # queue_pdfs has said whether the site will have it (made, kept or still being made)
    return rel if plan.has_pdf.get(number) else None
