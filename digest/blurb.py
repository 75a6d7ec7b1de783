"""Blurbs: the two or three sentences an editor would pick from a story.

1. ``story_paragraphs``: HTML to paragraphs of story text. Markup that is never
   story goes first (``chrome.drop_furniture``). Each block is read line by line
   (``<br>`` and newlines) so that a caption, a credit or a button on its own line
   can be told from the prose around it; lines that continue a sentence
   (hard-wrapped text) are joined back. Text-level chrome is dropped, a block
   that is mostly link text and no sentence is dropped, and a "Related stories"
   heading ends the story.
2. ``candidate_sentences``: the sentences that could stand in a blurb; each is
   *complete* when it ends with its own punctuation and was not cut by the feed.
3. ``rank_sentences``: TextRank-style centrality (content-word overlap between
   sentences) weighted by a prior for the opening and for words of the title.
4. ``compose``: the best-scoring set of at most three complete sentences that fits
   in ``limit`` characters, in the article's order. A sentence that leans on the
   one before it ("But …", "It …") counts for little without it. Only when no
   sentence fits is the first one shortened, at a word boundary, with an ellipsis.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

import lxml.etree
import lxml.html
from rapidfuzz import fuzz

from digest.chrome import (
    drop_furniture,
    is_chrome,
    is_tail_marker,
    strip_trailing_junk,
)
from digest.sentences import ends_sentence, split_sentences

MAX_SENTENCES = 3
MIN_WORDS = 2  # a one-word sentence in a longer story ("Capra?") is an aside
POOL = 12  # blurb sentences come from the opening of the story
GRAPH = 60  # centrality is measured over this many sentences (the graph is quadratic)
CAPTION_WORDS = 12  # a lone sentence shorter than this between prose paragraphs is a caption
PROSE_WORDS = 25
MIN_SHARE = 0.15  # a sentence far weaker than the best one is left out
LEANING = 0.3  # what a sentence is worth without the one it leans on
JOIN_AFTER_WORDS = 8  # a line this long that stops mid-sentence continues on the next
JOIN_AFTER_SENTENCE = 8  # ... and a line this long that ends one is wrapped prose
LINK_LIST = 0.8  # a block with this share of link text is navigation, punctuated or not
FOLLOWS = 1.2  # a sentence read right after the one before it is worth a little more
BASE_CENTRALITY = 0.5  # a sentence sharing no word with the others keeps a third of its prior
RANK_ROUNDS = 30  # PageRank settles in far fewer on a few dozen sentences
FULL_WORDS = 5  # a sentence shorter than this says less than a full one

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
_BLANK_LINE = re.compile(r"[^\S\n]*\n[^\S\n]*\n\s*")
_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")
_WORD = re.compile(r"[\w\u0900-\u0dff]+")  # \w, and the vowel signs of Indic scripts
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # no spaces between words
_CJK_END = re.compile(r"[。！？｡」』）]$")
_ASIDE = re.compile(r"^[(\[].*[)\]][.!?]?$")
_LIST = re.compile(r"(?:\S+(?:\s\S+){0,4}\s[—–|·•]\s){3}")  # items of up to five words
_CUT_ELLIPSIS = re.compile(r"(?<=[\w,;])\s?(?:\.{3,}|…)[”\"’'»)]*$")
STOPWORDS = frozenset(
    """a an and are as at be been but by for from has have he her his in is it its of on or
    she that the their them they this to was were which who will with would not no into than
    then there these those what when where while also about after before over under more most
    our your we you i my me us
    der die das und ist ein eine nicht mit von den dem des zu im auf für sich auch als oder
    de da do dos das em um uma que para com por os as na no ao se e o a pelo pela pelos pelas
    и в не на что с по как это он она они к из у за от""".split()
)
_NEEDS_WHAT_FOLLOWS = frozenset(
    "following follows include includes including below these here example examples steps"
    " like such namely folgt folgende folgenden sind seguinte seguintes são следующее".split()
)
# First words of a sentence that points back at the one before it.
_LEANS = re.compile(
    r"""^[“"‘']?(?:but|and|or|so|yet|still|however|also|instead|then|meanwhile|moreover
        |furthermore|therefore|thus|it|its|it[’']s|he|she|they|them|his|her|their|this|that
        |these|those|such|both|another|others|aber|doch|auch|er|dies|diese|dabei|deshalb|dann
        |dieser|deshalb|trotzdem|mas|porém|ele|ela|eles|elas|isso|isto|essa|esse|esta|este
        |também|но|он|она|они|это|также|поэтому)\b""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence and where it stood."""

    text: str
    position: int  # among the candidates, in article order
    paragraph: int
    complete: bool  # ends with its own punctuation and was not cut short by the feed


@dataclass
class _Block:
    text: str = ""
    linked: int = 0  # characters of link text
    heading: bool = False


def extract_blurb(markup: str, title: str = "", limit: int = 300) -> str:
    """The blurb for one item's HTML: whole sentences of the story, at most *limit* chars.

    Returns "" when the item carries no story text.
    """
    return summarize(story_paragraphs(markup), title, limit)


def summarize(paragraphs: list[str], title: str, limit: int) -> str:
    """Pick and join the best sentences of *paragraphs* within *limit* characters.

    Returns "" when there is no sentence to pick.
    """
    candidates = candidate_sentences(paragraphs, title)
    if not candidates:
        return ""
    return compose(candidates, rank_sentences(candidates, title), limit)


# --- HTML to story paragraphs ------------------------------------------------------------


def story_paragraphs(markup: str) -> list[str]:
    """The story's paragraphs, in order, with page chrome removed ([] for no text)."""
    root = _parse(markup)
    if root is None:
        return []
    drop_furniture(root)
    paragraphs: list[str] = []
    for block in _blocks(root):
        label = block.heading or _is_link_label(block)
        for line in _lines(block.text):
            if is_tail_marker(line):
                if paragraphs:
                    return paragraphs
                continue
            if label or is_chrome(line):
                continue
            sentences = _story_sentences(line)  # a promotion inside a paragraph
            if sentences:
                paragraphs.append(_join(sentences))
    return paragraphs


def _parse(markup: str) -> lxml.html.HtmlElement | None:
    if not markup or not markup.strip():
        return None
    try:
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return None


def _blocks(root: lxml.html.HtmlElement) -> list[_Block]:
    """The text of each block element; ``<br>`` becomes a newline inside its block."""
    blocks: list[_Block] = []
    current = _Block()

    def flush(heading: bool = False) -> None:
        nonlocal current
        if current.text.strip():
            current.heading = heading
            blocks.append(current)
        current = _Block()

    def walk(el: lxml.html.HtmlElement) -> None:
        block = el.tag in _BLOCK_TAGS
        if block:
            flush()
        if el.tag == "br":
            current.text += "\n"
        if el.tag == "a":
            current.linked += len(el.text_content().strip())
        current.text += _source_text(el.text)
        for child in el:
            walk(child)
            current.text += _source_text(child.tail)
        if block:
            flush(heading=el.tag in _HEADINGS)

    walk(root)
    flush()
    return blocks


def _source_text(text: str | None) -> str:
    """Text as HTML reads it: a newline is a space, but a blank line still parts
    paragraphs (plain-text descriptions, flat captured pages)."""
    if not text:
        return ""
    return _NEWLINE.sub(" ", _BLANK_LINE.sub("\n\n", text))


def _is_link_label(block: _Block) -> bool:
    """A block that is mostly link text and no sentence: a related link, "Continue reading"."""
    text = block.text.strip()
    share = block.linked / len(text)
    return share > LINK_LIST or (share > 0.5 and not ends_sentence(text))


def _lines(text: str) -> list[str]:
    """The block's lines, with lines that continue a sentence joined back to it.

    A blank line (``<br><br>``) separates paragraphs: only a line that plainly goes on
    with the sentence before it (lower-case start, a dangling comma) is joined across it.
    """
    units: list[str] = []
    blank = False
    for raw in text.split("\n"):
        line = _SPACE.sub(" ", raw).strip()
        if not line:
            blank = True
            continue
        if units and _continues(units[-1], line, across_blank=blank):
            units[-1] += " " + line
        else:
            units.append(line)
        blank = False
    return [u for u in (strip_trailing_junk(u) for u in units) if u]


def _continues(previous: str, line: str, across_blank: bool = False) -> bool:
    """True when *line* is the rest of *previous*'s paragraph, not a line of its own."""
    if is_chrome(line) or is_tail_marker(line):
        return False
    if line[0].islower():
        return True
    if is_chrome(previous):
        return False
    words = previous.split()
    if previous[-1] in ",;(—–-&/" or words[-1].casefold() in STOPWORDS:
        return True  # "Kyle Zeng," / "and the" cannot end a line of their own
    if across_blank:
        return False
    return len(words) >= (JOIN_AFTER_SENTENCE if ends_sentence(previous) else JOIN_AFTER_WORDS)


# --- candidate sentences ------------------------------------------------------------------


def candidate_sentences(paragraphs: list[str], title: str) -> list[Sentence]:
    """Sentences that could stand in a blurb: no chrome, no title, no captions."""
    split = [_story_sentences(p) for p in paragraphs]
    prose = any(len(s) >= 2 or _count_words(p) >= PROSE_WORDS for s, p in zip(split, paragraphs))
    last = max((i for i, s in enumerate(split) if s), default=-1)
    found: list[Sentence] = []
    for index, sentences in enumerate(split):
        for number, raw in enumerate(sentences):
            text = _without_title(raw, title) if not found else raw
            if _repeats_title(text, title):
                continue
            if prose and len(sentences) == 1 and _count_words(text) < CAPTION_WORDS:
                continue  # a caption or a call to action between real paragraphs
            end = number == len(sentences) - 1
            if end and text.endswith(":") and _stands_alone(text):
                text = text[:-1].rstrip() + "."  # "…as much as possible:" before code
            complete = ends_sentence(text) and not (index == last and end and _cut(text))
            complete = complete and _stands_as_written(text, prose)
            found.append(Sentence(text, len(found), index, complete))
    return found


def _stands_as_written(text: str, prose: bool) -> bool:
    """False for what reads badly alone: a one-word exclamation in a longer
    story ("Capra?"), or a quotation opened and not closed (or closed, not opened)."""
    if prose and _count_words(text) < MIN_WORDS:
        return False
    if text.count("“") != text.count("”") or text.count("«") != text.count("»"):
        return False
    return text.count('"') % 2 == 0


def _story_sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences less chrome: credits, buttons, "(tags)", "a — b — c" lists."""
    out = []
    for sentence in map(strip_trailing_junk, split_sentences(paragraph)):
        if not sentence or not _LETTER.search(sentence):
            continue
        if _ASIDE.match(sentence) or _is_list(sentence) or is_chrome(sentence):
            continue
        out.append(sentence)
    return out


def _is_list(sentence: str) -> bool:
    """True for "Jens Ohlig — Wikidata — WikiCon 2013 — …": names, not a sentence."""
    if sum(sentence.count(mark) for mark in "—–|·•") < 3:
        return False  # most sentences: skip the regular expression
    return bool(_LIST.search(sentence))


def _stands_alone(lead_in: str) -> bool:
    """True for a lead-in whose colon can become a period ("…as much as possible:"),
    false when the sentence needs what follows ("The reasons are:", "as follows:")."""
    words = lead_in[:-1].split()
    return len(words) >= 4 and words[-1].casefold() not in STOPWORDS | _NEEDS_WHAT_FOLLOWS


def _count_words(text: str) -> int:
    return len(_WORD.findall(text))


def _cut(text: str) -> bool:
    """True for a sentence the feed cut short: "… the company said it would ..."."""
    return bool(_CUT_ELLIPSIS.search(text))


def _without_title(text: str, title: str) -> str:
    """*text* without the title glued to its start ("Title Body text …" in flat text)."""
    if not title or not text.casefold().startswith(title.casefold()):
        return text
    rest = text[len(title) :].lstrip(" :|-–—.")
    return rest if _count_words(rest) >= 3 and not rest[0].islower() else text


def _repeats_title(text: str, title: str) -> bool:
    if not title:
        return False
    a, b = _normal(text), _normal(title)
    if not a or not b:
        return False
    return a == b or fuzz.ratio(a, b) >= 90 or (a.startswith(b) and len(a) - len(b) < 12)


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


# --- ranking ------------------------------------------------------------------------------


def rank_sentences(sentences: list[Sentence], title: str) -> list[float]:
    """A score per sentence: the prior (opening, title words), raised by centrality
    (TextRank: PageRank over shared content words) and lowered for a sentence of a
    word or two ("Top.", "Weird!") that says little on its own."""
    graph = sentences[:GRAPH]
    terms = [_terms(s.text) for s in graph]
    prior = _prior(graph, terms, _terms(title))
    centrality = _pagerank(_overlap(terms))
    top = max(centrality, default=0.0) or 1.0
    scores = [
        p * (BASE_CENTRALITY + c / top) * min(1.0, _count_words(s.text) / FULL_WORDS)
        for s, p, c in zip(graph, prior, centrality)
    ]
    return scores + [0.0] * (len(sentences) - len(graph))


def _terms(text: str) -> set[str]:
    """Content words; for Chinese and Japanese, character pairs."""
    words = {w for w in _WORD.findall(text.casefold()) if w not in STOPWORDS and len(w) > 1}
    cjk = _CJK.findall(text)
    words.update(a + b for a, b in zip(cjk, cjk[1:]))
    return words


def _prior(sentences: list[Sentence], terms: list[set[str]], title: set[str]) -> list[float]:
    """Favour the opening (by sentence and by paragraph) and words shared with the title."""
    order = {p: rank for rank, p in enumerate(sorted({s.paragraph for s in sentences}))}
    prior = []
    for s, t in zip(sentences, terms):
        lead = 1 / math.sqrt(1 + s.position) / (1 + order[s.paragraph])
        overlap = len(t & title) / (1 + len(title)) if title else 0.0
        weight = lead + overlap
        if _midway(s):
            weight *= 0.2  # starts mid-thought: a list item after "…as follows:"
        prior.append(weight)
    return prior


def _midway(sentence: Sentence) -> bool:
    """True for a sentence that starts in lower case: the rest of a list item or a line."""
    return sentence.text[0].islower()


def _overlap(terms: list[set[str]]) -> list[list[float]]:
    """Edge weights: shared content words, normalised by sentence length (TextRank)."""
    n = len(terms)
    weights = [[0.0] * n for _ in range(n)]
    sizes = [math.log(len(t) + 2) for t in terms]
    for i in range(n):
        for j in range(i + 1, n):
            shared = len(terms[i] & terms[j])
            if shared:
                weights[i][j] = weights[j][i] = shared / (sizes[i] + sizes[j])
    return weights


def _pagerank(weights: list[list[float]], damping: float = 0.85) -> list[float]:
    """PageRank over the weighted, undirected sentence graph."""
    n = len(weights)
    out = [sum(row) for row in weights]
    edges = [[(j, w / out[j]) for j, w in enumerate(weights[i]) if w] for i in range(n)]
    score = [1.0 / n] * n
    for _ in range(RANK_ROUNDS):
        new = [
            (1 - damping) / n + damping * sum(w * score[j] for j, w in edges[i]) for i in range(n)
        ]
        settled = max(abs(a - b) for a, b in zip(new, score)) < 1e-6
        score = new
        if settled:
            break
    return score


# --- composing the blurb ------------------------------------------------------------------


def compose(sentences: list[Sentence], scores: list[float], limit: int) -> str:
    """Join the best-scoring complete sentences (article order) within *limit* characters.

    Falls back to the first sentence shortened with an ellipsis when none fits, and to a
    sentence cut by the feed (ending in "…") when the item has no complete sentence.
    """
    pool = [s for s in sentences if s.complete][:POOL]
    if not pool:
        return shorten(_mark_cut(sentences[0].text), limit)
    whole = len(pool) == len(sentences) <= MAX_SENTENCES and not any(_midway(s) for s in pool)
    if whole and _length([s.text for s in pool]) <= limit:
        return _join([s.text for s in pool])  # a teaser that fits whole: nothing to choose
    floor = MIN_SHARE * max(scores[s.position] for s in pool)
    eligible = [s for s in pool if scores[s.position] >= floor and len(s.text) <= limit]
    chosen: tuple[Sentence, ...] = ()
    value = 0.0
    for candidate in _sets(eligible):
        worths = _worths(candidate, scores)
        if min(worths) < floor or _length([s.text for s in candidate]) > limit:
            continue
        if sum(worths) > value:
            chosen, value = candidate, sum(worths)
    if not chosen:
        return shorten(pool[0].text, limit)
    return _join([s.text for s in chosen])


def _sets(pool: list[Sentence]) -> Iterator[tuple[Sentence, ...]]:
    for size in range(1, MAX_SENTENCES + 1):
        yield from combinations(pool, size)


def _worths(chosen: tuple[Sentence, ...], scores: list[float]) -> list[float]:
    """What each sentence adds to the blurb: its score, a little more when it is read
    right after the sentence before it in the article, a fraction when it leans on a
    sentence left out ("But …", "It …")."""
    positions = {s.position for s in chosen}
    worths = []
    for s in chosen:
        weight = 1.0
        if s.position - 1 in positions:
            weight = FOLLOWS
        elif s.position > 0 and _LEANS.match(s.text):
            weight = LEANING
        worths.append(scores[s.position] * weight)
    return worths


def _mark_cut(text: str) -> str:
    """A sentence the feed cut short, ending at its last whole word with an ellipsis."""
    match = _CUT_ELLIPSIS.search(text)
    if match:
        head = text[: match.start()]
        if not match.group().startswith(" ") and " " in head:
            head = head[: head.rfind(" ")]  # the last word may be cut in half
        return _end_with_ellipsis(head)
    if not ends_sentence(text) and text.split()[-1].casefold() in STOPWORDS:
        return _end_with_ellipsis(text)  # stops on "the", "and": cut without saying so
    return _as_sentence(text)


def _as_sentence(text: str) -> str:
    """A whole text the feed left without final punctuation (a podcast one-liner, a
    chat quote) ends with a full stop, as an editor would end it."""
    if ends_sentence(text) or not (text[-1].isalnum() or text[-1] in '"”’»)]'):
        return text
    return text + ("。" if _UNSPACED.search(text[-1]) else ".")


def shorten(text: str, limit: int) -> str:
    """Cut *text* at a word boundary so that it plus an ellipsis fits in *limit*."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not _UNSPACED.search(cut[-20:]):
        cut = cut[: cut.rfind(" ")]
    return _end_with_ellipsis(cut)


def _end_with_ellipsis(text: str) -> str:
    """*text* without trailing punctuation or dangling small words, then "…"."""
    words = text.rstrip(" ,;:—–-([{\"'“‘.…").split(" ")
    while len(words) > 1 and words[-1].casefold() in STOPWORDS:
        words.pop()
    return " ".join(words).rstrip(" ,;:—–-([{\"'“‘.…") + "…"


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and not _CJK_END.search(out):
            out += " "
        out += part
    return out


def _length(parts: list[str]) -> int:
    return len(_join(parts))
