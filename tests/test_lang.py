"""The digest's own words and dates in the reader's language (digest.lang)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from digest.lang import LANGUAGES, LOCALE, language
from tests.conftest import (
    ROOT,
    FeedServer,
    html_part,
    outbox_messages,
    run_cli,
    text_part,
    write_config,
)
from tests.feeds import FakeItem, rss

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def messages() -> dict[str | tuple[str, str], str]:
    """Every message the templates and the code give to gettext, with where it is."""
    found: dict[str | tuple[str, str], str] = {}
    jinja = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
    for path in sorted((ROOT / "templates").rglob("*.*")):
        for _line, msg, _c, _x in extract_from_file(
            "jinja2.ext:babel_extract", path, options=jinja
        ):
            found[msg] = str(path.relative_to(ROOT))
    for path in sorted((ROOT / "digest").glob("*.py")):
        for _line, msg, _c, _x in extract_from_file("python", path):
            found[msg] = str(path.relative_to(ROOT))
    return found


def test_there_are_messages_to_translate() -> None:
    found = messages()
    assert "In this issue:" in found and "View in browser" in found and "More" in found
    assert ("%(num)d story", "%(num)d stories") in found


@pytest.mark.parametrize("name", [n for n in LANGUAGES if n != "en"])
def test_every_message_has_a_translation_with_the_same_placeholders(name: str) -> None:
    with (LOCALE / f"{name}.po").open("rb") as source:
        catalog = read_po(source, locale=name)
    for msgid, where in messages().items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        assert message is not None, f"{name}.po has no translation of {msgid!r} ({where})"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(strings) == catalog.num_plurals if isinstance(msgid, tuple) else 1
        for text in strings:
            assert text.strip(), f"{name}.po: {key!r} is empty"
            wanted = set(PLACEHOLDER.findall(key))
            assert set(PLACEHOLDER.findall(text)) == wanted, f"{name}.po: {key!r} -> {text!r}"


@pytest.mark.parametrize(
    ("tag", "catalogue"),
    [("de-AT", "de"), ("pt-BR", "pt"), ("zh-Hans", "zh"), ("nl", "en"), ("en-GB", "en")],
)
def test_a_language_tag_reads_its_languages_catalogue(tag: str, catalogue: str) -> None:
    assert language(tag) == catalogue


STORIES = (
    FakeItem(
        "Festspiele eröffnet",
        "https://kultur.example.de/1",
        categories=["film"],
        body="<p>Die Festspiele begannen mit einer Premiere, die das Publikum feierte.</p>",
    ),
    FakeItem(
        "Hafenfähre fährt weiter",
        "https://kultur.example.de/2",
        body="<p>Die Fähre fährt auch im Winter zweimal am Tag, sagte der Senat.</p>",
    ),
)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ["In dieser Ausgabe:", "Weiteres", "Sie erhalten Test Digest, weil", "2 Beiträge"]),
        ("fr", ["Dans ce numéro :", "Autres", "Vous recevez Test Digest", "2 articles"]),
        ("ko", ["이번 호:", "기타", "기사 2건", "구독하셔서"]),
        ("en", ["In this issue:", "More", "You receive Test Digest because", "2 stories"]),
    ],
)
def test_a_digest_speaks_the_readers_language(
    tmp_path: Path, http_server: FeedServer, lang: str, words: list[str]
) -> None:
    url = http_server.serve("/feed.xml", rss(*STORIES, title="Kultur"))
    write_config(tmp_path, [url], digest={"lang": lang, "max_age_days": 0, "max_items_per_feed": 0})
    sent = run_cli("send", cwd=tmp_path)
    assert sent.code == 0, sent.err
    [msg] = outbox_messages(tmp_path / "outbox")
    html, text = html_part(msg), " ".join(text_part(msg).split())
    for word in words:
        assert word in html, (word, html[:1500])
        assert word in text or word.upper() in text, (word, text[:800])
    assert f'<html lang="{lang}"' in html
    if lang == "de":  # Babel's dates: the day the digest was made, a story's date
        assert re.search(
            r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d+\. ", html
        )
        assert re.search(r"(Mo|Di|Mi|Do|Fr|Sa|So)\., \d+\. \w+\.? \d{4}, \d\d:\d\d", html)
    if lang == "ko":
        assert re.search(r"\d{4}년 \d+월 \d+일 \w+요일", html)
