"""A rendered digest to an RFC 5322 message: multipart/alternative, text first.

Headers a receiver checks: Date, Message-ID on the sender's domain,
MIME-Version, List-Id, and, when configured, List-Unsubscribe with RFC 8058
one-click. Optional DKIM signature (dkimpy) covering the List-* headers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

import dkim

from digest.config import DeliveryConfig
from digest.errors import DeliveryError
from digest.links import without_userinfo
from digest.models import RenderedMessage

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
)


def sender_domain(sender: str) -> str:
    """The domain part of the From address."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2].lower() or "localhost"


def new_token() -> str:
    """A random token naming one digest attempt (reused if the attempt is retried)."""
    return secrets.token_hex(12)


def message_id(token: str, recipient: str, domain: str) -> str:
    """A stable Message-ID for one recipient's copy of one digest attempt."""
    who = hashlib.sha1(recipient.lower().encode()).hexdigest()[:10]
    return f"<digest.{token}.{who}@{domain}>"


_SPECIALS = re.compile(r'[()<>@,;:\\".\[\]]')


def list_id(title: str, delivery: DeliveryConfig) -> str:
    """``"Title" <slug.domain>`` unless configured."""
    if delivery.list_id:
        return delivery.list_id
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "digest"
    # The phrase as RFC 2919 and 2047 allow it: a quoted string when ASCII, else words the
    # email package encodes one by one (never inside quotes), so no specials between them.
    name = title.replace('"', "'").replace("\\", "/")
    phrase = f'"{name}"' if name.isascii() else " ".join(_SPECIALS.sub(" ", name).split())
    return f"{phrase} <{slug}.{sender_domain(delivery.from_)}>"


def build_message(
    rendered: RenderedMessage,
    delivery: DeliveryConfig,
    recipient: str,
    token: str,
    title: str,
    when: datetime,
    own_unsubscribe: str | None = None,
) -> bytes:
    """The message for one recipient, as bytes with CRLF line ends (signed if configured).

    *own_unsubscribe* is the recipient's own one-click unsubscribe URL (a subscriber's):
    it takes the place of ``delivery.unsubscribe.url`` in List-Unsubscribe."""
    domain = sender_domain(delivery.from_)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = delivery.from_
    msg["To"] = recipient
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id(token, recipient, domain)
    msg["List-Id"] = list_id(title, delivery)
    unsubscribe = delivery.unsubscribe
    mailto = unsubscribe.mailto if unsubscribe else None
    url = own_unsubscribe or (unsubscribe.url if unsubscribe else None)
    if mailto or url:
        targets = []
        if mailto:
            targets.append(f"<mailto:{mailto}?subject=unsubscribe>")  # a bare address
        if url:
            targets.append(f"<{without_userinfo(url)}>")
        msg["List-Unsubscribe"] = ", ".join(targets)
        if url:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    data = msg.as_bytes(policy=SMTP)
    if delivery.dkim:
        data = _sign(data, delivery)
    return data


def unsubscribe_link(delivery: DeliveryConfig) -> str | None:
    """The link shown in the message body for unsubscribing, if any."""
    if not delivery.unsubscribe:
        return None
    if delivery.unsubscribe.url:
        return without_userinfo(delivery.unsubscribe.url)  # no password in any email
    return f"mailto:{delivery.unsubscribe.mailto}?subject=unsubscribe"


def _sign(data: bytes, delivery: DeliveryConfig) -> bytes:
    config = delivery.dkim
    assert config is not None
    try:
        key = config.key_file.read_bytes()
    except OSError as exc:
        raise DeliveryError(
            f"cannot read DKIM key {config.key_file}: {exc.strerror}",
            hint="check delivery.dkim.key_file",
        ) from None
    try:
        signature = dkim.sign(
            data,
            config.selector.encode(),
            config.domain.encode(),
            key,
            include_headers=[h for h in SIGNED_HEADERS if _has_header(data, h)],
        )
    except dkim.DKIMException as exc:
        raise DeliveryError(
            f"DKIM signing failed: {exc}", hint="check delivery.dkim.key_file"
        ) from None
    return bytes(signature) + data


def _has_header(data: bytes, name: bytes) -> bool:
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    return head.startswith(name + b":") or (b"\r\n" + name + b":") in head
