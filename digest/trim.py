"""What an editor cuts inside a sentence to make room for one more fact.

Each function takes a sentence's text and gives it shorter, or gives the shorter versions
it can take: without an aside in brackets, the day of the news, a trailing attribution, a
word that only strengthens the next one, a phrase that opens a conclusion, a last side
clause. Nothing inside a quotation goes, nor anything that holds a negation. ``blurb.py``
chooses which of them a blurb needs; this module never looks beyond one sentence.
"""

from __future__ import annotations

import re

from digest.sentences import QUOTE_MARK, balanced
from digest.storytext import STOPWORDS

TRIMMED_WORDS = 12  # a sentence ended before a clause keeps at least this many words

# A trailing attribution: who said or reported what the sentence states ("…, the company
# said.", "…, according to Reuters.", "…, informou a mídia russa.", "…, sagte Müller."). An
# editor drops it from a statement of fact to make room; never from a quotation.
_ATTRIBUTION = re.compile(
    r""",\s+(?:
        (?:according\s+to|as\s+reported\s+by|segundo|conforme|de\s+acordo\s+com|laut|selon
          |d[’']après|según|de\s+acuerdo\s+con|по\s+(?:данным|словам|сообщению))\s
        |(?:informou|informaram|disse|disseram|afirmou|relatou|noticiou|divulgou|sagte|sagten
          |berichtete|berichtet|erklärte|teilte|a\s+déclaré|a\s+indiqué|a\s+annoncé|rapporte
          |dijo|informó|afirmó|declaró|сообщил[аио]?|сообщает|заявил[аи]?|сказал[аи]?
          |reports|reported|says|said|writes|wrote|notes|noted)\s
        |(?:the|an?|its|his|her|their|o|a|os|as|der|die|das|le|la|les|el|los)\s
          (?:[\w’'.-]+\s){0,5}?(?:said|says|reported|reports|added|announced|told\s+\w+)
          (?=(?:\s+(?:on|in|last)\s+[\w\s]{1,30})?[.!]$)
    )[^,;:()"“”„«»]{0,90}[.!]$""",
    re.IGNORECASE | re.VERBOSE,
)
# The day a news story happened, which the digest's own date makes plain: "on Monday",
# "nesta segunda-feira (24)", "am Dienstagabend", "lundi soir", "el martes", "в среду".
_WEEKDAY = re.compile(
    r"""\s(?:
        (?:late\s+|early\s+)?on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)
          (?:\s+(?:morning|afternoon|evening|night))?
        |(?:n[ao]\s+(?:noite|manhã|tarde)\s+)?(?:desta|nesta|neste|deste|n[ao])\s
          (?:(?:segunda|terça|quarta|quinta|sexta)(?:-feira)?|sábado|domingo)
          (?:\s\(\d{1,2}\))?
        |am\s+(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)
          (?:morgen|vormittag|nachmittag|abend)?
        |(?:ce\s+)?(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)
          (?:\s+(?:matin|soir))?(?:\s+\d{1,2})?
        |(?:este|el)\s+(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo)(?:\s+\d{1,2})?
        |в\s+(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)
    )(?=[\s,])""",
    re.IGNORECASE | re.VERBOSE,
)
# A participle the day of the news completes: "a study published on Monday found …",
# "pesquisa divulgada nesta segunda-feira (24)": without the day it dangles.
_DATED = re.compile(
    r"""\b(?:published|released|announced|held|issued|unveiled|presented|posted|filed
        |divulgad[ao]s?|publicad[ao]s?|realizad[ao]s?|anunciad[ao]s?|apresentad[ao]s?
        |veröffentlicht\w*|vorgestellt\w*|publié\w*|annoncé\w*|опубликован\w*)$""",
    re.IGNORECASE | re.VERBOSE,
)
# An aside in brackets inside a sentence: " (24)", " (which it bought in 2019)"; not a
# name that says who ("halb verschlafen (Fynn) und ganz verschlafen (Walerija)").
_BRACKETED = re.compile(
    r"\s\((?!(?:[A-ZÀ-ÞА-ЯЁ][\w’'.-]*[a-zß-ÿа-яё][\w’'.-]*\s?){1,3}\))[^()]{1,80}\)"
    r"(?=[\s,;:.!?])"
)
# A word that turns what it stands in around: an aside that holds one is no aside.
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nor|\w+n[’']t|nicht|kein\w*|nie|niemals|não|nunca|nem|ne|pas"
    r"|jamais|ni|не|нет|ни)\b",
    re.IGNORECASE,
)
# A word that only strengthens the next one: "a really great book", "sehr gut", "très
# bon", "очень хороший". An editor drops it to make room (not "very much", not after a
# negation, where "not very good" would turn into "not good"); "a"/"an" before it agree
# with the word after it.
_INTENSIFIER = re.compile(
    r"""(?P<article>\b(?i:an?)\s+)?\b(?P<word>(?i:really|very|truly|extremely|incredibly
        |excessively|absolutely|totally|highly|sehr|wirklich|äußerst|extrem|realmente|très
        |vraiment|extrêmement|muy|очень|действительно))\s+
        (?=(?P<next>[^\W\d_]))(?!(?i:much|many)\b)""",
    re.VERBOSE,
)
# A phrase that opens a conclusion, before its comma: "All in all, it's a great book …",
# "Overall, the film …", "En somme, …", "В итоге, …". The sentence stands without it.
_CONCLUDING_OPENER = re.compile(
    r"""^(?:all\s+in\s+all|overall|in\s+the\s+end|ultimately|in\s+short|in\s+sum|all\s+told
        |to\s+sum\s+(?:it\s+)?up|in\s+conclusion|on\s+balance|alles\s+in\s+allem|insgesamt
        |unterm\s+strich|em\s+suma|enfim|no\s+geral|em\s+resumo|en\s+somme|au\s+final
        |finalement|en\s+résumé|en\s+resumen|en\s+definitiva|al\s+final|в\s+итоге|в\s+целом
        |в\s+общем),\s+(?=[^\W\d_])""",
    re.IGNORECASE | re.VERBOSE,
)
# A last clause that adds a side remark: ", and you can also catch me …", ", and we …".
# Its own subject follows the "and", so it is no item of a list ("A, B, and C").
SIDE_CLAUSE = re.compile(
    r""",\s(?:and|und|e|et|y|и)\s(?:(?:also|auch|também|aussi|también)\s)?
        (?:I|you|we|he|she|it|they|there|ich|du|wir|er|sie|es|eu|você|nós|ele|ela|eles|elas
          |je|tu|nous|vous|il|elle|ils|elles|on|yo|él|ella|nosotros|ellos|я|мы|вы|он|она|они)
        (?:\s|[’'](?:s|re|m|ve|ll|d)\s)""",
    re.IGNORECASE | re.VERBOSE,
)


