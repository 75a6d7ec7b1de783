"""Blurbs: the two or three sentences an editor would pick from a story.

1. ``story_paragraphs``: HTML to paragraphs of story text. Markup that is never
   story goes first (``chrome.drop_furniture``). Each block is read line by line
   (``<br>`` and newlines) so that a caption, a credit or a button on its own line
   can be told from the prose around it; lines that continue a sentence
   (hard-wrapped text) are joined back. Text-level chrome is dropped, a block
   that is mostly link text and no sentence is dropped, and a "Related stories"
   heading ends the story.
2. ``candidate_sentences``: the sentences that could stand in a blurb; each is
   *complete* when it ends with its own punctuation, was not cut by the feed and is
   not part of a quotation that runs over several sentences. An opening paragraph
   without its full stop (a standfirst) gets one.
3. ``rank_sentences``: TextRank-style centrality (content-word overlap between
   sentences) weighted by a prior for the opening and for words of the title.
4. ``compose``: at most three complete sentences within ``limit`` characters, in the
   article's order. An editor's summary starts with the lead: the first sentence that
   can open a blurb, and the ones after it, as many as fit. Only when that lead says
   little beside the best sentence does the best-scoring set win. No blurb opens with
   a sentence that leans on one left out ("But …", "Er …", "Elle …"), and one that
   leans comes only with its predecessor. Only when no sentence fits is the first one
   shortened, at a word boundary, with an ellipsis.
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
LEAD_SHARE = 0.4  # an opening worth less than this share of the best sentence says little
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
_QUOTE_MARK = re.compile(r'[„“”«»"]')
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # no spaces between words
_CJK_END = re.compile(r"[。！？｡」』）]$")
_ASIDE = re.compile(r"^[(\[].*[)\]][.!?]?$")
_LIST = re.compile(r"(?:\S+(?:\s\S+){0,4}\s[—–|·•]\s){3}")  # items of up to five words
_CUT_ELLIPSIS = re.compile(r"(?<=[\w,;])\s?(?:\.{3,}|…)[”\"’'»)]*$")
# A footnote marker: "“egg”[1]", or "“egg” [1]." before punctuation. A number in brackets
# in the middle of a sentence ("item [3] of the list") is left alone.
_FOOTNOTE = re.compile(r"(?<=[^\s\[(])\[\d{1,3}\](?!\w)|\s\[\d{1,3}\](?=[.,;:!?…]|$)")
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
# First words of a sentence that points back at the one before it: a connective ("But",
# "Und", "Mais", "Pero") or a pronoun ("It", "Er", "Elle", "Ele"), also after an interjection
# ("OK, so both of those…"). A blurb never opens with one (unless the story does), and one
# inside a blurb comes with its predecessor. The word must end there ("E-mail" is no "E");
# "Y"/"E"/"И"/"А" count only before a lower-case word ("Y Combinator" is a name).
_LEANS = re.compile(
    r"""^[“"‘'„«»(]?(?:(?:ok(?:ay)?|well|oh|ja|nun|na|bon|bueno|pues|bem|ora)[,!]?\s+)?(?:
        and|but|or|nor|so|yet|still|also|however|instead|then|meanwhile|moreover|furthermore
        |therefore|thus|hence|besides|nevertheless|nonetheless|otherwise|plus
        |it|its|it[’']s|he|she|they|them|his|her|their|this|that|these|those|such|both
        |another|others
        |und|oder|aber|doch|denn|sondern|auch|außerdem|zudem|dabei|deshalb|deswegen|daher|darum
        |dann|trotzdem|dennoch|allerdings|jedoch|also|er|sie|es|dies|diese|dieser|dieses|diesen
        |diesem|dessen|deren
        |et|mais|ou|donc|puis|ensuite|pourtant|cependant|toutefois|aussi|alors|il|elle|ils
        |elles|cela|ça|ceci|ces|c[’']est
        |pero|sino|además|entonces|también|tampoco|sin\s+embargo|por\s+eso|él|ella|ellos|ellas
        |esto|eso|estos|esos|esas
        |mas|porém|contudo|todavia|entretanto|então|além\s+disso|por\s+isso|ele|ela|eles|elas
        |isso|isto|esse|essa|esses|essas|este|esta|estes|estas
        |но|однако|поэтому|также|тоже|он|она|оно|они|это|этот|эта|эти
    )(?=[\s,;:!?]|$)
    |^[“"‘'„«»(]?(?:y|e|и|а)\s+(?=[^\W\d_])(?-i:(?=[a-zß-ÿа-яё]))""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence and where it stood."""

    text: str
    position: int  # among the candidates, in article order
    paragraph: int
    complete: bool  # ends with its own punctuation and was not cut short by the feed
    standfirst: bool = False  # the opening paragraph, given a full stop it did not have


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
    return [u for u in (strip_trailing_junk(_FOOTNOTE.sub("", u)) for u in units) if u]


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
        quoted = _inside_quotes(sentences)
        for number, raw in enumerate(sentences):
            text = _without_title(raw, title) if not found else raw
            if _repeats_title(text, title):
                continue
            if prose and len(sentences) == 1 and _count_words(text) < CAPTION_WORDS:
                continue  # a caption or a call to action between real paragraphs
            end = number == len(sentences) - 1
            if end and text.endswith(":") and _stands_alone(text):
                text = text[:-1].rstrip() + "."  # "…as much as possible:" before code
            opening = all(f.paragraph == index for f in found)  # the story's first paragraph
            standfirst = (
                opening and end and index < last and _is_standfirst(text, paragraphs[index])
            )
            if standfirst:
                text += "."
            complete = ends_sentence(text) and not (index == last and end and _cut(text))
            complete = complete and not quoted[number] and _stands_as_written(text, prose)
            found.append(Sentence(text, len(found), index, complete, standfirst))
    return found


def _is_standfirst(text: str, paragraph: str) -> bool:
    """True for the end of an opening paragraph left without its full stop ("…, writes
    Theodore Roosevelt IV") before the story: long enough not to be a heading or a caption."""
    last = text.rstrip("”’'\")»")[-1:]  # "… the ‘conservation president’"
    return not ends_sentence(text) and last.isalnum() and _count_words(paragraph) >= CAPTION_WORDS


def _stands_as_written(text: str, prose: bool) -> bool:
    """False for a one-word exclamation in a longer story ("Capra?"): it reads badly alone."""
    return not prose or _count_words(text) >= MIN_WORDS


def _inside_quotes(sentences: list[str]) -> list[bool]:
    """For each sentence of a paragraph, whether any of it lies inside a quotation that
    another sentence opens or closes: “There were bright spots. There were heartwarming
    moments.” Alone, the second would read as the writer's own voice."""
    paragraph = " ".join(sentences)
    german = "„" in paragraph  # „…“ rather than “…”
    french = paragraph.find("«") < paragraph.find("»") or "»" not in paragraph  # «…» not »…«
    marks = {
        "„": 1,
        "“": -1 if german else 1,
        "”": -1,
        "«": 1 if french else -1,
        "»": -1 if french else 1,
    }
    depth, straight = 0, False
    out = []
    for sentence in sentences:
        inside = depth != 0 or straight
        for char in _QUOTE_MARK.findall(sentence):
            if char == '"':
                straight = not straight
            elif char in marks:
                depth += marks[char]
                inside = inside or depth < 0
        out.append(inside or depth != 0 or straight)
    return out


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
    """Join complete sentences (article order) within *limit* characters: the lead and the
    sentences after it, unless the lead says little; then the best-scoring set.

    Falls back to the first sentence shortened with an ellipsis when none fits, and to a
    sentence cut by the feed (ending in "…") when the item has no complete sentence.
    """
    pool = [s for s in sentences if s.complete][:POOL]
    if not pool:
        return shorten(_mark_cut(sentences[0].text), limit)
    whole = len(pool) == len(sentences) <= MAX_SENTENCES
    whole = whole and not any(_midway(s) or s.standfirst for s in pool)
    if whole and _length([s.text for s in pool]) <= limit:
        return _join([s.text for s in pool])  # a teaser that fits whole: nothing to choose
    best = max(scores[s.position] for s in pool)
    lead = _lead(pool, sentences, limit)
    if lead is not None and scores[lead.position] >= LEAD_SHARE * best:
        return _join([s.text for s in _lead_run(sentences, lead, limit)])
    chosen = _best_set(pool, sentences, scores, limit)
    if not chosen:
        opener = next((s for s in pool if _can_open(s, sentences)), pool[0])
        return shorten(opener.text, limit)
    return _join([s.text for s in chosen])


def _lead(pool: list[Sentence], sentences: list[Sentence], limit: int) -> Sentence | None:
    """The first sentence that can open the blurb: it fits, starts a thought (not in lower
    case, not leaning on a sentence before it) and is the story's own, not a standfirst
    that lost its full stop (the story's first sentence says the same in full)."""
    for s in pool:
        if len(s.text) <= limit and not s.standfirst and _can_open(s, sentences):
            return s
    return None


def _can_open(sentence: Sentence, sentences: list[Sentence]) -> bool:
    """True unless the sentence starts mid-thought or leans on one before it ("But …",
    "Er …"); a sentence that nothing but a kicker ("Bam!") comes before may lean, since
    nothing said was left out before it."""
    if _midway(sentence):
        return False
    return not _leans(sentence) or not _said_before(sentence, sentences)


def _said_before(sentence: Sentence, sentences: list[Sentence]) -> bool:
    return any(not _is_kicker(s.text) for s in sentences if s.position < sentence.position)


def _leans(sentence: Sentence) -> bool:
    return bool(_LEANS.match(sentence.text))


def _lead_run(sentences: list[Sentence], lead: Sentence, limit: int) -> list[Sentence]:
    """The lead and the complete sentences after it, in order, as many as fit.

    Kickers of its paragraph before it come too: "Media. We all consume it …". A short
    aside or a fragment between them ("Capra? Hardly.") is passed over. The run ends at
    the first sentence with something in it that cannot join (it does not fit, or sits
    inside a quotation): what follows may lean on it in ways no first word shows ("… just
    hopes he isn't one of them"). A short sentence ("Luke-style.") counts as half of one
    towards ``MAX_SENTENCES``.
    """
    run = [s for s in sentences[: lead.position] if s.paragraph == lead.paragraph] + [lead]
    if _said_before(lead, run) or _length([r.text for r in run]) > limit:
        run = [lead]
    for s in sentences[lead.position + 1 :]:
        if sum(map(_sentence_count, [*run, s])) > MAX_SENTENCES:
            break
        joins = s.complete and not _midway(s) and not _trails_off(s.text)
        if joins and _length([*(r.text for r in run), s.text]) <= limit:
            run.append(s)
        elif _count_words(s.text) >= FULL_WORDS:
            break
    return run


def _trails_off(text: str) -> bool:
    """True for "A few notes…": it hands over to what follows, which the blurb leaves out."""
    return text.rstrip("”\"’'»)").endswith(("…", "..."))


def _sentence_count(sentence: Sentence) -> float:
    return 1.0 if _count_words(sentence.text) >= FULL_WORDS else 0.5


def _is_kicker(text: str) -> bool:
    """A word or two as a sentence of its own: "Media.", "Bam!", "Update!"."""
    return ends_sentence(text) and _count_words(text) < MIN_WORDS and not _ASIDE.match(text)


def _best_set(
    pool: list[Sentence], sentences: list[Sentence], scores: list[float], limit: int
) -> tuple[Sentence, ...]:
    """The set of at most three sentences worth most within *limit*, each worth at least
    ``MIN_SHARE`` of the best; it opens with a sentence that can open a blurb, and a
    sentence that leans on the one before it comes only with that one."""
    floor = MIN_SHARE * max(scores[s.position] for s in pool)
    eligible = [s for s in pool if scores[s.position] >= floor and len(s.text) <= limit]
    chosen: tuple[Sentence, ...] = ()
    value = 0.0
    for candidate in _sets(eligible):
        if not _can_open(candidate[0], sentences) or _length([s.text for s in candidate]) > limit:
            continue
        positions = {s.position for s in candidate}
        if any(_leans(s) and s.position - 1 not in positions for s in candidate[1:]):
            continue
        worth = sum(_worths(candidate, scores))
        if worth > value:
            chosen, value = candidate, worth
    return chosen


def _sets(pool: list[Sentence]) -> Iterator[tuple[Sentence, ...]]:
    for size in range(1, MAX_SENTENCES + 1):
        yield from combinations(pool, size)


def _worths(chosen: tuple[Sentence, ...], scores: list[float]) -> list[float]:
    """What each sentence adds to the blurb: its score, a little more when it is read
    right after the sentence before it in the article."""
    positions = {s.position for s in chosen}
    return [scores[s.position] * (FOLLOWS if s.position - 1 in positions else 1.0) for s in chosen]


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
