"""The ``digest`` command line: a thin layer over ``pipeline``.

Errors the user can act on (``DigestError``) become one line on stderr and an
exit code: 0 success, 1 a run that could not finish, 2 bad usage or config.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo

from digest import __version__
from digest.config import Config, load_config
from digest.errors import ConfigError, DigestError, UsageError
from digest.links import shown_url
from digest.models import Digest, FetchResult
from digest.store import open_store


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"digest: error: {message} (see digest --help)\n")


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--config, --log-level, --log-format: accepted before or after the command.

    After the command they default to SUPPRESS, so they only override what was
    given before it.
    """
    default = (lambda value: value) if top else (lambda _value: argparse.SUPPRESS)
    parser.add_argument(
        "--config",
        type=Path,
        default=default(None),
        help="config file (default: $DIGEST_CONFIG, then ./config.yaml, then"
        " $XDG_CONFIG_HOME/digest/config.yaml)",
    )
    parser.add_argument(
        "--log-level",
        default=default("info"),
        choices=["debug", "info", "warning", "error"],
        help="log detail",
    )
    parser.add_argument(
        "--log-format",
        default=default("text"),
        choices=["text", "json"],
        help="log lines as text or JSON",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = Parser(prog="digest", description="Newsletter digests from RSS/Atom feeds.")
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    _common(parser, top=True)
    common = Parser(add_help=False)
    _common(common, top=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        # help: the line in `digest --help`; description: what `digest NAME --help` explains
        return commands.add_parser(name, parents=[common], help=help, description=description)

    commands.required = True
    command(
        "check",
        "try everything a send needs, sending and storing nothing",
        "Check that this config is ready: it loads; every feed is fetched and parsed once"
        " (nothing stored); the SMTP server takes a connection, TLS and the login (nothing"
        " sent); the DKIM key loads and its names are DNS names; with web:, the signing key"
        " is there. One line per problem and exit 1, else a summary and exit 0.",
    )
    init = command(
        "init",
        "write a commented starter config.yaml",
        "Write a starter config (title, time zone, two sections, three example feeds to"
        " replace, delivery to an outbox folder) to PATH, and say what to do next. An"
        " existing file is never overwritten.",
    )
    init.add_argument(
        "path",
        metavar="PATH",
        nargs="?",
        type=Path,
        default=None,
        help="where to write it (default: --config, else ./config.yaml)",
    )
    send = command(
        "send",
        "fetch, build and deliver the digest",
        "Fetch every feed, build the digest of what is new and deliver it (SMTP or the outbox"
        " folder). Items it sends are marked sent; if delivery fails, everything stays pending"
        " for the next send. Says how many items were left out and why. Exits 1 when delivery"
        " failed or every feed failed and nothing was sent. With --to ADDRESS, sends a test"
        " copy of that digest to one address and marks nothing sent.",
    )
    send.add_argument("--no-fetch", action="store_true", help="use stored items only")
    send.add_argument(
        "--edition",
        default="",
        help="send this edition's issue (default: the first, delivery.to's)",
    )
    send.add_argument(
        "--to",
        metavar="ADDRESS",
        default=None,
        help="send a test copy to this address only, marking nothing sent",
    )
    preview = command(
        "preview",
        "write the digest to a file, mark nothing",
        "Fetch the feeds and write the digest that send would deliver now to files (HTML, text,"
        " JSON), without sending it or marking anything sent.",
    )
    preview.add_argument(
        "--out", type=Path, default=None, help="HTML file to write (default: digest-preview.html)"
    )
    preview.add_argument(
        "--json", type=Path, default=None, help="write the digest as JSON here (- for stdout)"
    )
    preview.add_argument("--text", type=Path, default=None, help="also write the text part here")
    preview.add_argument("--no-fetch", action="store_true", help="use stored items only")
    command(
        "fetch",
        "fetch and store new items only",
        "Fetch every feed that is due and store its new items for the next digest; sends nothing.",
    )
    command(
        "feeds",
        "list feeds with their last fetch and errors",
        "List the configured feeds, each with its name, its last fetch and its last error.",
    )
    blurbs = command(
        "blurbs",
        "fetch one feed and print each item's title and blurb (nothing stored)",
        "Fetch one feed now and print each item's title and the blurb the digest would write"
        " for it, without storing anything. FEED is a feed's URL, a feed file, or a configured"
        " feed's name as `digest feeds` prints it (its name in config.yaml, else the feed's own"
        " title, else its host).",
    )
    blurbs.add_argument(
        "feed", metavar="FEED", help="a feed's URL, a feed file, or its name from digest feeds"
    )
    status = command(
        "status",
        "next runs, the last digest and failing feeds",
        "Show when the daemon fetches and sends next, whether it is running, the last digest"
        " sent and the last failed attempt, and the feeds that are failing (and since when)."
        " With --check, for a monitoring system: one line per problem and exit 1 (the last"
        " send failed, a scheduled send is monitor.send_overdue late, a feed has failed for"
        " monitor.feed_failing), else 'OK' and exit 0.",
    )
    status.add_argument(
        "--check", action="store_true", help="exit 1 and say why when something needs care"
    )
    command(
        "prune",
        "forget handled items their feed no longer carries (store.keep_days)",
        "Remove from the database the items already sent or skipped that no configured feed has"
        " carried for store.keep_days days. An item still in its feed is kept however old, so"
        " it is never mailed again as new.",
    )
    command(
        "serve",
        "run the web archive, sign-up and unsubscribe pages (web: in config.yaml)",
        "Serve the web app on web.listen: the archive of issues and their pages (the"
        " 'View in browser' link), an Atom feed of issues, sign-up with a confirmation mail,"
        " each reader's page and unsubscribe (one-click too), and /healthz. `digest run`"
        " serves it too when web: is configured. The signing key comes from the environment"
        " variable web.secret_env names.",
    )
    command(
        "run",
        "run as a daemon: fetch and send on the schedule",
        "Run in the foreground as a daemon: fetch on schedule.fetch and send on schedule.send"
        " (cron expressions in the configured timezone), reading config.yaml again before each"
        " job. Stops on SIGTERM or Ctrl-C; a job cut short leaves its items pending.",
    )
    copy = command(
        "copy-database",
        "copy the database into another one (SQLite to PostgreSQL, or back)",
        "Copy every feed, item, digest, delivery, subscriber and archived issue of this"
        " config's database into TARGET, an empty database: a postgresql:// URL or an SQLite"
        " file. What was sent stays sent, so pointing database: at TARGET afterwards sends"
        " nothing twice. Stop digest run first; the copy holds the send lock.",
    )
    copy.add_argument(
        "target", metavar="TARGET", help="postgresql://user@host:port/dbname or a file"
    )
    command(
        "worker",
        "take fetch and send tasks from the queue (workers: in config.yaml)",
        "Run a worker in the foreground: take the fetch and send tasks that `digest run`"
        " hands out through the task queue in the PostgreSQL database (workers: in"
        " config.yaml), one at a time, until SIGTERM or Ctrl-C (the task in hand is finished"
        " first). Run as many as you like, on as many machines; a worker that dies has its"
        " task done again by another after workers.stalled_after.",
    )
    imp = command(
        "import",
        "add the feeds of an OPML file to config.yaml",
        "Add the feeds of an OPML file to config.yaml (its comments and layout kept); feeds"
        " already there and entries that are not feeds are skipped, each with its reason.",
    )
    imp.add_argument("opml", type=Path, help="OPML file")
    exp = command(
        "export",
        "write the feeds as OPML",
        "Write the configured feeds as an OPML file, one outline per section.",
    )
    exp.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    readers = command(
        "subscribers",
        "add, list, remove, import and export the newsletter's readers",
        "Manage the readers the digest is mailed to besides delivery.to: each with an edition,"
        " the sections they read (none: all) and a status (pending until a web sign-up is"
        " confirmed, active, unsubscribed). Readers added here are active at once.",
    )
    actions = readers.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    add = actions.add_parser(
        "add",
        parents=[common],
        help="add a reader (or change one)",
        description="Add a reader, active at once.",
    )
    add.add_argument("email", help="the reader's address")
    add.add_argument("--edition", default="", help="edition (default: the first configured)")
    add.add_argument(
        "--sections", default="", help="sections to read, comma-separated (default: all)"
    )
    actions.add_parser(
        "list", parents=[common], help="list the readers", description="List every reader."
    )
    remove = actions.add_parser(
        "remove",
        parents=[common],
        help="forget a reader",
        description="Forget a reader and their links.",
    )
    remove.add_argument("email", help="the reader's address")
    load = actions.add_parser(
        "import",
        parents=[common],
        help="add or change readers from a CSV file",
        description="Add or change readers from a CSV file with a header line"
        " (email,edition,sections,status); a known address is changed, not added twice.",
    )
    load.add_argument("csv", type=Path, help="CSV file")
    dump = actions.add_parser(
        "export",
        parents=[common],
        help="write the readers as CSV",
        description="Write every reader as CSV.",
    )
    dump.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    return parser


def count(n: int, noun: str, plural: str = "") -> str:
    """ "1 feed", "3 feeds"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def config_path(given: Path | None) -> Path:
    """--config, else $DIGEST_CONFIG, else ./config.yaml, else the user's config folder's
    (``config.find_config``)."""
    from digest.config import find_config

    return find_config(given)


def run() -> NoReturn:
    """The ``digest`` command (console script and ``python -m digest``): :func:`main`,
    then exit at once.

    Every command closes its database and output itself; what the interpreter would
    still do on the way out is free every object of every module (pydantic's schemas,
    lxml, feedparser), 30 to 40 ms a command, a sixth of a run where every feed
    answers 304. Logging and the standard streams are flushed first.
    """
    import contextlib
    import logging

    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # reader gone, or closed
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    from digest.logs import setup_logging

    setup_logging(args.log_level, args.log_format)
    try:
        return int(COMMANDS[args.command](args))
    except DigestError as exc:
        for line in error_lines(exc):
            print(line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`digest feeds | head -1`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0


def error_lines(exc: DigestError) -> list[str]:
    """*exc* as stderr shows it: one line; a config with several problems gives its
    file's line, then one line per problem (a list joined by semicolons was hard to read)."""
    if isinstance(exc, ConfigError) and len(exc.problems) > 1:
        head = f"digest: error: {_safe(exc.message, 1000)} ({len(exc.problems)} problems):"
        return [head, *(f"  {_safe(problem, 1000)}" for problem in exc.problems)]
    return [f"digest: error: {_safe(str(exc), 2000)}"]


def _config(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config))


def _now() -> datetime:
    return datetime.now(UTC)


def _progress(total: int) -> tuple[Callable[[FetchResult], None] | None, Callable[[], None]]:
    """A progress bar on an interactive terminal; nothing otherwise."""
    if not sys.stderr.isatty() or total < 2:
        return None, lambda: None
    from tqdm import tqdm

    # No monitor thread: parse workers are forked only while the process has one thread
    # (else a forkserver, 0.2 s more), and the bar is updated by every fetched feed anyway.
    tqdm.monitor_interval = 0
    bar = tqdm(total=total, unit="feed", desc="fetching", leave=False, file=sys.stderr)

    def advance(_result: FetchResult) -> None:
        bar.update(1)

    return advance, bar.close


def _safe(text: str, limit: int = 300) -> str:
    """Text that may hold a server's words (a feed's title, a reason phrase, a URL) as the
    terminal may show it: one line, no escape sequences, no password in a URL, short."""
    from digest.links import without_userinfo_in_text
    from digest.sanitize import server_text

    return server_text(without_userinfo_in_text(text), limit)


def _warn(text: str) -> None:
    """A warning for the person at the terminal: a plain ``warning:`` line on stderr, a
    JSON log line under ``--log-format json``, nothing under ``--log-level error``."""
    import logging

    text = _safe(text, 1000)
    from digest.logs import JsonFormatter

    log = logging.getLogger("digest")
    if not log.isEnabledFor(logging.WARNING):
        return
    if any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers):
        log.warning(text)
    else:
        print(f"warning: {text}", file=sys.stderr)


