"""Attacks on the whole tool: what a stranger's feed, a pasted issue file, a hostile server, a
killed process or a mistyped file can do. Nothing may run, leak, reach out or be lost.

The hostile feed (tests/data/hostile/vectors.yaml, one item per vector) is served on loopback
and goes the editor's whole way: digest fetch -> store -> items --json -> draft -> build ->
the built pages opened in headless Chromium, the Markdown, the PDF. Every address a vector
names points at the same loopback server under /leak/: any request there is a leak.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import html
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown
import pypdf
import pytest
import yaml
from conftest import ROOT
from support.browser import Browser, launch, serve_folder
from support.cli import CliResult, run_digest
from support.feedfolder import make_newsletter
from support.feedserver import FeedServer, Route, serving
from support.hostile import (
    Vector,
    html_links,
    html_problems,
    html_tags,
    load_vectors,
    url_scheme,
)
from support.tally import Tally

from digest.config import load_config
from digest.issuefile import load_issue

VECTORS = load_vectors()
FIRST_DAY = dt.date(2013, 1, 1)
DAYS_APART = 35  # more than the stories' late window, so no two vectors merge into one story
SINCE, UNTIL = "2013-01-01", "2021-06-30"
SITE_URL = "https://news.example.org"
# What Python-Markdown makes of CommonMark without raw HTML; anything else was passed through.
MARKDOWN_TAGS = {"p", "a", "em", "strong", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
                 "hr", "code", "pre", "blockquote", "br"}  # fmt: skip
PASSWD_MARK = "root:x:0:0"


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    collected = Tally()
    yield collected
    collected.save()


def digest(root: Path, *args: str) -> CliResult:
    return run_digest(*args, root=root)


def leak_hits(server: FeedServer) -> list[str]:
    with server._lock:
        return [seen.path for seen in server.requests if seen.path.startswith("/leak/")]


# ---------------------------------------------------------------- the hostile feed


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def vector_item(vector: Vector, index: int, leak_base: str) -> str:
    payload = vector.with_leak(leak_base)
    day = FIRST_DAY + dt.timedelta(days=index * DAYS_APART)
    when = email.utils.format_datetime(dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC))
    words = vector.name.replace("-", " ")
    title = payload if vector.field == "title" else f"Bitcoin exchange in Tokyo, case {words}"
    link = payload if vector.field == "link" else f"https://news.example.com/{vector.name}"
    summary = payload if vector.field == "summary" else f"<p>Crypto story about {words}.</p>"
    return (
        f"<item><title>{cdata(title)}</title><link>{cdata(link)}</link>"
        f'<guid isPermaLink="false">vector-{vector.name}</guid>'
        f"<pubDate>{when}</pubDate>"
        f"<description>{cdata(summary + ' Bitcoin and blockchain news from Japan.')}"
        "</description></item>"
    )


def hostile_feed(vectors: list[Vector], leak_base: str) -> bytes:
    items = "\n".join(
        vector_item(v, VECTORS.index(v), leak_base) for v in vectors
    )  # each vector keeps its own date, whichever feed carries it
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>Hostile Asia</title><link>https://news.example.com/</link>\n"
        f"{items}\n</channel></rss>\n"
    ).encode()


@dataclass
class Pipeline:
    root: Path
    server: FeedServer
    fetch: CliResult
    items: list[dict[str, Any]]
    draft: CliResult
    build: CliResult
    leaks_after_fetch: list[str]
    leaks_after_build: list[str]

    @property
    def site(self) -> Path:
        """Issue 1 is a fresh draft: its build is the preview, a whole site of its own."""
        return self.root / ".digest" / "preview"


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with serving() as running:
        yield running


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, server: FeedServer) -> Pipeline:
    """The hostile feed fetched, listed, drafted into issue 1 and built, PDF included."""
    leak = server.url("")
    well_formed = [v for v in VECTORS if not v.raw_bytes]
    malformed = [v for v in VECTORS if v.raw_bytes]
    server.route("/hostile", body=hostile_feed(well_formed, leak))
    server.route("/hostile-raw", body=hostile_feed(malformed, leak))
    server.route("/leak/", status=200, body=b"leaked", content_type="text/plain")
    feeds = [
        {"name": "hostile", "url": server.url("/hostile"), "country": "JP"},
        {"name": "hostile-raw", "url": server.url("/hostile-raw"), "country": "JP"},
    ]
    root = tmp_path_factory.mktemp("hostile") / "newsletter"
    make_newsletter(root, feeds)
    settings = yaml.safe_load((root / "feeds.yaml").read_text("utf-8"))
    settings["newsletter"]["url"] = SITE_URL
    (root / "feeds.yaml").write_text(yaml.safe_dump(settings), "utf-8")
    fetched = digest(root, "fetch")
    leaks_after_fetch = leak_hits(server)
    listed = digest(root, "items", "--all", "--json", "--since", SINCE, "--until", UNTIL)
    assert listed.returncode == 0, listed.stderr
    drafted = digest(root, "draft", "1", "--since", SINCE, "--until", UNTIL, "--max-items", "500")
    built = digest(root, "build", "1")
    return Pipeline(
        root=root,
        server=server,
        fetch=fetched,
        items=json.loads(listed.stdout),
        draft=drafted,
        build=built,
        leaks_after_fetch=leaks_after_fetch,
        leaks_after_build=leak_hits(server),
    )


def item_of(items: list[dict[str, Any]], vector: Vector) -> dict[str, Any] | None:
    marker = vector.name.replace("-", " ")
    for entry in items:
        if marker in entry["title"] or marker in plain(entry["summary"]):
            return entry
    for entry in items:  # title vectors: their own words
        if vector.field == "title" and entry["url"] == f"https://news.example.com/{vector.name}":
            return entry
    return None


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", " ", fragment))


def test_fetch_reads_every_hostile_item_and_stores_nothing_forbidden(
    pipeline: Pipeline, tally: Tally
) -> None:
    assert pipeline.fetch.returncode == 0, pipeline.fetch.stderr
    assert "Traceback" not in pipeline.fetch.stderr
    assert pipeline.leaks_after_fetch == []
    store = sqlite3.connect(pipeline.root / ".digest" / "store.sqlite")
    stored = store.execute("SELECT guid, title, url, summary_html FROM items").fetchall()
    store.close()
    by_guid = {guid: (title, url, summary) for guid, title, url, summary in stored}
    failures = []
    for vector in VECTORS:
        found = by_guid.get(f"vector-{vector.name}")
        if found is None:
            problems = ["the item was lost"]
        else:
            title, url, summary = found
            problems = html_problems(summary)
            if url is not None and url_scheme(url) not in {"http", "https"}:
                problems.append(f"stored url {url!r}")
            if "\x00" in title + summary:
                problems.append("a NUL character was stored")
        failures += tally.record(vector.kind, f"{vector.name} (store)", problems)
    assert failures == []
    assert len(stored) == len(VECTORS)


def test_store_path_is_where_the_design_puts_it(pipeline: Pipeline) -> None:
    assert (pipeline.root / ".digest" / "store.sqlite").is_file()


def test_items_json_carries_only_sanitized_html_and_web_links(
    pipeline: Pipeline, tally: Tally
) -> None:
    failures = []
    for vector in VECTORS:
        entry = item_of(pipeline.items, vector)
        if entry is None:
            problems = ["not listed by items --json"]
        else:
            problems = html_problems(entry["summary"])
            if entry["url"] is not None and url_scheme(entry["url"]) not in {"http", "https"}:
                problems.append(f"url {entry['url']!r}")
            if "<" in entry["title"] and vector.name != "title-escaped-script":
                problems.append(f"markup in a plain-text title: {entry['title']!r}")
        failures += tally.record(vector.kind, f"{vector.name} (items --json)", problems)
    assert failures == []


def test_draft_writes_a_loadable_issue_with_web_links_and_inert_bodies(
    pipeline: Pipeline, tally: Tally
) -> None:
    assert pipeline.draft.returncode == 0, pipeline.draft.stderr
    path = pipeline.root / "issues" / "1.yaml"
    yaml.safe_load(path.read_text("utf-8"))  # plain YAML: no tag a loader would act on
    issue = load_issue(load_config(pipeline.root), 1)
    assert not Path("/tmp/digest-pwned").exists()
    by_url = {item.url: item for item in issue.items}
    failures = []
    for vector in VECTORS:
        problems: list[str] = []
        for item in issue.items:
            if item.url and url_scheme(item.url) not in {"http", "https"}:
                problems.append(f"url {item.url!r}")
        drafted = by_url.get(f"https://news.example.com/{vector.name}")
        if drafted is not None:
            converted = markdown.markdown(drafted.body)
            problems += html_problems(converted)
            problems += [f"raw <{t}> in the body" for t in html_tags(converted)
                         if t not in MARKDOWN_TAGS]  # fmt: skip
        elif vector.field != "link":
            problems.append("not drafted")
        failures += tally.record(vector.kind, f"{vector.name} (draft)", problems)
    assert failures == []
    assert len(issue.items) == len(VECTORS)


def built_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_built_pages_carry_no_forbidden_construct(pipeline: Pipeline, tally: Tally) -> None:
    assert pipeline.build.returncode == 0, pipeline.build.stderr
    pages = built_pages(pipeline.site)
    assert len(pages) >= 3
    leak = pipeline.server.url("/leak/")
    failures = []
    for page in pages:
        text = page.read_text("utf-8")
        problems = html_problems(text, page=True)
        loads = re.findall(r'<(?!a\s)[a-z]+[^>]*\b(?:src|href)="' + re.escape(leak), text)
        problems += [f"loads {m[:80]!r}" for m in loads]
        failures += [f"{page.relative_to(pipeline.site)}: {p}" for p in problems]
    issue_page = (pipeline.site / "issues" / "1" / "index.html").read_text("utf-8")
    shown = html.unescape(issue_page)
    template_text = "{{ 7*7 }} {% raw %}x{% endraw %} Bitcoin in Singapore"
    if template_text not in shown:
        failures.append("a headline with template syntax was not shown as written")
    if "<script>alert(1)</script> Bitcoin ban in Beijing" not in shown:
        failures.append("an escaped headline was not shown as text")
    for vector in VECTORS:
        mine = [f for f in failures if vector.name in f]
        tally.record(vector.kind, f"{vector.name} (site html)", mine)
    assert failures == []


def test_markdown_output_has_no_raw_html_and_only_web_links(
    pipeline: Pipeline, tally: Tally
) -> None:
    text = (pipeline.site / "issues" / "1" / "1.md").read_text("utf-8")
    converted = markdown.markdown(text)  # Python-Markdown passes raw HTML through
    problems = html_problems(converted)
    problems += [f"raw <{t}>" for t in html_tags(converted) if t not in MARKDOWN_TAGS]
    links = html_links(converted)
    assert links, "the Markdown links its sources"
    problems += [f"link {link!r}" for link in links
                 if url_scheme(link) not in {"http", "https", "mailto"}]  # fmt: skip
    tally.record("markdown", "issue 1 Markdown from the hostile feed", problems)
    assert problems == []


def test_the_pdf_embeds_no_file_and_requested_nothing(pipeline: Pipeline, tally: Tally) -> None:
    pdfs = list((pipeline.site / "issues" / "1").glob("*.pdf"))
    assert len(pdfs) == 1, pipeline.build.stdout + pipeline.build.stderr
    problems = pdf_problems(pdfs[0])
    problems += [f"requested {path}" for path in pipeline.leaks_after_build]
    tally.record("pdf", "issue 1 PDF from the hostile feed", problems)
    assert problems == []


def pdf_problems(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    problems = [f"attachment {name}" for name in reader.attachments]
    root = reader.root_object
    if "/EmbeddedFiles" in str(root.get("/Names", {})):
        problems.append("an /EmbeddedFiles name tree")
    for number, page in enumerate(reader.pages, 1):
        for annotation in page.get("/Annots") or []:
            annot = annotation.get_object()
            if annot.get("/Subtype") == "/FileAttachment":
                problems.append(f"page {number}: a file attachment annotation")
            uri = (annot.get("/A") or {}).get("/URI")
            if uri is not None and url_scheme(str(uri)) not in {"http", "https", "mailto"}:
                problems.append(f"page {number}: link to {uri}")
        if PASSWD_MARK in (page.extract_text() or ""):
            problems.append(f"page {number} shows /etc/passwd")
    raw = path.read_bytes()
    if b"/JavaScript" in raw or b"/JS " in raw or b"/Launch" in raw:
        problems.append("an action that runs code")
    return problems


# ---------------------------------------------------------------- a real browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch() as running:
        yield running


CHECK_DOM_JS = """() => ({
  title: document.title,
  location: location.href,
  scripts: [...document.scripts].filter(s => !/[/](assets[/]search|pagefind[/]pagefind-ui)[.]js$/
    .test(s.src)).length,
  embedded: [...document.querySelectorAll(
    'iframe,frame,object,embed,form,input,button,base,svg,math,style,meta[http-equiv]')]
    .filter(e => !e.closest('.site-search')).length,
  handlers: [...document.querySelectorAll('*')].flatMap(e =>
    [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
  jsLinks: [...document.querySelectorAll('[href],[src]')].map(e => e.href || e.src)
    .filter(u => !/^(https?|mailto|file):/i.test(u)),
  pwned: document.querySelectorAll('[data-pwned]').length,
})"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_built_site_runs_no_script_and_reaches_nothing_in_chromium(
    pipeline: Pipeline, browser: Browser, tally: Tally
) -> None:
    assert pipeline.build.returncode == 0, pipeline.build.stderr
    before = len(leak_hits(pipeline.server))
    failures = []
    with serve_folder(pipeline.site) as site_server:
        for page in built_pages(pipeline.site):
            rel = page.relative_to(pipeline.site).as_posix()
            expected_title = html.unescape(
                re.search(r"<title>(.*?)</title>", page.read_text("utf-8"), re.S).group(1)  # type: ignore[union-attr]
            )
            for url in (page.as_uri(), site_server.url(rel)):
                with browser.open(url, wait=0.5) as visit:
                    dom = visit.page.evaluate(CHECK_DOM_JS)
                problems = [f"dialog {d}" for d in visit.dialogs]
                problems += [f"uncaught {e}" for e in visit.page_errors]
                problems += [f"requested {u}" for u in visit.outside_requests + visit.blocked]
                problems += [f"requested {u}" for u in visit.requests if "/leak/" in u]
                if dom["title"] != expected_title:
                    problems.append(f"title became {dom['title']!r}")
                if dom["location"] != url:
                    problems.append(f"navigated to {dom['location']}")
                for key in ("scripts", "embedded", "pwned"):
                    if dom[key]:
                        problems.append(f"{dom[key]} {key}")
                problems += [f"handler {h}" for h in dom["handlers"]]
                problems += [f"link {u}" for u in dom["jsLinks"]]
                failures += [f"{url}: {p}" for p in problems]
    failures += [f"leak server asked for {p}" for p in leak_hits(pipeline.server)[before:]]
    for vector in VECTORS:
        mine = [f for f in failures if vector.name in f]
        tally.record(vector.kind, f"{vector.name} (chromium)", mine)
    assert failures == []


# ---------------------------------------------------------------- issue files


def newsletter_folder(root: Path, issue_text: str) -> Path:
    make_newsletter(root, [])
    settings = yaml.safe_load((root / "feeds.yaml").read_text("utf-8"))
    settings["newsletter"]["url"] = SITE_URL
    (root / "feeds.yaml").write_text(yaml.safe_dump(settings), "utf-8")
    (root / "issues").mkdir(exist_ok=True)
    (root / "issues" / "1.yaml").write_text(issue_text, "utf-8")
    return root


ISSUE_WITH_URL = """\
number: 1
date: 2021-07-15
title: A link
sections:
  - heading: China
    items:
      - title: An item
        url: {url}
"""
ISSUE_WITH_ALSO_URL = ISSUE_WITH_URL.replace(
    "        url: {url}",
    "        url: https://example.com/a\n        also:\n          - url: {url}",
)
BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    '"  javascript:alert(1)"',
    '"java\\tscript:alert(1)"',
    "'&#106;avascript:alert(1)'",
    "vbscript:msgbox(1)",
    "'data:text/html,<script>alert(1)</script>'",
    "file:///etc/passwd",
    "//evil.example/x",
    "mailto:someone@example.com",
]


