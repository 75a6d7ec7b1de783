"""Rendering: what the HTML and text parts say, how they are laid out, and fitting them
under Gmail's clipping size without letting one feed crowd out the others."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.config import DEFAULT_SUBJECT, DeliveryConfig
from digest.errors import ConfigError
from digest.fit import fair_order, fit_digest, html_size, keep_only
from digest.message import build_message
from digest.models import Digest, DigestItem, FailedFeed, Image, RenderedMessage, Section, Source
from digest.render import environment, failure_description, render_message
from tests.conftest import ROOT, outbox_messages, run_cli, text_part, write_config
from tests.feeds import FakeItem, rss

ZONE = "Asia/Seoul"
CREATED = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
UNSUBSCRIBE = "https://example.org/unsubscribe?u=1"
BLURB = (
    "The council voted on Tuesday to keep the harbour ferry running through the winter, "
    "after a petition signed by more than four thousand residents asked it to reconsider."
)


# --- builders -------------------------------------------------------------------------------


def make_story(
    title: str = "Council keeps the winter ferry",
    *,
    feed: str = "ledger",
    number: int = 0,
    blurb: str = BLURB,
    image: Image | None = None,
    published: datetime | None = None,
    also: tuple[Source, ...] = (),
) -> DigestItem:
    """One story as the renderer sees it."""
    return DigestItem(
        title=title,
        link=f"https://{feed}.example.org/2026/11/story-{number}",
        source=feed.title(),
        published=published or CREATED - timedelta(hours=3, minutes=number),
        blurb=blurb,
        item_ids=(number,),
        feed_url=f"https://{feed}.example.org/feed.xml",
        image=image,
        also=also,
    )


def make_digest(*sections: Section, failed: tuple[FailedFeed, ...] = ()) -> Digest:
    """A digest created at CREATED in Asia/Seoul."""
    return Digest("Harbour Digest", CREATED, ZONE, tuple(sections), failed_feeds=failed)


def feed_stories(feed: str, count: int, start: int = 0) -> list[DigestItem]:
    """*count* stories from one feed, newest first, every third with a thumbnail."""
    return [
        make_story(
            f"Story {n} from {feed}: the harbour, the council and the weather",
            feed=feed,
            number=n,
            image=Image(f"https://{feed}.example.org/img/{n}.jpg", 600, 400, f"Photo {n}")
            if n % 3 == 0
            else None,
            published=CREATED - timedelta(minutes=n),
        )
        for n in range(start, start + count)
    ]


def sample_digest() -> Digest:
    """Two sections, a thumbnail, a story covered twice and a failed feed."""
    culture = Section(
        "Culture",
        (
            make_story(
                "‘The Salt Year’ wins at Harbour Lights",
                feed="lantern",
                number=1,
                image=Image("https://lantern.example.org/still.jpg", 640, 360, "A salt pond"),
                also=(Source("Ledger", "https://ledger.example.org/salt-year"),),
            ),
            make_story("Quayle’s second novel refuses to be cosy", feed="lantern", number=2),
        ),
    )
    news = Section(
        "News & Weather",
        (
            make_story(number=3),
            make_story(
                "Storm Isolde brings gusts to the coast",
                number=4,
                image=Image("file:///etc/passwd", 10, 10, "not shown"),
            ),
        ),
    )
    failed = (
        FailedFeed("Field Notes", "https://notes.example.com/feed", "HTTP 503 Service Unavailable"),
    )
    return make_digest(culture, news, failed=failed)


def render(digest: Digest, folder: Path | None = None) -> RenderedMessage:
    """Render with the packaged templates (or *folder*'s first) and an unsubscribe link."""
    return render_message(digest, environment(folder, ZoneInfo(ZONE)), DEFAULT_SUBJECT, UNSUBSCRIBE)


def delivery() -> DeliveryConfig:
    return DeliveryConfig.model_validate(
        {"from": "Digest <digest@news.example.org>", "unsubscribe": {"url": UNSUBSCRIBE}}
    )


# --- what the HTML says ---------------------------------------------------------------------


def test_masthead_preheader_and_table_of_contents() -> None:
    html = render(sample_digest()).html
    assert "Harbour Digest</h1>" in html
    assert "Thursday 26 November 2026 · 4 stories" in html
    preheader = re.search(r'<div class="preheader" style="([^"]*)">([^<]*)</div>', html)
    assert preheader, "hidden preheader right after <body>"
    assert "display:none" in preheader.group(1)
    assert preheader.group(2).startswith("‘The Salt Year’ wins at Harbour Lights · Quayle’s")
    toc = re.findall(r'<a href="#([^"]+)"[^>]*>([^<]+)</a>', html)
    assert [name for _, name in toc] == ["Culture", "News &amp; Weather"]
    for anchor, _ in toc:
        assert f'id="{anchor}"' in html


def test_each_story_has_linked_title_source_local_date_and_blurb() -> None:
    html = render(sample_digest()).html
    story = make_story(number=3)
    assert f'<a href="{story.link}"' in html
    assert "Council keeps the winter ferry</a></h3>" in html
    # 07:00 UTC - 3h03 is 03:57 UTC, 12:57 in Seoul.
    assert "Ledger · Thu 26 Nov 2026, 12:57" in html
    assert BLURB in html
    assert 'Also covered by <a href="https://ledger.example.org/salt-year"' in html


def test_thumbnail_is_absolute_with_width_height_and_alt() -> None:
    html = render(sample_digest()).html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 1, "the file: image is left out"
    [img] = images
    assert 'src="https://lantern.example.org/still.jpg"' in img
    assert 'width="96"' in img and 'height="54"' in img  # 640x360 scaled to 96 wide
    assert 'alt="A salt pond"' in img
    assert "file:" not in html


def test_footer_names_failed_feeds_and_unsubscribe_link() -> None:
    rendered = render(sample_digest())
    # In our words, not the server's ("Service Unavailable" could be anything, any length).
    footer = "Not updated this time: Field Notes (HTTP 503 from the server)."
    assert footer in rendered.html and footer in rendered.text
    assert f'<a href="{UNSUBSCRIBE}"' in rendered.html and ">Unsubscribe</a>" in rendered.html
    assert f"Unsubscribe: {UNSUBSCRIBE}" in rendered.text


def test_empty_digest_says_nothing_new() -> None:
    rendered = render(make_digest())
    assert "Nothing new today." in rendered.html
    assert "Nothing new today." in rendered.text
    assert rendered.subject == "Harbour Digest: nothing new today"


# --- layout rules from the issue --------------------------------------------------------------


def test_layout_is_inlined_tables_at_600_px_with_only_media_rules_in_style() -> None:
    html = render(sample_digest()).html
    assert re.search(r'<html lang="en"', html)
    sheet = re.search(r'<table role="presentation" class="sheet" width="600"[^>]*>', html)
    assert sheet, "600 px sheet table, width kept as an attribute for Outlook"
    assert "max-width:600px" in sheet.group(0) and "width:100%" in sheet.group(0)
    styles = re.findall(r"(?is)<style[^>]*>(.*?)</style>", html)
    outside = [s for s in styles if not s.lstrip().startswith("@media")]
    assert len(outside) == 1 and "mso-hide" in outside[0], "only Outlook's conditional block"
    media = styles[0]
    assert len(media.encode()) < 16_384
    assert not re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", media).strip()
    assert 'class="story-title" style="' in html, "styles are inlined"
    assert "-apple-system, BlinkMacSystemFont" in html


def test_no_unsupported_css_and_only_hex_colours() -> None:
    html = render(sample_digest()).html
    for banned in (
        "display:flex",
        "display: flex",
        "grid",
        "var(--",
        "@font-face",
        "<svg",
        "calc(",
        "@import",
        "background-image",
        "rgb(",
        "hsl(",
    ):
        assert banned not in html, banned
    colours = re.findall(r"(?<![\w-])(?:background-|border-)?color\s*:\s*([^;\"'}]+)", html)
    assert len(colours) > 20
    for value in colours:
        assert re.fullmatch(
            r"#[0-9a-f]{3}|#[0-9a-f]{6}", value.replace("!important", "").strip()
        ), value


def test_dark_mode_recolours_every_coloured_class() -> None:
    html = render(sample_digest()).html
    dark = html[html.index("prefers-color-scheme: dark") :]
    coloured = set(re.findall(r'class="([\w-]+)" style="[^"]*color:#', html))
    for name in coloured - {"page"}:  # .page gets a background, its text is .sheet's
        assert re.search(rf"\.{name}\b", dark), f".{name} has a light colour but no dark one"


def test_forbidden_code_points_from_feeds_are_removed() -> None:
    mojibake = make_story("Drecom\x8de\x81c RSS", blurb="\x90F\x81X all\x00 fine\x0b")
    rendered = render(make_digest(Section("News", (mojibake,))))
    for part in (rendered.html, rendered.text):
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", part)
    assert "Drecomec RSS" in rendered.html and "FX all fine" in rendered.text


# --- the plain-text part ----------------------------------------------------------------------


def titles_in_html(html: str) -> list[str]:
    return re.findall(r'<h3 class="story-title"[^>]*><a [^>]*>([^<]+)</a></h3>', html)


def test_text_part_has_the_same_stories_in_the_same_order() -> None:
    digest = make_digest(
        Section("Culture", tuple(feed_stories("lantern", 5))),
        Section("News", tuple(feed_stories("ledger", 7))),
    )
    rendered = render(digest)
    text = rendered.text
    titles = titles_in_html(rendered.html)
    assert len(titles) == 12
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    for story in digest.stories:
        assert story.link in text
    lines = text.splitlines()
    for heading in ("CULTURE", "NEWS"):
        assert heading in lines, f"{heading} on a line of its own"
        assert lines[lines.index(heading) + 1] == "=" * len(heading)


def test_the_text_table_of_contents_keeps_each_section_with_its_count() -> None:
    sample = sample_digest()
    story = sample.sections[0].items[0]
    names = ["Culture and the Arts Desk", "News and Weather", "Books", "More", "Science", "Sport"]
    digest = replace(sample, sections=tuple(Section(n, (story,)) for n in names))
    text = render(digest).text
    toc = text.split("In this issue:", 1)[1].split("\n\n", 1)[0]
    assert "\n" in toc.strip()  # long enough to wrap
    assert not re.search(r"^\s*\(\d+\)", toc, re.MULTILINE), toc


def test_text_part_wraps_under_78_columns() -> None:
    long_blurb = " ".join(["harbour"] * 80)
    digest = make_digest(
        Section(
            "News",
            (
                make_story(" ".join(["Very long headline"] * 8), blurb=long_blurb),
                make_story(
                    "Covered twice",
                    number=2,
                    also=tuple(
                        Source(f"Source {n}", f"https://s{n}.example.org/") for n in range(8)
                    ),
                ),
            ),
        ),
        failed=tuple(
            FailedFeed(f"Feed {n}", "u", "HTTP 500 Internal Server Error") for n in range(5)
        ),
    )
    for line in render(digest).text.splitlines():
        assert len(line) < 78 or re.fullmatch(r"https?://\S+", line), line


# --- subject ----------------------------------------------------------------------------------


def test_default_subject_names_title_top_headline_and_count() -> None:
    subject = render(sample_digest()).subject
    assert subject == "Harbour Digest: ‘The Salt Year’ wins at Harbour Lights and 3 more"


def test_a_long_top_headline_is_cut_short_in_the_subject() -> None:
    sample = sample_digest()
    first = sample.sections[0]
    long = replace(first.items[0], title="A headline that goes on " + "and on " * 60)
    digest = replace(sample, sections=(replace(first, items=(long, *first.items[1:])),))
    subject = render(digest).subject
    assert subject.startswith("Harbour Digest: A headline that goes on and on")
    assert subject.endswith("on… and 1 more") and len(subject) < 130


def test_a_subject_template_cannot_make_a_subject_of_any_length() -> None:
    env = environment(None, ZoneInfo(ZONE))
    rendered = render_message(sample_digest(), env, "{{ title }} " * 40)
    assert len(rendered.subject) <= 200 and rendered.subject.endswith("…")


def test_subject_template_from_config_and_its_errors() -> None:
    env = environment(None, ZoneInfo(ZONE))
    rendered = render_message(sample_digest(), env, "{{ item_count }} new in\n {{ title }}")
    assert rendered.subject == "4 new in Harbour Digest"
    with pytest.raises(ConfigError, match=r"digest\.subject"):
        render_message(sample_digest(), env, "{{ no_such_variable }}")


# --- user templates ---------------------------------------------------------------------------


def test_user_templates_folder_is_searched_first(tmp_path: Path) -> None:
    (tmp_path / "digest.txt").write_text(
        "Mine: {{ title }}{% for s in sections %} / {{ s.name }}{% endfor %}\n", encoding="utf-8"
    )
    rendered = render(sample_digest(), tmp_path)
    assert rendered.text == "Mine: Harbour Digest / Culture / News & Weather\n"
    assert "Harbour Digest</h1>" in rendered.html, "packaged HTML still used"


def test_user_template_errors_name_the_template(tmp_path: Path) -> None:
    (tmp_path / "digest.txt").write_text("{{ stories }}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"digest\.txt"):
        render(sample_digest(), tmp_path)
    (tmp_path / "digest.txt").write_text("{% for %}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        render(sample_digest(), tmp_path)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (  # a misspelt field: named as the template names it, with its line
            "{{ title }}\n{% for s in sections %}{% for story in s.items %}\n"
            "{{ story.titel.upper() }}{% endfor %}{% endfor %}\n",
            "template digest.txt, line 3: story has no attribute 'titel'",
        ),
        (  # a filter given wrong arguments raises inside the template
            "{% for s in sections %}{% for story in s.items %}\n"
            "{{ story.blurb|wrap(76, 5) }}{% endfor %}{% endfor %}\n",
            "template digest.txt, line 2: TypeError",
        ),
        (b"\xff\xfe{{ title }}\x80", "template digest.txt: not UTF-8 text"),
    ],
)
def test_every_template_mistake_is_one_config_error(
    tmp_path: Path, template: str | bytes, message: str
) -> None:
    path = tmp_path / "digest.txt"
    if isinstance(template, bytes):
        path.write_bytes(template)
    else:
        path.write_text(template, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        render(sample_digest(), tmp_path)
    assert str(caught.value).startswith(message), str(caught.value)


def test_templates_next_to_config_yaml_override_through_the_cli(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(FakeItem("Festival opens", "https://a.example.org/1")), encoding="utf-8")
    write_config(tmp_path, [str(feed)])
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.txt").write_text(
        "{% for s in digest.stories %}* {{ s.title }}\n{% endfor %}Unsubscribe: none\n",
        encoding="utf-8",
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    [msg] = outbox_messages(tmp_path / "outbox")
    assert text_part(msg).replace("\r\n", "\n") == "* Festival opens\nUnsubscribe: none\n"


@pytest.mark.parametrize(
    ("markup", "problem"),
    [
        ("<script>alert(1)</script>", "a <script> element"),
        ('<a href="javascript:alert(1)">x</a>', "a link that is not http(s) or mailto on <a>"),
        (
            '<img src="data:image/png;base64,AAAA" alt="">',
            "a link that is not http(s) or mailto on <img>",
        ),
        ('<p onclick="steal()">x</p>', "an onclick attribute on <p>"),
        ('<meta http-equiv="refresh" content="0;url=https://e.org">', "a <meta> element"),
    ],
)
def test_an_override_that_puts_script_or_a_bad_link_in_the_email_is_refused(
    tmp_path: Path, markup: str, problem: str
) -> None:
    """Feed content is sanitised; the final HTML is checked too, whoever wrote the template."""
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(FakeItem("Festival opens", "https://a.example.org/1")), encoding="utf-8")
    write_config(tmp_path, [str(feed)])
    (tmp_path / "templates").mkdir()
    packaged = (ROOT / "templates" / "digest.html").read_text(encoding="utf-8")
    (tmp_path / "templates" / "digest.html").write_text(
        packaged.replace("</body>", f"{markup}</body>"), encoding="utf-8"
    )
    result = run_cli("preview", cwd=tmp_path)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"template digest.html: {problem}" in result.err
    assert not (tmp_path / "digest-preview.html").exists()


