"""Benchmark: ``digest fetch`` against rss2email and lemon24/reader on the same feeds.

    .venv/bin/python bench/fetch.py --feeds 200 --items 20

1. Generates N feeds of M items each (2-5 KB of HTML per item; RSS 2.0 with
   content:encoded, RSS 2.0 with an escaped description, Atom 1.0 with escaped
   HTML content; a few feeds carry an undeclared ``&nbsp;`` as real feeds do).
2. Serves them on 127.0.0.1 from a separate process (asyncio, keep-alive,
   answers from memory; ETag, Last-Modified, 304, gzip when asked).
3. Runs each tool cold (fresh database) and warm (every feed answers 304):
   ``digest fetch`` through its real CLI on a generated config.yaml; reader's
   ``update_feeds(scheduled=False)`` (forced: every feed is requested) and
   rss2email's ``r2e run`` in digest mode, both from a throwaway virtualenv
   this script makes under the cache folder (never as project dependencies).
4. Prints wall time, CPU time and memory with the ratios to ``digest``.

Each measured command runs under a small supervisor process that is a child
subreaper, so every process the tool starts (a forkserver and its workers
included) is reaped by it and counted: CPU is user+sys of the whole tree,
"max RSS" is the largest single process (ru_maxrss), "tree RSS" and "tree PSS"
are the peaks of the summed RSS and PSS of all its processes, sampled every
10 and 50 ms (PSS splits shared pages between processes: the memory really used).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import email.utils
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "digest-bench"
OTHERS = ("reader==3.26", "rss2email==3.14", "sgmllib3k")
WORDS = (
    "the council festival review premiere harbour library budget season archive election "
    "museum river orchestra critic garden market theatre novel bridge station winter "
    "summer teacher village factory island science planet engine column letter report "
    "mayor street film music record rain city story night morning history future"
).split()
LAST_MODIFIED = "Wed, 04 Nov 2026 10:00:00 GMT"


# --- the workload -----------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 18))
    return " ".join(words).capitalize() + "."


def _html(rng: random.Random, size: int, feed: int, item: int) -> str:
    """About *size* bytes of article HTML with links, an image, a quote, a list."""
    parts = [
        f'<p><img src="/img/{feed}/{item}.jpg" alt="photo" width="640" height="360"></p>',
    ]
    length = len(parts[0])
    while length < size:
        kind = rng.random()
        if kind < 0.1:
            chunk = f"<blockquote><p>{_sentence(rng)}</p></blockquote>"
        elif kind < 0.2:
            chunk = "<ul>" + "".join(f"<li>{_sentence(rng)}</li>" for _ in range(3)) + "</ul>"
        elif kind < 0.35:
            chunk = (
                f'<p>{_sentence(rng)} <a href="/story/{rng.randint(1, 9999)}">{rng.choice(WORDS)}'
                f'</a> and <a href="https://other.example.net/{rng.randint(1, 99)}?utm_source=rss"'
                f' style="color:red" onclick="x()">more</a>. {_sentence(rng)}</p>'
            )
        else:
            chunk = "<p>" + " ".join(_sentence(rng) for _ in range(rng.randint(2, 5))) + "</p>"
        parts.append(chunk)
        length += len(chunk)
    return "".join(parts)


def _item_fields(rng: random.Random, feed: int, item: int, base: str) -> dict[str, str]:
    published = 1_793_000_000 - feed * 17 - item * 3600
    title = " ".join(rng.choices(WORDS, k=rng.randint(4, 9))).capitalize()
    if feed % 7 == 0:
        title += " & more"
    return {
        "title": title,
        "link": f"{base}story/{feed}-{item}",
        "guid": f"{base}story/{feed}-{item}",
        "date": email.utils.formatdate(published, usegmt=True),
        "iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(published)),
        "html": _html(rng, rng.randint(2000, 5000), feed, item),
        "summary": _sentence(rng) + " " + _sentence(rng),
        "author": rng.choice(["Ana Lima", "Ben Ng", "Chloé Martin", "Dara Okafor"]),
        "tags": ",".join(rng.sample(["culture", "news", "film", "books", "music", "world"], 2)),
    }


def make_feed(feed: int, items: int) -> bytes:
    """One feed document; the format depends on the feed number."""
    rng = random.Random(feed)
    base = f"https://site{feed}.example.org/"
    fields = [_item_fields(rng, feed, i, base) for i in range(items)]
    kind = feed % 8
    messy = feed % 50 == 49  # an undeclared entity: not well-formed XML, as in the wild
    if kind in (0, 1):
        doc = _atom(feed, base, fields)
    elif kind == 2:
        doc = _rss(feed, base, fields, content=False)
    else:
        doc = _rss(feed, base, fields, content=True)
    if messy:
        doc = doc.replace(" &amp; more", "&nbsp;&amp; more", 1)
        doc = doc.replace("<title>", "<title>Breaking:&nbsp;", 2)
    return doc.encode("utf-8")


def _rss(feed: int, base: str, fields: Sequence[dict[str, str]], *, content: bool) -> str:
    items = []
    for f in fields:
        tags = "".join(f"<category>{t}</category>" for t in f["tags"].split(","))
        if content:
            body = (
                f"<description>{escape(f['summary'])}</description>"
                f"<content:encoded><![CDATA[{f['html']}]]></content:encoded>"
            )
        else:
            body = f"<description>{escape(f['html'])}</description>"
        items.append(
            f"<item><title>{escape(f['title'])}</title><link>{f['link']}</link>"
            f'<guid isPermaLink="true">{f["guid"]}</guid><pubDate>{f["date"]}</pubDate>'
            f"<dc:creator>{escape(f['author'])}</dc:creator>{tags}{body}</item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>'
        f"<title>Site {feed} news</title><link>{base}</link>"
        f"<description>Stories from site {feed}</description><language>en</language>\n"
        + "".join(items)
        + "</channel></rss>\n"
    )


def _atom(feed: int, base: str, fields: Sequence[dict[str, str]]) -> str:
    entries = []
    for f in fields:
        tags = "".join(f'<category term="{t}"/>' for t in f["tags"].split(","))
        entries.append(
            f'<entry><title type="text">{escape(f["title"])}</title>'
            f'<link rel="alternate" type="text/html" href="{f["link"]}"/>'
            f"<id>{f['guid']}</id><published>{f['iso']}</published>"
            f"<updated>{f['iso']}</updated><author><name>{escape(f['author'])}</name></author>"
            f"{tags}<summary>{escape(f['summary'])}</summary>"
            f'<content type="html">{escape(f["html"])}</content></entry>\n'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}">\n'
        f'<title>Site {feed} journal</title><link rel="alternate" href="{base}"/>'
        f"<id>{base}</id><updated>{fields[0]['iso'] if fields else '2026-11-04T10:00:00Z'}"
        "</updated>\n" + "".join(entries) + "</feed>\n"
    )


def write_workload(folder: Path, feeds: int, items: int) -> int:
    """Write feeds/0000.xml ... into *folder*; returns the total size in bytes."""
    target = folder / "feeds"
    target.mkdir(parents=True, exist_ok=True)
    total = 0
    for n in range(feeds):
        body = make_feed(n, items)
        (target / f"{n:04d}.xml").write_bytes(body)
        total += len(body)
    return total


# --- the server (a separate process) ---------------------------------------------------


@dataclass
class Doc:
    """One document the server answers with, its validators and its gzip form."""

    body: bytes
    gzipped: bytes
    etag: str


def _load_docs(folder: Path) -> dict[str, Doc]:
    docs = {}
    for path in sorted((folder / "feeds").glob("*.xml")):
        body = path.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        docs[f"/feeds/{path.name}"] = Doc(body, gzip.compress(body, 6), etag)
    return docs


async def _serve(folder: Path, port_file: Path, hosts: int = 1) -> None:
    docs = _load_docs(folder)
    stats = {"200": 0, "304": 0, "404": 0, "gzip": 0}

    def answer(path: str, headers: dict[str, str]) -> bytes:
        if path == "/__stats":
            body = json.dumps(stats).encode()
            return _response("200 OK", {"Content-Type": "application/json"}, body)
        if path == "/__reset":
            for key in stats:
                stats[key] = 0
            return _response("200 OK", {}, b"")
        doc = docs.get(path)
        if doc is None:
            stats["404"] += 1
            return _response("404 Not Found", {"Content-Type": "text/plain"}, b"not found")
        validators = {"ETag": doc.etag, "Last-Modified": LAST_MODIFIED}
        match = headers.get("if-none-match")
        since = headers.get("if-modified-since")
        if (match is not None and doc.etag in match) or (match is None and since == LAST_MODIFIED):
            stats["304"] += 1
            return _response("304 Not Modified", validators, b"", length=False)
        stats["200"] += 1
        extra = {"Content-Type": "application/xml; charset=utf-8", **validators}
        if "gzip" in headers.get("accept-encoding", ""):
            stats["gzip"] += 1
            extra["Content-Encoding"] = "gzip"
            extra["Vary"] = "Accept-Encoding"
            return _response("200 OK", extra, doc.gzipped)
        return _response("200 OK", extra, doc.body)

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 2 else "/"
                headers = {}
                for line in lines[1:]:
                    key, _, value = line.partition(":")
                    headers[key.strip().lower()] = value.strip()
                writer.write(answer(path.split("?")[0], headers))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    # One listener on each of 127.0.0.1, 127.0.0.2, …: as many hosts (the whole of
    # 127.0.0.0/8 is this machine's loopback on Linux).
    servers = [
        await asyncio.start_server(client, f"127.0.0.{n}", 0, backlog=1024)
        for n in range(1, hosts + 1)
    ]
    ports = [server.sockets[0].getsockname()[1] for server in servers]
    port_file.write_text(" ".join(map(str, ports)))
    await asyncio.gather(*(server.serve_forever() for server in servers))


def _response(status: str, headers: dict[str, str], body: bytes, length: bool = True) -> bytes:
    head = [f"HTTP/1.1 {status}", "Server: bench"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    if length:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


@contextlib.contextmanager
def feed_server(folder: Path) -> Iterator[str]:
    """Run the server in its own process; yields its base URL."""
    with feed_servers(folder, 1) as [base]:
        yield base


@contextlib.contextmanager
def feed_servers(folder: Path, hosts: int) -> Iterator[list[str]]:
    """Run the server in its own process, on *hosts* loopback addresses; yields their
    base URLs (its statistics count them all)."""
    port_file = folder / "port"
    port_file.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(folder), str(hosts)])
    try:
        deadline = time.monotonic() + 120
        while not port_file.exists() or not port_file.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench: the feed server did not start")
            time.sleep(0.05)
        ports = port_file.read_text().split()
        yield [f"http://127.0.0.{n}:{port}" for n, port in enumerate(ports, start=1)]
    finally:
        proc.terminate()
        proc.wait(10)


def server_stats(base: str, reset: bool = False) -> dict[str, int]:
    """The server's response counts since the last reset."""
    import urllib.request

    with urllib.request.urlopen(base + ("/__reset" if reset else "/__stats"), timeout=10) as r:
        data = r.read()
    return json.loads(data) if data else {}


