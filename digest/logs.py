"""Logging set-up: one line per event, readable by journald and docker logs."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime, tzinfo
from typing import Any

MESSAGE_CHARS = 4000  # a log message longer than this is cut (a server can send anything)

# Control characters but tab and newline: what is left of a terminal escape sequence in a
# traceback is then plain text ("[31m"), which no terminal acts on.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_message(text: str) -> str:
    """A log message as it may reach a terminal or journald: one line, without terminal
    escape sequences or control characters, without passwords in URLs, cut at
    ``MESSAGE_CHARS``. Feed titles, reason phrases and URLs come from servers."""
    from digest.links import without_userinfo_in_text
    from digest.sanitize import server_text

    return server_text(without_userinfo_in_text(text), limit=MESSAGE_CHARS)


def safe_lines(text: str) -> str:
    """Several lines (a traceback) without control characters or passwords in URLs."""
    from digest.links import without_userinfo_in_text

    return _CONTROLS.sub("", without_userinfo_in_text(text))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": safe_message(record.getMessage()),
        }
        for key, value in (getattr(record, "fields", {}) or {}).items():
            data[key] = safe_message(value) if isinstance(value, str) else value
        if record.exc_info:
            data["exception"] = safe_lines(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """ "2026-11-26T08:00:00+0100 INFO digest.scheduler: …", in the digest's time zone once
    :func:`use_zone` names it (the times in the messages are in that zone too)."""

    zone: tzinfo | None = None

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The line, its message made safe (:func:`safe_message`)."""
        record.message = safe_message(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        """A traceback without control characters (its messages may quote a server)."""
        return safe_lines(super().formatException(ei))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, self.zone or UTC).astimezone(self.zone)
        return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def use_zone(zone: tzinfo) -> None:
    """Stamp text log lines in *zone* (the daemon's, from config.yaml)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, TextFormatter):
            handler.formatter.zone = zone


def setup_logging(level: str = "info", fmt: str = "text") -> None:
    """Send log records to stderr, as text lines or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        # No timestamp prefix from us when journald adds its own? Keep it: docker logs needs it.
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp", "charset_normalizer", "apscheduler", "mail.log", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