# --- fitting under Gmail's clipping size ------------------------------------------------------


def counting(
    render_fn: Callable[[Digest], RenderedMessage],
) -> tuple[list[int], Callable[..., RenderedMessage]]:
    calls: list[int] = []

    def wrapped(digest: Digest) -> RenderedMessage:
        calls.append(len(digest.stories))
        return render_fn(digest)

    return calls, wrapped


def test_small_digest_is_rendered_once_and_kept_whole() -> None:
    digest = sample_digest()
    calls, render_fn = counting(render)
    kept, rendered = fit_digest(digest, render_fn, 100_000)
    assert kept is digest and calls == [4]
    assert "left out" not in rendered.html


def test_fair_order_takes_each_feeds_best_story_in_turn() -> None:
    big = feed_stories("big", 4)
    small = feed_stories("small", 2, start=100)
    digest = make_digest(Section("News", tuple(big + small)))
    order = [s.title for s in fair_order(digest)]
    assert order == [s.title for s in (big[0], small[0], big[1], small[1], big[2], big[3])]


def test_a_section_that_does_not_fit_at_all_is_still_named_with_its_count() -> None:
    stories = feed_stories("ledger", 60)
    digest = make_digest(
        Section("News", tuple(stories[:40])), Section("Science", tuple(stories[40:]))
    )
    kept, rendered = fit_digest(digest, render, 40_000)
    left = {s.name: (len(s.items), s.left_out) for s in kept.sections}
    assert left["Science"] == (0, 20) and left["News"][0] + left["News"][1] == 40
    # send and preview --json say why: these were left out to fit, item by item
    assert dict(kept.dropped) == {"too big for one email": len(kept.skipped_ids)}
    assert len(kept.skipped_ids) == 20 + left["News"][1]
    assert "20 more in Science not shown." in rendered.html
    assert "(20 more in Science not shown.)" in rendered.text
    toc = rendered.text.split("In this issue:", 1)[1].split("\n\n", 1)[0]
    assert "News" in toc and "Science" not in toc  # nothing of it to jump to


