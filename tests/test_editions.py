"""Editions: a weekly beside the daily, each with its own "new since my last issue";
a reader who changes edition misses nothing and gets nothing twice. Through the CLI,
a real HTTP feed server, the outbox and a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FeedServer, outbox_messages, run_cli, text_part, write_config
from tests.feeds import FakeItem, rss

EDITIONS = [
    {"name": "daily", "schedule": "0 7 * * *"},
    {"name": "weekly", "schedule": "0 8 * * mon"},
]
TITLES = ["Harbour ferry", "Bridge reopens", "Library budget", "Opera night", "Tram line"]
STORIES = [
    FakeItem(title, f"https://news.example.org/{n}", body=f"<p>{title}: what happened today.</p>")
    for n, title in enumerate(TITLES)
]


class Town:
    """The feed grows by one story at a time; each send's copies are read from the outbox."""

    def __init__(self, folder: Path, server: FeedServer) -> None:
        self.folder, self.server, self.shown = folder, server, 0
        self.seen = 0  # outbox files read so far

    def publish(self, count: int) -> None:
        self.shown += count
        self.server.serve("/feed.xml", rss(*reversed(STORIES[: self.shown]), title="Town"))

    def send(self, *args: str) -> dict[str, set[str]]:
        """Who got which stories in this send."""
        result = run_cli("send", *args, cwd=self.folder)
        assert result.code == 0, result.err
        messages = outbox_messages(self.folder / "outbox")
        new, self.seen = messages[self.seen :], len(messages)
        return {str(m["To"]): {t for t in TITLES if t in text_part(m)} for m in new}

    def readers(self, *args: str) -> None:
        assert run_cli("subscribers", *args, cwd=self.folder).code == 0


@pytest.fixture
def town(tmp_path: Path, http_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> Town:
    monkeypatch.setenv("DIGEST_SECRET", "editions-test-key")
    town = Town(tmp_path, http_server)
    town.publish(2)
    write_config(
        tmp_path,
        [http_server.url("/feed.xml")],
        editions=EDITIONS,
        web={"base_url": "https://news.example.org/digest"},
    )
    town.readers("add", "day@example.org", "--edition", "daily")
    town.readers("add", "week@example.org", "--edition", "weekly")
    town.readers("add", "mover@example.org", "--edition", "daily")
    return town


def test_each_edition_brings_what_is_new_since_its_last_issue(town: Town) -> None:
    ferry, bridge, library, opera, tram = TITLES
    first = town.send()  # the daily (the first edition), with delivery.to
    assert first == {
        "reader@example.org": {ferry, bridge},
        "day@example.org": {ferry, bridge},
        "mover@example.org": {ferry, bridge},
    }
    town.publish(1)
    second = town.send()
    assert second["day@example.org"] == {library}  # each day's stories, once

    # the weekly's first issue: the week's stories, once, to its readers only
    weekly = town.send("--edition", "weekly")
    assert weekly == {"week@example.org": {ferry, bridge, library}}
    assert town.send("--edition", "weekly", "--no-fetch") == {}  # nothing new since

    # the mover goes weekly after two dailies: the next weekly brings only what they missed
    town.readers("add", "mover@example.org", "--edition", "weekly")
    town.publish(1)
    assert town.send()["day@example.org"] == {opera}  # the daily, without the mover
    assert "mover@example.org" not in town.send("--no-fetch")  # nothing new, no mail
    weekly = town.send("--edition", "weekly")
    assert weekly == {"week@example.org": {opera}, "mover@example.org": {opera}}

    # ... and back to the daily: the stories the daily sent while they were away come too
    town.readers("add", "mover@example.org", "--edition", "daily")
    town.publish(1)
    back = town.send()
    assert back["day@example.org"] == {tram}
    assert back["mover@example.org"] == {tram}  # the weekly gave them everything before


def test_a_mover_gets_what_the_other_edition_had_not_sent_them(town: Town) -> None:
    ferry, bridge, library, opera, _tram = TITLES
    assert town.send("--edition", "weekly")["week@example.org"] == {ferry, bridge}
    town.readers("add", "week@example.org", "--edition", "daily")  # weekly -> daily
    town.publish(1)
    first = town.send()  # the first daily
    assert first["day@example.org"] == {ferry, bridge, library}
    assert first["week@example.org"] == {library}  # they had ferry and bridge already
    town.publish(1)
    daily = town.send()
    assert daily["day@example.org"] == daily["week@example.org"] == {opera}


def test_editions_are_checked_and_shown(town: Town) -> None:
    bad = run_cli("subscribers", "add", "x@example.org", "--edition", "hourly", cwd=town.folder)
    assert bad.code == 2 and "no edition 'hourly' (editions: daily, weekly)" in bad.err
    status = run_cli("status", cwd=town.folder).out
    assert "Next send (weekly): " in status
    listed = run_cli("subscribers", "list", cwd=town.folder).out
    assert "week@example.org\tactive\tweekly\tall sections" in listed
    doubled = [*EDITIONS, {"name": "daily", "schedule": "0 9 * * *"}]
    write_config(town.folder, [town.server.url("/feed.xml")], editions=doubled)
    assert "edition names must differ: daily twice" in run_cli("status", cwd=town.folder).err


def test_a_weekly_issue_keeps_its_week_when_max_age_is_shorter(
    tmp_path: Path, http_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """digest.max_age_days counts from an edition's previous issue: a story older than the
    daily's two-day limit, but newer than that limit before the weekly's previous issue,
    is left out of the daily and kept in the weekly."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from digest.scheduler import latest_slot

    monkeypatch.setenv("DIGEST_SECRET", "editions-test-key")
    now = datetime.now(UTC)
    previous = latest_slot("0 8 * * mon", ZoneInfo("Asia/Seoul"), now, timedelta(days=8))
    assert previous is not None
    published = now - timedelta(days=2) - (now - previous) / 2
    story = FakeItem("Harbour ferry", "https://news.example.org/0", published=published)
    http_server.serve("/feed.xml", rss(story, title="Town"))
    write_config(
        tmp_path,
        [http_server.url("/feed.xml")],
        editions=EDITIONS,
        digest={"max_age_days": 2, "max_items_per_feed": 0},
        web={"base_url": "https://news.example.org/digest"},
    )
    add = run_cli("subscribers", "add", "week@example.org", "--edition", "weekly", cwd=tmp_path)
    assert add.code == 0
    daily = run_cli("send", cwd=tmp_path)
    assert "Nothing new" in daily.out and "too old" in daily.out
    weekly = run_cli("send", "--edition", "weekly", "--no-fetch", cwd=tmp_path)
    assert weekly.code == 0 and "with 1 story to 1 subscriber" in weekly.out, weekly.out


def test_readers_of_a_removed_edition_get_the_first_and_check_says_so(town: Town) -> None:
    write_config(
        town.folder,
        [town.server.url("/feed.xml")],
        editions=EDITIONS[:1],  # the weekly is gone from config.yaml
        web={"base_url": "https://news.example.org/digest"},
    )
    check = run_cli("check", cwd=town.folder)
    assert check.code == 1
    assert "1 subscriber is on the edition 'weekly', which config.yaml does not have" in check.out
    got = town.send()
    assert got["week@example.org"] == got["day@example.org"] == {"Harbour ferry", "Bridge reopens"}