@pytest.mark.parametrize("template", [ISSUE_WITH_URL, ISSUE_WITH_ALSO_URL], ids=["url", "also"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_an_issue_file_with_a_non_web_url_is_refused_with_file_and_line(
    tmp_path: Path, template: str, url: str, tally: Tally
) -> None:
    from digest.errors import IssueFileError

    root = newsletter_folder(tmp_path / "nl", template.format(url=url))
    expected_line = (
        template.format(url=url)
        .splitlines()
        .index(next(line for line in template.format(url=url).splitlines() if url in line))
        + 1
    )
    problems = []
    try:
        load_issue(load_config(root), 1)
        problems.append("accepted")
    except IssueFileError as exc:
        if exc.line != expected_line:
            problems.append(f"named line {exc.line}, not {expected_line}")
        if "1.yaml" not in str(exc.path):
            problems.append(f"named {exc.path}")
    tally.record("issue-files", f"url {url} ({'also' if 'also' in template else 'url'})", problems)
    assert problems == []


def test_the_command_line_refuses_a_javascript_url_in_two_lines(tmp_path: Path) -> None:
    root = newsletter_folder(tmp_path / "nl", ISSUE_WITH_URL.format(url="javascript:alert(1)"))
    done = digest(root, "build", "1")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2
    assert "1.yaml:8" in done.stderr and "not an http(s) URL" in done.stderr
    assert not (root / "site").exists()


@pytest.mark.browser
@pytest.mark.slow
def test_hostile_text_pasted_into_an_issue_file_is_rendered_inert(
    tmp_path: Path, server: FeedServer, browser: Browser, tally: Tally
) -> None:
    leak = server.url("/leak/pasted")
    text = (ROOT / "tests" / "data" / "hostile" / "pasted-issue.yaml").read_text("utf-8")
    root = newsletter_folder(tmp_path / "nl", text.replace("LEAK", leak))
    before = len(leak_hits(server))
    built = digest(root, "build", "1")
    assert built.returncode == 0, built.stderr
    site = root / "site"
    problems: list[str] = []
    for page in built_pages(site):
        problems += [f"{page.name}: {p}" for p in html_problems(page.read_text("utf-8"), page=True)]
        if re.search(r'<(?!a\s)[a-z]+[^>]*\b(?:src|href)="' + re.escape(leak), page.read_text()):
            problems.append(f"{page.name} loads from the leak address")
    page = site / "issues" / "1" / "index.html"
    shown = html.unescape(page.read_text("utf-8"))
    if "Pasted {{ 7*7 }} issue" not in shown:
        problems.append("template syntax in the title was evaluated or lost")
    md_html = markdown.markdown((site / "issues" / "1" / "1.md").read_text("utf-8"))
    problems += [f"markdown: {p}" for p in html_problems(md_html)]
    problems += [
        f"markdown: raw <{t}>" for t in html_tags(md_html) if t not in MARKDOWN_TAGS | {"img"}
    ]
    problems += [f"markdown link {u}" for u in html_links(md_html)
                 if url_scheme(u) not in {"http", "https", "mailto"}]  # fmt: skip
    pdfs = list(page.parent.glob("*.pdf"))
    problems += pdf_problems(pdfs[0]) if pdfs else ["no PDF"]
    with browser.open(page.as_uri(), wait=0.5) as visit:
        dom = visit.page.evaluate(CHECK_DOM_JS)
    problems += [f"dialog {d}" for d in visit.dialogs] + visit.blocked
    problems += [f"{dom[k]} {k}" for k in ("scripts", "embedded", "pwned") if dom[k]]
    problems += [f"handler {h}" for h in dom["handlers"]]
    problems += [f"requested {p}" for p in leak_hits(server)[before:]]
    tally.record("issue-files", "pasted hostile HTML and Markdown", problems)
    assert problems == []


# ---------------------------------------------------------------- fetch bounds


def lol_feed(levels: int = 9) -> bytes:
    """The billion laughs: ten to the ninth 'lol's from a few hundred bytes."""
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels + 1)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(decls) + "\n]>\n"
        '<rss version="2.0"><channel><title>Laughs</title><link>https://example.com/</link>'
        f"<item><title>Bitcoin &lol{levels};</title><link>https://example.com/a</link>"
        "<description>Crypto</description></item></channel></rss>"
    ).encode()


