"""`digest build` through the real command line entry point: exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.newsletter import copy_newsletter

from digest.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def assert_short_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert lines[0].startswith("digest: error: ")
    assert 1 <= len(lines) <= 2, err
    assert "Traceback" not in err


def test_build_999_names_the_missing_file_and_the_issues_that_exist(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    code, _, err = run(capsys, "--root", str(root), "build", "999", "--no-pdf")
    assert code == 2
    assert_short_error(err)
    assert "issues/999.yaml: file not found" in err
    assert "Issues here: 1, 2." in err


def test_a_yaml_syntax_error_names_line_and_column(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    (root / "issues" / "3.yaml").write_text("number: 3\ndate: 2021-07-01\ntitle: 'open\n")
    code, _, err = run(capsys, "--root", str(root), "build", "3", "--no-pdf")
    assert code == 2
    assert_short_error(err)
    assert "issues/3.yaml:4:1: YAML syntax error" in err


@pytest.mark.parametrize(
    ("line", "replacement", "expected"),
    [
        (
            "        topics: [mining]",
            "        topics: [mining, weather]",
            "unknown topic 'weather'",
        ),
        ("      - title: Sichuan miners switch off", "      - title: [x]", "expected text"),
        ("        url: https://example.com/sichuan", "        url: file:///etc/passwd", "http(s)"),
    ],
)
def test_schema_errors_are_one_or_two_lines(
    capsys: pytest.CaptureFixture[str], root: Path, line: str, replacement: str, expected: str
) -> None:
    path = root / "issues" / "1.yaml"
    text = path.read_text()
    assert line in text
    path.write_text(text.replace(line, replacement))
    code, _, err = run(capsys, "--root", str(root), "build", "1", "--no-pdf")
    assert code == 2
    assert_short_error(err)
    assert "issues/1.yaml:" in err and "sections[1].items[0]" in err and expected in err


def test_a_missing_template_is_named(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    (root / "templates").mkdir()
    (root / "templates" / "issue.html").write_text("{% include 'masthead.html' %}")
    code, _, err = run(capsys, "--root", str(root), "build", "1", "--no-pdf")
    assert code == 2
    assert_short_error(err)
    assert "template masthead.html not found" in err
    assert not (root / "site" / "index.html").exists()


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    code, _, err = run(capsys, "--root", str(root), "--debug", "build", "999")
    assert code == 2
    assert "Traceback" in err and "file not found" in err


def test_build_needs_a_number_or_all(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    code, _, err = run(capsys, "--root", str(root), "build")
    assert code == 2
    assert_short_error(err)
    code, _, err = run(capsys, "--root", str(root), "build", "1", "--all")
    assert code == 2


def test_build_prints_what_it_wrote(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    out_dir = root.parent / "public"
    code, out, _ = run(
        capsys, "--root", str(root), "build", "--all", "--no-pdf", "--out", str(out_dir)
    )
    assert code == 0
    assert f"wrote {out_dir / 'issues' / '2' / 'index.html'}" in out
    assert (out_dir / "feed.xml").is_file()
    code, out, _ = run(
        capsys, "--root", str(root), "build", "--all", "--no-pdf", "--out", str(out_dir)
    )
    assert code == 0 and "wrote" not in out and "0 written" in out


@pytest.mark.slow
def test_build_makes_a_real_pdf_beside_the_page(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    pypdf = pytest.importorskip("pypdf")
    code, out, _ = run(capsys, "--root", str(root), "build", "2")
    assert code == 0
    pdf = root / "site" / "issues" / "2" / "test-asia-weekly-2.pdf"
    assert pdf.is_file() and "test-asia-weekly-2.pdf" in out
    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "PBoC summons banks" in text
    assert 'href="test-asia-weekly-2.pdf"' in (pdf.parent / "index.html").read_text()