def test_big_feed_cannot_crowd_out_a_small_one_and_the_rest_is_counted() -> None:
    big = feed_stories("big", 1500)
    small = feed_stories("small", 3, start=5000)  # oldest: last in display order
    digest = make_digest(Section("News", tuple(big + small)))
    calls, render_fn = counting(render)
    started = time.perf_counter()
    kept, rendered = fit_digest(digest, render_fn, 100_000)
    elapsed = time.perf_counter() - started
    assert html_size(rendered) <= 100_000
    titles = {s.title for s in kept.stories}
    assert {s.title for s in small} <= titles
    left_out = 1503 - len(kept.stories)
    assert 1000 < left_out < 1503 and kept.left_out == left_out
    assert f"{left_out:,} more stories were left out" in rendered.html
    assert f"{left_out:,} more stories were left out" in rendered.text
    assert set(kept.skipped_ids) == {
        i for s in digest.stories if s.title not in titles for i in s.item_ids
    }
    # Never the whole 1,500-story digest through premailer: only candidates near the limit.
    assert max(calls) < 200 and len(calls) <= 12, calls
    assert elapsed < 10, f"fit took {elapsed:.1f} s"


def test_fit_keeps_the_largest_prefix_that_fits() -> None:
    digest = make_digest(Section("News", tuple(feed_stories("a", 60) + feed_stories("b", 60, 500))))
    kept, rendered = fit_digest(digest, render, 40_000)
    assert html_size(rendered) <= 40_000
    count = len(kept.stories)
    order = fair_order(digest)
    assert [s.title for s in kept.stories] == [
        s.title for s in digest.stories if s in order[:count]
    ]
    assert html_size(render(keep_only(digest, {id(s) for s in order[: count + 1]}))) > 40_000