def spared(text: str) -> list[str]:
    """*text* and the shorter versions an editor makes room with (``trims``), also
    without the words that only strengthen the next one and without a concluding opener:
    "It's a great book." for "All in all, it's a really great book."; longest first."""
    found = set(trims(text))
    for trim in (_without_intensifiers, _without_concluding_opener):
        found |= {trim(t) for t in found}
    return sorted(found, key=len, reverse=True)


def trims(text: str) -> list[str]:
    """*text* and the shorter versions of it an editor makes room with, longest first:
    without its asides in brackets, the day of the news or a trailing attribution, in any
    combination. "Navalny foi condenado nesta segunda-feira (24) a mais 20 dias de prisão,
    informou a mídia russa." gives four, the shortest "Navalny foi condenado a mais 20
    dias de prisão."."""
    found = {text}
    for trim in (_without_brackets, _without_weekday, _without_attribution):
        found |= {trim(t) for t in found}
    return sorted(found, key=len, reverse=True)


def _without_intensifiers(text: str) -> str:
    """*text* without the words that only strengthen the next one: "All in all, it's a
    great book" for "All in all, it's a really great book", "a pleasant one" for "an
    excessively pleasant one"; not in a quotation, not after a negation ("not very good"),
    and not where "a"/"an" cannot tell how the next word sounds ("an utterly", "a hugely")."""

    def spare(match: re.Match[str]) -> str:
        before = text[: match.start()].split()[-1:]
        if _quoted(text, match.start()) or (before and _NEGATION.fullmatch(before[0])):
            return match.group()
        article = match.group("article")
        if not article:
            return ""
        first = match.group("next").casefold()
        if first in "uh":
            return match.group()
        wanted = "an" if first in "aeio" else "a"
        return (wanted.capitalize() if article[0].isupper() else wanted) + article[-1]

    return _INTENSIFIER.sub(spare, text)


def _without_concluding_opener(text: str) -> str:
    """*text* without a phrase that opens a conclusion: "It's a great book." for "All in
    all, it's a great book."."""
    match = _CONCLUDING_OPENER.match(text)
    if not match:
        return text
    rest = text[match.end() :]
    return rest[0].upper() + rest[1:]


def _without_brackets(text: str) -> str:
    """*text* without its asides in brackets that hold no negation: "… a mais 20 dias"
    for "… nesta segunda-feira (24) a mais 20 dias"."""

    def spare(match: re.Match[str]) -> str:
        kept = _NEGATION.search(match.group()) or _quoted(text, match.start())
        return match.group() if kept else ""

    return _BRACKETED.sub(spare, text)


def _without_weekday(text: str) -> str:
    """*text* without the day of the news: "Navalny foi condenado a mais 20 dias" for
    "Navalny foi condenado na noite desta segunda-feira (24) a mais 20 dias"; not where a
    participle needs it ("a study published on Monday found")."""

    def spare(match: re.Match[str]) -> str:
        kept = _quoted(text, match.start()) or _DATED.search(text[: match.start()])
        return match.group() if kept else ""

    return _WEEKDAY.sub(spare, text)


def _quoted(text: str, index: int) -> bool:
    """True when *index* of *text* is inside a quotation: what someone said stays whole."""
    return len(QUOTE_MARK.findall(text, 0, index)) % 2 == 1


def _without_attribution(text: str) -> str:
    """*text* without a trailing attribution of a statement that is not a quotation:
    "… contra o governo de Vladimir Putin." for "…, informou a mídia russa."."""
    match = _ATTRIBUTION.search(text)
    if not match or QUOTE_MARK.search(text) or _NEGATION.search(match.group()):
        return text
    return text[: match.start()] + match.group()[-1]


def side_clause_cut(text: str) -> str | None:
    """*text* ended before its last clause when that clause adds a side remark with a
    subject of its own: "I'm touring with Jane Lynch in her act, SEE JANE SING, and you
    can also catch me with The Lampshades." ends at "SING.". None when there is none, or
    when it holds a negation, or too little or half a quotation would be left."""
    matches = list(SIDE_CLAUSE.finditer(text))
    if not matches or _NEGATION.search(text[matches[-1].start() :]):
        return None
    head = text[: matches[-1].start()].rstrip()
    words = head.split()
    if len(words) < TRIMMED_WORDS or words[-1].casefold() in STOPWORDS:
        return None
    return head + "." if closes(head) else None


def closes(head: str) -> bool:
    """True when *head*, a sentence ended early, leaves no bracket and no quotation open:
    it may take a full stop."""
    return balanced(head) and len(QUOTE_MARK.findall(head)) % 2 == 0
