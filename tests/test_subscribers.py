"""Subscribers: the CLI that manages them, and the copies each one is mailed (their
sections, their own unsubscribe and view-in-browser links), through a real SMTP server
and a real SQLite file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.store import open_store
from tests.conftest import FeedServer, SmtpServer, html_part, run_cli, smtp_delivery, text_part
from tests.conftest import write_config as _write_config
from tests.feeds import FakeItem, rss

BASE = "https://news.example.org/digest"


def write_config(folder: Path, feeds: list[str], **settings: object) -> Path:
    return _write_config(folder, feeds, web={"base_url": BASE}, **settings)


def feed(server: FeedServer) -> str:
    return server.serve(
        "/feed.xml",
        rss(
            FakeItem(
                "Festival premiere review",
                "https://news.example.org/film",
                categories=["film"],
                body="<p>The festival opened with a premiere that the critics loved.</p>",
            ),
            FakeItem(
                "Budget passes the council",
                "https://news.example.org/budget",
                categories=["news"],
                body="<p>The council passed the budget after a long night of debate.</p>",
            ),
        ),
    )


def test_subscribers_are_added_listed_exported_imported_and_removed(tmp_path: Path) -> None:
    write_config(tmp_path, ["https://news.example.org/feed.xml"])
    added = run_cli("subscribers", "add", "Ann@Example.ORG", "--sections", "culture", cwd=tmp_path)
    assert added.code == 0, added.err
    assert "Added Ann@example.org (daily, Culture)." in added.out  # the domain as mail writes it
    assert run_cli("subscribers", "add", "bob@example.org", cwd=tmp_path).code == 0
    listed = run_cli("subscribers", "list", cwd=tmp_path).out
    assert "Ann@example.org\tactive\tdaily\tCulture" in listed
    assert "bob@example.org\tactive\tdaily\tall sections" in listed

    exported = run_cli("subscribers", "export", "--out", "readers.csv", cwd=tmp_path)
    assert exported.code == 0, exported.err
    csv = (tmp_path / "readers.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0] == "email,edition,sections,status"
    assert "Ann@example.org,daily,Culture,active" in csv

    (tmp_path / "more.csv").write_text(
        "email,sections,status\n"
        'carol@example.org,"news, Culture",active\n'  # names in any case
        "not-an-address,,\n"
        "ann@example.org,News,unsubscribed\n",  # a known reader, any case: changed
        encoding="utf-8",
    )
    imported = run_cli("subscribers", "import", "more.csv", cwd=tmp_path)
    assert imported.code == 1, imported.err  # the rest is in, but a line was skipped
    assert "1 subscriber added, 1 changed, 1 skipped" in imported.out
    assert "skipped line 3: not an email address: 'not-an-address'" in imported.err
    listed = run_cli("subscribers", "list", cwd=tmp_path).out
    assert "Ann@example.org\tunsubscribed\tdaily\tNews" in listed
    assert "carol@example.org\tactive\tdaily\tNews, Culture" in listed
    assert listed.count("\n") == 3

    # empty cells keep what is stored: a list of addresses does not undo anyone's choices
    (tmp_path / "names.csv").write_text("email\nann@example.org\ndan@example.org\n", "utf-8")
    assert run_cli("subscribers", "import", "names.csv", cwd=tmp_path).code == 0
    listed = run_cli("subscribers", "list", cwd=tmp_path).out
    assert "Ann@example.org\tunsubscribed\tdaily\tNews" in listed
    assert "dan@example.org\tactive\tdaily\tall sections" in listed
    # an address that is not ASCII before the @ is refused; an IDN domain is kept as xn--
    idn = run_cli("subscribers", "add", "reader@exämple.org", cwd=tmp_path)
    assert idn.code == 0 and "Added reader@xn--exmple-cua.org" in idn.out
    bad = run_cli("subscribers", "add", "ünï@example.org", cwd=tmp_path)
    assert bad.code == 2 and "Internationalized characters before the @-sign" in bad.err

    removed = run_cli("subscribers", "remove", "bob@example.org", cwd=tmp_path)
    assert removed.code == 0 and "Removed bob@example.org." in removed.out
    again = run_cli("subscribers", "remove", "bob@example.org", cwd=tmp_path)
    assert again.code == 2 and again.err == "digest: error: no subscriber bob@example.org\n"


def test_bad_subscriber_input_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    write_config(tmp_path, ["https://news.example.org/feed.xml"])
    for args, said in [
        (("add", "nobody"), "not an email address: 'nobody'"),
        (("add", "a@example.org", "--sections", "Sport"), "no section 'Sport' (sections: Culture"),
        (("add", "a@example.org", "--edition", "hourly"), "no edition 'hourly' (editions: daily)"),
        (("import", "missing.csv"), "cannot read missing.csv"),
    ]:
        result = run_cli("subscribers", *args, cwd=tmp_path)
        assert result.code == 2, (args, result.err)
        assert said in result.err and result.err.count("\n") == 1, result.err
    (tmp_path / "no-header.csv").write_text("a@example.org,daily\n", encoding="utf-8")
    headless = run_cli("subscribers", "import", "no-header.csv", cwd=tmp_path)
    assert headless.code == 2 and "needs a header line with an 'email' column" in headless.err
    assert "No subscribers yet" in run_cli("subscribers", "list", cwd=tmp_path).out


def test_each_reader_gets_their_sections_and_their_own_links(
    tmp_path: Path,
    http_server: FeedServer,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from digest.tokens import sign

    monkeypatch.setenv("DIGEST_SECRET", "the-test-key")
    write_config(
        tmp_path,
        [feed(http_server)],
        delivery={
            **smtp_delivery(smtp_server, ["editor@example.org"]),
            "unsubscribe": {"mailto": "leave@example.org"},
        },
    )
    for args in [
        ("add", "film@example.org", "--sections", "Culture"),
        ("add", "all@example.org"),
        ("add", "gone@example.org"),
        ("add", "Editor@example.org"),  # also in delivery.to: one copy, as delivery.to's
    ]:
        assert run_cli("subscribers", *args, cwd=tmp_path).code == 0
    with open_store(tmp_path / "digest.sqlite3") as store:
        from dataclasses import replace

        gone = store.subscriber(email="gone@example.org")
        assert gone is not None
        store.save_subscriber(replace(gone, status="unsubscribed"), gone.created)  # type: ignore[arg-type]
        tokens = {s.email: s.token for s in store.subscribers()}

    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 0, sent.err
    assert "to editor@example.org and 2 subscribers." in sent.out  # counted, never named
    smtp_server.mailbox.wait_for(3)
    copies = {rcpt[0]: msg for _sender, rcpt, msg in smtp_server.mailbox.messages}
    assert sorted(copies) == ["all@example.org", "editor@example.org", "film@example.org"]

    view = re.search(rf"{re.escape(BASE)}/issues/(\d+)", text_part(copies["all@example.org"]))
    assert view, "every copy links to the issue in the web archive"
    for address in ("all@example.org", "film@example.org"):
        msg = copies[address]
        own = f"{BASE}/unsubscribe/{sign('the-test-key', 'unsubscribe', tokens[address])}"
        header = " ".join(str(msg["List-Unsubscribe"]).split())  # unfolded
        assert header == f"<mailto:leave@example.org?subject=unsubscribe>, <{own}>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f'href="{own}"' in html_part(msg) and own in text_part(msg)
        assert view.group(0) in html_part(msg)
        others = [t for a, t in tokens.items() if a != address]
        assert not any(t in msg.as_string() for t in others), "no reader sees another's link"
    # the configured reader: the configured target, no reader's token
    editor = copies["editor@example.org"]
    assert editor["List-Unsubscribe"] == "<mailto:leave@example.org?subject=unsubscribe>"
    assert not any(t in editor.as_string() for t in tokens.values())
    # sections: the film reader gets Culture only
    assert "Festival premiere review" in text_part(copies["film@example.org"])
    assert "Budget passes the council" not in text_part(copies["film@example.org"])
    assert "Budget passes the council" in text_part(copies["all@example.org"])

    # the archive keeps the issue as sent, without anyone's links
    with open_store(tmp_path / "digest.sqlite3") as store:
        issue = store.issue(int(view.group(1)))
        assert issue is not None and "Budget passes the council" in issue.html
        assert not any(t in issue.html + issue.text for t in tokens.values())
        assert "View in browser" not in issue.html
        assert [i.id for i in store.issues()[0]] == [issue.id]


def test_a_send_with_web_needs_the_signing_key_and_sends_nothing_without_it(
    tmp_path: Path, http_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGEST_SECRET", raising=False)
    write_config(tmp_path, [feed(http_server)])
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("digest: error: the environment variable DIGEST_SECRET")
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").iterdir())


def test_an_address_that_is_not_ascii_is_refused_and_stops_no_one_else(
    tmp_path: Path, http_server: FeedServer, smtp_server: SmtpServer
) -> None:
    """SMTPUTF8 is not sent: such an address in delivery.to is refused for itself, the
    others get their copies, and the items are marked sent (no one gets them twice)."""
    _write_config(
        tmp_path,
        [feed(http_server)],
        delivery=smtp_delivery(smtp_server, ["ann@example.org", "ünï@example.org"], retries=0),
    )
    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 0, sent.err
    assert "not delivered to ünï@example.org: refused: the address is not ASCII" in sent.err
    assert [rcpts for _s, rcpts, _m in smtp_server.mailbox.messages] == [["ann@example.org"]]
    assert "Nothing new" in run_cli("send", cwd=tmp_path).out
