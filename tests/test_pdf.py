"""The issue's PDF (digest.pdf, digest.pdffonts): the real PDF of example issue 22 read back
with pypdf (pages, text, outline, metadata, links, CJK fonts, page size, qpdf), and the URL
fetcher that keeps WeasyPrint from reading local files or calling servers.

The PDF of issue 22 is built once per module (a few seconds); the fetcher tests lay out small
pages of their own against a real loopback server that records every request.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pypdf
import pytest
from conftest import ROOT
from fontTools.cffLib import CFFFontSet  # type: ignore[import-untyped]
from PIL import Image
from support.feedserver import FeedServer, serving
from support.newsletter import copy_example, copy_newsletter

from digest import pdf
from digest.build import build_issue
from digest.config import load_config
from digest.issuefile import load_issue
from digest.models import Config, Issue
from digest.pdffonts import BARE_CID_CFF

DATA = Path(__file__).resolve().parent / "data" / "pdf"
ISSUE = 22
PASSWD = "file:///etc/passwd"
MAX_BYTES = 300 * 1024  # an attachment that mails quickly
A4 = (595.28, 841.89)  # points
LETTER = (612.0, 792.0)
CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Built:
    root: Path
    config: Config
    issue: Issue
    path: Path
    reader: pypdf.PdfReader

    @property
    def text(self) -> str:
        """Every page's text with runs of whitespace made single spaces."""
        return " ".join(" ".join(page.extract_text() or "" for page in self.reader.pages).split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`digest build 22` of the example newsletter, once for the module."""
    root = copy_example(tmp_path_factory.mktemp("pdf"))
    config = load_config(root)
    result = build_issue(config, ISSUE)
    assert result.pdf_path is not None and result.pdf_path.is_file()
    return Built(
        root, config, load_issue(config, ISSUE), result.pdf_path, pypdf.PdfReader(result.pdf_path)
    )


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with serving() as running:
        yield running


# ---------------------------------------------------------------- what a reader sees


def test_the_pdf_has_pages_with_the_title_and_every_headline(built: Built) -> None:
    assert len(built.reader.pages) > 0
    text = built.text
    assert built.issue.title in text
    for item in built.issue.items:
        assert item.title in text, item.title


def test_the_chinese_headline_is_text_not_boxes(built: Built) -> None:
    chinese = [item.title for item in built.issue.items if CJK.search(item.title)]
    assert chinese, "issue 22 should carry a Chinese headline"
    compact = "".join(built.text.split())
    for title in chinese:
        assert "".join(title.split()) in compact


def test_the_outline_lists_the_sections_and_their_items(built: Built) -> None:
    outline = outline_tree(built.reader)
    by_heading = dict(outline)
    for section in built.issue.sections:
        assert section.heading in by_heading, section.heading
        assert by_heading[section.heading] == [item.title for item in section.items]
    headings = [title for title, _ in outline]
    order = [s.heading for s in built.issue.sections]
    assert [h for h in headings if h in order] == order
    assert headings[-1] == f"About {built.config.newsletter.name}"


def test_metadata_names_the_issue_its_author_date_and_keywords(built: Built) -> None:
    meta = built.reader.metadata
    assert meta is not None
    newsletter = built.config.newsletter
    assert meta.title == f"{newsletter.name} #{ISSUE}: {built.issue.title}"
    assert meta.author == newsletter.author
    day = built.issue.date.strftime("%Y%m%d")
    assert str(meta["/CreationDate"]).startswith(f"D:{day}")
    assert str(meta["/ModDate"]).startswith(f"D:{day}")
    keywords = str(meta["/Keywords"]).split(", ")
    countries = built.config.taxonomy.countries
    topics = built.config.taxonomy.topics
    for item in built.issue.items:
        assert {countries[code].name for code in item.countries} <= set(keywords)
        assert {topics[slug].name for slug in item.topics} <= set(keywords)


def test_every_source_is_a_clickable_link(built: Built) -> None:
    links = link_uris(built.reader)
    for item in built.issue.items:
        assert item.url in links, item.url
        for also in item.also:
            assert also.url in links, also.url


def test_the_running_header_and_page_numbers(built: Built) -> None:
    pages = [" ".join((page.extract_text() or "").split()) for page in built.reader.pages]
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
    for text in pages[1:]:
        assert f"Issue #{ISSUE}" in text and built.config.newsletter.name in text


def test_a_cjk_font_is_embedded_for_the_chinese_text(built: Built) -> None:
    fonts = embedded_fonts(built.reader)
    cjk_fonts = [f for f in fonts if re.search(r"Noto.*CJK", f.base_font)]
    assert cjk_fonts, [f.base_font for f in fonts]
    drawn_chinese = [f for f in cjk_fonts if any(CJK.search(ch) for ch in f.to_unicode.values())]
    assert drawn_chinese, "no embedded font draws the Chinese characters"


def test_the_italic_greeting_prints_in_a_real_italic_face(built: Built) -> None:
    italic = [f for f in embedded_fonts(built.reader) if re.search("Italic|Oblique", f.base_font)]
    assert italic, "nothing on the pages is set in an italic face"
    # Noto CJK has no italic: a face of it asked for in italic still prints upright.
    assert not [f.base_font for f in italic if "CJK" in f.base_font]
    drawn = {char for font in italic for char in font.to_unicode.values()}
    letters = {char for char in built.issue.greeting if char.isalpha()}
    assert letters and letters <= drawn, sorted(letters - drawn)


def test_cut_down_fonts_keep_every_glyph_the_pages_draw(built: Built) -> None:
    compacted = [f for f in embedded_fonts(built.reader) if f.program_subtype == BARE_CID_CFF]
    assert compacted, "the CJK fonts should be embedded as compact CID-keyed CFF"
    for font in compacted:
        charstrings = cff_charstrings(font.program)
        missing = sorted(set(font.widths) - set(charstrings) - {0})
        assert not missing, f"{font.base_font} lost glyphs {missing[:10]}"
        for cid, char in font.to_unicode.items():
            if CJK.search(char):
                assert charstrings[cid] > 1, f"{font.base_font}: empty glyph for {char}"


def test_the_pdf_is_small_enough_to_email(built: Built) -> None:
    size = built.path.stat().st_size
    assert size < MAX_BYTES, f"{size // 1024} KB"


def test_page_size_a4_by_default_and_letter_by_setting(built: Built) -> None:
    assert built.config.newsletter.page_size == "A4"
    assert page_size(built.reader) == pytest.approx(A4, abs=0.5)
    letter = replace(built.config, newsletter=replace(built.config.newsletter, page_size="Letter"))
    reader = pypdf.PdfReader(io.BytesIO(pdf.pdf_bytes(built.issue, letter)))
    assert page_size(reader) == pytest.approx(LETTER, abs=0.5)


def test_qpdf_finds_no_problem(built: Built) -> None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        if os.environ.get("CI"):
            pytest.fail("qpdf is missing in CI (.ci/run installs Debian's qpdf)")
        pytest.skip("qpdf is not installed (sudo apt-get install qpdf)")
    checked = subprocess.run([qpdf, "--check", str(built.path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_same_inputs_give_the_same_bytes(built: Built) -> None:
    """Another process with another hash seed makes the PDF again: byte for byte the same."""
    script = (
        "import sys; from pathlib import Path; from digest import pdf;"
        " from digest.config import load_config; from digest.issuefile import load_issue;"
        f" c = load_config(Path({str(built.root)!r}));"
        f" sys.stdout.buffer.write(pdf.pdf_bytes(load_issue(c, {ISSUE}), c))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    again = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout == built.path.read_bytes()


# ---------------------------------------------------------------- missing fonts


def fontconfig_with(folder: Path, font_dirs: list[str]) -> dict[str, str]:
    """The environment for a process whose fontconfig sees only font_dirs."""
    dirs = "".join(f"<dir>{d}</dir>" for d in font_dirs)
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig>{dirs}<cachedir>{folder / 'cache'}</cachedir></fontconfig>\n"
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config), "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize(
    ("font_dirs", "says"),
    [([], "no fonts are installed"), (["/usr/share/fonts/truetype"], "no CJK font")],
    ids=["no-fonts", "no-cjk-font"],
)
def test_a_missing_cjk_font_stops_the_build_with_the_package_to_install(
    example_root: Path, tmp_path: Path, font_dirs: list[str], says: str
) -> None:
    env = fontconfig_with(tmp_path, font_dirs)
    ran = subprocess.run(
        [sys.executable, "-m", "digest", "--root", str(example_root), "build", str(ISSUE)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ran.returncode in (1, 2), ran.stdout + ran.stderr
    assert says in ran.stderr and "fonts-noto-cjk" in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr and "Warning" not in ran.stderr, ran.stderr
    assert len(ran.stderr.strip().splitlines()) <= 2, ran.stderr
    assert not list((example_root / "site").glob(f"issues/{ISSUE}/*.pdf"))


# ---------------------------------------------------------------- glyphs no font has


def test_a_character_no_font_has_is_named_with_its_place(tmp_path: Path) -> None:
    """An emoji where only DejaVu and Liberation are installed: the build warns, naming the
    character and where it is, and still makes the PDF."""
    root = copy_newsletter(tmp_path)
    issue_file = root / "issues" / "1.yaml"
    text = issue_file.read_text("utf-8").replace(
        "title: Sichuan miners switch off", "title: Sichuan miners switch off \U0001f980\u200d"
    )
    issue_file.write_text(text.replace("heading: China", "heading: China \U0001fae8"), "utf-8")
    env = fontconfig_with(tmp_path, ["/usr/share/fonts/truetype"])
    command = [sys.executable, "-m", "digest", "--root", str(root), "build", "1"]
    ran = subprocess.run(command, capture_output=True, text=True, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    warnings = [line for line in ran.stderr.splitlines() if line.startswith("digest: warning:")]
    assert warnings == [
        "digest: warning: issue 1: no installed font can draw \U0001fae8 (U+1FAE8) in section "
        "'China \U0001fae8'; the PDF shows an empty box instead",
        "digest: warning: issue 1: no installed font can draw \U0001f980 (U+1F980) in item "
        "'Sichuan miners switch off \U0001f980\u200d' of section 'China \U0001fae8'; the PDF "
        "shows an empty box instead",
    ], ran.stderr
    assert "Traceback" not in ran.stderr
    assert list((root / "site" / "issues" / "1").glob("*.pdf"))


def test_coverage_merges_the_fonts_charsets() -> None:
    coverage = pdf.Coverage.of(["20-7e a0-ff", "100-17f 2026", "4e00-9fff"])
    assert coverage.starts == (0x20, 0xA0, 0x2026, 0x4E00)
    assert [coverage.has(c) for c in (0x1F, 0x20, 0x7E, 0x7F, 0x17F, 0x180, 0x2026, 0x9FFF)] == [
        False, True, True, False, True, False, True, True,
    ]  # fmt: skip


# ---------------------------------------------------------------- the fetcher


HOSTILE_SNIPPETS = {
    "img": '<img src="{url}" alt="x">',
    "link-attachment": '<link rel="attachment" href="{url}">',
    "a-attachment": '<p><a rel="attachment" href="{url}">attached</a></p>',
    "css-url": "<p style=\"background: url('{url}')\">styled</p>",
    "css-import": '<style>@import url("{url}");</style><p>x</p>',
    "font-face": '<style>@font-face {{ font-family: X; src: url("{url}"); }}'
    " p {{ font-family: X }}</style><p>x</p>",
}


def page_with(snippet: str) -> str:
    head = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head>'
    return f"{head}<body>{snippet}</body></html>"


@pytest.mark.parametrize("vector", sorted(HOSTILE_SNIPPETS))
def test_the_fetcher_refuses_local_files(built: Built, vector: str) -> None:
    fetcher = pdf.theme_fetcher(built.config)
    data = pdf.pdf_from_html(page_with(HOSTILE_SNIPPETS[vector].format(url=PASSWD)), fetcher)
    assert PASSWD in fetcher.refused, "WeasyPrint never asked: the vector tests nothing"
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert not reader.attachments
    assert b"root:x:0:0" not in uncompressed(data)


def test_the_fetcher_calls_no_server(built: Built, server: FeedServer) -> None:
    server.requests.clear()
    base = server.url("/leak")
    page = (DATA / "hostile.html").read_text().replace("@TARGET@", base)
    fetcher = pdf.theme_fetcher(built.config)
    pdf.pdf_from_html(page, fetcher)
    assert server.requests == []
    attempted = {url.removeprefix(base) for url in fetcher.refused}
    assert {"/img.png", "/link-attachment", "/a-attachment", "/background.png"} <= attempted


def test_an_issue_file_with_hostile_html_makes_a_pdf_that_reads_nothing(
    example_root: Path, server: FeedServer
) -> None:
    server.requests.clear()
    text = (DATA / "issue-hostile.yaml").read_text()
    (example_root / "issues" / "23.yaml").write_text(text.replace("@TARGET@", server.url("/leak")))
    config = load_config(example_root)
    data = pdf.pdf_bytes(load_issue(config, 23), config)
    assert server.requests == []
    assert not pypdf.PdfReader(io.BytesIO(data)).attachments
    text_out = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "An item with HTML in its body" in text_out


def test_a_listed_image_host_is_fetched(built: Built, server: FeedServer) -> None:
    server.requests.clear()
    server.route("/picture.png", body=png_bytes(), content_type="image/png")
    listed = replace(
        built.config, newsletter=replace(built.config.newsletter, remote_image_hosts=("127.0.0.1",))
    )
    fetcher = pdf.theme_fetcher(listed)
    data = pdf.pdf_from_html(
        page_with(f'<img src="{server.url("/picture.png")}" alt="x">'), fetcher
    )
    assert [seen.path for seen in server.requests] == ["/picture.png"]
    assert fetcher.refused == []
    assert image_count(pypdf.PdfReader(io.BytesIO(data))) == 1


def test_a_listed_host_cannot_redirect_elsewhere(built: Built, server: FeedServer) -> None:
    server.requests.clear()
    elsewhere = f"http://localhost:{server.port}/leak/redirected.png"
    server.route("/moved.png", status=302, location=elsewhere, content_type="text/plain")
    listed = replace(
        built.config, newsletter=replace(built.config.newsletter, remote_image_hosts=("127.0.0.1",))
    )
    pdf.pdf_from_html(
        page_with(f'<img src="{server.url("/moved.png")}" alt="x">'), pdf.theme_fetcher(listed)
    )
    assert [seen.path for seen in server.requests] == ["/moved.png"]


def test_the_fetcher_serves_the_theme_and_nothing_beside_it(
    example_root: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    (example_root / "templates" / "linked.css").symlink_to(secret)
    config = load_config(example_root)
    fetcher = pdf.theme_fetcher(config)
    stylesheet = pdf.print_stylesheet(config)
    assert fetcher.fetch(stylesheet.as_uri()).read() == stylesheet.read_bytes()
    for url in (
        (example_root / "templates" / "linked.css").as_uri(),
        (example_root / "feeds.yaml").as_uri(),
        (example_root / "templates" / ".." / "feeds.yaml").as_uri(),
        PASSWD,
        "file://otherhost/etc/passwd",
        "ftp://127.0.0.1/file",
    ):
        with pytest.raises(pdf.FetchRefused):
            fetcher.fetch(url)


# ---------------------------------------------------------------- reading PDFs back


@dataclass(frozen=True)
class EmbeddedFont:
    base_font: str
    widths: dict[int, float]  # CID -> width, from the W array
    to_unicode: dict[int, str]  # CID -> text, from the ToUnicode CMap
    program: bytes
    program_subtype: str


def outline_tree(reader: pypdf.PdfReader) -> list[tuple[str, list[str]]]:
    """[(level-1 title, [level-2 titles under it])] of the PDF's bookmarks."""
    tree: list[tuple[str, list[str]]] = []
    for entry in reader.outline:
        if isinstance(entry, list):
            tree[-1][1].extend(str(child.title) for child in entry if not isinstance(child, list))
        else:
            tree.append((str(entry.title), []))
    return tree


def link_uris(reader: pypdf.PdfReader) -> set[str]:
    uris: set[str] = set()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            target: Any = annotation.get_object()
            action = target.get("/A")
            if action is not None and "/URI" in action:
                uris.add(str(action["/URI"]))
    return uris


def embedded_fonts(reader: pypdf.PdfReader) -> list[EmbeddedFont]:
    found: dict[str, EmbeddedFont] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            if font.get("/Subtype") != "/Type0" or str(font["/BaseFont"]) in found:
                continue
            cid_font = font["/DescendantFonts"][0].get_object()
            descriptor = cid_font["/FontDescriptor"].get_object()
            program = (descriptor.get("/FontFile3") or descriptor.get("/FontFile2")).get_object()
            found[str(font["/BaseFont"])] = EmbeddedFont(
                base_font=str(font["/BaseFont"]),
                widths=widths_of(cid_font.get("/W", [])),
                to_unicode=to_unicode_of(font["/ToUnicode"].get_object().get_data()),
                program=program.get_data(),
                program_subtype=str(program.get("/Subtype", "")),
            )
    return list(found.values())


def widths_of(w_array: Any) -> dict[int, float]:
    """CID -> width from a W array of `first [w1 w2 ...]` runs."""
    widths: dict[int, float] = {}
    items = list(w_array)
    for first, run in zip(items[::2], items[1::2], strict=True):
        for offset, width in enumerate(run):
            widths[int(first) + offset] = float(width)
    return widths


def to_unicode_of(cmap: bytes) -> dict[int, str]:
    pairs = re.findall(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>", cmap)
    return {int(cid, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for cid, text in pairs}


def cff_charstrings(program: bytes) -> dict[int, int]:
    """CID -> length of its charstring in a bare CID-keyed CFF font."""
    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(program), None)
    top = fonts.topDictIndex[0]
    assert hasattr(top, "ROS"), "a compacted font must stay CID-keyed"
    strings = top.CharStrings
    lengths: dict[int, int] = {}
    for name in top.charset:
        cid = 0 if name == ".notdef" else int(name.removeprefix("cid"))
        charstring = strings[name]
        charstring.compile()
        lengths[cid] = len(charstring.bytecode)
    return lengths


def page_size(reader: pypdf.PdfReader) -> tuple[float, float]:
    box = reader.pages[0].mediabox
    return float(box.width), float(box.height)


def image_count(reader: pypdf.PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def uncompressed(data: bytes) -> bytes:
    """Every stream of the PDF decoded, joined: what a reader of the file could find in it."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    chunks = []
    size: Any = reader.trailer["/Size"]
    for number in range(1, int(size)):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            chunks.append(obj.get_data())
    return b"".join(chunks)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


COUNT_PROGRAMS = """
import subprocess, sys
started = []
original = subprocess.Popen.__init__
def counting(self, args, *rest, **kwargs):
    started.append(args[0] if isinstance(args, (list, tuple)) else args)
    original(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = counting
import digest.pdf
print(len(started), started)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ldconfig cache is Linux's")
def test_weasyprint_loads_its_libraries_after_one_look_at_the_linker_cache() -> None:
    """WeasyPrint tries each C library under several systems' names; ctypes would run
    ldconfig, gcc and ld for every name that fails (some forty programs per build)."""
    done = subprocess.run(
        [sys.executable, "-c", COUNT_PROGRAMS], capture_output=True, text=True, check=True,
        cwd=ROOT,
    )  # fmt: skip
    count = int(done.stdout.split()[0])  # digest.pdf, WeasyPrint with it, loaded (check=True)
    assert count <= 1, done.stdout
