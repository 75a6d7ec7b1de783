"""Page chrome: the text around a story that is not the story.

Two kinds of evidence. Markup: figure, aside, nav, footer, elements whose class
says share/related/caption, lists of links (``drop_furniture``). And the words
themselves, for feeds that deliver a captured page as flat paragraphs
(``is_chrome``, ``is_tail_marker``, ``strip_trailing_junk``).

Patterns describe the *shape* of chrome (calls to action, credits, timestamps,
section labels) in the languages feeds are written in, not any one site. Most
of them only apply to short text that does not read as a sentence: "Share" is
a button, "Share prices fell 3% on Monday." is news.
"""

from __future__ import annotations

import re

import lxml.html

from digest.sentences import ends_sentence

_X = re.IGNORECASE | re.VERBOSE | re.DOTALL

# Markup that is never story text.
FURNITURE_TAGS = frozenset(
    {
        "figure",
        "figcaption",
        "aside",
        "nav",
        "footer",
        "header",
        "table",
        "pre",
        "form",
        "blockquote",
        "details",
        "caption",
        "sup",
        "del",
        "s",
    }
)

# Class words that mark page furniture in HTML.
CHROME_CLASS = re.compile(
    r"(?:^|[-_\s])(?:share|sharing|social|related|recirc|newsletter|subscribe|signup|byline|"
    r"credits?|caption|promo|advert|ads?|sponsor(?:ed)?|sidebar|comments?|breadcrumbs?|"
    r"tags|author|bio|footer|nav|menu|toolbar|widget|outbrain|taboola|more-stories|"
    r"read-more|wp-caption-text|photo-credit|disclaimer)(?:$|[-_\s])",
    re.IGNORECASE,
)

# A block that starts the page's trailing furniture: everything from it on is dropped.
TAIL_MARKERS = re.compile(
    r"""^(?:related(?:\s+(?:stories|articles|posts|content|coverage|reading|links|videos))?
        |recent(?:\s+(?:posts|stories|articles))|more\s+(?:stories|from|on|in|like\s+this)\b.*
        |(?:you\s+)?(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested).*
        |see\s+also|also\s+read|further\s+reading|read\s+(?:next|also)|what\s+to\s+read\s+next
        |most\s+(?:popular|read|viewed)|trending(?:\s+now)?|popular\s+(?:now|posts|stories)
        |latest\s+(?:news|stories|posts)|top\s+stories|recommended(?:\s+for\s+you)?
        |about\s+the\s+author|leave\s+a\s+(?:comment|reply)|share\s+this(?:\s+\w+)?
        |filed\s+under.*|show\s?notes|kapitelmarken|chapters|mehr\s+zum\s+thema|weitere\s+artikel|lesen\s+sie\s+auch
        |leia\s+(?:também|mais)|veja\s+também|saiba\s+mais|notícias\s+relacionadas
        |читайте\s+также|похожие\s+(?:статьи|новости)|相关(?:文章|新闻|阅读)|관련\s*기사)
        [\s:：.…]*$""",
    _X,
)
TAIL_WORDS = 8  # a tail marker is a heading, not a sentence that happens to start alike

# Chrome whatever its length: syndication footers, copyright lines, credits with a colon.
CHROME_ANY = re.compile(
    r"""^(?:
        the\s+post\s+.{1,300}\s+appeared\s+first\s+on\s+.{1,120}
        |.{1,300}\s+was\s+originally\s+published\s+(?:in|on|at|by)\s+.{1,200}
        |this\s+(?:article|story|post|entry)\s+(?:originally\s+)?(?:appeared|was\s+(?:first\s+)?
            (?:published|posted))\b.{0,200}
        |(?:©|ⓒ|\(c\)\s*\d|copyright\s*(?:©|\(c\)|\d{4}|by\b)).{0,200}
        |.{0,200}(?:\ball\s+rights\s+reserved|\balle\s+rechte\s+vorbehalten|
            \btodos\s+os\s+direitos\s+reservados|\bвсе\s+права\s+защищены|版权所有|
            未经.{0,6}许可.{0,10}转载|未经授权.{0,10}转载|무단\s*전재)\.?.{0,40}
        |版权声明[:：].{0,200}
        |close\s+video\b.{0,300}
        |(?:photo|photograph|image|picture|illustration|graphic|credit|foto|bild|imagem|
            фото|图片|사진)s?\s*:.{0,200}
        |(?:previously\s+|only\s+)*available\s+(?:only\s+)?(?:to|for)\s+(?:\w+\s+){0,3}
            (?:members|subscribers)\b.{0,200}
        |\[\s*(?:…|\.\.\.)\s*\]|\((?:more|mehr)…?\)|\[more\]
    )$""",
    _X,
)

