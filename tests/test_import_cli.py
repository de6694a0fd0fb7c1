"""`digest import substack` and `digest subscribers` through the command line, on a Substack
export made for the tests (tests/data/substack): Chinese text, a draft, a paid post, a
podcast, a reader who left, a bouncing address and hostile HTML in a body."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from support.cli import CliResult, run_digest
from support.smtpserver import RecordingHandler, SmtpServer

from digest.config import load_config
from digest.issuefile import load_issue

EXPORT = Path(__file__).resolve().parent / "data" / "substack"
HOSTILE = ("<script", "onerror", "javascript:", "evil.example.com", "tracker.example.com",
           "<iframe", "onclick")  # fmt: skip
THEME_SCRIPT = '<script src="../../assets/search.js" defer></script>'
ACTIVE = ["ann@example.org", "bo@example.org", "Cheng.Wei@Example.NET"]


def digest(root: Path, *args: str | Path) -> CliResult:
    return run_digest(*args, root=root)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new newsletter made with 'digest init', allowing images from Substack's CDN."""
    monkeypatch.delenv("DIGEST_SMTP_USER", raising=False)
    monkeypatch.delenv("DIGEST_SMTP_PASSWORD", raising=False)
    folder = tmp_path / "newsletter"
    made = run_digest("init", folder)
    assert made.returncode == 0, made
    settings(
        folder,
        "newsletter",
        remote_image_hosts=["substackcdn.com"],
        url="https://blockchain-asia.example.org/",
    )
    return folder


@pytest.fixture
def export_zip(tmp_path: Path) -> Path:
    """The export as Substack gives it: a zip, here with everything inside one folder."""
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(EXPORT.rglob("*")):
            if file.is_file():
                archive.write(file, f"substack-export/{file.relative_to(EXPORT).as_posix()}")
    return path


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer(RecordingHandler()) as running:
        yield running


def settings(root: Path, key: str, **values: object) -> None:
    path = root / "feeds.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault(key, {}).update(values)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def imported(root: Path, export: Path) -> CliResult:
    result = digest(root, "import", "substack", export)
    assert result.returncode == 0, result
    return result


def test_each_published_post_becomes_an_issue_that_builds(root: Path, export_zip: Path) -> None:
    result = imported(root, export_zip)
    assert sorted(p.name for p in (root / "issues").glob("*.yaml")) == [
        "19.yaml", "20.yaml", "21.yaml",
    ]  # fmt: skip
    for post in ("100031.paid-deep-dive", "100032.episode-3", "100030.blockchain-asia-22-draft"):
        assert f"skipped post {post}" in result.stdout
    config = load_config(root)
    first = load_issue(config, 19)
    assert (first.title, first.date.isoformat()) == ("Sichuan Goes Dark", "2021-06-02")
    assert first.subtitle == "Hydropower miners pack up; Japan checks its exchanges"
    assert first.summary == ("China's hydropower miners pack up",
                             "Japan's FSA checks the exchanges again")  # fmt: skip
    assert [s.heading for s in first.sections] == ["China", "Japan"]
    china = first.sections[0].items
    assert china[0].title == "Sichuan orders miners off the grid"
    assert (china[0].source, china[0].countries) == ("CoinDesk", ("CN",))
    assert "mining" in china[0].topics
    assert china[1].title == "中国人民银行约谈工商银行和支付宝"
    assert (china[1].lang, china[1].source) == ("zh", "8btc")
    japan = first.sections[1].items[0]
    assert "![Exchange volumes in yen](https://substackcdn.com/image/fetch/chart.png)" in japan.body
    assert "Customer assets must be kept apart" in japan.body  # a quote is kept, not dropped
    assert "Rigs powering down" in china[0].body  # an image from elsewhere: its words only
    second = load_issue(config, 20)
    assert second.title == "Kazakhstan Calling"
    assert [s.heading for s in second.sections] == ["Mining", "Singapore"]
    assert second.sections[0].items[0].title == "BIT Mining ships its machines to Kazakhstan"
    assert second.sections[0].items[0].source == "Reuters"
    third = load_issue(config, 21)  # no number in its title: the next after #20
    assert third.title == "A Note on the Banks" and third.intro == "A short note between issues."
    built = digest(root, "build", "--all")
    assert built.returncode == 0, built
    for number in (19, 20, 21):
        page = (root / "site" / "issues" / str(number) / "index.html").read_text("utf-8")
        page = page.replace(THEME_SCRIPT, "")  # the search box's script is the theme's own
        assert not [word for word in HOSTILE if word in page.lower()]


def test_hostile_html_leaves_nothing_in_the_issue_files(root: Path) -> None:
    imported(root, EXPORT)
    text = (root / "issues" / "19.yaml").read_text("utf-8")
    assert not [word for word in HOSTILE if word in text.lower()]
    assert "<" not in text.replace("&lt;", "")
    assert "Hashrate fell by a third within days. More here" in text  # the link's words stay


def test_importing_again_changes_nothing(root: Path, export_zip: Path) -> None:
    imported(root, export_zip)
    before = {p.name: p.read_bytes() for p in (root / "issues").iterdir()}
    again = imported(root, EXPORT)  # the unpacked folder is the same export
    assert "wrote" not in again.stdout
    assert "3 issue file(s) already imported, unchanged" in again.stdout
    assert {p.name: p.read_bytes() for p in (root / "issues").iterdir()} == before