# --- measuring a command -----------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """What one command cost."""

    wall: float
    cpu: float
    max_rss_mb: float
    tree_rss_mb: float
    tree_pss_mb: float
    code: int
    output: str


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def _tree_rss(pids: Sequence[int]) -> int:
    """Summed RSS (bytes) of *pids*, from statm: cheap enough to read every 10 ms."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * page
        except OSError:
            continue
    return total


def _tree_pss(pids: Sequence[int]) -> int:
    """Summed PSS (bytes) of *pids*: a page shared by two processes counts half in each.

    smaps_rollup walks the page tables of the process, so it is read less often.
    """
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def supervise(command: Sequence[str], out_file: Path) -> int:
    """Run *command* as a subreaper; write its whole tree's costs to *out_file* as JSON."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans of the tool come to us
    peak_rss = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        ticks = 0
        while not done.wait(0.01):
            pids = _descendants(os.getpid())
            peak_rss = max(peak_rss, _tree_rss(pids))
            ticks += 1
            if ticks % 5 == 0:
                peak_pss = max(peak_pss, _tree_pss(pids))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    with open(out_file.with_suffix(".log"), "wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        code = proc.wait()
    wall = time.perf_counter() - start
    while True:  # reap the orphans (a forkserver, its workers) so their usage is counted
        try:
            os.wait()
        except ChildProcessError:
            break
    done.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out_file.write_text(
        json.dumps(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "max_rss_mb": usage.ru_maxrss / 1024,
                "tree_rss_mb": peak_rss / 2**20,
                "tree_pss_mb": peak_pss / 2**20,
                "code": code,
            }
        )
    )
    return 0