def xxe_feed(system_id: str, parameter: bool = False) -> bytes:
    if parameter:
        dtd = f'<!ENTITY % remote SYSTEM "{system_id}"> %remote;'
        use = "Bitcoin parameter entity"
    else:
        dtd = f'<!ENTITY xxe SYSTEM "{system_id}">'
        use = "Bitcoin &xxe; end"
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [ {dtd} ]>\n'
        '<rss version="2.0"><channel><title>XXE</title><link>https://example.com/</link>'
        f"<item><title>{use}</title><link>https://example.com/xxe</link>"
        f"<description>{use}</description></item></channel></rss>"
    ).encode()


# Starts the command from a small process and writes the command's peak memory to a file. A
# child forked straight from pytest would count pytest's own pages (large late in a full run)
# in its peak: Linux keeps the high-water mark across exec.
_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(done.returncode)
"""


def run_measured(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """A digest command, its wall time in seconds and its own peak memory in MB (the largest
    of the command and the workers it waited for)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        command = [sys.executable, "-m", "digest", "--root", str(root), *args]
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(peak_file), *command],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        peak_mb = int(peak_file.read_text()) / 1024
    return done, time.monotonic() - started, peak_mb


def feed_rows(root: Path) -> dict[str, dict[str, Any]]:
    listed = digest(root, "feeds", "--json")
    return {row["name"]: row for row in json.loads(listed.stdout)}


