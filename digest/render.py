"""Digest to email bodies: Jinja2 templates, CSS inlined by premailer.

One function builds the template environment (autoescape for HTML,
StrictUndefined, filters registered in one place, the user's ``templates/``
folder next to config.yaml searched before the packaged templates).
"""

from __future__ import annotations

import logging
import re
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import jinja2.sandbox
from premailer import Premailer

from digest.errors import ConfigError
from digest.lang import long_date, short_date, translations
from digest.links import shown_url
from digest.models import Digest, FailedFeed, Image, RenderedMessage, Section
from digest.pictures import is_shown_image
from digest.sanitize import server_text
from digest.sentences import clip

THUMB_WIDTH = 96
PICTURE_WIDTH = 544  # a picture story's picture: the 600 px sheet less its padding
PREHEADER_CHARS = 140
SUBJECT_HEADLINE_CHARS = 90  # the top headline in the subject line
SUBJECT_CHARS = 200  # a whole subject line, however its template makes it
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)
"""Code points HTML forbids (controls, surrogates, non-characters): mojibake from feeds."""


def packaged_templates() -> Path:
    """The templates shipped with digest (inside the wheel, or the source checkout)."""
    inside = Path(__file__).parent / "templates"
    return inside if inside.is_dir() else Path(__file__).parent.parent / "templates"


def environment(user_folder: Path | None, zone: ZoneInfo, lang: str = "en") -> jinja2.Environment:
    """The Jinja2 environment: user templates first, then the packaged ones.

    Templates run in Jinja2's immutable sandbox: a template (a user's override, the
    subject in config.yaml) reads the variables it gets, and cannot reach Python's
    internals (``''.__class__``) or change what it is given. ``_()`` and ``ngettext()``
    give the digest's own words in *lang* (``digest.lang``), and ``localdate`` its dates."""
    folders = [str(f) for f in (user_folder, packaged_templates()) if f and f.is_dir()]
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=clean_value,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["localdate"] = lambda moment, date_only=False: short_date(
        moment, zone, date_only, lang
    )
    env.filters["thumb_height"] = thumb_height
    env.filters["picture_width"] = picture_width
    env.filters["wrap"] = wrap
    env.tests["shown_image"] = shown_image
    return env


def clean_value(value: Any) -> Any:
    """Every value a template prints, without code points that HTML and mail forbid."""
    if not isinstance(value, str):
        return value
    cleaned = FORBIDDEN.sub("", value)
    # Markup (already escaped HTML) stays Markup, so autoescape does not escape it twice.
    return type(value)(cleaned) if hasattr(value, "__html__") else cleaned


def local_date(moment: datetime, zone: ZoneInfo, date_only: bool = False) -> str:
    """A date as readers expect it in the digest's time zone: "Thu 19 Jan 2023, 17:00";
    a day the feed gave without a time is that day, without one: "Thu 19 Jan 2023"."""
    return short_date(moment, zone, date_only, "en")


def thumb_height(image: Image, width: int) -> int:
    """Height for *width* that keeps the image's aspect ratio (3:2 when unknown)."""
    if image.width and image.height:
        return max(1, round(width * image.height / image.width))
    return round(width * 2 / 3)


def picture_width(image: Image) -> int:
    """The width a picture story's picture is shown at: its own, up to the layout's
    ``PICTURE_WIDTH`` (a small picture is not blown up)."""
    return min(PICTURE_WIDTH, image.width) if image.width else PICTURE_WIDTH


def shown_image(image: Image | None) -> bool:
    """True for a thumbnail a mail client may load: an absolute http(s) URL on a public
    host, not a tracking pixel (``pictures.is_shown_image``)."""
    if image is None:
        return False
    return is_shown_image(image.url, image.width, image.height)


NAME_CHARS = 80  # a feed's name in the footer: its title when unnamed, chosen by the server