def measure(command: Sequence[str], work: Path, label: str) -> Measure:
    """Run *command* under the supervisor and return what it cost."""
    out = work / f"measure-{label}.json"
    subprocess.run([sys.executable, __file__, "--supervise", str(out), "--", *command], check=True)
    data = json.loads(out.read_text())
    output = out.with_suffix(".log").read_text(errors="replace")
    return Measure(output=output, **data)


# --- the tools ---------------------------------------------------------------------------


def compile_digest() -> None:
    """Byte-compile digest's modules, as pip did for reader and rss2email at install time.

    digest is installed editable here: its modules are compiled on first import, and not
    at all where PYTHONDONTWRITEBYTECODE is set (then every run would compile them all
    again, about 25 ms, and that is not what a user's run costs).
    """
    import compileall

    compileall.compile_dir(ROOT / "digest", quiet=1)


def digest_command() -> list[str]:
    """The real ``digest`` console script of this checkout's environment."""
    script = Path(sys.executable).parent / "digest"
    return [str(script)] if script.exists() else [sys.executable, "-m", "digest"]


def digest_setup(
    work: Path,
    urls: Sequence[str],
    *,
    name: str = "digest",
    database: str = "digest.sqlite3",
    extra: Sequence[str] = (),
) -> Path:
    """A config.yaml for the feeds with a fresh database (*database*; *extra* lines of
    YAML besides) in the folder *name* of *work*; returns its path."""
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = [
        "title: Bench",
        "timezone: UTC",
        f'database: "{database}"',
        *extra,
        "delivery:",
        "  method: outbox",
        "  outbox: outbox",
        "feeds:",
        *(f"  - url: {url}" for url in urls),
    ]
    config = folder / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    return config


