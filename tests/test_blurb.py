"""Blurbs a reader would accept: the story's own sentences, none of the page around it.

Each table pairs an input with what the reader must (or must not) see."""

from __future__ import annotations

import re

import pytest

from digest.blurb import (
    Sentence,
    candidate_sentences,
    compose,
    extract_blurb,
    point_sentence,
    rank_sentences,
    story_kind,
    summarize,
)
from digest.parse import parse_feed
from digest.sanitize import text_to_html
from digest.sentences import ends_sentence, split_sentences
from digest.storytext import ListItem, story_paragraphs
from tests.conftest import FIXTURE_FEEDS, SEED, needs_shared
from tests.conftest import JUNG_E_CHROME as SHARED_JUNG_E_CHROME

P1 = (
    "The city council voted on Tuesday to close the old harbour bridge to cars from next "
    "spring. The decision ends a decade of argument about the crumbling structure."
)
P2 = (
    "Engineers told councillors that the bridge could carry pedestrians and bicycles for "
    "another twenty years. Heavy traffic, they said, would wear it out within five."
)
P3 = (
    "A ferry service will run every ten minutes during the morning and evening rush. "
    "Tickets will cost the same as a bus fare."
)
STORY = f"<p>{P1}</p><p>{P2}</p><p>{P3}</p>"
LEAD = "The city council voted on Tuesday to close the old harbour bridge to cars"


def flat(*paragraphs: str) -> str:
    """Flat text as a captured page delivers it, one paragraph per blank-line block."""
    return text_to_html("\n\n".join(paragraphs))


def story_text(markup: str) -> str:
    return " ".join(story_paragraphs(markup))


# --- chrome as HTML markup ------------------------------------------------------------------

MARKUP_CHROME = [
    (
        "figure and caption",
        '<figure><img src="https://x.org/a.jpg"><figcaption>The harbour bridge at dawn, seen '
        "from the old fish market on the north side of the river. Photo: Ann Lee</figcaption>"
        "</figure>",
        "seen from the old fish market",
    ),
    (
        "aside",
        "<aside><h3>Read next</h3><p>Five bridges that fell down in the last decade and what "
        "every city can learn from them before it is too late.</p></aside>",
        "Five bridges that fell down",
    ),
    (
        "nav",
        '<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>',
        "Home News Sport",
    ),
    (
        "footer",
        "<footer><p>Harbour Times is published by a cooperative of readers who own every "
        "share of the paper together.</p></footer>",
        "cooperative of readers",
    ),
    (
        "list of links",
        '<ul><li><a href="/1">Ferry timetable announced for the new harbour route</a></li>'
        '<li><a href="/2">Council budget explained in five charts</a></li></ul>',
        "Ferry timetable announced",
    ),
    (
        "share bar",
        '<div class="share-bar"><a href="#">Facebook</a> <a href="#">X</a> <span>Tell your '
        "friends about this story and help local journalism grow this year.</span></div>",
        "Tell your friends",
    ),
    (
        "caption class",
        '<p class="wp-caption-text">Councillors at the vote on Tuesday evening, in the main '
        "hall of the old town house by the harbour.</p>",
        "Councillors at the vote",
    ),
    (
        "related class",
        '<div class="related-stories"><p>The long fight over the bridge: a history of the '
        "harbour debate since the first cracks appeared in 2014.</p></div>",
        "The long fight over the bridge",
    ),
    (
        "comments",
        '<section class="comments"><p>Great decision, about time the council listened to the '
        "people who cross that bridge every single day.</p></section>",
        "Great decision",
    ),
    (
        "link-only paragraph",
        '<p><a href="/r">Related: Bridge closures across the region</a></p>',
        "Bridge closures across the region",
    ),
    (
        "list of names in a paragraph",
        '<p><a href="/a">Jens Ohlig</a> — <a href="/b">Wikidata</a> — <a href="/c">WikiCon '
        '2013</a> — <a href="/d">CR91 Sei Mutig!</a></p>',
        "Wikidata",
    ),
    (
        "page button",
        '<p>Harbour Lettings | <a href="/c" title="click to show contact info">show contact '
        "info</a></p>",
        "show contact info",
    ),
]


@pytest.mark.parametrize(
    ("kind", "chrome", "leak"), MARKUP_CHROME, ids=[c[0] for c in MARKUP_CHROME]
)
def test_markup_chrome_never_reaches_the_story(kind: str, chrome: str, leak: str) -> None:
    markup = chrome + STORY
    assert leak not in story_text(markup)
    blurb = extract_blurb(markup, "Harbour bridge to close")
    assert blurb.startswith(LEAD)
    assert leak not in blurb


def test_a_page_button_inside_a_sentence_keeps_the_sentence_whole() -> None:
    """Dropped, the button would leave "Please call us at if you wish …"."""
    markup = (
        '<p>Please call Harbour Lettings at <a href="/c" title="click to show contact info">'
        "show contact info</a> if you wish to see the flat on the quay this week.</p>"
    )
    assert "at show contact info if you wish" in story_text(markup)


# --- chrome as flat paragraphs --------------------------------------------------------------

FLAT_CHROME = [
    ("photo credit", "Netflix/YouTube screenshot"),
    ("agency credit", "Ann Lee/Getty Images"),
    ("photo label", "Photo: Ann Lee for the Harbour Times"),
    ("watch on", "Watch Harbour Story on Netflix"),
    ("see at", "See at Netflix"),
    ("price at shop", "$29 at Amazon"),
    ("read more", "Read more"),
    ("continue reading", "Continue reading…"),
    ("syndication footer", "The post Bridge to close appeared first on Harbour Times."),
    ("subscribe", "Subscribe to our newsletter for the best of the week."),
    ("share", "Share"),
    ("timestamp", "59 minutes ago"),
    ("more photos", "+45 more"),
    ("see all", "See all photos"),
    ("byline", "By Ann Lee, City Reporter"),
    ("byline with bar", "Von Jana Becker | Lokales"),
    ("copyright", "© 2024 Harbour Times. All rights reserved."),
    ("copyright word", "Copyright 2024 Harbour Times Ltd"),
    ("korean copyright", "ⓒ 한빛일보, 무단 전재 및 재배포 금지"),
    ("elided", "[…]"),
    ("posted", "Posted on March 3, 2024 by Ann Lee"),
    ("tags", "Tags: bridge, council, harbour"),
    ("advertisement", "Advertisement"),
    ("paywall note", "Previously available only to Harbour members, this story is now free."),
    ("bare url", "https://harbour.example.org/bridge"),
]


@pytest.mark.parametrize(("kind", "chrome"), FLAT_CHROME, ids=[c[0] for c in FLAT_CHROME])
def test_flat_chrome_never_reaches_the_story(kind: str, chrome: str) -> None:
    markup = flat(chrome, P1, P2, chrome, P3)
    assert chrome not in story_text(markup)
    blurb = extract_blurb(markup, "Harbour bridge to close")
    assert blurb.startswith(LEAD)
    assert chrome not in blurb


GLUED_JUNK = [
    (f"{P1} […]", "[…]"),
    (f"{P1} Continue reading →", "Continue reading"),
    (f"{P1} Read more »", "Read more"),
    (f"{P1} The post Bridge to close appeared first on Harbour Times.", "appeared first"),
]


@pytest.mark.parametrize(("paragraph", "junk"), GLUED_JUNK)
def test_junk_glued_to_a_paragraph_is_cut_off(paragraph: str, junk: str) -> None:
    blurb = extract_blurb(f"<p>{paragraph}</p>", "")
    assert junk not in blurb
    assert blurb == P1


TAILS = [
    "Related stories",
    "Recent Posts",
    "You may also like",
    "Mehr zum Thema",
    "Leia também",
    "Читайте также",
    "Shownotes:",
]


@pytest.mark.parametrize("marker", TAILS)
def test_a_related_stories_heading_ends_the_story(marker: str) -> None:
    after = "Fugitive dad wanted for alleged triple murder possibly spotted, police say."
    markup = flat(P1, P2, marker, after, "59 minutes ago")
    assert after not in story_text(markup)
    assert P2.split(".")[0] in story_text(markup)


# --- real sentences that only look like chrome ----------------------------------------------

LOOKALIKES = [
    "By the end of the film, the harbour town has learned to look away from the truth.",
    "Like many films of its era, it takes its time before the first twist arrives.",
    "Share prices fell 3% on Monday after the council published its plan.",
    "Published in 1925, the novel was an instant hit with readers on both coasts.",
    "Copyright law is a mess in the US and badly needs reform.",
    "By Christmas, the film had earned $5m.",
    "Watch out for the storm in the evening.",
    "Print sales have collapsed this year.",
    "More on that later, but first the news about the bridge.",
    "Source material for the film came from the director's own diaries.",
]


@pytest.mark.parametrize("sentence", LOOKALIKES)
def test_sentences_that_look_like_chrome_survive(sentence: str) -> None:
    markup = flat(P1, sentence + " " + P2, P3)
    text = story_text(markup)
    assert sentence in text
    assert P3 in text  # nothing after it was taken for trailing furniture
    assert extract_blurb(f"<p>{sentence}</p>", "") == sentence  # and it can be the blurb


# --- the title ------------------------------------------------------------------------------

TITLE = "Harbour bridge to close to cars"
TITLES = [
    ("title as first paragraph", flat(TITLE, P1, P2)),
    ("title in bold", f"<p><strong>{TITLE}</strong></p><p>{P1}</p>"),
    ("title as a heading", f"<h2>{TITLE}</h2><p>{P1}</p>"),
    ("title glued to the lead", f"<p>{TITLE}: {P1}</p>"),
    ("title with a period", flat(TITLE + ".", P1)),
]


@pytest.mark.parametrize(("kind", "markup"), TITLES, ids=[t[0] for t in TITLES])
def test_a_repeated_title_is_dropped(kind: str, markup: str) -> None:
    blurb = extract_blurb(markup, TITLE)
    assert blurb.startswith(LEAD)
    assert TITLE not in blurb


def test_an_item_that_is_only_its_title_gets_no_blurb() -> None:
    assert extract_blurb(f"<p>{TITLE}</p>", TITLE) == ""


# --- items without text ---------------------------------------------------------------------

EMPTY = [
    "",
    "   ",
    "<p> </p>",
    "<p>&nbsp;</p>",
    "<div><br><br></div>",
    "<figure><figcaption>Only a caption of the harbour bridge at dawn.</figcaption></figure>",
    '<p><a href="https://x.org/1">Continue reading</a></p>',
    '<p><a href="https://news.ycombinator.com/item?id=1">Comments</a></p>',
    "<p>Read more</p><p>Share</p><p>59 minutes ago</p>",
    "<p>…</p>",
    "<p>¤</p>",
]


@pytest.mark.parametrize("markup", EMPTY)
def test_an_item_without_story_text_gets_no_blurb(markup: str) -> None:
    assert extract_blurb(markup, "Some title") == ""


# --- the limit and the ellipsis ---------------------------------------------------------------


def source_sentences(markup: str) -> set[str]:
    return {s for p in story_paragraphs(markup) for s in split_sentences(p)}


@pytest.mark.parametrize("limit", [60, 90, 120, 160, 200, 300, 1000])
def test_a_blurb_is_whole_sentences_within_the_limit(limit: str | int) -> None:
    limit = int(limit)
    blurb = extract_blurb(STORY, "Harbour bridge to close", limit)
    assert 0 < len(blurb) <= limit
    if not blurb.endswith("…"):
        sources = source_sentences(STORY)
        assert all(trimmed_from(s, sources) for s in split_sentences(blurb))
        assert len(split_sentences(blurb)) <= 3


def trimmed_from(sentence: str, sources: set[str]) -> bool:
    """True for a sentence of the story, or one with words left out to make room ("The city
    council voted to close …" for "… voted on Tuesday to close …")."""
    words = sentence.rstrip(".!?").split()
    for source in sources:
        rest = iter(source.rstrip(".!?").split())
        if all(word in rest for word in words):  # in order
            return True
    return False


LONG = (
    "The council, after a meeting that ran past midnight and drew hundreds of residents, "
    "engineers, shop owners and ferry captains to the old town house, voted to close the "
    "harbour bridge to cars from next spring and to spend the savings on a ferry."
)


@pytest.mark.parametrize("limit", [40, 80, 120, 200])
def test_only_a_first_sentence_over_the_limit_is_shortened_at_a_word(limit: int) -> None:
    blurb = extract_blurb(f"<p>{LONG} {LONG}</p>", "", limit)
    assert len(blurb) <= limit
    assert blurb.endswith("…")
    head = blurb[:-1]
    assert LONG.startswith(head)
    assert LONG[len(head)] in " ,"  # cut between words, never inside one
    assert not head.endswith((" and", " the", " to", ","))


def test_a_sentence_that_does_not_fit_is_left_out_not_cut() -> None:
    short = "The bridge will close next spring."
    blurb = extract_blurb(f"<p>{short} {LONG}</p>", "", 120)
    assert blurb == short


def test_a_long_first_sentence_gives_way_to_the_next_that_fits() -> None:
    short = "Engineers say the bridge will last twenty more years for people on foot."
    blurb = extract_blurb(f"<p>{LONG} {short}</p>", "", 120)
    assert blurb == short


