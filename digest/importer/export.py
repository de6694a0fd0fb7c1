"""A Substack export: posts.csv with the posts' bodies in posts/, readers in email_list*.csv.

The export is read as given, a .zip or the folder it unpacks to, without unpacking anything to
disk. Column names are matched loosely (case, spaces) and missing optional columns are fine;
a post whose body file is missing is reported, not fatal.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from digest.errors import FileError

MAX_MEMBER_BYTES = 50_000_000  # one file of the export, unpacked: larger is refused
_TRUE = {"true", "t", "yes", "y", "1"}


@dataclass(frozen=True)
class Post:
    post_id: str
    date: dt.datetime | None  # UTC
    published: bool
    type: str  # newsletter, podcast, thread, ...
    audience: str  # everyone, only_free, only_paid, founding, ...
    title: str
    subtitle: str
    html: str  # the body as Substack wrote it: hostile until sanitized

    @property
    def is_newsletter(self) -> bool:
        return self.type in {"", "newsletter"}

    @property
    def is_public(self) -> bool:
        return self.audience in {"", "everyone", "only_free", "free"}


@dataclass(frozen=True)
class Reader:
    """One row of a subscriber list, as the export states it."""

    email: str
    subscribed: bool  # False: the row says they left
    disabled: bool  # the address bounces or was turned off
    since: dt.datetime | None


@dataclass(frozen=True)
class SubstackExport:
    path: Path
    posts: tuple[Post, ...]
    readers: tuple[Reader, ...]
    problems: tuple[str, ...] = ()


def read_export(path: Path) -> SubstackExport:
    """The posts and readers of a Substack export (.zip or folder)."""
    files = _ExportFiles(path)
    problems: list[str] = []
    posts_csv = files.find("posts.csv")
    if posts_csv is None:
        raise FileError(
            path,
            "no posts.csv in it: this is not a Substack export",
            hint="Give the .zip Substack sent (Settings > Exports) or the folder it unpacks to.",
        )
    posts = []
    for row in _rows(files, posts_csv):
        post = _post(row, files, posts_csv, problems)
        if post is not None:
            posts.append(post)
    readers = [
        reader
        for name in files.names()
        if PurePosixPath(name).name.lower().startswith("email_list")
        and name.lower().endswith(".csv")
        for reader in _readers(files, name, problems)
    ]
    return SubstackExport(path, tuple(posts), tuple(readers), tuple(problems))


class _ExportFiles:
    """The files of the export by their path inside it, from a zip or a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self._names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
        elif path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise FileError(path, f"cannot read it as a zip file: {exc}") from None
            self._names = sorted(i.filename for i in self._zip.infolist() if not i.is_dir())
        else:
            raise FileError(path, "not found", hint="Give the Substack export (.zip or folder).")

    def names(self) -> list[str]:
        return self._names

    def find(self, name: str) -> str | None:
        """The shallowest file with this name (exports often sit inside one top folder)."""
        found = [n for n in self._names if PurePosixPath(n).name.lower() == name.lower()]
        return min(found, key=lambda n: (n.count("/"), n)) if found else None

    def text(self, name: str) -> str:
        data = self._bytes(name)
        return data.decode("utf-8-sig", errors="replace")

    def _bytes(self, name: str) -> bytes:
        if self._zip is None:
            target = self.path / name
            if target.stat().st_size > MAX_MEMBER_BYTES:
                raise FileError(target, "too large to be part of a newsletter export")
            return target.read_bytes()
        info = self._zip.getinfo(name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise FileError(self.path, f"{name}: too large to be part of a newsletter export")
        with self._zip.open(info) as member:
            return member.read(MAX_MEMBER_BYTES + 1)[:MAX_MEMBER_BYTES]


def _rows(files: _ExportFiles, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) with column names folded to snake_case lower case."""
    reader = csv.reader(io.StringIO(files.text(name), newline=""))
    header = [_column(c) for c in next(reader, [])]
    for row in reader:
        if any(cell.strip() for cell in row):
            cells = zip(header, row, strict=False)
            yield reader.line_num, {key: value.strip() for key, value in cells}


def _column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _post(
    line_row: tuple[int, dict[str, str]], files: _ExportFiles, csv_name: str, problems: list[str]
) -> Post | None:
    line, row = line_row
    post_id = row.get("post_id", "")
    if not post_id:
        problems.append(f"{csv_name}:{line}: a post without a post_id; skipped")
        return None
    body = _body_name(files, csv_name, post_id)
    if body is None:
        problems.append(f"{csv_name}:{line}: post {post_id} has no body file in posts/")
    return Post(
        post_id=post_id,
        date=_time(row.get("post_date")) or _time(row.get("email_sent_at")),
        published=_flag(row.get("is_published")),
        type=row.get("type", "").lower(),
        audience=row.get("audience", "").lower(),
        title=row.get("title", ""),
        subtitle=row.get("subtitle", ""),
        html=files.text(body) if body is not None else "",
    )


def _body_name(files: _ExportFiles, csv_name: str, post_id: str) -> str | None:
    """posts/<post_id>.html beside posts.csv; Substack's ids may or may not carry the slug
    ('12345.my-post' or '12345')."""
    folder = PurePosixPath(csv_name).parent / "posts"
    names = set(files.names())
    exact = (folder / f"{post_id}.html").as_posix()
    if exact in names:
        return exact
    number = post_id.split(".")[0]
    prefix = (folder / f"{number}.").as_posix()
    candidates = sorted(n for n in names if n.startswith(prefix) and n.endswith(".html"))
    return candidates[0] if candidates else None


def _readers(files: _ExportFiles, name: str, problems: list[str]) -> Iterator[Reader]:
    for line, row in _rows(files, name):
        email = row.get("email") or row.get("email_address") or ""
        if not email:
            problems.append(f"{name}:{line}: a row without an email; skipped")
            continue
        yield Reader(
            email=email,
            subscribed=_subscribed(row),
            disabled=_flag(row.get("email_disabled")) or _flag(row.get("disabled")),
            since=_time(row.get("subscription_created_at") or row.get("created_at")),
        )


def _subscribed(row: dict[str, str]) -> bool:
    """Whether the row says the reader still takes the newsletter.

    Substack's own list holds current readers only, and its active_subscription is about a
    paid plan: a free reader has it false with plan 'free'. So a reader has left when a column
    says so outright (unsubscribed, unsubscribed_at, active, status), or when they hold no
    subscription at all: not active and no plan.
    """
    if _flag(row.get("unsubscribed")) or row.get("unsubscribed_at") or row.get("unsubscribe_date"):
        return False
    if "active" in row and row["active"] and not _flag(row["active"]):
        return False
    if row.get("status", "").lower() in {"unsubscribed", "inactive", "cancelled", "canceled"}:
        return False
    if "active_subscription" in row and not _flag(row["active_subscription"]):
        return bool(row.get("plan"))
    return True


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