def test_html_size_is_the_size_on_the_wire() -> None:
    rendered = render(make_digest(Section("News", tuple(feed_stories("ledger", 40)))))
    data = build_message(rendered, delivery(), "r@example.org", "t0k3n", "Harbour Digest", CREATED)
    msg = message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    wire = data.split(b"Content-Type: text/html", 1)[1].split(b"\r\n\r\n", 1)[1]
    wire = wire.rsplit(b"\r\n--", 1)[0]  # the CRLF before a boundary belongs to the boundary
    assert html_size(rendered) == len(wire)
    # What ../shared/tools/email/check_email.py measures:
    assert html_size(rendered) >= len(str(part.get_payload(decode=False)).encode())


def test_the_example_config_renders_with_the_packaged_templates(tmp_path: Path) -> None:
    for name in ("config.yaml", "examples"):
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.write_bytes(source.read_bytes())
    result = run_cli("preview", "--out", "digest.html", cwd=tmp_path)
    assert result.code == 0, result.err
    html = (tmp_path / "digest.html").read_text(encoding="utf-8")
    assert "In this issue:" in html and "Lantern Review" in html


# --- hostile servers: what the footer says, chrome before stories, images ---------------------


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("HTTP 503 Service Unavailable", "HTTP 503 from the server"),
        ("HTTP 404 " + "Not Found " * 10_000, "HTTP 404 from the server"),
        ("HTTP 418 \x1b]0;pwned\x07\x1b[31mI'm a teapot", "HTTP 418 from the server"),
        ("timed out after 30 s", "timed out after 30 s"),
        ("network error: ProtocolError: not an HTTP/1.x response: 'EVIL'", "network error"),
        ("connection refused", "connection refused"),
        ("host not found", "host not found"),
        ("TLS error: [SSL] certificate verify failed for evil words", "TLS error"),
        ("response larger than 10 MB: cut off", "response larger than 10 MB: cut off"),
        ("too many redirects (more than 5)", "too many redirects (more than 5)"),
        ("not a feed: got an HTML page", "not a feed: got an HTML page"),
        ("not a feed: \x1b[2J" + "x" * 500, "not a feed"),
        (
            "HTTP 500 Oops at https://new.example/feed, where it had moved",
            "HTTP 500 from the server",
        ),
        ("something else entirely", "could not be read"),
    ],
)
def test_a_failed_feed_is_described_in_our_words_not_the_servers(error: str, shown: str) -> None:
    assert failure_description(error) == shown


