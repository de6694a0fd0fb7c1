"""`digest send` to 1,000 recipients on a loopback SMTP server (aiosmtpd in its own process).

Ours: the real send path (message built once, one connection, only To and Message-ID change
per copy, each answer logged in the store). Peer: the naive loop that opens a new smtplib
connection and rebuilds the whole message for every recipient, measured side by side on a
sample and scaled to the same 1,000. The floor is aiosmtpd itself: a bare smtplib loop handing
it the same bytes. aiosmtpd reads DATA one line at a time, so its time grows with the size of
the attached PDF; the same runs against a minimal SMTP sink that reads DATA in bulk show what
the sending side alone costs. Like any real server, the sink says nothing until the final dot,
so it acknowledges the body late: a client that leaves Nagle's algorithm on waits up to 40 ms
per message there for that acknowledgement before its last small write goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import yaml  # noqa: E402
from figures import Figure  # noqa: E402

from digest.addresses import parse_recipient  # noqa: E402
from digest.build import build_issue  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.issuefile import load_issue  # noqa: E402
from digest.mail import Letter, compose, issue_pdf, send_issue  # noqa: E402
from digest.models import Config  # noqa: E402

RECIPIENTS = 1000
PEER_SAMPLE = 20
FLOOR_SAMPLE = 100
TARGET_SECONDS = 10.0
REPO = HERE.parent
ISSUE = 22


class AcceptingHandler:
    """Accepts every message and keeps none of it."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def serve(port: int) -> None:
    """The server process: runs until its stdin closes."""
    from aiosmtpd.controller import Controller

    controller = Controller(
        AcceptingHandler(), hostname="127.0.0.1", port=port, data_size_limit=50_000_000
    )
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


class SinkProtocol(asyncio.Protocol):
    """A minimal SMTP server that reads DATA in bulk: how fast the client side alone can go."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""
        self.in_data = False
        transport.write(b"220 sink ready\r\n")

    def data_received(self, data: bytes) -> None:
        while data:
            if self.in_data:
                # Look for the end of DATA; the message itself is thrown away as it comes.
                joined = self.buffer[-4:] + data
                end = joined.find(b"\r\n.\r\n")
                if end < 0:
                    self.buffer = joined[-4:]
                    return
                data, self.buffer, self.in_data = joined[end + 5 :], b"", False
                self.transport.write(b"250 OK\r\n")
                continue
            self.buffer += data
            data = b""
            while not self.in_data and (end := self.buffer.find(b"\r\n")) >= 0:
                verb, self.buffer = self.buffer[:4].upper(), self.buffer[end + 2 :]
                self._answer(verb)
            if self.in_data:
                data, self.buffer = self.buffer, b"\r\n"  # DATA's own CRLF may end at once

    def _answer(self, verb: bytes) -> None:
        if verb == b"EHLO":
            self.transport.write(b"250-sink\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            self.in_data = True
            self.transport.write(b"354 go ahead\r\n")
        elif verb == b"QUIT":
            self.transport.write(b"221 bye\r\n")
            self.transport.close()
        else:
            self.transport.write(b"250 OK\r\n")


def sink(port: int) -> None:
    """The bulk-reading server process: runs until its stdin closes."""

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(SinkProtocol, "127.0.0.1", port)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.read)
        server.close()

    asyncio.run(main())


@contextlib.contextmanager
def server_process(port: int, kind: str = "--serve") -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, __file__, kind, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP server did not start")
        yield
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def _newsletter(folder: Path, port: int) -> Path:
    """A copy of the example newsletter, its email pointed at the loopback server, built."""
    root = folder / "newsletter"
    root.mkdir()
    shutil.copy(REPO / "feeds.yaml", root / "feeds.yaml")
    shutil.copytree(REPO / "issues", root / "issues")
    shutil.copytree(REPO / "templates", root / "templates")
    path = root / "feeds.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["email"].update(host="127.0.0.1", port=port, security="none")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    build_issue(load_config(root), ISSUE)
    return root


def _ours(root: Path) -> float:
    config = load_config(root)
    recipients = [parse_recipient(f"reader{n}@example.org") for n in range(RECIPIENTS)]
    started = time.perf_counter()
    report = send_issue(config, ISSUE, recipients)
    elapsed = time.perf_counter() - started
    if report.count("sent") != RECIPIENTS:
        raise RuntimeError(f"only {report.count('sent')} of {RECIPIENTS} sent")
    return elapsed


def _letter(config: Config) -> Letter:
    issue = load_issue(config, ISSUE)
    return compose(config, issue, issue_pdf(config, issue), now=dt.datetime.now(dt.UTC))


def _peer(root: Path) -> float:
    """A new connection and a freshly built message for every recipient (sampled, scaled)."""
    config = load_config(root)
    started = time.perf_counter()
    for n in range(PEER_SAMPLE):
        letter = _letter(config)
        recipient = parse_recipient(f"peer{n}@example.org")
        with smtplib.SMTP(config.email.host, config.email.port, timeout=30) as smtp:
            smtp.sendmail(
                letter.sender.address,
                [recipient.address],
                letter.copy_for(recipient, letter.new_message_id()),
            )
    return (time.perf_counter() - started) * RECIPIENTS / PEER_SAMPLE


def _floor(root: Path) -> float:
    """The server's own limit: one bare smtplib loop re-sending the same bytes (sampled)."""
    config = load_config(root)
    letter = _letter(config)
    recipient = parse_recipient("floor@example.org")
    data = letter.copy_for(recipient, letter.new_message_id())
    started = time.perf_counter()
    with smtplib.SMTP(config.email.host, config.email.port, timeout=30) as smtp:
        for _ in range(FLOOR_SAMPLE):
            smtp.sendmail(letter.sender.address, [recipient.address], data)
    return (time.perf_counter() - started) * RECIPIENTS / FLOOR_SAMPLE


