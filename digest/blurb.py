"""Blurbs: the two or three sentences an editor would pick from a story.

1. ``story_paragraphs``: HTML to paragraphs of story text. Markup that is never
   story (figure, aside, nav, footer, tables, code, link lists, elements with
   share/related/caption classes) goes first; then text-level chrome (credits,
   calls to action, timestamps, bylines); a "Related stories"-style heading
   ends the story.
2. ``rank_sentences``: TextRank-style centrality (word overlap between
   sentences) with a prior that favours the opening and sentences sharing words
   with the title.
3. ``compose``: the best sentences that fit in ``limit`` characters, at most
   three, in the article's order; only a first sentence that alone exceeds the
   limit is shortened, at a word boundary, with an ellipsis.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html
from rapidfuzz import fuzz

from digest.chrome import (
    CHROME_CLASS,
    is_chrome,
    is_tail_marker,
    strip_trailing_junk,
)
from digest.sentences import ends_sentence, split_sentences

MAX_SENTENCES = 3
INTRO_SENTENCES = 12  # blurb sentences come from the opening of the story
CAPTION_WORDS = 12
MIN_SHARE = 0.25  # a sentence far weaker than the best one is left out

_DROP_TAGS = frozenset(
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
        "time",
        "sup",
        "sub",
        "del",
        "s",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dd",
        "dt",
        "section",
        "article",
        "main",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "summary",
    }
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt"})
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_CJK_END = re.compile(r"[。！？｡」』）]$")
STOPWORDS = frozenset(
    """a an and are as at be been but by for from has have he her his in is it its of on or
    she that the their them they this to was were which who will with would not no into than
    then there these those what when where while also about after before over under more most
    der die das und ist ein eine nicht mit von den dem des zu im auf für sich auch als
    de da do dos das em um uma que para com por os as na no ao se
    и в не на что с по как это он она они к из у за от""".split()
)


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence and where it stood."""

    text: str
    position: int
    paragraph: int
    alone: bool  # the only sentence of its paragraph


def extract_blurb(markup: str, title: str = "", limit: int = 300) -> str:
    """The blurb for one item's HTML: whole sentences of the story, at most *limit* chars.

    Returns "" when the item carries no story text.
    """
    paragraphs = story_paragraphs(markup)
    return summarize(paragraphs, title, limit)


def summarize(paragraphs: list[str], title: str, limit: int) -> str:
    """Pick and join the best sentences of *paragraphs* within *limit* characters."""
    candidates = candidate_sentences(paragraphs, title)
    if not candidates:
        return ""
    scores = rank_sentences(candidates, title)
    return compose(candidates, scores, limit)


def story_paragraphs(markup: str) -> list[str]:
    """The story's paragraphs, in order, with page chrome removed."""
    if not markup or not markup.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    _drop_furniture(root)
    paragraphs: list[str] = []
    for text, heading in _blocks(root):
        text = strip_trailing_junk(_SPACE.sub(" ", text).strip())
        if not text:
            continue
        if is_tail_marker(text):
            if paragraphs:
                break
            continue
        if heading or is_chrome(text):
            continue
        paragraphs.append(text)
    return paragraphs


def _drop_furniture(root: lxml.html.HtmlElement) -> None:
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)
            continue
        classes = el.get("class", "")
        furniture = el.tag in _DROP_TAGS or bool(classes and CHROME_CLASS.search(classes))
        if furniture or (el.tag in ("ul", "ol") and _mostly_links(el)):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _mostly_links(el: lxml.html.HtmlElement) -> bool:
    total = len(el.text_content().strip())
    linked = sum(len(a.text_content().strip()) for a in el.iter("a"))
    return total == 0 or linked / total > 0.5


def _blocks(root: lxml.html.HtmlElement) -> list[tuple[str, bool]]:
    blocks: list[tuple[str, bool]] = []
    buffer: list[str] = []

    def flush(heading: bool = False) -> None:
        text = "".join(buffer).strip()
        buffer.clear()
        if text:
            blocks.append((text, heading))

    def walk(el: lxml.html.HtmlElement) -> None:
        block = el.tag in _BLOCK_TAGS
        if block:
            flush()
        if el.text:
            buffer.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            flush(heading=el.tag in _HEADINGS)

    walk(root)
    flush()
    return blocks