def stored_texts(root: Path) -> str:
    store = sqlite3.connect(root / ".digest" / "store.sqlite")
    rows = store.execute("SELECT title || ' ' || summary_html FROM items").fetchall()
    store.close()
    return " ".join(row[0] for row in rows)


def test_entities_cannot_explode_or_read_files_or_reach_out(
    tmp_path: Path, server: FeedServer, tally: Tally
) -> None:
    leak = server.url("/leak/xxe")
    server.route("/laughs", body=lol_feed())
    server.route("/xxe-file", body=xxe_feed("file:///etc/passwd"))
    server.route("/xxe-http", body=xxe_feed(leak))
    server.route("/xxe-param", body=xxe_feed(leak + "-param", parameter=True))
    names = ["laughs", "xxe-file", "xxe-http", "xxe-param"]
    config = make_newsletter(
        tmp_path / "nl", [{"name": n, "url": server.url(f"/{n}")} for n in names]
    )
    before = len(leak_hits(server))
    done, _seconds, _peak = run_measured(config.root, "fetch")
    assert "Traceback" not in done.stderr
    rows = feed_rows(config.root)
    texts = stored_texts(config.root)
    for name in names:
        problems = []
        if rows[name]["status"] not in {"ok", "warning", "error"}:
            problems.append(f"status {rows[name]['status']}")
        if name == "laughs" and "lol" * 1000 in texts:
            problems.append("the entities were expanded")
        if name == "xxe-file" and PASSWD_MARK in texts:
            problems.append("/etc/passwd was read into the store")
        if name.startswith("xxe-http") or name == "xxe-param":
            problems += [f"requested {p}" for p in leak_hits(server)[before:]]
        tally.record("fetch-bounds", name, problems)
        assert problems == [], name
    assert len(texts) < 100_000


