"""`digest run`: the decisions (next run, missed send, DST) with an injected clock,
the send lock, and the daemon as a real process against a real SMTP server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.errors import LockedError
from digest.locks import send_lock
from digest.scheduler import TEST_SECONDS, fire_times, latest_slot, missed_send, next_run
from tests.conftest import (
    ROOT,
    FeedServer,
    SmtpServer,
    run_cli,
    run_cli_process,
    smtp_delivery,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_daily_send_is_read_in_the_configured_zone() -> None:
    now = at(UTC, 2026, 11, 26, 0, 0)  # 09:00 in Seoul
    assert next_run("0 7 * * *", SEOUL, now) == at(SEOUL, 2026, 11, 27, 7, 0)


def test_weekly_digest_is_just_another_cron_expression() -> None:
    now = at(SEOUL, 2026, 11, 26, 12, 0)  # a Thursday
    assert next_run("0 7 * * mon", SEOUL, now) == at(SEOUL, 2026, 11, 30, 7, 0)


@pytest.mark.parametrize(
    ("zone", "day_before", "expected_utc_hours"),
    [
        # spring forward: 07:00 local is 06:00 UTC before and 05:00 UTC after
        (BERLIN, datetime(2026, 3, 27, 12), [6, 5]),
        # fall back
        (BERLIN, datetime(2026, 10, 23, 12), [5, 6]),
        (NEW_YORK, datetime(2026, 3, 6, 12), [12, 11]),
    ],
)
def test_daily_send_keeps_local_time_across_dst(
    zone: ZoneInfo, day_before: datetime, expected_utc_hours: list[int]
) -> None:
    start = day_before.replace(tzinfo=zone)
    times = list(fire_times("0 7 * * *", zone, start, start + timedelta(days=2)))
    assert [t.astimezone(zone).hour for t in times] == [7, 7]
    assert [t.astimezone(UTC).hour for t in times] == expected_utc_hours


def test_a_send_in_the_skipped_hour_still_happens_once() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026; the digest must not vanish that day.
    start = at(BERLIN, 2026, 3, 28, 12, 0)
    times = list(fire_times("30 2 * * *", BERLIN, start, start + timedelta(days=3)))
    days = [t.astimezone(BERLIN).date().day for t in times]
    assert len(times) >= 2 and days == sorted(set(days))


def test_missed_send_is_made_up_once_within_grace() -> None:
    last = at(SEOUL, 2026, 11, 25, 7, 0)
    now = at(SEOUL, 2026, 11, 26, 9, 30)  # the 07:00 send was missed while down
    grace = timedelta(hours=6)
    missed = missed_send("0 7 * * *", SEOUL, last, now, grace)
    assert missed == at(SEOUL, 2026, 11, 26, 7, 0)
    # once made up (the slot recorded), it is not made up again
    assert missed_send("0 7 * * *", SEOUL, missed, now, grace) is None


def test_missed_send_outside_grace_is_not_made_up() -> None:
    last = at(SEOUL, 2026, 11, 25, 7, 0)
    now = at(SEOUL, 2026, 11, 26, 14, 0)  # 7 hours late
    assert missed_send("0 7 * * *", SEOUL, last, now, timedelta(hours=6)) is None


def test_several_missed_sends_are_made_up_as_one() -> None:
    last = at(SEOUL, 2026, 11, 20, 7, 0)
    now = at(SEOUL, 2026, 11, 26, 8, 0)
    missed = missed_send("0 7 * * *", SEOUL, last, now, timedelta(days=10))
    assert missed == at(SEOUL, 2026, 11, 26, 7, 0)


def test_first_start_makes_up_nothing() -> None:
    now = at(SEOUL, 2026, 11, 26, 8, 0)
    assert missed_send("0 7 * * *", SEOUL, None, now, timedelta(hours=6)) is None
    assert latest_slot("0 7 * * *", SEOUL, now, timedelta(days=2)) == at(SEOUL, 2026, 11, 26, 7, 0)


def test_send_lock_is_exclusive_and_released_when_the_holder_dies(tmp_path: Path) -> None:
    database = tmp_path / "digest.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from digest.locks import send_lock\n"
            "with send_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError), send_lock(database):
            pass
        holder.kill()  # a crash: no cleanup runs
        holder.wait()
        with send_lock(database):
            pass
    finally:
        holder.kill()


def test_manual_send_while_another_send_holds_the_lock_delivers_nothing(
    tmp_path: Path, http_server: FeedServer
) -> None:
    url = http_server.serve("/f.xml", rss(FakeItem("Festival opens", "https://a.example/1")))
    write_config(tmp_path, [url])
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with send_lock(tmp_path / "digest.sqlite3"):
            ready.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        ready.wait(5)
        blocked = run_cli_process("send", cwd=tmp_path)  # lockf locks are a process's
        assert blocked.code == 1
        assert "another digest is being sent" in blocked.err
        assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").iterdir())
    finally:
        release.set()
        thread.join()
    assert run_cli("send", cwd=tmp_path).code == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_daemon_sends_on_schedule_and_stops_cleanly_on_sigterm(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    url = http_server.serve(
        "/f.xml",
        rss(
            FakeItem(
                "Premiere night at the opera", "https://a.example/opera", categories=["Culture"]
            ),
            FakeItem("Council passes budget", "https://a.example/budget", categories=["News"]),
        ),
    )
    write_config(
        tmp_path,
        [url],
        delivery=smtp_delivery(smtp_server),
        schedule={"fetch": "* * * * *", "send": "* * * * *"},
    )
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    env[TEST_SECONDS] = "*/2"  # "* * * * *" fires every 2 s: no wait for the next minute
    daemon = subprocess.Popen(
        [sys.executable, "-m", "digest", "--log-format", "json", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        smtp_server.mailbox.wait_for(1, timeout=30)
        assert smtp_server.mailbox.messages, "no digest arrived within 30 s"
        _, rcpts, msg = smtp_server.mailbox.messages[0]
        assert rcpts == ["reader@example.org"]
        assert "Premiere night at the opera" in text_part(msg)
        status = run_cli("status", cwd=tmp_path)
        assert "Daemon:     running" in status.out
        second = run_cli_process("run", cwd=tmp_path, timeout=30)  # it must not start here
        assert second.code == 1
        assert "another digest daemon is already running" in second.err
        assert "Last digest:" in status.out and "reader@example.org" in status.out
        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        _out, err = daemon.communicate(timeout=15)
        assert time.monotonic() - started < 10
        assert daemon.returncode == 0, err
        assert "Traceback" not in err
        assert '"message": "send: ' in err and "digest sent to reader@example.org" in err
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()


def test_text_log_lines_are_stamped_in_the_digest_zone() -> None:
    """The daemon's messages speak of times in config.yaml's zone; so do their stamps."""
    import logging
    from zoneinfo import ZoneInfo

    from digest.logs import TextFormatter

    formatter = TextFormatter("%(asctime)s %(message)s")
    record = logging.LogRecord("digest", logging.INFO, __file__, 1, "send: sent", None, None)
    record.created = 1_795_000_000.0  # 2026-11-18T11:06:40Z
    formatter.zone = ZoneInfo("Asia/Seoul")
    assert formatter.format(record) == "2026-11-18T20:06:40+0900 send: sent"
    formatter.zone = ZoneInfo("America/New_York")
    assert formatter.format(record) == "2026-11-18T06:06:40-0500 send: sent"


def test_the_daemons_fetch_and_send_log_lines_agree(
    tmp_path: Path, http_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """One fetch, then the send after it: "1 new item", then "0 new items; ... sent ...
    with 1 story (1 item fetched earlier)", not "1 new items" and a send that seems to
    come from nowhere."""
    import logging

    from digest.config import load_config
    from digest.scheduler import Daemon

    url = http_server.serve("/f.xml", rss(FakeItem("Harbour reopens", "https://a.example/h")))
    path = write_config(tmp_path, [url])
    daemon = Daemon(path, load_config(path))
    with caplog.at_level(logging.INFO, logger="digest"):
        daemon.fetch_job()
        daemon.send_job()
    messages = [r.getMessage() for r in caplog.records]
    fetch, send = (m for m in messages if m.startswith(("fetch: ", "send: ")))
    assert fetch.startswith("fetch: 1 feed, 1 ok, 0 failed,") and fetch.endswith(", 1 new item")
    assert send.startswith("send: 1 feed ok, 0 failed, 0 new items; digest sent to ")
    assert send.endswith(" with 1 story (1 item fetched earlier)")


def test_the_daemon_serves_the_web_app_beside_the_schedule(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    """With web: configured, `digest run` answers /healthz and /feed.atom from the same
    process, shows the issue it sent, and still stops cleanly on SIGTERM."""
    import json
    import urllib.request

    from tests.conftest import free_port

    url = http_server.serve(
        "/f.xml", rss(FakeItem("Premiere night at the opera", "https://a.example/opera"))
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    write_config(
        tmp_path,
        [url],
        delivery=smtp_delivery(smtp_server),
        schedule={"fetch": "* * * * *", "send": "* * * * *"},
        web={"base_url": base, "listen": f"127.0.0.1:{port}"},
    )
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    env[TEST_SECONDS] = "*/2"
    env["DIGEST_SECRET"] = "a-test-key"
    daemon = subprocess.Popen(
        [sys.executable, "-m", "digest", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        smtp_server.mailbox.wait_for(1, timeout=30)
        assert smtp_server.mailbox.messages, "no digest arrived within 30 s"
        msg = smtp_server.mailbox.messages[0][2]
        view = re.search(rf"{re.escape(base)}/issues/\d+", text_part(msg))
        assert view, "the copy links to its page in the archive"
        with urllib.request.urlopen(view.group(0), timeout=10) as page:
            assert "Premiere night at the opera" in page.read().decode()
        with urllib.request.urlopen(base + "/healthz", timeout=10) as health:
            assert json.loads(health.read())["last_send"]["daily"]
        daemon.send_signal(signal.SIGTERM)
        _out, err = daemon.communicate(timeout=15)
        assert daemon.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if daemon.poll() is None:
            daemon.kill()


def test_the_daemon_tells_systemd_it_is_ready_and_pings_the_watchdog(
    tmp_path: Path, http_server: FeedServer
) -> None:
    """Under a Type=notify unit: READY=1 once the schedule runs, WATCHDOG=1 at half of
    WatchdogSec, STOPPING=1 on SIGTERM, to the datagram socket in $NOTIFY_SOCKET."""
    import socket as sockets

    url = http_server.serve("/f.xml", rss(FakeItem("Opera night", "https://a.example/o")))
    write_config(tmp_path, [url], schedule={"fetch": "0 0 1 1 *", "send": "0 0 1 1 *"})
    path = str(tmp_path / "notify.sock")
    listener = sockets.socket(sockets.AF_UNIX, sockets.SOCK_DGRAM)
    listener.bind(path)
    listener.settimeout(20)
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    env.update(PYTHONPATH=str(ROOT), NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "digest", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = listener.recv(4096).decode()
        assert ready.startswith("READY=1\nSTATUS=next send "), ready
        assert listener.recv(4096) == b"WATCHDOG=1"  # within 0.5-1 s
        assert listener.recv(4096) == b"WATCHDOG=1"
        daemon.send_signal(signal.SIGTERM)
        said = b""
        while said != b"STOPPING=1":  # a last WATCHDOG=1 may come first; times out if never
            said = listener.recv(4096)
        _out, err = daemon.communicate(timeout=15)
        assert daemon.returncode == 0, err
    finally:
        listener.close()
        if daemon.poll() is None:
            daemon.kill()
