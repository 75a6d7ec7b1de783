"""Blurbs: the two or three sentences an editor would pick from a story.

1. ``storytext.story_paragraphs``: HTML to paragraphs of story text, less page chrome
   (its own module: the full-text stage measures pages with it too).
2. ``candidate_sentences``: the sentences that could stand in a blurb; each is
   *complete* when it ends with its own punctuation, was not cut by the feed and is
   not part of a quotation that runs over several sentences. An opening paragraph
   without its full stop (a standfirst) gets one; a standfirst that tells a side of the
   story, where the first sentence states the headline's event, goes after that sentence.
   In a release note, a list item without its full stop that names a change that matters
   ("Harden get_meta … against CVE-…", not "Use moderner type annotations") gets one.
3. ``rank_sentences``: TextRank-style centrality (content-word overlap between
   sentences) weighted by a prior for the opening and for words of the title.
4. ``compose``: at most three complete sentences within ``limit`` characters, in the
   article's order. An editor's summary starts with the lead: the first sentence that
   can open a blurb, and the ones after it, as many as fit. Only when that lead says
   little beside the best sentence does the best-scoring set win. No blurb opens with
   a sentence that leans on one left out ("But …", "Er …", "Elle …"), and one that
   leans comes only with its predecessor. Where one more fact would not fit, the blurb
   makes room as an editor does (``trim``: the day of the news, a trailing attribution,
   an aside in brackets, a side clause). Only when no sentence fits is the first one
   shortened, at a word boundary, with an ellipsis.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product

from rapidfuzz import fuzz

from digest.chrome import (
    without_dateline,
    without_photo_credit,
)
from digest.sanitize import leads_with_summary
from digest.sentences import CAMEL_NAME, QUOTE_MARK, WORD, balanced, count_words, ends_sentence
from digest.storytext import (
    ASIDE,
    STOPWORDS,
    LeadIn,
    ListItem,
    QuoteLeadIn,
    join_sentences,
    story_paragraphs,
    story_sentences,
)
from digest.trim import SIDE_CLAUSE, TRIMMED_WORDS, closes, side_clause_cut, spared, trims

MAX_SENTENCES = 3
MIN_WORDS = 2  # a one-word sentence in a longer story ("Capra?") is an aside
GRAPH_HEAD = 45  # centrality is measured over the opening and the close of the story
GRAPH_TAIL = 15  # (the graph is quadratic; a verdict or a conclusion sits at the end)
SUBJECT_GAIN = 2  # an opening anecdote gives way to the next sentence when that one shares
# this many more words with the title (and twice as many)
CAPTION_WORDS = 12  # a lone sentence shorter than this between prose paragraphs is a caption
PROSE_WORDS = 25
MIN_SHARE = 0.15  # a sentence far weaker than the best one is left out
LEAD_SHARE = 0.4  # an opening worth less than this share of the best sentence says little
MIN_NEW = 0.34  # a sentence joins a blurb only when this share of its words is new to it
CUT_CHARS = 200  # a text this long that stops without punctuation was cut by the publisher
FOLLOWS = 1.2  # a sentence read right after the one before it is worth a little more
VERDICT = 0.6  # a review's verdict near its end weighs about as much as its second sentence
CONCLUSION = 0.25  # "in the end", "Fazit" in any other kind of story
RELEASE = 0.4  # a release note's change or call to act ("deprecated", "migrate", "no action")
TALK = 0.4  # a podcast's or a talk's line of who talks with whom ("im Gespräch mit …")
STANCE = 0.3  # a writer's stance in the closing part ("I think", "ich finde"); half before
RESULT = 0.3  # a final tally or a figure set against a claim: the finding, wherever it stands
ANSWER_PARAGRAPHS = 4  # a puzzle put to the reader is answered within this many paragraphs
PROMISE = 0.5  # a how-to's promise: "Here are five ways to keep your plants alive …"
SUBJECT_TERMS = 2  # ... naming its subject in this many content words after what it gives
JUDGED_REVIEW = 4  # this many different judgement words make a text a review
FIRST_PERSON = 5  # a text that says "I" or "my" this often, and once in 4 sentences, is
FIRST_PERSON_SHARE = 0.25  # a writer's own post or essay: its point may come late
POINT_SHARE = 0.3  # a point sentence worth less than this share of the best is left to rank
ESSAY_LEAD = 0.5  # an essay's opening weighs less: it is often an anecdote
CLOSING = 0.6  # the closing part of a story starts this far into its sentences
BASE_CENTRALITY = 0.5  # a sentence sharing no word with the others keeps a third of its prior
RANK_ROUNDS = 30  # PageRank settles in far fewer on a few dozen sentences
FULL_WORDS = 5  # a sentence shorter than this says less than a full one
DETAIL = 0.6  # a sentence of names and figures adds more to a blurb than one of general words
SUMMARY_WORDS = 8  # a standfirst with this many content words may be the editor's summary
SUMMARY_NEW = 0.6  # ... when this share of them is not in the story's first sentence
PROSE_SHARE = 0.75  # ... and this share of the paragraphs under it end as sentences do
DETAILS_FULL = 4  # ... and this many of them make it as concrete as a sentence gets
NEWS_LEAD = 0.5  # a first sentence with this share of the title's words states its event
SIDELIGHT = 1 / 3  # a standfirst naming less than this share of those words is a sidelight
PRICE = 0.4  # what a product or service costs, or that it is free, is news of its launch
ITEM_WORDS = 3  # a list item of a release names a change in at least this many words
FACT_BOX = 3  # this many "Label: value" lines in a row after the story are a fact box

# A span in quotes, opened and closed in the same sentence: "…", “…”, „…“, «…», »…«.
_QUOTED = re.compile(r'"[^"]*"|“[^“”]*”|„[^„“”]*[“”]|«[^«»]*»|»[^«»]*«')
SCARE_WORDS = 2  # a quoted span of this many words or fewer is the writer's own scare quotes
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # no spaces between words
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)")
# A sentence closed with its full stop before the feed's "…" ("… Ablösesummen an...."): the
# sentence is whole, only what came after it was cut.
_CLOSED_THEN_CUT = re.compile(r"(?<=\w)([.!?])\s?(?:\.{3}|…)$")
# "…, and much more...": the end of a list of topics, not a cut.
_AND_MORE = re.compile(
    r"[,;]?\s+(?:and|und|e|et|y)\s+(?:much\s+|viel\s+|muito\s+|bien\s+)?(?:more|mehr|mais|plus"
    r"|más)\s*(?:\.{2,}|…|!)?$",
    re.IGNORECASE,
)
_CUT_ELLIPSIS = re.compile(r"(?<=[\w,;])\s?(?:\.{3,}|…)[”\"’'»)]*$")
# A lead-in that only points at what follows: "Here are the highlights:", "Below, the
# steps:", "The changes include:", "It now supports the following features:". Closed with
# a full stop it says nothing. (A long one, "Here is a snippet to embed a video without
# tracking:", says what it brings.)
_POINTS_AHEAD = re.compile(
    r"""^(?:here\s+(?:are|is|'s|’s)|below|the\s+following|these\s+are|hier\s+(?:sind|ist|die)
        |im\s+folgenden|folgende|eis|aqui\s+(?:estão|está)|voici|voilà|вот)\b(?:\W+\w+){0,4}\W*$
        |\b(?:highlights|as\s+follows|includes?|including|below|folgt|folgende
        |among(?:st)?\s+others?(?:\s+things)?|unter\s+anderem|entre\s+outr[ao]s(?:\s+coisas)?
        |entre\s+autres(?:\s+choses)?|entre\s+otr[ao]s(?:\s+cosas)?|в\s+том\s+числе)\W*$
        |\bthe\s+following(?:\s+[\w-]+){0,2}\W*$
        # a lead-in to a quotation: "In the words of PHP's documentation:", "As Knuth put it:"
        |^(?:in\s+the\s+words\s+of|as\s+(?:\S+\s+){1,4}(?:puts?|said|says|writes|wrote)\s+it
            |mit\s+den\s+worten|nas\s+palavras\s+de|selon\s+les\s+mots\s+de
            |en\s+palabras\s+de|по\s+словам)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A word that points at what a lead-in hands over, anywhere in it: "… wrote something like
# this using …:", "… we will apply the following changes to …:", "… the snippet you see
# below:", "Back to Ms. Mouton, watch this:", "So sieht das aus:", "… comme ceci :". Closed
# with a full stop, the lead-in still points at what the blurb leaves out. ("… restores this
# Renault from 1960:" names what it shows.)
_POINTS_AT = re.compile(
    r"""\b(?:(?:like|as)\s+(?:this|so)\b|(?:this|these|thus)\W*$|the\s+following|as\s+follows
        |below|here\s+(?:is|are)\s+(?:what|how)|here[’']s\s+(?:what|how)
        |wie\s+folgt|folgende\w*|so\s+(?:aus|geht)|(?:dies|dieses|das)\W*$|(?:unten|hier)\W*$
        |(?:o|a|os|as)\s+seguintes?|assim\W*$|isto\W*$|abaixo
        |comme\s+(?:ceci|ça|cela)|(?:ceci|cela)\W*$|(?:le|la|les)\s+suivant(?:e|s|es)?|ci-dessous
        |l[oa]s?\s+siguientes?|así\W*$|esto\W*$|a\s+continuación
        |следующ\w+|вот\s+так|так\W*$|ниже)""",
    re.IGNORECASE | re.VERBOSE,
)
# What a thing handed over is for: "Here is a snippet to embed a video …", "um …", "para …".
_PURPOSE = re.compile(r"\s(?:to|um|para|pour|чтобы)\s+(?!(?:the|a|an|my|o|a|le|la)\s)\w{3,}", re.I)
# Where a lead-in's last clause, the one that points, begins: "…, and thus wrote something like
# this …:", "…, so I threw the following 6 lines in my vimrc:", "…, und so sieht das aus:".
_POINTER_CLAUSE = re.compile(
    r",\s+(?:and|so|und|also|e|et|y|и)\s+(?!(?:the|an?|der|die|das|o|a|le|la|el)\s)", re.IGNORECASE
)
# A puzzle put to the reader: "Can you spot the bug?", "…, can you spot it?", "Findest du den
# Fehler?", "Consegue ver o erro?", "Saurez-vous trouver …", "¿Puedes ver el error?",
# "Видите ошибку?". The story gives the answer, or leaves it to the reader: either way the
# question tells the blurb's reader nothing.
_PUZZLE = re.compile(
    r"""(?:^|,\s+)[¿]?(?:(?:can|could|do|did|will)\s+you\s+(?:spot|see|guess|find|figure\s+out
            |tell|solve|work\s+out|identify|notice)|any\s+(?:guesses|ideas)
        |(?:siehst|findest|erkennst|errätst|entdeckst)\s+du|(?:sehen|finden|erkennen|erraten
            |entdecken)\s+sie|wer\s+(?:findet|sieht|errät|erkennt)
        |(?:você\s+)?(?:consegue|consegues|conseguem)\s+(?:ver|achar|encontrar|adivinhar
            |descobrir|identificar)
        |(?:voyez|trouvez|devinez)-vous|saur(?:ez|iez)-vous|pouvez-vous\s+(?:trouver|deviner|voir
            |repérer)
        |(?:puedes|podéis|puede)\s+(?:ver|encontrar|adivinar|descubrir|detectar)
        |(?:видите|заметили|найд[её]те|угадаете|угадайте|сможете\s+(?:найти|угадать)))
    \b[^.!?]{0,80}\?[”"’'»)]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A sentence that gives a reason, as the answer to a puzzle does: "…, meaning that any changes
# to len and cap will be local to the function", "hence the bug", "weil", "porque", "car".
_EXPLAINS = re.compile(
    r"""\b(?:because|hence|meaning\s+that|which\s+means|the\s+reason|that[’']s\s+why|turns\s+out
        |the\s+(?:bug|problem|issue|catch|trick|answer)\s+(?:is|was)|weil|daher|deshalb
        |das\s+heißt|porque|por\s+isso|ou\s+seja|parce\s+que|c[’']est\s+pourquoi|por\s+eso
        |es\s+decir|потому\s+что|поэтому|то\s+есть)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# What something costs: "free for groups of up to 30 people", "For $4.99 a month", "kostet
# 9,99 Euro", "é gratuito".
_PRICE = re.compile(
    r"""(?:[$€£¥]\s?\d|\d\s?(?:[$€£¥]|dollars?|euros?|reais|рубл\w*|usd|eur)\b)
        |\b(?:free\s+(?:for|of\s+charge|to\s+(?:use|download|try))|(?:a|per)\s+month
        |kostenlos|gratis|pro\s+monat|gratuit\w*|grátis|por\s+mês|бесплатн\w*)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A sentence that points at what comes after it: "Here's what I bought.", "Here are some
# teasers, …", "Hier ist der Code.", "Voici …"; not one that says it after a colon
# ("Here's how it works: For $4.99 a month, …").
_HANDS_OVER = re.compile(
    r"""^(?:here(?:[’']s|\s+is|\s+are)|below\s+(?:is|are)|hier\s+(?:ist|sind)|voici|voilà
        |aqui\s+(?:está|estão))\b(?![^:]*:(?:\s+\S+){4})""",
    re.IGNORECASE | re.VERBOSE,
)
# A list item that pairs a label with a value: "Categories - .footer-archives", "Front index
# of your blog -- index", "BasicUserList: Remarketing to …".
_LABEL_VALUE = re.compile(r"\s(?:-{1,2}|–|—)\s|^[^\s:]+:\s")
# A line of a fact box: "Company: Asana", "Website: asana.com", "Launch Date: November 2, 2011".
_FACT_LINE = re.compile(r"^[^\W\d][\w .'’/-]{0,24}:\s+\S.{0,60}$")
# Filler a release note or a post closes with: it says nothing about this item.
_FILLER = re.compile(
    r"""\b(?:check\s+out\s+(?:the|our|my)|for\s+more\s+(?:details|information|info)\b|if\s+you\s+have\s+(?:any\s+)?
        questions|feel\s+free\s+to|stay\s+tuned|let\s+us\s+know|as\s+always|as\s+usual
        |(?:carefully\s+)?review\s+(?:all\s+)?(?:the\s+)?(?:changes|release\s+notes)
        |please\s+(?:post|contact|reach\s+out|see|visit|share)\b
        |whats\s?app|(?:schreibt|schreib|schickt|schick)\s+(?:uns|mir)\b)
    # a call to look elsewhere: "Check out more tips for styling your bar here."
    |^(?:check\s+out|read|see|find\s+out|learn|watch|listen\s+to|click|download)\b
        [^!?]{0,150}\b(?:here|below)\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A writer's aside to the reader: a denial of what the reader might think ("No, it isn't
# anything like Facebook, but …"), a reassurance ("Of course, …", "Don't get me wrong"), an
# afterthought ("Oh, and …", "PS Here are a couple of articles …"). It answers the reader
# and tells little of the story.
_ASIDE_TO_READER = re.compile(
    r"""^(?:(?:no|nope|yes|sure|of\s+course|oh|again|granted|admittedly|nein|klar|natürlich
        |não|claro|sim|non|bien\s+sûr|нет|конечно)\s*[,!]
        |(?:don[’']t|do\s+not)\s+get\s+me\s+wrong|(?-i:P\.?\s?S\.?)[:\s])""",
    re.IGNORECASE | re.VERBOSE,
)
# A note added to or credited under the story: "Update 2:05 pm: …", "EDIT: …", "Hat tip to
# …", "Recorded in Berlin.", "Sponsored by …". It fills a blurb with what the story is not.
_NOTE = re.compile(
    r"""^(?:(?:update[ds]?|edit(?:ed)?|nachtrag|aktualisierung|atualização|mise\s+à\s+jour)\b
        [^:.!?]{0,30}:|hat\s+tip\b|h/t\b|recorded\s+(?:live\s+)?(?:in|at|on)\b
        |aufgenommen\s+(?:in|am)\b|gravado\s+(?:em|no|na)\b|sponsored\s+by\b
        |gesponsert\s+von\b)""",
    re.IGNORECASE | re.VERBOSE,
)
# A one-word answer or negation as a sentence of its own: "Nicht.", "No.", "Não!".
_ANSWER = re.compile(
    r"^(?:nicht|nein|doch|ja|no|not|nope|yes|não|sim|non|oui|нет|да|не)[.!…]*$", re.IGNORECASE
)
# A web address in a sentence: a plug or a pointer ("please visit http://…"), not a fact.
_URL = re.compile(r"\bhttps?://|\bwww\.\w|\b[\w-]+\.(?:com|org|net|io|me|de|fm)/\w", re.IGNORECASE)
# A connective an editor drops from a sentence that opens a blurb or follows one left out:
# "Now South Korean director …", "But Apple said …". "And"/"But" go only before a name (a
# capital letter): "But the film …", "Und wir …", "Y el puente …" point back at what came
# before. Pronouns stay: "Now they …" still leans. Russian has no articles: "И вместо …"
# loses "И" before any word ("И он …" still leans on who he is; "А то …" is one phrase).
_DROPPABLE = re.compile(
    r"""^(?:(?i:now|so|also|meanwhile|anyway|agora|maintenant|ahora|теперь),?\s+
        |(?i:nun|jetzt),\s+  # the verb follows a German adverb: "Nun ist …" keeps it
        |(?i:and|but|yet|plus|und|aber|doch|mas|et|mais|pero|но),?\s+
            (?=[A-ZÀ-ÖØ-ÞА-ЯЁ])
        |(?i:и),?\s+(?=[а-яё]))""",
    re.VERBOSE,
)
_GERMAN_PRONOUNS = {"er", "ihn", "ihm", "ihnen"}
# A name inside a sentence, before a pronoun that may stand for it: a capitalised word that
# does not open the sentence, then a small letter ("Lars", not "I", "TV" or "BABIP").
_NAME_INSIDE = re.compile(r"(?<=\S)\s+[“\"‘'(]?(?-i:[A-ZÀ-ÖØ-ÞА-ЯЁ][a-zß-ÿа-яё])")
# Third-person pronouns: a sentence holding one, after a sentence of its paragraph left out,
# may point back at what that sentence said ("… just hopes he is not one of them").
_POINTS_BACK = re.compile(
    r"""\b(?:he|she|they|them|him|his|her|hers|their|theirs
        |er|ihn|ihm|ihnen
        |ele|ela|eles|elas|dele|dela|deles|delas
        |il|elle|ils|elles|lui|leur|leurs
        |él|ella|ellos|ellas
        |он|она|они|его|её|ее|их|ему|ей|им)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A pronoun as the subject of a sentence (lower case: German "Sie" is the polite "you").
_SUBJECT_PRONOUN = re.compile(
    r"\b(?:he|she|they|er|sie|il|elle|ils|elles|ele|ela|eles|elas|él|ella|ellos|ellas|он|она"
    r"|они)\b"
)
SUBJECT_WORDS = 8  # ... among the first words of a sentence
# Where a long sentence can end early: before its last "and" that joins a clause.
# (not a noun: "… der Dienstgüte und Netzneutralität", "… and the …").
_CLAUSE_AND = re.compile(
    r"\s(?:and|und|e|et|y|и)\s(?!(?:the|an?|der|die|das|den|dem|des|ein\w*|les?|la|une?|os?|as"
    r"|el|los|las)\s)(?-i:(?=[a-zß-ÿа-яё]))",
    re.IGNORECASE,
)
# Where a concession gives way to the main clause: "…, but the figure is still …".
_BUT_CLAUSE = re.compile(r",\s+(?:but|aber|mas|mais|pero|но)\s+(?=[^\W\d_])", re.IGNORECASE)
_PAIRED = re.compile(
    r"\b(?:between|both|either|zwischen|sowohl|entre|tanto|между)\b", re.IGNORECASE
)
# The first half of a contrast: "On the one hand …", "In one way …", "Einerseits …".
_PAIR_OPENS = re.compile(
    r"""^(?:on\s+(?:the\s+)?one\s+hand|in\s+one\s+way|for\s+one\s+thing|einerseits|zum\s+einen
        |auf\s+der\s+einen\s+seite|por\s+um\s+lado|de\s+um\s+lado|por\s+un\s+lado|d[’']un\s+côté
        |d[’']une\s+part|с\s+одной\s+стороны)\b""",
    re.IGNORECASE | re.VERBOSE,
)
LIST_CHARS = 40  # ... and no comma this close before it (a list: "A, B and C")
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
    r"""^[“"‘'„«»(]?(?:(?:ok(?:ay)?|well|oh|ja|nun|na|bon|bueno|pues|bem|ora)[,!]?\s+
        |[a-z]+ly,\s+)?(?:
        and|but|or|nor|so|yet|still|also|however|instead(?!\s+of\b)|then|meanwhile|moreover|furthermore
        |secondly|thirdly|finally|lastly|zweitens|drittens|schließlich
        |therefore|thus|hence|besides|nevertheless|nonetheless|otherwise|plus
        |it(?!\s+(?:seems|appears)\s+(?:to\s+me|that)\b)|its|it[’']s|he|she|they|them|his|her|their|this|that|that[’']s|these|those|such|both(?!\s[^,;]{1,60}?\s(?:and|und|e|et|y|и)\s)
        |another|others|the\s+latter|the\s+former
        |und|oder|aber|doch|denn|sondern|auch|außerdem|zudem|dabei|deshalb|deswegen|daher|darum
        |dann|trotzdem|dennoch|allerdings|jedoch|also|er|sie|es|dies|diese|dieser|dieses|diesen
        |diesem|dessen|deren|letztere[mnrs]?|erstere[mnrs]?
        |et|mais|ou|donc|puis|ensuite|pourtant|cependant|toutefois|aussi|alors|il|elle|ils
        |elles|cela|ça|ceci|ces|c[’']est
        |pero|sino|además|entonces|también|tampoco|sin\s+embargo|por\s+eso|él|ella|ellos|ellas
        |esto|eso|estos|esos|esas
        |mas|porém|contudo|todavia|entretanto|então|além\s+disso|por\s+isso|ele|ela|eles|elas
        |isso|isto|esse|essa|esses|essas|este|esta|estes|estas
        |но|однако|поэтому|также|тоже|он|она|оно|они|это|этот|эта|эти
    )(?=[\s,;:!?]|$)
    |^[“"‘'„«»(]?(?:y|e|и|а)\s+(?=[^\W\d_])(?-i:(?=[a-zß-ÿа-яё]))
    # a contrast with the sentence before, after the first words: "Santana, however, isn't …"
    |^(?:[\w’'-]+\s+){0,3}[\w’'-]+,\s+(?:however|though|therefore|instead|in\s+turn|jedoch
        |allerdings|indes|porém|contudo|todavia|cependant|toutefois|sin\s+embargo|однако)\b
    # one of a pair or a list named before: "The first has no return value, while the second
    # does …", "The latter is …" (not "The first time …")
    |^(?:the\s+)?(?:first|second|last|former|latter)(?:\s+one)?\s+(?:has|had|is|was|does|did
        |doesn[’']t|isn[’']t|wasn[’']t|can|will|would|returns|takes|works)\b
    # counting on from a sentence before: "Second, …", "Third they …" (not "Second quarter …")
    |^(?:second|third|fourth|fifth)
        (?:,|\s+(?:i|we|you|he|she|it|they|there|the\s+\w+\s+(?:is|was|will)))\b
    # Chinese and Japanese have no spaces: "这是…" (this is), "但…" (but), "それは…".
    |^[“"「『]?(?:这|這|此|该|該|他|她|它|但|而|因此|所以|不过|不過|然而|同时|同時
        |それ|これ|この|その|しかし|だが|また|そして)""",
    re.IGNORECASE | re.VERBOSE,
)

# A plural demonstrative before a noun among a sentence's first words points back at what
# the sentence before it named: "Parece que nos últimos tempos essas palavras se tornaram …",
# "For years these tools have …"; not one a clause after it defines ("one of those
# adventure seeking souls who …"). (At the very start, ``_LEANS`` has it.) So does an
# "also" among its first words: "I also made …", "The company also said …".
_NAMED_BEFORE = re.compile(
    r"""^(?:[^\s]+\s+){1,5}(?:these|those|diese[nmrs]?|jene[nmrs]?|essas|esses|estas|estes
        |aquelas|aqueles|ces|esos|esas|эти)\s+
        (?!(?:\S+\s+){0,3}(?:who|whom|whose|which|that|que|qui|dont|welche|die|der|которые)\b)
        (?-i:[a-zß-ÿа-яё])
    # adding to what a sentence before said: "I also made …", "The company also said …"
    |^(?:[\w’'-]+\s+){1,3}also\s""",
    re.IGNORECASE | re.VERBOSE,
)


# --- what kind of story, and where its verdict is ------------------------------------------
# A review by what it says it is: the title or a category ("Book review:", "im Test",
# "Rezension", "crítica"), or a rating in the text ("4/5", "★★★★☆", "8 out of 10").
_REVIEW = re.compile(
    r"""\b(?:reviews?|reviewed|rezension|kritik|im\s+test|test\s*:|crítica|critique|resenha
        |reseña|обзор|рецензия|verdict|fazit|rating)\b|★|☆""",
    re.IGNORECASE | re.VERBOSE,
)
_RATING = re.compile(
    r"""(?<![\d/.])(?:[0-9](?:[.,]5)?\s?/\s?(?:5|10)|(?:10|[0-9](?:[.,]5)?)\s+(?:out\s+of|von|de|из)
        \s+(?:5|10)|[0-9](?:[.,]5)?\s+(?:stars|sterne|estrelas|étoiles|звёзд|звезд))(?![\d/])
        |[★☆]{3,}""",
    re.IGNORECASE | re.VERBOSE,
)
# Words that close an argument: "in the end", "all in all", "Fazit", "enfim", "в итоге".
_CONCLUDES = re.compile(
    r"""(?:^|[\s,(“"„«])(?:all\s+in\s+all|overall|in\s+the\s+end|ultimately|in\s+short|in\s+sum
        |to\s+sum\s+(?:it\s+)?up|in\s+conclusion|the\s+bottom\s+line|bottom\s+line|all\s+told
        |on\s+balance|the\s+verdict|verdict|fazit|insgesamt|unterm\s+strich|alles\s+in\s+allem
        |letztendlich|letztlich|am\s+ende|em\s+suma|enfim|no\s+fim\s+das\s+contas|em\s+resumo
        |no\s+geral|en\s+somme|au\s+final|finalement|en\s+résumé|en\s+resumen|en\s+definitiva
        |al\s+final|в\s+итоге|в\s+целом|в\s+общем|итак|总之|总的来说|综上|結局|要するに)(?=[\s,:;.!?]|$)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A critic's judgement words, in the corpus's languages. Each alone is weak evidence; near
# the end of a review, or beside the work's name, it marks the verdict. One said of a
# person ("Lee is a great human being") judges the author, not the work.
_JUDGES = re.compile(
    r"""\b(?:great|excellent|superb|brilliant|masterpiece|masterful|stunning|beautiful(?:ly)?
        |gorgeous|moving|gut-?wrenching(?:ly)?|heart-?rending|heartbreaking|powerful|compelling
        |gripping|engaging|entertaining|enjoyable|delightful|charming|clever|worthwhile
        |worth\s+(?:it|a|the|your|watching|reading|playing|seeing|listening)|recommend(?:ed)?
        |must-(?:see|read|watch|play|have)|disappoint(?:ing|ed|ment)?|flawed|bland|boring|dull
        |tedious|generic|derivative|mediocre|forgettable|uneven|overlong|cohesive|daring
        |pleasant|honest|predictable|well-trodden|accessible|fascinating|impressive|tremendous
        |gelungen\w*|großartig\w*|hervorragend\w*|empfehlenswert\w*|lohnt|lohnenswert
        |unterhaltsam\w*|spannend\w*|enttäuschend\w*|langweilig\w*|großer\s+spaß|überzeugt
        |ótim[oa]|excelente|brilhante|vale\s+a\s+pena|recomend\w+|decepcion\w+|divertid[oa]
        |magnifique|réussi\w*|décevant\w*|ennuyeux|passionnant\w*
        |отличн\w*|прекрасн\w*|рекоменд\w*|скучн\w*|великолепн\w*)\b
    # not one said of a person: "a great human being", "ein großartiger Mensch"
    (?!\s+(?:[\w-]+\s+)?(?:human|humans|person|persons|people|guy|guys|man|men|woman|women
        |fellow|folks?|friends?|chap|dude|mensch|menschen|kerl|typ|pessoas?|homem|mulher
        |personnes?|homme|femme|personas?|hombre|mujer|человек\w*|люди|парень)\b)""",
    re.IGNORECASE | re.VERBOSE,
)


# Where a title's parts meet: "Book review: Locksport - A Hacker's Guide …".
_TITLE_PARTS = re.compile(r":\s|\s[-–—|]\s")
# A review's label in its title: "Book review", "im Test", "Filmkritik", "Resenha".
_REVIEW_LABEL = re.compile(
    r"""(?:\b(?:book|film|movie|album|game|record|music|series|show|concert|play)\s+)?
        \b(?:reviews?|reviewed|\w*rezension|\w*kritik|crítica|critique|resenha|reseña|обзор
        |рецензия|im\s+test|test)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A title's first word when it is a gerund: "Moving beyond mice …", "Engaging local …".
_GERUND_OPENS = re.compile(r"^\W*[^\W\d_]+ing\b", re.IGNORECASE)
# A review's sentence whose subject is a pronoun for the work it reviews, after a phrase
# that concludes: "It's a comprehensive yet digestible resource …", "All in all, it's a
# great book …", "Es ist …", "C'est un disque …", "É um livro …", "Это …". Not a cleft,
# whose "it" stands for nothing: "It's that woven thread that's worth it".
_STANDS_FOR_WORK = re.compile(
    r"""^[“"„«]?(?:[^,]{1,30},\s+)?(?:it|it[’']s|es|er|sie|c[’']est|il|elle|é|ele|ela|это|он|она)
        (?=[\s,])(?!\s+(?:is\s+)?(?:that|this|what|how|why|when|where|who)\b)""",
    re.IGNORECASE | re.VERBOSE,
)
# A reviewer's credit in the text: "Eine Rezension von …", "A review by …".
_REVIEW_CREDIT = re.compile(
    r"""\b(?:an?|eine|uma|une|una)\s+(?:review|rezension|kritik|crítica|resenha|critique|reseña)
        \s+(?:by|von|de|por|of)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A release by its title: a version number ("0.13.4", "v201605") or release words.
_RELEASE = re.compile(
    r"""(?:^|\s)v?\d+\.\d+(?:\.\d+)+\b|\bv\d{3,}\b|\bversion\s+\d|^releases?$|\bchangelog
        |\brelease\s+notes|\bdeprecat\w*|\bsunset|\bend[-\s]of[-\s]life
        |\bwill\s+(?:soon\s+)?require\b|\bversão\s+\d|\bveröffentlicht\b""",
    re.IGNORECASE | re.VERBOSE,
)
# What a release note tells its reader: what changed and what to do.
_ACTS = re.compile(
    r"""\b(?:deprecat\w*|sunset|removed?|breaking|migrat\w*|upgrad\w*|no\s+action|action\s+is
        |must|required?|security|vulnerab\w*|cve-\d+|fix(?:es|ed)?|harden\w*|now\s+available
        |available\s+(?:in|on|from)|support(?:s|ed)?\s+for|improv\w*|added|adds|new\s+features?
        |veraltet|entfernt|aktualisier\w*|obsolet\w*|removid\w*|atualiz\w*)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A change that matters more than a chore ("Use moderner type annotations"): security, what
# is now supported, what goes away or breaks, what the reader must do.
_WEIGHTY = re.compile(
    r"""\b(?:cve-\d+|vulnerab\w*|security|exploit\w*|harden\w*|support(?:s|ed)?|compatib\w*
        |deprecat\w*|sunset|removed?|breaking|no\s+longer|end[-\s]of[-\s]life|must|required?
        |migrat\w*|sicherheit\w*|unterstützt|unterstützung|veraltet|entfernt|segurança|suporte
        |suporta|removid\w*|sécurité|prise\s+en\s+charge|obsolète|seguridad|soporte
        |безопасност\w*|поддержк\w*)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# Who talks with whom: the line of a podcast's or a talk's description that says it ("Im
# Gespräch mit Tim Pritlove berichtet …", "Miller joins us for …", "in conversation with").
_CONVERSATION = re.compile(
    r"""\b(?:im\s+gespräch\s+mit|unterhält\s+sich\s+mit|spricht\s+mit|in\s+conversation\s+with
        |(?:talks?|chats?|speaks?)\s+(?:with|to)|sits?\s+down\s+with|em\s+conversa\s+com
        |conversa\s+com|en\s+conversation\s+avec|s'entretient\s+avec|беседует\s+с)
        \s+(?:(?:the|der|die|dem|o|a|le|la)\s+[\w-]+\s+)?(?-i:[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]+\s+[A-ZÀ-ÖØ-ÞА-ЯЁ])
        |(?-i:\b[A-ZÀ-ÖØ-Þ][\w'’-]+)\s+joins\s+(?:us|me|the\s+show|the\s+podcast)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# The writer speaking of themselves: a post or an essay in the first person ("My", "Ich",
# "Eu" open sentences too; not "Me", "Ma", "Mi", "Mes", "Mon": states, names, months).
_FIRST_PERSON = re.compile(
    r"""\b(?:I|I[’']m|I[’']ve|I[’']d|I[’']ll|my|me|mine|ich|mein\w*|mich|mir|eu|meu|minha|je|j[’']
        |mon|ma|mes|moi|yo|mi|я|мне|мой|моя|меня
        |My|Mine|Ich|Mein\w*|Mich|Mir|Eu|Meu|Minha|Je|J[’']|Moi|Yo|Я|Мне|Мой|Моя|Меня)\b""",
    re.VERBOSE,
)
# A speaker's or writer's biography closing a description: "Jane Roe has been a professor
# at … since 2007", "John Doe is the author of …". It tells who, not what the piece says.
_BIO = re.compile(
    r"""^(?:(?:Dr|Prof)\.?\s+)?(?:[A-Z][\w'’-]+\s+){1,3}(?:is|has\s+been|was|serves\s+as)\s+
        (?:an?|the|currently\s+an?|currently\s+the)\s+(?:[\w-]+\s+){0,3}
        (?i:professor|author|journalist|director|founder|co-founder|editor|host|writer|lecturer
        |researcher|fellow|scientist|economist|historian|ceo|partner|correspondent)\b""",
    re.VERBOSE,
)
# A writer's own stance: "It seems to me", "I think", "I prefer", "ich finde", "acho que".
_STANCE = re.compile(
    r"""\b(?:it\s+seems\s+to\s+me|i\s+(?:think|believe|prefer|suspect|would\s+argue|'d\s+argue
        |feel\s+that|(?:would|[’']d)\s+say)|i\s+can[’']?t\s+help\s+but\s+(?:think|feel)
        |in\s+my\s+(?:view|opinion)|what\s+i\s+want|my\s+(?:point|position)
        |i(?:[’']m|\s+am)\s+(?:saying|arguing|suggesting|convinced)
        |ich\s+(?:finde|glaube|denke|meine|bin\s+überzeugt)|meiner\s+meinung|mir\s+scheint
        |(?:eu\s+)?(?:acho|prefiro|creio|penso|acredito)\s+que|eu\s+prefiro
        |na\s+minha\s+opinião|je\s+(?:pense|crois|préfère)|à\s+mon\s+avis|selon\s+moi
        |creo\s+que|pienso\s+que|considero\s+que|opino\s+que|prefiero|en\s+mi\s+opinión
        |я\s+(?:думаю|считаю)|по-моему|на\s+мой\s+взгляд)\b""",
    re.IGNORECASE | re.VERBOSE,
)

# A result a story arrives at: a final tally ("Final score four right and 11 wrong"), or a
# figure set against what was claimed or expected ("barely 1.5% of the claimed capacity",
# "more than one order of magnitude off from the campaign's claim of 1150 mAh", "weniger
# als erwartet") or against an earlier one ("In 2015 I made 3x more than in 2014", "20
# Prozent weniger"). Only in a sentence with a figure.
_RESULT = re.compile(
    r"""\b(?:final\s+(?:score|tally|count|result|standings)|endstand|endergebnis|schlussbilanz
        |placar\s+final|resultado\s+final|score\s+final|résultat\s+final|итоговый\s+сч[её]т)\b
        |\b(?:of|from|off|short\s+of)\s+(?:the|its|their|his|her)\s+(?:[\w-]+\s+){0,3}?
            (?:claim(?:ed|s)?|promised|advertised|forecasts?|expected)\b
        |\bthan\s+(?:(?:was|had\s+been|first)\s+)?(?:claimed|promised|advertised|forecast|expected
            |predicted)\b
        |\b(?:below|above|beat|missed|exceeded)\s+(?:the\s+|its\s+)?(?:[\w-]+\s+)?(?:expectations
            |forecasts?|estimates)\b
        |\bals\s+(?:erwartet|versprochen|angegeben|prognostiziert)\b
        |\b(?:do\s+que\s+o|que\s+lo|de\s+lo)\s+(?:esperado|prometido|previsto|anunciado)\b
        |\bque\s+(?:prévu|promis|annoncé)\b|\bчем\s+(?:ожидалось|обещали|заявлено)
        # a figure set against an earlier one: "I made 3x more than in 2014"
        |\b\d+(?:[.,]\d+)?\s*-?(?:x|%|percent|per\s+cent|prozent|por\s+cento|pour\s+cent
            |процент\w*|times|mal|vezes|fois|раза?)\s+(?:more|less|fewer|higher|lower
            |bigger|smaller|faster|slower|mehr|weniger|mais|menos|plus|moins|больше|меньше)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_FIGURE = re.compile(r"\d")


# A how-to's promise: the writer offers ("Here are", "I'll share", "приведу", "voici", "hier
# sind", "aqui estão", "te dejo") a few of what advice comes in (tips, rules, ways, правила,
# Tipps, conseils, dicas, consejos) - "Here are five ways to keep your plants alive through
# winter", "… приведу несколько правил застольной безопасности". ``_promises`` wants the
# subject after it too: "So here are the rules." points at a list and says nothing.
_PROMISE = re.compile(
    r"""\b(?:here\s+(?:are|is|come)|here[’']s|let\s+me\s+(?:share|give|offer|suggest|list)
        |i(?:[’']ll|\s+will|[’']d\s+like\s+to|\s+would\s+like\s+to|\s+want\s+to)\s+(?:share
            |give|offer|suggest|list|outline)|give\s+you|offer\s+you
        |приведу|поделюсь|дам|предложу|предлагаю|перечислю|вот
        |hier\s+(?:sind|kommen)|ich\s+(?:gebe|verrate|zeige|nenne)|im\s+folgenden
        |voici|je\s+(?:vous\s+)?(?:donne|propose|partage|livre)
        |aqui\s+(?:estão|vão|vai)|separei|(?:eu\s+)?(?:dou|compartilho|listei|reuni)
        |aquí\s+(?:tienes|están|van|te\s+dejo)|te\s+(?:doy|dejo)|les\s+dejo|comparto)
    (?:\s+[^\s.!?:]+){0,5}?\s+[«"„“]?
    (?:tips|ways|steps|rules|tricks|ideas|suggestions|lessons|advice|guidelines|strategies
        |hacks|pointers|recommendations
        |правил\w*|совет\w*|способ\w*|рекомендаци\w*|шаг\w*|при[её]м\w*
        |tipps?|regeln|ratschläge?|schritte|kniffe|wege|empfehlungen
        |conseils?|astuces?|règles|étapes|façons|moyens|recommandations
        |dicas?|conselhos?|regras|passos|maneiras|truques|sugestões
        |consejos?|trucos?|reglas|pasos|maneras|claves|recomendaciones|sugerencias)\b
    (?P<subject>.*)""",
    re.IGNORECASE | re.VERBOSE,
)
# A title that asks how, or counts the advice it gives: "How to keep plants alive", "Как
# пережить новогоднюю ночь", "Wie man …", "Comment réussir …", "Como plantar …", "Cómo
# ahorrar …", "5 Tipps für …". Not "How Trump's cuts threaten …" (an explainer).
_ASKS_HOW = re.compile(
    r"""^(?:how\s+(?:to|i|we|you)\b|как\s+\w+(?:ть|ться|чь)\b|wie\s+(?:man|sie|du|ihr)\b
        |comment\s+\w+(?:er|ir|re)\b|como\s+\w+(?:ar|er|ir|or)\b|cómo\s+\w+(?:ar|er|ir)\b
        |(?:\d+|five|ten|some|a\s+few)\s+(?:\w+\s+)?(?:ways|tips|steps|rules|tricks|tipps|regeln
            |conseils|astuces|dicas|passos|consejos|trucos|правил|советов|способов)\b)""",
    re.IGNORECASE | re.VERBOSE,
)


# --- what an editor trims inside a sentence ----------------------------------------------
# Parenthetical asides that carry nothing a blurb needs: an interjection ("(sigh)", "(?!)",
# "(I promise)"), an exclamation ("(Clickbaitalarm!1!)"), a stock ticker ("(NASDAQ: RHT)"),
# a web address ("(example.de)"). Names, figures and dates in brackets stay.
_ASIDES = re.compile(
    r"""\s*\((?:[?!.…\s]+|sic!?|sigh|grin|lol|again|almost|really|yes,\s+really|seriously|ahem
        |i\s+(?:promise|know|think|guess|hope|swear)[!.]*|i[’'](?:ll|m|d)(?:\s+[\w’']+){1,2}[!.]*|[^()!?]{0,40}[^\W\d_][^()!?]{0,40}![!?1]*
        |(?:NYSE|NASDAQ|Nasdaq|NasdaqGS|AMEX|LSE|TSX|TSXV|ASX|OTC\w*|FWB|ETR|XETRA|SIX|HKEX|TYO|TSE
        |Euronext|BMV|B3)\s*:\s*[A-Z0-9.-]{1,8}
        |(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|de|fr|uk|io|co|info|ru|br|pt
        |es|it|nl|jp|cn|fm|tv|me|at|ch)(?:/[^\s()]*)?)\)(?=[\s.,;:!?…]|$)""",
    re.IGNORECASE | re.VERBOSE,
)
# A web address between commas after what it names: "… visiting the official website,
# www.adwordsapiworkshops.com, and clicking on Resources".
_ADDRESS_BETWEEN_COMMAS = re.compile(r",\s+(?:https?://|www\.)[^\s,]+,")
# An abbreviation spelled out once, "the National Broadband Network (NBN)": in a blurb that
# never uses it again, the brackets are noise.
# An aside of whole sentences in brackets inside a sentence ("… the whole band (Yes, Georg
# too. Gustav even spoke!).") : an editor leaves it out, and the sentence around it stands.
_SENTENCES_ASIDE = re.compile(r"\s\((?=[^()]{0,300}[.!?]\s)[^()]{1,300}[.!?]\)(?=[.,;:!?]|\s|$)")
# A list item's number before a sentence: "9) Not only will Microsoft peak, …". An editor
# leaves it out of a blurb, where the list is not.
_LIST_NUMBER = re.compile(r"^\(?\d{1,2}\)\s+(?=[A-ZÀ-ÖØ-ÞА-ЯЁ])")
_ABBREVIATION = re.compile(r"\s\(([A-ZÄÖÜ]{2,6}s?)\)(?=[\s.,;:!?…]|$)")


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence and where it stood."""

    text: str
    position: int  # among the candidates, in article order
    paragraph: int
    complete: bool  # ends with its own punctuation and was not cut short by the feed
    standfirst: bool = False  # the opening paragraph, given a full stop it did not have
    cut: bool = False  # the story's last sentence, cut by the feed: ends in "…", ends a blurb
    change: bool = False  # a release's list item naming a change, given a full stop


def extract_blurb(markup: str, title: str = "", limit: int = 300) -> str:
    """The blurb for one item's HTML: whole sentences of the story, at most *limit* chars.

    Returns "" when the item carries no story text.
    """
    return summarize(story_paragraphs(markup), title, limit, summary=leads_with_summary(markup))


def summarize(
    paragraphs: list[str],
    title: str,
    limit: int,
    categories: Sequence[str] = (),
    summary: bool = False,
) -> str:
    """Pick and join the best sentences of *paragraphs* within *limit* characters.

    *categories* are the item's own tags: "review" among them makes its verdict count.
    *summary* says the first paragraph is the publisher's summary of the story (the feed's
    description beside its content): a short one is not taken for a caption.
    Returns "" when there is no sentence to pick.
    """
    paragraphs = _without_appendix(paragraphs)
    kind = story_kind(title, categories, paragraphs)
    candidates = candidate_sentences(paragraphs, title, summary, changes=kind == "release")
    candidates = _sidelight_after_lead(candidates, title)
    if not candidates:
        return ""
    scores = rank_sentences(candidates, title, kind)
    points = point_sentences(candidates, scores, title, kind)
    answer = _answer(candidates, scores)
    if answer is not None:  # the story's own answer to the puzzle it put is its point
        points = [answer]
    # a writer's stance is one whichever sentence says it; a verdict or a change is not
    # (in a story that is not an essay, any "I think" the blurb already holds)
    stances = [s for s in candidates if kind == "story" and _STANCE.search(s.text)]
    alike = [*points, *stances] if kind in ("essay", "story") else []
    work = _work(title) if kind == "review" else frozenset()
    point = points[0] if points else None
    blurb = compose(candidates, scores, limit, title, point, alike, work, summary)
    return _without_unused_abbreviations(blurb)


def _without_appendix(paragraphs: list[str]) -> list[str]:
    """*paragraphs* up to a fact box that follows the story ("Company: Asana", "Website:
    asana.com", "Funding: $10.2M", then the company's own description): the box and what
    comes after it are the publisher's appendix, not the story, and the story's close is
    where the story ends. A box that heads the text, or one with more text after it than
    before it, is the story's own list."""
    for start in range(1, len(paragraphs) - FACT_BOX + 1):
        if all(_FACT_LINE.match(p) for p in paragraphs[start : start + FACT_BOX]):
            before = sum(map(len, paragraphs[:start]))
            if before > sum(map(len, paragraphs[start:])):
                return paragraphs[:start]
    return paragraphs


def _sidelight_after_lead(sentences: list[Sentence], title: str) -> list[Sentence]:
    """*sentences* with a standfirst that is a sidelight moved after the story's lead.

    A news lead states the headline's event ("Gene Sharp … has died at the age of 90"
    under "Gene Sharp … dies at 90"): it names most of the title's words. A standfirst
    that names few of the words the lead shares with the title tells a side of the story
    ("Professor spread philosophy of non-violent resistance …"), not its event; it comes
    after the lead, where it can add what it knows. One that restates the event in its
    own words ("… agency raises concerns about …" under "FBI has 'grave concerns' …")
    is the editor's summary and stays first."""
    first = sentences[0] if sentences else None
    if first is None or not first.standfirst or not _summarises(first, sentences):
        return sentences  # a teaser the lead repeats stays where it never opens the blurb
    after = [s for s in sentences if s.paragraph > first.paragraph]
    if not after or not after[0].complete or _midway(after[0]) or _leans(after[0]):
        return sentences
    title_terms = _terms(title)
    event = title_terms & _terms(after[0].text)
    if len(event) < 2 or len(event) < NEWS_LEAD * len(title_terms):
        return sentences  # a feature's opening, not a news lead: the standfirst says more
    if len(event & _terms(first.text)) >= SIDELIGHT * len(event):
        return sentences
    lead = [s for s in after if s.paragraph == after[0].paragraph]
    rest = [s for s in after if s.paragraph != after[0].paragraph]
    moved = [
        replace(s, paragraph=paragraph)
        for s, paragraph in [(s, first.paragraph) for s in lead] + [(first, after[0].paragraph)]
    ]
    return [replace(s, position=i) for i, s in enumerate([*moved, *rest])]


def _without_asides(text: str) -> str:
    """*text* without the asides an editor cuts ("… a huge hassle (sigh).", "… the official
    website, www.example.com, and …")."""
    trimmed = _ADDRESS_BETWEEN_COMMAS.sub("", _ASIDES.sub("", text)).strip()
    return trimmed if count_words(trimmed) >= FULL_WORDS else text


def _without_unused_abbreviations(blurb: str) -> str:
    """*blurb* without "(NBN)" after a name spelled out, where the blurb never uses NBN."""

    def unused(match: re.Match[str]) -> str:
        rest = blurb[: match.start()] + blurb[match.end() :]
        return "" if re.search(rf"\b{match.group(1)}\b", rest) is None else match.group()

    return _ABBREVIATION.sub(unused, blurb)


def point_sentence(
    sentences: list[Sentence], scores: list[float], title: str, kind: str
) -> Sentence | None:
    """The sentence that carries the point of its kind of story, when one does and it is
    worth a place: a review's verdict, a release's call to act, an essay's thesis."""
    points = point_sentences(sentences, scores, title, kind)
    return points[0] if points else None


def point_sentences(
    sentences: list[Sentence], scores: list[float], title: str, kind: str
) -> list[Sentence]:
    """The sentences that make the point of their kind of story as strongly as any does,
    the best scored first (see ``point_sentence``)."""
    title_terms = _terms(title)
    count = len(sentences)
    best = max(scores, default=0.0)
    howto, close = _asks_how(title), CLOSING * count
    weighed = [
        (_point(s.text, bool(_terms(s.text) & title_terms), s.position >= close, kind, howto), s)
        for s in sentences
        if s.complete
        and scores[s.position] >= MIN_SHARE * best
        and (kind != "story" or not _quotes_speech(s.text))
    ]
    # a review is written for its verdict: a full one (judging the work by name, or
    # concluding, in the close) is its point when it is worth a place at all
    weighed = [
        (weight, s)
        for weight, s in weighed
        if scores[s.position] >= POINT_SHARE * best or (kind == "review" and weight >= VERDICT)
    ]
    # the strongest point (a verdict in the close beside the work's name), then the best
    strongest = max((weight for weight, _ in weighed), default=0.0)
    if strongest <= 0:
        return []
    alike = [s for weight, s in weighed if weight == strongest]
    return sorted(alike, key=lambda s: -scores[s.position])


def _quotes_speech(text: str) -> bool:
    """True for a sentence that quotes someone's words ("“We will not reopen it,” he said."),
    whose view is not the writer's; not for a word or two in quotes, the writer's own
    ("… несколько "праздничных" правил …", "the so-called „smart“ bridge")."""
    spans = _QUOTED.findall(text)
    marks = len(QUOTE_MARK.findall(text))
    return marks > 2 * len(spans) or any(count_words(span) > SCARE_WORDS for span in spans)


def _work(title: str) -> frozenset[str]:
    """The content words of the name of the work a review's *title* gives: its first part
    that is not the review's label. "Book review: The Salt Road - A Novel" gives {"salt",
    "road"}; "Harbour Lights im Test: …" gives {"harbour", "lights"}."""
    for part in _TITLE_PARTS.split(title):
        terms = _terms(_REVIEW_LABEL.sub(" ", part))
        if terms:
            return frozenset(terms)
    return frozenset()


def _judges_work(title: str) -> bool:
    """True for a title that judges what it names ("A Beautifully Told Thriller"); not for
    one that opens on a gerund ("Moving beyond mice …", "Engaging local stakeholders") nor
    an offer that states its price ("Beautiful apartment in Fremont! $2150")."""
    return bool(_JUDGES.search(_GERUND_OPENS.sub("", title))) and not _PRICE.search(title)


def story_kind(title: str, categories: Sequence[str], paragraphs: list[str]) -> str:
    """ "review", "release", "talk", "essay" or "story", told from what the item carries.

    A review by its title or tags ("Book review: …", "im Test"), a title that judges ("A
    Beautifully Told Thriller"), a reviewer's credit ("Eine Rezension von …") or a rating
    ("4/5", "★★★★☆"); a release by a version number or release words in its title or tags
    ("mat2 0.13.4", "Announcing v201605", "will require Java 7", a "release" tag); a
    podcast or a talk by a line of who talks with whom ("Im Gespräch mit Tim Pritlove …");
    an essay by the writer's "I", often.
    """
    labels = [title, *(c.replace("_", " ") for c in categories)]  # "book_reviews"
    if any(_REVIEW.search(t) for t in labels) or _judges_work(title):
        return "review"
    if any(_REVIEW_CREDIT.search(p) or _RATING.search(p) for p in paragraphs):
        return "review"
    text = " ".join(paragraphs)
    if len({w.casefold() for w in _JUDGES.findall(text)}) >= JUDGED_REVIEW:
        return "review"  # a critic's words, many of them
    if any(_RELEASE.search(t) for t in labels):
        return "release"
    if _CONVERSATION.search(text):
        return "talk"
    sentences = len(_SENTENCE_END.findall(text))  # about: splitting them costs more
    mine = len(_FIRST_PERSON.findall(text))
    if mine >= FIRST_PERSON and mine >= FIRST_PERSON_SHARE * sentences:
        return "essay"
    return "story"


# --- candidate sentences ------------------------------------------------------------------


def candidate_sentences(
    paragraphs: list[str], title: str, summary: bool = False, changes: bool = False
) -> list[Sentence]:
    """Sentences that could stand in a blurb: no chrome, no title, no captions (a
    publisher's *summary* heading the story is none). With *changes* (a release note),
    a list item that names a change is one, closed with a full stop: "Improve MSOffice
    document support." """
    split = [story_sentences(_SENTENCES_ASIDE.sub("", p)) for p in paragraphs]
    prose = any(len(s) >= 2 or count_words(p) >= PROSE_WORDS for s, p in zip(split, paragraphs))
    last = max((i for i, s in enumerate(split) if s), default=-1)
    found: list[Sentence] = []
    for index, sentences in enumerate(split):
        sentences = _with_answers(sentences)
        quoted = _inside_quotes(sentences)
        for number, raw in enumerate(sentences):
            text = _without_title(raw, title) if not found else raw
            if number == 0:
                text = _LIST_NUMBER.sub("", without_dateline(text))
            text = _without_asides(without_photo_credit(text))
            text = _CLOSED_THEN_CUT.sub(r"\1", text)
            if _AND_MORE.search(text):
                text = _as_sentence(_AND_MORE.sub("", text))
            if _repeats_title(text, title):
                continue
            written = summary and index == 0  # the publisher's summary
            # the story's last line is its own, not a caption: "The bad news: V8 is over
            # 100,000 lines of C++." (a caption stands between paragraphs)
            closing = index == last and ends_sentence(text) and count_words(text) >= FULL_WORDS
            item = changes and isinstance(paragraphs[index], ListItem)
            change = item and len(sentences) == 1 and _names_change(text)
            if change:
                text = _as_sentence(text)  # "Improve MSOffice document support."
            elif prose and len(sentences) == 1 and _is_caption(text) and not (written or closing):
                continue  # a caption or a call to action between real paragraphs
            end = number == len(sentences) - 1
            text = _without_puzzle(text)  # "…, can you spot it?": the bug is what it says
            # the lead-in to code or a picture the blurb leaves out: "… like this:"
            shown = end and isinstance(paragraphs[index], LeadIn) and _points_at_shown(text)
            # "X has posted more information on the list:" before the words it quotes
            shown = shown or (
                end and isinstance(paragraphs[index], QuoteLeadIn) and text.endswith(":")
            )
            if shown and (head := _before_pointer(text)):
                text, shown = head, False
            if end and text.endswith(":") and _stands_alone(text) and not shown:
                text = text[:-1].rstrip() + "."  # "…as much as possible:" before code
            opening = all(f.paragraph == index for f in found)  # the story's first paragraph
            standfirst = (
                opening and end and index < last and _is_standfirst(text, paragraphs[index])
            )
            if standfirst:
                text += "."
            cut = index == last and end and _publisher_cut(text, paragraphs)
            if cut:  # "…" at its last whole word; it can only end a blurb
                text = _mark_cut(text) if _cut(text) else _cut_at_whole_word(text)
            complete = ends_sentence(text) or cut
            complete = complete and not quoted[number] and _stands_as_written(text, prose)
            complete = complete and not _URL.search(text)
            complete = complete and balanced(text) and not shown and not _PUZZLE.match(text)
            found.append(Sentence(text, len(found), index, complete, standfirst, cut, change))
    return found


def _names_change(text: str) -> bool:
    """True for a list item of a release note, without a full stop, that names a change
    that matters: "Harden get_meta in archive.py against …", "Compatibility with PHP8.3",
    "Fix a possible NULL-byte truncation …"; not a chore ("Use moderner type annotations"),
    a word or two, nor a "Label - value" pair ("Categories - .footer-archives")."""
    if count_words(text) < ITEM_WORDS:
        return False
    if ends_sentence(text) or _LABEL_VALUE.search(text):  # a sentence: read as one
        return False
    return bool(_WEIGHTY.search(text) or _ACTS.search(text))


def _with_answers(sentences: list[str]) -> list[str]:
    """A one-word answer joined to the sentence it answers: "Tolle Frage, oder? Nicht." is
    one thought; dropped as a fragment, "Nicht." would turn the meaning around."""
    out: list[str] = []
    for sentence in sentences:
        if out and _ANSWER.match(sentence):
            out[-1] += " " + sentence
        else:
            out.append(sentence)
    return out


def _is_caption(text: str) -> bool:
    """True for a short line on its own between prose paragraphs: a caption, a credit, a
    call to action. A lead-in ("… is available online at InfoQ:") or an exclamation or a
    question ("… mat2 is now available in macports!") is the writer's own line."""
    if count_words(text) >= CAPTION_WORDS or text.rstrip("”\"’'»)").endswith(("!", "?")):
        return False
    return not (text.endswith(":") and _stands_alone(text))


def _publisher_cut(text: str, paragraphs: list[str]) -> bool:
    """True for the story's last sentence when the feed cut it: it ends in "..." after a
    word, or a text as long as a teaser gets stops without punctuation ("… vector moni")."""
    if _cut(text):
        return True
    if ends_sentence(text) or not text[-1].isalnum():
        return False
    return sum(len(p) for p in paragraphs) >= CUT_CHARS


def _is_standfirst(text: str, paragraph: str) -> bool:
    """True for the end of an opening paragraph left without its full stop ("…, writes
    Theodore Roosevelt IV") before the story: long enough not to be a heading or a caption."""
    last = text.rstrip("”’'\")»")[-1:]  # "… the ‘conservation president’"
    return not ends_sentence(text) and last.isalnum() and count_words(paragraph) >= CAPTION_WORDS


def _stands_as_written(text: str, prose: bool) -> bool:
    """False for a one-word exclamation in a longer story ("Capra?"): it reads badly alone."""
    return not prose or count_words(text) >= MIN_WORDS


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
        for char in QUOTE_MARK.findall(sentence):
            if char == '"':
                straight = not straight
            elif char in marks:
                depth += marks[char]
                inside = inside or depth < 0
        out.append(inside or depth != 0 or straight)
    return out


def _stands_alone(lead_in: str) -> bool:
    """True for a lead-in whose colon can become a period ("…as much as possible:"),
    false when the sentence needs what follows ("The reasons are:", "as follows:")."""
    words = lead_in[:-1].split()
    if _POINTS_AHEAD.search(lead_in[:-1]) or _POINTS_AT.search(lead_in[:-1]):
        return False  # "… we will apply the following changes to the ads …:"
    return len(words) >= 4 and words[-1].casefold() not in STOPWORDS | _NEEDS_WHAT_FOLLOWS


def _points_at_shown(text: str) -> bool:
    """True for the line before code or a picture when it points at it ("… and thus wrote
    something like this using the slices package:", "Here is my script."), not when it says
    what it shows in words ("RV19 restores a Renault R2087 4x4 from 1960 on youtube:", "Here
    is a snippet to embed a video without tracking:")."""
    if _POINTS_AT.search(text.rstrip(":")):
        return True
    return bool(_HANDS_OVER.match(text)) and not _PURPOSE.search(text)


def _before_pointer(text: str) -> str | None:
    """A lead-in ended before its clause that points at what the blurb leaves out: "Today
    at work, I needed a function in Go to remove duplicates from a slice." for "…, and thus
    wrote something like this using the slices package:". None when no clause is left that
    says something of its own."""
    pointer = _POINTS_AT.search(text.rstrip(":"))
    if pointer is None:
        return None
    clauses = [m for m in _POINTER_CLAUSE.finditer(text) if m.start() < pointer.start()]
    if not clauses:
        return None
    head = text[: clauses[-1].start()].rstrip()
    words = head.split()
    if len(words) < TRIMMED_WORDS or words[-1].casefold() in STOPWORDS or _POINTS_AT.search(head):
        return None
    return head + "." if closes(head) else None


def _without_puzzle(text: str) -> str:
    """*text* without a puzzle it puts to the reader at its end: "…, what's interesting here
    is the bug." for "…, what's interesting here is the bug, can you spot it?". A sentence
    that is all puzzle ("Can you spot the bug?") stays, and never stands in a blurb."""
    match = _PUZZLE.search(text)
    if match is None or match.start() == 0:
        return text
    head = text[: match.start()].rstrip()
    if count_words(head) < FULL_WORDS or not balanced(head):
        return text
    return head + "."


def _cut(text: str) -> bool:
    """True for a sentence the feed cut short: "… the company said it would ..."."""
    return bool(_CUT_ELLIPSIS.search(text))


def _without_title(text: str, title: str) -> str:
    """*text* without the title glued to its start ("Title Body text …" in flat text)."""
    if not title or not text.casefold().startswith(title.casefold()):
        return text
    rest = text[len(title) :].lstrip(" :|-–—.")
    if rest[:1] in (",", ";") or count_words(rest) < 3 or rest[0].islower():
        return text  # the title runs on into the sentence: "Title, esta quarta-feira …"
    return rest


def _repeats_title(text: str, title: str) -> bool:
    """True for the title again, or the title with a short tail ("…, this Wednesday
    night"): under the title it says next to nothing."""
    if not title:
        return False
    a, b = _normal(text), _normal(title)
    if not a or not b:
        return False
    tail = len(a) - len(b)
    return a == b or fuzz.ratio(a, b) >= 90 or (a.startswith(b) and tail < max(12, len(b) / 2))


def _normal(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


# --- ranking ------------------------------------------------------------------------------


def rank_sentences(sentences: list[Sentence], title: str, kind: str = "story") -> list[float]:
    """A score per sentence: the prior (opening, title words, and for a review its verdict),
    raised by centrality (TextRank: PageRank over shared content words) and lowered for a
    sentence of a word or two ("Top.", "Weird!") that says little on its own.

    Centrality is measured over the opening and the close of a long story; a sentence in
    between keeps its prior."""
    if len(sentences) > GRAPH_HEAD + GRAPH_TAIL:
        graph = sentences[:GRAPH_HEAD] + sentences[-GRAPH_TAIL:]
    else:
        graph = list(sentences)
    title_terms = _terms(title)
    centrality = dict(
        zip((s.position for s in graph), _pagerank(_overlap([_terms(s.text) for s in graph])))
    )
    top = max(centrality.values(), default=0.0) or 1.0
    prior = _prior(sentences, title_terms, kind, _asks_how(title))
    return [
        p
        * (BASE_CENTRALITY + centrality.get(s.position, 0.0) / top)
        * min(1.0, count_words(s.text) / FULL_WORDS)
        for s, p in zip(sentences, prior)
    ]


@functools.lru_cache(maxsize=4096)
def _terms(text: str) -> frozenset[str]:
    """Content words; for Chinese and Japanese, character pairs. (Cached: the same
    sentence is weighed many times while a blurb is composed.)"""
    words = {w for w in WORD.findall(text.casefold()) if w not in STOPWORDS and len(w) > 1}
    cjk = _CJK.findall(text)
    words.update(a + b for a, b in zip(cjk, cjk[1:]))
    return frozenset(words)


def _prior(
    sentences: list[Sentence], title: frozenset[str], kind: str, howto: bool = False
) -> list[float]:
    """Favour the opening (by sentence and by paragraph), words shared with the title, and
    what the kind of story is for: a review's verdict, a release's changes and what to do,
    an essay's thesis, the conclusion of any story."""
    order = {p: rank for rank, p in enumerate(sorted({s.paragraph for s in sentences}))}
    last, count = len(order) - 1, len(sentences)
    firsts = {s.paragraph: s for s in reversed(sentences)}  # each paragraph's first sentence
    bios = {p for p, s in firsts.items() if s.position and _BIO.match(s.text)}
    notes = _note_paragraphs(sentences)  # "Update: …" and the rest of its paragraph
    prior = []
    head = sentences[0] if sentences else None  # the first of a run of a release's changes
    for s in sentences:
        terms = _terms(s.text)
        if not (s.change and head is not None and head.change):
            head = s
        lead = 1 / math.sqrt(1 + head.position) / (1 + order[head.paragraph])
        if kind == "essay":
            lead *= ESSAY_LEAD
        overlap = len(terms & title) / (1 + len(title)) if title else 0.0
        closing = s.position > 0 and (
            s.position >= CLOSING * count or (last > 1 and order[s.paragraph] >= last - 1)
        )
        weight = lead + overlap + _point(s.text, bool(terms & title), closing, kind, howto)
        weight += DETAIL * min(1.0, _details(s.text) / DETAILS_FULL)
        if kind in ("story", "release") and _PRICE.search(s.text):
            weight += PRICE
        if s.change and _WEIGHTY.search(s.text):
            weight += RELEASE  # a list item naming a change that matters, not a chore
        if _midway(s):
            weight *= 0.2  # starts mid-thought: a list item after "…as follows:"
        if s.position and _is_filler(s.text):
            weight *= 0.3  # "For more details, check out …": says nothing of this story
        if s.paragraph in bios:
            weight *= 0.3  # "Jane Roe has been a professor at …": the speaker, not the talk
        elif s.paragraph in notes:
            weight *= 0.3  # a note heading the story ("Update: 5:30 pm …"), not its lead
        prior.append(weight)
    return prior


def _answer(sentences: list[Sentence], scores: list[float]) -> Sentence | None:
    """The answer to a puzzle the story puts to its reader ("Can you spot the bug?"): the
    best scored whole sentence that gives a reason ("… meaning that any changes will be
    local to the function") and stands alone, in the ``ANSWER_PARAGRAPHS`` after it. None
    without a puzzle or an answer: the story leaves it to the reader."""
    puzzle = next((s.paragraph for s in sentences if _PUZZLE.match(s.text)), None)
    if puzzle is None:
        return None
    after = sorted({s.paragraph for s in sentences if s.paragraph > puzzle})[:ANSWER_PARAGRAPHS]
    answers = [
        s
        for s in sentences
        if s.complete
        and s.paragraph in after
        and _EXPLAINS.search(s.text)
        and _can_open(s, sentences)  # not "The first has no return value, …": it leans
    ]
    return max(answers, key=lambda s: scores[s.position], default=None)


@functools.lru_cache(maxsize=4096)
def _is_filler(text: str) -> bool:
    """True for a sentence that says nothing of the story: a pointer ("For more details,
    check out …"), an aside to the reader ("Of course, …") or a note ("Update 2:05 pm: …")."""
    return _is_note(text) or bool(_ASIDE_TO_READER.match(text))


def _is_note(text: str) -> bool:
    """True for a pointer or a note ("For more details, …", "Hat tip to …", "Update: …"),
    not an aside to the reader ("Oh, and ANIMAL CRACKERS!"), which may say what a short
    post is about."""
    return bool(_FILLER.search(text) or _NOTE.match(text))


def _details(text: str) -> int:
    """How many names and figures a sentence holds: words with a digit, and capitalised
    words that do not open it (in scripts that have capitals)."""
    words: list[str] = WORD.findall(text)
    figures = sum(any(c.isdigit() for c in w) for w in words if not w.isalpha())
    # a run of capitalised words is one name ("Stern School of Management")
    capital = [w[0].isupper() for w in words]
    names = sum(c and not before for c, before in zip(capital[1:], capital))
    return figures + names


@functools.lru_cache(maxsize=4096)
def _point(text: str, names: bool, closing: bool, kind: str, howto: bool = False) -> float:
    """What a sentence gains as the point of its kind of story: a review's judgement or
    rating (more beside the work's name, or an "It's …" that stands for the work, and in
    its closing part), a release's change or call to act, a story's result (a final
    tally, a figure against what was claimed: wherever it stands), a writer's stance ("I
    think", "eu prefiro": wherever it stands, since a short column may state its view
    midway, more in the closing part) or a concluding phrase ("all in all", "Fazit", "в
    итоге") in the closing part of any story. A how-to's promise ("Here are five ways to
    …") is its point under a title that asks how, or where it closes a teaser; in the
    middle of a long post the advice follows it."""
    concludes = closing and bool(_CONCLUDES.search(text))
    if kind == "review":
        judged = bool(_JUDGES.search(text) or _RATING.search(text))
        names = names or bool(_STANDS_FOR_WORK.match(text))
        if not (judged or concludes):
            return 0.0
        weight = VERDICT * (0.5 + 0.5 * concludes + 0.5 * (judged and names))
        return weight * (1.0 if closing else 0.4)
    if (closing or howto) and _promises(text):
        return PROMISE
    if kind == "release" and _ACTS.search(text):
        return RELEASE
    if kind == "talk" and _CONVERSATION.search(text):
        return TALK
    if kind in ("essay", "story") and _FIGURE.search(text) and _RESULT.search(text):
        return RESULT
    if _STANCE.search(text) and (closing or kind in ("essay", "story")):
        return STANCE if closing else STANCE / 2
    return CONCLUSION if concludes else 0.0


def _asks_how(title: str) -> bool:
    """True for a how-to's title: "How to keep plants alive", "Как пережить новогоднюю
    ночь", "5 Tipps für den Winter"."""
    return bool(_ASKS_HOW.match(title.strip()))


def _promises(text: str) -> bool:
    """True for a how-to's promise that names what it gives and of what: "Here are five
    ways to keep your plants alive through winter.", "Voici quelques conseils pour tenir
    un potager en hiver."; not "So here are the rules." (a pointer at a list)."""
    match = _PROMISE.search(text)
    return match is not None and len(_terms(match.group("subject"))) >= SUBJECT_TERMS


def _midway(sentence: Sentence) -> bool:
    """True for a sentence that starts in lower case or on a comma, semicolon or closing
    bracket: the rest of a list item, a line or a quotation cut before it. A name that
    starts in lower case and has a capital inside ("iPhone sales rose", "eBay said") is a
    name, not the rest of a sentence."""
    if CAMEL_NAME.match(sentence.text):
        return False
    return sentence.text[0].islower() or sentence.text[0] in ",;:)]}”"


def _overlap(terms: list[frozenset[str]]) -> list[list[float]]:
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


def compose(
    sentences: list[Sentence],
    scores: list[float],
    limit: int,
    title: str = "",
    point: Sentence | None = None,
    alike: Sequence[Sentence] = (),
    work: frozenset[str] = frozenset(),
    summary: bool = False,
) -> str:
    """Join complete sentences (article order) within *limit* characters: an opener, then
    the sentences worth most that add something the blurb does not say yet.

    The opener is the lead (the first sentence that can open a blurb), unless one of the
    next sentences names the subject the lead does not (an opening anecdote) or the lead
    says little beside the best sentence. When none of these holds the story's point, the
    blurb is built around the point that can stand in one (see ``_around``). Falls back to
    the first sentence shortened with an ellipsis when none fits, and to a sentence cut by
    the feed (ending in "…") when the item has no complete sentence. A review's *work*
    (the content words of its name) goes with its verdict (see ``_naming_work``).
    """
    pool = [s for s in sentences if s.complete]
    if not pool:
        return shorten(_mark_cut(sentences[0].text), limit)
    whole = len(pool) == len(sentences) <= MAX_SENTENCES
    whole = whole and not any(
        _midway(s) or s.standfirst or (s.position and _is_note(s.text)) for s in pool
    )  # "Hat tip to …" under a short post: the rest is chosen, not taken whole
    if whole and _length([s.text for s in pool]) <= limit:
        return join_sentences([s.text for s in pool])  # a teaser that fits whole: nothing to choose
    opener = _opener(pool, sentences, scores, limit, _terms(title))
    if opener is None:
        first = next((s for s in pool if _can_open(s, sentences)), pool[0])
        return shorten(_dropped_connective(first.text), limit)
    chosen = _fill(_with_kickers(sentences, opener, limit), pool, scores, limit)
    held = {s.position for s in chosen}
    if point is not None and not held & {s.position for s in [point, *alike]}:
        # the publisher's summary, heading the story, stays the opener beside a point
        kept = opener.position if summary and opener.paragraph == 0 else None
        for other in [point, *sorted(alike, key=lambda s: -scores[s.position])]:
            other = _trimmed(_main_clause(other), limit)
            placed = _around(other, pool, sentences, scores, limit, work, kept)
            if placed:
                return join_sentences(_texts(placed))
    elif point is not None and point.position in held and point.position - 1 not in held:
        trouble = _trouble(point, pool, sentences, limit)
        if trouble is not None:  # the promise goes with the trouble it answers
            chosen = _fill(
                _after_opener(chosen[0], [trouble, point], pool, limit), pool, scores, limit
            )
    return join_sentences(_texts(chosen))


def _after_opener(
    opener: Sentence, pair: list[Sentence], pool: list[Sentence], limit: int
) -> list[Sentence]:
    """*pair* after the blurb's *opener* when that comes before it and all three fit;
    else *pair* alone."""
    trial = [opener, *pair]
    if opener.position >= pair[0].position or _is_kicker(opener.text):
        return pair
    if not _may_join(pair[0], [opener], pool):
        return pair
    return trial if _length(_texts(trial)) <= limit else pair


def _trouble(
    promise: Sentence, pool: list[Sentence], sentences: list[Sentence], limit: int
) -> Sentence | None:
    """The sentence right before a how-to's promise, the trouble the promise answers, when
    it can open a blurb beside it: "Celebrating brings new aches or worsens old ones. To
    avoid such an end, here are a few rules of safe feasting." None for another point."""
    if not _promises(promise.text):
        return None
    before = next((s for s in pool if s.position == promise.position - 1), None)
    if before is None or not _can_open(before, sentences) or not _may_join(promise, [before], pool):
        return None
    return before if _length(_texts([before, promise])) <= limit else None


def _trimmed(sentence: Sentence, limit: int) -> Sentence:
    """*sentence*, when it is too long for a blurb, ended before its last coordinated clause
    that leaves it within *limit*: "… berichtet im Gespräch mit Tim Pritlove von der
    Funktionsweise des Gehörsystems vom Außenohr bis zum Hörnerv und mit welchen …" ends
    at "Hörnerv.". Not inside a list ("A, B and C") nor a pair ("between A and B")."""
    if len(sentence.text) <= limit:
        return sentence
    head = None
    for match in _CLAUSE_AND.finditer(sentence.text):
        before = sentence.text[: match.start()].rstrip()
        if len(before) >= limit:
            break
        words = before.split()
        if len(words) < TRIMMED_WORDS or words[-1].casefold() in STOPWORDS:
            continue
        if "," in before[-LIST_CHARS:] or _PAIRED.search(" ".join(words[-4:])):
            continue
        if balanced(before) and not QUOTE_MARK.search(before):
            head = before
    return replace(sentence, text=head + ".") if head else sentence


def _around(
    point: Sentence,
    pool: list[Sentence],
    sentences: list[Sentence],
    scores: list[float],
    limit: int,
    work: frozenset[str] = frozenset(),
    lead: int | None = None,
) -> list[Sentence] | None:
    """A blurb that holds *point*: the blurb's opener (the sentence at *lead*) when it
    leaves room for it, else the best opener before it that does, or
    *point* alone when it can open; then filled as usual. None when neither fits. A
    review's verdict that does not name the *work* comes after a sentence that does
    (``_naming_work``); one whose "It" stands for the work may open alone, under the
    title that names it."""
    if work and not _terms(point.text) & work:
        named = _naming_work(point, pool, sentences, limit, work)
        if named:
            return _fill(named, pool, scores, limit)
    if len(_dropped_connective(point.text)) > limit:
        return None
    openers = [
        s
        for s in pool
        if s.position < point.position
        and _can_open(s, sentences)
        and _may_join(point, [s], pool)
        and _length(_texts([s, point])) <= limit
        and count_words(s.text) >= FULL_WORDS  # a kicker ("Media.") says nothing beside it
    ]
    if _subject_from_before(point):  # "… he tells …" comes after the one that names him
        openers = [s for s in openers if s.position == point.position - 1]
    trouble = _trouble(point, pool, sentences, limit)
    if trouble is not None:  # a how-to's promise goes with the trouble it answers
        openers = [trouble]
    if openers:
        kept = [s for s in openers if s.position == lead] if lead is not None else []
        opener = kept[0] if kept else max(openers, key=lambda s: scores[s.position])
        return _fill([opener, point], pool, scores, limit)
    opens = _can_open(point, sentences) or (bool(work) and _stands_for_work(point))
    if opens and not _subject_from_before(point):
        return _fill([point], pool, scores, limit)
    return None


def _stands_for_work(sentence: Sentence) -> bool:
    """True for a review's sentence whose subject is the reviewed work: "It's a
    comprehensive yet digestible resource …", "All in all, it's a great book …"."""
    return not _midway(sentence) and bool(_STANDS_FOR_WORK.match(sentence.text))


def _naming_work(
    verdict: Sentence,
    pool: list[Sentence],
    sentences: list[Sentence],
    limit: int,
    work: frozenset[str],
) -> list[Sentence] | None:
    """A review's *verdict* after the sentence before it that names most of the *work*'s
    name (the first of equals), both trimmed as an editor would so that they fit, the
    least cut (``trim.spared``; the naming one also to its clause that names, ``_naming_clause``):
    "Salt (a sea word) is the second album from Harbour Lights, and it's a lonely one."
    before "A blend of shanties and jazz, resulting in a really daring record." gives "Salt
    is the second album from Harbour Lights. A blend of shanties and jazz, resulting in a
    daring record." Its "It" stands for the work, so it may follow one that is not its
    predecessor. None when no such sentence fits beside it."""
    verdicts = spared(verdict.text)
    namers = sorted(
        (
            s
            for s in pool
            if s.position < verdict.position
            and _terms(s.text) & work
            and _can_open(s, sentences)
            and (_may_join(verdict, [s], pool) or _stands_for_work(verdict))
        ),
        key=lambda s: -len(_terms(s.text) & work),
    )
    for namer in namers:
        shorter = spared(namer.text)
        clauses = {_naming_clause(t, work) for t in shorter}
        texts = [*shorter, *sorted((c for c in clauses if c), key=len, reverse=True)]
        trial = _least_cut([namer, verdict], [texts, verdicts], limit)
        if trial is not None:
            return trial
    return None


def _naming_clause(text: str, work: frozenset[str]) -> str | None:
    """*text* ended before its first side clause, when what is left still names the
    *work*: "Salt is the second album from Harbour Lights." for "Salt is the second album
    from Harbour Lights, and it's a lonely one, for I don't think it has peers."; the
    verdict beside it judges the work. None when there is no such clause."""
    match = SIDE_CLAUSE.search(text)
    if not match:
        return None
    head = text[: match.start()].rstrip()
    if count_words(head) < FULL_WORDS or not _terms(head) & work:
        return None
    return head + "." if closes(head) else None


def _main_clause(point: Sentence) -> Sentence:
    """*point* from its "but" on when what comes before leans on a sentence left out: the
    concession "Obviously, this is much better than the case above, but the figure is
    still an order of magnitude off the claim." gives "The figure is still an order of
    magnitude off the claim.", the point an editor keeps."""
    match = _BUT_CLAUSE.search(point.text)
    if match is None or not _leans_on_before(point.text[: match.start()]):
        return point
    rest = point.text[match.end() :]
    if count_words(rest) < FULL_WORDS or _leans_on_before(rest):
        return point
    return replace(point, text=rest[0].upper() + rest[1:])


def _subject_from_before(sentence: Sentence) -> bool:
    """True for a sentence, not the story's first, whose subject is a pronoun for someone
    named before it: "Im Gespräch mit Tim Pritlove erzählt er die Geschichte …"."""
    head = " ".join(sentence.text.split()[:SUBJECT_WORDS])
    return sentence.position > 0 and bool(_SUBJECT_PRONOUN.search(head))


def _opener(
    pool: list[Sentence],
    sentences: list[Sentence],
    scores: list[float],
    limit: int,
    title: frozenset[str],
) -> Sentence | None:
    """The sentence the blurb opens with (see ``compose``)."""
    lead = _lead(pool, sentences, limit)
    best = max(scores[s.position] for s in pool)
    if lead is None or scores[lead.position] < LEAD_SHARE * best:
        openable = [
            s
            for s in pool
            if len(_dropped_connective(s.text)) <= limit
            and _can_open(s, pool)
            and (s.paragraph != _paragraph_before(s, pool) or not _points_back(s.text))
        ]
        return max(openable, key=lambda s: scores[s.position], default=lead)
    after = [s for s in pool if s.position == lead.position + 1]
    if after and not lead.standfirst and len(after[0].text) <= limit and _can_open(after[0], pool):
        named, names = len(_terms(lead.text) & title), len(_terms(after[0].text) & title)
        if names >= max(named + SUBJECT_GAIN, 2 * named):
            return after[0]  # the lead is an anecdote; this one says what the story is about
    return lead


def _lead(pool: list[Sentence], sentences: list[Sentence], limit: int) -> Sentence | None:
    """The first sentence that can open the blurb: it fits, starts a thought (not in lower
    case, not leaning on a sentence before it) and is the story's own, not a standfirst
    that lost its full stop (the story's first sentence says the same in full), nor a note
    heading the story ("Update: 5:30 pm …" and the rest of its paragraph)."""
    notes = _note_paragraphs(sentences)
    for s in pool:
        if len(s.text) > limit or not _can_open(s, sentences) or s.paragraph in notes:
            continue
        if not s.standfirst or _summarises(s, sentences):
            return s
    return None


def _note_paragraphs(sentences: list[Sentence]) -> set[int]:
    """The paragraphs that open with a note ("Update: …", "EDIT: …"), not the story."""
    firsts = {s.paragraph: s for s in reversed(sentences)}  # each paragraph's first sentence
    return {p for p, s in firsts.items() if _NOTE.match(s.text)}


def _summarises(standfirst: Sentence, sentences: list[Sentence]) -> bool:
    """True for a standfirst an editor wrote as the story's summary ("In statement
    attributable to FBI director – appointed by Trump – agency raises concerns about …"):
    most of its words are not in the story's first sentence, so it says what that one does
    not. One the first sentence repeats in full is a teaser of it, and the sentence wins."""
    after = [s for s in sentences if s.paragraph > standfirst.paragraph]
    words = _terms(standfirst.text)
    if len({s.paragraph for s in after}) < 2 or len(words) < SUMMARY_WORDS or not _prose(after):
        return False  # a standfirst heads an article: paragraphs of prose under it
    return len(words - _terms(after[0].text)) >= SUMMARY_NEW * len(words)


def _prose(sentences: list[Sentence]) -> bool:
    """True when most paragraphs end as sentences do: an article under its standfirst, not
    a list of lines (a classified ad, a spec sheet) whose first line lacks a full stop."""
    ends = {s.paragraph: s.text for s in sentences}  # each paragraph's last sentence
    return sum(map(ends_sentence, ends.values())) >= PROSE_SHARE * len(ends)


def _can_open(sentence: Sentence, sentences: list[Sentence]) -> bool:
    """True unless the sentence starts mid-thought or leans on one before it ("But they
    …", "Er …"); a leading "Now,"/"But"/"And" that an editor drops does not count, and a
    sentence that nothing but a kicker ("Bam!") comes before may lean, since nothing said
    was left out before it."""
    if _midway(sentence):
        return False
    if not _said_before(sentence, sentences):
        return True
    return not _leans_on_before(_dropped_connective(sentence.text))


def _said_before(sentence: Sentence, sentences: list[Sentence]) -> bool:
    return any(not _is_kicker(s.text) for s in sentences if s.position < sentence.position)


def _leans(sentence: Sentence) -> bool:
    return bool(_LEANS.match(sentence.text))


def _leans_on_before(text: str) -> bool:
    """True for a sentence that points back at the one before it: by its first word ("But
    …", "Er …") or by a plural demonstrative among its first words ("… essas palavras …")."""
    return bool(_LEANS.match(text) or _NAMED_BEFORE.match(text))


def _dropped_connective(text: str) -> str:
    """*text* without a leading connective an editor would drop ("Now South Korean …"),
    when what is left starts a sentence that does not lean on another."""
    match = _DROPPABLE.match(text)
    if not match:
        return text
    rest = text[match.end() :]
    if not rest[0].isalpha() or _LEANS.match(rest) or len(rest.split()) < FULL_WORDS:
        return text
    return rest[0].upper() + rest[1:]


def _with_kickers(sentences: list[Sentence], opener: Sentence, limit: int) -> list[Sentence]:
    """The opener, with the kickers of its paragraph before it: "Media. We all consume it …"."""
    run = [s for s in sentences[: opener.position] if s.paragraph == opener.paragraph]
    run.append(opener)
    if _said_before(opener, run) or _length([r.text for r in run]) > limit:
        return [opener]
    return run


def _fill(
    chosen: list[Sentence], pool: list[Sentence], scores: list[float], limit: int
) -> list[Sentence]:
    """Add, best first, the sentences after the opener that fit and add words the blurb
    lacks, up to ``MAX_SENTENCES`` (a short one counts half)."""
    chosen = list(chosen)
    floor = MIN_SHARE * max(scores[s.position] for s in pool)
    start = chosen[-1].position
    rest = [
        s
        for s in pool
        if s.position > start and scores[s.position] >= floor and not _is_filler(s.text)
    ]
    while rest:
        joined = _best_to_join(chosen, rest, pool, scores, limit, trim=False)
        joined = joined or _best_to_join(chosen, rest, pool, scores, limit, trim=True)
        if joined is None:
            break
        chosen, best = joined
        rest.remove(best)
    return chosen


def _best_to_join(
    chosen: list[Sentence],
    rest: list[Sentence],
    pool: list[Sentence],
    scores: list[float],
    limit: int,
    trim: bool,
) -> tuple[list[Sentence], Sentence] | None:
    """The blurb with the sentence of *rest* worth most that may join it and adds words it
    lacks, and that sentence; with *trim*, one that fits only once trimmed (``_made_room``)."""
    known = set().union(*(_terms(s.text) for s in chosen))
    best, value = None, 0.0
    for s in rest:
        if not _may_join(s, chosen, pool):
            continue
        trial: list[Sentence] | None = sorted([*chosen, s], key=lambda x: x.position)
        joining = s
        if trim:
            room = _made_room(s, chosen, limit)
            trial, joining = room if room else (None, s)
        if trial is None or sum(map(_sentence_count, trial)) > MAX_SENTENCES:
            continue
        terms = _terms(joining.text)
        new = len(terms - known) / len(terms) if terms else 0.0
        if new < MIN_NEW or _length(_texts(trial)) > limit:
            continue
        near = any(c.position == s.position - 1 for c in chosen)
        worth = scores[s.position] * (0.5 + new) * (FOLLOWS if near else 1.0)
        if worth > value:
            best, value = (trial, s), worth
    return best


def _made_room(
    sentence: Sentence, chosen: list[Sentence], limit: int
) -> tuple[list[Sentence], Sentence] | None:
    """*chosen* with *sentence* joined, trimmed as an editor would so that they fit in
    *limit*, and the sentence as it joins: the fewest characters go, first of what the
    sentences can spare anywhere (``trim.trims``), then also the joining sentence's last side
    clause (``trim.side_clause_cut``). None when no trim makes room."""
    kept = [trims(c.text) for c in chosen]
    joining = trims(sentence.text)
    side = side_clause_cut(joining[-1])
    for group in (joining, [side] if side else []):
        shortest = [*(k[-1] for k in kept), min(group, key=len, default="")]
        if not group or _length(shortest) > limit:
            continue
        trial = _least_cut([*chosen, sentence], [*kept, group], limit)
        if trial is not None:
            joined = trial[-1]
            return sorted(trial, key=lambda x: x.position), joined
    return None


def _least_cut(
    sentences: list[Sentence], versions: list[list[str]], limit: int
) -> list[Sentence] | None:
    """*sentences*, each given one of its *versions* (itself and its trimmed texts), in the
    combination that fits in *limit* and cuts the least; None when none fits."""
    best, most = None, -1
    for texts in product(*versions):
        trial = [replace(s, text=t) for s, t in zip(sentences, texts, strict=True)]
        length = _length(_texts(trial))
        if most < length <= limit:
            best, most = trial, length
    return best


def _may_join(sentence: Sentence, chosen: list[Sentence], pool: list[Sentence]) -> bool:
    """A sentence may join unless it leans on a sentence left out: a first word that points
    back ("It …", "But they …"), a pronoun after a left-out sentence of its paragraph, or
    a lower-case start. One read right after its predecessor always may."""
    if _trails_off(sentence.text) and not sentence.cut:
        return False  # "A few notes…" hands over to what the blurb leaves out
    if _half_a_pair(sentence, chosen) or _asks_what_follows(sentence, chosen, pool):
        return False
    if any(c.position == sentence.position - 1 for c in chosen):
        return True
    if _midway(sentence) or _leans_on_before(_dropped_connective(sentence.text)):
        return False
    first_in_paragraph = sentence.paragraph != _paragraph_before(sentence, pool)
    return first_in_paragraph or not _points_back(sentence.text)


def _points_back(text: str) -> bool:
    """True for a sentence holding a third-person pronoun that may stand for someone named
    in a sentence before it ("… just hopes he is not one of them"). One the sentence names
    first does not ("I know of Lars from his work on Self …"): a capitalised word before
    the pronoun, not the sentence's first. German capitalises every noun, so its pronouns
    always count."""
    for match in _POINTS_BACK.finditer(text):
        if match.group().casefold() in _GERMAN_PRONOUNS:
            return True
        if not _NAME_INSIDE.search(text[: match.start()]):
            return True
    return False


def _paragraph_before(sentence: Sentence, pool: list[Sentence]) -> int:
    before = [s.paragraph for s in pool if s.position < sentence.position]
    return before[-1] if before else -1


def _texts(chosen: list[Sentence]) -> list[str]:
    """The chosen sentences as the blurb prints them: one whose predecessor is left out
    loses a leading "But"/"Now"."""
    positions = {s.position for s in chosen}
    return [s.text if s.position - 1 in positions else _dropped_connective(s.text) for s in chosen]


def _half_a_pair(sentence: Sentence, chosen: list[Sentence]) -> bool:
    """True for the first half of a contrast ("In one way I don't mind …", "Einerseits …")
    whose other half, the next sentence, is not in the blurb: alone it leaves the reader
    waiting for "in another way"."""
    if not _PAIR_OPENS.match(sentence.text):
        return False
    return not any(c.position == sentence.position + 1 for c in chosen)


def _asks_what_follows(sentence: Sentence, chosen: list[Sentence], pool: list[Sentence]) -> bool:
    """True for a sentence that hands over to the one after it, when that one is not in the
    blurb: a question standing as a paragraph of its own ("How do I migrate?") heads its
    answer, and "Here's what I bought." / "Here is the shell code …" points at a list, a
    code block or a video that follows. A blurb that ends on it leaves the reader waiting."""
    if _HANDS_OVER.match(sentence.text):
        return not any(c.position == sentence.position + 1 for c in chosen)
    if not sentence.text.rstrip("”\"’'»)").endswith("?"):
        return False
    alone = [s for s in pool if s.paragraph == sentence.paragraph] == [sentence]
    after = next((s for s in pool if s.position > sentence.position), None)
    if not alone or after is None:
        return False
    return not any(c.position == after.position for c in chosen)


def _trails_off(text: str) -> bool:
    """True for "A few notes…": it hands over to what follows, which the blurb leaves out."""
    return text.rstrip("”\"’'»)").endswith(("…", "..."))


def _sentence_count(sentence: Sentence) -> float:
    """A full sentence counts one; a short one, or a release's change named in a list item
    ("Improve MSOffice document support."), half: it reads at a glance."""
    return 0.5 if sentence.change or count_words(sentence.text) < FULL_WORDS else 1.0


def _is_kicker(text: str) -> bool:
    """A word or two as a sentence of its own: "Media.", "Bam!", "Update!"."""
    return ends_sentence(text) and count_words(text) < MIN_WORDS and not ASIDE.match(text)


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


def _cut_at_whole_word(text: str) -> str:
    """A text the publisher cut without saying so, ending at its last whole word with "…":
    the last word may be cut in half ("… vector moni")."""
    if _UNSPACED.search(text[-1]) or " " not in text:
        return _end_with_ellipsis(text)
    return _end_with_ellipsis(text[: text.rfind(" ")])


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


def _length(parts: list[str]) -> int:
    return len(join_sentences(parts))
