"""One bad page or document never stops the run (issue 18).

Article pages that cannot be read keep their item's teaser and are reported on their
feed; a parse worker that dies costs only the feed it held (tried once more in a fresh
worker); a feed whose parse takes too long is skipped and its worker replaced, in the
daemon (a threaded process: workers from a forkserver) as in ``digest send`` (forked).

Hooks that make one document kill or hang its worker are installed in the worker
processes only: by monkeypatching the parse function before a fork, or, for a
forkserver, by its preloading this module with DIGEST_TEST_PARSE_HOOKS set.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from multiprocessing import forkserver, get_context
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest import fulltext, workers
from digest.fetch import FetchLimits
from digest.fulltext import read_full_text
from digest.links import shown_url
from digest.models import Entry
from digest.pipeline import FetchReport
from digest.workers import ParseTask, parse_task
from tests.conftest import (
    FeedServer,
    outbox_messages,
    run_cli,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss

LOOPBACK = ["127.0.0.0/8", "::1/128"]  # article pages come from the test server
LOCAL = {"allow_private": LOOPBACK}
TEASER = "<p>The feed's own teaser.</p>"

# --- hooks for the worker processes --------------------------------------------------------

HOOKS_ENV = "DIGEST_TEST_PARSE_HOOKS"  # a folder for the hooks' marks; set: hooks installed


def hooked_parse(task: ParseTask) -> Any:
    """parse_task, except that a feed at /killer* kills its worker, /once* kills it the
    first time only, and /slow* sleeps for a minute."""
    if os.getpid() == TEST_PID:  # never in the test process itself
        raise AssertionError("a document was parsed in the fetching process")
    path = task.feed_url.rsplit("/", 1)[-1]
    if path.startswith("killer"):
        os.kill(os.getpid(), signal.SIGKILL)
    if path.startswith("once"):
        mark = Path(os.environ[HOOKS_ENV]) / path
        if not mark.exists():
            mark.touch()
            os.kill(os.getpid(), signal.SIGKILL)
    if path.startswith("slow"):
        time.sleep(60)
    return parse_task(task)


TEST_PID = os.getpid() if not os.environ.get(HOOKS_ENV) else -1
if os.environ.get(HOOKS_ENV):  # imported by a forkserver as it starts: its workers get them
    workers.parse_task = hooked_parse


def _stop_forkserver() -> None:
    forkserver._forkserver._stop()  # type: ignore[attr-defined]


@pytest.fixture(params=["fork", "forkserver"])
def hooked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """Workers of the given kind, with the hooks installed in them."""
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv(HOOKS_ENV, str(marks))
    if request.param == "fork":
        monkeypatch.setattr(workers, "_context", lambda: get_context("fork"))
        monkeypatch.setattr(workers, "parse_task", hooked_parse)
        yield "fork"
        return
    # A forkserver of our own, started with the hooks preloaded, stopped after the test.
    _stop_forkserver()
    monkeypatch.setattr(workers, "FORKSERVER_PRELOAD", (*workers.FORKSERVER_PRELOAD, __name__))
    monkeypatch.setattr(
        workers, "_context", lambda: _forkserver_context(workers.FORKSERVER_PRELOAD)
    )
    try:
        yield "forkserver"
    finally:
        _stop_forkserver()


def _forkserver_context(preload: tuple[str, ...]) -> Any:
    context = get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def fetch(
    tmp_path: Path, feeds: list[Any], **settings: Any
) -> tuple[FetchReport, dict[str, dict[str, str]]]:
    """fetch_feeds on a config of *feeds*: the report, and each feed's stored items
    (title: html)."""
    from digest.config import load_config
    from digest.pipeline import fetch_feeds
    from digest.store import SQLiteStore

    config = load_config(write_config(tmp_path, feeds, **settings))
    store = SQLiteStore(config.database)
    try:
        report = fetch_feeds(config, store, datetime.now(UTC))
        stored: dict[str, dict[str, str]] = {}
        for item in store.pending_items():
            stored.setdefault(item.feed_url, {})[item.title] = item.html
    finally:
        store.close()
    return report, stored


def serve_feeds(server: FeedServer, names: list[str]) -> list[str]:
    """One small feed at /NAME.xml for each name, its one item titled after the feed."""
    return [
        server.serve(
            f"/{name}.xml",
            rss(FakeItem(title=f"Story of {name}", link=f"https://example.org/{name}")),
        )
        for name in names
    ]


# --- parse workers -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 5])  # one worker (few feeds), a pool of workers
def test_a_document_that_kills_its_worker_costs_only_its_feed(
    hooked: str, count: int, tmp_path: Path, http_server: FeedServer
) -> None:
    names = ["killer", *(f"good{n}" for n in range(count - 1))]
    urls = serve_feeds(http_server, names)
    report, stored = fetch(tmp_path, urls)
    errors = {o.url: o.error for o in report.outcomes}
    killer = errors.pop(urls[0])
    assert killer is not None
    assert killer == "the parse worker died on it twice (killed by SIGKILL): skipped"
    assert set(errors.values()) == {None}
    assert all(set(stored[u]) == {f"Story of {n}"} for u, n in zip(urls[1:], names[1:]))


def test_a_feed_whose_worker_died_once_is_tried_again(
    hooked: str, tmp_path: Path, http_server: FeedServer
) -> None:
    urls = serve_feeds(http_server, ["once", "good1", "good2", "good3"])
    report, stored = fetch(tmp_path, urls)
    assert [o.error for o in report.outcomes] == [None] * 4
    assert set(stored[urls[0]]) == {"Story of once"}
    assert len(stored) == 4


@pytest.mark.parametrize("count", [1, 4])
def test_a_feed_whose_parse_takes_too_long_is_skipped(
    hooked: str, count: int, tmp_path: Path, http_server: FeedServer, monkeypatch: Any
) -> None:
    monkeypatch.setattr(workers, "PARSE_TIMEOUT", 2.0)  # the hook sleeps for a minute
    names = ["slow", *(f"good{n}" for n in range(count - 1))]
    urls = serve_feeds(http_server, names)
    report, stored = fetch(tmp_path, urls)
    errors = {o.url: o.error for o in report.outcomes}
    assert errors.pop(urls[0]) == "parse took longer than 2 s: skipped"
    assert set(errors.values()) <= {None}
    assert urls[0] not in stored
    assert all(set(stored[u]) == {f"Story of {n}"} for u, n in zip(urls[1:], names[1:]))


def test_the_daemon_parses_in_workers_too(
    hooked: str, tmp_path: Path, http_server: FeedServer, monkeypatch: Any
) -> None:
    """With the scheduler's threads running, a slow feed is still skipped (workers from a
    forkserver, or forked ones when a test forces it)."""
    monkeypatch.setattr(workers, "PARSE_TIMEOUT", 2.0)
    stop = threading.Event()
    scheduler = threading.Thread(target=stop.wait, daemon=True)
    scheduler.start()
    try:
        urls = serve_feeds(http_server, ["slow", "good1"])
        report, stored = fetch(tmp_path, urls)
    finally:
        stop.set()
    assert [o.error for o in report.outcomes] == ["parse took longer than 2 s: skipped", None]
    assert list(stored) == [urls[1]]


def test_no_worker_outlives_the_run(hooked: str, tmp_path: Path, http_server: FeedServer) -> None:
    before = set(_children())
    urls = serve_feeds(http_server, ["killer", "good1", "good2", "good3"])
    fetch(tmp_path, urls)
    assert set(_children()) - before - _forkservers() == set()


def _children() -> list[int]:
    """The pids of this process's living children."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == me and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _forkservers() -> set[int]:
    """The forkserver and resource tracker: kept for the process's life, by design."""
    from multiprocessing import resource_tracker

    pids = {getattr(forkserver._forkserver, "_forkserver_pid", None)}
    pids.add(getattr(resource_tracker._resource_tracker, "_pid", None))
    return {p for p in pids if p}


