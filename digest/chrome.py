"""Page chrome: the text around a story that is not the story.

Two kinds of evidence: markup (figure, aside, nav, class="share-bar", lists of
links) handled in ``blurb.py``, and the words themselves, handled here, for
feeds that deliver a captured page as flat paragraphs. Patterns describe the
*shape* of chrome (calls to action, credits, timestamps, section labels) in
the languages feeds are written in, not any one site.
"""

from __future__ import annotations

import re

from digest.sentences import ends_sentence

_X = re.IGNORECASE | re.VERBOSE | re.DOTALL

# A block that starts the page's trailing furniture: everything from it on is dropped.
TAIL_MARKERS = re.compile(
    r"""^(?:related(?:\s+(?:stories|articles|posts|content|coverage|reading|links|videos))?
        |recent(?:\s+(?:posts|stories|articles))|more\s+(?:stories|from|on|in|like\s+this)\b.*
        |(?:you\s+)?(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested).*
        |see\s+also|also\s+read|further\s+reading|read\s+(?:next|also)|what\s+to\s+read\s+next
        |most\s+(?:popular|read|viewed)|trending(?:\s+now)?|popular\s+(?:now|posts|stories)
        |latest\s+(?:news|stories|posts)|top\s+stories|recommended(?:\s+for\s+you)?
        |about\s+the\s+author|leave\s+a\s+(?:comment|reply)|share\s+this(?:\s+\w+)?
        |filed\s+under.*|mehr\s+zum\s+thema|weitere\s+artikel|lesen\s+sie\s+auch
        |leia\s+(?:também|mais)|veja\s+também|saiba\s+mais|notícias\s+relacionadas
        |читайте\s+также|похожие\s+(?:статьи|новости)|相关(?:文章|新闻|阅读)|관련\s*기사)
        [\s:：.…]*$""",
    _X,
)

# Chrome whatever its length.
CHROME_ANY = re.compile(
    r"""^(?:
        the\s+post\s+.{1,300}\s+appeared\s+first\s+on\s+.{1,120}
        |this\s+(?:article|story|post|entry)\s+(?:originally\s+)?(?:appeared|was\s+(?:first\s+)?
            (?:published|posted))\b.{0,200}
        |(?:continue|keep)\s+reading\b.{0,120}
        |(?:©|\(c\)\s*\d|copyright\b).{0,200}
        |.{0,200}\b(?:all\s+rights\s+reserved|alle\s+rechte\s+vorbehalten|
            todos\s+os\s+direitos\s+reservados)\.?
        |close\s+video\b.{0,300}
        |(?:photo|photograph|image|picture|illustration|graphic|credit|source|foto|bild|imagem|
            фото|图片|사진)s?\s*(?::|by\b|courtesy\b|via\b).{0,200}
        |(?:photos?|images?|pictures?)\s+(?:by|courtesy\s+of)\s+.{1,150}
        |\[\s*(?:…|\.\.\.)\s*\]|\((?:more|mehr)…?\)|\[more\]
    )$""",
    _X,
)

# Chrome only when short (a label, a button, a caption credit); long text is prose.
CHROME_SHORT = re.compile(
    r"""^(?:
        (?:watch|stream|buy|shop|listen|available|get\s+it|rent|download)\b
            .{0,60}\b(?:on|at|from|in|via)\s+.{2,40}
        |see\s+at\s+.{2,40}
        |(?:read|see|view|show|load)\s+(?:more|all|the\s+full\b).{0,60}
        |click\s+here\b.{0,80}
        |(?:sign\s+up|subscribe|follow\s+us|join\s+(?:us|our)|share|tweet|email\s+this|print)
            \b.{0,80}
        |\+\s?\d+\s+more|\d+\s+(?:photos?|images?|comments?|shares?|views?)
        |(?:about\s+)?(?:an?|\d+)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)
            \s+ago
        |(?:updated|published|posted|last\s+modified)\b[:\s].{0,60}
        |advertisement|anzeige|publicidade|sponsored(?:\s+content)?|werbung|реклама|广告
        |(?:weiterlesen|mehr\s+lesen|leia\s+mais|ler\s+mais|continuar\s+lendo|читать\s+далее|
            подробнее|阅读全文|더\s*보기|전체\s*보기).{0,40}
        |comments?|permalink|\d+\s+comments?|more\s*(?:»|›|→)|»|share|(?:tags?|categor(?:y|ies)|filed\s+(?:in|under)|labels?|topics?|themen|schlagwörter):.*
    )$""",
    _X,
)

# Credits: short, unpunctuated lines naming an agency or a screen grab.
CREDIT = re.compile(
    r"""^(?:.{0,80}\b(?:getty\s+images|shutterstock|associated\s+press|afp|reuters|ap|dpa|
            picture\s+alliance|imago|alamy|epa|wireimage|ap\s+photo)\b.{0,40}
        |.{0,60}\b(?:screenshot|screengrab|screen\s+grab|film\s+still|courtesy\s+of)\b.{0,60}
    )$""",
    _X,
)

_BYLINE = re.compile(
    r"^(?:By|BY|Von|VON|Por|POR|Par|Di|Автор|Text|Texto)[:\s]+"
    r"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*){0,3}"
    r"(?:\s*(?:,|and|und|e|et|и|&)\s*[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁ][\w.'’-]*){0,3})*"
    r"(?:\s*[,|·•—–-]\s*.{0,60})?$"
)

# Fragments glued to the end of an otherwise good paragraph.
TRAILING_JUNK = re.compile(
    r"""\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\((?:more|mehr)…?\)|\[more\]
        |(?:continue\s+reading|read\s+more|read\s+the\s+full\s+(?:story|article)|weiterlesen
          |leia\s+mais|читать\s+далее)\b[^.!?]{0,80}
        |the\s+post\s+.{1,300}?\s+appeared\s+first\s+on\s+.{1,120}
        |(?:»|›|→)\s*)$""",
    _X,
)

# Class words that mark page furniture in HTML.
CHROME_CLASS = re.compile(
    r"(?:^|[-_\s])(?:share|sharing|social|related|recirc|newsletter|subscribe|signup|byline|"
    r"credits?|caption|promo|advert|ads?|sponsor(?:ed)?|sidebar|comments?|breadcrumbs?|"
    r"tags|author|bio|footer|nav|menu|toolbar|widget|outbrain|taboola|more-stories|"
    r"read-more|wp-caption-text|photo-credit|disclaimer)(?:$|[-_\s])",
    re.IGNORECASE,
)

SHORT_WORDS = 14


def is_chrome(text: str) -> bool:
    """True when a whole block or sentence is page furniture, not story."""
    stripped = text.strip()
    if not stripped:
        return False
    if CHROME_ANY.match(stripped):
        return True
    if len(stripped.split()) > SHORT_WORDS:
        return False
    if CHROME_SHORT.match(stripped) or _BYLINE.match(stripped):
        return True
    return not ends_sentence(stripped) and bool(CREDIT.match(stripped))


def is_tail_marker(text: str) -> bool:
    """True for a heading that starts the trailing furniture ("Related stories")."""
    return bool(TAIL_MARKERS.match(text.strip()))


def strip_trailing_junk(text: str) -> str:
    """Remove "[…]", "Continue reading →", "The post … appeared first on …" from the end."""
    previous = None
    while previous != text:
        previous = text
        text = TRAILING_JUNK.sub("", text).rstrip()
    return text
