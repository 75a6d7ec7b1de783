"""Each reader's copy of a digest: the sections they read and links of their own.

A digest is rendered once per kind of copy, not once per reader: the sections a group of
readers chose, and whether their copies carry links of their own. Those links ("View in
browser", the reader's unsubscribe page) are rendered as marks that each copy replaces
with the reader's own URL, so ten thousand readers cost a string replacement each.

Readers are the addresses in ``delivery.to`` (every section, the configured unsubscribe
target, as before subscribers existed) and the active subscribers (their sections, and
with ``web:`` configured their own unsubscribe link, RFC 8058 one-click included).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from digest.config import Config
from digest.deliver import Outgoing
from digest.message import CopyMaker, unsubscribe_link
from digest.models import Digest, RenderedMessage, Subscriber
from digest.tokens import sign

# Marks rendered in place of a reader's own links; never mailed (see personal()).
VIEW_MARK = "https://view.digest.invalid/issue"
LEAVE_MARK = "https://leave.digest.invalid/reader"


@dataclass(frozen=True)
class Reader:
    """One address a digest goes to: the sections it reads (none: all), for a subscriber
    the token in its own links ("" for an address of delivery.to), and *start*: None for a
    reader who gets the issue's own stories, or the cursor of a reader who came from
    another edition (they get what came after it: nothing twice, nothing missed)."""

    address: str
    sections: tuple[str, ...] = ()
    token: str = ""
    start: int | None = None

    @property
    def kind(self) -> tuple[tuple[str, ...], bool, int | None]:
        """Readers of one kind get one rendering of the digest."""
        return self.sections, bool(self.token), self.start


@dataclass(frozen=True)
class Links:
    """The links a rendering carries: unsubscribe (None: no link) and view in browser."""

    unsubscribe: str | None = None
    view: str | None = None


def readers(
    config: Config,
    subscribers: Sequence[Subscriber],
    edition: str = "",
    cursor: int | None = None,
) -> list[Reader]:
    """The readers of *edition* ("" or the first: the default one, with delivery.to, and
    the readers of editions config.yaml no longer has): delivery.to, then each active
    subscriber of it not among them (any case). A
    subscriber whose cursor is not the edition's *cursor* (they came from another
    edition) starts from their own."""
    default = not edition or edition == config.default_edition
    edition = edition or config.default_edition
    known = {e.name for e in config.all_editions}
    out = [Reader(address) for address in config.delivery.to] if default else []
    seen = {r.address.casefold() for r in out}
    for s in subscribers:
        # a reader of an edition config.yaml no longer has reads the default one
        reads = s.edition if s.edition in known else config.default_edition
        if s.status == "active" and reads == edition and s.email.casefold() not in seen:
            seen.add(s.email.casefold())
            moved = s.cursor is not None and cursor is not None and s.cursor != cursor
            out.append(Reader(s.email, s.sections, s.token, s.cursor if moved else None))
    return out


def for_sections(digest: Digest, sections: tuple[str, ...]) -> Digest | None:
    """*digest* with only *sections* (all for none); None when none of them has a story."""
    if not sections:
        return digest
    kept = tuple(s for s in digest.sections if s.name in sections)
    if not any(s.items for s in kept):
        return None
    return replace(digest, sections=kept)


def links_for(config: Config, reader: Reader, configured: str | None) -> Links:
    """The links a rendering for *reader*'s kind carries: marks where they are personal."""
    if config.web is None:
        return Links(unsubscribe=configured)
    return Links(unsubscribe=LEAVE_MARK if reader.token else configured, view=VIEW_MARK)


def view_url(config: Config, digest_id: int) -> str | None:
    """The issue's page in the web archive (None without ``web:``)."""
    return f"{config.web.base_url}/issues/{digest_id}" if config.web else None


def unsubscribe_url(config: Config, reader: Reader) -> str | None:
    """The reader's own unsubscribe page, signed (None for delivery.to or without ``web:``)."""
    if config.web is None or not reader.token:
        return None
    signed = sign(config.web.secret or "", "unsubscribe", reader.token)
    return f"{config.web.base_url}/unsubscribe/{signed}"


def personal(text: str, config: Config, reader: Reader, digest_id: int) -> str:
    """A rendered part (HTML or text) with the marks replaced by *reader*'s own links."""
    view = view_url(config, digest_id)
    if view:
        text = text.replace(VIEW_MARK, view)
    leave = unsubscribe_url(config, reader)
    if leave:
        text = text.replace(LEAVE_MARK, leave)
    return text


def said(delivered: Sequence[str], config: Config) -> str:
    """Who received a digest, as a line of output or log says it: the addresses of
    delivery.to by name, subscribers only counted (no log tells who subscribes)."""
    configured = {address.casefold() for address in config.delivery.to}
    named = [a for a in delivered if a.casefold() in configured]
    others = len(delivered) - len(named)
    if others:
        named.append(f"{others:,} subscriber{'s' if others != 1 else ''}")
    if len(named) > 1:
        return ", ".join(named[:-1]) + " and " + named[-1]
    return named[0] if named else "nobody"


@dataclass(frozen=True)
class Issue:
    """The digest being sent: what each copy is made from."""

    config: Config
    digest: Digest
    rendered: RenderedMessage  # for delivery.to, without web: links
    token: str  # the Message-ID token of this attempt
    digest_id: int
    now: datetime


Render = Callable[[Digest, Links], RenderedMessage]
Since = Callable[[int], Digest | None]  # the stories after a cursor (a reader who moved)


def outgoing(
    issue: Issue, readers: Sequence[Reader], render: Render, since: Since | None = None
) -> list[Outgoing]:
    """A copy for each reader whose sections have a story, rendered once per kind of
    reader. Each copy's bytes are made when it is sent, not before: ten thousand copies
    are never in memory at once. A reader with a *start* of their own gets ``since(start)``."""
    config = issue.config
    configured = unsubscribe_link(config.delivery)
    Kind = tuple[tuple[str, ...], bool, int | None]
    kinds: dict[Kind, tuple[RenderedMessage, CopyMaker] | None] = {}
    contents: dict[int, Digest | None] = {}
    if config.web is None:  # as rendered for delivery.to: nothing personal in it
        maker = CopyMaker(
            issue.rendered, config.delivery, issue.token, issue.digest.title, issue.now
        )
        kinds[(), False, None] = (issue.rendered, maker)
    out = []
    for reader in readers:
        if reader.kind not in kinds:
            content: Digest | None = issue.digest
            if reader.start is not None and since is not None:
                if reader.start not in contents:
                    contents[reader.start] = since(reader.start)
                content = contents[reader.start]
            part = for_sections(content, reader.sections) if content else None
            if part is None:  # none of the reader's sections has a story this time
                kinds[reader.kind] = None
            else:
                copy = render(part, links_for(config, reader, configured))
                maker = CopyMaker(copy, config.delivery, issue.token, part.title, issue.now)
                kinds[reader.kind] = (copy, maker)
        kind = kinds[reader.kind]
        if kind is not None:
            out.append(Outgoing(reader.address, partial(_make, issue, reader, *kind)))
    return out


def _make(issue: Issue, reader: Reader, copy: RenderedMessage, maker: CopyMaker) -> bytes:
    config = issue.config
    return maker.make(
        reader.address,
        personal(copy.html, config, reader, issue.digest_id),
        personal(copy.text, config, reader, issue.digest_id),
        unsubscribe_url(config, reader),
    )
