"""The static site: every issue's page, Markdown and PDF, the front page, tag pages, the feed.

    site/index.html                     the latest issue and the archive, newest first
    site/issues/N/index.html            one issue, with N.md and <newsletter>-N.pdf beside it
    site/feed.xml                       Atom, absolute links from newsletter.url
    site/countries/CC/index.html        every item tagged with a country, across issues
    site/topics/SLUG/index.html         the same per topic
    site/countries/CC/feed.xml          Atom feed of the items with the country (topics alike)
    site/sitemap.xml, site/robots.txt   for search engines (the sitemap when newsletter.url is set)
    site/pagefind/                      the archive's search index (when Pagefind is installed)
    site/assets/                        the theme's stylesheet, favicon and search script

Incremental and safe: a manifest under the site keeps a hash of each output's inputs (the
issue file, the theme, the settings, the code), so an unchanged page is neither rendered nor
rewritten. Everything is rendered first, into memory and a staging folder beside the site;
only when all of it succeeded are files moved into place, each atomically. A build that fails
leaves the previous site as it was.

The parts: plan (what is stale, rendered), pages (front and tag pages), atom (the feed),
staging (the staging folder, commit, stale removal), cache (manifest, keys, issue cache),
sitemap (sitemap.xml, robots.txt), search (the Pagefind index, made from a copy of the pages
while the PDFs are made, swapped in after the pages are in), pdfprocess (the PDFs made in a
process of their own while the pages are rendered).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from digest import theme
from digest.errors import IssueFileError
from digest.issuefile import item_anchor
from digest.models import Config
from digest.site.cache import MANIFEST, base_key, read_manifest, write_manifest
from digest.site.pages import TagEntry
from digest.site.pdfprocess import pdf_process
from digest.site.plan import (
    PdfWriter,
    Plan,
    SiteContext,
    make_pdfs,
    plan_assets,
    plan_issues,
    plan_shared,
    queue_pdfs,
    start_pdfs,
)
from digest.site.search import PAGES, UNCHANGED, SearchIndex, index_language, start_index
from digest.site.select import Audience, select_issues
from digest.site.staging import commit, remove_stale, staging_folder


@dataclass(frozen=True)
class SiteResult:
    out: Path
    written: tuple[Path, ...]  # files created or replaced, in the order written
    unchanged: int  # outputs that were already up to date
    removed: tuple[Path, ...] = ()  # outputs of issues or tags that no longer exist
    issues: tuple[int, ...] = ()
    search: SearchIndex = UNCHANGED
    problems: tuple[IssueFileError, ...] = ()  # broken or unfinished files, shown as last built
    kept: tuple[int, ...] = ()  # issues shown as their last good build had them
    drafts: tuple[int, ...] = ()  # drafts left out (the published site only)


def build_site(
    config: Config,
    out: Path | None = None,
    *,
    pdf_for: Collection[int] | None = None,
    pdf_writer: PdfWriter | None = None,
    audience: Audience | None = None,
) -> SiteResult:
    """Bring the site at out (default site/) up to date with every issue file.

    PDFs are made for the issues in pdf_for (every issue when None) and kept as they are for
    the others. pdf_writer defaults to digest.pdf.render_pdf. The audience says whether drafts
    are shown (the preview) and which issues' problems fail the build (default: the public
    site, drafts left out, any broken or unfinished issue file fails it).
    """
    out = (out or config.site_dir).resolve()
    old = read_manifest(out)
    old_outputs = old.get("outputs", {})
    base = base_key(config)
    selection = select_issues(config, old, base, audience or Audience())
    issues, records = selection.issues, selection.records
    out.parent.mkdir(parents=True, exist_ok=True)
    with staging_folder(out) as staging:
        ctx = SiteContext(
            config=config,
            env=theme.environment(config),
            out=out,
            staging=staging,
            issues=issues,
            numbers=tuple(sorted(issues)),
            file_keys={number: str(records[str(number)]["key"]) for number in issues},
            base=base,
            pdf_for=frozenset(issues if pdf_for is None else set(pdf_for) & set(issues)),
            pdf_writer=pdf_writer,
        )
        plan = Plan(out=out, old=old_outputs)
        plan_assets(plan, ctx)
        queue_pdfs(plan, ctx)
        with pdf_process(bool(plan.pdfs) and pdf_writer is None) as making:
            start_pdfs(plan, ctx, making)
            plan_issues(plan, ctx)
            pages = {rel: str(o["sha"]) for rel, o in plan.outputs.items() if fnmatch(rel, PAGES)}
            language = index_language(config.newsletter.language, issues)
            with start_index(out, staging, pages, plan.pending, language) as indexing:
                shared_from = len(plan.pending)
                plan_shared(plan, ctx)  # while the PDFs are made
                make_pdfs(plan, ctx, before=shared_from)
                written = commit(out, plan.pending)
                removed = remove_stale(out, old_outputs, plan.outputs)
                write_manifest(out, base, records, plan.outputs)
                search = indexing.finish()
    return SiteResult(
        out=out,
        written=tuple(written),
        unchanged=plan.unchanged,
        removed=tuple(removed),
        issues=tuple(issues),
        search=search,
        problems=selection.problems,
        kept=selection.kept,
        drafts=selection.drafts,
    )


__all__ = [
    "MANIFEST",
    "UNCHANGED",
    "Audience",
    "PdfWriter",
    "SearchIndex",
    "SiteResult",
    "TagEntry",
    "build_site",
    "item_anchor",
]
