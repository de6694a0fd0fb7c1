"""One SMTP connection for many recipients (digest/smtplink.py), against aiosmtpd on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from support.smtpserver import RecordingHandler, SmtpServer, free_port

from digest.errors import MailError, UserError
from digest.models import EmailSettings
from digest.smtplink import Answer, ServerGone, SmtpLink, dot_stuff

SENDER = "editor@example.org"
MESSAGE = b"Subject: Issue 22\r\nTo: ann@example.org\r\n\r\nHello.\r\n.A line with a dot\r\n"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer(RecordingHandler()) as running:
        yield running


def settings(port: int, host: str = "127.0.0.1", security: str = "none") -> EmailSettings:
    return EmailSettings(
        host=host,
        port=port,
        security=security,
        from_addr=SENDER,
        reply_to="",
        list_unsubscribe="",
        unsubscribe_url="",
        pdf="attach",
        subject="{name} #{number}: {title}",
        timeout=5,
    )


def wire(message: bytes = MESSAGE) -> list[bytes]:
    return [dot_stuff(message)]


def test_dot_stuffing_doubles_leading_dots_and_ends_in_crlf() -> None:
    assert dot_stuff(b".a\r\nb.\r\n..c") == b"..a\r\nb.\r\n...c\r\n"
    assert dot_stuff(b"a\r\n") == b"a\r\n"
    assert dot_stuff(b".\r\n") == b"..\r\n"  # never read as the end of DATA


def test_every_recipient_is_served_over_one_connection(server: SmtpServer) -> None:
    with SmtpLink(settings(server.port), None) as link:
        answers = [link.deliver(SENDER, to, wire()) for to in ("ann@example.org", "bo@example.org")]
        assert link.connections == 1
    assert answers == [Answer("sent", 250, ""), Answer("sent", 250, "")]
    assert server.handler.hellos == 1
    assert server.handler.recipients() == ["ann@example.org", "bo@example.org"]
    assert [r.mail_from for r in server.handler.received] == [SENDER, SENDER]
    assert server.handler.received[0].data == MESSAGE  # the dot unstuffed again by the server


def test_each_write_leaves_at_once_so_the_final_dot_waits_for_no_acknowledgement(
    server: SmtpServer,
) -> None:
    # The server answers only after the final dot, so it delays its acknowledgement of the
    # body; with Nagle's algorithm on, the dot would wait for it (40 ms per message on Linux).
    with SmtpLink(settings(server.port), None) as link:
        link.open()
        assert link._smtp is not None and link._smtp.sock is not None
        assert link._smtp.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert link.deliver(SENDER, "ann@example.org", wire()).result == "sent"


def test_a_temporary_refusal_fails_a_permanent_one_refuses_and_the_next_still_goes(
    server: SmtpServer,
) -> None:
    server.handler.refuse = {"busy@example.org": 450, "gone@example.org": 550}
    with SmtpLink(settings(server.port), None) as link:
        busy = link.deliver(SENDER, "busy@example.org", wire())
        gone = link.deliver(SENDER, "gone@example.org", wire())
        ann = link.deliver(SENDER, "ann@example.org", wire())
        assert link.connections == 1
    assert busy == Answer("failed", 450, "4.2.1 Mailbox busy, try again later")
    assert gone == Answer("refused", 550, "5.1.1 No such user here")
    assert ann.result == "sent"
    assert server.handler.recipients() == ["ann@example.org"]


def test_a_dropped_connection_is_reopened_for_the_next_message(server: SmtpServer) -> None:
    server.handler.drop_after = 1
    with SmtpLink(settings(server.port), None) as link:
        first = link.deliver(SENDER, "ann@example.org", wire())
        second = link.deliver(SENDER, "bo@example.org", wire())
        assert link.connections == 2
    assert (first.result, second.result) == ("sent", "sent")
    assert server.handler.recipients() == ["ann@example.org", "bo@example.org"]


def test_a_server_that_keeps_closing_is_given_up_on(server: SmtpServer) -> None:
    server.handler.drop_after = 1
    server.handler.stay_down = True
    with SmtpLink(settings(server.port), None) as link:
        assert link.deliver(SENDER, "ann@example.org", wire()).result == "sent"
        with pytest.raises(ServerGone, match="keeps closing the connection"):
            link.deliver(SENDER, "bo@example.org", wire())
        assert link.connections == 3  # the dropped one, then two reopened that got 421
    assert server.handler.recipients() == ["ann@example.org"]


def test_nobody_listening_is_server_gone_naming_the_address() -> None:
    port = free_port()
    link = SmtpLink(settings(port), None)
    with pytest.raises(ServerGone, match=f"cannot reach the SMTP server 127.0.0.1:{port}"):
        link.deliver(SENDER, "ann@example.org", wire())
    assert link.connections == 0


def test_the_login_is_given_to_a_server_that_asks() -> None:
    with SmtpServer(RecordingHandler(), login=("editor", "s3cret")) as server:
        with SmtpLink(settings(server.port), ("editor", "s3cret")) as link:
            assert link.deliver(SENDER, "ann@example.org", wire()).result == "sent"
        assert server.logins == ["editor"]


def test_a_wrong_password_is_a_mail_error_that_does_not_repeat_it() -> None:
    with SmtpServer(RecordingHandler(), login=("editor", "s3cret")) as server:
        link = SmtpLink(settings(server.port), ("editor", "wrong-password"))
        with pytest.raises(MailError, match="refused the login") as refused:
            link.open()
        assert not isinstance(refused.value, ServerGone)
        assert "wrong-password" not in str(refused.value)
        assert server.logins == [] and server.handler.received == []


@pytest.mark.parametrize("host", ["mail.example.org", "10.0.0.5"])
def test_a_password_is_never_sent_in_clear_to_another_host(host: str) -> None:
    with pytest.raises(UserError, match=f"unencrypted to {host}"):
        SmtpLink(settings(587, host=host), ("editor", "s3cret"))


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_a_password_may_go_in_clear_over_loopback(host: str) -> None:
    assert SmtpLink(settings(587, host=host), ("editor", "s3cret")).connections == 0


def test_closing_twice_and_closing_unopened_are_harmless(server: SmtpServer) -> None:
    link = SmtpLink(settings(server.port), None)
    link.close()
    link.open()
    link.open()  # already open: no second connection
    assert link.connections == 1
    link.close()
    link.close()
    assert server.handler.hellos == 1


def test_smtputf8_is_asked_for_where_the_server_offers_it() -> None:
    with SmtpServer(RecordingHandler(), smtputf8=True) as utf8:
        with SmtpLink(settings(utf8.port), None) as link:
            answers = [
                link.deliver(SENDER, "陈@例子.中国", wire(), smtputf8=True),
                link.deliver(SENDER, "bo@example.org", wire()),
            ]
        received = utf8.handler.received
    assert answers == [Answer("sent", 250, ""), Answer("sent", 250, "")]
    assert [(r.rcpt_tos, r.mail_options) for r in received] == [
        (("陈@例子.中国",), ("SMTPUTF8",)),
        (("bo@example.org",), ()),
    ]


def test_without_smtputf8_the_recipient_is_refused_for_good_and_the_next_still_goes(
    server: SmtpServer,
) -> None:
    with SmtpLink(settings(server.port), None) as link:
        refused = link.deliver(SENDER, "陈@例子.中国", wire(), smtputf8=True)
        sent = link.deliver(SENDER, "bo@example.org", wire())
        assert link.connections == 1
    assert refused.result == "refused" and refused.code is None
    assert "does not offer SMTPUTF8" in refused.reason
    assert sent == Answer("sent", 250, "")
    assert server.handler.recipients() == ["bo@example.org"]
