"""Sentence splitting that works across the scripts feeds are written in.

Latin, Cyrillic, Greek: a sentence ends at ``. ! ? …`` (plus closing quotes)
followed by a space and a word that does not start in lower case, unless the
period closes a known abbreviation, an initial or a day-of-month ordinal.
Chinese and Japanese end at ``。！？`` with or without a following space.
Korean (``…다.`` / ``…요.``) and Kannada/Hindi (``.`` / ``।``) have no letter case,
so any following word starts a new sentence.
"""

from __future__ import annotations

import re

# Lower-cased tokens that end with a period without ending the sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof st jr sr rev gen gov sen rep col lt sgt capt cmdr hon pres
    vs v inc ltd co corp bros no nos vol vols fig figs ed eds p pp ch sec art
    jan feb mar apr jun jul aug sep sept oct nov dec approx dept est ca cf al
    z.b bzw usw nr str hr fr dipl ing evtl ggf inkl vgl sog u.a d.h s.o
    sra srta dra av pág núm tel
    т.е т.к т.д т.п г гг ул им др проф
    """.split()
)

_CJK_END = "。！？｡"
_END = re.compile(
    r"""(?:[.!?…]+|[。！？｡]+|[।॥]+)   # terminal punctuation
        [”"’'»)\]」』）]*               # closing quotes or brackets
        (?=\s|$|(?<=[。！？｡]))        # then space or end (CJK: anything)
    """,
    re.VERBOSE,
)
_SPACE = re.compile(r"\s+")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
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


def ends_sentence(text: str) -> bool:
    """True when *text* ends with sentence-final punctuation."""
    return bool(_ENDS_SENTENCE.search(text.rstrip()))


def _is_boundary(text: str, start: int, punct_at: int, end: int) -> bool:
    following = text[end:].lstrip()
    if not following:
        return True
    punct = text[punct_at]
    if punct in _CJK_END or punct in "।॥":
        return True
    first = following[0]
    if first.islower() or first in ",;:":
        return False
    if punct == "." and text[punct_at:end].rstrip("”\"’'»)]」』）") == ".":
        token = _TOKEN_BEFORE.search(text[start:punct_at])
        word = token.group(1).lstrip("(\"'“‘«[") if token else ""
        if _is_abbreviation(word):
            return False
    return True


def _is_abbreviation(word: str) -> bool:
    if not word:
        return False
    if word.lower() in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "J. K. Rowling"
    if re.fullmatch(r"(?:[A-Za-zА-Яа-я]\.)+[A-Za-zА-Яа-я]", word):
        return True  # "U.S", "e.g", "z.B"
    return bool(re.fullmatch(r"\d{1,2}", word))  # German ordinal: "am 3. Oktober"