# What went wrong with a feed, as the email says it. fetch.py and the parser word most
# failures themselves, and those are kept whole when they are exactly in that wording
# (``_OWN_WORDS``); any other error is known by how it starts and said in fixed words
# (``_FAILURES``), so a server's own words (a reason phrase, an exception's text) never
# reach the email: they can be any length and say anything.
_OWN_WORDS = re.compile(
    r"""timed\ out\ after\ [\d.]+\ s
    |too\ many\ redirects\ \(more\ than\ \d+\)
    |(?:response|file)\ larger\ than\ [\d.]+\ [KM]B:\ cut\ off
    |connection\ refused|host\ not\ found|no\ response
    |the\ response\ could\ not\ be\ decompressed
    |parse\ took\ longer\ than\ [\d.]+\ s:\ skipped
    |could\ not\ parse\ the\ feed:\ \w{1,60}
    |not\ a\ feed(?::\ [\w\ ,.()<>:'-]{1,80})?""",
    re.VERBOSE,
)
_FAILURES = (
    (re.compile(r"HTTP (\d{3})\b"), "HTTP {0} from the server"),
    (re.compile(r"timed out"), "timed out"),
    (re.compile(r"not a feed|could not parse"), "not a feed"),
    (re.compile(r"TLS error"), "TLS error"),
    (re.compile(r"network error"), "network error"),
    (re.compile(r"cannot connect|connection"), "could not connect"),
    (re.compile(r"(?:response|file) larger than"), "too large"),
    (re.compile(r"too many redirects"), "too many redirects"),
    (re.compile(r"cannot read"), "cannot read the file"),
)
_MOVED = re.compile(r" at \S+, where it had moved$")  # pipeline.py adds it


def failure_description(error: str) -> str:
    """A feed's *error* as the email may show it: fetch.py's and the parser's own wording
    ("timed out after 30 s", "not a feed: got an HTML page"), else a short, fixed
    description by its shape: "HTTP 503 from the server", "could not connect", …, and
    "could not be read" for anything else."""
    head = _MOVED.sub("", error.strip()[:300])
    if _OWN_WORDS.fullmatch(head):
        return head
    for pattern, description in _FAILURES:
        match = pattern.match(head)
        if match:
            return description.format(*match.groups())
    return "could not be read"


def shown_failures(failed: tuple[FailedFeed, ...]) -> tuple[FailedFeed, ...]:
    """The failed feeds as the email names them: a short name, no credentials in the URL,
    the error as a fixed description (:func:`failure_description`)."""
    return tuple(
        FailedFeed(
            server_text(f.name, NAME_CHARS) or "a feed",
            shown_url(f.url),
            failure_description(f.error),
            f.since,
        )
        for f in failed
    )


def wrap(text: str, width: int = 76, indent: str = "") -> str:
    """Wrap plain text for the text part, never breaking words or URLs. Chinese,
    Japanese and Korean text is wrapped by its display width (a wide character takes two
    columns) and may break between characters, never before closing punctuation."""
    if _WIDE.search(text):
        return wrap_wide(text, width, indent)
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


# Wide (two-column) characters: CJK ideographs, kana, hangul, fullwidth forms.
_WIDE = re.compile("[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")  # fmt: skip
# Characters a CJK line must not start with (kinsoku): they stay with the one before.
_NO_LINE_START = frozenset("、。，．・：；？！）」』】〉》〕］｝ー…‥々ゝゞヽヾ,.;:!?)]}")
_TOKEN = re.compile(r"\s+|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                    r"\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]+|.")  # fmt: skip