def gzip_bomb(megabytes: int) -> bytes:
    return gzip.compress(b"\0" * (megabytes * 1024 * 1024), compresslevel=9)


def test_a_gzip_bomb_a_trickle_and_an_endless_body_stay_in_bounds(
    tmp_path: Path, server: FeedServer, tally: Tally
) -> None:
    body = lol_feed(0)
    server.route("/bomb", Route(raw_encoded=gzip_bomb(64)))
    server.route("/trickle", Route(body=body, trickle=0.05))
    server.route("/endless", Route(endless=True))
    server.route("/silent", Route(body=body, delay=30))
    names = ["bomb", "trickle", "endless", "silent"]
    config = make_newsletter(
        tmp_path / "nl",
        [{"name": n, "url": server.url(f"/{n}")} for n in names],
        timeout=2,
        max_bytes=1_000_000,
    )
    done, seconds, peak_mb = run_measured(config.root, "fetch")
    assert done.returncode == 1, done.stderr  # every feed failed
    assert "Traceback" not in done.stderr
    rows = feed_rows(config.root)
    expected = {"bomb": "max_bytes", "trickle": "timed out", "endless": "max_bytes",
                "silent": "timed out"}  # fmt: skip
    for name in names:
        error = rows[name]["error"] or ""
        problems = [] if expected[name] in error else [f"error {error!r}"]
        if rows[name]["status"] != "error":
            problems.append(f"status {rows[name]['status']}")
        tally.record("fetch-bounds", name, problems)
        assert problems == [], name
    # Generous bounds, far from the 64 MB the bomb unpacks to and the 30 s the server waits.
    assert peak_mb < 400, peak_mb
    assert seconds < 25, seconds


