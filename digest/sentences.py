"""Sentence splitting that works across the scripts feeds are written in.

Latin, Cyrillic, Greek: a sentence ends at ``. ! ? …`` (plus closing quotes)
followed by a space and a word that does not start in lower case, unless the
period closes a known abbreviation, an initial or a day-of-month ordinal.
Chinese and Japanese end at ``。！？`` with or without a following space.
Korean (``…다.`` / ``…요.``) and Kannada/Hindi (``.`` / ``।``) have no letter case,
so any following word starts a new sentence; Korean also ends at ``다.`` written
without a space before the next word.
"""

from __future__ import annotations

import re

# Lower-cased tokens that end with a period without ending the sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof st jr sr rev gen gov sen rep col lt sgt capt cmdr hon pres
    vs v inc ltd co corp bros no nos vol vols fig figs ed eds p pp ch sec art
    jan feb mar apr jun jul aug sep sept oct nov dec approx dept est ca cf al
    z.b bzw usw nr str hr fr dipl ing evtl ggf inkl vgl sog u.a d.h s.o mio mrd tsd ca
    sra srta dra av pág núm tel
    т.е т.к т.д т.п г гг ул им др проф
    """.split()
)
# Words before a German ordinal ("am 3. Oktober", "des 20. Jahrhunderts"): after them a
# number with a period is an ordinal; anywhere else ("Season 2. Then") it ends a sentence.
ORDINAL_BEFORE = frozenset(
    """
    am im an vom zum zur beim bis ab seit ins der die das den dem des ein eine einem einer
    dieser diesem diesen ihr ihre ihrem seinem seiner seine nach vor zwischen jeder jedem
    """.split()
)
MONTHS = re.compile(r"(?:jan|feb|mär|mar|apr|mai|jun|jul|aug|sep|okt|nov|dez)", re.IGNORECASE)
# Articles: a bare number cannot end a sentence after one, so "das 1300543. Interview" is an
# ordinal of any length; after a preposition ("seit 2019. Dann") only a day or a century is.
ARTICLES = frozenset("der die das den dem des ein eine einem einer eines".split())

# Words that open a sentence and never go on with a name after an initial ("J. The" is no
# name, "OS X. From …" ends a sentence).
SENTENCE_OPENERS = frozenset(
    """
    the a an it its this that these those there they we he she from in on at but and so if
    when as for what how why our my his her their then now also however
    der die das es wir er sie ich ein eine aber und wenn dann auch
    o os as um uma eu ele ela mas e se quando também
    le la les il elle ils je nous mais et si quand aussi
    el los las yo él ella pero y cuando también
    """.split()
)
_CJK_END = "。！？｡"
_END = re.compile(
    r"""(?:[.!?…]+|[。！？｡]+|[।॥]+)   # terminal punctuation
        [”"’'»)\]」』）]*               # closing quotes or brackets
        (?=\s|$|(?<=[。！？｡])|(?<=[。！？｡][”"’」』）])  # then space or end (CJK: anything)
          |(?<=[\uac00-\ud7a3][.!?])(?=[\uac00-\ud7a3])  # Korean: "갔다.그리고"
          # a missing space: "hat.Ja und", not a dotted name: "Linux.Encoder.1"
          |(?<=[a-zß-ÿ]{2}[.!?])(?=[A-ZÀ-Þ][a-zß-ÿ]+(?![\w.]))
          |(?<=[a-zß-ÿ][)\]”“"’»][.!?])(?=[A-ZÀ-Þ][a-zß-ÿ]))  # or a bracket: "X).Findet"
    """,
    re.VERBOSE,
)
# A word, for counting and matching: \w, and the vowel signs of Indic scripts.
WORD = re.compile(r"[\w\u0900-\u0dff]+")
# A quotation mark of any of the languages the feeds are written in.
QUOTE_MARK = re.compile(r'[„“”«»"]')
# Brackets that open nothing: a list's "1)", a smiley ":)", ";-(", "=)".
_NOT_BRACKETS = re.compile(r"^\s*(?:\d{1,2}|[a-z])\)|[:;=%]-?[()]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# A name that starts in lower case and has a capital inside: "iPhone", "eBay", "macOS".
CAMEL_NAME = re.compile(r"[a-z]{1,5}[A-Z]")
_SPACE = re.compile(r"\s+")
_ENDS_SENTENCE = re.compile(r"[.!?…。！？｡।॥][”\"’'»)\]」』）]*$")


def split_sentences(text: str) -> list[str]:
    """Split *text* into sentences, keeping each one's own punctuation."""
    text = _SPACE.sub(" ", text).strip()
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if not _is_boundary(text, start, match.start(), end):
            continue
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def clip(text: str, limit: int) -> str:
    """*text* cut to at most *limit* characters at a word boundary, with "…" if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:  # a word boundary not too far back; else cut the word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def ends_sentence(text: str) -> bool:
    """True when *text* ends with sentence-final punctuation."""
    return bool(_ENDS_SENTENCE.search(text.rstrip()))


def _is_boundary(text: str, start: int, punct_at: int, end: int) -> bool:
    following = text[end:].lstrip()
    if not following:
        return True
    punct = text[punct_at]
    if punct in _CJK_END or punct in "।॥" or (punct_at and _HANGUL.match(text[punct_at - 1])):
        return True
    first = following[0]
    if (first.islower() and not CAMEL_NAME.match(following)) or first in ",;:":
        return False  # (a name such as "iPhone" or "eBay" may open a sentence)
    if punct == "." and text[punct_at:end].rstrip("”\"’'»)]」』）") == ".":
        words = text[start:punct_at].split()
        word = words[-1].lstrip("(\"'“‘«[") if words else ""
        before = words[-2].casefold() if len(words) > 1 else ""
        if _is_abbreviation(word) or _is_ordinal(word, before, following):
            # "Mac OS X. From the design docs …": no name goes on with "From", so the
            # letter was no initial but the sentence's last word
            return _is_initial(word) and following.split()[0].casefold() in SENTENCE_OPENERS
    return True


def _is_initial(word: str) -> bool:
    return len(word) == 1 and word.isalpha() and word.isupper()


def _is_abbreviation(word: str) -> bool:
    if not word:
        return False
    if word.lower() in ABBREVIATIONS:
        return True
    if _is_initial(word):
        return True  # an initial: "J. K. Rowling"
    return bool(re.fullmatch(r"(?:[A-Za-zА-Яа-я]\.)+[A-Za-zА-Яа-я]", word))  # "U.S", "z.B"


def _is_ordinal(word: str, before: str, following: str) -> bool:
    """A German ordinal: "am 3. Oktober", "des 20. Jahrhunderts", "3. März", "das 1300543.
    Interview"."""
    if not word.isdigit():
        return False
    if before in ARTICLES:
        return True
    if len(word) > 2:
        return False
    return before in ORDINAL_BEFORE or bool(MONTHS.match(following))


def count_words(text: str) -> int:
    """How many words *text* holds."""
    return len(WORD.findall(text))


def balanced(text: str) -> bool:
    """False for a sentence that opens a bracket another one closes ("(The build is broken.",
    "… what I have.)"): alone, it is half an aside. A list's "1)" and a ":)" do not count."""
    text = _NOT_BRACKETS.sub("", text)
    return text.count("(") == text.count(")")