def digest_items(config: Path) -> int:
    """How many items digest stored."""
    with contextlib.closing(sqlite3.connect(config.parent / "digest.sqlite3")) as db:
        return int(db.execute("SELECT count(*) FROM items").fetchone()[0])


def others_venv(cache: Path) -> Path:
    """A throwaway virtualenv with reader and rss2email; made once, reused by version."""
    key = hashlib.sha1(" ".join(OTHERS).encode() + sys.version.encode()).hexdigest()[:10]
    venv = cache / f"venv-{key}"
    python = venv / "bin" / "python"
    if not (venv / "ok").exists():
        shutil.rmtree(venv, ignore_errors=True)
        print(f"bench: making {venv} with {', '.join(OTHERS)} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *OTHERS],
            check=True,
        )
        (venv / "ok").write_text("")
    return python


READER_SETUP = """
import sys
from reader import make_reader
reader = make_reader(sys.argv[1])
for url in open(sys.argv[2]).read().split():
    reader.add_feed(url, exist_ok=True)
reader.close()
"""

READER_UPDATE = """
import sys
from reader import make_reader
reader = make_reader(sys.argv[1])
reader.update_feeds(scheduled=False, workers=int(sys.argv[2]))  # forced: every feed
print("entries", reader.get_entry_counts().total)
reader.close()
"""