PRIVATE_TARGETS = {
    "loopback": "http://127.0.0.1:{port}/internal",
    "localhost": "http://localhost:{port}/internal",
    "ipv4-mapped-ipv6": "http://[::ffff:127.0.0.1]:{port}/internal",
    "decimal-ip": "http://2130706433:{port}/internal",
    "zero-address": "http://0.0.0.0:{port}/internal",
    "private-10": "http://10.0.0.1/internal",
    "private-192": "http://192.168.1.1/internal",
    "link-local-metadata": "http://169.254.169.254/latest/meta-data/",
    "file": "file:///etc/passwd",
}


def test_a_redirect_to_a_private_address_is_refused_unless_allowed(
    tmp_path: Path, server: FeedServer, tally: Tally
) -> None:
    server.route("/internal", body=lol_feed(0))
    feeds = []
    for name, target in PRIVATE_TARGETS.items():
        location = target.format(port=server.port)
        server.route(f"/to-{name}", Route(status=302, location=location))
        feeds.append({"name": name, "url": server.url(f"/to-{name}")})
    config = make_newsletter(tmp_path / "nl", feeds, allow_private=False, timeout=3)
    done = digest(config.root, "fetch")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    rows = feed_rows(config.root)
    for name in PRIVATE_TARGETS:
        error = rows[name]["error"] or ""
        refused = "private or loopback" in error or "only http and https" in error
        problems = [] if rows[name]["status"] == "error" and refused else [f"{error!r}"]
        tally.record("fetch-bounds", f"redirect to {name}", problems)
        assert problems == [], name
    assert server.hits("/internal") == []
    allowed = make_newsletter(tmp_path / "intranet", feeds[:1], allow_private=True)
    assert digest(allowed.root, "fetch").returncode == 0
    assert feed_rows(allowed.root)["loopback"]["status"] in {"ok", "warning"}
    assert len(server.hits("/internal")) == 1