SHORTEN_SCRIPTS = [
    # Chinese has no spaces: cut between characters
    (
        "本市昨日宣布启动老旧小区加装电梯计划今年将在三百个小区完成改造符合条件的住宅楼可申请补贴。",
        20,
    ),
    # Korean has spaces: cut between words
    ("서울시가 한강을 오가는 수상버스를 내년 봄부터 정식 운항한다고 20일 밝혔다.", 20),
]


@pytest.mark.parametrize(("text", "limit"), SHORTEN_SCRIPTS)
def test_shortening_respects_each_script(text: str, limit: int) -> None:
    blurb = extract_blurb(f"<p>{text}</p>", "", limit)
    assert len(blurb) <= limit and blurb.endswith("…")
    assert text.startswith(blurb[:-1])
    if " " in text:
        assert text[len(blurb) - 1] == " "


# --- teasers cut by the feed ------------------------------------------------------------------

CUT = [
    # a complete sentence and one the feed cut: the cut sentence ends the blurb, with an
    # ellipsis where the feed cut it (issue 12)
    (
        "<p>Max Eberl hat dem BVB zum Transfererlös gratuliert. Gleichzeitig prangerte er "
        "hohe Ablösesummen an und...</p>",
        "Max Eberl hat dem BVB zum Transfererlös gratuliert. Gleichzeitig prangerte er hohe "
        "Ablösesummen…",
    ),
    # nothing complete: the cut sentence, ending at a whole word with an ellipsis
    (
        "<p>In the run up to the IPO for Slack, much of the news coverage centered on the "
        "decision to go public via ...</p>",
        "In the run up to the IPO for Slack, much of the news coverage centered on the "
        "decision to go public via…",
    ),
    (
        "<p>O termo de renovação do programa foi assinado na segunda-feira pela prefeitura e "
        "pelo Ses...</p>",
        "O termo de renovação do programa foi assinado na segunda-feira pela prefeitura…",
    ),
    # cut without saying so: stops on "the"
    (
        "<p>This week we dig into the new games and argue about the</p>",
        "This week we dig into the new games and argue…",
    ),
    # a whole text that just has no final period is kept whole and ended as a sentence
    (
        "<p>Season 4 continues with the horror of the vuvuzela, Starcraft 2, and we hate on "
        "the Twilight movies</p>",
        "Season 4 continues with the horror of the vuvuzela, Starcraft 2, and we hate on the "
        "Twilight movies.",
    ),
    ("<p>Jeff and Vinny review “Deathly Hallows”</p>", "Jeff and Vinny review “Deathly Hallows”."),
    ("<p>今天我们讨论新游戏</p>", "今天我们讨论新游戏。"),
]


@pytest.mark.parametrize(("markup", "expected"), CUT)
def test_a_teaser_cut_by_the_feed(markup: str, expected: str) -> None:
    assert extract_blurb(markup, "") == expected


def test_an_unpunctuated_standfirst_is_not_run_into_the_next_sentence() -> None:
    markup = (
        "<p>Dr Brenda Fitzgerald's financial interests had caused conflicts of interest, a "
        "statement said</p><p>The director of the US Centers for Disease Control has resigned "
        "because of financial conflicts of interest, officials announced on Wednesday.</p>"
    )
    blurb = extract_blurb(markup, "CDC director resigns")
    assert blurb.startswith("The director of the US Centers")
    assert "statement said The" not in blurb


# --- choosing sentences ---------------------------------------------------------------------


def test_a_teaser_that_fits_whole_is_used_whole() -> None:
    teaser = (
        "Fujitsu will seine Fertigung außerhalb Japans schließen. In Deutschland ist der "
        "Standort in Augsburg betroffen."
    )
    assert extract_blurb(f"<p>{teaser}</p>", "Fujitsu schließt Werk") == teaser


def make(texts: list[str]) -> list[Sentence]:
    return [Sentence(t, i, 0, True) for i, t in enumerate(texts)]


def test_a_sentence_leaning_on_one_left_out_loses_to_one_that_follows_on() -> None:
    sentences = make(
        [
            "The council closed the harbour bridge to cars on Tuesday night.",
            "Engineers had warned for years that it could fail.",
            "But they were ignored by two mayors in a row until now.",
        ]
    )
    limit = len(sentences[0].text) + 1 + len(sentences[2].text)  # room for two, not three
    blurb = compose(sentences, [1.0, 0.4, 0.9], limit)
    assert blurb == f"{sentences[0].text} {sentences[1].text}"


def test_chosen_sentences_keep_the_articles_order() -> None:
    sentences = make(["First one here.", "Second one here.", "Third one here.", "Fourth."])
    blurb = compose(sentences, [0.2, 0.9, 0.1, 0.8], 34)
    assert blurb == "Second one here. Fourth."  # the best two, as the article has them


def test_a_lead_in_to_code_stands_as_a_sentence() -> None:
    markup = (
        "<p>Here is a copy-pasteable snippet to embed a video while reducing its tracking as "
        "much as possible:</p><pre><code>&lt;iframe credentialless&gt;</code></pre>"
        "<ul><li><code>credentialless</code> to load it in a blank context.</li></ul>"
    )
    assert extract_blurb(markup, "Embedding videos").endswith(
        "reducing its tracking as much as possible."
    )


HARBOUR_CODE = "<pre><code>tides = fetch(pier)\nshow(tides)</code></pre>"


def test_paragraphs_before_what_the_text_leaves_out_are_lead_ins() -> None:
    from digest.storytext import LeadIn, QuoteLeadIn

    markup = (
        "<p>The harbour app reads the tides like this:</p>" + HARBOUR_CODE + "<p>It works.</p>"
        "<p>The harbourmaster wrote to the council:</p><blockquote>Close it.</blockquote>"
        "<p>We liked it <img src='smile.png' width='16' height='16'></p><p>Bye.</p>"
    )
    paragraphs = story_paragraphs(markup)
    assert isinstance(paragraphs[0], LeadIn) and not isinstance(paragraphs[0], QuoteLeadIn)
    assert isinstance(paragraphs[2], QuoteLeadIn)
    assert not any(isinstance(p, LeadIn) for p in paragraphs[1::2])  # an emoji shows nothing


def test_a_lead_in_that_points_at_code_is_cut_before_its_pointer() -> None:
    markup = (
        "<p>Last week I needed a tide table for every pier of the old harbour in the city, "
        "and so wrote something like this with the new ferry library:</p>"
        + HARBOUR_CODE
        + "<p>The ferry library rounds every tide to the hour, because the council's data "
        "comes in hours, so the table was always a little wrong.</p>"
    )
    blurb = extract_blurb(markup, "Harbour tide tables")
    assert "like this" not in blurb
    assert blurb.startswith("Last week I needed a tide table for every pier of the old harbour")


@pytest.mark.parametrize(
    "lead_in",
    ["Here is my script:", "The result looks like this.", "Back at the pier, watch this:"],
)
def test_a_blurb_does_not_point_at_code_it_leaves_out(lead_in: str) -> None:
    markup = f"<p>{P1}</p><p>{lead_in}</p>{HARBOUR_CODE}<p>{P2}</p>"
    assert lead_in.rstrip(":.") not in extract_blurb(markup, "Harbour bridge")


def test_a_lead_in_to_a_quotation_is_left_out_with_it() -> None:
    markup = (
        f"<p>{P1}</p><p>The harbourmaster has posted some more on the council's list:</p>"
        f"<blockquote>We told them years ago.</blockquote><p>{P3}</p>"
    )
    assert "harbourmaster" not in extract_blurb(markup, "Harbour bridge")


def test_a_puzzle_for_the_reader_gives_way_to_its_answer() -> None:
    markup = (
        "<p>Yesterday I wrote a small tide calculator for the ferry timetable of the harbour.</p>"
        + HARBOUR_CODE
        + "<p>Can you spot the bug? Here are the two functions it calls:</p>"
        + HARBOUR_CODE
        + "<p>The first has no return value, while the second does.</p>"
        "<p>I asked the author of the tide library about it, and he sent me to the manual of the"
        " ferry company and its long list of harbour regulations.</p>"
        "<p>Both fetch and show take a copy of the table, meaning that any change they make is"
        " lost when they return.</p>"
    )
    blurb = extract_blurb(markup, "A sneaky tide bug")
    assert "?" not in blurb and "The first" not in blurb
    assert "meaning that any change they make is lost" in blurb


def test_a_puzzle_at_the_end_of_a_sentence_is_cut() -> None:
    text = (
        "My neighbour showed me a small ferry ticket machine, and what's interesting here is "
        "the bug, can you spot it?"
    )
    assert summarize([text, "Nobody at the pier could."], "", 300).startswith(
        "My neighbour showed me a small ferry ticket machine, and what's interesting here is "
        "the bug."
    )


def test_a_lead_in_announcing_a_list_mid_sentence_does_not_end_a_blurb() -> None:
    paragraphs = [
        "Please move your boats to the new pier by March 25.",
        "Shortly after March 25, we will apply the following changes to the boats in the old "
        "harbour that have not moved:",
        ListItem("Boats will be towed to the council's yard and will pay a daily fee."),
        ListItem("Moorings at the old pier will be removed."),
    ]
    blurb = summarize(paragraphs, "Move your boats", 300)
    assert "following changes" not in blurb
    assert "towed" in blurb or "Moorings" in blurb


def test_a_listicle_promise_closed_by_its_writer_stays() -> None:
    paragraphs = [
        "Few of us want to sit in an office all day.",
        "If you want to work outdoors, you might find the following 7 harbour jobs satisfying.",
        ListItem("Ferry pilot"),
        ListItem("Harbour master"),
    ]
    assert "7 harbour jobs satisfying." in summarize(paragraphs, "Harbour jobs", 300)


@pytest.mark.parametrize(
    ("lead_in", "end"),
    [
        ("The primary reasons for this change are:", "are."),
        ("Over the summer the club did, amongst other things:", "things."),
        ("Im Sommer hat der Verein unter anderem:", "anderem."),
        ("In the words of the harbour council's own report on the bridge:", "bridge."),
    ],
)
def test_a_lead_in_that_needs_what_follows_keeps_its_colon(lead_in: str, end: str) -> None:
    assert not summarize([lead_in], "", 300).endswith(end)


# --- languages ----------------------------------------------------------------------------------

LANGUAGES = [
    (
        "german",
        "<p>Am 3. Oktober stimmte der Rat ab. Die Altstadt wird ab 2026 autofrei.</p>",
        "Am 3. Oktober stimmte der Rat ab. Die Altstadt wird ab 2026 autofrei.",
    ),
    (
        "portuguese",
        "<p>A estiagem deve reduzir a colheita de café. O Sr. Ribeiro nunca viu nada igual.</p>",
        "A estiagem deve reduzir a colheita de café. O Sr. Ribeiro nunca viu nada igual.",
    ),
    (
        "russian",
        "<p>Он пришёл домой. Она спала. Т.е. все спали.</p>",
        "Он пришёл домой. Она спала. Т.е. все спали.",
    ),
    (
        "chinese, joined without spaces",
        "<p>本市启动加装电梯计划。</p><p>不少老年居民对此表示欢迎！</p>",
        "本市启动加装电梯计划。不少老年居民对此表示欢迎！",
    ),
    (
        "korean, joined with a space",
        "<p>서울시가 수상버스를 운항한다.</p><p>요금은 지하철과 같아요.</p>",
        "서울시가 수상버스를 운항한다. 요금은 지하철과 같아요.",
    ),
    (
        "kannada",
        "<p>ಇದು ಕನ್ನಡ ವಾಕ್ಯ. ಇದು ಎರಡನೆಯದು.</p>",
        "ಇದು ಕನ್ನಡ ವಾಕ್ಯ. ಇದು ಎರಡನೆಯದು.",
    ),
]


@pytest.mark.parametrize(("kind", "markup", "expected"), LANGUAGES, ids=[x[0] for x in LANGUAGES])
def test_blurbs_in_every_language(kind: str, markup: str, expected: str) -> None:
    assert extract_blurb(markup, "") == expected


# --- lines inside a block -----------------------------------------------------------------------

LINES = [
    (
        "hard-wrapped prose",
        "<p>A lot of people have responded to my post about libertarian<br><br>\n"
        "economics and I gotta say you guys<br><br>\nare great to debate with so far.</p>",
        "A lot of people have responded to my post about libertarian economics and I gotta say "
        "you guys are great to debate with so far.",
    ),
    (
        "source newlines are spaces",
        "<p>Embedding external content is more annoying than ever, so here\n"
        "is a snippet that helps.</p>",
        "Embedding external content is more annoying than ever, so here is a snippet that helps.",
    ),
    (
        "a caption and its credit on their own lines",
        f"<p>Kim Hyun-joo stars in Jung_E.<br>Netflix/YouTube screenshot</p><p>{P1}</p>",
        P1,
    ),
    (
        "a heading line above a paragraph",
        f"<div>{P1}<br><br> Why this change is happening<br>{P2}</div>",
        None,
    ),
]


@pytest.mark.parametrize(("kind", "markup", "expected"), LINES, ids=[x[0] for x in LINES])
def test_lines_inside_a_block(kind: str, markup: str, expected: str | None) -> None:
    blurb = extract_blurb(markup, "")
    if expected is not None:
        assert blurb == expected
    assert "screenshot" not in blurb
    assert "happening" not in blurb


# --- the review in ../shared ------------------------------------------------------------------