def reader_setup(work: Path, python: Path, urls: Sequence[str], workers: int) -> list[str]:
    """A fresh reader database with the feeds added; returns the update command."""
    folder = work / f"reader-{workers}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "urls.txt").write_text("\n".join(urls))
    (folder / "setup.py").write_text(READER_SETUP)
    (folder / "update.py").write_text(READER_UPDATE)
    db = folder / "reader.sqlite"
    subprocess.run([str(python), folder / "setup.py", db, folder / "urls.txt"], check=True)
    return [str(python), str(folder / "update.py"), str(db), str(workers)]


def rss2email_setup(work: Path, python: Path, urls: Sequence[str]) -> list[str]:
    """An rss2email config in digest mode mailing through a sendmail that drops the message."""
    folder = work / "rss2email"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sendmail = folder / "sendmail"
    sendmail.write_text("#!/bin/sh\ncat > /dev/null\n")
    sendmail.chmod(0o755)
    config, data = folder / "rss2email.cfg", folder / "rss2email.json"
    r2e = str(python.parent / "r2e")
    subprocess.run(
        [r2e, "-c", config, "-d", data, "new", "reader@example.org"],
        check=True,
        capture_output=True,
    )
    text = config.read_text()
    text = text.replace("digest = False", "digest = True")
    text = text.replace("email-protocol = sendmail", "email-protocol = sendmail")
    text = text.replace("sendmail = /usr/sbin/sendmail", f"sendmail = {sendmail}")
    feeds = "".join(f"\n[feed.f{n:04d}]\nurl = {url}\n" for n, url in enumerate(urls))
    config.write_text(text + feeds)
    return [r2e, "-c", str(config), "-d", str(data), "run"]


# --- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    tool: str
    run: str
    cost: Measure
    note: str


def run_pair(
    name: str, command: Sequence[str], work: Path, base: str, label: str
) -> tuple[Row, Row]:
    """The cold run then the warm run of one tool."""
    rows = []
    for run in ("cold", "warm"):
        server_stats(base, reset=True)
        cost = measure(command, work, f"{label}-{run}")
        stats = server_stats(base)
        note = f"{stats['200']}×200 {stats['304']}×304"
        if cost.code:
            note += f" EXIT {cost.code}: {cost.output.strip().splitlines()[-1:]}"
        rows.append(Row(name, run, cost, note))
        print(f"  {name} {run}: {cost.wall:.2f} s ({note})", file=sys.stderr)
    return rows[0], rows[1]