def display_width(text: str) -> int:
    """Columns *text* takes in a fixed-width font: two for a wide character (East Asian
    Wide or Fullwidth), none for a combining mark, one for the rest."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
        for ch in text
    )


def wrap_wide(text: str, width: int = 76, indent: str = "") -> str:
    """:func:`wrap` for text with wide characters: lines of at most *width* columns,
    broken at spaces or between wide characters, words and URLs kept whole."""
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if tokens and token[0] in _NO_LINE_START and not tokens[-1].isspace():
            tokens[-1] += token  # "。" stays at the end of the line before
        else:
            tokens.append(token)
    lines: list[str] = []
    line, used, space = indent, display_width(indent), False
    for token in tokens:
        if token.isspace():
            space = used > display_width(indent)
            continue
        need = display_width(token) + (1 if space else 0)
        if used + need > width and used > display_width(indent):
            lines.append(line)
            line, used = indent + token, display_width(indent) + display_width(token)
        else:
            line += (" " if space else "") + token
            used += need
        space = False
    if used > display_width(indent):
        lines.append(line)
    return "\n".join(lines)


def context(
    digest: Digest, unsubscribe_url: str | None, lang: str, view_url: str | None = None
) -> dict[str, Any]:
    """The variables every template gets (listed in docs/templates.md)."""
    unnamed = 0 if digest.chrome else len(digest.failed_feeds)
    digest = replace(digest, failed_feeds=shown_failures(digest.failed_feeds))
    if not digest.chrome:  # left out to fit (fit.without_chrome)
        digest = replace(digest, failed_feeds=(), sections=_without_also(digest.sections))
    stories = digest.stories
    zone = ZoneInfo(digest.timezone)
    local = digest.created.astimezone(zone)
    headlines = " · ".join(s.title for s in stories[:4])
    failed_count = len(digest.failed_feeds) + unnamed
    words = translations(lang)
    _ = words.gettext
    return {
        "digest": digest,
        "title": digest.title,
        "date_label": long_date(local, lang),
        "sections": digest.sections,
        "item_count": len(stories),
        "top_headline": clip(stories[0].title, SUBJECT_HEADLINE_CHARS)
        if stories
        else _("nothing new today"),
        "preheader": clip(headlines, PREHEADER_CHARS) if stories else _("Nothing new today."),
        "failed_feeds": digest.failed_feeds,
        "failed_summary": "; ".join(
            f"{f.name} ({f.error}{_failing_since(f, zone, lang)})" for f in digest.failed_feeds
        )
        + ".",
        # the failed feeds the footer counts without naming them (their list did not fit)
        "unnamed_failures": unnamed,
        "failed_count_note": (
            words.ngettext(
                "%(num)s feed was not updated this time.",
                "%(num)s feeds were not updated this time.",
                failed_count,
            )
            % {"num": f"{failed_count:,}"}
            if failed_count
            else ""
        ),
        "left_out": digest.left_out,
        "left_out_note": left_out_note(digest.left_out, lang),
        # a no-break space: the text part's wrapping never parts a section from its count
        "toc_summary": " · ".join(
            f"{s.name}\u00a0({len(s.items)})" for s in digest.sections if s.items
        ),
        "unsubscribe_url": unsubscribe_url,
        "view_url": view_url,  # this issue in the web archive ("View in browser")
        "thumb_width": THUMB_WIDTH,
        "lang": lang,
    }


def _without_also(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    return tuple(
        replace(section, items=tuple(replace(story, also=()) for story in section.items))
        for section in sections
    )


def _failing_since(feed: FailedFeed, zone: ZoneInfo, lang: str = "en") -> str:
    """ "; failing since Sat 28 Nov 2026" for a feed whose every fetch has failed for a week."""
    if not feed.since:
        return ""
    _ = translations(lang).gettext
    day = short_date(feed.since, zone, True, lang)
    return "; " + _("failing since %(day)s") % {"day": day}


def left_out_note(count: int, lang: str = "en") -> str:
    """The sentence telling the reader how many stories did not fit ("" for none)."""
    if not count:
        return ""
    note = translations(lang).ngettext(
        "%(num)s more story was left out to keep this email small enough for every inbox.",
        "%(num)s more stories were left out to keep this email small enough for every inbox.",
        count,
    )
    return note % {"num": f"{count:,}"}


def render_message(
    digest: Digest,
    env: jinja2.Environment,
    subject_template: str,
    unsubscribe_url: str | None = None,
    lang: str = "en",
    view_url: str | None = None,
) -> RenderedMessage:
    """Render subject, HTML (CSS inlined) and text for *digest*.

    Raises ConfigError naming the template (or ``digest.subject``) when a
    template cannot be loaded or rendered, e.g. a user's override uses a
    variable that does not exist.
    """
    values = context(digest, unsubscribe_url, lang, view_url)
    html = inline_css(render_template(env, "digest.html", values))
    text = render_template(env, "digest.txt", values)
    try:
        subject = env.from_string(subject_template).render(values)
    except Exception as exc:  # a TemplateError, or raised by a filter inside it
        raise ConfigError(
            f"digest.subject: cannot render the subject template: {_plain_names(str(exc))}",
            hint="check digest.subject in config.yaml",
        ) from None
    subject = clip(" ".join(subject.split()), SUBJECT_CHARS) or digest.title
    return RenderedMessage(subject=subject, html=html, text=text)


def render_template(env: jinja2.Environment, name: str, values: dict[str, Any]) -> str:
    """Render the template *name* (a user's override first); template errors become ConfigError."""
    try:
        return env.get_template(name).render(values)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or name}, line {exc.lineno}"
        raise ConfigError(
            f"template {where}: {exc.message}", hint="see docs/templates.md"
        ) from None
    except jinja2.TemplateError as exc:
        raise ConfigError(
            f"template {_where(name, exc)}: " + _plain_names(exc.message or exc.__class__.__name__),
            hint="see docs/templates.md for the variables each template gets",
        ) from None
    except UnicodeDecodeError as exc:  # the file itself
        raise ConfigError(
            f"template {name}: not UTF-8 text (byte {exc.start}: {exc.reason})",
            hint="save the template as UTF-8",
        ) from None
    except Exception as exc:  # raised inside the template: a filter given wrong arguments
        raise ConfigError(
            f"template {_where(name, exc)}: {exc.__class__.__name__}: {_plain_names(str(exc))}",
            hint="see docs/templates.md for the filters and their arguments",
        ) from None


