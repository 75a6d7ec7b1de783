"""config.yaml: defaults, validation with dotted paths, relative paths, the example config."""

from __future__ import annotations

import re
from pathlib import Path

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
    result = run_cli(
        "status", cwd=tmp_path, env={"DIGEST_CONFIG": str(tmp_path / "sub" / "mine.yaml")}
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
    result = run_cli("feeds", cwd=tmp_path)
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