JUNG_E_TITLE = "‘Jung_E’ on Netflix: A Beautifully Heartrending Sci-Fi Thriller"
JUNG_E_CHROME = [*SHARED_JUNG_E_CHROME, "Share", "Kim Hyun-joo stars in Jung_E"]


def says_what_the_film_is(blurb: str) -> None:
    assert "sci-fi thriller" in blurb
    assert "Yeon Sang-ho" in blurb
    assert len(blurb) <= 300 and re.search(r"[.!?]$", blurb)
    for chrome in JUNG_E_CHROME:
        assert chrome not in blurb, chrome
    assert JUNG_E_TITLE not in blurb


@needs_shared
def test_jung_e_feed_blurb_says_what_the_film_is() -> None:
    path = FIXTURE_FEEDS / "jung_e_rss.xml"
    [entry] = parse_feed(path.read_bytes(), path.as_uri()).entries
    says_what_the_film_is(extract_blurb(entry.html, entry.title))


@needs_shared
def test_jung_e_flat_text_blurb_says_what_the_film_is() -> None:
    text = (SEED / "jung_e_review.txt").read_text(encoding="utf-8")
    markup = text_to_html(text)
    says_what_the_film_is(extract_blurb(markup, JUNG_E_TITLE))
    says_what_the_film_is(extract_blurb(markup, ""))  # even when the feed gave no title
    paragraphs = " ".join(story_paragraphs(markup))
    for chrome in JUNG_E_CHROME[:-1]:
        assert chrome not in paragraphs, chrome


@pytest.mark.parametrize(
    "markup",
    [
        "<p>So you are thinking of growing your own food? It takes more time than you think.</p>"
        "<p>Eight Reasons was originally published in Invironment on Medium, where people are"
        " continuing the conversation by highlighting and responding to this story.</p>",
        "<p>So you are thinking of growing your own food? It takes more time than you think."
        " Eight Reasons was originally published in Invironment on Medium, where people are"
        " continuing the conversation by highlighting and responding to this story.</p>",
    ],
)
def test_syndication_footer_never_reaches_the_blurb(markup: str) -> None:
    blurb = extract_blurb(markup, "Eight Reasons")
    assert "originally published" not in blurb
    assert blurb.startswith("So you are thinking")


@pytest.mark.parametrize(
    ("markup", "unwanted"),
    [
        (
            "<p>The film opens in a quiet village. Capra? Hardly. The director borrows only"
            " the snow and the bells, and makes a darker story of them.</p>",
            "Capra?",
        ),
        (
            "<p>The minister spoke for an hour on the budget. “There were some bright spots."
            " The rest of the speech was about taxes and the new hospital wing.</p>",
            "“There were",
        ),
    ],
)
def test_fragments_that_read_badly_alone_are_left_out(markup: str, unwanted: str) -> None:
    blurb = extract_blurb(markup, "", 300)
    assert blurb and unwanted not in blurb


# --- cookie and consent banners -------------------------------------------------------------

CONSENT_MARKUP = [
    (
        "cookie-banner class",
        '<div class="cookie-banner">We use cookies to improve your experience. '
        "Accept all cookies?</div>",
        "improve your experience",
    ),
    (
        "consent class, words of its own",
        '<div class="consent-manager"><p>Our partners and we would like to store information '
        "on your device to show you offers that suit you.</p></div>",
        "offers that suit you",
    ),
    (
        "gdpr class",
        '<section class="gdpr-notice"><p>Your choices help keep the Harbour Times free to read '
        "for everyone in the region.</p></section>",
        "Your choices help",
    ),
    (
        "consent platform class",
        '<div class="qc-cmp2-container"><div class="qc-cmp2-summary-info"><p>Tracking helps us '
        "keep every story on the Harbour Times free for all readers.</p></div></div>",
        "Tracking helps us",
    ),
    (
        "consent platform id",
        '<div id="onetrust-banner-sdk"><p>Harbour Times and its partners process data about '
        "how you read each story on this page.</p></div>",
        "process data about",
    ),
    (
        "consent dialog",
        '<div role="dialog" aria-label="Privacy settings"><p>Harbour Times and its partners '
        "process data about how you read each story on this page.</p></div>",
        "process data about",
    ),
]


@pytest.mark.parametrize(
    ("kind", "chrome", "leak"), CONSENT_MARKUP, ids=[c[0] for c in CONSENT_MARKUP]
)
def test_a_consent_banner_by_its_markup_never_reaches_the_blurb(
    kind: str, chrome: str, leak: str
) -> None:
    for markup in (chrome + STORY, STORY + chrome):
        assert leak not in story_text(markup)
        blurb = extract_blurb(markup, "Harbour bridge to close")
        assert blurb.startswith(LEAD)
        assert leak not in blurb


CONSENT_WORDS = [
    ("we use cookies", "We use cookies to improve your experience. Accept all cookies?"),
    (
        "this website uses cookies",
        "This website uses cookies to ensure you get the best experience on our website.",
    ),
    (
        "we and our partners",
        "We and our partners store and/or access information on a device, such as cookies and "
        "process personal data, such as unique identifiers and standard information sent by a "
        "device for personalised ads and content, ad and content measurement, and audience "
        "insights, as well as to develop and improve products.",
    ),
    (
        "by clicking",
        "By clicking “Accept All Cookies”, you agree to the storing of cookies on your device to "
        "enhance site navigation, analyze site usage, and assist in our marketing efforts.",
    ),
    ("by continuing", "By continuing to use this site you consent to our use of cookies."),
    (
        "settings and policy",
        "You can change your cookie settings at any time. For more information, see our "
        "Cookie Policy.",
    ),
    ("buttons", "Manage preferences"),
    ("more buttons", "Reject all"),
    ("heading", "We value your privacy"),
    ("german", "Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten."),
    ("german button", "Alle akzeptieren"),
    ("portuguese", "Utilizamos cookies para melhorar a sua experiência de navegação."),
    ("french", "Nous utilisons des cookies pour améliorer votre expérience sur notre site."),
    ("russian", "Мы используем файлы cookie, чтобы улучшить работу сайта."),
    ("korean", "이 웹사이트는 쿠키를 사용합니다."),
]


@pytest.mark.parametrize(("kind", "chrome"), CONSENT_WORDS, ids=[c[0] for c in CONSENT_WORDS])
def test_a_consent_banner_in_words_never_reaches_the_blurb(kind: str, chrome: str) -> None:
    pages = [flat(chrome, P1, P2, P3), f"<div><p>{chrome}</p><p>{P1}</p></div><p>{P2}</p>"]
    if ends_sentence(chrome):  # a button's label glued to the lead is one sentence with it
        pages.append(f"<p>{chrome} {P1}</p><p>{P2}</p>")  # as a flat capture has it
    for markup in pages:
        text = story_text(markup)
        blurb = extract_blurb(markup, "Harbour bridge to close")
        assert blurb.startswith(LEAD), markup
        for sentence in split_sentences(chrome):
            assert sentence not in text
            assert sentence not in blurb


COOKIE_STORIES = [
    # Food: cookies are biscuits, and "accept", "manage", "settings" are ordinary words.
    "We use cookies from the day before for the crumb base, because fresh ones go soft.",
    "Accept that the first tray of cookies will spread too much; the second is always better.",
    "Manage the oven settings carefully, since these cookies burn within a minute.",
    "Wir verwenden Cookies vom Vortag für den Boden, weil frische zu weich werden.",
    # News about cookie law and consent banners.
    "The European Parliament approved a law on Tuesday requiring every website that uses "
    "cookies to ask visitors for consent first.",
    "“We use cookies to improve your experience,” the banners say, but few visitors read on.",
    "Regulators said many sites made rejecting cookies harder than accepting them.",
    "Under the rules, a banner must offer a “Reject all” button next to “Accept all”.",
    "You can change your cookie settings in most browsers by opening the privacy menu.",
    "By clicking accept, most users agree to be tracked, the study found.",
    "Privacy campaigners said the cookie law did not go far enough.",
]


@pytest.mark.parametrize("sentence", COOKIE_STORIES)
def test_a_story_about_cookies_keeps_its_sentences(sentence: str) -> None:
    markup = flat(P1, sentence + " " + P2, P3)
    text = story_text(markup)
    assert sentence in text
    assert P3 in text
    assert extract_blurb(f"<p>{sentence}</p>", "") == sentence


def test_a_recipe_filed_under_cookies_is_not_a_cookie_banner() -> None:
    recipe = (
        "These brown butter cookies are crisp at the edges and chewy in the middle. "
        "Chill the dough for an hour before baking, or the cookies will spread."
    )
    markup = (
        '<article class="post category-cookies tag-chocolate-chip-cookies">'
        f'<div class="entry-content cookie-recipe"><p>{recipe}</p></div></article>'
    )
    assert extract_blurb(markup, "Brown butter cookies") == recipe


# --- the lead, and sentences that lean on the one before -----------------------------------


def test_the_lead_comes_first_and_the_sentences_after_it_in_order() -> None:
    # The third sentence shares most words with the rest, but the opening says what the
    # piece is, and "he" in the third needs the second.
    markup = (
        "<p>Planetarien waren Anfang des 20. Jahrhunderts die Kathedralen der Wissenschaft. "
        "Anna Berg ist die neue Leiterin des Planetariums in der Stadt. Im Gespräch erzählt "
        "sie die Geschichte der Planetarien und der Projektoren der Planetarien.</p>"
    )
    blurb = extract_blurb(markup, "Die Geschichte der Planetarien und ihrer Projektoren", 170)
    assert blurb == (
        "Planetarien waren Anfang des 20. Jahrhunderts die Kathedralen der Wissenschaft. "
        "Anna Berg ist die neue Leiterin des Planetariums in der Stadt."
    )


TOO_LONG = (
    "The council, after a meeting that ran past midnight and drew hundreds of residents, "
    "engineers and shop owners, voted to close the old bridge."
)
LEANING_OPENERS = [
    ("But they were ignored for years.", "english connective"),
    ("It will close in spring next year.", "english pronoun"),
    ("OK, so both of those were wrong.", "after an interjection"),
    ("Und wir erfüllen den Wunsch sehr gerne!", "german connective"),
    ("Oder einfach Walerija, wie immer.", "german connective"),
    ("Er erzählt die ganze Geschichte.", "german pronoun"),
    ("Mais personne ne l'a écouté.", "french connective"),
    ("Elle ferme au printemps prochain.", "french pronoun"),
    ("Pero nadie los escuchó nunca.", "spanish connective"),
    ("Y el puente cerrará en primavera.", "spanish 'y'"),
    ("Mas ninguém os ouviu durante anos.", "portuguese connective"),
    ("Ele fecha na próxima primavera.", "portuguese pronoun"),
]


@pytest.mark.parametrize(("leaning", "kind"), LEANING_OPENERS, ids=[k for _, k in LEANING_OPENERS])
def test_a_blurb_never_opens_with_a_sentence_leaning_on_one_left_out(
    leaning: str, kind: str
) -> None:
    after = "Ferry tickets will cost the same as a bus fare from next spring."
    blurb = extract_blurb(f"<p>{TOO_LONG} {leaning} {after}</p>", "", 120)
    assert not blurb.startswith(leaning.split()[0]), blurb
    assert blurb == after


STANDING_OPENERS = [
    "Andrew Lee will run the new ferry from next spring.",  # "And…" inside a name
    "Itself a landmark, the bridge will close in spring.",
    "Erika Braun leitet ab Frühjahr die neue Fähre.",
    "Ilona Kis dirige le nouveau ferry au printemps.",
    "Y Combinator will fund the new ferry next spring.",  # "Y" before a name
    "E-mail tickets will be sold from next spring.",
    "Elena Ruiz dirigirá el nuevo ferry en primavera.",
]


@pytest.mark.parametrize("sentence", STANDING_OPENERS)
def test_a_sentence_that_only_looks_like_it_leans_can_open(sentence: str) -> None:
    blurb = extract_blurb(f"<p>{TOO_LONG} {sentence} Tickets cost a bus fare.</p>", "", 120)
    assert blurb.startswith(sentence)


def test_the_storys_own_first_sentence_may_start_with_a_connective() -> None:
    text = "So you are thinking of growing your own food? It takes more time than you think."
    assert extract_blurb(f"<p>{text}</p>", "") == text


def test_a_leaning_sentence_comes_with_its_predecessor_or_not_at_all() -> None:
    sentences = make(
        [
            "The council closed the harbour bridge to cars on Tuesday night.",
            "Engineers had warned for years that it could fail.",
            "But they were ignored by two mayors in a row until now.",
        ]
    )
    blurb = compose(sentences, [0.1, 0.1, 1.0], 200)  # the lead says little: best set
    assert not blurb.startswith("But")
    if "But they" in blurb:
        assert f"{sentences[1].text} {sentences[2].text}" in blurb


def test_the_lead_stops_where_a_sentence_is_left_out() -> None:
    # "he" and "them" point back at the long sentence that does not fit.
    markup = (
        "<p>The league is a competitive fantasy baseball league run by Tim Dierkes. "
        f"{TOO_LONG} The author of this column just hopes he is not one of them.</p>"
    )
    blurb = extract_blurb(markup, "League update", 150)
    assert blurb == "The league is a competitive fantasy baseball league run by Tim Dierkes."


