"""OPML in and out, so people can bring the subscriptions they already have.

``import_opml`` adds feeds to config.yaml with ruamel.yaml's round-trip mode,
so the file keeps its comments and layout; OPML folders become sections.
Feeds already in the config (compared in canonical form, so ``http://`` and
``https://``, ``www.`` or a trailing slash make no difference) are skipped.

An OPML file comes from somewhere else, so only http(s) feeds are taken from it:
an outline whose ``xmlUrl`` is a local file (``file:`` or a path), another scheme
(``javascript:``, ``data:``, ``ftp:``) or empty is skipped with a warning, as a
local-file feed could mail the contents of local files. Outlines that are not
feeds (links, bookmarks, empty folders) are skipped and counted.

``export_opml`` writes OPML 2.0 that ``import_opml`` reads back (local-file feeds
excepted); each outline is labelled with the feed's name, else the title the
database has for it, else its URL.
"""

from __future__ import annotations

import io
import logging
import queue
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter

from digest.addresses import PrivateAddress, parse_address, refusal
from digest.config import Config, feed_location, load_config, parse_config, scheme_suggestion
from digest.errors import ConfigError, StorageError, UsageError
from digest.links import canonical_url
from digest.sentences import clip
from digest.store import open_store

log = logging.getLogger(__name__)

_FEED_SCHEME = re.compile(r"^feed:(//)?(.*)$", re.IGNORECASE | re.DOTALL)
RESOLVE_SECONDS = 10.0  # for the names of the imported feeds; one still unanswered is let be
RESOLVERS = 16  # names looked up at once
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class OpmlFeed:
    """One feed outline of an OPML file."""

    url: str
    title: str = ""
    folder: str | None = None


@dataclass(frozen=True)
class OpmlFile:
    """What an OPML file holds: its feed outlines, and the outlines that are not feeds."""

    feeds: list[OpmlFeed] = field(default_factory=list)
    # Labels of outlines with neither an xmlUrl nor outlines inside (links, bookmarks,
    # empty folders); a folder with outlines inside is not listed, its outlines are.
    others: list[str] = field(default_factory=list)


def parse_opml(data: bytes, name: str = "OPML") -> list[OpmlFeed]:
    """Feed outlines of an OPML document; *name* labels error messages."""
    return _parse(data, name).feeds