# A platform or shop at the end of a call to action: "on Netflix", "at Best Buy".
_VENUE = r"(?:on|at|from|via)\s+[A-Z0-9][\w&.+'’-]*(?:\s+[A-Z0-9+][\w&.+'’-]*){0,3}\s*[.!]?"

# Calls to action and labels, chrome only when short (``SHORT_WORDS``).
CHROME_SHORT = re.compile(
    rf"""^(?:
        (?:watch|stream|listen|rent|buy|shop|order|download|get\s+it|available)\b.{{0,60}}?
            \b(?-i:{_VENUE})
        |see\s+(?:it\s+)?at\s+.{{2,40}}|\$?\d[\d.,]*\s+at\s+(?-i:[A-Z]).{{1,40}}
        |(?:continue|keep)\s+reading\b.{{0,120}}
        |click\s+here\b.{{0,80}}
        |(?:enjoy(?:ing|ed)?|lik(?:e|ed|ing)|lov(?:e|ed|ing))\s+this\s+(?:article|story|post)\?
        |(?:sign\s+up|subscribe|follow\s+us|join\s+(?:us|our))\b.{{0,80}}
        |(?:share|tweet|email|print)(?:\s+(?:this|it|on|via|to|with)\b.{{0,60}})?[.!]?
        |(?:about\s+)?(?:an?|\d+)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)
            \s+ago
        |(?:last\s+)?(?:updated|published|posted|modified)(?:\s+(?:on|at|by))?\s*:?\s*
            (?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)
            [a-z]*\b|by\s+(?-i:[A-Z])|\w+\s+ago).{{0,60}}
        |advertisement|anzeige|publicidade|sponsored(?:\s+content)?|werbung|реклама|广告
        |(?:weiterlesen|mehr\s+lesen|leia\s+mais|ler\s+mais|continuar\s+lendo|читать\s+далее|
            подробнее|阅读全文|더\s*보기|전체\s*보기).{{0,40}}
        |comments?|permalink|\d+\s+comments?|more\s*(?:»|›|→)|»
        |(?:tags?|categor(?:y|ies)|filed\s+(?:in|under)|labels?|topics?|themen|schlagwörter)
            \s*:.*
    )$""",
    _X,
)
SHORT_WORDS = 14

# Labels that are chrome only when they do not read as a sentence (no final punctuation).
CHROME_LABEL = re.compile(
    r"""^(?:
        (?:read|see|view|show|load)\s+(?:more|all|the\s+full\b).{0,60}
        |related\s*:.*
        |\+\s?\d+\s+more|\d+\s+(?:photos?|images?|comments?|shares?|views?)
        |(?:photos?|images?|pictures?|illustrations?)\s+(?:by|courtesy\s+of|via)\s+.{1,150}
        |(?:source|quelle|fonte|источник)\s*:.{0,150}
        |(?:https?://|www\.)\S+
        |(?:lesen\s+sie\s+(?:auch|mehr)|read\s+(?:also|more|next)|see\s+also|also\s+read
            |leia\s+(?:também|mais)|veja\s+também|читайте\s+также|相关阅读|관련\s*기사)\s*:.*
        |.{0,150}\b(?:(?:\d+|an?|one)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago
            |há\s+\d+\s+(?:minutos?|horas?|dias?)|vor\s+\d+\s+(?:minuten|stunden|tagen)
            |\d+\s+(?:минут[ауы]?|час(?:а|ов)?|дн(?:я|ей))\s+назад)
        |.{0,80}\b(?:getty\s+images|shutterstock|associated\s+press|afp|reuters|dpa|
            picture\s+alliance|imago|alamy|epa|wireimage|ap\s+photo)\b.{0,40}
        |.{0,80}(?:/|\()\s*(?-i:AP)\)?
        |.{0,60}\b(?:screenshot|screengrab|screen\s+grab|film\s+still|courtesy\s+of)\b.{0,60}
    )$""",
    _X,
)

