#!/usr/bin/env python3
"""Screenshots of the example digest at 600 and 375 px, for the README.

Runs ``digest preview`` on a copy of config.yaml and examples/ (the real
pipeline and templates, offline), then photographs the HTML it wrote in the
system Chromium through Playwright (``pip install -e '.[test]'`` brings
Playwright; Chromium is Debian's ``chromium``, installed by
``.ci/email-tools.sh``; ``playwright install`` is never needed).

The example feeds' thumbnails point at hosts that do not exist, and nothing
here touches the network: every remote image is answered with a placeholder
picture of the same shape, so the layout looks as it will in an inbox.

Usage: python scripts/screenshots.py [--out docs] [--height 1500] [--dark]
Writes OUT/digest-600.png and OUT/digest-375.png (and -dark variants with --dark), and
OUT/web-archive.png: the web archive's front page with its sign-up form, after one send
of the example digest to the outbox (``digest serve`` on 127.0.0.1, nothing else).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
WIDTHS = (600, 375)


def main() -> int:
    """Render the example digest and write the screenshots; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    parser.add_argument(
        "--height", type=int, default=1500, help="crop each screenshot to this many px (0: whole)"
    )
    parser.add_argument("--dark", action="store_true", help="also photograph the dark scheme")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: run `bash .ci/email-tools.sh`", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        html = example_html(Path(work))
        schemes = ("light", "dark") if args.dark else ("light",)
        for path in photograph(html, args.out, schemes, args.height):
            print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    with tempfile.TemporaryDirectory() as work:
        path = web_archive(Path(work), args.out)
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


def web_archive(work: Path, out: Path) -> Path:
    """The web archive's front page after one send of the example digest, as a PNG."""
    import json
    import socket

    from playwright.sync_api import sync_playwright

    shutil.copy(ROOT / "config.yaml", work / "config.yaml")
    shutil.copytree(ROOT / "examples", work / "examples")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    config = work / "config.yaml"
    web = json.dumps({"base_url": base, "listen": f"127.0.0.1:{port}"})  # JSON is YAML
    text = re.sub(r"^web: null.*$", f"web: {web}", config.read_text(encoding="utf-8"), flags=re.M)
    config.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIGEST_SECRET": "screenshot-key"}
    env.pop("DIGEST_CONFIG", None)
    subprocess.run(
        [sys.executable, "-m", "digest", "send"],
        cwd=work,
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "digest", "serve"],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    path = out / "web-archive.png"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 600, "height": 700})
            for _ in range(100):  # until the server listens
                try:
                    page.goto(base + "/")
                    break
                except Exception:  # connection refused while it starts
                    page.wait_for_timeout(100)
            page.screenshot(path=str(path), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return path


def example_html(work: Path) -> Path:
    """Run `digest preview` on a copy of the example config; the HTML file it wrote."""
    shutil.copy(ROOT / "config.yaml", work / "config.yaml")
    shutil.copytree(ROOT / "examples", work / "examples")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DIGEST_CONFIG", None)
    subprocess.run(
        [sys.executable, "-m", "digest", "preview", "--out", "digest.html"],
        cwd=work,
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return work / "digest.html"


def photograph(html: Path, out: Path, schemes: tuple[str, ...], height: int) -> list[Path]:
    """PNG screenshots of *html* at each width and colour scheme, written to *out*."""
    from playwright.sync_api import Route, sync_playwright

    placeholder = placeholder_png(192, 128)

    def answer(route: Route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        elif route.request.resource_type == "image":
            route.fulfill(status=200, content_type="image/png", body=placeholder)
        else:
            route.abort()

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        for scheme in schemes:
            for width in WIDTHS:
                page = browser.new_page(
                    viewport={"width": width, "height": 800},
                    color_scheme=scheme,  # type: ignore[arg-type]
                )
                page.route("**/*", answer)
                page.goto(html.as_uri())
                page.wait_for_load_state("networkidle")
                full = int(page.evaluate("document.documentElement.scrollHeight"))
                clip = {"x": 0, "y": 0, "width": width, "height": min(full, height or full)}
                suffix = "-dark" if scheme == "dark" else ""
                path = out / f"digest-{width}{suffix}.png"
                page.screenshot(path=str(path), full_page=True, clip=clip)  # type: ignore[arg-type]
                written.append(path)
                page.close()
        browser.close()
    return written


def placeholder_png(width: int, height: int) -> bytes:
    """A calm blue-grey gradient PNG standing in for a feed's thumbnail."""
    rows = []
    for y in range(height):
        shade = y / max(1, height - 1)
        top, bottom = (176, 196, 214), (92, 116, 140)
        pixel = bytes(round(a + (b - a) * shade) for a, b in zip(top, bottom))
        rows.append(b"\x00" + pixel * width)
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    sys.exit(main())