# --- article pages that cannot be read ------------------------------------------------------

GOOD = {
    "utf8": "The city library opened a reading room for night workers on Tuesday",
    "undefined": "A violinist from Tromsø won the national chamber competition on Sunday",
    "idna": "Engineers finished testing the new tram line between harbour and campus",
    "punycode": "The museum returned four bronze masks to the village where they were carved",
    "rot13": "Farmers in the valley began the olive harvest two weeks early this autumn",
    "zlib_codec": "The orchestra announced a season of free concerts in its rebuilt hall",
}
BAD = {  # path: (Content-Type, body)
    "blank": ("text/html", b"<html></html>"),
    "empty": ("text/html; charset=utf-8", b""),
    "junk": ("text/html", random.Random(18).randbytes(4000)),
}


def page(lead: str) -> bytes:
    story = (
        f"<p>{lead}, after two years of planning and a vote that surprised nobody. "
        "The plans were drawn up with the help of the people who use it every day.</p>"
        "<p>Critics said the money could have gone elsewhere, but most agreed that the "
        "change was overdue, and the first weeks were busier than anyone had expected.</p>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>News</title></head><body>"
        f"<header><a href='/'>Home</a></header><main><article><h1>Title</h1>{story}"
        "</article></main><footer><p>The Paper, Quay Street 4</p></footer></body></html>"
    ).encode()