_NAME = r"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*){0,3}"
_BYLINE = re.compile(
    rf"^(?:[Bb]y|BY|[Vv]on|VON|Por|POR|Par|Di|Автор|Text|Texto|Fotos?)[:\s]+{_NAME}"
    rf"(?:\s*(?:,|and|und|e|et|и|&)\s*{_NAME})*(?:\s*[,|·•—–-]\s*.{{0,60}})?$"
)

# Fragments glued to the end of an otherwise good paragraph, and words that any of them has.
_JUNK_HINTS = (
    "…",
    "...",
    "more",
    "mehr",
    "read",
    "weiter",
    "leia",
    "читать",
    "appeared",
    "originally",
    "»",
    "›",
    "→",
)
TRAILING_JUNK = re.compile(
    r"""\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\((?:more|mehr)…?\)|\[more\]
        |(?:continue\s+reading|read\s+more|read\s+the\s+full\s+(?:story|article)|weiterlesen
          |leia\s+mais|читать\s+далее)\b[^.!?]{0,80}
        |the\s+post\s+.{1,300}?\s+appeared\s+first\s+on\s+.{1,120}
        |(?<=[.!?])\s+[^.!?]{1,300}?\s+was\s+originally\s+published\s+(?:in|on)\s+.{1,200}
        |(?:»|›|→)\s*)$""",
    _X,
)


def is_chrome(text: str) -> bool:
    """True when a whole block or sentence is page furniture, not story."""
    stripped = text.strip()
    if not stripped:
        return False
    if CHROME_ANY.match(stripped):
        return True
    if len(stripped.split()) > SHORT_WORDS:
        return False
    if CHROME_SHORT.match(stripped):
        return True
    if ends_sentence(stripped) and not stripped.endswith(("…", "...")):
        return False  # a short sentence, not a label: "By Christmas, it had earned $5m."
    return bool(CHROME_LABEL.match(stripped) or _BYLINE.match(stripped))


def is_tail_marker(text: str) -> bool:
    """True for a heading that starts the trailing furniture ("Related stories")."""
    stripped = text.strip()
    if len(stripped.split()) > TAIL_WORDS or (ends_sentence(stripped) and stripped[-1] != "…"):
        return False
    return bool(TAIL_MARKERS.match(stripped))


def strip_trailing_junk(text: str) -> str:
    """Remove "[…]", "Continue reading →", "The post … appeared first on …" from the end."""
    tail = text[-440:].casefold()
    if not any(hint in tail for hint in _JUNK_HINTS):
        return text  # most paragraphs: skip the regular expression
    previous = None
    while previous != text:
        previous = text
        text = TRAILING_JUNK.sub("", text).rstrip()
    return text


def drop_furniture(root: lxml.html.HtmlElement) -> None:
    """Remove from *root*, in place, every element that is page furniture by its markup."""
    doomed = [el for el in root.iter() if _is_furniture(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _is_furniture(el: lxml.html.HtmlElement) -> bool:
    if not isinstance(el.tag, str):
        return True  # comments and processing instructions
    if el.tag in FURNITURE_TAGS or CHROME_CLASS.search(el.get("class", "")):
        return True
    return el.tag in ("ul", "ol") and link_share(el) > 0.5


def link_share(el: lxml.html.HtmlElement) -> float:
    """The share of *el*'s text that is link text (1.0 for an element without text)."""
    total = len(el.text_content().strip())
    if not total:
        return 1.0
    return sum(len(a.text_content().strip()) for a in el.iter("a")) / total