def test_a_pronoun_for_a_name_said_before_it_in_its_own_sentence_may_join() -> None:
    # "his" stands for Tom, whom the sentence names first: nothing left out is missing.
    markup = (
        "<p>The new release of the Quill editor came out today after two years of work. "
        f"{TOO_LONG} I know Tom Lind from his years on the Vim team, and his hand on "
        "Quill shows in every keystroke.</p>"
    )
    blurb = extract_blurb(markup, "Quill 2.0 by Tom Lind", 300)
    assert "I know Tom Lind from his years on the Vim team" in blurb
    # a pronoun before any name still leans on what was left out
    leaning = markup.replace("I know Tom Lind from his years", "I know him from years")
    leaning = leaning.replace("and his hand", "and Tom Lind's hand")
    assert "I know him" not in extract_blurb(leaning, "Quill 2.0 by Tom Lind", 300)


@pytest.mark.parametrize(
    ("markup", "start"),
    [
        (
            "<p>Media. We all consume it and we all love it. The books we read are part of us"
            " and sharing them is fun.</p>",
            "Media. We all consume it",
        ),
        (
            "<p>Zeit! Irgendwann gab es sie gar nicht, heute wird sie uns geschenkt. Ja, auch"
            " Hal Faber weiß, dass das Quatsch ist.</p>",
            "Zeit! Irgendwann gab es sie",
        ),
    ],
)
def test_a_one_word_opening_comes_with_the_sentence_that_goes_on_from_it(
    markup: str, start: str
) -> None:
    assert extract_blurb(markup, "", 300).startswith(start)


def test_a_lead_that_says_little_gives_way_to_the_standfirst() -> None:
    markup = (
        "<p>We Americans can do better in the fight to protect our threatened public lands, "
        "writes Theodore Roosevelt IV, a descendant of the ‘conservation president’</p>"
        "<p>A truly noble idea – deeply democratic in its inspiration.</p>"
    )
    blurb = extract_blurb(markup, "America's public lands belong to all of us")
    assert blurb.startswith("We Americans can do better")
    assert "‘conservation president’." in blurb


# --- quotations -------------------------------------------------------------------------------

QUOTED = [
    (
        "english",
        "<p>Late-night hosts on Tuesday addressed the State of the Union address.</p><p>“There "
        "were some bright spots. There were some really heartwarming moments. Some amazing "
        "people were there,” Colbert said.</p>",
        "There were some really heartwarming moments.",
    ),
    (
        "german",
        "<p>Die Moderatoren sprachen am Dienstag über die Rede des Präsidenten.</p><p>„Es gab "
        "ein paar Lichtblicke. Es gab wirklich herzerwärmende Momente. Tolle Leute waren "
        "da“, sagte Colbert.</p>",
        "Es gab wirklich herzerwärmende Momente.",
    ),
    (
        "french",
        "<p>Les animateurs ont commenté mardi le discours du président.</p><p>« Il y avait "
        "quelques éclaircies. Il y avait des moments vraiment touchants. Des gens formidables "
        "étaient là », a dit Colbert.</p>",
        "Il y avait des moments vraiment touchants.",
    ),
]


@pytest.mark.parametrize(("kind", "markup", "inside"), QUOTED, ids=[q[0] for q in QUOTED])
def test_a_sentence_from_inside_a_quotation_never_stands_alone(
    kind: str, markup: str, inside: str
) -> None:
    for limit in (120, 300):
        assert inside not in extract_blurb(markup, "", limit)


def test_german_quotation_marks_are_a_closed_quotation() -> None:
    text = (
        "Zum Interview ein T-Shirt mit der Aufschrift „Milk“ anzuziehen ist entweder dumm "
        "oder sehr abgeklärt. Die Band hat es jedenfalls bemerkt."
    )
    assert extract_blurb(f"<p>{text}</p>", "") == text


# --- boilerplate and reference clutter --------------------------------------------------------

CLUTTER = [
    ("sign-off", "Thank you for reading via RSS (this is JSON)."),
    ("german sign-off", "Danke fürs Zuhören!"),
    ("french sign-off", "Merci de votre lecture."),
    ("spanish sign-off", "Gracias por leer."),
    ("portuguese sign-off", "Obrigado por ler!"),
    (
        "contact footer",
        "If you'd like to give me feedback I'd love to hear it via email luke@example.org.",
    ),
    ("german contact footer", "Schreibt uns gerne an podcast@example.de, wir freuen uns."),
    (
        "timecoded source",
        "(1:51) “What Happens in an Internet Minute in 2017?” Visual Capitalist, August 2017. "
        "http://bit.ly/2hoewDI",
    ),
    ("timecoded source line", "(3:33) Source: “How Many Users Does Twitter Have?”"),
    ("asterisk note", "*We got the YouTube stat wrong. Our apologies."),
]


@pytest.mark.parametrize(("kind", "clutter"), CLUTTER, ids=[c[0] for c in CLUTTER])
def test_feed_boilerplate_and_references_never_reach_the_blurb(kind: str, clutter: str) -> None:
    markup = flat(P1, clutter, P2, P3, clutter)
    for sentence in split_sentences(clutter):
        assert sentence not in story_text(markup)
    blurb = extract_blurb(f"<p>{P1}</p><p>{clutter}</p>", "Harbour bridge to close")
    assert blurb == P1


NOT_CLUTTER = [
    "Thanks for reading the fine print, the judge told the firm.",
    "Readers wrote to us at letters@example.org in their hundreds after the story ran.",
    "[15:15:56] Anna: the build is green again, ship it.",
    "10:30 Uhr: Die Polizei meldet einen Unfall auf der Autobahn.",
    "*This* is the word the designer stressed in every meeting.",
]


@pytest.mark.parametrize("sentence", NOT_CLUTTER)
def test_sentences_that_look_like_boilerplate_survive(sentence: str) -> None:
    text = story_text(flat(P1, sentence, P2))
    assert sentence in text


FOOTNOTES = [
    (
        "Its name suggests “egg” [1]. It grows anywhere.",
        "Its name suggests “egg”. It grows anywhere.",
    ),
    (
        "Its name suggests egg[12], or goose. It grows.",
        "Its name suggests egg, or goose. It grows.",
    ),
    ("Sein Name heißt „Ei“[3]. Er wächst überall.", "Sein Name heißt „Ei“. Er wächst überall."),
    # a number in brackets inside the sentence is not a footnote marker
    ("Set item [3] to blue before saving.", "Set item [3] to blue before saving."),
]


@pytest.mark.parametrize(("text", "expected"), FOOTNOTES)
def test_footnote_markers_are_dropped(text: str, expected: str) -> None:
    assert extract_blurb(f"<p>{text}</p>", "") == expected


# --- the point of the story (issue 12) ----------------------------------------------------------

REVIEW_OPENING = (
    "<p>Ten years ago a small studio made a puzzle game about lighthouses that nobody played. "
    "Now the same team returns with Harbour Lights, a tide-bending adventure for two players.</p>"
)
REVIEW_MIDDLE = "".join(
    f"<p>Chapter {n} moves the tide a little further up the beach and adds a new kind of "
    f"boat to steer between the rocks of the harbour.</p>"
    for n in range(1, 7)
)
REVIEW_VERDICT = (
    "<p>All in all, Harbour Lights is a gorgeous, moving puzzle game that is well worth your "
    "evenings.</p>"
)


def test_a_reviews_verdict_in_its_last_paragraph_reaches_the_blurb() -> None:
    markup = REVIEW_OPENING + REVIEW_MIDDLE + REVIEW_VERDICT
    blurb = extract_blurb(markup, "Harbour Lights review: tides of joy")
    assert "well worth your evenings" in blurb
    assert "Ten years ago" not in blurb  # the anecdote gives way to what the game is
    assert blurb.startswith("The same team returns with Harbour Lights")  # "Now" dropped


