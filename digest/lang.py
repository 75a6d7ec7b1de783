"""The digest's own words and dates in the reader's language (``digest.lang``).

The words digest writes itself ("In this issue", "View in browser", "Also covered by",
"… more not shown", the footer, "Nothing new today", the "More" section) come from
gettext catalogues in ``digest/locale/<language>.po``, read with Babel and compiled in
memory when first needed (no build step, no binary file in the repository). Dates are
Babel's, in the forms each language's newsletters use. Languages without a catalogue, and
English, keep the English words; ``tests/test_lang.py`` fails when a message of the
templates or the code has no translation in a catalogue.
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from digest.config import Config

LOCALE = Path(__file__).parent / "locale"
LANGUAGES = ("en", "de", "fr", "es", "pt", "ko", "zh")  # "en" is the messages themselves


def language(tag: str) -> str:
    """The catalogue for a BCP 47 tag: "de-AT" reads German, "pt-BR" Portuguese; a
    language without one reads English."""
    base = tag.replace("_", "-").split("-")[0].casefold()
    return base if base in LANGUAGES else "en"


@cache
def translations(tag: str) -> gettext.NullTranslations:
    """The catalogue of *tag*'s language (NullTranslations, the English words, for en)."""
    name = language(tag)
    if name == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with (LOCALE / f"{name}.po").open("rb") as source:
        catalog = read_po(source, locale=name)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def fallback_section(config: Config) -> str | None:
    """The section for stories that match no other: ``digest.fallback`` as written, or,
    when left at its default, "More" in the digest's language ("Weiteres", "기타")."""
    fallback = config.digest.fallback
    if fallback == "More" and "fallback" not in config.digest.model_fields_set:
        return translations(config.digest.lang).gettext("More")
    return fallback


def long_date(moment: datetime, tag: str) -> str:
    """The day a digest was made: "Thursday 26 November 2026", "Donnerstag, 26. November
    2026", "2026년 11월 26일 목요일"."""
    name = language(tag)
    if name == "en":
        return f"{moment:%A} {moment.day} {moment:%B %Y}"
    from babel.dates import format_date

    return str(format_date(moment.date(), format="full", locale=_locale(tag)))


def short_date(moment: datetime, zone: ZoneInfo, date_only: bool, tag: str) -> str:
    """A story's date: "Thu 19 Jan 2023, 17:00" ("Do., 19. Jan. 2023, 17:00"), in the
    digest's time zone; a day the feed gave without a time, without one."""
    local = moment if date_only else moment.astimezone(zone)
    name = language(tag)
    if name == "en":
        day = f"{local:%a} {local.day} {local:%b %Y}"
        return day if date_only else f"{day}, {local:%H:%M}"
    from babel.dates import format_skeleton

    day = str(format_skeleton("yMMMEd", local, locale=_locale(tag)))
    if date_only:
        return day
    return f"{day}, {format_skeleton('Hm', local, locale=_locale(tag))}"


def _locale(tag: str) -> str:
    """A Babel locale for *tag*: its own ("pt_BR", "zh_Hant") where Babel knows it, else
    its language's."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(tag.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return language(tag)
