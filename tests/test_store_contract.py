"""What every store does, run on both: an SQLite file and a PostgreSQL database.

tests/test_store.py's item and prune tests run on both as well (its ``database``
fixture); these are the rest of ``Store``: digests and their deliveries, copies to
send again, subscribers and their cursors, the archive, state and counts, and the
read-only opening the commands that only read use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.errors import StorageError
from digest.models import FeedState, FeedUpdate, Subscriber
from digest.plan import new_items
from digest.store import Refused, RefusedCopy, Store, edition_cursor_key, open_store
from tests.test_store import entry

NOW = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)


def add(store: Store, feed: str, *guids: str, at: datetime = NOW) -> list[int]:
    """Store items *guids* of *feed* as a fetch at *at* does; their ids."""
    entries = [entry(g, link=f"https://{feed}.example/{g}", published=at) for g in guids]
    update = FeedUpdate(FeedState(url=feed, last_fetch=at), tuple(new_items(feed, entries, at)))
    store.apply([update])
    return [i.id for i in store.pending_items() if i.feed_url == feed and i.guid in guids]


def reader(email: str, edition: str = "daily", status: str = "active") -> Subscriber:
    return Subscriber(email, f"tok-{email}", status, edition, ("News",), NOW, NOW, None)


def test_a_digest_its_deliveries_and_its_retry_under_the_same_message_id(
    database: Path | str,
) -> None:
    with open_store(database) as store:
        ids = add(store, "a", "1", "2")
        first = store.begin_digest("Monday", "<m1@x>", ids, NOW, stories=2)
        store.record_delivery(first, "one@example.org", "sent", None, NOW)
        # the process died; the retry finds the attempt and reuses its Message-ID
        assert store.unfinished_message_id(list(reversed(ids))) == "<m1@x>"
        assert store.unfinished_message_id(ids, edition="weekly") is None
        retry = store.begin_digest("Monday", "<m1@x>", ids, NOW, stories=2)
        assert retry > first
        assert store.delivered_to("<m1@x>") == {"one@example.org"}
        store.record_delivery(retry, "two@example.org", "sent", None, NOW)
        store.finish_digest(retry, ids, [], NOW + timedelta(minutes=1))
        assert store.unfinished_message_id(ids) is None
        assert store.pending_items() == []
        last = store.last_digest()
        assert last is not None
        assert (last.id, last.subject, last.status, last.item_count, last.story_count) == (
            retry,
            "Monday",
            "sent",
            2,
            2,
        )
        assert set(last.recipients) == {"one@example.org", "two@example.org"}
        assert last.sent_at == NOW + timedelta(minutes=1)
        sent = store.sent_since(NOW - timedelta(days=1))
        assert sorted(s.title for s in sent) == ["Story 1", "Story 2"]
        assert store.counts().sent == 1


def test_a_failed_attempt_is_reported_until_a_digest_goes_out(database: Path | str) -> None:
    with open_store(database) as store:
        ids = add(store, "a", "1")
        failed = store.begin_digest("Monday", "<m1@x>", ids, NOW)
        store.fail_digest(
            failed,
            [Refused("a@example.org", "550 no such user"), Refused("b@example.org", "timed out")],
            NOW,
        )
        failure = store.last_failure()
        assert failure is not None and failure.at == NOW
        assert failure.reason == "timed out"  # the last one written
        assert [i.id for i in store.pending_items()] == ids
        ok = store.begin_digest("Monday", "<m2@x>", ids, NOW + timedelta(hours=1))
        store.finish_digest(ok, ids, [], NOW + timedelta(hours=1))
        assert store.last_failure() is None


def test_copies_refused_for_a_while_wait_to_be_sent_again(database: Path | str) -> None:
    with open_store(database) as store:
        digest_id = store.begin_digest("Monday", "<m@x>", [], NOW)
        body = b"Subject: Monday\r\n\r\n\xff\x00 bytes kept as they are\r\n"
        store.queue_resends(digest_id, [RefusedCopy("grey@example.org", body, "451 later")], NOW)
        store.queue_resends(digest_id, [RefusedCopy("grey@example.org", body, "451 again")], NOW)
        [waiting] = store.resends()
        assert (waiting.recipient, waiting.message, waiting.reason, waiting.subject) == (
            "grey@example.org",
            body,
            "451 again",
            "Monday",
        )
        store.retry_resend(digest_id, "grey@example.org", "421 busy")
        assert store.resends()[0].reason == "421 busy"
        assert store.counts().resends == 1
        store.end_resend(digest_id, "grey@example.org", "sent", None, NOW)
        assert store.resends() == []
        assert store.delivered_to("<m@x>") == {"grey@example.org"}


def test_subscribers_are_one_per_address_in_any_case(database: Path | str) -> None:
    with open_store(database) as store:
        store.save_subscriber(reader("Ana@Example.org"), NOW)
        store.save_subscriber(reader("bo@example.org", "weekly", "pending"), NOW)
        later = NOW + timedelta(days=1)
        changed = Subscriber("ana@example.org", "other", "active", "weekly", (), NOW, later)
        store.save_subscriber(changed, later)
        found = store.subscriber(email="ANA@example.ORG")
        assert found is not None
        assert (found.email, found.token, found.edition, found.sections) == (
            "Ana@Example.org",  # as first written
            "tok-Ana@Example.org",  # its token kept
            "weekly",
            (),
        )
        assert found.changed == later
        assert store.subscriber(token="tok-bo@example.org") is not None
        assert [s.email for s in store.subscribers("pending")] == ["bo@example.org"]
        assert len(store.subscribers()) == 2
        assert store.counts().subscribers == {"active": 1, "pending": 1}
        assert store.remove_subscriber("ANA@EXAMPLE.ORG")
        assert not store.remove_subscriber("ana@example.org")
        assert store.subscriber(email="ana@example.org") is None


def test_an_editions_issue_moves_its_readers_cursors(database: Path | str) -> None:
    with open_store(database) as store:
        ids = add(store, "a", "1", "2", "3")
        assert store.max_item_id() == ids[-1]
        assert store.max_item_id(before=NOW) == 0
        store.save_subscriber(reader("w@example.org", "weekly"), NOW)
        store.save_subscriber(reader("d@example.org", "daily"), NOW)
        issue = store.begin_digest("Weekly", "<w@x>", ids[:2], NOW, edition="weekly")
        store.finish_issue(issue, NOW, "weekly", ids[1])
        readers = {s.email: s.cursor for s in store.subscribers()}
        assert readers == {"w@example.org": ids[1], "d@example.org": None}
        assert store.get_state(edition_cursor_key("weekly")) == str(ids[1])
        assert [i.id for i in store.items_between(ids[1], ids[2])] == [ids[2]]
        store.advance_readers(["D@example.org"], ids[2])
        assert store.subscriber(email="d@example.org").cursor == ids[2]  # type: ignore[union-attr]
        assert len(store.pending_items()) == 3  # another edition's issue marks nothing sent
        weekly = store.last_digest("weekly")
        assert weekly is not None and weekly.id == issue
        assert store.last_digest("") is None


def test_the_archive_pages_the_issues_that_went_out(database: Path | str) -> None:
    with open_store(database) as store:
        for n in range(5):
            digest_id = store.begin_digest(f"Issue {n}", f"<m{n}@x>", [], NOW)
            store.archive_issue(digest_id, f"<p>{n}</p>", f"{n}")
            store.archive_issue(digest_id, f"<p>issue {n}</p>", f"issue {n}")  # rewritten
            if n != 2:  # issue 2 failed: not in the archive
                store.finish_digest(digest_id, [], [], NOW + timedelta(minutes=n))
        page, total = store.issues(limit=2, offset=1)
        assert total == 4
        assert [i.subject for i in page] == ["Issue 3", "Issue 1"]
        shown = store.issue(page[0].id)
        assert shown is not None and (shown.html, shown.text) == ("<p>issue 3</p>", "issue 3")
        assert store.issue(9999) is None


def test_state_is_set_and_replaced(database: Path | str) -> None:
    with open_store(database) as store:
        assert store.get_state("next_send") is None
        store.set_state("next_send", "a")
        store.set_state("next_send", "b")
        assert store.get_state("next_send") == "b"


def test_a_new_database_reads_as_empty_and_a_read_only_opening_writes_nothing(
    database: Path | str,
) -> None:
    with open_store(database, readonly=True) as store:
        assert store.pending_items() == [] and store.feed_states() == {}
    with open_store(database) as store:
        add(store, "a", "1")
    with open_store(database, readonly=True) as store:
        assert len(store.pending_items()) == 1
        with pytest.raises(StorageError):
            store.set_state("k", "v")