def test_an_existing_issue_file_is_never_overwritten(root: Path) -> None:
    mine = root / "issues" / "20.yaml"
    mine.write_text("number: 20\ndate: 2021-06-16\ntitle: Mine\n", encoding="utf-8")
    result = digest(root, "import", "substack", EXPORT)
    assert result.returncode == 2
    assert "20.yaml" in result.stderr and "never overwrites" in result.stderr
    assert mine.read_text(encoding="utf-8").endswith("title: Mine\n")
    assert not (root / "issues" / "19.yaml").exists()  # nothing half done
    assert digest(root, "subscribers", "count").stdout.startswith("active: 0")


def test_an_edited_import_is_kept_too(root: Path) -> None:
    imported(root, EXPORT)
    edited = root / "issues" / "19.yaml"
    edited.write_text(edited.read_text("utf-8").replace("Sichuan Goes Dark", "Dark"), "utf-8")
    result = digest(root, "import", "substack", EXPORT)
    assert result.returncode == 2 and "edited since" in result.stderr
    assert "title: Dark" in edited.read_text("utf-8")


def test_drafts_are_written_only_when_asked(root: Path) -> None:
    result = digest(root, "import", "substack", EXPORT, "--include-drafts")
    assert result.returncode == 0, result
    text = (root / "issues" / "22.yaml").read_text("utf-8")
    assert "\ndraft: true\n" in text and "title: The e-CNY Arrives" in text
    assert "skipped post 100030" not in result.stdout


def test_imported_items_count_as_used_in_the_next_draft(root: Path, tmp_path: Path) -> None:
    imported(root, EXPORT)
    feed = root / "feed.xml"
    feed.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example.org/</link>
<item><title>Sichuan orders bitcoin miners off the grid</title>
<link>https://www.coindesk.com/policy/2021/06/19/sichuan-miners-offline</link>
<pubDate>Fri, 25 Jun 2021 08:00:00 GMT</pubDate>
<description>Bitcoin miners in China.</description></item>
<item><title>Bitcoin miners in Kazakhstan double their power use</title>
<link>https://wire.example.org/kazakhstan-bitcoin-power</link>
<pubDate>Sat, 26 Jun 2021 08:00:00 GMT</pubDate>
<description>Bitcoin mining grows.</description></item>
</channel></rss>""",
        encoding="utf-8",
    )
    data = yaml.safe_load((root / "feeds.yaml").read_text("utf-8"))
    data["feeds"] = [{"name": "Wire", "url": "feed.xml"}]
    (root / "feeds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert digest(root, "fetch").returncode == 0
    drafted = digest(root, "draft", "22", "--until", "2021-06-30")
    assert drafted.returncode == 0, drafted
    draft = (root / "issues" / "22.yaml").read_text("utf-8")
    assert "kazakhstan-bitcoin-power" in draft
    assert "sichuan-miners-offline" not in draft  # issue 19 used it


def test_subscribers_are_recorded_and_a_reader_who_left_stays_out(root: Path) -> None:
    result = imported(root, EXPORT)
    assert "3 active, 1 unsubscribed, 1 disabled" in result.stdout
    assert digest(root, "subscribers", "list").stdout.split() == ACTIVE
    assert digest(root, "subscribers", "count").stdout.split() == [
        "active:", "3", "unsubscribed:", "1", "disabled:", "1",
    ]  # fmt: skip
    # A reader leaves by hand; the next import says they are active: they stay out.
    assert digest(root, "subscribers", "remove", "ann@example.org").returncode == 0
    again = imported(root, EXPORT)
    assert "who left earlier kept out" in again.stdout
    assert "ann@example.org" not in digest(root, "subscribers", "list").stdout
    refused = digest(root, "subscribers", "add", "ann@example.org")
    assert refused.returncode == 2 and "unsubscribed" in refused.stderr
    back = digest(root, "subscribers", "add", "--resubscribe", "ann@example.org")
    assert back.returncode == 0
    exported = digest(root, "subscribers", "export").stdout.splitlines()
    assert exported[0] == "email,status,subscribed,changed,source"
    assert any(line.startswith("left@example.org,unsubscribed,") for line in exported)
    assert not [p for p in root.rglob("*") if ".digest" not in p.parts and p.is_file()
                and "ann@example.org" in p.read_text("utf-8", errors="replace")]  # fmt: skip


def test_send_mails_the_active_subscribers_and_never_those_who_left(
    root: Path, server: SmtpServer, tmp_path: Path
) -> None:
    settings(root, "email", host=server.host, port=server.port, security="none",
             **{"from": "Editor <editor@example.org>"})  # fmt: skip
    imported(root, EXPORT)
    assert digest(root, "build", "20").returncode == 0
    sent = digest(root, "send", "20")
    assert sent.returncode == 0, sent
    assert sorted(server.handler.recipients(), key=str.lower) == ACTIVE
    listed = tmp_path / "list.txt"
    listed.write_text("left@example.org\nbounce@example.org\nnew@example.org\n", "utf-8")
    again = digest(root, "send", "20", "--list", listed)
    assert again.returncode == 0, again
    assert "skipped 2 recorded as unsubscribed or disabled" in again.stderr
    received = server.handler.recipients()
    assert "new@example.org" in received
    assert not {"left@example.org", "bounce@example.org"} & set(received)


def test_a_missing_export_is_a_short_error(root: Path, tmp_path: Path) -> None:
    result = digest(root, "import", "substack", tmp_path / "nothing.zip")
    assert result.returncode == 2 and "not found" in result.stderr
    folder = tmp_path / "empty"
    shutil.copytree(EXPORT / "posts", folder)
    result = digest(root, "import", "substack", folder)
    assert result.returncode == 2 and "no posts.csv" in result.stderr
