"""SMTP delivery as the user sees it: a server that says nothing, and what TLS was tried.

Real servers on 127.0.0.1: a socket that accepts and stays silent (or answers only its
first lines), and aiosmtpd for the rest.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.config import SmtpConfig
from digest.deliver import silent_message
from tests.conftest import FeedServer, SmtpServer, run_cli, smtp_delivery, write_config
from tests.feeds import FakeItem, rss


class QuietServer:
    """Accepts connections on 127.0.0.1, sends *script*'s replies to the first lines it
    reads, then says nothing more (and never closes first)."""

    def __init__(self, script: tuple[bytes, ...] = ()) -> None:
        self.script = script
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed at the end of the test
                return
            self.accepted += 1
            self.held.append(conn)
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        script = list(self.script)
        if script:
            conn.sendall(script.pop(0))  # the greeting
        with conn.makefile("rb") as lines:
            while script:
                if not lines.readline():
                    return
                conn.sendall(script.pop(0))
            while lines.readline():  # heard, never answered
                pass

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def quiet_server() -> Iterator[QuietServer]:
    server = QuietServer()
    yield server
    server.close()


def _setup(tmp_path: Path, http_server: FeedServer, **smtp: object) -> None:
    url = http_server.serve("/f.xml", rss(FakeItem("Harbour reopens", "https://a.example/h")))
    write_config(tmp_path, [url], delivery={"method": "smtp", "smtp": smtp})


def test_a_server_that_accepts_and_says_nothing_is_given_up_on_after_one_timeout(
    tmp_path: Path, http_server: FeedServer, quiet_server: QuietServer
) -> None:
    _setup(
        tmp_path,
        http_server,
        host="127.0.0.1",
        port=quiet_server.port,
        security="none",
        timeout=0.5,
        retries=3,
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 1
    [line] = [x for x in result.err.splitlines() if x.startswith("digest: error:")]
    assert (
        f"SMTP server 127.0.0.1:{quiet_server.port} accepted the connection but did not"
        " answer within 0.5 s (delivery.smtp.timeout; tried no TLS on port" in line
    )
    assert "cannot reach" not in line and "Traceback" not in result.err
    assert "1 item stays pending" in line
    assert quiet_server.accepted == 1  # not tried again (and waited for) retries times


def test_implicit_tls_to_a_silent_server_says_what_was_tried(
    tmp_path: Path, http_server: FeedServer, quiet_server: QuietServer
) -> None:
    _setup(
        tmp_path,
        http_server,
        host="127.0.0.1",
        port=quiet_server.port,
        security="ssl",
        timeout=0.5,
        retries=1,
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 1
    assert "did not answer within 0.5 s" in result.err
    assert f"tried implicit TLS on port {quiet_server.port}" in result.err
    assert quiet_server.accepted == 1


def test_a_server_silent_after_its_greeting_times_out_per_command(
    tmp_path: Path, http_server: FeedServer
) -> None:
    # It greets and answers EHLO, then hears MAIL FROM and says nothing.
    server = QuietServer((b"220 quiet.example ESMTP\r\n", b"250 quiet.example\r\n"))
    try:
        _setup(
            tmp_path,
            http_server,
            host="127.0.0.1",
            port=server.port,
            security="none",
            timeout=0.5,
            retries=2,
        )
        result = run_cli("send", cwd=tmp_path)
    finally:
        server.close()
    assert result.code == 1
    assert "did not answer within 0.5 s" in result.err
    assert "(while sending to reader@example.org)" in result.err
    assert "connection lost" not in result.err and server.accepted == 1


def test_starttls_not_offered_says_what_was_tried(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    url = http_server.serve("/f.xml", rss(FakeItem("Harbour reopens", "https://a.example/h")))
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server, security="starttls"))
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 1
    assert (
        f"does not offer STARTTLS (tried STARTTLS on port {smtp_server.port})"
        " (set delivery.smtp.security to ssl (implicit TLS, usually port 465) or none)"
        in result.err
    )
    assert not smtp_server.mailbox.messages


def test_implicit_tls_to_a_plain_server_says_what_was_tried(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    url = http_server.serve("/f.xml", rss(FakeItem("Harbour reopens", "https://a.example/h")))
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server, security="ssl", retries=0))
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 1
    assert f"(tried implicit TLS on port {smtp_server.port}; the server speaks plain SMTP" in (
        result.err
    )
    assert "try delivery.smtp.security: starttls" in result.err


def test_plain_smtp_on_port_465_is_told_to_use_implicit_tls() -> None:
    # A client waiting for a greeting on 465 hears nothing: the server waits for TLS.
    message = silent_message(SmtpConfig(host="mail.example.org", port=465, security="starttls"))
    assert "tried STARTTLS on port 465" in message
    assert "port 465 expects implicit TLS: try delivery.smtp.security: ssl" in message
    assert "465 expects" not in silent_message(SmtpConfig(port=465, security="ssl"))
