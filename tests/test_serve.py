"""`digest serve`: a real server on 127.0.0.1 that rebuilds when an issue file changes."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.newsletter import copy_newsletter

from digest.config import load_config
from digest.serve import PreviewServer


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
