"""Story text: an article page's main text, and how much story a text carries.

The full-text stage (``fulltext.py``) reads article pages with these; the blurbs read
the same story paragraphs. ``extract_main_text`` finds the article's container in a
page (readability-lxml when installed, trafilatura in recall mode otherwise: see
fulltext.py's notes for the measurements) and takes cookie and consent banners out
of it by their class or id; ``story_length`` measures a text as the blurb reads it.

``story_paragraphs`` still lives in ``blurb.py``, whose sentence rules share its
helpers; moving it here (and blurb importing it) finishes this module.
"""

from __future__ import annotations

import html as html_lib
import importlib
import logging
import re
from typing import Any

import lxml.etree
import lxml.html

from digest.blurb import story_paragraphs
from digest.chrome import drop_consent_banners

_TAG = re.compile(r"<[^>]*>")

# Libraries whose progress notes are not the reader's business (readability-lxml says
# "ruthless removal did not work" at INFO on every short page): warnings and up only,
# unless someone configured them already. readability also logs a traceback at ERROR for
# a page it cannot parse before raising: that page is reported once, by the feed's note.
QUIET_LOGGERS = {
    "readability": logging.CRITICAL,
    "trafilatura": logging.WARNING,
    "htmldate": logging.WARNING,
    "courlan": logging.WARNING,
    "justext": logging.WARNING,
}


def _quiet_libraries() -> None:
    for name, level in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)


_quiet_libraries()


def extract_main_text(page: bytes | str, url: str) -> str:
    """The main text of an article page as HTML ("" if none is found).

    Uses readability-lxml when it is installed (its output keeps the article's
    markup), trafilatura otherwise (paragraphs of plain text).
    """
    readability = _readability()
    if readability is None:
        return _with_trafilatura(page, url)
    try:
        summary = readability.Document(page, url=url).summary(html_partial=True)
    except Exception:  # readability raises bare Exception subclasses on unusable pages
        return _with_trafilatura(page, url)
    main = _without_consent_banners(str(summary))
    return main if _text_length(main) else ""


def _readability() -> Any:
    """The readability module, or None when readability-lxml is not installed."""
    try:
        return importlib.import_module("readability")  # optional, and without type hints
    except ImportError:
        return None


def _without_consent_banners(markup: str) -> str:
    """*markup* less its cookie and consent banners (by class, id or dialog label)."""
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError, AssertionError):  # lxml asserts one <body>
        return markup
    drop_consent_banners(root)
    inner = "".join(str(lxml.html.tostring(el, encoding="unicode")) for el in root)
    return html_lib.escape(root.text or "") + inner


def _with_trafilatura(page: bytes | str, url: str) -> str:
    import trafilatura

    text = trafilatura.extract(
        page,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_recall=True,  # blurb.story_paragraphs removes the chrome this lets through
        deduplicate=True,
    )
    if not text:
        return ""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)


def _text_length(markup: str) -> int:
    return len(html_lib.unescape(_TAG.sub("", markup)).strip())


def story_length(markup: str) -> int:
    """How much story, less page chrome, *markup* carries: what the blurb is made from."""
    return sum(len(p) for p in story_paragraphs(markup))