def _report_fetch(report: Any, out: TextIO | None = None) -> None:
    from digest.pipeline import FetchReport

    assert isinstance(report, FetchReport)
    for outcome in report.outcomes:
        if outcome.error or outcome.note:
            _warn(
                f"feed {outcome.name} ({shown_url(outcome.url)}): {outcome.error or outcome.note}"
            )
    ok = len(report.outcomes) - len(report.failed)
    waiting = f" ({len(report.waiting)} not fetched again yet)" if report.waiting else ""
    print(
        f"Fetched {count(len(report.outcomes), 'feed')}: {ok} ok, {len(report.failed)} failed"
        f"{waiting}, {count(report.new_items, 'new item')}.",
        file=out or sys.stdout,
    )


def cmd_send(args: argparse.Namespace) -> int:
    from digest.copies import said
    from digest.pipeline import send_digest
    from digest.scheduler import note_failures

    config = _config(args)
    if args.to:
        return _send_test(config, args)
    if args.edition:
        from digest.subscribers import edition_name

        edition = edition_name(args.edition, [e.name for e in config.all_editions])
        if edition != config.default_edition:
            return _send_edition(config, args, edition)
    on_result, done = _progress(len(config.feeds))
    now = _now()

    try:
        with open_store(config.database) as store:

            def fetched(report: Any) -> None:  # said before delivery, so also when it fails
                done()
                note_failures(store, report, now)
                _report_fetch(report)

            result = send_digest(
                config,
                store,
                now,
                fetch=not args.no_fetch,
                on_result=on_result,
                on_fetched=fetched,
            )
    finally:
        done()
    for resent in result.resent:
        if resent.outcome == "sent":
            print(f"{str(resent)[0].upper()}{str(resent)[1:]}.")
        else:
            _warn(str(resent))
    left_out = left_out_text(result.digest)
    fetch = result.fetch
    if result.report is None:
        if fetch and fetch.outcomes and len(fetch.failed) == len(fetch.outcomes):
            # Said as an error and exit 1: a cron job must tell this from "nothing new".
            feeds = count(len(fetch.outcomes), "feed")
            raise DigestError(f"no digest sent: every feed failed ({feeds}; see the warnings)")
        print(f"Nothing new: no digest sent{f' ({left_out})' if left_out else ''}.")
        _say_failed(fetch)
        return 0
    where = f" (written to {config.delivery.outbox})" if config.delivery.method == "outbox" else ""
    stories = count(len(result.digest.stories), "story", "stories")
    if result.report.delivered:
        readers = said(result.report.delivered, config)
        print(f'Sent "{result.subject}" with {stories} to {readers}{where}.')
    else:  # a retry after an interruption that had already delivered every copy
        print(f'Finished "{result.subject}" with {stories}: every copy had gone out before.')
    if left_out:
        print(f"{left_out[0].upper()}{left_out[1:]}.")
    for recipient, reason in result.report.refused:
        _warn(f"not delivered to {recipient}: {reason}")
    _say_failed(fetch)
    return 0


