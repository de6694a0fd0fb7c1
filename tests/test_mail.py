"""`digest send` and `digest sent` against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from support.cli import CliResult, run_digest
from support.smtpserver import RecordingHandler, SmtpServer, free_port

from digest.addresses import (
    AddressError,
    HeaderError,
    check_header_text,
    gather_recipients,
    parse_recipient,
    read_recipient_file,
)
from digest.build import build_issue
from digest.config import load_config
from digest.issuefile import load_issue
from digest.mail import GMAIL_CLIP_BYTES, compose, send_lock
from digest.mailtext import display_width

DATA = Path(__file__).parent / "data" / "mail"
SMALL_TITLE = "四川 Miners on the Move"
EXAMPLE_TITLE = "Miners on the Move, Regulators on the March"
CHINESE_ITEM = "数字人民币红包开进北京"
SENDER = "editor@blockchain-asia.example.org"


def digest(root: Path, *args: str) -> CliResult:
    return run_digest(*args, root=root)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer(RecordingHandler()) as running:
        yield running


@pytest.fixture(scope="module")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example newsletter's site built once (PDF included), for the tests to copy."""
    folder = tmp_path_factory.mktemp("built") / "newsletter"
    folder.mkdir()
    shutil.copy(ROOT / "feeds.yaml", folder / "feeds.yaml")
    shutil.copytree(ROOT / "issues", folder / "issues")
    shutil.copytree(ROOT / "templates", folder / "templates")
    build_issue(load_config(folder), 22)
    return folder / "site"


@pytest.fixture
def root(
    example_root: Path, server: SmtpServer, built_example: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The example newsletter, already built, its email settings pointed at the test server."""
    monkeypatch.delenv("DIGEST_SMTP_USER", raising=False)
    monkeypatch.delenv("DIGEST_SMTP_PASSWORD", raising=False)
    shutil.copytree(built_example, example_root / "site")  # build times kept: newer than issues
    set_email(example_root, host=server.host, port=server.port, security="none")
    return example_root


@pytest.fixture
def small_root(tmp_path: Path, server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-page newsletter with a Chinese title, not built yet."""
    monkeypatch.delenv("DIGEST_SMTP_USER", raising=False)
    monkeypatch.delenv("DIGEST_SMTP_PASSWORD", raising=False)
    folder = tmp_path / "small"
    shutil.copytree(DATA, folder)
    set_email(folder, host=server.host, port=server.port, security="none")
    return folder


def set_email(root: Path, **settings: object) -> None:
    path = root / "feeds.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("email", {}).update(settings)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def built_pdf(root: Path) -> Path:
    return root / "site" / "issues" / "22" / "blockchain-asia-22.pdf"


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # a transfer-encoded body keeps CRLF


def write_list(root: Path, text: str) -> Path:
    path = root / "subscribers.txt"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the message


def test_each_recipient_gets_one_well_formed_message(root: Path, server: SmtpServer) -> None:
    set_email(root, **{"from": "Coco 可可 <editor@blockchain-asia.example.org>"})
    run = digest(root, "send", "22", "--to", "ann@example.org", "--to", "Bo 李 <bo@example.net>")
    assert run.returncode == 0, run.stderr
    assert "2 sent" in run.stdout

    received = server.handler.received
    assert [r.rcpt_tos for r in received] == [("ann@example.org",), ("bo@example.net",)]
    assert {r.mail_from for r in received} == {SENDER}
    messages = server.handler.messages()
    ids = {m["Message-ID"] for m in messages}
    assert len(ids) == 2 and all(i.endswith("@blockchain-asia.example.org>") for i in ids)

    for message, to in zip(messages, ["ann@example.org", "bo@example.net"], strict=True):
        (only_to,) = message.get_all("To") or []
        assert [a.addr_spec for a in only_to.addresses] == [to]
        assert message["Cc"] is None and message["Bcc"] is None
        assert str(message["Subject"]) == f"Blockchain Asia #22: {EXAMPLE_TITLE}"
        assert message["From"].addresses[0].display_name == "Coco 可可"
        assert message["From"].addresses[0].addr_spec == SENDER
        assert str(message["Reply-To"]) == SENDER
        assert parsedate_to_datetime(message["Date"]).tzinfo is not None
        assert message["List-Unsubscribe"] == f"<mailto:{SENDER}?subject=unsubscribe>"
        assert message["List-Unsubscribe-Post"] is None  # only for https unsubscribe links

        assert message.get_content_type() == "multipart/mixed"
        outer = list(message.iter_parts())
        assert [p.get_content_type() for p in outer] == ["multipart/alternative", "application/pdf"]
        inner = list(outer[0].iter_parts())
        assert [p.get_content_type() for p in inner] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() in ("utf-8", "us-ascii") for p in inner)

        pdf = outer[1]
        assert pdf.get_filename() == "blockchain-asia-22.pdf"
        assert pdf.get_content_disposition() == "attachment"
        assert pdf.get_content() == built_pdf(root).read_bytes()

    assert messages[1]["To"].addresses[0].display_name == "Bo 李"
    raw_headers = received[1].data.split(b"\r\n\r\n", 1)[0]
    assert "李".encode() not in raw_headers and "可可".encode() not in raw_headers
    assert b"=?utf-8?" in raw_headers  # RFC 2047 encoded words, not raw UTF-8


