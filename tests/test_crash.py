"""Crash safety: SIGKILL ``digest send`` at random points, then check nothing was lost.

Thirty runs of the real CLI (two feeds over HTTP, one local file, SMTP to the aiosmtpd
fixture, two recipients), each killed at a random moment or from inside the SMTP server
the instant it has stored a message but before it answers 250, with new items arriving
between some of the runs. Then ``send`` runs to completion, and:

* the SQLite file passes ``PRAGMA integrity_check`` and ``foreign_key_check``;
* every item served is stored, none is pending, every one is marked sent;
* each recipient received every item at least once;
* a digest repeated after a crash carries the Message-ID of the interrupted attempt.

Delivery is at-least-once. A repeat happens when the process dies after the SMTP server
accepted a copy and before ``finish_digest`` committed (the DATA kill makes that window
wide on purpose): the next run sends the same digest again, to every recipient, with the
same Message-ID if no new item arrived meanwhile (so mail clients can drop the copy), with
a new one if the digest grew. Set DIGEST_CRASH_SEED to replay a run.

Every send here is a process of its own, the ones after the kills too: in the test's
process a send would start its parse workers' forkserver in the test's folder, where
the strays fixture kills whatever it finds.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    ROOT,
    FeedServer,
    SmtpServer,
    run_cli_process,
    smtp_delivery,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss

RUNS = 30
BUDGET = 60.0  # seconds for all the killed runs together
RECIPIENTS = ["ann@example.org", "cy@example.org"]
WORDS = (
    "amber basalt cedar delta ember fjord garnet harbor indigo juniper kelp lagoon marble "
    "nectar onyx prairie quartz raven saffron tundra umber violet willow xenon yarrow zephyr "
    "acorn bramble canyon dune estuary fern glacier heath inlet jasper knoll larch meadow "
    "nebula orchard pebble quill reef sierra thicket upland vale wharf yew zinnia"
).split()


@dataclass
class Feeds:
    """Three growing feeds: two served over HTTP, one a local file.

    Three, not more: from four feeds on, parsing forks worker processes, and a SIGKILL
    strands them holding the send lock (see test_killed_send_leaves_no_lock_or_worker).
    """

    server: FeedServer
    folder: Path
    rng: random.Random
    items: dict[str, list[FakeItem]] = field(default_factory=lambda: defaultdict(list))
    count: int = 0

    def urls(self) -> list[str]:
        return [
            self.server.url("/one.xml"),
            self.server.url("/two.xml"),
            str(self.folder / "three.xml"),
        ]

    def add(self, how_many: int) -> None:
        for _ in range(how_many):
            self.count += 1
            feed = self.rng.choice(["one", "two", "three"])
            title = " ".join(self.rng.sample(WORDS, 5)).capitalize() + f" {self.count}"
            self.items[feed].append(
                FakeItem(
                    title,
                    f"https://crash.example.org/{feed}/{self.count}",
                    categories=[self.rng.choice(["Culture", "News"])],
                    body=f"<p>{title} happened today. People talked about it.</p>",
                )
            )
        self.publish()

    def publish(self) -> None:
        for feed in ("one", "two"):
            self.server.serve(f"/{feed}.xml", rss(*reversed(self.items[feed]), title=feed))
        (self.folder / "three.xml").write_text(
            rss(*reversed(self.items["three"]), title="three"), encoding="utf-8"
        )

    @property
    def links(self) -> set[str]:
        return {i.link for items in self.items.values() for i in items}


def start_send(folder: Path) -> subprocess.Popen[bytes]:
    """`digest send` as a real process; its stderr goes to send.err in *folder*."""
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    with open(folder / "send.err", "wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "digest", "send"],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )


def processes_in(folder: Path) -> dict[int, int]:
    """{pid: parent pid} of every process whose working directory is *folder* (Linux /proc)."""
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(entry / "cwd")) != folder:
                continue
            stat = (entry / "stat").read_text()
        except OSError:  # gone, or not ours to look at
            continue
        found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


@pytest.fixture
def strays(tmp_path: Path) -> Iterator[Path]:
    """Kill, by pid, any process a test left running in its folder (stranded workers)."""
    yield tmp_path
    for pid in processes_in(tmp_path):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def links_in(msg: EmailMessage) -> set[str]:
    return {w for w in text_part(msg).split() if w.startswith("https://crash.example.org/")}


@pytest.mark.slow  # thirty sends, each a process of its own: about a minute
def test_sigkill_at_random_points_loses_nothing(
    strays: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    tmp_path = strays
    seed = int(os.environ.get("DIGEST_CRASH_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    note = f"(replay with DIGEST_CRASH_SEED={seed})"
    feeds = Feeds(http_server, tmp_path, rng)
    feeds.add(4)  # 4 or more feeds: parsed in forked workers, which must never outlive a kill
    write_config(
        tmp_path,
        feeds.urls(),
        delivery=smtp_delivery(smtp_server, RECIPIENTS, retries=0),
        digest={"max_age_days": 0, "max_items_per_section": 500, "cluster_hours": 0},
    )

    # Kill from inside the server: the copy is stored, the client never hears "250".
    mailbox = smtp_server.mailbox
    victim: dict[str, Any] = {"pid": None, "after": 0}
    accept = mailbox.handle_DATA

    async def handle_data(server: Any, session: Any, envelope: Any) -> str:
        reply = await accept(server, session, envelope)
        if victim["pid"] and victim["after"] > 0:
            victim["after"] -= 1
            if victim["after"] == 0:
                os.kill(victim["pid"], signal.SIGKILL)
        return str(reply)

    mailbox.handle_DATA = handle_data  # type: ignore[method-assign]

    # One undisturbed run tells how long a send takes on this machine.
    started = time.monotonic()
    first = start_send(tmp_path)
    assert first.wait(60) == 0, note
    full = time.monotonic() - started
    killed = 0
    spent = 0.0
    for _ in range(RUNS):
        if rng.random() < 0.6:
            feeds.add(rng.randint(1, 3))
        mode = rng.choice(["timer", "timer", "timer", "in-data", "none"])
        started = time.monotonic()
        proc = start_send(tmp_path)
        if mode == "in-data":
            victim.update(pid=proc.pid, after=rng.randint(1, len(RECIPIENTS)))
        elif mode == "timer":
            try:
                proc.wait(rng.uniform(0.3, 1.05) * full)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
        code = proc.wait(60)
        victim.update(pid=None, after=0)
        killed += code == -signal.SIGKILL
        spent += time.monotonic() - started
        error = (tmp_path / "send.err").read_text(errors="replace")
        assert code in (0, -signal.SIGKILL), f"send exited {code}: {error} {note}"
    assert spent < BUDGET, f"{RUNS} runs took {spent:.0f} s {note}"
    assert killed >= RUNS // 3, f"only {killed} runs were killed {note}"

    # The next run carries on.
    for _ in range(3):
        final = run_cli_process("send", cwd=tmp_path)
        assert final.code == 0, final.err + note
        if "Nothing new" in final.out:
            break
    assert "Nothing new" in final.out, note

    database = tmp_path / "digest.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], note
        assert db.execute("PRAGMA foreign_key_check").fetchall() == [], note
        stored = {row[0] for row in db.execute("SELECT link FROM items")}
        outcomes = dict(db.execute("SELECT outcome, count(*) FROM items GROUP BY outcome"))
        unfinished = db.execute(
            "SELECT count(*) FROM items i JOIN digests d ON d.id = i.digest_id"
            " WHERE d.status != 'sent'"
        ).fetchone()[0]
    assert stored == feeds.links, f"items lost from the store {note}"
    assert outcomes == {"sent": len(feeds.links)}, f"{outcomes} {note}"
    assert unfinished == 0, note

    received: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    for _, rcpts, msg in mailbox.messages:
        for rcpt in rcpts:
            received[rcpt].append((str(msg["Message-ID"]), frozenset(links_in(msg))))
    for rcpt in RECIPIENTS:
        got = set().union(*(links for _, links in received[rcpt]))
        assert got >= feeds.links, f"{rcpt} never got {sorted(feeds.links - got)} {note}"
        # A digest sent again unchanged after a crash reuses the interrupted attempt's
        # Message-ID; after a successful send, its items never come back.
        ids: dict[frozenset[str], set[str]] = defaultdict(set)
        for message_id, links in received[rcpt]:
            ids[links].add(message_id)
        assert all(len(m) == 1 for m in ids.values()), f"{dict(ids)} {note}"
    copies = sum(len(links) for msgs in received.values() for _, links in msgs)
    repeats = copies - len(RECIPIENTS) * len(feeds.links)
    print(
        f"{RUNS} runs, {killed} killed, {spent:.1f} s; {feeds.count} items;"
        f" {len(mailbox.messages)} messages; {repeats} item deliveries were repeats {note}"
    )


@pytest.mark.slow  # a send killed from inside the SMTP server, then another
def test_crash_between_recipients_repeats_only_the_unconfirmed_copy(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    """Killed while the second recipient's copy is in flight: only that copy may repeat.

    Today the whole digest is recorded once, after every recipient; a crash before that
    sends it again to everyone, including the reader whose copy was already accepted.
    """
    url = http_server.serve(
        "/feed.xml",
        rss(FakeItem("Festival opens", "https://crash.example.org/1", categories=["Culture"])),
    )
    write_config(tmp_path, [url], delivery=smtp_delivery(smtp_server, RECIPIENTS, retries=0))
    mailbox = smtp_server.mailbox
    accept = mailbox.handle_DATA
    victim: dict[str, Any] = {"pid": None}

    async def handle_data(server: Any, session: Any, envelope: Any) -> str:
        reply = await accept(server, session, envelope)
        if victim["pid"] and envelope.rcpt_tos == [RECIPIENTS[1]]:
            os.kill(victim["pid"], signal.SIGKILL)  # cy's copy stored, no 250 for it
        return str(reply)

    mailbox.handle_DATA = handle_data  # type: ignore[method-assign]
    proc = start_send(tmp_path)
    victim["pid"] = proc.pid
    assert proc.wait(60) == -signal.SIGKILL
    victim["pid"] = None
    again = run_cli_process("send", cwd=tmp_path)
    assert again.code == 0, again.err
    copies = defaultdict(list)
    for _, rcpts, msg in mailbox.messages:
        copies[rcpts[0]].append(str(msg["Message-ID"]))
    assert len(copies[RECIPIENTS[1]]) == 2  # unavoidable: the server got it, we never heard
    assert len(set(copies[RECIPIENTS[1]])) == 1  # ...but under the same Message-ID
    assert len(copies[RECIPIENTS[0]]) == 1, "a copy the server had accepted was sent again"


@pytest.mark.slow  # waits for the workers, kills the send, waits for the strays
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_killed_send_leaves_no_lock_or_worker_behind(strays: Path, http_server: FeedServer) -> None:
    """Killed while its parse workers run, `send` leaves nothing that blocks the next one."""
    tmp_path = strays
    urls = [
        http_server.serve(
            f"/feed{n}.xml",
            rss(FakeItem(f"Story {n} " + " ".join(WORDS[n::9]), f"https://crash.example.org/p{n}")),
        )
        for n in range(5)
    ]

    def slow(handler: Any) -> None:  # holds the run in its fetch, pool started
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(20):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.5)

    urls.append(http_server.serve("/slow.xml", b"", handler=slow))
    write_config(tmp_path, urls, fetch={"timeout": 3}, digest={"max_age_days": 0})
    proc = start_send(tmp_path)
    deadline = time.monotonic() + 20
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        workers = [pid for pid, parent in processes_in(tmp_path).items() if parent == proc.pid]
        time.sleep(0.05)
    if not workers:
        pytest.skip("this machine parses in one process (one CPU): no workers to strand")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(1)
    left = [pid for pid in workers if pid in processes_in(tmp_path)]
    again = run_cli_process("send", cwd=tmp_path)
    assert again.code == 0, again.err
    assert left == [], f"workers {left} outlived the killed send"