def _read(path: Path) -> OpmlFile:
    """The OPML file at *path*: its feed outlines (a feed's folder is the title of the
    nearest enclosing outline that is not a feed) and the outlines that are not feeds.
    Raises UsageError, with a one-line message, when the file cannot be read or is not OPML.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read OPML file {path}: {exc.strerror or exc}") from None
    return _parse(data, str(path))


def _parse(data: bytes, name: str) -> OpmlFile:
    parser = lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise UsageError(f"{name} is not valid OPML: {_one_line(exc.msg or str(exc))}") from None
    if root is None or _local(root.tag) != "opml":
        found = _local(root.tag) if root is not None else "nothing"
        raise UsageError(f"{name} is not OPML (its root element is <{found}>, not <opml>)")
    result = OpmlFile()
    for outline in root.iter("{*}outline"):
        xml_url = outline.get("xmlUrl", outline.get("xmlurl"))
        url = _feed_url(xml_url or "")
        title = _one_line(outline.get("title") or outline.get("text") or "")
        if url or (xml_url is not None and not _has_outlines(outline)):
            result.feeds.append(OpmlFeed(url, title, _folder(outline)))  # "" is refused later
        elif not _has_outlines(outline):
            result.others.append(title or _one_line(outline.get("url") or "") or "(untitled)")
    return result


def import_opml(config_path: Path, opml_path: Path) -> int:
    """Add the OPML's feeds that are not there yet to config.yaml; returns how many.

    Comments and layout of config.yaml survive. The new file is validated
    before it replaces the old one, so a failed import leaves it untouched.
    Raises UsageError for a bad OPML file, ConfigError for a bad config.
    """
    config = load_config(config_path) if _has_feeds(config_path) else None
    opml = _read(opml_path)
    yaml = _round_trip(config_path)
    try:
        data = yaml.load(config_path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ConfigError(f"cannot edit {config_path}: {exc}") from None
    folder = config.folder if config else config_path.resolve().parent
    present = {_same_feed(f.url, folder) for f in config.feeds} if config else set()
    added = skipped = 0
    taken: list[OpmlFeed] = []
    for feed in opml.feeds:
        problem = _refusal(feed.url, config_path.parent)
        if problem:
            log.warning("skipped %s: %s", _outline(feed.title, feed.url), problem)
            continue
        if _same_feed(feed.url, folder) in present:
            skipped += 1
            continue
        present.add(_same_feed(feed.url, folder))
        _add_feed(data, feed)
        taken.append(feed)
        added += 1
    if skipped:
        log.info("skipped %d feeds already in %s", skipped, config_path)
    if opml.others:
        shown = ", ".join(f'"{_clip(label)}"' for label in opml.others[:5])
        more = f" and {len(opml.others) - 5} more" if len(opml.others) > 5 else ""
        n = len(opml.others)
        what = "outline that is not a feed" if n == 1 else "outlines that are not feeds"
        log.info("skipped %d %s (no xmlUrl): %s%s", n, what, shown, more)
    for feed, private in _private_feeds(taken):
        # Imported all the same: the user chose the file. But an OPML file from someone
        # else could point a feed at a service inside the reader's network, whose pages
        # would then be mailed, so say so.
        log.warning(
            "%s is on a private address (%s): imported, as you chose the file; delete it"
            " from %s if that server is not meant to be read",
            _outline(feed.title, feed.url),
            private.detail,
            config_path.name,
        )
    if added:
        _save(yaml, data, config_path)
    return added


def _private_feeds(feeds: Sequence[OpmlFeed]) -> list[tuple[OpmlFeed, PrivateAddress]]:
    """The feeds whose host is a private address, literally or by what its name resolves
    to (names still unresolved after RESOLVE_SECONDS are let be)."""
    hosts = {feed.url: _host(feed.url) for feed in feeds}
    answers = _resolve({h for h in hosts.values() if h and parse_address(h) is None})
    found = []
    for feed in feeds:
        host = hosts[feed.url]
        literal = parse_address(host)
        addresses = [literal] if literal else [parse_address(a) for a in answers.get(host, [])]
        problems = [refusal(host, a) for a in addresses if a is not None]
        problem = next((p for p in problems if p is not None), None)
        if problem is not None:
            found.append((feed, problem))
    return found


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _resolve(names: Iterable[str], seconds: float = RESOLVE_SECONDS) -> dict[str, list[str]]:
    """The addresses each name resolves to, looked up RESOLVERS at a time for at most
    *seconds* in all (getaddrinfo cannot be interrupted: a slow lookup is left behind, in a
    daemon thread, and its name is missing from the answer)."""
    waiting: queue.SimpleQueue[str] = queue.SimpleQueue()
    for name in names:
        waiting.put(name)
    found: dict[str, list[str]] = {}

    def work() -> None:
        while True:
            try:
                name = waiting.get_nowait()
            except queue.Empty:
                return
            try:
                infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                infos = []
            found[name] = [str(info[4][0]) for info in infos]

    threads = [threading.Thread(target=work, daemon=True) for _ in range(RESOLVERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return dict(found)


def export_opml(config: Config, titles: Mapping[str, str] | None = None) -> str:
    """The configured feeds as an OPML 2.0 document, in folders by their ``section``.

    A feed is labelled with its ``name``, else its own title from *titles* (feed
    URL to title; by default what the database at ``config.database`` holds, if
    it exists), else its URL.
    """
    if titles is None:
        titles = _stored_titles(config.database)
    root = lxml.etree.Element("opml", version="2.0")
    head = lxml.etree.SubElement(root, "head")
    lxml.etree.SubElement(head, "title").text = _xml_text(config.title)
    body = lxml.etree.SubElement(root, "body")
    folders: dict[str, Any] = {}
    for feed in config.feeds:
        parent = body
        if feed.section:
            if feed.section not in folders:
                label = _xml_text(feed.section)
                folders[feed.section] = lxml.etree.SubElement(
                    body, "outline", text=label, title=label
                )
            parent = folders[feed.section]
        label = _xml_text(feed.name or _one_line(titles.get(feed.url) or "") or feed.url)
        attributes = {"type": "rss", "text": label, "title": label, "xmlUrl": feed.url}
        lxml.etree.SubElement(parent, "outline", attributes)
    lxml.etree.indent(root, space="  ")
    xml = lxml.etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    text = xml.decode("utf-8").replace("<?xml version='1.0' encoding='UTF-8'?>", _DECLARATION)
    return text if text.endswith("\n") else text + "\n"


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def _has_feeds(config_path: Path) -> bool:
    """False for a config.yaml with no feed yet (``feeds: []``, ``feeds:`` or none): the
    way to start is to import them. Whatever else is wrong is found when the new file
    is checked before it is written."""
    try:
        data = YAML(typ="safe").load(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError):
        return True  # load_config says what is wrong
    return not isinstance(data, dict) or bool(data.get("feeds"))


def _add_feed(data: Any, feed: OpmlFeed) -> None:
    """Append *feed* to the loaded config, and its folder to the sections."""
    entry = CommentedMap(url=feed.url)
    if feed.title and feed.title != feed.url:
        entry["name"] = feed.title
    if feed.folder:
        entry["section"] = feed.folder
        if data.get("sections") is None:
            data["sections"] = CommentedSeq()
        if feed.folder not in {s.get("name") for s in data["sections"]}:
            data["sections"].append(CommentedMap(name=feed.folder))
    if data.get("feeds") is None:
        data["feeds"] = CommentedSeq()
    data["feeds"].append(entry)


def _save(yaml: YAML, data: Any, config_path: Path) -> None:
    """Validate *data* as config.yaml, then write it in place atomically."""
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    parse_config(YAML(typ="safe", pure=True).load(text), config_path.resolve())
    temporary = config_path.with_name(config_path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        shutil.copymode(config_path, temporary)
        temporary.replace(config_path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {config_path}: {exc.strerror or exc}") from None


def _stored_titles(database: Path | str) -> dict[str, str]:
    """Each feed's own title as the database remembers it; none when there is no database.

    The titles only label the export, so a database that cannot be read is a
    warning, not an error.
    """
    if isinstance(database, Path) and not database.is_file():  # not created just to export
        return {}
    try:
        with open_store(database, readonly=True) as store:
            states = store.feed_states()
    except StorageError as exc:
        log.warning("feed titles not exported: %s", exc)
        return {}
    return {url: state.title for url, state in states.items() if state.title}


def _round_trip(config_path: Path) -> YAML:
    """A ruamel.yaml round-tripper that writes lists indented as the file has them."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    match = re.search(r"^[\w-]+:[ \t]*(?:#.*)?\n(?:[ \t]*#.*\n)*( *)- ", text, re.MULTILINE)
    offset = len(match.group(1)) if match else 0
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    if re.search(r":[ \t]+null\b", text):  # keep writing `key: null` where the file does
        yaml.Representer = _NullRepresenter
    return yaml


class _NullRepresenter(RoundTripRepresenter):
    """Writes None as ``null`` rather than as nothing."""

    def represent_none(self, data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")


_NullRepresenter.add_representer(type(None), _NullRepresenter.represent_none)


def _same_feed(url: str, folder: Path) -> str:
    """A form of a feed URL in which the same feed always looks the same."""
    return canonical_url(feed_location(url.strip(), folder))


def _refusal(url: str, folder: Path) -> str:
    """Why *url*, from an OPML file, is not added as a feed; "" when it may be.

    Only http(s) URLs with a host: a local file could put any file the digest can
    read into the mail, and other schemes are not feeds digest can fetch.
    """
    if not url:
        return "its xmlUrl is empty"
    scheme = _SCHEME.match(url)
    if scheme is None or len(scheme.group(1)) == 1:  # no scheme, or a Windows drive
        suggestion = scheme_suggestion(url, folder)
        if suggestion:  # "www.example.com/feed.xml": a web address without its scheme
            return f"it has no scheme: did you mean {clip(suggestion, 100)}? (add it by hand)"
        return "a local path, not an http(s) URL (local feeds can only be added by hand)"
    name = scheme.group(1).lower()
    if name == "file":
        return "a local file, not an http(s) URL (local feeds can only be added by hand)"
    if name not in ("http", "https"):
        return f"not an http(s) URL ({name}:)"
    try:
        parts = urlsplit(url)
        _port = parts.port  # ValueError for a port that is not a number
    except ValueError:
        return "malformed URL"
    return "" if parts.hostname else "malformed URL (no host)"


def _feed_url(url: str) -> str:
    """The URL of an ``xmlUrl``: ``feed://host/…`` and ``feed:https://…`` unwrapped.

    Any other ``feed:`` URL is left as it is (and refused as not http(s)).
    """
    url = url.strip()
    match = _FEED_SCHEME.match(url)
    if match:
        slashes, rest = match.groups()
        if re.match(r"^https?://", rest, re.IGNORECASE):
            url = rest
        elif slashes:
            url = "http://" + rest
    return url


def _has_outlines(outline: Any) -> bool:
    return next(outline.iterchildren("{*}outline"), None) is not None


def _clip(text: str) -> str:
    return clip(text, 80)


def _outline(title: str, url: str) -> str:
    """An outline as a warning shows it: its title and URL, both kept short."""
    shown = f'xmlUrl "{_clip(url)}"'
    return f'outline "{_clip(title)}" ({shown})' if title else f"outline ({shown})"


def _folder(outline: Any) -> str | None:
    for parent in outline.iterancestors("{*}outline"):
        if not (parent.get("xmlUrl") or parent.get("xmlurl")):
            name = _one_line(parent.get("title") or parent.get("text") or "")
            return name or None
    return None


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else str(tag)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _xml_text(text: str) -> str:
    """*text* without the control characters XML 1.0 cannot carry."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
