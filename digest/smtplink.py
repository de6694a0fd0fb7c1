"""One SMTP connection, reused for every recipient and reopened when the server drops it."""

from __future__ import annotations

import ipaddress
import re
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from digest.errors import MailError, UserError
from digest.models import EmailSettings
from digest.sendlog import Result

CLOSING = 421  # "service not available, closing the channel": reconnect and try again
REOPEN_ATTEMPTS = 2  # a dropped connection is reopened this many times for one message
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


@dataclass(frozen=True)
class Answer:
    """What the server said about one message for one recipient."""

    result: Result
    code: int | None
    reason: str


class ServerGone(MailError):
    """The server cannot be reached (any more); the remaining recipients wait for the next run."""


class SmtpLink:
    """Delivers messages one recipient at a time over one connection."""

    def __init__(self, settings: EmailSettings, login: tuple[str, str] | None) -> None:
        if login and settings.security == "none" and not _is_loopback(settings.host):
            raise UserError(
                f"refusing to send the SMTP password unencrypted to {settings.host}",
                hint="Set email.security to starttls or ssl in feeds.yaml.",
            )
        self.settings = settings
        self.login = login
        self.connections = 0  # how many times a connection was opened
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpLink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect, say hello, secure the channel and log in, or raise ServerGone."""
        if self._smtp is not None:
            return
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"the SMTP server {where} refused the login: {_text(exc.smtp_error)}",
                hint="Check DIGEST_SMTP_USER and DIGEST_SMTP_PASSWORD.",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ServerGone(f"cannot reach the SMTP server {where}: {_describe(exc)}") from None
        self._smtp = smtp
        self.connections += 1

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            _write_at_once(smtp)
            _hello(smtp)
            if s.security == "starttls":
                smtp.starttls(context=context)
                _hello(smtp)
            if self.login:
                smtp.login(*self.login)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def deliver(
        self, sender: str, recipient: str, message: Sequence[bytes], *, smtputf8: bool = False
    ) -> Answer:
        """Hand one message for one recipient to the server.

        With smtputf8 (an address or header that is not ASCII) the transaction asks for
        SMTPUTF8 (RFC 6531); a server that does not offer it refuses that recipient for good,
        and nothing is sent to it.

        `message` is the message's parts in order, on the wire already: CRLF line ends and
        dot-stuffed (see dot_stuff), so the same prepared body serves every recipient without
        another pass over it or a copy of it.
        A dropped connection is reopened and the message offered again. (If the server
        dropped it after taking the whole message but before saying so, that recipient gets
        it twice; SMTP gives a client no way to tell.)
        """
        for _ in range(REOPEN_ATTEMPTS + 1):
            self.open()
            try:
                return self._offer(sender, recipient, message, smtputf8)
            except _Reconnect:
                self._drop()
        where = f"{self.settings.host}:{self.settings.port}"
        raise ServerGone(f"the SMTP server {where} keeps closing the connection")

    def _offer(
        self, sender: str, recipient: str, message: Sequence[bytes], smtputf8: bool
    ) -> Answer:
        smtp = self._smtp
        assert smtp is not None
        if smtputf8 and not smtp.has_extn("smtputf8"):
            where = f"{self.settings.host}:{self.settings.port}"
            return Answer(
                "refused",
                None,
                f"the SMTP server {where} does not offer SMTPUTF8, "
                "which this internationalised address needs",
            )
        try:
            code, reply = smtp.mail(sender, ["SMTPUTF8"] if smtputf8 else [])
            if code != 250:
                self._reset_after(code)
                raise MailError(
                    f"the SMTP server refused the sender {sender}: {code} {_text(reply)}",
                    hint="Check email.from in feeds.yaml against what the server lets you send as.",
                )
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset_after(code)
                return _refusal(code, reply)
            smtp.putcmd("data")
            code, reply = smtp.getreply()
            if code != 354:
                self._reset_after(code)
                return _refusal(code, reply)
            for part in message:
                smtp.send(part)
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
            if code != 250:
                self._reset_after(code)
                return _refusal(code, reply)
        except (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError):
            raise _Reconnect from None
        return Answer("sent", code, "")

    def _reset_after(self, code: int) -> None:
        """After a refusal: reconnect if the server is closing, else start a new transaction."""
        if code == CLOSING or code == -1:
            raise _Reconnect
        assert self._smtp is not None
        self._smtp.rset()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


class _Reconnect(Exception):
    """The connection is gone; open a new one and offer the message again."""


def dot_stuff(message: bytes) -> bytes:
    """A CRLF message as DATA carries it: a leading dot doubled, ending in CRLF (RFC 5321)."""
    stuffed = _LEADING_DOT.sub(b"..", message)
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"


def _write_at_once(smtp: smtplib.SMTP) -> None:
    """Nagle's algorithm off for the connection (the TLS layer keeps the same socket).

    A message goes out in several writes (its own headers, the shared body, the final dot).
    With Nagle on, the kernel holds the small last write until the server acknowledges what
    went before; a server says nothing until the dot, so it sends that acknowledgement late
    (40 ms on Linux) and the message waits for it: up to 40 ms per recipient.
    """
    assert smtp.sock is not None
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _hello(smtp: smtplib.SMTP) -> None:
    code, reply = smtp.ehlo()
    if not 200 <= code < 300:
        code, reply = smtp.helo()
        if not 200 <= code < 300:
            raise smtplib.SMTPHeloError(code, reply)


def _refusal(code: int | None, reason: bytes | str) -> Answer:
    permanent = code is not None and 500 <= code < 600
    return Answer("refused" if permanent else "failed", code, _text(reason))


def _text(reason: bytes | str) -> str:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else reason
    return " ".join(text.split())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
