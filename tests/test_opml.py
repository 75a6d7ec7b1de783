"""OPML in and out through the real entry point: comments survive, duplicates
are skipped, only http(s) feeds come in from a file, a broken file is one line on
stderr, export labels feeds by name or stored title and round-trips."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.etree
import pytest

from digest.config import load_config
from digest.errors import UsageError
from digest.models import FeedState
from digest.opml import OpmlFeed, export_opml, parse_opml
from digest.store import SQLiteStore
from tests.conftest import HERE, ROOT, run_cli, write_config

OPML = HERE / "opml"
EXISTING = "https://feeds.example.org/ars/index"
NEW = {
    "https://krebs.example.com/feed/": ("Krebs & friends", "Security"),
    "http://lwn.example.net/headlines/rss": ("LWN headlines", "Tech"),
    "https://film.example.org/rss.xml": ("Film Weekly", "Culture"),
    "https://loose.example.org/atom.xml": ("Loose feed", None),
}
COMMENTS = [
    "# My digest: comments must survive an import.",
    "# the feeds I read",
    "# inline comment on the title",
]


def commented_config(folder: Path) -> Path:
    """write_config's file with a comment at the top, above feeds, and inline."""
    path = write_config(folder, [{"url": EXISTING, "name": "Ars"}])
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: Test Digest", "title: Test Digest  # inline comment on the title")
    text = text.replace("feeds:", "# the feeds I read\nfeeds:")
    path.write_text(COMMENTS[0] + "\n" + text, encoding="utf-8")
    return path


