"""The independent judges in ../shared/tools/email/ on digests written by the real CLI:
the example digest, a 300-item digest, and a 1,500-item feed next to a 3-item one.

check_email.py (structure, size, one-click), SpamAssassin, the Nu Html Checker and
Chromium (overflow and contrast at 600 and 375 px, light and dark). A test whose tool
is missing skips and says which tool and how to install it (`bash .ci/email-tools.sh`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED, needs_shared, run_cli, write_config
from tests.feeds import FakeItem, rss

pytestmark = needs_shared

TOOLS = SHARED / "tools" / "email"
CANIEMAIL = SHARED / "caniemail"
VNU_JAR = Path.home() / ".cache" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "run `bash .ci/email-tools.sh` to install it"
BANNED_RULES = ("MISSING_", "MIME_HTML_ONLY", "MPART_ALT_DIFF")
UNSUPPORTED = (
    "css-display-flex",
    "css-display-grid",
    "css-variables",
    "css-at-font-face",
    "css-unit-calc",
    "css-background-image",
    "html-svg",
    "image-svg",
)

SUBJECTS = [
    "council",
    "ferry",
    "festival",
    "orchestra",
    "library",
    "harbour",
    "tram line",
    "museum",
    "market",
    "bridge",
    "school",
    "theatre",
    "river",
    "stadium",
    "park",
]
VERBS = [
    "reopens after",
    "plans",
    "votes on",
    "opens",
    "delays",
    "celebrates",
    "reviews",
    "wins support for",
    "postpones",
    "announces",
]
THINGS = [
    "winter repairs",
    "a new season",
    "longer hours",
    "the spring budget",
    "free entry",
    "a late-night service",
    "its centenary",
    "a public consultation",
    "new lighting",
    "a weekend programme",
]
SENTENCES = [
    "Residents had asked for the change at a meeting in the town hall last month.",
    "The work is expected to take about six weeks and to cost less than first planned.",
    "Organisers said tickets for the opening weekend sold out within a day.",
    "A spokesperson said the decision would be reviewed again in the new year.",
    "Local businesses welcomed the news, saying the quiet months had been difficult.",
    "The plan still needs approval from the regional transport authority.",
    "Volunteers will run guided walks on Saturday and Sunday mornings.",
]
CATEGORIES = ["culture", "news", "sport"]  # "sport" falls through to the More section


def story_items(count: int, feed: str, *, offset: int = 0) -> list[FakeItem]:
    """*count* distinct, plausible stories for one feed; every fourth has a thumbnail."""
    items = []
    for n in range(offset, offset + count):
        title = (
            f"{SUBJECTS[n % len(SUBJECTS)].capitalize()} {VERBS[n // 3 % len(VERBS)]} "
            f"{THINGS[n // 7 % len(THINGS)]}, update {n}"
        )
        body = " ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(3))
        extra = (
            f'<media:thumbnail url="https://{feed}.example.org/img/{n}.jpg" width="600" '
            'height="400"/>'
            if n % 4 == 0
            else ""
        )
        items.append(
            FakeItem(
                title,
                f"https://{feed}.example.org/2026/11/{n}",
                body=f"<p>{body}</p>",
                categories=[CATEGORIES[n % len(CATEGORIES)]],
                extra=extra,
            )
        )
    return items


def send(folder: Path, feeds: dict[str, list[FakeItem]], **settings: object) -> Path:
    """Write *feeds* as files next to a config in *folder*, run `digest send`, return the .eml."""
    paths = []
    for name, items in feeds.items():
        path = folder / f"{name}.xml"
        path.write_text(rss(*items, title=name.title()), encoding="utf-8")
        paths.append(str(path))
    write_config(
        folder,
        paths,
        digest={"max_age_days": 0, "max_items_per_section": 2000},
        fetch={"max_items_per_feed": 2000},
        delivery={
            "method": "outbox",
            "outbox": "outbox",
            "from": "Harbour Digest <digest@news.example.org>",
            "to": ["reader@example.org"],
            "unsubscribe": {
                "mailto": "unsubscribe@news.example.org",
                "url": "https://news.example.org/unsubscribe",
            },
        },
        **settings,
    )
    result = run_cli("send", cwd=folder, timeout=300)
    assert result.code == 0, result.err
    [eml] = sorted((folder / "outbox").glob("*.eml"))
    return eml


@pytest.fixture(scope="module", params=["example", "300 items"])
def eml(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example digest (config.yaml and examples/) and a digest of 300 new items
    (ten of them told by both feeds, for "Also covered by")."""
    folder = tmp_path_factory.mktemp(request.param.replace(" ", "-"))
    if request.param == "example":
        (folder / "config.yaml").write_bytes((ROOT / "config.yaml").read_bytes())
        shutil.copytree(ROOT / "examples", folder / "examples")
        result = run_cli("send", cwd=folder)
        assert result.code == 0, result.err
        [path] = sorted((folder / "outbox").glob("*.eml"))
        return path
    return send(
        folder,
        {"ledger": story_items(200, "ledger"), "lantern": story_items(100, "lantern", offset=190)},
    )


