"""Shared fixtures: a real HTTP server and a real SMTP server on 127.0.0.1,
config files in a temporary folder, and the CLI run through its entry point: in this
process (``run_cli``), or as a process of its own (``run_cli_process``)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests import yaml_writer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURE_FEEDS = SHARED / "fixtures" / "feeds"
SEED = SHARED / "fixtures" / "seed"
HERE = Path(__file__).resolve().parent / "data"

needs_shared = pytest.mark.skipif(
    not (SHARED / "corpus").is_dir(),
    reason="../shared/ (corpus and fixtures) is not next to this checkout",
)


# --- HTTP ---------------------------------------------------------------------------------


@dataclass
class Route:
    """What the test server answers for one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None
    modified: str = ""


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving routes set by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.version = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(Request(self.path, dict(self.headers.items())))
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.handler:
                    route.handler(self)
                    return
                tag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                modified = route.modified
                if self.headers.get("If-None-Match"):  # RFC 9110: it takes precedence
                    fresh = self.headers.get("If-None-Match") == tag
                else:
                    fresh = self.headers.get("If-Modified-Since") == modified
                if route.etag and route.status == 200 and fresh:
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                extra = dict(route.headers)
                if route.etag and route.status == 200:
                    extra.setdefault("ETag", tag)
                    extra.setdefault("Last-Modified", modified)
                self._send(route.status, route.body, route.content_type, extra)

            def _send(
                self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        # shutdown() waits for the loop's next look at its flag: every 0.5 s by default,
        # half a second at the end of every test with a server.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, **kwargs: Any) -> str:
        """Serve *body* at *path*; returns the full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.version += 1  # a new body gets a new Last-Modified
        modified = formatdate(1_790_000_000 + self.version, usegmt=True)
        self.routes[path] = Route(body=data, modified=modified, **kwargs)
        return self.url(path)

    def serve_file(self, path: str, file: Path, **kwargs: Any) -> str:
        return self.serve(path, file.read_bytes(), **kwargs)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


# --- SMTP ---------------------------------------------------------------------------------


class Mailbox:
    """Messages received by the test SMTP server, and knobs to make it fail."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.reject: dict[str, str] = {}  # recipient -> SMTP reply, e.g. "550 no such user"
        self.temporary_failures = 0  # answer this many DATA commands with 451 first
        self.delay = 0.0  # seconds each DATA takes (a slow server: a kill lands mid-send)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            return "451 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)


class SmtpServer:
    """aiosmtpd on 127.0.0.1 that a test can stop (server down) and start again."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller: Any = None
        self.start()

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            with contextlib.suppress(Exception):  # already stopped
                self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


def smtp_delivery(server: SmtpServer, to: list[str] | None = None, **smtp: Any) -> dict[str, Any]:
    """``delivery`` settings for the test SMTP server (no TLS, short timeouts)."""
    settings = {"host": server.host, "port": server.port, "security": "none", "timeout": 5, **smtp}
    return {"method": "smtp", "to": to or ["reader@example.org"], "smtp": settings}


# What the captured Jung_E review page carries besides the review: none of it may reach a blurb.
JUNG_E_CHROME = (
    "Netflix/YouTube screenshot",
    "Watch Jung_E on Netflix",
    "See at Netflix",
    "Related stories",
    "Recent Posts",
    "minutes ago",
    "Connecticut",
    "Fugitive dad",
    "+45 more",
    "See all photos",
    "close Video",
)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server for the session (tests/pg.py), or a skip saying why."""
    from tests import pg

    reason = pg.unavailable()
    if reason:
        pytest.skip(reason)
    with pg.server() as url:
        yield url


@pytest.fixture
def pg_url(postgres_server: str) -> str:
    """A ``postgresql://`` URL whose search path is a new, empty schema."""
    from tests import pg

    return pg.fresh_url(postgres_server)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """config's ``database`` for each store: an SQLite file, and a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "d.sqlite3"
    return str(request.getfixturevalue("pg_url"))


# --- config and CLI -------------------------------------------------------------------------


def write_config(folder: Path, feeds: list[dict[str, Any]] | list[str], **settings: Any) -> Path:
    """Write a config.yaml in *folder* with *feeds* and any top-level *settings*."""
    data: dict[str, Any] = {
        "title": "Test Digest",
        "timezone": "Asia/Seoul",
        "database": "digest.sqlite3",
        "feeds": [f if isinstance(f, dict) else {"url": f} for f in feeds],
        "sections": [
            {
                "name": "Culture",
                "categories": ["culture", "film", "books", "music"],
                "keywords": ["review", "premiere"],
            },
            {"name": "News", "categories": ["news", "politics", "world"]},
        ],
        "digest": {"max_age_days": 0, "max_items_per_feed": 0},  # tests count every story
        "delivery": {
            "method": "outbox",
            "outbox": "outbox",
            "from": "Digest <digest@example.org>",
            "to": ["reader@example.org"],
        },
    }
    for key, value in settings.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path = folder / "config.yaml"
    path.write_text(yaml_writer.dump(data), encoding="utf-8")
    return path


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Result:
    """Run the ``digest`` command in this process: ``digest.cli.main``, the function
    ``python -m digest`` runs, so the same argument parsing, the same one-line errors and
    exit codes, with stdout and stderr of its own, in *cwd*, with *env* added to the
    environment (DIGEST_CONFIG removed), all put back afterwards. No interpreter to start
    (about 0.5 s a run). A test that needs a process of its own (a lock this process holds,
    a signal, a kill) uses :func:`run_cli_process`.

    An exception main lets out becomes what Python makes of it at exit: a traceback on
    stderr and exit code 1. A run that outlives *timeout* is stopped with TimeoutExpired,
    as the process was.
    """
    from digest.cli import main

    argv = [str(arg) for arg in args]
    out, err = _stream("strict"), _stream("backslashreplace")  # as Python sets them up
    try:
        with _cli_world(cwd, env, out, err), _time_limit(timeout):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help, --version, a usage error
                code = _exit_code(exc.code)
            except Exception:
                traceback.print_exc()
                code = 1
            finally:
                out.flush()
                err.flush()
    except _TimedOut:
        command = ["digest", *argv]
        raise subprocess.TimeoutExpired(command, timeout, _read(out), _read(err)) from None
    return Result(code, _read(out), _read(err))


class _TimedOut(BaseException):
    """Raised in a run that took too long; a BaseException, so that no ``except Exception``
    (a feed's failure is caught so) takes it for the command's own error."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _TimedOut in the main thread after *seconds* (SIGALRM: it also ends a wait
    in a system call). Forked workers inherit no timer."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise _TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _stream(errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=errors)


def _read(stream: io.TextIOWrapper) -> str:
    """What ``subprocess.run(..., text=True)`` makes of the bytes: newlines translated."""
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _exit_code(code: object) -> int:
    """The exit status of ``sys.exit(code)``: None is 0, a message is printed and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@contextlib.contextmanager
def _cli_world(
    cwd: Path | None, env: dict[str, str] | None, out: io.TextIOWrapper, err: io.TextIOWrapper
) -> Iterator[None]:
    """What a command may change in its process, as a fresh process would have it, and
    put back afterwards: working folder, environment, standard streams and argv, the root
    logger's handlers and every logger's level (setup_logging sets them)."""
    folder = os.getcwd()
    environ = dict(os.environ)
    streams = (sys.stdin, sys.stdout, sys.stderr, sys.argv)
    root = logging.getLogger()
    handlers = root.handlers[:]
    levels = {
        name: logger.level
        for name, logger in [("", root), *logging.root.manager.loggerDict.items()]
        if isinstance(logger, logging.Logger)
    }
    os.environ.pop("DIGEST_CONFIG", None)
    os.environ.update(env or {})
    if os.environ.get("TZ") != environ.get("TZ"):
        time.tzset()
    sys.stdin = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # /dev/null: at its end
    sys.stdout, sys.stderr, sys.argv = out, err, ["digest"]
    try:
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(folder)
        sys.stdin, sys.stdout, sys.stderr, sys.argv = streams
        root.handlers[:] = handlers
        for name, level in levels.items():
            (logging.getLogger(name) if name else root).setLevel(level)
        os.environ.clear()
        os.environ.update(environ)
        time.tzset()


def run_cli_process(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    installed: bool = False,
) -> Result:
    """Run ``python -m digest`` as a real process (*installed*: the ``digest`` script
    that the package installed next to this Python), for what needs a process of its
    own: a lock held by the test's process, signals, kills, the way out of ``run``."""
    command = [str(DIGEST_SCRIPT)] if installed else [sys.executable, "-m", "digest"]
    full_env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    full_env.update({"PYTHONPATH": str(ROOT), **(env or {})})
    proc = subprocess.run(
        [*command, *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


# The console script `pip install` made (pyproject's [project.scripts]).
DIGEST_SCRIPT = Path(sys.executable).parent / "digest"


def outbox_messages(folder: Path) -> list[EmailMessage]:
    """Every .eml in an outbox folder, oldest first."""
    out = []
    for path in sorted(folder.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def text_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
