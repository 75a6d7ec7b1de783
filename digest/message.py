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
from email import quoprimime
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


# Stand-ins a copy's skeleton carries where each reader's own values go (CopyMaker).
_TO = "to@copy.invalid"
_ID = "<id@copy.invalid>"
_TEXT = "@@DIGEST-TEXT-PART@@"
_HTML = "@@DIGEST-HTML-PART@@"


class CopyMaker:
    """Many readers' copies of one rendering, each as :func:`build_message` would make it.

    The email package builds the message once, with stand-ins for what differs between
    readers (To, Message-ID, List-Unsubscribe and the two bodies, which hold the reader's
    own links); each copy then only has its own headers folded by the same policy and its
    bodies quoted-printable encoded by the same function the email package uses. Ten
    thousand copies take a fifth of the time (bench/send.py). An address that is not
    ASCII (SMTPUTF8) takes :func:`build_message` itself; tests check that both ways give
    the same message.
    """

    def __init__(
        self,
        rendered: RenderedMessage,
        delivery: DeliveryConfig,
        token: str,
        title: str,
        when: datetime,
    ) -> None:
        self.rendered, self.delivery = rendered, delivery
        self.token, self.title, self.when = token, title, when
        self.domain = sender_domain(delivery.from_)
        stand_in = RenderedMessage(subject=rendered.subject, html=_HTML, text=_TEXT)
        skeleton = _message(stand_in, delivery, _TO, _ID, title, when, None, unsubscribe=False)
        head, body = skeleton.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        at = next(i for i, line in enumerate(lines) if line.startswith(b"Auto-Submitted:"))
        self.head = lines[:at], lines[at:]  # List-Unsubscribe goes between, per reader
        self.body = body

    def make(self, recipient: str, html: str, text: str, own_unsubscribe: str | None) -> bytes:
        """*recipient*'s copy, with these bodies and their own unsubscribe URL."""
        if not recipient.isascii():
            own = RenderedMessage(self.rendered.subject, html, text)
            return build_message(
                own, self.delivery, recipient, self.token, self.title, self.when, own_unsubscribe
            )
        before, after = self.head
        leave = _unsubscribe_headers(self.delivery, own_unsubscribe)
        head = b"\r\n".join([*before, *leave, *after])
        head = head.replace(b"To: " + _TO.encode(), b"To: " + recipient.encode(), 1)
        own_id = message_id(self.token, recipient, self.domain)
        head = head.replace(_ID.encode(), own_id.encode(), 1)
        body = self.body.replace(_TEXT.encode() + b"\r\n", _quoted(text), 1)
        body = body.replace(_HTML.encode() + b"\r\n", _quoted(html), 1)
        data = head + b"\r\n\r\n" + body
        return _sign(data, self.delivery) if self.delivery.dkim else data


def _quoted(text: str) -> bytes:
    """*text* as EmailMessage.set_content(text, charset="utf-8", cte="quoted-printable")
    writes it under the SMTP policy: CRLF lines, each line ending in a line break."""
    lines = text.encode("utf-8").splitlines()
    joined = (b"\n".join(lines) + b"\n").decode("latin-1")  # as email.contentmanager does
    encoded = quoprimime.body_encode(joined, SMTP.max_line_length or 78)
    return encoded.replace("\n", "\r\n").encode("ascii")


def _unsubscribe_headers(delivery: DeliveryConfig, own: str | None) -> list[bytes]:
    """The List-Unsubscribe header (RFC 2369) and List-Unsubscribe-Post (RFC 8058) as raw
    lines. Written here, not by the email package: a URL longer than a line would be
    turned into an RFC 2047 encoded word there, which no mail program reads as a URL.
    The targets are folded between them; a long URL stays whole on its line (under
    RFC 5322's 998 characters: the URLs are checked ASCII without spaces)."""
    targets = _unsubscribe_targets(delivery, own)
    if not targets:
        return []
    value = ", ".join(targets)
    if len("List-Unsubscribe: " + value) > (SMTP.max_line_length or 78):
        value = ",\r\n ".join(targets)
    lines = [f"List-Unsubscribe: {value}".encode("ascii")]
    if _one_click(delivery, own):
        lines.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    return lines


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
    own_id = message_id(token, recipient, sender_domain(delivery.from_))
    data = _message(rendered, delivery, recipient, own_id, title, when, own_unsubscribe)
    if delivery.dkim:
        data = _sign(data, delivery)
    return data


def _message(
    rendered: RenderedMessage,
    delivery: DeliveryConfig,
    recipient: str,
    own_id: str,
    title: str,
    when: datetime,
    own_unsubscribe: str | None,
    unsubscribe: bool = True,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = delivery.from_
    msg["To"] = recipient
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = own_id
    msg["List-Id"] = list_id(title, delivery)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    data = msg.as_bytes(policy=SMTP)
    leave = _unsubscribe_headers(delivery, own_unsubscribe) if unsubscribe else []
    if not leave:
        return data
    at = data.index(b"\r\nAuto-Submitted:") + 2
    return data[:at] + b"\r\n".join(leave) + b"\r\n" + data[at:]


def _unsubscribe_targets(delivery: DeliveryConfig, own: str | None) -> list[str]:
    """List-Unsubscribe's targets: the configured mailto, and the reader's own URL or the
    configured one."""
    unsubscribe = delivery.unsubscribe
    mailto = unsubscribe.mailto if unsubscribe else None
    url = own or (unsubscribe.url if unsubscribe else None)
    targets = []
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe>")  # a bare address
    if url:
        targets.append(f"<{without_userinfo(url)}>")
    return targets


def _one_click(delivery: DeliveryConfig, own: str | None) -> bool:
    return bool(own or (delivery.unsubscribe and delivery.unsubscribe.url))


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