def test_a_german_adverb_before_its_verb_stays_when_the_blurb_opens_on_it() -> None:
    # "Nun ist …" without "Nun" would read as a question: German puts the verb second.
    texts = [
        "Der Funk ist alt.",
        "Nun ist seit einigen Jahren der Umstieg auf digitalen Funk bei Taxis zu erleben.",
        "Nun, die Taxifahrer in Hamburg haben sich längst an die neuen Geräte gewöhnt.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate(texts)]
    blurb = compose(sentences, [0.1, 1.0, 0.2], 100)  # the lead says little: best opens
    assert blurb.startswith("Nun ist seit einigen Jahren")
    blurb = compose(sentences, [0.1, 0.2, 1.0], 100)
    assert blurb.startswith("Die Taxifahrer in Hamburg")  # "Nun," is an interjection


def test_a_story_that_is_no_review_keeps_its_lead() -> None:
    markup = REVIEW_OPENING + REVIEW_MIDDLE + REVIEW_VERDICT.replace("All in all, ", "")
    blurb = extract_blurb(markup, "Studio news from the harbour")
    assert blurb.startswith("Ten years ago a small studio")


@pytest.mark.parametrize(
    ("title", "categories", "text", "kind"),
    [
        ("Book review: The Salt Road", (), "A novel.", "review"),
        ("The Salt Road", ("book_reviews",), "A novel.", "review"),
        ("Die Salzstraße im Test", (), "Ein Spiel.", "review"),
        ("The Salt Road", (), "A novel. Rating: 4/5.", "review"),
        ("The Salt Road: A Beautifully Told Novel", (), "A novel.", "review"),
        # a gerund is no judgement, and an offer with its price is an ad
        ("Moving beyond gulls for tide studies", (), "A study.", "story"),
        ("Engaging harbour neighbours", (), "A plan.", "story"),
        ("Moving", (), "A note.", "story"),
        ("Beautiful flat by the harbour! $1200 2bd", (), "An ad.", "story"),
        ("A Gripping Harbour Thriller", (), "A novel.", "review"),
        ("Tidekit 2.4.1", (), "A release.", "release"),
        ("Announcing v202604 of the Tide API", (), "A release.", "release"),
        ("Council plans to release the harbour report", (), "News.", "story"),
    ],
)
def test_the_kind_of_story_is_told_from_what_it_carries(
    title: str, categories: tuple[str, ...], text: str, kind: str
) -> None:
    assert story_kind(title, categories, [text]) == kind


def test_a_release_note_says_what_changed_and_what_to_do() -> None:
    markup = (
        "<p>Today we are releasing version 3.2 of the Tidekit library. This is the second "
        "release this spring. Here are the highlights:</p>"
        "<p>The old harbour endpoint is deprecated and will be removed on 1 June.</p>"
        "<p>Tide charts now load twice as fast on phones.</p>"
        "<p>As always, review all changes in the release notes and let us know what you "
        "think of the new tide charts and the harbour maps.</p>"
    )
    blurb = extract_blurb(markup, "Tidekit 3.2")
    assert "deprecated and will be removed on 1 June" in blurb
    assert "highlights" not in blurb  # a lead-in that only points ahead
    assert "let us know" not in blurb  # filler


TIDEKIT_CHANGES = (
    "<p>There is a new minor version of Tidekit: 2.4.1. Nothing big, only small fixes, "
    "tidier code and some hardening:</p>"
    "<ul><li>Use newer type hints</li>"
    "<li>Reformat the test suite</li>"
    "<li>Harden the chart parser against CVE-2031-1234</li>"
    "<li>Support for GPX tide files</li>"
    "<li>Categories - .footer-archives</li></ul>"
    "<p>Thanks to Ana Souza, Tidekit now has a logo of its own!</p>"
    "<p>As usual, help with the harbour maps is welcome.</p>"
)


def test_a_release_names_its_changes_from_a_list() -> None:
    blurb = extract_blurb(TIDEKIT_CHANGES, "Tidekit 2.4.1")
    # the changes that matter, closed as sentences; not the chores, nor a label and value
    assert "Harden the chart parser against CVE-2031-1234." in blurb
    assert "Support for GPX tide files." in blurb
    assert "type hints" not in blurb and "test suite" not in blurb
    assert "footer" not in blurb


def test_list_items_stay_out_of_a_story_that_is_no_release() -> None:
    blurb = extract_blurb(TIDEKIT_CHANGES, "A new minor version of our harbour app")
    assert "CVE" not in blurb and "GPX" not in blurb


def test_a_lead_in_to_the_following_things_is_no_sentence() -> None:
    markup = (
        "<p>The harbour app is coming along nicely. It now supports the following features:</p>"
        "<ul><li>Tide charts for every pier of the old harbour, updated each hour.</li>"
        "<li>Ferry times that follow the winter timetable of the council.</li></ul>"
        "<p>All of this works today, and there is more to come as the ferries add routes.</p>"
    )
    blurb = extract_blurb(markup, "Harbour app notes")
    assert "following features" not in blurb


def test_list_items_are_told_from_paragraphs() -> None:
    paragraphs = story_paragraphs(TIDEKIT_CHANGES)
    items = [p for p in paragraphs if isinstance(p, ListItem)]
    assert items[0] == "Use newer type hints"
    assert len(items) == 5 and not isinstance(paragraphs[0], ListItem)


@pytest.mark.parametrize(
    ("opening", "story"),
    [
        ("NEWARK, N.J. (AP) — ", "The harbour ferry will run all winter, the council said."),
        ("LISBOA, 24 SET (Lusa) - ", "O ferry do porto vai funcionar durante todo o inverno."),
        ("Hamburg (dpa) - ", "Die Hafenfähre fährt den ganzen Winter über, sagte der Senat."),
        ("Porto, 24 set (EFE).- ", "O ferry do porto vai funcionar durante todo o inverno."),
        ("WASHINGTON — ", "The harbour ferry will run all winter, the council said."),
        ("UAE: ", "The harbour ferry will run all winter, the council said."),
        ("港口新闻讯3月2日，", "港口渡轮将在整个冬季每天运行，票价与公交车相同，市议会周二表示。"),
    ],
)
def test_a_dateline_is_trimmed(opening: str, story: str) -> None:
    second = "Tickets will cost the same as a bus fare, and bicycles ride for free."
    assert extract_blurb(f"<p>{opening}{story} {second}</p>", "Ferry").startswith(story)


def test_a_photo_credit_inside_a_sentence_is_trimmed() -> None:
    markup = (
        "<p>Harbour master Jan Olsen (Foto) hat die Fähre am Montag eröffnet. Sie fährt bis "
        "Ende März jeden Tag, auch an Feiertagen.</p>"
    )
    blurb = extract_blurb(markup, "Fähre")
    assert "(Foto)" not in blurb and "Jan Olsen hat die Fähre" in blurb


@pytest.mark.parametrize(
    ("sentence", "trimmed"),
    [
        ("The patch was sent by email (sigh) and still waits.", "sent by email and still"),
        ("The gang's (almost) all here to talk about ferries.", "The gang's all here"),
        ("Windjammers 2 (?!?) was the surprise of the week.", "Windjammers 2 was"),
        ("It is on permanent loan (I think!) from a friend.", "permanent loan from a"),
        ("Harbourco (NASDAQ: HBR) sold its third ferry on Friday.", "Harbourco sold its"),
        ("Listen to the interview (harbour-radio.de) with the captain.", "interview with the"),
    ],
)
def test_an_editor_trims_asides_inside_a_sentence(sentence: str, trimmed: str) -> None:
    second = "Tickets will cost the same as a bus fare, and bicycles ride for free."
    blurb = extract_blurb(f"<p>{sentence} {second}</p>", "Ferry")
    assert trimmed in blurb and "(" not in blurb, blurb


@pytest.mark.parametrize(
    "sentence",
    [
        "Permalinks no longer use the hashbang (#!) since the redesign.",
        "Version 4 (2.7 in the old numbering) adds night crossings.",
        "The captain (Jan Olsen) steered the ferry through the storm.",
    ],
)
def test_asides_that_carry_something_stay(sentence: str) -> None:
    blurb = extract_blurb(f"<p>{sentence} Tickets cost the same as a bus fare.</p>", "Ferry")
    assert blurb.startswith(sentence), blurb


def test_an_abbreviation_the_blurb_never_uses_again_loses_its_brackets() -> None:
    unused = "The Harbour Ferry Authority (HFA) will run the ferry all winter, it said today."
    blurb = extract_blurb(f"<p>{unused} Tickets cost the same as a bus fare.</p>", "Ferry")
    assert "Harbour Ferry Authority will run" in blurb
    used = "The Harbour Ferry Authority (HFA) will run the ferry all winter. The HFA set fares."
    assert "(HFA)" in extract_blurb(f"<p>{used}</p>", "Ferry")


def test_an_aside_of_whole_sentences_leaves_the_sentence_around_it_standing() -> None:
    markup = (
        "<p>The harbour ferry turns fifty this year. The two hosts talk about its last"
        " crossing with the whole crew (Yes, the cook was there too. She even sang!). Tickets"
        " for the anniversary trip cost the same as a bus fare.</p>"
    )
    blurb = extract_blurb(markup, "Ferry at fifty")
    assert "talk about its last crossing with the whole crew." in blurb, blurb
    assert "cook" not in blurb and "(" not in blurb


def test_half_an_aside_never_stands_alone() -> None:
    markup = (
        "<p>The ferry's new timetable starts on Monday with six crossings a day. (The old one "
        "had four. The council wanted more before the summer.) Tickets cost the same as a bus "
        "fare, and bicycles ride for free all winter.</p>"
    )
    blurb = extract_blurb(markup, "Ferry")
    assert "(" not in blurb and ")" not in blurb, blurb
    assert blurb.startswith("The ferry's new timetable")


@pytest.mark.parametrize(
    ("markup", "expected_end"),
    [
        # cut mid-word without saying so: ends at the last whole word before it
        (
            "<p>This week we talk about the new harbour ferry, the winter timetable, why the "
            "bridge closed, the tide charts that nobody reads, the mayor's bicycle, the fish "
            "market's new roof, and the long argument about the lighthouse paint colu</p>",
            "the long argument about the lighthouse paint…",
        ),
        # a list of topics that ends "and more...": not a cut
        (
            "<p>Jen and Nicole review the ferry! Do sailors really like fish? and more...</p>",
            "Do sailors really like fish?",
        ),
    ],
)
def test_a_teaser_the_publisher_cut_ends_with_an_ellipsis(markup: str, expected_end: str) -> None:
    blurb = extract_blurb(markup, "")
    assert blurb.endswith(expected_end)
    assert not blurb.endswith("colu.")


def test_a_sentence_with_a_link_is_a_plug_not_the_blurb() -> None:
    markup = (
        "<p>This is the last ferry column for this paper. To keep reading, please visit "
        "http://example.org/ferry from now on. The winter timetable starts on Monday.</p>"
    )
    blurb = extract_blurb(markup, "End of the line")
    assert "http" not in blurb and "timetable" in blurb


def test_a_superscript_suffix_stays_with_its_number() -> None:
    markup = "<p>Harbour Lights is the 3<sup>rd</sup> album from the band, and its best.</p>"
    assert "3rd album" in extract_blurb(markup, "")


def test_a_footnote_superscript_is_still_dropped() -> None:
    markup = "<p>The ferry carried 400 people<sup>1</sup> on its first day in the harbour.</p>"
    assert "people on its first day" in extract_blurb(markup, "")


def test_a_one_word_answer_stays_with_its_question() -> None:
    markup = (
        "<p>„Sprichst du auch akzentfrei Deutsch?“ Tolle Frage im Vorstellungsgespräch, oder? "
        "Nicht. Dafür aber ein Beispiel für Alltagsrassismus, über das wir heute sprechen.</p>"
    )
    blurb = extract_blurb(markup, "Alltagsrassismus", 130)
    assert "oder? Nicht." in blurb or "oder?" not in blurb


def test_a_title_that_runs_on_is_not_cut_into_a_stray_comma() -> None:
    title = "Anna Berg will referee the harbour derby on Saturday"
    blurb = extract_blurb(f"<p>{title}, the league said on Friday evening in Lisbon.</p>", title)
    assert not blurb.startswith(",")


def test_a_text_post_that_only_repeats_its_title_gets_no_blurb() -> None:
    title = "Anna Berg will referee the harbour derby on Saturday"
    assert extract_blurb(f"<p>{title}, this weekend.</p>", title) == ""


@pytest.mark.parametrize(
    "sentence",
    [
        "Close video analysis of the harbour crossing showed the ferry turned too early and "
        "scraped the pier.",
        "Join us in welcoming Anna Berg, the new harbour master, who starts on Monday.",
        "Follow us as we ride the first winter ferry from the old pier to the island.",
    ],
)
def test_story_sentences_that_start_like_buttons_are_kept(sentence: str) -> None:
    other = "The council voted on Tuesday to keep the harbour ferry running all winter."
    assert sentence in " ".join(story_paragraphs(f"<p>{other}</p><p>{sentence}</p>"))


@pytest.mark.parametrize(
    "chrome", ["Close video", "Follow us on Instagram", "Join our newsletter for more stories"]
)
def test_buttons_that_start_alike_are_still_dropped(chrome: str) -> None:
    other = "The council voted on Tuesday to keep the harbour ferry running all winter."
    assert chrome not in " ".join(story_paragraphs(f"<p>{other}</p><p>{chrome}</p>"))


def test_a_lead_in_to_a_list_that_only_points_ahead_is_no_sentence() -> None:
    blurb = summarize(
        ["The ferry gets three changes this winter.", "Here are the highlights:"], "", 300
    )
    assert "highlights." not in blurb


def test_an_exclamation_on_its_own_line_is_no_caption() -> None:
    markup = (
        "<p>The ferry timetable for the winter is out. Boats leave every ten minutes at rush "
        "hour.</p><p>Thanks to Anna, it is now on the app!</p>"
        "<p>The council will review it in spring. The first storms may change it.</p>"
    )
    assert "Thanks to Anna, it is now on the app!" in " ".join(
        s.text for s in candidate_sentences(story_paragraphs(markup), "")
    )


# --- the point of the story, by kind -------------------------------------------------------


def test_a_review_told_by_its_judgements_keeps_its_verdict() -> None:
    """No "review" in the title or the tags: the critic's words in the text say it is one,
    and the verdict takes the place of a long lead that leaves it no room."""
    markup = (
        "<p>Salt is the second album from Harbour Lights, a trio from Bergen who recorded it "
        "in a boathouse over one cold winter, with a borrowed upright piano, a tape machine "
        "and whatever the fishermen next door lent them. A blend of sea shanties, ambient "
        "drones and free jazz held together by a low voice, it makes a surprisingly cohesive "
        "and daring record, and a gorgeous one.</p>"
        "<p>The opener, Ballast, starts with a field recording of gulls and a slow drum. "
        "Tidewater follows with brushed snares and a clarinet that drifts in and out.</p>"
        "<p>Then Lanterns, a two-minute interlude of piano under rain, announces the long "
        "closing suite, which is moving without ever raising its voice.</p>"
    )
    blurb = extract_blurb(markup, "Harbour Lights - Salt", 300)
    assert "cohesive and daring record" in blurb
    assert "Ballast" not in blurb


def test_a_reviews_verdict_follows_the_sentence_that_names_the_work() -> None:
    """The verdict never names the album; the lead that does is too long to stand beside
    it, so both are trimmed as an editor would: the lead to the clause that names the
    work (its aside in brackets and its first judgement go), the verdict by a word that
    only strengthens the next one, with "an" agreeing with what follows."""
    paragraphs = [
        'Salt ("sal" in the old tongue) is the second album from Lindwurm, and it\'s a very '
        "lonely one, for I don't think it has any peers.",
        "A mix of sea shanties, ambient drones and free jazz à la the old Bergen harbour school "
        "in equal measures, bound together with a hint of low northern brass, resulting in a "
        "not only surprisingly cohesive and daring record, but also an excessively pleasant and "
        "honest one.",
        'Opening with "Ballast", a slow drone where one wants to sway in rhythm, things quickly '
        'turn into shouted choruses, stamping feet and the creaking deck of "Tidewater", '
        "arguably the most sea shanty song of the album. The sudden turns are well done, and "
        "the work on the voices is truly delightful.",
        'Then the calm before the storm, "Lanterns", a one minute interlude of piano under the '
        'rain, announcing "Gale", some sort of free jazz and drone track, but with the noted '
        "presence of an accordion and some clear touches of folk. The album ends with "
        '"Home Port", starting with a lone fiddle.',
    ]
    blurb = summarize(paragraphs, "Lindwurm - Salt", 300)
    assert blurb.startswith("Salt is the second album from Lindwurm. A mix of sea shanties")
    assert blurb.endswith("cohesive and daring record, but also a pleasant and honest one.")


def test_a_reviews_closing_verdict_comes_with_the_books_name() -> None:
    """ "All in all, it's a …" judges the book without naming it: the sentence that names
    it opens the blurb, and the verdict loses its "All in all" to fit beside it."""
    paragraphs = [
        "I'm starting to feel bad about getting free books from Harbour Press, but apparently "
        "they're happy to send them my way in exchange for a review, so I won't complain.",
        "Anyway, I got a copy of the early access version of Knots - A Sailor's Guide to Bends, "
        "Hitches, Whippings, Lashings and Splices! It's obviously a book about knots, but, as "
        "hinted by its name, from the sailor's angle.",
        "I'm not completely clueless when it comes to tying knots, but I've always been "
        "mediocre at best, since I never really put the effort into practising anything but "
        "the basics. This was thus a fine chance for a deeper dive!",
        "The part about splices, while useful, doesn't really go much further than some basic "
        "techniques for three-strand rope, but I guess practise is the only way to learn. On "
        "the other hand, the part about decorative knots was highly entertaining, since those "
        "are really odd compared to the usual ones.",
        "The only issue I had with the book is that while it's full of gorgeous colourful "
        "drawings, like the small arrows showing where each end goes, they are unfortunately "
        "barely legible on my old e-reader, so I'd recommend getting the paperback version if "
        "you don't have a colour screen.",
        "All in all, it's a really great self-contained book for newcomers and beginners, "
        "clear, detailed, … and doing a tremendous job at making knot tying look fun yet "
        "useful for every deckhand! It was also a nice push for me to learn harder knots.",
    ]
    blurb = summarize(paragraphs, "Book review: Knots - A Sailor's Guide", 300, ("book_reviews",))
    assert blurb.startswith("I got a copy of the early access version of Knots")
    assert "! It's a really great self-contained book for newcomers" in blurb


def test_praise_of_the_author_is_not_the_reviews_verdict() -> None:
    """ "A great human being" judges a person; the verdict is the sentence whose "It's"
    stands for the book, and under the title that names the book it may open the blurb."""
    paragraphs = [
        "Last spring, I got an email from Ann Berg from Harbour Press's publicity office, "
        "telling me that Salt and Charts: The Craft of Reading Old Sea Maps by Tom Lind was "
        "out in early access, and that they would be glad to send me a copy free of charge!",
        "From the few talks I had with him, Lind is not only a great human being, but also a "
        "patient teacher. He runs the map room at the Bergen museum and wrote the tide tables "
        "app everyone uses; so I was glad to finally read his book!",
        "It's a full course for anyone who wants to read old charts: how to date them, how to "
        "spot forgeries, how to match soundings with today's maps, and how to care for the "
        "paper, with exercises on real charts from the museum's collection, from the Dutch "
        "masters to the Admiralty surveys of the last century, and more besides.",
        "It's a thorough yet highly readable guide that I would wholeheartedly recommend to "
        "anyone remotely curious about the sea. Old charts are all over the archives, waiting "
        "to be read, dated and compared, and with this book, anyone can help.",
    ]
    blurb = summarize(paragraphs, "Book review: Salt and Charts", 300)
    assert "human being" not in blurb
    assert blurb.startswith("It's a thorough yet highly readable guide that I would")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a cleft's "it" stands for nothing: the reviewed work is not its subject
        ("It's that woven thread, spun into a gripping thriller, that's worth it.", "story"),
        ("All in all, it's a gripping thriller, well worth your evenings.", "review"),
    ],
)
def test_it_stands_for_the_work_only_as_a_subject(text: str, kind: str) -> None:
    """A review's "it's" names the work it judges; the verdict then wins the blurb."""
    paragraphs = [
        "Harbour Lights is the new film from Ann Berg, set on a Bergen ferry over one long "
        "winter night, with a cast of twelve and a score by the Lindwurm trio.",
        "The first hour follows the crew through a storm off the coast, the second the "
        "passengers who wait below deck for the lights of the harbour.",
        text,
    ]
    blurb = summarize(paragraphs, "Harbour Lights review", 300)
    assert blurb.startswith("Harbour Lights is the new film")
    assert (text in blurb) == (kind == "review")


