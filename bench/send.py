"""Sending to many subscribers: `digest send` to N readers of ~20 section choices.

    .venv/bin/python bench/send.py [--subscribers 10000] [--floor]

What it does, in one run:

1. Writes a config with six sections and feeds (local files) of 48 stories, and adds
   SUBSCRIBERS readers, each with one of 20 section choices (seeded, so runs compare);
   ``web:`` is set, so every copy carries the reader's own signed links.
2. Starts a local SMTP server in a process of its own (aiosmtpd, accepting and dropping
   every message), so the server is not what is measured.
3. Fetches once, then times ``digest send --no-fetch`` (the real console script): wall
   time, CPU, and the peak RSS of the sending process.
4. With ``--floor``, the floor to compare with: a bare smtplib loop sending one message
   of the same size to the same server as many times, over one connection.

Half the readers are on a daily edition (with delivery.to), half on a weekly one; both
issues are sent and timed, one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["Culture", "News", "Science", "Sport", "Business", "Travel"]
STORIES = 48
CHOICES = 20

SINK = """
import sys, time
from aiosmtpd.controller import Controller

class Drop:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

controller = Controller(Drop(), hostname="127.0.0.1", port=int(sys.argv[1]), data_size_limit=0)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_feeds(folder: Path) -> list[str]:
    now = datetime.now(UTC)
    paragraph = "<p>" + "A sentence of the story that says what happened and why. " * 6 + "</p>"
    urls = []
    for f, section in enumerate(SECTIONS):
        items = []
        for n in range(STORIES // len(SECTIONS)):
            when = format_datetime(now - timedelta(hours=n + f))
            link = f"https://{section.lower()}.example.org/{n}"
            items.append(
                f"<item><title>{section} story {n}: a headline of some length</title>"
                f"<link>{link}</link><guid>{link}</guid><pubDate>{when}</pubDate>"
                f"<category>{section}</category><description><![CDATA[{paragraph * 3}]]>"
                "</description></item>"
            )
        path = folder / f"{section.lower()}.xml"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{section} Daily</title><link>https://{section.lower()}.example.org/</link>"
            f"{''.join(items)}</channel></rss>",
            encoding="utf-8",
        )
        urls.append(path.as_uri())
    return urls


def write_config(folder: Path, urls: list[str], port: int) -> None:
    config = {
        "title": "Bench Digest",
        "feeds": [{"url": u} for u in urls],
        "sections": [{"name": s, "categories": [s]} for s in SECTIONS],
        "digest": {"max_age_days": 0, "max_items_per_feed": 0, "max_items_per_section": 8},
        "delivery": {
            "method": "smtp",
            "from": "Bench <bench@example.org>",
            "to": ["editor@example.org"],
            "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 30},
        },
        "web": {"base_url": "https://digest.example.org"},
        "editions": [
            {"name": "daily", "schedule": "0 7 * * *"},
            {"name": "weekly", "schedule": "0 8 * * mon"},
        ],
    }
    (folder / "config.yaml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML


def add_subscribers(folder: Path, count: int) -> int:
    sys.path.insert(0, str(ROOT))
    from digest.models import Subscriber
    from digest.store import open_store
    from digest.subscribers import new_token

    rng = random.Random(12)
    choices = [()] + [
        tuple(sorted(rng.sample(SECTIONS, rng.randint(1, 4)))) for _ in range(CHOICES - 1)
    ]
    now = datetime.now(UTC)
    with open_store(folder / "digest.sqlite3") as store:
        for n in range(count):
            sections = choices[n % len(choices)]
            edition = "weekly" if n % 2 else "daily"
            store.save_subscriber(
                Subscriber(f"reader{n}@example.org", new_token(), "active", edition, sections), now
            )
    return len(set(choices))


# Runs a command and reports its own resource use alone (RUSAGE_CHILDREN of this wrapper
# holds only that command, not the bench's earlier children).
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - started
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, use.ru_utime + use.ru_stime, use.ru_maxrss / 1024, file=sys.stderr)
sys.exit(code)
"""


def run(cmd: list[str], folder: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of *cmd* and what it starts."""
    env = {**os.environ, "DIGEST_SECRET": "bench-signing-key", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], cwd=folder, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    wall, cpu, rss = (float(v) for v in proc.stderr.strip().splitlines()[-1].split())
    return wall, cpu, rss


def floor(port: int, count: int, size: int) -> float:
    """Messages a second a bare smtplib loop sends of one *size*-byte message."""
    body = ("x" * 76 + "\r\n") * (size // 78)
    message = f"From: a@example.org\r\nTo: b@example.org\r\nSubject: floor\r\n\r\n{body}"
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for n in range(count):
            client.sendmail("a@example.org", [f"reader{n}@example.org"], message)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--floor", action="store_true", help="also time a bare smtplib loop")
    args = parser.parse_args()
    digest = str(Path(sys.executable).parent / "digest")
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert sink.stdout is not None and sink.stdout.readline().strip() == b"ready"
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_config(folder, write_feeds(folder), port)
            run([digest, "fetch"], folder)
            variants = add_subscribers(folder, args.subscribers)
            daily = run([digest, "send", "--no-fetch"], folder)
            weekly = run([digest, "send", "--edition", "weekly", "--no-fetch"], folder)
            print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
            print("| run | readers | section choices | wall s | CPU s | peak RSS MB | per s |")
            print("|---|---|---|---|---|---|---|")
            halves = {"daily": (args.subscribers + 1) // 2 + 1, "weekly": args.subscribers // 2}
            total = 0.0
            for name, (wall, cpu, rss) in (("daily", daily), ("weekly", weekly)):
                readers = halves[name]
                total += wall
                print(
                    f"| digest send, {name} edition | {readers:,} | {variants} | {wall:.1f}"
                    f" | {cpu:.1f} | {rss:.0f} | {readers / wall:.0f} |"
                )
            everyone = args.subscribers + 1  # and delivery.to
            print(
                f"| both editions | {everyone:,} | {variants} × 2 | {total:.1f} | | | "
                f"{everyone / total:.0f} |"
            )
            if args.floor:
                rate = floor(port, args.subscribers, 30_000)
                print(
                    f"| bare smtplib, 30 KB | {args.subscribers:,} | 1 | "
                    f"{args.subscribers / rate:.1f} | | | {rate:.0f} |"
                )
    finally:
        if sink.stdin:
            sink.stdin.close()
        sink.wait(timeout=10)


if __name__ == "__main__":
    main()