# ---------------------------------------------------------------- nothing lost


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under root with its size and modification time."""
    return {
        path.relative_to(root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
    }


BAD_SETTINGS = {
    "yaml-syntax": "newsletter:\n  name: [unclosed\nfeeds: []\n",
    "unknown-key": "newsletter:\n  name: X\n  colour: blue\nfeeds: []\n",
    "bad-feed": "feeds:\n  - name: a\n    url: ftp://example.com/feed\n",
}
COMMANDS = [
    ("fetch",),
    ("items", "--all"),
    ("feeds", "--json"),
    ("draft", "23"),
    ("build", "22", "--no-pdf"),
    ("build", "--all", "--no-pdf"),
]


@pytest.mark.slow
@pytest.mark.parametrize("bad", list(BAD_SETTINGS))
def test_a_bad_feeds_yaml_writes_nothing(example_root: Path, bad: str, tally: Tally) -> None:
    assert digest(example_root, "build", "--all", "--no-pdf").returncode == 0
    (example_root / "feeds.yaml").write_text(BAD_SETTINGS[bad], "utf-8")
    before = snapshot(example_root)
    for command in COMMANDS:
        done = digest(example_root, *command)
        problems = [] if done.returncode == 2 else [f"exit {done.returncode}: {done.stderr}"]
        if "Traceback" in done.stderr or "feeds.yaml" not in done.stderr:
            problems.append(f"message {done.stderr!r}")
        if snapshot(example_root) != before:
            problems.append("files changed")
        tally.record("file-safety", f"feeds.yaml {bad}: {' '.join(command)}", problems)
        assert problems == [], command


BAD_ISSUES = {
    "yaml-syntax": ("date: 2021-07-15", "date: [2021-07-15"),
    "unknown-country": ("countries: [CN", "countries: [XX, CN"),
    "missing-title": ("title:", "headline:"),
    "javascript-url": ("url: https://", "url: javascript:alert(1)//"),
}


@pytest.mark.slow
@pytest.mark.parametrize("bad", list(BAD_ISSUES))
def test_a_bad_issue_file_writes_nothing(example_root: Path, bad: str, tally: Tally) -> None:
    assert digest(example_root, "build", "--all", "--no-pdf").returncode == 0
    path = example_root / "issues" / "22.yaml"
    old, new = BAD_ISSUES[bad]
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    before = snapshot(example_root)
    for command in [("build", "22", "--no-pdf"), ("build", "--all", "--no-pdf")]:
        done = digest(example_root, *command)
        problems = [] if done.returncode == 2 else [f"exit {done.returncode}: {done.stderr}"]
        if "Traceback" in done.stderr or not re.search(r"22\.yaml:\d+", done.stderr):
            problems.append(f"message {done.stderr!r}")
        if snapshot(example_root) != before:
            problems.append("files changed")
        tally.record("file-safety", f"issue file {bad}: {' '.join(command)}", problems)
        assert problems == [], command
    # a command about another issue goes on, warning about this one (the empty store here
    # has nothing to draft: exit 1), and touches neither the site nor the issue files
    done = digest(example_root, "draft", "23")
    problems = [] if done.returncode == 1 else [f"exit {done.returncode}: {done.stderr}"]
    if "Traceback" in done.stderr or not re.search(r"warning: .*22\.yaml:\d+", done.stderr):
        problems.append(f"message {done.stderr!r}")
    for folder in ("site", "issues"):
        if snapshot(example_root / folder) != snapshot_of(before, folder):
            problems.append(f"{folder}/ changed")
    tally.record("file-safety", f"issue file {bad}: draft 23", problems)
    assert problems == []


def snapshot_of(whole: dict[str, tuple[int, int]], folder: str) -> dict[str, tuple[int, int]]:
    return {
        name.removeprefix(f"{folder}/"): stat
        for name, stat in whole.items()
        if name.startswith(f"{folder}/")
    }


def whole_outputs(site: Path) -> list[str]:
    """Files of the site that are cut short or half-written."""
    return [path.name for path in site.rglob("*") if path.is_file() and not _whole(path)]


def _whole(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF") and b"%%EOF" in data[-64:]
    if path.suffix == ".xml":
        try:
            ET.fromstring(data)
        except ET.ParseError:
            return False
    return True


def leftovers(site: Path) -> list[str]:
    temp = [p.name for p in site.rglob("*") if p.name.endswith(".tmp")]
    staging = [p.name for p in site.parent.glob(f".{site.name}.staging-*")]
    return temp + staging


@pytest.mark.slow
def test_a_build_killed_at_random_moments_leaves_whole_files_and_no_temp_files(
    example_root: Path, tmp_path: Path, tally: Tally
) -> None:
    site = example_root / "site"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(22)
    for round_ in range(5):
        (example_root / "issues" / "22.yaml").write_text(
            (example_root / "issues" / "22.yaml").read_text("utf-8") + f"\n# edit {round_}\n"
        )  # a change, so every round has PDF and pages to write
        process = subprocess.Popen(
            [sys.executable, "-m", "digest", "--root", str(example_root), "build", "--all"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        moment = rng.uniform(0.5, 6.0)
        time.sleep(moment)
        killed = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
        problems = [f"half-written {name}" for name in whole_outputs(site)] if site.is_dir() else []
        tally.record("crash-points", f"build killed at {moment:.1f} s (killed={killed})", problems)
        assert problems == []
    done = digest(example_root, "build", "--all")
    assert done.returncode == 0, done.stderr
    left = leftovers(site)
    tally.record("crash-points", "build after the kills", [f"left {name}" for name in left])
    assert left == []
    fresh = tmp_path / "fresh"
    shutil.copytree(example_root, fresh, ignore=shutil.ignore_patterns("site", ".site.*"))
    assert digest(fresh, "build", "--all").returncode == 0
    for page in (fresh / "site").rglob("*.html"):
        rel = page.relative_to(fresh / "site")
        assert (site / rel).read_bytes() == page.read_bytes(), rel
