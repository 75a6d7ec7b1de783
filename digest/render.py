"""Digest to email bodies: Jinja2 templates, CSS inlined by premailer.

One function builds the template environment (autoescape for HTML,
StrictUndefined, filters registered in one place, the user's ``templates/``
folder next to config.yaml searched before the packaged templates).
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from premailer import Premailer

from digest.models import Digest, Image, RenderedMessage

THUMB_WIDTH = 96
PREHEADER_CHARS = 140


def packaged_templates() -> Path:
    """The templates shipped with digest (inside the wheel, or the source checkout)."""
    inside = Path(__file__).parent / "templates"
    return inside if inside.is_dir() else Path(__file__).parent.parent / "templates"


def environment(user_folder: Path | None, zone: ZoneInfo) -> jinja2.Environment:
    """The Jinja2 environment: user templates first, then the packaged ones."""
    folders = [str(f) for f in (user_folder, packaged_templates()) if f and f.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["localdate"] = lambda moment: local_date(moment, zone)
    env.filters["thumb_height"] = thumb_height
    env.filters["wrap"] = wrap
    return env


def local_date(moment: datetime, zone: ZoneInfo) -> str:
    """A date as readers expect it in the digest's time zone: "Thu 19 Jan 2023, 17:00"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def thumb_height(image: Image, width: int) -> int:
    """Height for *width* that keeps the image's aspect ratio (3:2 when unknown)."""
    if image.width and image.height:
        return max(1, round(width * image.height / image.width))
    return round(width * 2 / 3)


def wrap(text: str, width: int = 76, indent: str = "") -> str:
    """Wrap plain text for the text part, never breaking words or URLs."""
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def context(digest: Digest, unsubscribe_url: str | None, lang: str) -> dict[str, Any]:
    """The variables every template gets (documented in the README)."""
    stories = digest.stories
    local = digest.created.astimezone(ZoneInfo(digest.timezone))
    headlines = " · ".join(s.title for s in stories[:4])
    return {
        "digest": digest,
        "title": digest.title,
        "date_label": f"{local:%A} {local.day} {local:%B %Y}",
        "sections": digest.sections,
        "item_count": len(stories),
        "top_headline": stories[0].title if stories else "nothing new today",
        "preheader": _clip(headlines, PREHEADER_CHARS) if stories else "Nothing new today.",
        "failed_feeds": digest.failed_feeds,
        "failed_summary": "; ".join(f"{f.name} ({f.error})" for f in digest.failed_feeds) + ".",
        "left_out": digest.left_out,
        "unsubscribe_url": unsubscribe_url,
        "thumb_width": THUMB_WIDTH,
        "lang": lang,
    }


def render_message(
    digest: Digest,
    env: jinja2.Environment,
    subject_template: str,
    unsubscribe_url: str | None = None,
    lang: str = "en",
) -> RenderedMessage:
    """Render subject, HTML (CSS inlined) and text for *digest*."""
    values = context(digest, unsubscribe_url, lang)
    html = inline_css(env.get_template("digest.html").render(values))
    text = env.get_template("digest.txt").render(values)
    subject = " ".join(env.from_string(subject_template).render(values).split())
    return RenderedMessage(subject=subject or digest.title, html=html, text=text)


def inline_css(html: str) -> str:
    """Move every style into style="" attributes; keep only @media rules in <style>."""
    return str(
        Premailer(
            html,
            keep_style_tags=False,
            remove_classes=False,
            strip_important=False,
            disable_validation=True,
            allow_network=False,
            cssutils_logging_level=logging.CRITICAL,
            disable_link_rewrites=True,
        ).transform(pretty_print=False)
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


RenderFn = Callable[[Digest], RenderedMessage]
