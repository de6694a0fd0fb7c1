"""Email addresses and header values, checked before the email package ever sees them.

Python's email package let line breaks through in some header paths until late 2024
(CVE-2024-6923), so every header value digest writes is checked here first: a title, a name or
an address with a control character in it is refused, never folded into a new header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path

from digest.errors import FileError, UserError

# Categories a header value may never hold: control characters (CR, LF, TAB, NUL, DEL, C1)
# and the Unicode line and paragraph separators that some mail software treats as breaks.
_FORBIDDEN_CATEGORIES = {"Cc", "Zl", "Zp"}

# The local part's characters: RFC 5322 atext, and any non-ASCII letter (RFC 6531), which
# only a server offering SMTPUTF8 accepts.
_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f\s])+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
LOCAL_PATTERN = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
DOMAIN_PATTERN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_NAMED = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<address>[^<>]*)>$")
MAX_ADDRESS_LENGTH = 254
# A comment starts a line or follows a space: '#' itself is allowed inside an address.
_COMMENT = re.compile(r"(^|\s)#.*$")


class HeaderError(UserError):
    """A value meant for an email header would break the header (or add one)."""


class AddressError(UserError):
    """Text that is not a single, plain email address."""


def check_header_text(what: str, value: str) -> str:
    """Return value unchanged, or refuse it when it holds a control character or line break."""
    for char in value:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise HeaderError(
                f"{what} contains a line break or control character ({_describe(char)}); "
                "it cannot go into an email header",
                hint="Remove it (use a plain space) and run the command again.",
            )
    return value


_CONTROL_NAMES = {"\r": "carriage return", "\n": "line feed", "\t": "tab", "\x00": "NUL"}


def _describe(char: str) -> str:
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "control character").lower()
    return f"U+{ord(char):04X} {name}"


@dataclass(frozen=True)
class Recipient:
    """One mailbox and an optional display name.

    The address is kept as written; an internationalised domain (例子.中国) goes on the wire
    in its ASCII form (xn--...), and a local part that is not ASCII (陈@...) needs a server
    that offers SMTPUTF8.
    """

    address: str
    name: str = ""

    @property
    def key(self) -> str:
        """The address as compared for duplicates and in the send log."""
        return self.address.lower()

    @property
    def local_part(self) -> str:
        return self.address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        """The domain in ASCII, as DNS and message ids need it."""
        return ascii_domain(self.address.rpartition("@")[2]) or ""

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local_part.isascii()

    @property
    def envelope(self) -> str:
        """The address for MAIL FROM and RCPT TO: ASCII unless the local part cannot be."""
        return self.address if self.needs_smtputf8 else f"{self.local_part}@{self.domain}"

    def header_value(self) -> Address:
        domain = self.address.rpartition("@")[2] if self.needs_smtputf8 else self.domain
        return Address(display_name=self.name, username=self.local_part, domain=domain)

    def __str__(self) -> str:
        return str(self.header_value())


def parse_recipient(text: str, what: str = "address") -> Recipient:
    """'ann@example.org' or 'Ann Lee <ann@example.org>' -> Recipient; anything else is refused."""
    check_header_text(what, text)
    text = text.strip()
    match = _NAMED.match(text)
    name, address = (match["name"].strip(), match["address"].strip()) if match else ("", text)
    if name.startswith('"') and name.endswith('"') and len(name) >= 2:
        name = name[1:-1].strip()
    elif "," in name or ";" in name:
        raise AddressError(
            f"{what} '{text}' holds more than one address or an unquoted comma",
            hint='One address per entry; quote a name with a comma: "Lee, Ann" <ann@example.org>.',
        )
    if '"' in name or "\\" in name:
        raise AddressError(f"{what} '{text}': the name may not contain quotes or backslashes")
    if not is_plain_address(address) or parseaddr(text)[1] != address:
        raise AddressError(
            f"{what} '{text}' is not an email address",
            hint="Write it as name@example.org (no spaces or commas) or Name <name@example.org>.",
        )
    return Recipient(address=address, name=name)


def is_plain_address(address: str) -> bool:
    """One mailbox: a dot-atom local part (non-ASCII letters allowed) @ a domain of two or
    more labels, which may be internationalised."""
    local, at, domain = address.rpartition("@")
    ascii_name = ascii_domain(domain) if at else None
    return (
        ascii_name is not None
        and LOCAL_PATTERN.fullmatch(local) is not None
        and len(f"{local}@{ascii_name}".encode()) <= MAX_ADDRESS_LENGTH
    )


def ascii_domain(domain: str) -> str | None:
    """The domain as DNS spells it (IDNA: 例子.中国 -> xn--fsqu00a.xn--fiqs8s), or None when
    it is not a domain of two or more valid labels."""
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return domain if DOMAIN_PATTERN.fullmatch(domain) else None


@dataclass(frozen=True)
class RecipientList:
    recipients: tuple[Recipient, ...]
    problems: tuple[str, ...] = ()  # "file:line: what is wrong; skipped"
    duplicates: int = 0


def read_recipient_file(path: Path) -> RecipientList:
    """One address a line; blank lines and # comments allowed; bad lines reported and skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileError(
            path, "file not found", hint="--list names a file with one address a line."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(path, f"cannot read the list: {exc}") from None
    found: list[Recipient] = []
    problems: list[str] = []
    # Only newlines end a line: str.splitlines would also break at U+2028 or a form feed, and
    # the line numbers reported would drift from what the editor's editor shows.
    for number, line in enumerate(text.split("\n"), start=1):
        entry = _COMMENT.sub("", line).strip()
        if not entry:
            continue
        try:
            found.append(parse_recipient(entry))
        except UserError as exc:
            problems.append(f"{path}:{number}: {exc.message}; skipped")
    return _unique(found, tuple(problems))


def gather_recipients(addresses: Iterable[str], list_file: Path | None) -> RecipientList:
    """--to addresses (refused outright when bad) then the --list file, each address once."""
    given = [parse_recipient(text, "--to") for text in addresses]
    listed = read_recipient_file(list_file) if list_file is not None else RecipientList(())
    combined = _unique([*given, *listed.recipients], listed.problems)
    return RecipientList(
        combined.recipients, combined.problems, combined.duplicates + listed.duplicates
    )


def _unique(recipients: Iterable[Recipient], problems: tuple[str, ...]) -> RecipientList:
    seen: dict[str, Recipient] = {}
    total = 0
    for recipient in recipients:
        total += 1
        seen.setdefault(recipient.key, recipient)
    return RecipientList(tuple(seen.values()), problems, total - len(seen))