def _pdf_kb(root: Path) -> int:
    return (
        sum(p.stat().st_size for p in (root / "site" / "issues" / str(ISSUE)).glob("*.pdf")) // 1024
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _point_at(root: Path, port: int) -> None:
    path = root / "feeds.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["email"].update(host="127.0.0.1", port=port, security="none")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.rmtree(root / ".digest", ignore_errors=True)  # a fresh send log: everyone again


def run() -> list[Figure]:
    port, sink_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        root = _newsletter(Path(tmp), port)
        pdf_kb = _pdf_kb(root)
        with server_process(port):
            ours = _ours(root)
            peer = _peer(root)
            floor = _floor(root)
        _point_at(root, sink_port)
        with server_process(sink_port, "--sink"):
            ours_sink = _ours(root)
            peer_sink = _peer(root)
    return [
        Figure(
            name=f"send issue #{ISSUE} to {RECIPIENTS}, aiosmtpd ({pdf_kb} KB PDF)",
            value=ours,
            unit="s",
            target=f"< {TARGET_SECONDS:.0f} s",
            met=ours < TARGET_SECONDS,
            peer=f"naive loop (new connection, rebuilt message each): {peer:.1f} s "
            f"= {peer / ours:.1f}x slower; aiosmtpd floor (same bytes, bare smtplib): "
            f"{floor:.1f} s",
        ),
        Figure(
            name=f"send issue #{ISSUE} to {RECIPIENTS}, bulk-reading sink",
            value=ours_sink,
            unit="s",
            target=f"< {TARGET_SECONDS:.0f} s",
            met=ours_sink < TARGET_SECONDS,
            peer=f"naive loop on the same sink: {peer_sink:.1f} s "
            f"= {peer_sink / ours_sink:.1f}x slower",
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]))
        raise SystemExit(0)
    if sys.argv[1:2] == ["--sink"]:
        sink(int(sys.argv[2]))
        raise SystemExit(0)
    for figure in run():
        print(figure.line())
