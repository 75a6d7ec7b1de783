"""The message a receiver sees: headers, MIME structure, List-Unsubscribe, DKIM."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import dkim
import pytest
from pydantic import ValidationError

from digest.config import DeliveryConfig
from digest.errors import DeliveryError
from digest.message import build_message, list_id, message_id, unsubscribe_link
from digest.models import RenderedMessage

WHEN = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
RENDERED = RenderedMessage(
    subject="Harbour Digest: Council keeps the winter ferry and 3 more",
    html='<!DOCTYPE html><html lang="en"><body><p>Ferry ‘kept’</p>'
    '<a href="https://example.org/u">Unsubscribe</a></body></html>\n',
    text="Ferry ‘kept’\n\nUnsubscribe: https://example.org/u\n",
)


def delivery(**settings: Any) -> DeliveryConfig:
    return DeliveryConfig.model_validate({"from": "Digest <digest@news.example.org>", **settings})


def parse(data: bytes) -> EmailMessage:
    msg = message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def build(config: DeliveryConfig, recipient: str = "reader@example.org") -> bytes:
    return build_message(RENDERED, config, recipient, "0123abcd", "Harbour Digest", WHEN)


def test_headers_receivers_check() -> None:
    data = build(delivery())
    msg = parse(data)
    for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "List-Id"):
        assert len(msg.get_all(name) or []) == 1, name
    assert parsedate_to_datetime(str(msg["Date"])) == WHEN
    assert re.fullmatch(
        r"<digest\.0123abcd\.[0-9a-f]{10}@news\.example\.org>", str(msg["Message-ID"])
    )
    assert str(msg["List-Id"]) == '"Harbour Digest" <harbour-digest.news.example.org>'
    assert str(msg["Subject"]) == RENDERED.subject
    assert "List-Unsubscribe" not in msg, "only when delivery.unsubscribe is configured"
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_multipart_alternative_text_first_both_utf8() -> None:
    msg = parse(build(delivery()))
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert parts[0].get_content().replace("\r\n", "\n") == RENDERED.text
    assert parts[1].get_content().replace("\r\n", "\n") == RENDERED.html


def test_each_recipient_gets_a_stable_message_id_of_their_own() -> None:
    one = parse(build(delivery(), "a@example.org"))["Message-ID"]
    other = parse(build(delivery(), "b@example.org"))["Message-ID"]
    again = parse(build(delivery(), "A@example.org"))["Message-ID"]
    assert one != other and one == again
    assert message_id("t", "a@example.org", "x.org").endswith("@x.org>")


def test_list_unsubscribe_with_one_click_when_an_https_url_is_configured() -> None:
    config = delivery(
        unsubscribe={"mailto": "leave@news.example.org", "url": "https://news.example.org/u/1"}
    )
    msg = parse(build(config))
    assert str(msg["List-Unsubscribe"]) == (
        "<mailto:leave@news.example.org?subject=unsubscribe>, <https://news.example.org/u/1>"
    )
    assert str(msg["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert unsubscribe_link(config) == "https://news.example.org/u/1"


def test_a_password_in_the_unsubscribe_url_is_not_mailed() -> None:
    config = delivery(unsubscribe={"url": "https://list:secret@news.example.org/u/1"})
    data = build(config)
    assert b"secret" not in data and b"list:" not in data
    assert str(parse(data)["List-Unsubscribe"]) == "<https://news.example.org/u/1>"
    assert unsubscribe_link(config) == "https://news.example.org/u/1"


def test_mailto_only_unsubscribe_has_no_one_click_header() -> None:
    config = delivery(unsubscribe={"mailto": "leave@news.example.org"})
    msg = parse(build(config))
    assert str(msg["List-Unsubscribe"]) == "<mailto:leave@news.example.org?subject=unsubscribe>"
    assert "List-Unsubscribe-Post" not in msg
    assert unsubscribe_link(config) == "mailto:leave@news.example.org?subject=unsubscribe"
    assert unsubscribe_link(delivery()) is None


@pytest.mark.parametrize(
    ("title", "raw", "shown"),
    [
        (
            "Kulturmagazin — Wochenübersicht",
            b"List-Id: Kulturmagazin =?utf-8?q?=E2=80=94_Wochen=C3=BCbersicht?=\r\n"
            b" <kulturmagazin-wochenubersicht.news.example.org>",
            "Kulturmagazin — Wochenübersicht <kulturmagazin-wochenubersicht.news.example.org>",
        ),
        (
            "Kultur: Wochenübersicht, Nr. 3",
            b"List-Id: Kultur =?utf-8?q?Wochen=C3=BCbersicht?= Nr 3\r\n"
            b" <kultur-wochenubersicht-nr-3.news.example.org>",
            "Kultur Wochenübersicht Nr 3 <kultur-wochenubersicht-nr-3.news.example.org>",
        ),
    ],
)
def test_a_list_id_from_a_title_that_is_not_ascii_is_valid(
    title: str, raw: bytes, shown: str
) -> None:
    """No encoded word inside quotes (RFC 2047 forbids it), no specials between the words,
    and the id spelt with the letters' ASCII forms ("ü" is "u", not "-")."""
    data = build_message(RENDERED, delivery(), "reader@example.org", "0123abcd", title, WHEN)
    assert raw in data
    assert str(parse(data)["List-Id"]) == shown