def full_text_feed(server: FeedServer) -> str:
    """A full_text feed whose article pages are good (under odd charsets) and bad."""
    items = []
    for name, lead in GOOD.items():
        charset = "" if name == "utf8" else f"; charset={name}"
        link = server.serve(f"/{name}", page(lead), content_type=f"text/html{charset}")
        items.append(FakeItem(title=f"Item {name}", link=link, body=f"<p>Teaser {name}.</p>"))
    for name, (ctype, body) in BAD.items():
        link = server.serve(f"/{name}", body, content_type=ctype)
        items.append(
            FakeItem(title=f"Item {name}", link=link, body=f"<p>The teaser of {name} stays.</p>")
        )
    return server.serve("/full.xml", rss(*items, title="Full"))


def test_pages_that_cannot_be_read_keep_their_teaser_and_are_reported(
    tmp_path: Path, http_server: FeedServer
) -> None:
    feed = full_text_feed(http_server)
    every = {"max_items_per_feed": 0}  # all nine stories in the digest
    write_config(tmp_path, [{"url": feed, "full_text": True}], fetch=LOCAL, digest=every)
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert "3 article pages could not be read" in result.err
    [message] = outbox_messages(tmp_path / "outbox")
    text = " ".join(text_part(message).split())
    for lead in GOOD.values():  # read, whatever charset the server named
        assert lead in text
    for name in BAD:
        assert f"The teaser of {name} stays." in text