def message(path: Path) -> EmailMessage:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def html_file(eml: Path, folder: Path, strip_style: bool = False) -> Path:
    """The HTML part of *eml* as a file (without its <style> block if asked)."""
    part = message(eml).get_body(preferencelist=("html",))
    assert part is not None
    html = str(part.get_content())
    if strip_style:
        html = re.sub(r"(?is)<style[^>]*>\s*@media.*?</style>", "", html)
    path = folder / "digest.html"
    path.write_text(html, encoding="utf-8")
    return path


def run_tool(*args: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def need(ok: bool, what: str) -> None:
    if not ok:
        pytest.skip(f"{what} is not installed: {INSTALL}")


def playwright_ready() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists()


# --- the judges -------------------------------------------------------------------------------


def test_check_email_passes(eml: Path) -> None:
    result = run_tool(sys.executable, TOOLS / "check_email.py", eml, "--wire")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout


@pytest.mark.slow  # an outside tool started for each digest
def test_spamassassin_scores_under_one(eml: Path) -> None:
    need(bool(shutil.which("spamassassin")), "SpamAssassin (Debian package spamassassin)")
    result = run_tool("bash", TOOLS / "check_spam.sh", eml, "1.0")
    match = re.search(r"score=(-?[\d.]+) tests=(\S*)", result.stdout)
    assert match, result.stdout + result.stderr
    score, rules = float(match.group(1)), match.group(2).split(",")
    assert score < 1.0, result.stdout
    assert not [r for r in rules if r.startswith(BANNED_RULES)], result.stdout
    assert result.returncode == 0, result.stdout


@pytest.mark.slow  # an outside tool started for each digest
def test_nu_html_checker_finds_no_errors(eml: Path) -> None:
    need(bool(shutil.which("java")), "Java (Debian package default-jre-headless)")
    need(VNU_JAR.is_file(), "the Nu Html Checker (npm package vnu-jar)")
    result = run_tool("bash", TOOLS / "validate_html.sh", eml)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "vnu: 0 errors" in result.stdout, result.stdout


@pytest.mark.slow  # an outside tool started for each digest
def test_chromium_renders_without_overflow_or_low_contrast(eml: Path, tmp_path: Path) -> None:
    need(playwright_ready(), "Chromium (Debian package chromium) or playwright (pip)")
    html = html_file(eml, tmp_path)
    result = run_tool(
        sys.executable, TOOLS / "render_check.py", html, tmp_path / "shots", "600", "375", "--dark"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok ") == 4, result.stdout


@pytest.mark.slow  # an outside tool started for each digest
def test_reads_well_without_media_queries(eml: Path, tmp_path: Path) -> None:
    """Outlook for Windows and Gmail with other accounts drop @media: still no overflow."""
    need(playwright_ready(), "Chromium (Debian package chromium) or playwright (pip)")
    html = html_file(eml, tmp_path, strip_style=True)
    assert "@media" not in html.read_text(encoding="utf-8")
    result = run_tool(
        sys.executable, TOOLS / "render_check.py", html, tmp_path / "shots", "600", "375"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_uses_no_feature_mail_clients_lack(eml: Path, tmp_path: Path) -> None:
    result = run_tool(
        sys.executable,
        TOOLS / "caniemail_summary.py",
        CANIEMAIL,
        "--check",
        html_file(eml, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    used = [line.split()[0] for line in result.stdout.splitlines() if " used" in line]
    assert not set(used) & set(UNSUPPORTED), result.stdout


# --- what the reader gets ---------------------------------------------------------------------


def titles(msg: EmailMessage) -> tuple[list[str], str]:
    html = msg.get_body(preferencelist=("html",))
    text = msg.get_body(preferencelist=("plain",))
    assert html is not None and text is not None
    found = re.findall(
        r'<h3 class="story-title"[^>]*>(?:<a [^>]*>)?([^<]+)<', str(html.get_content())
    )
    return [t.replace("&amp;", "&") for t in found], str(text.get_content()).replace("\r\n", "\n")


def test_text_part_tells_the_same_stories_in_the_same_order(eml: Path) -> None:
    found, text = titles(message(eml))
    assert len(found) >= 10
    flat = " ".join(text.split())
    positions = [flat.index(" ".join(title.split())) for title in found]
    assert positions == sorted(positions)
    for line in text.splitlines():
        assert len(line) < 78 or re.fullmatch(r"https?://\S+", line), line


@pytest.mark.slow  # a digest of 1,503 stories
def test_a_big_feed_leaves_a_small_feeds_stories_in(tmp_path: Path) -> None:
    """1,500 stories from one feed next to 3 from another: all 3 kept, the rest counted."""
    small = story_items(3, "notes", offset=5000)
    eml_path = send(tmp_path, {"firehose": story_items(1500, "firehose"), "notes": small})
    msg = message(eml_path)
    found, text = titles(msg)
    for item in small:
        assert item.title in found
    left_out = 1503 - len(found)
    assert left_out > 1000
    note = f"{left_out:,} more stories were left out"
    html = msg.get_body(preferencelist=("html",))
    assert html is not None and note in str(html.get_content())
    assert note in " ".join(text.split())
    result = run_tool(sys.executable, TOOLS / "check_email.py", eml_path, "--wire")
    assert result.returncode == 0, result.stdout