def test_the_failed_feed_list_goes_before_any_story() -> None:
    failed = tuple(
        FailedFeed(f"Feed number {n} with a long name", f"https://f{n}.example/", "HTTP 500 x")
        for n in range(2_000)
    )
    covered = tuple(Source(f"Source {n}", f"https://s{n}.example.org/x") for n in range(300))
    stories = [replace(s, also=covered) for s in feed_stories("ledger", 5)]
    digest = make_digest(Section("News", tuple(stories)), failed=failed)
    kept, rendered = fit_digest(digest, render, 40_000)
    assert len(kept.stories) == 5 and kept.left_out == 0 and kept.skipped_ids == ()
    assert "2,000 feeds were not updated this time." in rendered.html
    assert "2,000 feeds were not updated this time." in rendered.text
    assert "Feed number 1 " not in rendered.html and "Also covered by" not in rendered.html
    # With room for it, the chrome stays.
    small = make_digest(Section("News", tuple(stories[:1])), failed=failed[:2])
    kept, rendered = fit_digest(small, render, 100_000)
    assert "Feed number 1 with a long name (HTTP 500 from the server)" in rendered.html


def test_a_digest_that_cannot_carry_one_story_is_an_error_not_a_wipe() -> None:
    huge = make_story(blurb="Words " * 20_000)
    digest = make_digest(Section("News", (huge,)))
    with pytest.raises(ConfigError, match=r"digest\.max_html_bytes.*every item stays pending"):
        fit_digest(digest, render, 40_000)