def test_a_page_that_makes_the_extractor_raise_keeps_its_teaser(
    tmp_path: Path, http_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    extract = fulltext.extract_main_text

    def hostile(page: bytes | str, url: str) -> str:
        if url.endswith("/deep"):
            raise RecursionError("maximum recursion depth exceeded")
        if url.endswith("/odd"):
            raise Exception  # readability raises bare Exceptions
        return extract(page, url)

    monkeypatch.setattr(fulltext, "extract_main_text", hostile)
    items = [
        FakeItem(
            title=name, link=http_server.serve(f"/{name}", page(lead), content_type="text/html")
        )
        for name, lead in (("deep", GOOD["idna"]), ("odd", GOOD["rot13"]), ("fine", GOOD["utf8"]))
    ]
    feed = http_server.serve("/f.xml", rss(*items))
    report, stored = fetch(tmp_path, [{"url": feed, "full_text": True}], fetch=LOCAL)
    [outcome] = report.outcomes
    assert outcome.error is None and outcome.new_items == 3
    assert outcome.note and outcome.note.startswith("2 article pages could not be read: ")
    assert "/deep: the extractor failed (RecursionError: maximum recursion" in outcome.note
    kept = stored[feed]
    assert kept["deep"] == kept["odd"] == FakeItem().body  # the feed's own text
    assert GOOD["utf8"] in kept["fine"]


# --- whatever a server answers --------------------------------------------------------------

CHARSETS = [
    "utf-8", "latin-1", "utf-16", "utf-7", "shift_jis", "undefined", "idna", "punycode",
    "rot13", "zlib_codec", "base64", "hex", "uu", "bz2_codec", "unicode_escape",
    "x-user-defined", "nonsense", '"utf-8"', "",
]  # fmt: skip
MEDIA = ["text/html", "application/xhtml+xml", "TEXT/HTML", "text/plain", "image/png", "", "*/*"]
HEADERS = ["Content-Encoding", "Transfer-Encoding", "Content-Length", "Location", "X-Junk"]
PIECES = [
    b"<html>", b"</html>", b"<body>", b"<p>", b"</p>", b"<article>", b"<div>", b"<!--",
    b"-->", b"<script>", b"<![CDATA[", b"&#0;", b"&#xD800;", b"\xef\xbb\xbf", b"\xff\xfe",
    b"\x00", b"\x1b[31m", "Grüße aus Köln. ".encode(), "日本語の記事です。".encode(),
    b"<meta charset='idna'>", b"<meta charset=undefined>", b"<?xml version='1.0'?>",
    page(GOOD["utf8"]),
]  # fmt: skip
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
answers = st.fixed_dictionaries(
    {
        "status": st.one_of(st.sampled_from([200, 203, 301, 304, 404, 500]), st.integers(0, 999)),
        "reason": st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
        "type": st.tuples(
            st.sampled_from(MEDIA), st.one_of(st.sampled_from(CHARSETS), header_text)
        ).map(lambda t: f"{t[0]}; charset={t[1]}" if t[1] else t[0]),
        "headers": st.lists(st.tuples(st.sampled_from(HEADERS), header_text), max_size=3),
        "body": st.one_of(
            st.binary(max_size=3000),
            st.lists(st.sampled_from(PIECES), max_size=30).map(b"".join),
        ),
    }
)


def raw_answer(answer: dict[str, Any]) -> Any:
    """A handler that writes *answer* as it is: status line, headers and body, unchecked."""

    def handler(request: Any) -> None:
        head = [b"HTTP/1.1 %d " % answer["status"] + answer["reason"]]
        if answer["type"]:
            head.append(b"Content-Type: " + answer["type"].encode("latin-1", "replace"))
        for name, value in answer["headers"]:
            if name == "Location":  # only ever to this server
                value = "/" + value.lstrip("/").replace(":", "").replace("\\", "")
            head.append(f"{name}: {value}".encode("latin-1", "replace"))
        head.append(b"Content-Length: %d" % len(answer["body"]))
        request.close_connection = True
        request.wfile.write(b"\r\n".join(head) + b"\r\n\r\n" + answer["body"])

    return handler


def test_the_full_text_stage_completes_whatever_the_server_answers(
    http_server: FeedServer,
) -> None:
    limits = FetchLimits(timeout=3, allow_private=tuple(LOOPBACK))
    served = iter(range(1_000_000))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(answers, min_size=1, max_size=4))
    def check(pages: list[dict[str, Any]]) -> None:
        entries = []
        for answer in pages:
            url = http_server.serve(f"/page{next(served)}", b"", handler=raw_answer(answer))
            entries.append(Entry(guid=url, title="", link=url, published=None, html=TEASER))
        full = read_full_text(entries, limits)
        assert [e.guid for e in full.entries] == [e.guid for e in entries]
        failed = {p.split(": ", 1)[0] for p in full.problems}
        for entry in full.entries:
            assert entry.html
            if shown_url(entry.link) in failed:
                assert entry.html == TEASER
        note = full.note()
        assert (note is None) == (not full.problems)
        assert note is None or "\n" not in note

    check()