def _say_failed(report: Any) -> None:
    """After a send: which feeds failed this time (the run still succeeded)."""
    from digest.pipeline import FetchReport

    if not isinstance(report, FetchReport) or not report.failed:
        return
    names = ", ".join(o.name for o in report.failed)
    _warn(f"{count(len(report.failed), 'feed')} of {len(report.outcomes)} failed: {names}")


def left_out_text(digest: Digest) -> str:
    """ "3 pending items left out: 2 too old, 1 over a cap" from ``Digest.dropped``; ""
    when nothing was left out. A single reason goes without its count."""
    dropped = [(reason, n) for reason, n in digest.dropped if n > 0]
    total = sum(n for _reason, n in dropped)
    if not dropped:  # reasons not given: only how many
        skipped = len(digest.skipped_ids)
        why = "already told, too old, over a cap or filtered"
        return f"{count(skipped, 'pending item')} left out: {why}" if skipped else ""
    if len(dropped) == 1:
        reasons = dropped[0][0]
    else:
        reasons = ", ".join(f"{n} {reason}" for reason, n in dropped)
    return f"{count(total, 'pending item')} left out: {reasons}"


def _send_edition(config: Config, args: argparse.Namespace, edition: str) -> int:
    """``digest send --edition NAME`` for an edition other than the first."""
    from digest.copies import said
    from digest.pipeline import fetch_feeds, send_edition
    from digest.scheduler import note_failures

    now = _now()
    with open_store(config.database) as store:
        if not args.no_fetch:
            on_result, done = _progress(len(config.feeds))
            try:
                report = fetch_feeds(config, store, now, on_result=on_result)
            finally:
                done()
            note_failures(store, report, now)
            _report_fetch(report)
        result = send_edition(config, store, now, edition)
    if result.report is None:
        print(f"Nothing new for the {edition} edition: no issue sent.")
        return 0
    stories = count(len(result.digest.stories), "story", "stories")
    print(
        f'Sent the {edition} edition, "{result.subject}", with {stories} to'
        f" {said(result.report.delivered, config)}."
    )
    return 0