def candidate_sentences(paragraphs: list[str], title: str) -> list[Sentence]:
    """Sentences that could stand in a blurb: no chrome, no title, no fragments."""
    split = [
        [s for s in (strip_trailing_junk(x) for x in split_sentences(p)) if s] for p in paragraphs
    ]
    prose = any(len(ss) >= 2 or len(_WORD.findall(p)) >= 25 for ss, p in zip(split, paragraphs))
    found: list[Sentence] = []
    for index, sentences in enumerate(split):
        alone = len(sentences) == 1
        for number, text in enumerate(sentences):
            last = number == len(sentences) - 1
            if is_chrome(text) or _repeats_title(text, title):
                continue
            if last and not ends_sentence(text) and (prose or text.endswith(("…", "..."))):
                continue  # a truncated sentence or an unpunctuated label
            if prose and alone and len(_WORD.findall(text)) < CAPTION_WORDS:
                continue  # a caption or a call to action between real paragraphs
            found.append(Sentence(text, len(found), index, alone))
    return found


def _repeats_title(text: str, title: str) -> bool:
    if not title:
        return False
    a, b = _normal(text), _normal(title)
    if not a or not b:
        return False
    return a == b or fuzz.ratio(a, b) >= 90 or (a.startswith(b) and len(a) - len(b) < 12)


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _terms(text: str) -> set[str]:
    words = {w for w in _WORD.findall(text.casefold()) if w not in STOPWORDS and len(w) > 1}
    cjk = _CJK.findall(text)
    if cjk:
        words.update(a + b for a, b in zip(cjk, cjk[1:]))
    return words


def rank_sentences(sentences: list[Sentence], title: str) -> list[float]:
    """Centrality of each sentence (PageRank over word overlap) with a lead/title prior."""
    terms = [_terms(s.text) for s in sentences]
    title_terms = _terms(title)
    n = len(sentences)
    paragraphs = sorted({s.paragraph for s in sentences})
    order = {p: rank for rank, p in enumerate(paragraphs)}
    prior = []
    for s, t in zip(sentences, terms):
        overlap = len(t & title_terms) / (1 + len(title_terms)) if title_terms else 0.0
        lead = 1 / math.sqrt(1 + s.position) / (1 + order[s.paragraph])
        prior.append(lead + overlap)
    total = sum(prior) or 1.0
    prior = [p / total for p in prior]
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            shared = len(terms[i] & terms[j])
            if shared:
                w = shared / (math.log(len(terms[i]) + 2) + math.log(len(terms[j]) + 2))
                weights[i][j] = weights[j][i] = w
    out = [sum(row) or 1.0 for row in weights]
    score = prior[:]
    for _ in range(30):
        score = [
            0.15 * prior[i]
            + 0.85 * sum(weights[j][i] / out[j] * score[j] for j in range(n) if weights[j][i])
            for i in range(n)
        ]
        # sentences with no neighbour keep their prior share
        score = [
            s if any(weights[i]) else 0.15 * prior[i] + 0.85 * prior[i] / n
            for i, s in enumerate(score)
        ]
    return [s * p for s, p in zip(score, prior)]


def compose(sentences: list[Sentence], scores: list[float], limit: int) -> str:
    """Join the best-scoring sentences (article order) within *limit* characters."""
    if _length([s.text for s in sentences[:MAX_SENTENCES]]) <= limit:
        return _join([s.text for s in sentences[:MAX_SENTENCES]])
    pool = sorted(range(min(len(sentences), INTRO_SENTENCES)), key=lambda i: -scores[i])
    best = scores[pool[0]]
    chosen: list[int] = []
    for i in pool:
        if chosen and scores[i] < MIN_SHARE * best:
            break
        trial = sorted([*chosen, i])
        if _length([sentences[k].text for k in trial]) <= limit:
            chosen = trial
            if len(chosen) == MAX_SENTENCES:
                break
    if chosen:
        return _join([sentences[k].text for k in chosen])
    return shorten(sentences[0].text, limit)


def shorten(text: str, limit: int) -> str:
    """Cut *text* at a word boundary so that it plus an ellipsis fits in *limit*."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not _CJK.search(cut[-20:]):
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:—–-([{\"'“‘") + "…"


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and not _CJK_END.search(out):
            out += " "
        out += part
    return out


def _length(parts: list[str]) -> int:
    return len(_join(parts))