def test_a_speakers_biography_does_not_take_the_talks_place() -> None:
    """Her name in the title and her career's names and dates would win the biography a
    place; it says who speaks, not what the talk says."""
    markup = (
        "<p>Cities are losing their corner shops. In ten years Lisbon lost 1,200 of them, "
        "Porto 800. Rents rose by 40 percent while sales stayed flat. The talk asks what a "
        "street loses with them.</p>"
        "<p>Maria Costa has been a Professor of Urban Economics at the University of Porto "
        "since 2009. Before that she worked for the OECD in Paris and for Lisbon's planning "
        "office. She has written three books on retail and the city.</p>"
    )
    blurb = extract_blurb(markup, "Maria Costa - The last corner shop", 300)
    assert "Professor of Urban Economics" not in blurb
    assert "OECD" not in blurb


@pytest.mark.parametrize("word", ["Second", "Secondly", "Finally", "Zweitens"])
def test_a_sentence_counting_on_from_a_left_out_one_does_not_open(word: str) -> None:
    sentences = [
        "First the company raised the rent for the old cable modem without telling anyone.",
        f"{word} they were going to drop a dozen channels unless we asked for an adapter.",
        "The adapter never came, and after three hours on hold the channels went dark.",
    ]
    scores = [0.1, 5.0, 0.2]  # the second is the best, but it leans on the first
    candidates = candidate_sentences(sentences, "")
    blurb = compose(candidates, scores, 200)
    assert not blurb.startswith(word)


STANDFIRST = (
    "<p>Harbour board admits the new ferry timetable left 400 commuters stranded and "
    "promises refunds by March</p>"
)
ARTICLE = (
    "<p>The harbour board said on Monday that the winter ferry timetable would be changed "
    "again from next week, after a month of complaints from island residents.</p>"
    "<p>The first boat now leaves at 6.40, twenty minutes later than last year, and the last "
    "one at 21.00. Commuters say they cannot reach the mainland before work.</p>"
    "<p>The board's chair said the change had been made to save fuel and that the old times "
    "would be tested again in the spring.</p>"
)


def test_an_editors_standfirst_over_an_article_opens_the_blurb() -> None:
    """A standfirst that says what the first sentence does not (the stranded commuters, the
    refunds) is the editor's own summary: it leads."""
    blurb = extract_blurb(STANDFIRST + ARTICLE, "Ferry timetable changed again", 300)
    assert blurb.startswith("Harbour board admits the new ferry timetable left 400 commuters")
    assert "refunds by March." in blurb


def test_a_standfirst_the_first_sentence_repeats_gives_way_to_it() -> None:
    teaser = (
        "<p>The harbour board said on Monday that the winter ferry timetable would be changed "
        "again</p>"
    )
    blurb = extract_blurb(teaser + ARTICLE, "Ferry timetable changed again", 300)
    assert blurb.startswith("The harbour board said on Monday that the winter ferry timetable")
    assert "changed again The" not in blurb


def test_a_blurb_never_opens_on_a_stray_comma() -> None:
    """The rest of a quotation whose start the feed cut (", said the minister") is no
    opening; the story's first whole sentence is."""
    markup = (
        "<p>, said the minister, before the vote on the ferry subsidy.</p>"
        "<p>The parliament approved the new ferry law on Thursday by a wide margin.</p>"
    )
    blurb = extract_blurb(markup, "", 300)
    assert blurb.startswith("The parliament approved")


def test_a_standfirst_that_is_a_sidelight_gives_way_to_the_news_lead() -> None:
    """The first sentence states the headline's event (the captain died); a standfirst that
    tells a side of the story without it comes after the lead, not before it."""
    markup = (
        "<p>Ferry skipper spent forty winters taking islanders from Ness to Kirkwall through "
        "storms and fog, and was honoured for it in 1988</p>"
        "<p>Jon Berg, the island ferry captain whose night crossings in the great storm of 1987 "
        "saved a dozen lives, has died at his home on Ness at the age of 71, his family said on "
        "Tuesday.</p>"
        "<p>Berg took over the ferry from his father in 1974. He retired in 2015.</p>"
    )
    blurb = extract_blurb(markup, "Island ferry captain Jon Berg dies at 71", 300)
    assert blurb.startswith("Jon Berg, the island ferry captain")
    assert "has died" in blurb


def test_a_sidelight_standfirst_follows_the_lead_when_both_fit() -> None:
    markup = (
        "<p>Two crew members and three passengers were treated in hospital in Kirkwall for minor "
        "injuries after the grounding</p>"
        "<p>The night ferry to Ness ran aground on a sandbank on Tuesday with 80 passengers on "
        "board, the harbour board said.</p>"
        "<p>The passengers were taken off by lifeboat. The ferry was towed free at high tide.</p>"
    )
    blurb = extract_blurb(markup, "Night ferry to Ness runs aground on sandbank", 300)
    assert blurb.startswith("The night ferry to Ness ran aground")
    assert "Two crew members and three passengers were treated in hospital" in blurb


# --- a podcast's or a talk's who and what ------------------------------------------------------

BEES = (
    "<p>Bees have lived in cities for as long as there have been cities, in church towers and "
    "hollow trees. Urban beekeeping has grown fast in the last ten years, on roofs, balconies "
    "and the edges of parks. The city now counts more hives than the farmland around it, and "
    "more kinds of flowers.</p>"
    "<p>{who}</p>"
)


def test_a_podcasts_line_of_who_talks_with_whom_makes_the_blurb() -> None:
    """The introduction alone would fill the blurb; the line that says who talks about what
    is the point of an episode's description."""
    who = (
        "In conversation with Anna Berg, beekeeper Jon Lind explains how a hive survives the "
        "winter on a Berlin roof."
    )
    blurb = extract_blurb(BEES.format(who=who), "Episode 12: City bees", 300)
    assert blurb.startswith("Bees have lived in cities")
    assert blurb.endswith(who)


def test_a_line_of_who_talks_that_says_he_comes_after_the_one_naming_him() -> None:
    """ "… he tells …" names its guest in the sentence before: without it, it says not who."""
    markup = (
        "<p>Planetariums were the cathedrals of science a century ago, and crowds came to see "
        "the sky that the smoke of their cities hid. Max Weber has run the planetarium in Bochum "
        "for twenty years and built its new projector himself.</p>"
        "<p>In conversation with Anna Berg he tells the history of the projectors and what a "
        "modern show under the dome can do.</p>"
    )
    blurb = extract_blurb(markup, "Episode 13: Planetariums", 300)
    assert blurb.startswith("Max Weber has run the planetarium")
    assert blurb.endswith("what a modern show under the dome can do.")


def test_a_long_line_of_who_talks_ends_before_its_last_clause() -> None:
    """Too long for a blurb, the line of who talks about what ends before the clause it
    adds last, at a whole clause, rather than giving way to the story's introduction."""
    who = (
        "Beekeeper and biologist Jon Lind keeps forty hives on the roofs of Kreuzberg and talks "
        "with Anna Berg about how a colony survives the winter on a roof, what city bees find "
        "to eat between the parks and the railway lines and why their honey tastes of lime "
        "trees and explains how anyone with a balcony can start with a single hive next spring."
    )
    blurb = extract_blurb(BEES.format(who=who), "Episode 14: More city bees", 300)
    assert blurb.startswith("Beekeeper and biologist Jon Lind keeps forty hives")
    assert blurb.endswith("honey tastes of lime trees.")


def test_an_essay_whose_opening_states_the_writers_position_keeps_it() -> None:
    """The opening names whom the essay answers and states its position ("I'll state my
    position, namely …"); a later "I believe" is no reason to trade it for that one."""
    markup = (
        "<p>I see that Councillor Jane Roe is once again dismissing the harbour cycle lane "
        "without backing her position. I’ll state my position, namely that the harbour road "
        "needs a cycle lane, and why I believe that to be the case.</p>"
        "<p>The short version is that I have ridden the harbour road to the ferry every day "
        "since 2017, and I believe a cycle lane on the harbour road would have prevented the 14 "
        "crashes I have seen there.</p>"
        "<p>I have counted the lorries. I have counted the near misses. My neighbours have "
        "stopped riding altogether.</p>"
        "<p>The council says a lane would slow the traffic. The port says its lorries need the "
        "width.</p><p>Both may be true, but neither is a reason to leave the road as it is.</p>"
    )
    blurb = extract_blurb(markup, "In defence of the harbour cycle lane", 300)
    assert blurb.startswith("I see that Councillor Jane Roe")
    assert "I’ll state my position" in blurb


# --- the story's end: a publisher's fact box and what follows it ------------------------------


def test_a_fact_box_after_the_story_and_the_company_blurb_under_it_are_left_out() -> None:
    """ "Company: …", "Website: …", "Funding: …" and the company's own description close
    the page, not the story: no blurb fills up with them."""
    markup = (
        f"<p>{P1}</p><p>{P3}</p>"
        "<p>Company: Harbour Ferries</p><p>Website: harbourferries.example</p>"
        "<p>Funding: $2M</p>"
        "<p>Harbour Ferries is a leading provider of waterborne transport solutions for cities. "
        "It was founded in 1998 in Bristol.</p>"
    )
    blurb = extract_blurb(markup, "Council closes harbour bridge to cars", 300)
    assert blurb.startswith(LEAD)
    assert "Harbour Ferries" not in blurb and "Funding" not in blurb


def test_a_fact_box_that_is_the_story_stays() -> None:
    """A profile that is its box ("Name: …", "Blog: …", "Why you'll love it: …") keeps it."""
    markup = (
        "<p>Name: Jane Roe</p><p>Blog: The Quiet Kitchen</p><p>Member since: 2010</p>"
        "<p>Why you'll love it: Jane Roe cooks one vegetable a week, in every way she knows, and "
        "writes down what her children will eat.</p>"
    )
    assert "Jane Roe cooks one vegetable a week" in extract_blurb(markup, "Featured blog", 300)


# --- a writer's view in a story that is not told in the first person --------------------------

TRAMS = (
    "<p>The city has ordered forty new trams for the harbour line, the biggest order in its "
    "history. Critics call the trams a luxury the city cannot afford. At first glance the "
    "order does look expensive.</p>"
    "<p>Each tram costs four million euros, twice as much as a bus. The buses on the harbour "
    "line are full every morning, and the queue at the ferry stop reaches the road.</p>"
    "<p>The trams will run every five minutes from 2027. A bus lane would have cost a tenth "
    "as much.</p>"
    "<p>{view}</p>"
)


def test_a_writers_view_closing_a_story_makes_the_blurb() -> None:
    """A column that says "I" once, at its thesis: the thesis is its point, as an
    essay's is ("It seems to me …" leans on nothing before it)."""
    view = (
        "It seems to me that the harbour trams are no luxury but the cheapest way to move the "
        "crowds from the ferry stop for the next forty years."
    )
    blurb = extract_blurb(TRAMS.format(view=view), "Forty trams for the harbour line", 300)
    assert view in blurb


