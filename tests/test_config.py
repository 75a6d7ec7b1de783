"""config.yaml: defaults, validation with dotted paths, relative paths, the example config."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from digest.config import Config, load_config
from digest.errors import ConfigError
from tests.conftest import ROOT, run_cli


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_points_at_bundled_feeds() -> None:
    config = load_config(ROOT / "config.yaml")
    assert config.title == "Culture & News Digest"
    assert [s.name for s in config.sections][:2] == ["Culture", "News"]
    for feed in config.feeds:
        assert feed.url.startswith("file://")
        assert Path(feed.url.removeprefix("file://")).is_file()
    assert config.database == ROOT / "digest.sqlite3"
    assert config.delivery.outbox == ROOT / "outbox"


def test_relative_paths_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "a.xml").write_text("<rss/>")
    path = write(tmp_path, "feeds:\n  - url: feeds/a.xml\ndatabase: state/db.sqlite3\n")
    config = load_config(path)
    assert config.feeds[0].url == (tmp_path / "feeds" / "a.xml").as_uri()
    assert config.database == tmp_path / "state" / "db.sqlite3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feeds:\n  - url: https://a.example/rss\ncolour: red\n", ["colour: unknown key"]),
        ("feeds:\n  - url: https://a.example/rss\n    nmae: A\n", ["feeds[0].nmae: unknown key"]),
        ("feeds:\n  - url: 'http://'\n", ["feeds[0].url: malformed URL"]),
        ("feeds:\n  - url: ftp://a.example/rss\n", ["feeds[0].url: unsupported URL scheme"]),
        ("feeds:\n  - url: .\n", ["feeds[0].url: ", "is a folder, not a feed file"]),
        ("feeds:\n  - name: no url\n", ["feeds[0].url: missing"]),
        ("feeds: []\n", ["feeds: needs at least one entry"]),
        (
            "feeds:\n  - url: https://a.example/rss\n    full_text: maybe\n",
            ["feeds[0].full_text: expected true or false"],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\nsections:\n  - name: A\n  - name: A\n",
            ["sections: section names must be unique: 'A' twice"],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\nfetch:\n  timeout: 0\n",
            ["fetch.timeout: "],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\ndelivery:\n  dkim:\n    selector: s\n"
            "    domain: example.org\n    key_file: nokey.pem\n",
            ["delivery.dkim.key_file: no such file", "nokey.pem"],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\n    section: culture\n"
            "sections:\n  - name: Culture\n",
            ["feeds[0].section: no section 'culture' (did you mean 'Culture'?)"],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\ntimezone: Mars/Base\n",
            ["timezone: unknown time zone"],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\ndelivery:\n  smtp:\n    port: many\n",
            ["delivery.smtp.port: expected an integer"],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\nschedule:\n  send: 'every day'\n",
            ["schedule.send: bad cron expression"],
        ),
        (
            "feeds:\n  - url: https://a.example/rss\ndelivery:\n  to: [nobody]\n",
            ["delivery.to: not an email address"],
        ),
    ],
)
def test_bad_config_is_refused_with_the_dotted_path(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    for part in expected:
        assert part in message
    assert "\n" not in message


def test_every_error_is_listed_at_once(tmp_path: Path) -> None:
    text = (
        "feeds:\n  - url: https://a.example/rss\ncolour: red\n"
        "digest:\n  blurb_chars: lots\n  max_age_days: -1\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert "colour: unknown key" in message
    assert "digest.blurb_chars" in message
    assert "digest.max_age_days" in message


def test_invalid_yaml_says_where(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "feeds:\n  - url: [unclosed\n"))
    assert re.search(r"invalid YAML at line \d+", str(caught.value))


def test_cli_reports_bad_config_in_one_line_with_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "feeds:\n  - url: https://a.example/rss\ncolour: red\n")
    result = run_cli("feeds", cwd=tmp_path)
    assert result.code == 2
    assert result.err.strip().count("\n") == 0
    assert "colour: unknown key" in result.err
    assert "Traceback" not in result.err


def test_missing_config_file_exit_2(tmp_path: Path) -> None:
    result = run_cli("--config", tmp_path / "nope.yaml", "send", cwd=tmp_path)
    assert result.code == 2
    assert "config file not found" in result.err


def test_config_from_environment_variable(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mine.yaml").write_text(
        "title: From Env\nfeeds:\n  - url: https://a.example/r\n"
    )
    # prune writes the database (status only reads it, and makes none): next to the config
    result = run_cli(
        "prune", cwd=tmp_path, env={"DIGEST_CONFIG": str(tmp_path / "sub" / "mine.yaml")}
    )
    assert result.code == 0, result.err
    assert (tmp_path / "sub" / "digest.sqlite3").exists()


def _keys(model: type, prefix: str = "") -> list[str]:
    from pydantic import BaseModel

    keys = []
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        if name == "path":
            continue
        key = prefix + (field.alias or name)
        keys.append(key)
        annotation = field.annotation
        for candidate in (*getattr(annotation, "__args__", ()), annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                keys += _keys(candidate, key + ".")
                break
    return keys


def test_every_key_is_documented_and_in_the_example_config() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "config.yaml").read_text(encoding="utf-8")
    for key in _keys(Config):
        leaf = key.rsplit(".", 1)[-1]
        assert f"`{key}`" in readme, f"{key} is not documented in README.md"
        assert re.search(rf"^\s*#?\s*-?\s*{re.escape(leaf)}:", example, re.M), (
            f"{key} is missing from config.yaml"
        )


def test_all_problems_at_once_with_suggestions(tmp_path: Path) -> None:
    text = (
        "titel: x\n"
        "feeds:\n"
        "  - url: https://a.example/rss\n"
        "    fulltext: true\n"
        "  - url: gopher://a.example/rss\n"
        "  - url: https://a.example/rss\n"
        "digest:\n"
        "  subject: '{{ title '\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert "titel: unknown key (did you mean 'title'?)" in message
    assert "feeds[0].fulltext: unknown key (did you mean 'full_text'?)" in message
    assert "feeds[1].url: unsupported URL scheme 'gopher'" in message
    assert "feeds[2].url: the same feed as feeds[0]" in message
    assert "digest.subject: bad template" in message


def test_a_single_recipient_may_be_written_without_brackets(tmp_path: Path) -> None:
    path = write(
        tmp_path, "feeds:\n  - url: https://a.example/rss\ndelivery:\n  to: me@example.org\n"
    )
    assert load_config(path).delivery.to == ("me@example.org",)


def test_a_missing_local_feed_file_is_that_feeds_failure_not_a_config_error(
    tmp_path: Path,
) -> None:
    from tests.conftest import outbox_messages, run_cli, text_part
    from tests.feeds import FakeItem, rss

    (tmp_path / "here.xml").write_text(rss(FakeItem("Harbour reopens", "https://a.example/1")))
    write(
        tmp_path,
        "feeds:\n  - url: here.xml\n  - url: gone.xml\n    name: Gone\n"
        "digest:\n  max_age_days: 0\n",
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "warning: feed Gone" in result.err and "No such file" in result.err
    [msg] = outbox_messages(tmp_path / "outbox")
    assert "Harbour reopens" in text_part(msg)


def test_a_database_under_a_file_says_so(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    write(tmp_path, "feeds:\n  - url: https://a.example/rss\ndatabase: config.yaml/d.sqlite3\n")
    result = run_cli("prune", cwd=tmp_path)  # a command that writes (feeds only reads)
    assert result.code == 1 and "is a file, not a folder" in result.err
    assert result.err.count("\n") == 1


def test_duplicate_section_names_are_listed_with_the_other_problems(tmp_path: Path) -> None:
    text = (
        "feeds:\n  - url: https://a.example/rss\n"
        "sections:\n  - name: A\n  - name: A\n    sort: sideways\n"
        "digest:\n  blurb_chars: many\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert "sections: section names must be unique: 'A' twice" in message
    assert "sections[1].sort" in message and "digest.blurb_chars: expected an integer" in message


# --- numbers, header values and documents that used to validate and crash later (issue 18) ---

BOUNDED = (
    "digest.max_items_per_section",
    "digest.max_items_per_feed",
    "digest.max_age_days",
    "digest.blurb_chars",
    "digest.max_html_bytes",
    "digest.cluster_hours",
    "delivery.smtp.timeout",
    "delivery.smtp.retries",
    "fetch.timeout",
    "fetch.max_bytes",
    "fetch.max_redirects",
    "fetch.max_items_per_feed",
    "fetch.concurrency",
    "fetch.per_host",
    "schedule.misfire_grace",
    "store.keep_days",
)


def _nested_yaml(values: dict[str, str]) -> str:
    """YAML for dotted keys (two or three levels) and their literal values."""
    tree: dict[str, Any] = {}
    for dotted, value in values.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value

    def lines(node: dict[str, Any], indent: str) -> list[str]:
        out = []
        for key, value in node.items():
            if isinstance(value, dict):
                out += [f"{indent}{key}:", *lines(value, indent + "  ")]
            else:
                out.append(f"{indent}{key}: {value}")
        return out

    return "\n".join(lines(tree, "")) + "\n"


@pytest.mark.parametrize("value", [".inf", "1e300", ".nan"])
def test_infinite_huge_and_nan_numbers_are_refused_with_one_problem_each(
    tmp_path: Path, value: str
) -> None:
    text = "feeds:\n  - url: https://a.example/rss\n" + _nested_yaml(dict.fromkeys(BOUNDED, value))
    path = write(tmp_path, text)
    result = run_cli("send", "--config", path, cwd=tmp_path)
    assert result.code == 2
    assert "Traceback" not in result.err
    head, *problems = result.err.splitlines()  # one problem a line
    assert head.endswith(f": invalid config ({len(BOUNDED)} problems):")
    problems = [p.strip() for p in problems]
    assert sorted(p.split(":")[0] for p in problems) == sorted(BOUNDED)
    for problem in problems:
        assert re.search(r": (must be at most \d|expected a finite number)", problem), problem


HEADER_KEYS = {
    "title": 'title: "Weekly\\r\\nBcc: x@y.example"\n',
    "delivery.list_id": 'delivery:\n  list_id: "news.example.org\\nX: y"\n',
    "delivery.from": 'delivery:\n  from: "Digest <d@example.org>\\r\\nBcc: x@y.example"\n',
    "delivery.to[0]": 'delivery:\n  to: ["r@example.org\\r\\nBcc: x@y.example"]\n',
    "delivery.dkim.selector": 'delivery:\n  dkim:\n    selector: "s\\n1"\n'
    "    domain: example.org\n    key_file: k.pem\n",
    "delivery.dkim.domain": "delivery:\n  dkim:\n    selector: s\n"
    '    domain: "example.org\\rX: y"\n    key_file: k.pem\n',
    "delivery.unsubscribe.mailto": 'delivery:\n  unsubscribe:\n    mailto: "u@example.org\\n"\n',
    "delivery.unsubscribe.url": 'delivery:\n  unsubscribe:\n    url: "https://e.org/u\\u2028"\n',
    "fetch.user_agent": 'fetch:\n  user_agent: "bot\\r\\nCookie: a=b"\n',
}


@pytest.mark.parametrize("text", HEADER_KEYS.values(), ids=HEADER_KEYS.keys())
def test_control_characters_in_header_values_are_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / "k.pem").write_text("key")
    key = next(k for k, v in HEADER_KEYS.items() if v == text)
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "feeds:\n  - url: https://a.example/rss\n" + text))
    message = str(caught.value)
    assert f"{key}: must not contain control characters or line breaks" in message
    assert "\n" not in message and "\r" not in message


def test_a_title_with_a_bcc_header_is_refused_through_the_cli(tmp_path: Path) -> None:
    path = write(tmp_path, 'title: "Digest\\r\\nBcc: x@y.example"\nfeeds:\n  - url: a.xml\n')
    result = run_cli("send", "--config", path, cwd=tmp_path)
    assert result.code == 2
    assert "title: must not contain control characters or line breaks (found '\\r')" in result.err
    assert not (tmp_path / "outbox").exists()


@pytest.mark.parametrize(
    "document",
    [
        "feeds: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "feeds:\n" + "- " * 50_000 + "x\n",
        "feeds:\n" + "".join(" " * n + f"k{n}:\n" for n in range(1, 1000)),
    ],
    ids=["flow lists", "block lists", "indented mappings"],
)
def test_a_deeply_nested_document_is_refused_in_one_line(tmp_path: Path, document: str) -> None:
    # It crashed the process (libyaml recursing in C), the daemon's reload too.
    path = write(tmp_path, document)
    result = run_cli("send", "--config", path, cwd=tmp_path)
    assert result.code == 2, result.err
    assert result.err.strip().count("\n") == 0 and "Traceback" not in result.err
    assert "YAML nested too deep" in result.err


def test_an_oversized_config_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n  - url: https://a.example/rss\n" + "# padding\n" * 150_000)
    with pytest.raises(ConfigError, match="config file too large"):
        load_config(path)


def test_the_daemon_keeps_its_config_when_the_new_one_is_too_deep(tmp_path: Path) -> None:
    from digest.scheduler import Daemon

    path = write(tmp_path, "feeds:\n  - url: https://a.example/rss\ntitle: Kept\n")
    daemon = Daemon(path, load_config(path))
    path.write_text("feeds:\n" + "- " * 50_000 + "x\n", encoding="utf-8")
    assert daemon._fresh_config().title == "Kept"


def test_one_feed_fills_at_most_five_stories_of_a_digest_by_default(tmp_path: Path) -> None:
    from tests.feeds import FakeItem, rss

    feed = tmp_path / "busy.xml"
    items = [FakeItem(f"Busy story {n}", f"https://busy.example.org/{n}") for n in range(8)]
    feed.write_text(rss(*items), encoding="utf-8")
    write(tmp_path, f"feeds:\n  - url: {feed.name}\ndigest:\n  max_age_days: 0\n")
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 0, result.err
    [eml] = (tmp_path / "outbox").glob("*.eml")
    assert len(set(re.findall(r"Busy story \d", eml.read_text(encoding="utf-8")))) == 5


def test_several_config_problems_are_printed_one_a_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "feeds:\n  - url: https://a.example/rss\ncolour: red\n"
        "digest:\n  blurb_chars: lots\n  max_age_days: -1\n",
    )
    result = run_cli("send", cwd=tmp_path)
    assert result.code == 2 and "Traceback" not in result.err
    lines = result.err.splitlines()
    assert lines[0].startswith("digest: error: ")
    assert lines[0].endswith("config.yaml: invalid config (3 problems):")
    assert sorted(lines[1:]) == [
        "  colour: unknown key",
        "  digest.blurb_chars: expected an integer",
        "  digest.max_age_days: input should be greater than or equal to 0",
    ]


@pytest.mark.parametrize(
    ("url", "suggestion"),
    [
        ("www.example.com/feed.xml", "https://www.example.com/feed.xml"),
        ("example.com/rss", "https://example.com/rss"),
        ("news.example.org:8080/feed?x=1", "https://news.example.org:8080/feed?x=1"),
    ],
)
def test_a_feed_url_without_a_scheme_is_refused_with_a_suggestion(
    tmp_path: Path, url: str, suggestion: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f"feeds:\n  - url: {url}\n"))
    assert f"feeds[0].url: {url!r} has no scheme: did you mean {suggestion}?" in str(caught.value)


@pytest.mark.parametrize("url", ["news.xml", "feeds/news.xml", "./example.com/rss", "feed.rss"])
def test_local_feed_files_are_still_files(tmp_path: Path, url: str) -> None:
    config = load_config(write(tmp_path, f"feeds:\n  - url: {url}\n"))
    assert config.feeds[0].url == (tmp_path / url).resolve().as_uri()


def test_a_folder_named_like_a_host_is_a_local_feed(tmp_path: Path) -> None:
    (tmp_path / "example.com").mkdir()
    (tmp_path / "example.com" / "rss").write_text("<rss/>")
    config = load_config(write(tmp_path, "feeds:\n  - url: example.com/rss\n"))
    assert config.feeds[0].url == (tmp_path / "example.com" / "rss").resolve().as_uri()