def table(rows: Sequence[Row], feeds: int, items: int, size: int) -> str:
    """The results as a Markdown table with ratios to digest's run of the same kind."""
    ours = {r.run: r.cost for r in rows if r.tool == "digest fetch"}
    out = [
        f"{feeds} feeds × {items} items ({size / 1e6:.1f} MB), served on 127.0.0.1; "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}; load average at the end "
        f"{os.getloadavg()[0]:.2f}",
        "",
        "| tool | run | wall s | CPU s | max RSS MB | tree RSS MB | tree PSS MB | wall ÷ digest"
        " | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        c = r.cost
        mine = ours.get(r.run)
        ratio = f"{c.wall / mine.wall:.1f}×" if mine and mine.wall else "-"
        out.append(
            f"| {r.tool} | {r.run} | {c.wall:.2f} | {c.cpu:.2f} | {c.max_rss_mb:.0f} | "
            f"{c.tree_rss_mb:.0f} | {c.tree_pss_mb:.0f} | {ratio} | {r.note} |"
        )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run the benchmark (or one of its helper roles)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--serve"]:
        hosts = int(argv[2]) if len(argv) > 2 else 1
        asyncio.run(_serve(Path(argv[1]), Path(argv[1]) / "port", hosts))
        return 0
    if argv[:1] == ["--supervise"]:
        return supervise(argv[3:], Path(argv[1]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200, help="number of feeds (N)")
    parser.add_argument("--items", type=int, default=20, help="items per feed (M)")
    parser.add_argument(
        "--tools",
        default="digest,reader,rss2email",
        help="comma-separated: digest, reader, rss2email",
    )
    parser.add_argument(
        "--reader-workers", default="1", help="comma-separated worker counts for reader"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each tool; the fastest is shown"
    )
    parser.add_argument(
        "--workers",
        default="",
        help="comma-separated worker counts: digest fetch alone (SQLite, then PostgreSQL)"
        " beside digest worker processes on a throwaway PostgreSQL (see bench/scale.py)",
    )
    parser.add_argument(
        "--hosts", type=int, default=64, help="with --workers: loopback hosts the feeds are on"
    )
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the venv is kept")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    if args.workers:
        import importlib.util

        # bench/scale.py, loaded by its path (bench/ is a folder of scripts, not a package);
        # it is handed this module for the workload, the server and the digest command.
        spec = importlib.util.spec_from_file_location("scale", Path(__file__).with_name("scale.py"))
        assert spec and spec.loader
        scale = sys.modules["scale"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(scale)
        counts = [int(w) for w in args.workers.split(",") if w.strip()]
        here = sys.modules[__name__]
        return int(
            scale.run_scale(
                here, args.feeds, args.items, args.hosts, counts, args.repeat, args.keep
            )
        )
    tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    work = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    try:
        size = write_workload(work, args.feeds, args.items)
        print(f"bench: {args.feeds} feeds, {size / 1e6:.1f} MB in {work}", file=sys.stderr)
        python = others_venv(args.cache) if tools & {"reader", "rss2email"} else None
        rows: list[Row] = []
        with feed_server(work) as base:
            urls = [f"{base}/feeds/{n:04d}.xml" for n in range(args.feeds)]
            for _ in range(args.repeat):
                rows += run_tools(tools, work, base, urls, python, args.reader_workers)
        rows = best_of(rows)
        print(table(rows, args.feeds, args.items, size))
    finally:
        if args.keep:
            print(f"bench: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def run_tools(
    tools: set[str], work: Path, base: str, urls: Sequence[str], python: Path | None, workers: str
) -> list[Row]:
    """One cold and one warm run of each tool, each cold run on a fresh database."""
    rows: list[Row] = []
    if "digest" in tools:
        compile_digest()
        config = digest_setup(work, urls)
        command = [*digest_command(), "--config", str(config), "fetch"]
        cold, warm = run_pair("digest fetch", command, work, base, "digest")
        rows += [_with_items(cold, digest_items(config)), warm]
    if "reader" in tools and python:
        for count in (int(w) for w in workers.split(",")):
            command = reader_setup(work, python, urls, count)
            name = f"reader update_feeds(workers={count}, scheduled=False)"
            rows += run_pair(name, command, work, base, f"reader{count}")
    if "rss2email" in tools and python:
        command = rss2email_setup(work, python, urls)
        rows += run_pair("rss2email run (digest)", command, work, base, "r2e")
    return rows


def best_of(rows: Sequence[Row]) -> list[Row]:
    """For each tool and run, the repetition with the shortest wall time (others share the
    machine: the minimum is the least disturbed), in first-seen order."""
    best: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row.tool, row.run)
        if key not in best or row.cost.wall < best[key].cost.wall:
            best[key] = row
    return list(best.values())


def _with_items(row: Row, count: int) -> Row:
    return Row(row.tool, row.run, row.cost, f"{row.note}; {count} items stored")


if __name__ == "__main__":
    sys.exit(main())