def test_images_on_internal_hosts_and_pixels_are_not_rendered() -> None:
    bad = [
        Image("http://10.0.0.1/a.jpg", 600, 400),
        Image("http://[::1]/b.jpg", 600, 400),
        Image("https://img.example.org/p.gif", 1, 1),
        Image("https://feeds.feedburner.com/~r/x/~4/y", 600, 400),
    ]
    stories = [make_story(f"Story {n}", number=n, image=image) for n, image in enumerate(bad)]
    html = render(make_digest(Section("News", tuple(stories)))).html
    assert "<img" not in html


def test_templates_run_in_a_sandbox() -> None:
    env = environment(None, ZoneInfo(ZONE))
    for template in (
        "{{ ''.__class__.__mro__ }}",
        "{{ title.__class__ }}",
        "{{ lipsum.__globals__ }}",
    ):
        with pytest.raises(ConfigError, match=r"digest\.subject: .*unsafe"):
            render_message(sample_digest(), env, template)


# --- issue 13: authors, languages, CJK text, through the real pipeline ---------------------


def test_chinese_and_japanese_text_wraps_by_display_width() -> None:
    from digest.render import display_width

    blurb = "北京市政府周一发布了新的城市规划文件，要求各区在明年底前完成试点工作。" * 4
    digest = make_digest(
        Section("News", (make_story("東京都、新しい防災計画を発表。" * 4, blurb=blurb),))
    )
    lines = render(digest).text.splitlines()
    assert any("北京" in line for line in lines)
    for line in lines:
        assert display_width(line) <= 76 or re.fullmatch(r"https?://\S+", line), line
        assert not line.startswith(("。", "，", "、")), line  # punctuation ends a line


