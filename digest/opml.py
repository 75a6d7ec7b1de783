"""OPML in and out, so people can bring the subscriptions they already have.

``import_opml`` adds feeds to config.yaml with ruamel.yaml's round-trip mode,
so the file keeps its comments and layout; OPML folders become sections.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import quoteattr

import lxml.etree
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from digest.config import Config, load_config
from digest.errors import ConfigError, UsageError


def read_opml(path: Path) -> list[tuple[str, str, str | None]]:
    """(url, title, folder) for every feed outline in an OPML file."""
    parser = lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = lxml.etree.parse(str(path), parser).getroot()
    except OSError:
        raise UsageError(f"cannot read OPML file {path}") from None
    except lxml.etree.XMLSyntaxError as exc:
        raise UsageError(f"{path} is not valid OPML: {exc}") from None
    feeds = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if not url:
            continue
        parent = outline.getparent()
        folder = None
        if parent is not None and parent.tag == "outline" and not parent.get("xmlUrl"):
            folder = parent.get("title") or parent.get("text")
        feeds.append(
            (url.strip(), (outline.get("title") or outline.get("text") or "").strip(), folder)
        )
    return feeds


def import_opml(config_path: Path, opml_path: Path) -> int:
    """Add the OPML's feeds (not already present) to config.yaml; returns how many."""
    config = load_config(config_path)
    yaml = YAML()
    yaml.preserve_quotes = True
    try:
        data = yaml.load(config_path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ConfigError(f"cannot edit {config_path}: {exc}") from None
    present = {f.url for f in config.feeds}
    feeds: CommentedSeq = data.setdefault("feeds", CommentedSeq())
    sections: CommentedSeq = data.setdefault("sections", CommentedSeq())
    names = {s["name"] for s in sections}
    added = 0
    for url, title, folder in read_opml(opml_path):
        if url in present:
            continue
        entry = CommentedMap(url=url)
        if title:
            entry["name"] = title
        if folder:
            entry["section"] = folder
            if folder not in names:
                sections.append(CommentedMap(name=folder))
                names.add(folder)
        feeds.append(entry)
        present.add(url)
        added += 1
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    temporary = config_path.with_name(config_path.name + ".tmp")
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        load_config(temporary)  # never leave an invalid config behind
    except ConfigError:
        temporary.unlink()
        raise
    temporary.replace(config_path)
    return added


def export_opml(config: Config) -> str:
    """The configured feeds as OPML 2.0, grouped by their forced section."""
    groups: dict[str | None, list[str]] = {}
    for feed in config.feeds:
        line = (
            f'    <outline type="rss" text={quoteattr(feed.name or feed.url)}'
            f" xmlUrl={quoteattr(feed.url)}/>"
        )
        groups.setdefault(feed.section, []).append(line)
    body = []
    for section, lines in groups.items():
        if section:
            body.append(f"  <outline text={quoteattr(section)}>")
            body += lines
            body.append("  </outline>")
        else:
            body += [line[2:] for line in lines]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"  <head><title>{_escape(config.title)}</title></head>\n  <body>\n"
        + "\n".join("  " + line for line in body)
        + "\n  </body>\n</opml>\n"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