# How the templates name the objects they get ("story", not the class behind it).
_NAMES = {"DigestItem": "story", "Section": "section", "Source": "source", "Image": "image"}
_OBJECT = re.compile(r"'digest\.models\.(\w+) object'")


def _plain_names(message: str) -> str:
    return _OBJECT.sub(lambda m: _NAMES.get(m.group(1), m.group(1).lower()), message)


def _where(name: str, exc: BaseException) -> str:
    """The template and its line where *exc* was raised (jinja2 puts template frames in
    the traceback under the template's file name)."""
    import traceback

    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.endswith(name) and frame.lineno
    ]
    return f"{name}, line {lines[-1]}" if lines else name


# What no email may carry, whoever wrote it: feed content is sanitised before it gets
# here, and this checks the templates too (a user's override included).
_ACTIVE_TAGS = frozenset(
    "script iframe frame frameset object embed applet form base meta link".split()
)
_LINK_ATTRIBUTES = ("href", "src", "action", "background", "poster", "srcset")


def unsafe_markup(html: str) -> str | None:
    """What in the email's HTML could run or lead off the web, or None: an active element,
    an event handler, a link or image that is not http(s), mailto or a #fragment."""
    import lxml.html

    root = lxml.html.document_fromstring(html)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in _ACTIVE_TAGS and not (tag == "meta" and _harmless_meta(el)):
            return f"a <{tag}> element"
        for key, raw in el.attrib.items():
            lowered, value = str(key).lower(), str(raw)
            if lowered.startswith("on"):
                return f"an {lowered} attribute on <{tag}>"
            if lowered in _LINK_ATTRIBUTES and not _safe_target(value):
                return f"a link that is not http(s) or mailto on <{tag}>: {value[:60]!r}"
    return None


def _harmless_meta(el: Any) -> bool:
    return el.get("http-equiv", "").lower() not in ("refresh", "set-cookie")


def _safe_target(value: str) -> bool:
    target = "".join(value.split()).lower()
    return target.startswith(("http://", "https://", "mailto:", "#")) or not target


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
            # The template's width/height attributes are the layout Outlook sees (600 px
            # sheet, sized thumbnails); CSS widths such as 100% must not overwrite them.
            disable_basic_attributes=["width", "height"],
        ).transform(pretty_print=False)
    )


RenderFn = Callable[[Digest], RenderedMessage]
