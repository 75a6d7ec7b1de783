"""feedparser behind ``feedxml.py``: its public API only, in the versions digest is tested on.

Until issue 14 an lxml fast path read some documents by feedparser's rules, importing four
of feedparser's private names; a feedparser release could rename any of them (its
development branch already had) and every feed would fail. It is gone (bench/parse.py:
1.08x on the corpus). These tests keep it so: no private feedparser name anywhere in
digest/, and a clear failure when the installed feedparser is one the corpus tests did not
pass on.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import feedparser
import pytest

from digest.errors import FeedError
from digest.feedxml import FEEDPARSER_REQUIREMENT, FEEDPARSER_TESTED, read_document
from tests.feeds import FakeItem, rss

ROOT = Path(__file__).resolve().parent.parent
FEED_URL = "https://example.org/feeds/feed.xml"


def release(text: str) -> tuple[int, ...]:
    """The numeric release of a version string: "6.0.14" -> (6, 0, 14), "6.1.0rc1" -> (6, 1, 0)."""
    numbers = re.match(r"\d+(\.\d+)*", text)
    assert numbers, f"not a version: {text!r}"
    return tuple(int(part) for part in numbers.group(0).split("."))


def test_installed_feedparser_is_a_version_digest_is_tested_on() -> None:
    installed = version("feedparser")
    lowest, beyond = FEEDPARSER_TESTED
    assert lowest <= release(installed) < beyond, (
        f"feedparser {installed} is installed, but digest is tested on {FEEDPARSER_REQUIREMENT}"
        " (FEEDPARSER_TESTED in digest/feedxml.py). Run tests/test_parse.py,"
        " tests/test_corpus.py and tests/test_charset.py on it; if they pass, widen"
        " FEEDPARSER_TESTED and the pin in pyproject.toml together."
    )


def test_pyproject_pins_feedparser_to_the_tested_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for d in project["dependencies"] if re.match(r"feedparser\b", d)]
    assert pins == [FEEDPARSER_REQUIREMENT], (
        f"pyproject.toml requires {pins}, digest/feedxml.py says it is tested on"
        f" {FEEDPARSER_REQUIREMENT}: make them agree"
    )


def test_the_range_helpers_read_versions_as_numbers() -> None:
    assert release("6.0.14") == (6, 0, 14) and release("6.1.0rc1") == (6, 1, 0)
    lowest, beyond = FEEDPARSER_TESTED
    assert lowest <= release("6.0.11") < beyond and lowest <= release("6.0.99") < beyond
    assert not release("6.1.0") < beyond and not release("7.0") < beyond
    assert not lowest <= release("6.0.10")


def private_feedparser_names(source: str) -> list[str]:
    """Every private name of feedparser *source* imports or reaches: ``from
    feedparser.x import _y``, ``from feedparser._x import y``, ``feedparser.x._y``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "feedparser":
            parts = str(node.module).split(".")
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            found += [str(node.module)] if any(p.startswith("_") for p in parts) else []
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if "._" in a.name and "feedparser" in a.name]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id == "feedparser":
                found.append(ast.unparse(node))
    return found


def test_digest_uses_no_private_feedparser_name() -> None:
    used = {
        str(path.relative_to(ROOT)): names
        for path in sorted((ROOT / "digest").rglob("*.py"))
        if (names := private_feedparser_names(path.read_text(encoding="utf-8")))
    }
    assert used == {}, f"feedparser's private names, which any release may rename: {used}"


def test_the_private_name_check_sees_each_way_of_reaching_one() -> None:
    source = (
        "import feedparser\nfrom feedparser.mixin import _FeedParserMixin\n"
        "from feedparser._internal import thing\nimport feedparser._internal\n"
        "x = feedparser.urls._urljoin('a', 'b')\ny = feedparser.parse('')\n"
    )
    assert len(private_feedparser_names(source)) == 4
    assert private_feedparser_names("import feedparser\nfeedparser.registerDateHandler") == []


def test_feedparser_is_called_with_its_own_sanitiser_and_resolver_off() -> None:
    body = rss(FakeItem(body='<p><a href="/x" onclick="evil()">x</a><script>bad()</script></p>'))
    [entry] = read_document(body.encode(), FEED_URL).entries
    # digest's sanitiser runs later, once (parse.py): the raw markup reaches it untouched.
    assert entry["content"][0]["value"] == (
        '<p><a href="/x" onclick="evil()">x</a><script>bad()</script></p>'
    )


def test_a_crash_inside_feedparser_is_that_feeds_one_line_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("deep")

    monkeypatch.setattr(feedparser, "parse", broken)
    with pytest.raises(FeedError) as caught:
        read_document(rss(FakeItem()).encode(), FEED_URL)
    assert caught.value.message == "not a feed: feedparser cannot read it (RecursionError)"
