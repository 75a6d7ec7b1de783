"""Sentence splitting for every language in the corpus: each case is the text and the
sentences a reader would count in it."""

from __future__ import annotations

import pytest

from digest.sentences import ends_sentence, split_sentences

SPLITS = [
    # English: abbreviations, initials, quotes, decimals do not end a sentence
    (
        "Mr. Smith went to Washington. He met J. K. Rowling in the U.S. on Friday.",
        ["Mr. Smith went to Washington.", "He met J. K. Rowling in the U.S. on Friday."],
    ),
    ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ("The cost was $1.4m. It rose!", ["The cost was $1.4m.", "It rose!"]),
    ("Was it worth it? Maybe… Nobody knows.", ["Was it worth it?", "Maybe…", "Nobody knows."]),
    ("Apex Legends Season 2. Then we wade in.", ["Apex Legends Season 2.", "Then we wade in."]),
    # German: ordinals after an article or preposition or before a month, abbreviations
    (
        "Am 3. Oktober feiern wir. Dann nicht.",
        ["Am 3. Oktober feiern wir.", "Dann nicht."],
    ),
    (
        "Anfang des 20. Jahrhunderts war es so. Heute nicht.",
        ["Anfang des 20. Jahrhunderts war es so.", "Heute nicht."],
    ),
    ("Das kostet 5 Mio. Euro. Das ist viel.", ["Das kostet 5 Mio. Euro.", "Das ist viel."]),
    ("Es gibt z.B. Äpfel. Und Birnen.", ["Es gibt z.B. Äpfel.", "Und Birnen."]),
    ("Wer fühlt sich ertappt?Außerdem muss er.", ["Wer fühlt sich ertappt?", "Außerdem muss er."]),
    # Portuguese
    (
        "Ele disse: “Vou.” Depois saiu. O Sr. Silva ficou.",
        ["Ele disse: “Vou.”", "Depois saiu.", "O Sr. Silva ficou."],
    ),
    # Russian
    (
        "Он пришёл домой. Она спала. Т.е. все спали.",
        ["Он пришёл домой.", "Она спала.", "Т.е. все спали."],
    ),
    # Chinese: full-width marks, no spaces
    (
        "公司发布公告。这是又一重要动作！真的吗？",
        ["公司发布公告。", "这是又一重要动作！", "真的吗？"],
    ),
    ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
    # Kannada: a period (or danda) and no letter case
    ("ಇದು ಕನ್ನಡ ವಾಕ್ಯ. ಇದು ಎರಡನೆಯದು.", ["ಇದು ಕನ್ನಡ ವಾಕ್ಯ.", "ಇದು ಎರಡನೆಯದು."]),
    ("यह पहला है। यह दूसरा है।", ["यह पहला है।", "यह दूसरा है।"]),
    # Korean: 다. / 요. with or without a space after
    (
        "그는 집에 갔다. 그리고 잤어요. 정말요?",
        ["그는 집에 갔다.", "그리고 잤어요.", "정말요?"],
    ),
    ("그는 집에 갔다.그리고 잤다.", ["그는 집에 갔다.", "그리고 잤다."]),
    # Nothing to split
    ("  ", []),
    ("No final punctuation here", ["No final punctuation here"]),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


ENDS = [
    ("A sentence.", True),
    ("A question?”", True),
    ("一句话。", True),
    ("문장이다.", True),
    ("ವಾಕ್ಯ।", True),
    ("Cut off at…", True),  # punctuation-wise; blurb.py decides whether it was cut
    ("Watch Jung_E on Netflix", False),
    ("The reasons are:", False),
]


@pytest.mark.parametrize(("text", "expected"), ENDS)
def test_ends_sentence(text: str, expected: bool) -> None:
    assert ends_sentence(text) is expected


MORE_SPLITS = [
    # German: after an article a number with a period is an ordinal of any length ...
    (
        "Wir glauben, dies ist das 1300543. Interview mit der Band. Danach nicht.",
        ["Wir glauben, dies ist das 1300543. Interview mit der Band.", "Danach nicht."],
    ),
    (
        "Er kam in der 89. Minute. Dann fiel das Tor.",
        ["Er kam in der 89. Minute.", "Dann fiel das Tor."],
    ),
    # ... but after a preposition a year ends the sentence, as does a count after a noun
    ("Ich wohne hier seit 2019. Das ist lang.", ["Ich wohne hier seit 2019.", "Das ist lang."]),
    ("The club won in 2019. Then it lost.", ["The club won in 2019.", "Then it lost."]),
    # A missing space after a closing bracket or quote still ends the sentence
    (
        "Das war knapp (O-Ton Johannes).Findet ihr das auch?",
        ["Das war knapp (O-Ton Johannes).", "Findet ihr das auch?"],
    ),
    ("He left (finally).Then it rained.", ["He left (finally).", "Then it rained."]),
    ("Sie sagte „ja“.Dann ging sie.", ["Sie sagte „ja“.", "Dann ging sie."]),
    # ... but not inside an address, nor before a lower-case word
    ("Visit example.com today.", ["Visit example.com today."]),
    ("He left (finally).then it rained.", ["He left (finally).then it rained."]),
    # ... nor inside a dotted name glued together: "Linux.Encoder.1" is one word (issue 12)
    (
        "Wie patcht man Linux.Encoder.1 unter FreeBSD? Keine Ahnung.",
        ["Wie patcht man Linux.Encoder.1 unter FreeBSD?", "Keine Ahnung."],
    ),
    ("Er kam spät.Dann ging er.", ["Er kam spät.", "Dann ging er."]),
    # A capital letter before a word no name goes on with ends the sentence: "OS X. From"
    (
        "It runs fine on Mac OS X. From the docs it is clear.",
        ["It runs fine on Mac OS X.", "From the docs it is clear."],
    ),
    (
        "Der Preis steigt auf Stufe B. Die Mieter klagen.",
        ["Der Preis steigt auf Stufe B.", "Die Mieter klagen."],
    ),
    # ... while an initial before a name stays: "George W. Bush"
    ("George W. Bush spoke. Then he left.", ["George W. Bush spoke.", "Then he left."]),
    # a name in lower case with a capital inside opens a sentence: "iPhone", "eBay"
    (
        "Apple reported on Thursday. iPhone sales rose. eBay said nothing.",
        ["Apple reported on Thursday.", "iPhone sales rose.", "eBay said nothing."],
    ),
    ("He used e.g. iOS apps.", ["He used e.g. iOS apps."]),
]


@pytest.mark.parametrize(("text", "expected"), MORE_SPLITS)
def test_more_splits(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