def test_authors_languages_ads_dates_and_replies_reach_the_reader(
    http_server: object, tmp_path: Path
) -> None:
    from tests.conftest import FeedServer
    from tests.feeds import rss_item, rss_items

    assert isinstance(http_server, FeedServer)
    thread = "https://lists.example.org/t/5.html"
    now = datetime.now(UTC)
    day = (now - timedelta(days=1)).strftime("%d/%m/%Y %H:%M:%S")  # day-first
    last_13th = now - timedelta(days=1)
    while last_13th.day != 13:
        last_13th -= timedelta(days=1)
    thirteenth = last_13th.strftime("%d/%m/%Y 08:00:00")
    feed = rss_items(
        rss_item(
            "Re: Ferry timetable",
            f"{thread}#m1",
            "<p>I agree that the winter ferry should keep its early boat.</p>",
            date=day,
            author="jane@example.org (Jane Doe)",
        ),
        rss_item(
            "Re: Ferry timetable",
            f"{thread}#m2",
            "<p>The early boat is always empty, so let it go in winter.</p>",
            date=day,
            author="Bob Roe <bob@example.org>",
        ),
        rss_item("Featured Advertiser", "https://news.example.org/ad", date=day),
        rss_item("Sponsored: Sofas at half price", "https://news.example.org/sofa", date=day),
        rss_item(
            "Stadtrat beschließt neue Fährzeiten",
            "https://news.example.org/faehre",
            "<p>Der Stadtrat hat am Dienstag beschlossen, die Fähre im Winter fahren zu"
            " lassen.</p>",
            date=thirteenth,
            creator="Anna Schmidt",
        ),
        title="Harbour List",
    )
    url = http_server.serve("/list.xml", feed)
    write_config(tmp_path, [url], digest={"max_age_days": 60, "max_items_per_feed": 0})
    result = run_cli(
        "preview", "--json", "p.json", "--out", "p.html", "--text", "p.txt", cwd=tmp_path
    )
    assert result.code == 0, result.err
    import json

    data = json.loads((tmp_path / "p.json").read_text())
    stories = [s for sec in data["sections"] for s in sec["items"]]
    assert sorted(s["title"] for s in stories) == [
        "Re: Ferry timetable",
        "Re: Ferry timetable",
        "Stadtrat beschließt neue Fährzeiten",
    ]
    assert data["dropped"] == {"ads": 2}
    dated = {s["link"]: s["published"] for s in stories}
    assert dated["https://news.example.org/faehre"][:10] == last_13th.date().isoformat()
    assert dated[f"{thread}#m1"][:10] == (now - timedelta(days=1)).date().isoformat()
    html = (tmp_path / "p.html").read_text()
    text = (tmp_path / "p.txt").read_text()
    for part in (html, text):
        assert "Harbour List · Jane Doe" in part and "Harbour List · Bob Roe" in part
        assert "Harbour List · Anna Schmidt" in part
        assert "@example.org" not in part
    german = re.search(r'<td class="story" lang="de"[^>]*>.*?</td>', html, re.S)
    assert german and "Stadtrat" in german.group(0)
    assert html.count('lang="de"') == 1 and '<html lang="en"' in html


