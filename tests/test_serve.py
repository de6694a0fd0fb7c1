"""`digest serve`: a real server on 127.0.0.1 that rebuilds when an issue file changes."""

from __future__ import annotations

import functools
import io
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.newsletter import copy_newsletter

from digest.config import load_config
from digest.serve import VERSION_PATH, PreviewServer


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def messages() -> list[str]:
    return []


@pytest.fixture
def server(tmp_path: Path, messages: list[str]) -> Iterator[PreviewServer]:
    root = copy_newsletter(tmp_path)
    preview = PreviewServer(
        load_config(root), port=0, pdfs=False, poll=0.05, report=messages.append
    )
    preview.build()
    with preview:
        yield preview


def test_serves_the_site_on_loopback(server: PreviewServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    status, body = fetch(server.url + "issues/2/index.html")
    assert status == 200 and "PBoC summons banks over crypto" in body
    status, body = fetch(server.url)
    assert status == 200 and "<h1" in body
    assert fetch(server.url + "nothing-here.html")[0] == 404


def test_an_edited_issue_is_rebuilt_and_served(server: PreviewServer) -> None:
    issue = server.config.root / "issues" / "1.yaml"
    issue.write_text(issue.read_text().replace("First Light", "First Light, Revised"))
    page = server.url + "issues/1/index.html"
    assert wait_for(lambda: "First Light, Revised" in fetch(page)[1])


def test_a_save_caught_halfway_is_built_once_it_is_whole(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    preview = PreviewServer(load_config(root), port=0, pdfs=False, settle=0.5, report=print)
    preview.build()
    issue = root / "issues" / "1.yaml"
    good = issue.read_text("utf-8")
    issue.write_text("", "utf-8")  # an editor's save: the file is emptied, then written
    looking = threading.Thread(target=preview.check)
    looking.start()
    time.sleep(0.1)
    issue.write_text(good.replace("First Light", "First Light, Saved"), "utf-8")
    looking.join()
    page = preview.out / "issues" / "1" / "index.html"
    assert preview.errors == () and preview.builds == 2
    assert "First Light, Saved" in page.read_text("utf-8")
    preview.httpd.server_close()


def test_a_broken_edit_is_reported_and_the_old_site_stays(
    server: PreviewServer, messages: list[str]
) -> None:
    issue = server.config.root / "issues" / "1.yaml"
    builds = server.builds
    issue.write_text(issue.read_text().replace("countries: [CN]", "countries: [QQ]"))
    assert wait_for(lambda: server.builds > builds)
    assert any("unknown country code 'QQ'" in m for m in messages)
    status, body = fetch(server.url + "issues/1/index.html")
    assert status == 200 and "Sichuan miners switch off" in body


def write_issue(server: PreviewServer, number: int, text: str) -> None:
    (server.config.root / "issues" / f"{number}.yaml").write_text(text, "utf-8")


DRAFT = """\
number: 3
draft: true
date: 2021-07-01
title: "TODO: title of issue 3"
sections:
  - heading: Korea
    items:
      - title: Upbit lists the Quokkacoin
        countries: [KR]
"""


def test_the_preview_is_served_with_drafts_and_nothing_goes_to_the_site(
    server: PreviewServer,
) -> None:
    write_issue(server, 3, DRAFT)
    page = server.url + "issues/3/index.html"
    assert wait_for(lambda: "Quokkacoin" in fetch(page)[1])
    assert 'class="draft-banner"' in fetch(page)[1]
    assert server.out == server.config.state_dir.resolve() / "preview"
    assert not server.config.site_dir.exists()
    on_disk = [p.read_bytes() for p in server.out.rglob("*.html")]
    # live reload is added to served pages only, never written into the preview
    assert on_disk and not any(VERSION_PATH.encode() in data for data in on_disk)


def page_shows(url: str, text: str) -> bool:
    return text in fetch(url)[1]


def test_a_bad_edit_is_shown_on_the_page_until_it_is_fixed(
    server: PreviewServer, messages: list[str]
) -> None:
    issue = server.config.root / "issues" / "1.yaml"
    good = issue.read_text("utf-8")
    page = server.url + "issues/1/index.html"
    date = "2026-02-30 is not a date on the calendar"
    country = "unknown country code &#x27;&lt;B&gt;&#x27;"
    for bad, shown in (
        (good.replace("2021-06-01", "2026-02-30"), date),
        (good.replace("countries: [CN]", "countries: [<b>]"), country),
    ):
        issue.write_text(bad, "utf-8")
        assert wait_for(functools.partial(page_shows, page, shown))
        status, body = fetch(page)
        assert status == 200 and 'id="digest-serve-error"' in body
        assert "issues/1.yaml:" in body and "<B>" not in body
        assert "Sichuan miners switch off" in body  # the last good page stays under the error
        assert any("issues/1.yaml:" in m for m in messages)
    issue.write_text(good.replace("First Light", "First Light, Fixed"), "utf-8")

    def fixed() -> bool:
        body = fetch(page)[1]
        return "First Light, Fixed" in body and "digest-serve-error" not in body

    assert wait_for(fixed)
    assert any("fixed" in m for m in messages)


def test_the_open_page_reloads_after_each_rebuild(server: PreviewServer) -> None:
    from support.browser import launch

    issue = server.config.root / "issues" / "1.yaml"
    good = issue.read_text("utf-8")
    with launch() as browser, browser.open(server.url + "issues/1/index.html") as visit:
        page = visit.page
        issue.write_text(good.replace("First Light", "First Light, Live"), "utf-8")
        page.wait_for_function("document.body.innerText.includes('First Light, Live')")
        issue.write_text(good.replace("2021-06-01", "2026-02-30"), "utf-8")
        page.wait_for_selector("#digest-serve-error")
        assert "2026-02-30 is not a date" in page.inner_text("#digest-serve-error")
        issue.write_text(good.replace("First Light", "First Light, Again"), "utf-8")
        # The page a reload fetches mid-build can show the new text under the old error; the
        # end of the build bumps the version and the page reloads once more, without it.
        page.wait_for_function(
            "document.body.innerText.includes('First Light, Again')"
            " && !document.getElementById('digest-serve-error')"
        )
        assert not visit.page_errors and not visit.console_errors


def test_a_draft_page_shows_its_banner(server: PreviewServer) -> None:
    from PIL import Image
    from support.browser import launch

    write_issue(server, 3, DRAFT)
    page = server.url + "issues/3/index.html"
    assert wait_for(lambda: "Quokkacoin" in fetch(page)[1])
    with launch() as browser, browser.open(page) as visit:
        banner = visit.page.locator(".draft-banner")
        assert banner.is_visible() and "Draft" in banner.inner_text()
        shot = Image.open(io.BytesIO(banner.screenshot())).convert("RGB")
        colours = shot.getcolors(shot.width * shot.height) or []
        _, commonest = max(colours)
        assert commonest == (0xFE, 0xF3, 0xC7)  # the banner's own background, on screen
        box = banner.bounding_box()
        assert box is not None and box["height"] > 10 and box["y"] < 600  # near the top


def test_feeds_are_served_as_atom(server: PreviewServer) -> None:
    with urllib.request.urlopen(server.url + "feed.xml", timeout=10) as answer:
        assert answer.headers["Content-Type"] == "application/atom+xml"
        assert answer.read().startswith(b"<?xml")