def test_a_quoted_view_closing_a_news_story_is_not_its_point() -> None:
    """ "I think …", said the mayor: someone else's view, not the writer's."""
    view = "“I think the harbour trams will pay for themselves,” the mayor said on Monday."
    title = "Forty trams for the harbour line"
    paragraphs = story_paragraphs(TRAMS.format(view=view))
    sentences = candidate_sentences(paragraphs, title)
    kind = story_kind(title, (), paragraphs)
    assert kind == "story"
    assert point_sentence(sentences, rank_sentences(sentences, title, kind), title, kind) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Letzteres ist ein Thema, das die beiden am Ende noch beschäftigt.",
        "The latter is a topic the hosts come back to at the end.",
    ],
)
def test_a_sentence_on_the_latter_never_opens_a_blurb(sentence: str) -> None:
    markup = f"<p>{P1} {sentence}</p><p>{P2}</p>"
    blurb = extract_blurb(markup, "Council closes harbour bridge to cars", 300)
    assert not blurb.startswith(sentence[:10])
    assert sentence not in blurb or "The decision ends a decade" in blurb


# --- filler that answers the reader --------------------------------------------------------------


@pytest.mark.parametrize(
    "aside",
    [
        "No, it is nothing like the old ferry, but if you are looking for a new way to cross, it "
        "may be exactly what you were hoping for.",
        "Of course, if you wanted to just walk across the old bridge you could still easily do "
        "that.",
        "PS Here are a couple of articles about old bridges that you might enjoy reading.",
    ],
)
def test_an_aside_to_the_reader_gives_way_to_a_fact(aside: str) -> None:
    """Where only one more sentence fits, the fact wins over a denial, a reassurance or a
    postscript that answers the reader."""
    markup = f"<p>{P1.split('. ')[0]}. {aside}</p><p>{P2}</p><p>{P3}</p>"
    blurb = extract_blurb(markup, "Council closes harbour bridge to cars", 230)
    assert aside not in blurb
    assert "Engineers told councillors" in blurb


def test_a_contrast_after_the_first_words_leans_on_the_sentence_before() -> None:
    """ "The ferry, however, …" answers a sentence the blurb would leave out."""
    detour = (
        "Drivers who cross the bridge every morning told the council that the detour through "
        "the old town would add half an hour to their way to work and more in the summer."
    )
    markup = (
        f"<p>{P1.split('. ')[0]}. {detour} The ferry, however, will not run on Sundays.</p>"
        f"<p>{P2}</p>"
    )
    blurb = extract_blurb(markup, "Council closes harbour bridge to cars", 200)
    assert "however" not in blurb


def test_a_short_aside_in_the_first_person_is_trimmed() -> None:
    markup = (
        f"<p>{P1}</p><p>Drivers may disagree (I'll understand), but the bridge has not been "
        "safe for lorries since 2019.</p>"
    )
    blurb = extract_blurb(markup, "Council closes harbour bridge to cars", 300)
    assert "Drivers may disagree, but the bridge has not been safe" in blurb


@pytest.mark.parametrize(
    "note",
    [
        "Update 2:05 pm: two readers have already written to say the ferry is full at eight.",
        "Hat tip to the readers of this newsletter who sent in the minutes of the meeting.",
        "Recorded in Bristol at the harbour office with the council's engineers.",
        "Check out more photos of the old bridge and its cracked girders here.",
        "Schreibt uns, was ihr von der neuen Fähre haltet, per Whatsapp an die Redaktion.",
    ],
)
def test_a_note_under_the_story_gives_way_to_a_fact(note: str) -> None:
    """An update, a hat tip, a recording credit or a call to look or write elsewhere tells
    what the story is not."""
    markup = f"<p>{P1.split('. ')[0]}. {note}</p><p>{P2}</p><p>{P3}</p>"
    blurb = extract_blurb(markup, "Council closes harbour bridge to cars", 230)
    assert note not in blurb
    assert "Engineers told councillors" in blurb


# --- a writer's stance and voice, wherever they stand ---------------------------------------------

COLUMN_PT = (
    "<p>Velocidade, força, disciplina e obediência. Nas últimas temporadas essas virtudes "
    "viraram a régua com que os clubes medem um jogador de basquete. Não digo que elas não "
    "contem, sobretudo agora que os times se parecem tanto. Eu prefiro que o meu time tenha "
    "jogadores criativos, capazes de inventar uma jogada que ninguém esperava e decidir o "
    "jogo sozinhos. Fico triste quando a torcida aplaude um pivô que só empurra os adversários "
    "debaixo da cesta. Nos ginásios o aplauso mais alto vai para quem comete a falta mais "
    "dura.</p>"
)


def test_a_columns_stance_in_its_middle_makes_the_blurb() -> None:
    """A short column in the first person whose view ("Eu prefiro …") stands in its middle,
    not its close: the view is its point all the same."""
    blurb = extract_blurb(COLUMN_PT, "Virtudes de quadra", 300)
    assert "Eu prefiro que o meu time tenha jogadores criativos" in blurb


@pytest.mark.parametrize(
    "text",
    [
        "Ich war gestern am Hafen. Mein Rad stand dort. Ich fand es nicht. Mir fiel ein, wo es "
        "war. Ich ging hin. Mein Schloss war offen. Ich fuhr heim.",
        "My bike was at the harbour. My lock was open. Mine was the only one. My neighbour saw "
        "it. My day was ruined. My evening too. It was late.",
    ],
)
def test_a_writer_who_opens_sentences_on_i_or_my_writes_in_the_first_person(text: str) -> None:
    """ "Ich …", "Mein …", "My …" at a sentence's start count as the writer's own voice."""
    assert story_kind("Am Hafen", (), [text]) == "essay"


@pytest.mark.parametrize(
    "sentence",
    [
        "Over the last seasons these virtues have become the yardstick of every club's scouts.",
        "Nas últimas temporadas essas virtudes viraram a régua com que os clubes medem um jogador.",
    ],
)
def test_a_sentence_on_these_things_does_not_open_a_blurb(sentence: str) -> None:
    """ "… these virtues …" among the first words points at the sentence that named them."""
    sentences = [
        Sentence("Speed, strength, discipline and obedience.", 0, 0, True),
        Sentence(sentence, 1, 0, True),
    ]
    blurb = compose(sentences, [0.1, 1.0], 100)
    assert not blurb.startswith(sentence[:12])


def test_those_a_clause_defines_may_open_a_blurb() -> None:
    """ "… one of those readers who …": the clause after it says who, nothing before."""
    sentence = "If you are one of those readers who cross the bridge daily, the detour is long."
    sentences = [
        Sentence("Speed, strength, discipline and obedience.", 0, 0, True),
        Sentence(sentence, 1, 0, True),
    ]
    assert compose(sentences, [0.1, 1.0], 100) == sentence


def test_a_list_items_number_is_left_out() -> None:
    """ "9) Not only …": the number belongs to the list, which the blurb is not."""
    markup = (
        "<p>Here are my predictions for the harbour in the coming year, one by one.</p>"
        "<p>1) The old bridge will close to cars by spring, whatever the drivers say.</p>"
        "<p>2) The new trams will run every five minutes from the ferry stop.</p>"
    )
    sentences = candidate_sentences(story_paragraphs(markup), "Harbour predictions")
    assert sentences[1].text.startswith("The old bridge will close")
    assert sentences[2].text.startswith("The new trams")


