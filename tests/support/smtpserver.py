"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it is given.

It can refuse chosen recipients (450 temporary, 550 permanent), drop the connection after K
messages, and stay down afterwards (every MAIL answered 421) until told to come back. It offers
SMTPUTF8 (internationalised addresses) only when asked to.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    mail_options: tuple[str, ...] = ()  # what MAIL FROM asked for, e.g. SMTPUTF8

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    refuse: dict[str, int] = field(default_factory=dict)  # address -> 450 or 550
    drop_after: int | None = None  # close the connection after this many messages
    stay_down: bool = False  # after the drop, answer every MAIL with 421
    received: list[Received] = field(default_factory=list)
    hellos: int = 0  # one per connection a client opened (EHLO or HELO)
    down: bool = False

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.hellos += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.down:
            return "421 4.3.2 Service not available, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        code = self.refuse.get(address.lower())
        if code == 450:
            return "450 4.2.1 Mailbox busy, try again later"
        if code is not None:
            return f"{code} 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(
                envelope.mail_from,
                tuple(envelope.rcpt_tos),
                bytes(envelope.original_content),
                tuple(envelope.mail_options),
            )
        )
        if self.drop_after is not None and len(self.received) == self.drop_after:
            # The 250 below is written first; closing flushes it, then the socket is gone.
            asyncio.get_running_loop().call_soon(server.transport.close)
            self.down = self.stay_down
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [r.message() for r in self.received]

    def recipients(self) -> list[str]:
        return [to for r in self.received for to in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpServer:
    """A running server; `handler` holds what it received."""

    def __init__(
        self,
        handler: RecordingHandler,
        login: tuple[str, str] | None = None,
        *,
        smtputf8: bool = False,
    ) -> None:
        """With login, the server demands AUTH with that user and password (plain text is
        allowed here: the tests run on loopback without TLS). With smtputf8 it offers SMTPUTF8."""
        self.handler = handler
        self.host = "127.0.0.1"
        self.port = free_port()
        self.logins: list[str] = []  # users that logged in
        auth: dict[str, Any] = {}
        if login is not None:
            auth = {
                "authenticator": self._authenticator(login),
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = Controller(
            handler,
            hostname=self.host,
            port=self.port,
            decode_data=False,
            data_size_limit=50_000_000,
            enable_SMTPUTF8=smtputf8,
            **auth,
        )

    def _authenticator(self, login: tuple[str, str]) -> Any:
        def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            user = data.login.decode() if isinstance(data, LoginPassword) else ""
            password = data.password.decode() if isinstance(data, LoginPassword) else ""
            if (user, password) == login:
                self.logins.append(user)
                return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        return check

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def running_server(handler: RecordingHandler | None = None) -> Iterator[SmtpServer]:
    """For fixtures: `yield from running_server()`."""
    with SmtpServer(handler or RecordingHandler()) as server:
        yield server