def test_a_story_carries_the_language_its_feed_declares(
    http_server: object, tmp_path: Path
) -> None:
    """xml:lang on an entry or its content, else the feed's <language>, marks a story
    too short for any detector; a feed that declares its template's default over a
    long post in another language is overruled by what the text says."""
    from tests.conftest import FeedServer

    assert isinstance(http_server, FeedServer)
    day = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>Mixed</title>
<id>urn:mixed</id><updated>{day}</updated>
<entry xml:lang="ja"><title>東京の天気</title><id>urn:1</id><updated>{day}</updated>
<link href="https://mixed.example.org/1"/>
<content type="html">&lt;p&gt;晴れ。&lt;/p&gt;</content></entry>
<entry><title>Chuva</title><id>urn:2</id><updated>{day}</updated>
<link href="https://mixed.example.org/2"/>
<content type="html" xml:lang="pt-BR">&lt;p&gt;Chuva forte hoje.&lt;/p&gt;</content></entry>
<entry><title>Harbour news</title><id>urn:3</id><updated>{day}</updated>
<link href="https://mixed.example.org/3"/>
<content type="html">&lt;p&gt;Ferry late.&lt;/p&gt;</content></entry>
</feed>"""
    german = (
        "Der Stadtrat hat am Dienstag beschlossen, dass die Fähre auch im Winter zweimal"
        " am Tag fahren soll, weil viele Pendler darauf angewiesen sind."
    )
    rss = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Kurz</title><link>https://kurz.example.de/</link>
<language>de-DE</language>
<item><title>Fähre</title><link>https://kurz.example.de/1</link><guid>k1</guid>
<description>Fährt.</description></item></channel></rss>"""
    template = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Vorlage</title><link>https://vorlage.example.de/</link>
<language>en-us</language>
<item><title>Neue Fährzeiten im Winter</title><link>https://vorlage.example.de/1</link>
<guid>v1</guid><description>{german}</description></item></channel></rss>"""
    urls = [
        http_server.serve("/mixed.xml", atom, content_type="application/atom+xml"),
        http_server.serve("/kurz.xml", rss, content_type="application/rss+xml"),
        http_server.serve("/vorlage.xml", template, content_type="application/rss+xml"),
    ]
    write_config(tmp_path, urls, digest={"max_items_per_feed": 0})
    result = run_cli("preview", "--out", "p.html", cwd=tmp_path)
    assert result.code == 0, result.err
    html = (tmp_path / "p.html").read_text()

    def lang_of(title: str) -> str | None:  # the story with this title (not a word of it)
        for cell in re.findall(r'<td class="story"[^>]*>.*?</td>', html, re.S):
            if re.search(rf">\s*{re.escape(title)}\s*</a>", cell):
                found = re.match(r'<td class="story"[^>]*?\blang="([^"]+)"', cell)
                return found.group(1) if found else None
        raise AssertionError(f"{title} is not in the digest")

    assert lang_of("東京の天気") == "ja"
    assert lang_of("Chuva") == "pt-BR"
    assert lang_of("Fähre") == "de-DE"
    assert lang_of("Neue Fährzeiten im Winter") == "de"  # the text, over the feed's "en-us"
    assert lang_of("Harbour news") is None  # the digest's own language: no mark