@pytest.mark.parametrize(
    "view",
    [
        "I can't help but think that a bridge nobody may cross is doing more harm than good.",
        "Acredito que uma ponte fechada faz mais mal do que bem à cidade inteira.",
        "Ich bin überzeugt, dass eine gesperrte Brücke der Stadt mehr schadet als nützt.",
    ],
)
def test_more_ways_of_stating_a_view_count_as_the_writers_stance(view: str) -> None:
    """ "I can't help but think", "acredito que", "ich bin überzeugt": the writer's view."""
    facts = [
        "The council closed the old harbour bridge to cars on Tuesday.",
        "Drivers now take a detour through the old town.",
        "The ferry runs every twenty minutes.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate([*facts, view])]
    point = point_sentence(sentences, [1.0, 0.6, 0.5, 0.5], "Bridge closed", "story")
    assert point is not None and point.text == view


@pytest.mark.parametrize(
    "result",
    [
        "Final score: three right and 9 wrong, my worst year since I began.",
        "The battery holds barely 2% of the claimed capacity of 900 mAh.",
        "Der Akku hält 40 Prozent weniger Strom als versprochen.",
        "A bateria dura 3 horas a menos do que o prometido pelo fabricante.",
        "This year the ferry carried 3x more cyclists than in the year before the closure.",
        "Die Fähre brauchte 20 Prozent weniger Zeit als die Umleitung durch die Altstadt.",
    ],
)
def test_a_tally_or_a_figure_against_a_claim_is_the_storys_result(result: str) -> None:
    """A final tally, or a figure set against what was claimed or promised, is what the
    story found, wherever it stands: no "all in all" needs to announce it."""
    facts = [
        "The council closed the old harbour bridge to cars on Tuesday.",
        "Drivers now take a detour through the old town.",
        "The ferry runs every twenty minutes.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate([facts[0], result, *facts[1:]])]
    point = point_sentence(sentences, [1.0, 0.5, 0.6, 0.5], "Harbour review", "story")
    assert point is not None and point.text == result


def test_a_result_makes_the_blurb_when_the_closing_view_leans_on_its_predecessor() -> None:
    """The column's stance in its close leans on the sentence before it ("Still, I think
    …") and cannot stand alone; its tally, midway, can, and the blurb gives it."""
    paragraphs = [
        "This is my tenth and last column on the harbour for this paper.",
        "Every year I make predictions about the harbour, and every year I look back at them.",
        "I said the old bridge would close to cars, and it did in March after long delays.",
        "I said the ferry would run every ten minutes, which it never did, not even once.",
        "I said the tram would reach the beach, but the money for the tracks ran out early.",
        "Final score three right and 9 wrong, the worst result I have had since I began.",
        "So let us look at what the harbour will see in the coming year, one thing at a time.",
        "The fish market will move to the north pier when its lease runs out next winter.",
        "The ferry company will raise its fares again, as it does every single spring.",
        "The new tram depot will open late, as depots and tram lines always seem to.",
        "Still, I think the council will finally rebuild the old bridge for trams, cyclists "
        "and walkers alike, and that the harbour will be the better for it in the long run.",
    ]
    blurb = summarize(paragraphs, "Last column", 300)
    assert "Final score three right and 9 wrong" in blurb


def test_a_point_whose_concession_leans_on_what_is_left_out_keeps_its_main_clause() -> None:
    """ "Obviously, this is much better than the case above, but the figure is …": "this"
    and "above" point at what the blurb leaves out; the point is what follows "but"."""
    paragraphs = [
        "Checking the numbers behind a crowd-funded battery that charges in thirty seconds",
        "Last week a friend sent me a link to a crowd-funding campaign for a new battery.",
        "The maker says his battery holds as much as any ordinary rechargeable cell of its size.",
        "Inside, his photos show a small capacitor and a tiny regulator chip on a green board.",
        "I looked up the capacitor and worked out how much charge it can hold when it is full.",
        "Assuming a simple linear regulator, the battery would hold a tiny share of its rating.",
        "Obviously, this is much better than the case above, but the figure is still 20 times "
        "off from the claimed capacity of 900 mAh.",
        "Capacitors are fascinating parts, and they have their uses in many small devices.",
        "I wonder why nobody asked the maker about these numbers before they gave him money.",
    ]
    blurb = summarize(paragraphs, "A battery too good to be true", 300, summary=True)
    assert "The figure is still 20 times off from the claimed capacity of 900 mAh." in blurb
    assert "Obviously" not in blurb


def test_a_short_post_that_fits_whole_still_leaves_out_its_hat_tip() -> None:
    """A post of three lines fits a blurb whole, but "Hat tip to …" is no part of it."""
    paragraphs = [
        "The ferry timetable is a bit awkward to read, but workable.",
        "Note: the late boat on Sundays runs only in summer, from June to September.",
        "Hat tip to Anna Berg.",
    ]
    blurb = summarize(paragraphs, "Ferry timetable", 300)
    assert blurb == " ".join(paragraphs[:2])


def test_a_sentence_opening_on_a_name_in_lower_case_can_open_a_blurb() -> None:
    """ "iPhone sales rose …" is no rest of a sentence cut before it."""
    texts = [
        "Apple's quarter was good.",
        "iPhone sales rose by a fifth in the quarter, the most since the iPhone X came out.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate(texts)]
    assert compose(sentences, [0.1, 1.0], 90).startswith("iPhone sales rose")


def test_a_kicker_does_not_open_a_blurb_beside_its_point() -> None:
    """ "Just saying." before the writer's view says nothing; a sentence that does opens."""
    texts = [
        "Just saying.",
        "The harbour council met on Tuesday night and talked about the ferries for three hours.",
        "Nobody asked about the bridge.",
        "I think the old bridge should be rebuilt for trams, bikes and people on foot alike.",
    ]
    sentences = [Sentence(t, i, 0, True) for i, t in enumerate(texts)]
    blurb = compose(sentences, [1.0, 0.9, 0.8, 0.7], 140, "Bridge", sentences[3])
    assert blurb == f"{texts[2]} {texts[3]}"


def test_a_note_heading_the_story_does_not_open_its_blurb() -> None:
    """ "Update: …" above the story was added later; the story's own lead opens the blurb."""
    paragraphs = [
        "Update: 5:30 pm. The ferry company has since said the timetable will hold all week.",
        "The harbour council closed the old swing bridge to cars on Tuesday after engineers "
        "found cracks in two of its girders.",
        "Drivers now take a detour through the old town, and the ferry runs every twenty "
        "minutes until the repairs are done.",
    ]
    blurb = summarize(paragraphs, "Harbour bridge closed", 300)
    assert blurb.startswith("The harbour council closed the old swing bridge")


def test_the_first_half_of_a_contrast_does_not_end_a_blurb_alone() -> None:
    """ "In one way …" without "In another way …" leaves the reader waiting."""
    texts = [
        "The council has put the minutes of the bridge meeting online.",
        "I have mixed feelings about the way it did so.",
        "In one way I am glad the minutes are public.",
        "In another way the council left out every question the drivers asked.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate(texts)]
    blurb = compose(sentences, [1.0, 0.5, 0.45, 0.4], 160)
    assert "In one way" not in blurb or "In another way" in blurb


def test_a_short_line_closing_the_story_is_not_a_caption() -> None:
    """A one-line last paragraph is the writer's punchline; the same line between
    paragraphs is a caption."""
    line = "The bad news: the bridge costs 40 million euros."
    markup = f"<p>{P1}</p><p>{P2}</p><p>{line}</p>"
    texts = [s.text for s in candidate_sentences(story_paragraphs(markup), "Bridge")]
    assert line in texts
    markup = f"<p>{P1}</p><p>{line}</p><p>{P2}</p>"
    texts = [s.text for s in candidate_sentences(story_paragraphs(markup), "Bridge")]
    assert line not in texts


def test_a_sentence_that_also_says_something_does_not_open_a_blurb() -> None:
    """ "The council also agreed …" adds to a sentence the blurb would leave out."""
    also = "The council also agreed to keep the ferry running on Sundays through the winter."
    sentences = [
        Sentence("The council closed the old harbour bridge to cars.", 0, 0, True),
        Sentence(also, 1, 1, True),
    ]
    assert not compose(sentences, [0.1, 1.0], 100).startswith("The council also")


def test_what_a_launched_service_costs_makes_the_blurb() -> None:
    """A launch story: what the service costs is news beside a sentence on its screens."""
    markup = (
        "<p>Ferrylog, the timetable service that counts the harbour's former ferry master among "
        "its founders, is launching to the public today.</p>"
        "<p>The founders spent two years building it with the harbour office. They tested it "
        "with the crews of four boats over the summer. The crews asked for larger buttons.</p>"
        "<p>At the bottom of the screen Ferrylog shows several videos that explain how to use "
        "the app on a boat and in the office.</p>"
        "<p>The founders say the app works without a signal at sea. Crews can share a timetable "
        "with the harbour office. The office can send changes to every boat at once.</p>"
        "<p>The service is free for crews of up to 30 people, and larger fleets will pay a fee "
        "later.</p>"
        "<p>The harbour office plans to use it for the winter timetable as well.</p>"
    )
    blurb = extract_blurb(markup, "Ferry Master's Timetable Startup Ferrylog Launches", 300)
    assert "free for crews of up to 30 people" in blurb


def test_a_question_heading_its_answer_does_not_end_a_blurb() -> None:
    """ "How do I cross now?" as a paragraph of its own heads the answer under it."""
    texts = [
        "The council closed the old harbour bridge to cars on Tuesday.",
        "Drivers now take a detour of twenty minutes through the old town.",
        "How do I cross now?",
        "The ferry runs every twenty minutes from the harbour office and takes bikes.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate(texts)]
    blurb = compose(sentences, [1.0, 0.6, 0.5, 0.2], 150)
    assert not blurb.endswith("How do I cross now?")


@pytest.mark.parametrize(
    ("pointer", "kept"),
    [
        ("Here's the timetable I use for the morning boats.", False),
        ("Here's how it works: for two euros a day, a crew can cross as often as it likes.", True),
    ],
)
def test_a_sentence_pointing_at_what_follows_does_not_end_a_blurb(pointer: str, kept: bool) -> None:
    """ "Here's the timetable …" points at a table the blurb leaves out; one that says it
    after a colon carries its fact."""
    texts = [
        "The council closed the old harbour bridge to cars on Tuesday.",
        "Drivers now take a detour of twenty minutes through the old town.",
        pointer,
        "Bikes ride free.",
    ]
    sentences = [Sentence(t, i, i // 3, True) for i, t in enumerate(texts)]
    blurb = compose(sentences, [1.0, 0.6, 0.5, 0.05], 300)
    assert (pointer in blurb) is kept


def test_filler_never_fills_a_blurb() -> None:
    """Room left after the story's sentences stays empty rather than take a plug."""
    texts = [
        "The council closed the old harbour bridge to cars on Tuesday.",
        "Drivers now take a detour of twenty minutes through the old town.",
        "Check out our Facebook page for updates on the harbour works.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate(texts)]
    sentences.append(Sentence("Bikes ride free on the ferry.", 3, 3, True))
    blurb = compose(sentences, [1.0, 0.6, 0.9, 0.05], 300)
    assert "Facebook" not in blurb


def test_a_web_address_between_commas_is_trimmed() -> None:
    markup = (
        f"<p>{P1}</p><p>The plans are online on the council's website, "
        "www.example.org/bridge, and in the library on Harbour Street.</p>"
    )
    texts = [s.text for s in candidate_sentences(story_paragraphs(markup), "Bridge")]
    assert (
        "The plans are online on the council's website and in the library on Harbour Street."
        in texts
    )


# A lead a trim away from room for a second fact.
BRIDGE = (
    "The harbour council voted on Monday night to close the old swing bridge to all cars "
    "and lorries from the first of May after engineers found deep cracks in two of its "
    "steel girders"
)
FERRIES = (
    "Ferries will carry cyclists and pedestrians across the river for free until a new "
    "bridge opens in 2027."
)
COUNCIL = "Council closes harbour bridge"


@pytest.mark.parametrize(
    ("ending", "kept", "left_out"),
    [
        (", the harbour council said in a statement.", "on Monday night", "said"),
        (" under its rusty old deck.", "rusty old deck. Ferries", "Monday"),
        (" under its rusty old deck, according to the harbour council.", "deck. Ferries", "Monday"),
        (" under its old deck, reports the Harbour Gazette.", "deck. Ferries", "Gazette"),
    ],
)
def test_an_attribution_or_the_day_makes_room_for_the_next_fact(
    ending: str, kept: str, left_out: str
) -> None:
    blurb = summarize([f"{BRIDGE}{ending} {FERRIES}"], COUNCIL, 300)
    assert blurb.endswith(FERRIES) and len(blurb) <= 300
    assert kept in blurb and left_out not in blurb  # the least that makes room goes


def test_the_day_a_participle_needs_stays() -> None:
    lead = BRIDGE.replace("voted on Monday night to close", "published on Monday a plan to shut")
    blurb = summarize([f"{lead} under its old deck. {FERRIES}"], COUNCIL, 300)  # 7 over
    assert "published on Monday a plan" in blurb and "Ferries" not in blurb


def test_nothing_is_trimmed_that_is_not_needed_for_room() -> None:
    short = "The harbour council closed the old swing bridge to cars on Monday, the council said."
    assert summarize([f"{short} {FERRIES}"], COUNCIL, 300) == f"{short} {FERRIES}"


def test_a_quotation_keeps_its_words() -> None:
    quoted = f"“{BRIDGE} (and its piers),” the harbour council said."
    blurb = summarize([f"{quoted} {FERRIES}"], COUNCIL, 300)
    assert blurb == quoted


@pytest.mark.parametrize(
    ("remark", "joins"),
    [
        ("and you can also catch me singing sea shanties with Tom Reed as The Deckhands", True),
        ("and you can't see the show anywhere else in the country after the end of July", False),
    ],
)
def test_a_side_remark_ends_a_sentence_early_so_it_fits(remark: str, joins: bool) -> None:
    lead = (
        "I'm best known for playing the harbour master on the radio drama Tidewater for nine "
        "seasons, and I will be in the film Low Tide in cinemas and online on 5 February!"
    )
    touring = f"I'm currently touring with Ann Berg in her cabaret act, Harbour Lights, {remark}."
    blurb = summarize([lead, touring], "I'm actress Jo Smith, ask me anything!", 300)
    assert blurb.endswith("act, Harbour Lights.") is joins
    assert remark not in blurb


def test_a_name_in_brackets_is_no_aside_to_make_room_with() -> None:
    lead = f"{BRIDGE} (Anna Berg) and its deputy (Tom Reed)."
    blurb = summarize([f"{lead} {FERRIES}"], COUNCIL, 300)
    assert "(Anna Berg)" in blurb


# --- a how-to's promise ----------------------------------------------------------------------

HOWTO_EN = [
    "Winter is the season when most of us finally have time for our houseplants.",
    "The days are short, the heating is on and the windows stay shut for months.",
    "Many of us water them more often, thinking the dry air of the flat is the trouble.",
    "Instead of a green corner, the season leaves yellow leaves and rotting roots behind.",
    "To avoid such an end, here are five ways to keep your plants alive through winter.",
]
HOWTO_RU = [
    "Зима для многих из нас сезон, когда наконец находится время для комнатных растений.",
    "Дни короткие, батареи горячие, а окна месяцами не открываются.",
    "Многие поливают цветы чаще, думая, что беда в сухом воздухе квартиры.",
    "И вместо зелёного уголка зима оставляет жёлтые листья и гнилые корни.",
    "Чтобы избежать подобного, приведу несколько правил зимнего ухода за растениями.",
]


@pytest.mark.parametrize(
    ("title", "texts", "trouble"),
    [
        ("How to keep houseplants alive", HOWTO_EN, "Instead of a green corner, the season"),
        ("Как сберечь цветы зимой", HOWTO_RU, "Вместо зелёного уголка зима"),
    ],
)
def test_a_how_tos_promise_makes_the_blurb_with_the_trouble_it_answers(
    title: str, texts: list[str], trouble: str
) -> None:
    """A how-to's teaser closes on what it offers ("here are five ways to …", "приведу
    несколько правил …"): the blurb says it, right after the sentence whose trouble
    "such" / "подобного" points at (which loses its "И")."""
    blurb = summarize([" ".join(texts)], title, 300)
    assert blurb.endswith(texts[-1])
    assert trouble in blurb
    assert split_sentences(blurb)[-2].startswith(trouble)


def test_a_pointer_at_a_list_is_no_promise() -> None:
    """ "So here are the rules." names no subject: it points at a list and stays filler."""
    texts = [*HOWTO_EN[:4], "So here are the rules."]
    blurb = summarize([" ".join(texts)], "How to keep houseplants alive", 300)
    assert "here are the rules" not in blurb


@pytest.mark.parametrize(
    "title",
    [
        "How to keep houseplants alive",
        "Как пережить зиму",
        "5 Tipps für den Winter",
        "Comment réussir son potager",
    ],
)
def test_a_title_that_asks_how_marks_a_how_to(title: str) -> None:
    """Under such a title a promise anywhere in the story is its point."""
    facts = [
        "The council closed the old harbour bridge to cars on Tuesday.",
        "Drivers now take a detour through the old town.",
        "Here are three ways to cross the harbour on foot without the bridge.",
        "The ferry runs every twenty minutes.",
        "Tickets cost the same as a bus fare.",
        "The detour adds ten minutes to a drive.",
    ]
    sentences = [Sentence(t, i, i, True) for i, t in enumerate(facts)]
    scores = [1.0, 0.6, 0.5, 0.5, 0.5, 0.5]
    point = point_sentence(sentences, scores, title, "story")
    assert point is not None and point.text == facts[2]
    explainer = "How Trump's cuts threaten the harbour"
    assert point_sentence(sentences, scores, explainer, "story") is None


def test_a_word_in_scare_quotes_is_no_quoted_speech() -> None:
    """The writer's view with a word in quotes ("the so-called "smart" bridge") is still
    the writer's; a sentence quoting someone's words is not."""
    facts = [
        "The council closed the old harbour bridge to cars on Tuesday.",
        "Drivers now take a detour through the old town.",
        "The ferry runs every twenty minutes.",
    ]
    own = 'I think the "smart" bridge was never worth the money the council spent on it.'
    quoted = '"I think the bridge was never worth the money," one driver said on Tuesday.'
    for view, expected in [(own, own), (quoted, None)]:
        sentences = [Sentence(t, i, i, True) for i, t in enumerate([*facts, view])]
        point = point_sentence(sentences, [1.0, 0.6, 0.5, 0.5], "Bridge closed", "story")
        assert (point.text if point else None) == expected


@pytest.mark.parametrize(
    "promise",
    [
        "Hier sind fünf Tipps, wie Zimmerpflanzen gut durch den Winter kommen.",
        "Voici quelques conseils pour garder vos plantes vertes tout l'hiver.",
        "Separei algumas dicas para manter as plantas vivas durante o inverno.",
        "Aquí tienes cinco consejos para mantener tus plantas vivas en invierno.",
        "I'll share a few tips on keeping houseplants alive through the winter.",
    ],
)
def test_a_promise_closing_a_teaser_is_its_point(promise: str) -> None:
    """Whatever the language, the teaser's closing offer of tips is what the reader gets."""
    texts = [*HOWTO_EN[:4], promise]
    sentences = [Sentence(t, i, 0, True) for i, t in enumerate(texts)]
    point = point_sentence(sentences, [1.0, 0.6, 0.5, 0.5, 0.5], "Winter", "story")
    assert point is not None and point.text == promise