def _send_test(config: Config, args: argparse.Namespace) -> int:
    """``digest send --to ADDRESS``."""
    from digest.pipeline import send_test_copy
    from digest.scheduler import note_failures
    from digest.subscribers import normal_address

    address = normal_address(args.to)
    on_result, done = _progress(len(config.feeds))
    now = _now()
    try:
        with open_store(config.database) as store:

            def fetched(report: Any) -> None:
                done()
                note_failures(store, report, now)
                _report_fetch(report)

            result = send_test_copy(
                config,
                store,
                now,
                address,
                fetch=not args.no_fetch,
                on_result=on_result,
                on_fetched=fetched,
            )
    finally:
        done()
    stories = count(len(result.digest.stories), "story", "stories")
    where = f" (written to {config.delivery.outbox})" if config.delivery.method == "outbox" else ""
    print(f'Sent a test copy of "{result.subject}" with {stories} to {address}{where};')
    print("nothing was marked sent: the next digest still carries every story.")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from digest.pipeline import build_digest, fetch_feeds, render_digest
    from digest.scheduler import note_failures

    config = _config(args)
    on_result, done = _progress(len(config.feeds))
    with open_store(config.database, readonly=args.no_fetch) as store:  # --no-fetch writes nothing
        now = _now()
        report = None if args.no_fetch else fetch_feeds(config, store, now, on_result=on_result)
        done()
        if report:
            note_failures(store, report, now)
        digest = build_digest(config, store, now, report.failed if report else ())
    piped = Path("-") in (args.json, args.text)  # to stdout: everything else to stderr
    say = sys.stderr if piped else sys.stdout
    if report:
        _report_fetch(report, say)
    digest, rendered = render_digest(config, digest)
    stories = count(len(digest.stories), "story", "stories")
    try:
        if args.json:
            data = json.dumps(digest_json(digest, rendered.subject), ensure_ascii=False, indent=2)
            if piped:
                sys.stdout.write(data + "\n")
            else:
                _write(args.json, data)
                print(f"Wrote {args.json} ({stories}).")
        if args.text == Path("-"):
            sys.stdout.write(rendered.text)  # the text part to stdout, as --json - does
        elif args.text:
            _write(args.text, rendered.text)
            print(f"Wrote {args.text} (the text part).", file=say)
        if args.out or not args.json:
            out = args.out or Path("digest-preview.html")
            _write(out, rendered.html)
            print(f"Wrote {out} ({stories}): {rendered.subject}", file=say)
        left_out = left_out_text(digest)
        if left_out:
            print(f"{left_out[0].upper()}{left_out[1:]}.", file=say)
    except OSError as exc:
        raise UsageError(f"cannot write preview: {exc.strerror}: {exc.filename}") from None
    return 0


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _write_out(path: Path, text: str) -> None:
    """``--out FILE``: written, or a one-line error."""
    try:
        _write(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def digest_json(digest: Digest, subject: str = "") -> dict[str, Any]:
    """The digest as data for scripts and tests."""
    return {
        "title": digest.title,
        "subject": subject,
        "item_count": len(digest.stories),
        "created": digest.created.astimezone(ZoneInfo(digest.timezone)).isoformat(),
        "left_out": digest.left_out,
        # pending items not in this digest, by reason ("too old": 2), as send reports them
        "dropped": {reason: n for reason, n in digest.dropped if n > 0},
        "failed_feeds": [
            {"name": f.name, "url": shown_url(f.url), "error": f.error} for f in digest.failed_feeds
        ],
        "sections": [
            {
                "name": section.name,
                "left_out": section.left_out,
                "items": [
                    {
                        "title": story.title,
                        "link": story.link,
                        "source": story.source,
                        "published": _published(story.published, story.date_only),
                        "date_only": story.date_only,
                        "feed_url": shown_url(story.feed_url),
                        "blurb": story.blurb,
                        "image": story.image.url if story.image else None,
                        "also": [{"name": o.name, "link": o.link} for o in story.also],
                    }
                    for story in section.items
                ],
            }
            for section in digest.sections
        ],
    }


def _published(moment: datetime | None, date_only: bool) -> str | None:
    """A story's date for JSON: a day without a time as the day ("2026-11-25")."""
    if moment is None:
        return None
    return moment.date().isoformat() if date_only else moment.isoformat()


def cmd_fetch(args: argparse.Namespace) -> int:
    from digest.pipeline import fetch_feeds
    from digest.scheduler import note_failures

    config = _config(args)
    on_result, done = _progress(len(config.feeds))
    now = _now()
    try:
        with open_store(config.database) as store:
            report = fetch_feeds(config, store, now, on_result=on_result)
            note_failures(store, report, now)
    finally:
        done()
    _report_fetch(report)
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    from digest.pipeline import feed_name

    config = _config(args)
    with open_store(config.database, readonly=True) as store:
        states = store.feed_states()
    for feed in config.feeds:
        state = states.get(feed.url)
        last = (
            state.last_fetch.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
            if state and state.last_fetch
            else "never"
        )
        status = "ok" if state and state.last_fetch else "not fetched yet"
        if state and state.last_error:
            status = f"error: {state.last_error}"
            if state.gone and "not be fetched again" not in status:
                status += " (no longer fetched)"
            elif state.error_count > 1 and state.next_fetch:
                when = state.next_fetch.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
                status += f" (failed {state.error_count} times; backing off until {when})"
        if state and state.moved_to:
            status += f" (moved to {shown_url(state.moved_to)})"
        items = state.item_count if state else 0
        name = _safe(feed_name(feed, state), 80)  # the name blurbs accepts (feed_names)
        print(f"{name}\t{shown_url(feed.url)}\tlast fetch: {last}\titems: {items}\t{_safe(status)}")
    return 0


def feed_names(config: Config) -> list[tuple[str, str]]:
    """(name, url) of each configured feed, the name as ``digest feeds`` prints it: its
    name in config.yaml, else the feed's own title as last fetched, else its host."""
    from digest.pipeline import feed_name

    try:
        with open_store(config.database, readonly=True) as store:
            states = store.feed_states()
    except DigestError:  # the titles are a convenience here: names from config.yaml only
        states = {}
    return [(_safe(feed_name(feed, states.get(feed.url)), 80), feed.url) for feed in config.feeds]


def cmd_blurbs(args: argparse.Namespace) -> int:
    from digest.blurb import summarize
    from digest.config import feed_location, scheme_suggestion
    from digest.fetch import FetchLimits, FetchRequest, fetch_all
    from digest.fulltext import with_full_text
    from digest.parse import parse_feed
    from digest.pipeline import fetch_limits
    from digest.sanitize import leads_with_summary
    from digest.storytext import story_paragraphs

    path = config_path(args.config)
    config = load_config(path) if args.config or path.exists() else None
    limit = config.digest.blurb_chars if config else 300
    limits = fetch_limits(config) if config else FetchLimits()
    url = feed_location(args.feed, Path.cwd())
    names = feed_names(config) if config else []
    wanted = " ".join(args.feed.split()).casefold()
    named = next((u for name, u in names if name.casefold() == wanted), None)
    if named and not Path(args.feed).exists():  # a configured feed, by its name
        url = named
    elif suggestion := scheme_suggestion(args.feed, Path.cwd()):
        raise UsageError(f"{args.feed!r} has no scheme: did you mean {shown_url(suggestion)}?")
    if not url.lower().startswith(("http://", "https://", "file:")):
        raise UsageError(f"not a feed address: {shown_url(args.feed)} (use http(s) or a file)")
    if url.startswith("file:") and not Path(url.removeprefix("file://")).is_file():
        shown = ", ".join(repr(name) for name in dict.fromkeys(n for n, _u in names))[:200]
        hint = f" (or the name of a configured feed: {shown})" if shown else ""
        raise UsageError(f"no such feed file: {args.feed}{hint}")
    own = next((f for f in config.feeds if f.url == url), None) if config else None
    request = FetchRequest(url, configured=True, credentials=own.credentials if own else None)
    result = fetch_all([request], limits)[0]
    if result.status != "ok":
        raise DigestError(f"cannot fetch {shown_url(args.feed)}: {result.error}")
    entries = parse_feed(result.body, url, result.content_type).entries
    if config and any(f.url == url and f.full_text for f in config.feeds):
        entries = tuple(with_full_text(entries, limits))
    if not entries:
        print(f"{shown_url(args.feed)}: the feed has no items.")
    for entry in entries:
        blurb = _safe(
            summarize(
                story_paragraphs(entry.html),
                entry.title,
                limit,
                entry.categories,
                summary=leads_with_summary(entry.html),
            ),
            limit + 1,
        )
        print(_safe(entry.title) or "(untitled)")
        print(f"  {blurb}" if blurb else "  (no blurb: the item carries no text)")
        print()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from digest.scheduler import problems, status_lines

    config = _config(args)
    with open_store(config.database, readonly=True) as store:
        if args.check:
            found = problems(config, store, _now())
            for line in found:
                print(f"digest: {_safe(line, 500)}")
            if not found:
                print("OK")
            return 1 if found else 0
        for line in status_lines(config, store, _now()):
            # made safe piece by piece: the runs of spaces that align the lines stay
            print("".join(_safe(p) if p.strip() else p for p in re.split(r"( {2,})", line)))
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from datetime import timedelta

    config = _config(args)
    with open_store(config.database) as store:
        removed = store.prune(
            _now() - timedelta(days=config.store.keep_days), [f.url for f in config.feeds]
        )
    days = count(int(config.store.keep_days), "day")
    print(f"Pruned {count(removed, 'item')} handled and not in their feed for {days}.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from digest.scheduler import run_daemon

    return run_daemon(config_path(args.config), _config(args))


def cmd_copy_database(args: argparse.Namespace) -> int:
    from digest.config import database_setting
    from digest.locks import send_lock
    from digest.store import SQLStore, copy_store

    config = _config(args)
    try:  # the target as database: would read it (a URL, or a file from here)
        target = database_setting(args.target)
    except ValueError as exc:
        raise UsageError(f"TARGET: {exc}") from None
    if target == config.database:
        raise UsageError("TARGET is this config's own database")
    with (
        send_lock(config.database),
        open_store(config.database) as source,
        open_store(target) as into,
    ):
        assert isinstance(source, SQLStore) and isinstance(into, SQLStore)
        copied = copy_store(source, into)
    nouns = {
        "feeds": ("feed", "feeds"),
        "items": ("item", "items"),
        "digests": ("digest", "digests"),
        "deliveries": ("delivery", "deliveries"),
        "resends": ("copy to send again", "copies to send again"),
        "state": ("setting", "settings"),
        "subscribers": ("subscriber", "subscribers"),
        "issues": ("archived issue", "archived issues"),
    }
    said = ", ".join(count(n, *nouns[table]) for table, n in copied.items() if n)
    print(f"Copied {said or 'nothing (the database is empty)'}.")
    print(f"Next: set database: {args.target} in {config.path}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from digest.tasks import run_worker

    return run_worker(config_path(args.config), _config(args))


def cmd_check(args: argparse.Namespace) -> int:
    from digest.check import problems

    config = _config(args)  # a config that does not load is the first problem (exit 2)
    found = problems(config)
    for line in found:
        print(f"digest: {_safe(line, 500)}")
    if found:
        return 1
    from digest.postgres import describe

    where = describe(config.database) if isinstance(config.database, str) else config.database
    tried = [f"the database {where} opens", count(len(config.feeds), "feed") + " read"]
    if config.workers is not None:
        tried.insert(1, "the task queue is there")
    if config.delivery.method == "smtp":
        smtp = config.delivery.smtp
        tried.append(f"SMTP {smtp.host}:{smtp.port} ({smtp.security}) takes a connection")
    if config.delivery.dkim:
        tried.append("the DKIM key loads")
    print(f"OK: {config.path} loads, " + ", ".join(tried) + ".")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from importlib.resources import files

    path: Path = args.path or args.config or Path("config.yaml")
    if path.is_dir():
        path = path / "config.yaml"
    starter = files("digest").joinpath("starter.yaml").read_text(encoding="utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:  # never over an existing file
            out.write(starter)
    except FileExistsError:
        raise UsageError(f"{path} exists: digest init never overwrites a config") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    load_config(path)  # what it wrote is a valid config
    config = f" --config {path}" if path.resolve() != Path("config.yaml").resolve() else ""
    print(f"Wrote {path}. Next:")
    print(f"  1. replace its three example feeds with yours (or: digest{config} import FILE.opml)")
    print(f"  2. digest{config} preview    # the digest as an HTML file, nothing sent")
    print(f"  3. digest{config} send       # written to the outbox folder; set delivery to mail it")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from digest.web import serve

    serve(_config(args))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from digest.opml import import_opml

    path = config_path(args.config)
    added = import_opml(path, args.opml)
    print(f"Added {added} feeds to {path}.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from digest.opml import export_opml

    text = export_opml(_config(args))
    if args.out:
        _write_out(args.out, text)
        print(f"Wrote {args.out}.")
    else:
        sys.stdout.write(text)
    return 0


def cmd_subscribers(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from digest import subscribers as readers
    from digest.models import Subscriber

    config = _config(args)
    known = readers.section_names(config)
    editions = [e.name for e in config.all_editions]
    now = _now()
    if args.action == "list":
        with open_store(config.database, readonly=True) as store:
            everyone = store.subscribers()
        for s in everyone:
            reads = ", ".join(s.sections) or "all sections"
            print("\t".join(_safe(field) for field in (s.email, s.status, s.edition, reads)))
        if not everyone:
            print("No subscribers yet (digest subscribers add EMAIL).")
        return 0
    if args.action == "export":
        with open_store(config.database, readonly=True) as store:
            text = readers.write_csv(store.subscribers())
        if args.out:
            _write_out(args.out, text)
            print(f"Wrote {count(text.count(chr(10)) - 1, 'subscriber')} to {args.out}.")
        else:
            sys.stdout.write(text)
        return 0
    with open_store(config.database) as store:
        if args.action == "add":
            email = readers.normal_address(args.email)
            edition = readers.edition_name(args.edition, editions)
            sections = readers.chosen_sections(args.sections, known)
            before = store.subscriber(email=email)
            reader = (
                replace(before, status="active", edition=edition, sections=sections)
                if before
                else Subscriber(email, readers.new_token(), "active", edition, sections)
            )
            store.save_subscriber(reader, now)
            what = ", ".join(sections) or "all sections"
            print(f"{'Changed' if before else 'Added'} {email} ({edition}, {what}).")
        elif args.action == "remove":
            email = readers.normal_address(args.email)
            if not store.remove_subscriber(email):
                raise UsageError(f"no subscriber {email}")
            print(f"Removed {email}.")
        else:  # import
            try:
                text = args.csv.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read {args.csv}: {exc}") from None
            rows, done = readers.read_csv(text, known, store.subscribers(), now, editions)
            for reader in rows:
                store.save_subscriber(reader, now)
            for reason in done.skipped:
                print(_safe(f"skipped {reason}", 1000), file=sys.stderr)
            print(
                f"Imported {args.csv}: {count(done.added, 'subscriber')} added,"
                f" {done.changed} changed, {len(done.skipped)} skipped."
            )
            if done.skipped:
                return 1  # the rest is in; a script must still tell a partial import
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "check": cmd_check,
    "send": cmd_send,
    "preview": cmd_preview,
    "fetch": cmd_fetch,
    "feeds": cmd_feeds,
    "blurbs": cmd_blurbs,
    "status": cmd_status,
    "prune": cmd_prune,
    "run": cmd_run,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "copy-database": cmd_copy_database,
    "import": cmd_import,
    "export": cmd_export,
    "subscribers": cmd_subscribers,
}