@pytest.mark.parametrize(
    "unsubscribe",
    [
        {"mailto": "javascript:alert(1)"},
        {"mailto": 'x@example.org?body=hi>, <http://evil.example/" onclick="alert(1)'},
        {"mailto": "x@example.org?subject=hi"},
        {"url": "https://example.org/u>, <http://evil.example/"},
        {"url": "http://example.org/u"},
    ],
)
def test_unsubscribe_targets_must_be_plain_and_cannot_add_header_targets(
    unsubscribe: dict[str, str],
) -> None:
    with pytest.raises(ValidationError):
        delivery(unsubscribe=unsubscribe)


def test_configured_list_id_is_used_as_is() -> None:
    assert list_id("X", delivery(list_id="<news.example.org>")) == "<news.example.org>"


@pytest.fixture
def dkim_key(tmp_path: Path) -> tuple[Path, bytes]:
    """A fresh RSA key file and the DNS TXT record that publishes it."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed: cannot make a DKIM test key")
    key = tmp_path / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-traditional", "-out", str(key), "1024"],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_dkim_signature_covers_list_headers_and_verifies(dkim_key: tuple[Path, bytes]) -> None:
    key, record = dkim_key
    config = delivery(
        unsubscribe={"url": "https://news.example.org/u/1"},
        dkim={"selector": "mail", "domain": "news.example.org", "key_file": str(key)},
    )
    data = build(config)
    msg = parse(data)
    signature = re.sub(r"\s", "", str(msg["DKIM-Signature"]))
    signed = set(re.search(r"\bh=([^;]+)", signature).group(1).lower().split(":"))  # type: ignore[union-attr]
    assert {"from", "subject", "date", "message-id", "list-id"} <= signed
    assert {"list-unsubscribe", "list-unsubscribe-post"} <= signed
    assert "d=news.example.org" in signature and "s=mail" in signature

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"mail._domainkey.news.example.org."
        return record

    assert dkim.verify(data, dnsfunc=dns)
    tampered = data.replace(b"Ferry", b"Lorry", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_missing_dkim_key_is_a_delivery_error(tmp_path: Path) -> None:
    config = delivery(
        dkim={"selector": "mail", "domain": "news.example.org", "key_file": str(tmp_path / "no")}
    )
    with pytest.raises(DeliveryError, match=r"delivery\.dkim\.key_file"):
        build(config)


def _boundless(data: bytes) -> bytes:
    return re.sub(rb"={15}\d+==", b"BOUNDARY", data)


LONG = "https://digest.example.org/unsubscribe/" + "Ab1-_." * 20  # a signed link, 159 chars


@pytest.mark.parametrize(
    ("unsubscribe", "own"),
    [
        (None, None),
        ({"mailto": "leave@news.example.org"}, None),
        ({"mailto": "leave@news.example.org", "url": "https://news.example.org/u"}, None),
        ({"mailto": "leave@news.example.org"}, LONG),
        (None, LONG),
    ],
)
def test_a_copy_made_from_the_skeleton_is_the_message_build_message_makes(
    unsubscribe: dict[str, str] | None, own: str | None
) -> None:
    from digest.message import CopyMaker

    config = delivery(**({"unsubscribe": unsubscribe} if unsubscribe else {}))
    rendered = RenderedMessage(
        subject="Harbour Digest: the ferry ‘kept’ all winter, and many more stories " * 2,
        html="<p>" + "Fähre fährt, a long line of a story that wraps. " * 60 + "</p>\n",
        text="Ferry ‘kept’\n" + "A line of the text part.\n" * 40,
    )
    maker = CopyMaker(rendered, config, "0123abcd", "Harbour Digest", WHEN)
    for recipient in ("reader@example.org", "Ünï@example.org"):
        made = maker.make(recipient, rendered.html, rendered.text, own)
        built = build_message(rendered, config, recipient, "0123abcd", "Harbour Digest", WHEN, own)
        assert _boundless(made) == _boundless(built), recipient


def test_a_long_unsubscribe_link_is_written_whole_not_as_an_encoded_word() -> None:
    data = build_message(
        RENDERED,
        delivery(unsubscribe={"mailto": "leave@news.example.org"}),
        "r@example.org",
        "0123abcd",
        "Harbour Digest",
        WHEN,
        LONG,
    )
    head = data.split(b"\r\n\r\n", 1)[0]
    assert f"\r\n <{LONG}>\r\n".encode() in head and b"=?" not in head.split(b"List-Id")[1]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    assert str(parse(data)["List-Unsubscribe"]).endswith(f"<{LONG}>")