def test_text_and_html_bodies_read_well(root: Path, server: SmtpServer) -> None:
    assert digest(root, "send", "22", "--to", "ann@example.org").returncode == 0
    message = server.handler.messages()[0]

    text = text_part(message)
    assert EXAMPLE_TITLE in text and CHINESE_ITEM in text
    assert "https://blockchain-asia.example.org/issues/22/" in text

    html = html_part(message)
    assert len(html.encode("utf-8")) < GMAIL_CLIP_BYTES
    assert "<style" not in html and "<script" not in html.lower() and "<img" not in html
    assert 'style="' in html and "max-width: 600px" in html
    assert 'href="https://blockchain-asia.example.org/issues/22/"' in html
    assert CHINESE_ITEM in html and 'lang="zh"' in html


def test_chinese_title_round_trips(small_root: Path, server: SmtpServer) -> None:
    path = small_root / "issues" / "22.yaml"
    text = path.read_text(encoding="utf-8").replace("That is all", ".hidden dot\n  That is all")
    path.write_text(text, encoding="utf-8")
    run = digest(small_root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 0, run.stderr
    message = server.handler.messages()[0]
    assert str(message["Subject"]) == f"Blockchain Asia #22: {SMALL_TITLE}"
    assert message["From"].addresses[0].display_name == "Coco 可可"
    raw = server.handler.received[0].data
    assert "四川".encode() not in raw  # headers are RFC 2047, bodies transfer-encoded
    assert SMALL_TITLE in text_part(message) and SMALL_TITLE in html_part(message)
    assert "\n.hidden dot" in text_part(message)  # a line starting with a dot survives SMTP


def test_https_unsubscribe_adds_one_click_header(root: Path) -> None:
    set_email(root, list_unsubscribe="https://news.example.org/unsubscribe?list=ba")
    config = load_config(root)
    letter = compose(config, load_issue(config, 22), b"%PDF-1.7", now=dt.datetime.now(dt.UTC))
    head = letter.shared.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "List-Unsubscribe: <https://news.example.org/unsubscribe?list=ba>" in head
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in head


def test_a_300_item_issue_is_shortened_under_the_clipping_limit(
    small_root: Path, server: SmtpServer
) -> None:
    set_email(small_root, pdf="none")
    body = "Paragraph of commentary on the market, with **one** [link](https://example.com/a). " * 6
    edit_issue(
        small_root,
        sections=[
            {
                "heading": f"Region {region}",
                "items": [
                    {"title": f"Story {region * 100 + n}", "url": f"https://example.com/{n}",
                     "source": "Example Wire", "body": body}
                    for n in range(100)
                ],
            }
            for region in range(3)
        ],
    )  # fmt: skip
    run = digest(small_root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 0, run.stderr
    assert "warning: issue #22's HTML part would be" in run.stderr
    assert "over Gmail's 102 KB clipping limit" in run.stderr

    message = server.handler.messages()[0]
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    encoded = html.get_payload()
    assert isinstance(encoded, str) and len(encoded.encode()) < GMAIL_CLIP_BYTES
    content = html_part(message)
    shown = re.findall(r">Story (\d+)</a></h3>", content)
    assert 10 < len(shown) < 300
    assert shown == [str(n) for n in range(len(shown))]  # the first items, in order
    assert f"first {len(shown)} of 300 items" in run.stderr
    assert content.count("Read at <a") == len(shown)  # each shown item whole, links included
    assert re.search(
        r'<a href="https://news.example.org/blockchain-asia/issues/22/"[^>]*>'
        r"<strong[^>]*>Read the whole issue</strong></a>",
        content,
    )
    text = text_part(message)
    assert "Story 299" in text  # the text part is always whole


def edit_issue(root: Path, **changes: object) -> None:
    path = root / "issues" / "22.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def all_links(message: EmailMessage) -> tuple[list[str], list[str]]:
    """Every href of the HTML part, and every footnoted address of the text part."""
    hrefs = re.findall(r'href="([^"]*)"', html_part(message))
    text = text_part(message)
    footnotes = re.findall(r"^\[\d+\] (\S+)$", text.split("\nLinks\n", 1)[1], re.M)
    return hrefs, footnotes


# ---------------------------------------------------------------- plain text and links


def test_the_text_part_is_plain_text_wrapped_with_footnoted_links(
    root: Path, server: SmtpServer
) -> None:
    assert digest(root, "send", "22", "--to", "ann@example.org").returncode == 0
    text = text_part(server.handler.messages()[0])
    assert "Blockchain Asia #22." in text  # the greeting, no Markdown escape
    assert "\\" not in text and "(<" not in text and "](" not in text and "**" not in text
    assert f"{EXAMPLE_TITLE}\n{'=' * len(EXAMPLE_TITLE)}\n" in text
    assert "\nChina\n-----\n" in text
    assert "\n1. Bitcoin's mining difficulty fell 27.94% on July 3" in text
    assert "Read at CoinDesk [2] · Also: The Block [3]" in text
    body, links = text.split("\nLinks\n-----\n")
    assert all(display_width(line) <= 72 for line in body.splitlines())
    assert links.startswith("[1] https://blockchain-asia.example.org/issues/22/\n")
    assert "北京市通过摇号向20万名市民各发放200元数字人民币红包" in text.replace("\n", "")


def test_every_link_is_absolute_in_both_parts(small_root: Path, server: SmtpServer) -> None:
    edit_issue(
        small_root,
        intro="See [last week](../21/) and [the archive](/archive/) and [a page](notes.html).",
    )
    assert digest(small_root, "send", "22", "--to", "ann@example.org").returncode == 0
    hrefs, footnotes = all_links(server.handler.messages()[0])
    site = "https://news.example.org/blockchain-asia"
    for expected in (f"{site}/issues/21/", "https://news.example.org/archive/",
                     f"{site}/issues/22/notes.html", f"{site}/issues/22/"):  # fmt: skip
        assert expected in hrefs and expected in footnotes
    assert all(link.startswith(("https://", "mailto:")) for link in hrefs + footnotes)


def test_a_follow_up_links_the_entry_it_follows(small_root: Path, server: SmtpServer) -> None:
    path = small_root / "issues" / "22.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(item for section in data["sections"] for item in section.get("items", []))
    entry["follow_up"] = {"issue": 21, "anchor": "item-2"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    hrefs, footnotes, text = sent_links_and_text(small_root, server)
    linked = "https://news.example.org/blockchain-asia/issues/21/#item-2"
    assert linked in hrefs and linked in footnotes
    assert "Follow-up to #21" in text


def sent_links_and_text(root: Path, server: SmtpServer) -> tuple[list[str], list[str], str]:
    """Issue 22 sent to one reader: the HTML part's links, the text part's footnoted links,
    and the text part on one line."""
    assert digest(root, "send", "22", "--to", "ann@example.org").returncode == 0
    message = server.handler.messages()[0]
    hrefs, footnotes = all_links(message)
    return hrefs, footnotes, " ".join(text_part(message).split())


def test_previously_links_the_entry_of_the_earlier_issue(
    small_root: Path, server: SmtpServer
) -> None:
    path = small_root / "issues" / "22.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    earlier = {**data, "number": 21, "date": "2021-07-01", "sections": data["sections"][::-1]}
    (small_root / "issues" / "21.yaml").write_text(
        yaml.safe_dump(earlier, allow_unicode=True), encoding="utf-8"
    )
    data["sections"][0]["items"][0]["previously"] = [21]  # Sichuan: the 2nd entry of #21
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    hrefs, footnotes, text = sent_links_and_text(small_root, server)
    linked = "https://news.example.org/blockchain-asia/issues/21/#item-2"
    assert linked in hrefs and linked in footnotes
    assert "Previously in #21" in text


def test_a_send_without_the_site_url_is_refused_but_a_dry_run_warns(
    small_root: Path, server: SmtpServer, tmp_path: Path
) -> None:
    path = small_root / "feeds.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["newsletter"]["url"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    run = digest(small_root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2
    assert "newsletter.url is not set" in run.stderr and "dead in a mailbox" in run.stderr
    assert "Set newsletter.url" in run.stderr
    test = digest(small_root, "send", "22", "--test", "ann@example.org")
    assert test.returncode == 2 and "newsletter.url" in test.stderr
    assert server.handler.received == []

    dry = digest(small_root, "send", "22", "--to", "ann@example.org", "--dry-run", str(tmp_path))
    assert dry.returncode == 0, dry.stderr
    assert "warning: newsletter.url is not set" in dry.stderr
    assert (tmp_path / "ann@example.org.eml").is_file()


# ---------------------------------------------------------------- unsubscribing


def test_unsubscribe_page_and_mailto_both_listed_with_one_click(
    small_root: Path, server: SmtpServer
) -> None:
    set_email(
        small_root, unsubscribe_url="https://news.example.org/unsubscribe?list=ba", pdf="none"
    )
    assert digest(small_root, "send", "22", "--to", "ann@example.org").returncode == 0
    message = server.handler.messages()[0]
    assert message["List-Unsubscribe"] == (
        "<https://news.example.org/unsubscribe?list=ba>, "
        "<mailto:coco@example.org?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    hrefs, _ = all_links(message)
    assert "https://news.example.org/unsubscribe?list=ba" in hrefs  # the footer's link


def test_mailto_unsubscribe_alone_has_no_one_click(small_root: Path, server: SmtpServer) -> None:
    set_email(small_root, pdf="none")
    assert digest(small_root, "send", "22", "--to", "ann@example.org").returncode == 0
    message = server.handler.messages()[0]
    assert message["List-Unsubscribe"] == "<mailto:coco@example.org?subject=unsubscribe>"
    assert message["List-Unsubscribe-Post"] is None


# ---------------------------------------------------------------- the PDF


def test_pdf_is_built_when_missing_and_rebuilt_when_the_issue_changes(
    small_root: Path, server: SmtpServer
) -> None:
    root = small_root
    assert not built_pdf(root).exists()
    assert digest(root, "send", "22", "--to", "ann@example.org").returncode == 0
    first = built_pdf(root).read_bytes()
    issue = root / "issues" / "22.yaml"
    text = issue.read_text(encoding="utf-8").replace("That is all", "That is everything")
    issue.write_text(text, encoding="utf-8")
    later = time.time() + 5
    os.utime(issue, (later, later))
    assert digest(root, "send", "22", "--to", "bo@example.org").returncode == 0
    assert built_pdf(root).read_bytes() != first
    pdf = next(server.handler.messages()[1].iter_attachments())
    assert pdf.get_content() == built_pdf(root).read_bytes()


@pytest.mark.parametrize("mode", ["link", "none"])
def test_the_pdf_can_be_linked_or_left_out(small_root: Path, server: SmtpServer, mode: str) -> None:
    set_email(small_root, pdf=mode)
    run = digest(small_root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 0, run.stderr
    assert not built_pdf(small_root).exists()  # nothing built that nobody gets
    message = server.handler.messages()[0]
    assert message.get_content_type() == "multipart/alternative"
    assert list(message.iter_attachments()) == []
    hrefs, _ = all_links(message)
    pdf_url = "https://news.example.org/blockchain-asia/issues/22/blockchain-asia-22.pdf"
    text = text_part(message)
    assert "attached" not in text
    if mode == "link":
        assert pdf_url in hrefs
        assert f"Download the issue as a PDF: {pdf_url}" in " ".join(text.split())
    else:
        assert ".pdf" not in text and not any(".pdf" in href for href in hrefs)


# ---------------------------------------------------------------- internationalised addresses

IDN_LOCAL = "陈@例子.中国"
IDN_DOMAIN = "ann@例子.中国"
IDN_DOMAIN_ASCII = "ann@xn--fsqu00a.xn--fiqs8s"


def test_internationalised_addresses_go_out_where_the_server_offers_smtputf8(
    small_root: Path,
) -> None:
    set_email(small_root, pdf="none")
    with SmtpServer(RecordingHandler(), smtputf8=True) as utf8:
        set_email(small_root, port=utf8.port)
        run = digest(small_root, "send", "22", "--to", f"陈先生 <{IDN_LOCAL}>",
                     "--to", IDN_DOMAIN, "--to", "bo@example.org")  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "3 sent" in run.stdout
        received = {r.rcpt_tos[0]: r for r in utf8.handler.received}
    assert sorted(received) == sorted([IDN_LOCAL, IDN_DOMAIN_ASCII, "bo@example.org"])
    assert "SMTPUTF8" in received[IDN_LOCAL].mail_options
    assert "SMTPUTF8" not in received[IDN_DOMAIN_ASCII].mail_options  # IDNA is enough
    assert received["bo@example.org"].mail_options == ()
    # SMTPUTF8 headers are raw UTF-8 (RFC 6532), which the email package reads only from text
    to = message_from_string(received[IDN_LOCAL].data.decode(), policy=policy.default)["To"]
    to = to.addresses[0]
    assert (to.display_name, to.addr_spec) == ("陈先生", IDN_LOCAL)
    assert received[IDN_DOMAIN_ASCII].message()["To"].addresses[0].addr_spec == IDN_DOMAIN_ASCII


def test_without_smtputf8_such_an_address_is_refused_and_the_rest_still_sent(
    small_root: Path, server: SmtpServer
) -> None:
    set_email(small_root, pdf="none")
    subscribers = write_list(small_root, f"ann@example.org\n{IDN_LOCAL}\n{IDN_DOMAIN}\n")
    first = digest(small_root, "send", "22", "--list", str(subscribers))
    assert first.returncode == 1
    assert f"{IDN_LOCAL}: refused (permanent): " in first.stderr
    assert "does not offer SMTPUTF8" in first.stderr
    assert server.handler.recipients() == ["ann@example.org", IDN_DOMAIN_ASCII]

    log = json.loads(digest(small_root, "sent", "22", "--json").stdout)
    assert [(e["recipient"], e["result"]) for e in log] == [
        ("ann@example.org", "sent"), (IDN_LOCAL, "refused"), (IDN_DOMAIN, "sent"),
    ]  # fmt: skip
    again = digest(small_root, "send", "22", "--list", str(subscribers))
    assert again.returncode == 0
    assert f"{IDN_LOCAL}: refused earlier" in again.stderr  # reported, not retried
    assert len(server.handler.received) == 2


def test_a_sender_whose_local_part_is_not_ascii_is_refused(
    small_root: Path, server: SmtpServer
) -> None:
    set_email(small_root, **{"from": f"Coco <{IDN_LOCAL}>"})
    run = digest(small_root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2 and "email.from" in run.stderr and "SMTPUTF8" in run.stderr
    assert server.handler.received == []


def test_an_internationalised_dry_run_file_is_named_after_the_address(
    small_root: Path, tmp_path: Path
) -> None:
    set_email(small_root, pdf="none")
    out = tmp_path / "outbox"
    run = digest(small_root, "send", "22", "--to", IDN_LOCAL, "--dry-run", str(out))
    assert run.returncode == 0, run.stderr
    assert [p.name for p in out.iterdir()] == [f"{IDN_LOCAL}.eml"]


# ---------------------------------------------------------------- test copies and drafts


def test_a_test_copy_is_marked_and_not_logged(small_root: Path, server: SmtpServer) -> None:
    set_email(small_root, pdf="none")
    run = digest(small_root, "send", "22", "--test", "ed@example.org", "--test", "cy@example.org")
    assert run.returncode == 0, run.stderr
    assert "test copy sent to ed@example.org, cy@example.org" in run.stdout
    subjects = [str(m["Subject"]) for m in server.handler.messages()]
    assert subjects == [f"[Test] Blockchain Asia #22: {SMALL_TITLE}"] * 2
    assert "not been sent" in digest(small_root, "sent", "22").stdout

    real = digest(small_root, "send", "22", "--to", "ed@example.org")
    assert real.returncode == 0 and "1 sent" in real.stdout  # the test did not count
    assert str(server.handler.messages()[2]["Subject"]) == f"Blockchain Asia #22: {SMALL_TITLE}"


def test_test_copies_go_only_to_their_own_addresses(small_root: Path, server: SmtpServer) -> None:
    run = digest(small_root, "send", "22", "--test", "ed@example.org", "--to", "ann@example.org")
    assert run.returncode == 2 and "--test sends only to its own addresses" in run.stderr
    assert server.handler.received == []


def test_a_draft_is_refused_except_for_a_dry_run_or_a_test_copy(
    small_root: Path, server: SmtpServer, tmp_path: Path
) -> None:
    set_email(small_root, pdf="none")
    path = small_root / "issues" / "22.yaml"
    path.write_text("draft: true\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    run = digest(small_root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2
    assert "issue 22 is a draft: delete the `draft: true` line to publish it" in run.stderr
    assert server.handler.received == []
    dry = digest(small_root, "send", "22", "--to", "ann@example.org", "--dry-run", str(tmp_path))
    assert dry.returncode == 0, dry.stderr
    test = digest(small_root, "send", "22", "--test", "ed@example.org")
    assert test.returncode == 0, test.stderr
    assert server.handler.recipients() == ["ed@example.org"]


def test_an_unfinished_issue_is_refused_with_its_line(small_root: Path, server: SmtpServer) -> None:
    set_email(small_root, pdf="none")
    path = small_root / "issues" / "22.yaml"
    text = path.read_text(encoding="utf-8")
    title_line = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("title:"))
    lines = text.splitlines()
    lines[title_line - 1] = 'title: "TODO: title of issue 22"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = digest(small_root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2
    assert f"22.yaml:{title_line}" in run.stderr and "TODO" in run.stderr
    assert server.handler.received == []


# ---------------------------------------------------------------- exactly once


def test_second_run_skips_everyone_already_sent(root: Path, server: SmtpServer) -> None:
    subscribers = write_list(root, "ann@example.org\nbo@example.org\n")
    assert digest(root, "send", "22", "--list", str(subscribers)).returncode == 0
    again = digest(root, "send", "22", "--list", str(subscribers))
    assert again.returncode == 0
    assert "everyone already served" in again.stdout
    assert len(server.handler.received) == 2


def test_one_connection_serves_every_recipient(root: Path, server: SmtpServer) -> None:
    subscribers = write_list(root, "".join(f"reader{n}@example.org\n" for n in range(6)))
    assert digest(root, "send", "22", "--list", str(subscribers)).returncode == 0
    assert len(server.handler.received) == 6
    assert server.handler.hellos == 1


def test_dropped_connection_is_reopened_and_the_run_goes_on(root: Path, server: SmtpServer) -> None:
    server.handler.drop_after = 2
    subscribers = write_list(root, "".join(f"reader{n}@example.org\n" for n in range(5)))
    run = digest(root, "send", "22", "--list", str(subscribers))
    assert run.returncode == 0, run.stderr
    assert sorted(server.handler.recipients()) == [f"reader{n}@example.org" for n in range(5)]
    assert server.handler.hellos == 2


def test_server_gone_mid_list_then_next_run_delivers_the_rest_once(
    root: Path, server: SmtpServer
) -> None:
    server.handler.drop_after = 2
    server.handler.stay_down = True
    everyone = [f"reader{n}@example.org" for n in range(5)]
    subscribers = write_list(root, "\n".join(everyone) + "\n")

    first = digest(root, "send", "22", "--list", str(subscribers))
    assert first.returncode == 1
    assert "did not reach everyone" in first.stderr
    assert server.handler.recipients() == everyone[:2]

    server.handler.down = False
    second = digest(root, "send", "22", "--list", str(subscribers))
    assert second.returncode == 0, second.stderr
    assert "3 sent" in second.stdout and "2 already sent" in second.stdout
    assert sorted(server.handler.recipients()) == everyone  # each exactly once

    log = json.loads(digest(root, "sent", "22", "--json").stdout)
    sent = [e["recipient"] for e in log if e["result"] == "sent"]
    assert sorted(sent) == everyone


def test_refusals_temporary_retried_permanent_not(root: Path, server: SmtpServer) -> None:
    server.handler.refuse = {"busy@example.org": 450, "gone@example.org": 550}
    subscribers = write_list(root, "ann@example.org\nbusy@example.org\ngone@example.org\n")

    first = digest(root, "send", "22", "--list", str(subscribers))
    assert first.returncode == 1
    assert "busy@example.org: not sent (will retry): 450" in first.stderr
    assert "gone@example.org: refused (permanent): 550" in first.stderr
    assert server.handler.recipients() == ["ann@example.org"]

    server.handler.refuse = {"gone@example.org": 550}
    second = digest(root, "send", "22", "--list", str(subscribers))
    assert second.returncode == 0, second.stderr
    assert server.handler.recipients() == ["ann@example.org", "busy@example.org"]
    assert "gone@example.org: refused earlier (550" in second.stderr

    third = digest(root, "send", "22", "--list", str(subscribers))
    assert third.returncode == 0
    assert "everyone already served (2 sent earlier, 1 refused for good earlier)" in third.stdout
    assert len(server.handler.received) == 2

    log = json.loads(digest(root, "sent", "22", "--json").stdout)
    assert [(e["recipient"], e["result"], e["code"]) for e in log] == [
        ("ann@example.org", "sent", 250),
        ("busy@example.org", "failed", 450),
        ("gone@example.org", "refused", 550),
        ("busy@example.org", "sent", 250),
    ]
    assert all(e["message_id"].startswith("<") for e in log)


def test_resend_sends_to_everyone_again(root: Path, server: SmtpServer) -> None:
    assert digest(root, "send", "22", "--to", "ann@example.org").returncode == 0
    again = digest(root, "send", "22", "--to", "ann@example.org", "--resend")
    assert again.returncode == 0
    assert server.handler.recipients() == ["ann@example.org", "ann@example.org"]
    ids = [m["Message-ID"] for m in server.handler.messages()]
    assert ids[0] != ids[1]


def test_login_only_from_the_environment_and_never_in_clear_to_a_remote_host(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_email(root, host="mail.example.org")
    monkeypatch.setenv("DIGEST_SMTP_USER", "coco")
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "secret")
    run = digest(root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2
    assert "unencrypted" in run.stderr and "secret" not in run.stderr


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_comes_from_the_environment(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SmtpServer(RecordingHandler(), login=("coco", "s3cret")) as locked:
        set_email(root, port=locked.port)
        refused = digest(root, "send", "22", "--to", "ann@example.org")
        assert refused.returncode == 1 and locked.handler.received == []

        monkeypatch.setenv("DIGEST_SMTP_USER", "coco")
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "wrong")
        wrong = digest(root, "send", "22", "--to", "ann@example.org")
        assert wrong.returncode == 1 and "refused the login" in wrong.stderr
        assert "wrong" not in wrong.stderr

        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret")
        run = digest(root, "send", "22", "--to", "ann@example.org")
        assert run.returncode == 0, run.stderr
        assert locked.logins == ["coco"]
        assert locked.handler.recipients() == ["ann@example.org"]


def test_a_second_send_of_the_same_issue_waits_its_turn(root: Path, server: SmtpServer) -> None:
    with send_lock(load_config(root), 22):
        run = digest(root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 1 and "another 'digest send 22' is running" in run.stderr
    assert server.handler.received == []


def test_unreachable_server_fails_with_exit_1(root: Path) -> None:
    set_email(root, port=free_port())  # nothing listens there
    run = digest(root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 1
    assert "cannot reach the SMTP server" in run.stderr
    assert "Traceback" not in run.stderr
    assert "not been sent" in digest(root, "sent", "22").stdout  # nobody was tried


# ---------------------------------------------------------------- dry run and the log


def test_dry_run_writes_one_eml_per_recipient_and_sends_nothing(
    root: Path, server: SmtpServer, tmp_path: Path
) -> None:
    out = tmp_path / "outbox"
    run = digest(root, "send", "22", "--to", "ann@example.org", "--to", "Bo@Example.net",
                 "--dry-run", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["ann@example.org.eml", "bo@example.net.eml"]
    assert server.handler.received == []
    import email

    parsed = email.message_from_bytes((out / "bo@example.net.eml").read_bytes())
    assert parsed["To"] == "Bo@Example.net"
    assert "not been sent" in digest(root, "sent", "22").stdout


def test_sent_lists_the_log(root: Path, server: SmtpServer) -> None:
    server.handler.refuse = {"gone@example.org": 550}
    digest(root, "send", "22", "--to", "ann@example.org", "--to", "gone@example.org")
    lines = digest(root, "sent", "22").stdout.splitlines()
    assert len(lines) == 2
    assert "sent" in lines[0] and "ann@example.org" in lines[0]
    assert "refused" in lines[1] and "gone@example.org" in lines[1] and "550" in lines[1]
    entries = json.loads(digest(root, "sent", "22", "--json").stdout)
    assert {e["recipient"] for e in entries} == {"ann@example.org", "gone@example.org"}
    assert all(dt.datetime.fromisoformat(e["time"]).tzinfo is not None for e in entries)


def test_sent_for_an_issue_that_does_not_exist_names_those_that_do(small_root: Path) -> None:
    run = digest(small_root, "sent", "99")
    assert run.returncode == 2
    assert "no issue 99: issues here: 22" in run.stderr


def test_no_recipients_is_a_usage_error(root: Path) -> None:
    run = digest(root, "send", "22")
    assert run.returncode == 2 and "no recipients" in run.stderr


# ---------------------------------------------------------------- header safety


@pytest.mark.parametrize(
    "title",
    ["Miners\r\nBcc: eve@evil.example", "Miners\nX-Injected: yes", "Miners\x00", "Miners\u2028x"],
)
def test_control_characters_in_the_title_are_refused(
    root: Path, server: SmtpServer, title: str
) -> None:
    path = root / "issues" / "22.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["title"] = title
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = digest(root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2
    assert "title" in run.stderr and "control character" in run.stderr
    assert "Traceback" not in run.stderr
    assert server.handler.received == []


def test_compose_itself_refuses_an_unsafe_title(root: Path) -> None:
    """Whatever made the Issue, the message builder checks the header values again."""
    config = load_config(root)
    issue = replace(load_issue(config, 22), title="Miners\r\nBcc: eve@evil.example")
    with pytest.raises(HeaderError, match="carriage return"):
        compose(config, issue, b"%PDF-1.7", now=dt.datetime.now(dt.UTC))


def test_control_characters_in_a_name_or_address_are_refused(
    root: Path, server: SmtpServer
) -> None:
    run = digest(root, "send", "22", "--to", "Eve\r\nBcc: x@evil.example <eve@example.org>")
    assert run.returncode == 2 and "control character" in run.stderr
    run = digest(root, "send", "22", "--to", "eve@example.org\nBcc: x@evil.example")
    assert run.returncode == 2
    set_email(root, **{"from": "Coco\r\nBcc: x@evil.example <coco@example.org>"})
    run = digest(root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2 and "email.from" in run.stderr
    assert server.handler.received == []


def test_newsletter_name_with_a_line_break_is_refused(root: Path, server: SmtpServer) -> None:
    path = root / "feeds.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["newsletter"]["name"] = "Blockchain\nBcc: x@evil.example"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = digest(root, "send", "22", "--to", "ann@example.org")
    assert run.returncode == 2 and "newsletter.name" in run.stderr
    assert server.handler.received == []


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\tb", "a\x7fb", "a\x85b", "a\u2029b"])
def test_check_header_text_refuses_breaks(value: str) -> None:
    with pytest.raises(HeaderError):
        check_header_text("value", value)


def test_check_header_text_keeps_ordinary_text() -> None:
    assert check_header_text("title", "四川 Miners – 50% off") == "四川 Miners – 50% off"


# ---------------------------------------------------------------- recipients


@pytest.mark.parametrize(
    ("text", "address", "name"),
    [
        ("ann@example.org", "ann@example.org", ""),
        ("Ann Lee <ann@example.org>", "ann@example.org", "Ann Lee"),
        ('"Lee, Ann" <ann.lee+news@mail.example.org>', "ann.lee+news@mail.example.org", "Lee, Ann"),
        ("李四 <li@example.cn>", "li@example.cn", "李四"),
        ("陈@例子.中国", "陈@例子.中国", ""),
        ("Ann <ann@bücher.example>", "ann@bücher.example", "Ann"),
    ],
)
def test_parse_recipient_accepts(text: str, address: str, name: str) -> None:
    recipient = parse_recipient(text)
    assert (recipient.address, recipient.name) == (address, name)


@pytest.mark.parametrize(
    "text",
    [
        "ann",
        "ann@",
        "ann@localhost",
        "ann @example.org",
        "ann@example.org, bo@example.org",
        "Lee, Ann <ann@example.org>",
        "<ann@example.org> extra",
        "ann..lee@example.org",
        "ann@-example.org",
    ],
)
def test_parse_recipient_refuses(text: str) -> None:
    with pytest.raises(AddressError):
        parse_recipient(text)


def test_list_file_comments_invalid_lines_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.txt"
    path.write_text(
        "# subscribers of Blockchain Asia\n"
        "\n"
        "ann@example.org\n"
        "Bo <bo@example.org>   # joined in June\n"
        "not an address\n"
        "ANN@example.org\n"
        "   \n"
        "cy#1@example.org\n"
        "eve@example.org\tBcc: x@evil.example\n",
        encoding="utf-8",
    )
    got = read_recipient_file(path)
    assert [r.address for r in got.recipients] == [
        "ann@example.org",
        "bo@example.org",
        "cy#1@example.org",
    ]
    assert got.duplicates == 1
    assert len(got.problems) == 2
    assert got.problems[0].startswith(f"{path}:5: ")
    assert got.problems[1].startswith(f"{path}:9: ")


def test_to_and_list_combine_without_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.txt"
    path.write_text("ann@example.org\nbo@example.org\n", encoding="utf-8")
    got = gather_recipients(["Ann@Example.org", "cy@example.org"], path)
    assert [r.address for r in got.recipients] == [
        "Ann@Example.org",
        "cy@example.org",
        "bo@example.org",
    ]


def test_invalid_list_lines_are_reported_and_the_rest_sent(root: Path, server: SmtpServer) -> None:
    subscribers = write_list(root, "ann@example.org\nbroken@\nbo@example.org\n")
    run = digest(root, "send", "22", "--list", str(subscribers))
    assert run.returncode == 0, run.stderr
    assert f"{subscribers}:2:" in run.stderr and "skipped" in run.stderr
    assert server.handler.recipients() == ["ann@example.org", "bo@example.org"]


def test_missing_list_file_is_a_clear_error(root: Path) -> None:
    run = digest(root, "send", "22", "--list", str(root / "nope.txt"))
    assert run.returncode == 2 and "nope.txt: file not found" in run.stderr