def test_import_adds_feeds_with_folders_as_sections_and_keeps_comments(tmp_path: Path) -> None:
    path = commented_config(tmp_path)
    before = path.read_text(encoding="utf-8")
    result = run_cli("import", OPML / "subscriptions.opml", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.strip() == f"Added {len(NEW)} feeds to config.yaml."
    assert 'skipped 1 outline that is not a feed (no xmlUrl): "A bookmark, not a feed"' in (
        result.err
    )
    after = path.read_text(encoding="utf-8")
    for comment in COMMENTS:
        assert comment in after
    # Nothing that was there is lost: the old text comes first, unchanged line by line.
    assert [line for line in before.splitlines() if line not in after.splitlines()] == []
    config = load_config(path)  # still valid
    feeds = {f.url: (f.name, f.section) for f in config.feeds}
    assert feeds == {EXISTING: ("Ars", None), **NEW}
    sections = [s.name for s in config.sections]
    assert sections == ["Culture", "News", "Tech", "Security"]  # Culture was there already
    again = run_cli("import", OPML / "subscriptions.opml", cwd=tmp_path)
    assert again.code == 0 and again.out.strip() == "Added 0 feeds to config.yaml."
    assert path.read_text(encoding="utf-8") == after


def test_import_keeps_the_shipped_config_layout(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    before = (tmp_path / "config.yaml").read_text(encoding="utf-8").splitlines()
    result = run_cli("import", OPML / "subscriptions.opml", cwd=tmp_path)
    assert result.code == 0, result.err
    after = (tmp_path / "config.yaml").read_text(encoding="utf-8").splitlines()
    removed = [line for line in before if line not in after]
    assert removed == []  # every line, comment, null and indent kept
    added = [line for line in after if line not in before]
    assert "  - url: https://film.example.org/rss.xml" in added  # indented as the file is
    load_config(tmp_path / "config.yaml")


def opml_file(folder: Path, outlines: str) -> Path:
    path = folder / "import.opml"
    path.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head/><body>{outlines}</body></opml>',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("feeds", ["feeds: []\n", "feeds:\n", ""])
def test_a_config_with_no_feed_yet_starts_with_an_import(tmp_path: Path, feeds: str) -> None:
    """Delete the example feeds, import your own: the natural first step."""
    config = tmp_path / "config.yaml"
    config.write_text(f"title: Mine  # my digest\n{feeds}", encoding="utf-8")
    opml = opml_file(
        tmp_path,
        '<outline text="A" xmlUrl="https://a.example.org/feed"/>'
        '<outline text="B" xmlUrl="https://b.example.org/rss"/>',
    )
    result = run_cli("import", opml, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Added 2 feeds" in result.out
    loaded = load_config(config)
    assert [f.url for f in loaded.feeds] == [
        "https://a.example.org/feed",
        "https://b.example.org/rss",
    ]
    assert "# my digest" in config.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("xml_url", "reason"),
    [
        ("file:///etc/passwd", "a local file, not an http(s) URL"),
        ("FILE:///etc/passwd", "a local file, not an http(s) URL"),
        ("secret.xml", "a local path, not an http(s) URL"),  # exists next to config.yaml
        ("SECRET", "a local path, not an http(s) URL"),  # absolute path, filled in below
        ("~/.ssh/id_rsa", "a local path, not an http(s) URL"),
        (
            "www.example.com/feed.xml",
            "it has no scheme: did you mean https://www.example.com/feed.xml? (add it by hand)",
        ),
        ("javascript:alert(1)", "not an http(s) URL (javascript:)"),
        ("data:application/rss+xml;base64,PHJzcy8+", "not an http(s) URL (data:)"),
        ("ftp://ftp.example.org/feed.xml", "not an http(s) URL (ftp:)"),
        ("feed:file:///etc/passwd", "not an http(s) URL (feed:)"),
        ("http:///no-host", "malformed URL (no host)"),
        ("https://e.example.org:port/feed", "malformed URL"),
        ("", "its xmlUrl is empty"),
        ("   ", "its xmlUrl is empty"),
    ],
)
def test_import_takes_only_http_feeds_from_an_opml_file(
    tmp_path: Path, xml_url: str, reason: str
) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text("<rss><channel><title>secret</title></channel></rss>", encoding="utf-8")
    xml_url = str(secret) if xml_url == "SECRET" else xml_url
    feeds = [f"https://f{n}.example.org/feed" for n in range(6)]  # indexes past the OPML's
    path = write_config(tmp_path, feeds)
    outlines = (
        '<outline type="rss" text="Good one" xmlUrl="https://good.example.org/feed"/>'
        f'<outline type="rss" text="Bad one" xmlUrl="{xml_url}"/>'
        '<outline type="rss" text="Good two" xmlUrl="http://two.example.org/rss"/>'
    )
    result = run_cli("import", opml_file(tmp_path, outlines), cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.strip() == "Added 2 feeds to config.yaml."
    [warning] = [line for line in result.err.splitlines() if "WARNING" in line]
    assert 'skipped outline "Bad one" (xmlUrl ' in warning and reason in warning
    assert xml_url.strip() in warning
    urls = [f.url for f in load_config(path).feeds]
    assert urls == [*feeds, "https://good.example.org/feed", "http://two.example.org/rss"]


def test_import_of_only_unsafe_feeds_adds_nothing_and_names_each(tmp_path: Path) -> None:
    path = write_config(tmp_path, [EXISTING])
    before = path.read_text(encoding="utf-8")
    outlines = (
        '<outline text="Passwords" xmlUrl="file:///etc/passwd"/>'
        '<outline text="Script" xmlUrl="javascript:alert(1)"/>'
    )
    result = run_cli("import", opml_file(tmp_path, outlines), cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.strip() == "Added 0 feeds to config.yaml."
    assert 'skipped outline "Passwords" (xmlUrl "file:///etc/passwd")' in result.err
    assert 'skipped outline "Script" (xmlUrl "javascript:alert(1)")' in result.err
    assert path.read_text(encoding="utf-8") == before


def test_import_takes_feeds_out_of_folders_and_counts_outlines_that_are_not_feeds(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, [EXISTING])
    outlines = (
        '<outline text="Reading">'
        '<outline text="Blog" xmlUrl="https://blog.example.org/feed"/>'
        '<outline text="Deeper"><outline text="Deep" xmlUrl="https://deep.example.org/f"/>'
        "</outline>"
        '<outline type="link" text="Homepage" url="https://blog.example.org/"/>'
        "</outline>"
        '<outline text="Empty folder"/>'
        '<outline type="link" url="https://untitled.example.org/"/>'
    )
    result = run_cli("import", opml_file(tmp_path, outlines), cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.strip() == "Added 2 feeds to config.yaml."
    assert (
        'skipped 3 outlines that are not feeds (no xmlUrl): "Homepage", "Empty folder", '
        '"https://untitled.example.org/"'
    ) in result.err
    assert "WARNING" not in result.err  # folders and links are not a problem
    config = load_config(path)
    feeds = {f.url: (f.name, f.section) for f in config.feeds}
    assert feeds == {
        EXISTING: (None, None),
        "https://blog.example.org/feed": ("Blog", "Reading"),
        "https://deep.example.org/f": ("Deep", "Deeper"),
    }
    assert "Empty folder" not in [s.name for s in config.sections]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken.opml", "broken.opml is not valid OPML: "),
        ("not_opml.xml", "not_opml.xml is not OPML (its root element is <rss>, not <opml>)"),
        ("missing.opml", "cannot read OPML file "),
    ],
)
def test_import_of_a_bad_file_is_one_line_and_changes_nothing(
    tmp_path: Path, name: str, message: str
) -> None:
    path = commented_config(tmp_path)
    before = path.read_text(encoding="utf-8")
    result = run_cli("import", OPML / name, cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("digest: error: ") and message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert path.read_text(encoding="utf-8") == before


def test_export_writes_opml_2_to_stdout_or_a_file(tmp_path: Path) -> None:
    feeds = [
        {"url": "https://one.example.org/feed", "name": "One & Only <1>"},
        {"url": "https://two.example.org/feed", "section": "News"},
    ]
    write_config(tmp_path, feeds)
    result = run_cli("export", cwd=tmp_path)
    assert result.code == 0, result.err
    root = lxml.etree.fromstring(result.out.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Test Digest"
    [loose] = root.findall("body/outline[@xmlUrl]")
    assert (loose.get("text"), loose.get("type")) == ("One & Only <1>", "rss")
    [folder] = root.findall("body/outline[@text='News']")
    assert [o.get("xmlUrl") for o in folder] == ["https://two.example.org/feed"]
    for outline in root.iter("outline"):
        assert outline.get("text")  # required by OPML 2.0
    out = tmp_path / "subs.opml"
    written = run_cli("export", "--out", out, cwd=tmp_path)
    assert written.code == 0 and out.read_text(encoding="utf-8") == result.out


def test_export_labels_feeds_by_name_then_stored_title_then_url(tmp_path: Path) -> None:
    named, titled, bare = (f"https://{n}.example.org/rdf.xml" for n in ("named", "titled", "bare"))
    path = write_config(tmp_path, [{"url": named, "name": "My name"}, titled, bare])
    result = run_cli("export", cwd=tmp_path)  # no database yet: URLs, and none is created
    assert result.code == 0, result.err
    assert not (tmp_path / "digest.sqlite3").exists()
    store = SQLiteStore(tmp_path / "digest.sqlite3")
    store.save_feeds(
        [FeedState(url=named, title="Its own title"), FeedState(url=titled, title="Titled\n Feed")]
    )
    store.close()
    result = run_cli("export", cwd=tmp_path)
    assert result.code == 0, result.err
    root = lxml.etree.fromstring(result.out.encode("utf-8"))
    labels = {o.get("xmlUrl"): (o.get("text"), o.get("title")) for o in root.iter("outline")}
    assert labels == {
        named: ("My name", "My name"),
        titled: ("Titled Feed", "Titled Feed"),
        bare: (bare, bare),
    }
    # A caller with titles at hand can pass them instead.
    given = lxml.etree.fromstring(
        export_opml(load_config(path), titles={bare: "Given"}).encode("utf-8")
    )
    assert [o.get("text") for o in given.iter("outline")] == ["My name", titled, "Given"]


def test_export_round_trips_through_import(tmp_path: Path) -> None:
    source, target = tmp_path / "a", tmp_path / "b"
    source.mkdir()
    target.mkdir()
    write_config(
        source, [EXISTING, *({"url": u, "name": n, "section": s} for u, (n, s) in NEW.items())]
    )
    exported = run_cli("export", "--out", tmp_path / "out.opml", cwd=source)
    assert exported.code == 0, exported.err
    write_config(target, ["https://other.example.org/feed"])
    imported = run_cli("import", tmp_path / "out.opml", cwd=target)
    assert imported.code == 0, imported.err
    assert imported.out.strip() == f"Added {len(NEW) + 1} feeds to config.yaml."
    original = {(f.url, f.name, f.section) for f in load_config(source / "config.yaml").feeds}
    copied = {(f.url, f.name, f.section) for f in load_config(target / "config.yaml").feeds}
    assert original <= copied


@pytest.mark.parametrize(
    ("xml", "feeds"),
    [
        (
            '<opml version="1.0"><body>'
            '<outline text="T" xmlUrl=" https://e.org/f "/></body></opml>',
            [OpmlFeed("https://e.org/f", "T")],
        ),
        (  # lower-case attribute some readers write; title beats text
            '<opml><body><outline title="A" text="B" xmlurl="https://e.org/f"/></body></opml>',
            [OpmlFeed("https://e.org/f", "A")],
        ),
        (  # nearest folder; a feed outline with children is not a folder
            '<opml><body><outline text="Outer"><outline title="Inner">'
            '<outline text="F" xmlUrl="https://e.org/f"><outline text="G" xmlUrl="https://e.org/g"/>'
            "</outline></outline></outline></body></opml>",
            [OpmlFeed("https://e.org/f", "F", "Inner"), OpmlFeed("https://e.org/g", "G", "Inner")],
        ),
        (
            '<opml><body><outline text="x" xmlUrl="feed:https://e.org/f"/>'
            '<outline text="y" xmlUrl="feed://e.org/g"/><outline text="bookmark"/></body></opml>',
            [OpmlFeed("https://e.org/f", "x"), OpmlFeed("http://e.org/g", "y")],
        ),
        (  # feed: around anything but a host or an http(s) URL stays as it is (refused later)
            '<opml><body><outline text="z" xmlUrl="feed:file:///etc/passwd"/></body></opml>',
            [OpmlFeed("feed:file:///etc/passwd", "z")],
        ),
        ('<opml version="2.0"><head/><body/></opml>', []),
    ],
)
def test_parse_opml(xml: str, feeds: list[OpmlFeed]) -> None:
    assert parse_opml(xml.encode("utf-8")) == feeds


def test_parse_opml_refuses_entities() -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&x;" xmlUrl="https://e.org/f"/></body></opml>'
    )
    try:
        feeds = parse_opml(xml)
    except UsageError:
        return
    assert "root:" not in feeds[0].title


def test_import_warns_of_feeds_on_private_addresses_and_still_adds_them(tmp_path: Path) -> None:
    """An OPML file from someone else could point a feed at the reader's own network; the
    import says which (by address or by what the name resolves to). Nothing is fetched."""
    path = write_config(tmp_path, [EXISTING])
    private = {
        "Router": ("http://192.168.1.1/feed", "private"),
        "Metadata": ("http://169.254.169.254/latest/meta-data/", "link-local"),
        "Spelled": ("http://2130706433:8080/feed", "loopback, 127.0.0.1"),
        "Mapped": ("http://[::ffff:10.0.0.1]/rss", "private, ::ffff:a00:1"),
        "By name": ("http://localhost:8080/rss", "loopback, "),
    }
    outlines = "".join(
        f'<outline type="rss" text="{title}" xmlUrl="{url}"/>'
        for title, (url, _) in {**private, "Public": ("https://good.example.org/feed", "")}.items()
    )
    result = run_cli("import", opml_file(tmp_path, outlines), cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.strip() == "Added 6 feeds to config.yaml."
    warnings = [line for line in result.err.splitlines() if "WARNING" in line]
    assert len(warnings) == len(private)
    for (title, (url, detail)), warning in zip(private.items(), warnings):
        assert f'outline "{title}" (xmlUrl "{url}") is on a private address ({detail}' in warning
        assert "imported, as you chose the file" in warning
    assert "good.example.org" not in result.err
    urls = [f.url for f in load_config(path).feeds]
    assert urls == [
        EXISTING,
        *(url for url, _ in private.values()),
        "https://good.example.org/feed",
    ]
