"""Delivery: write .eml files to an outbox, or send by SMTP.

Each recipient gets a copy of their own. A temporary SMTP failure (4xx, a
dropped or refused connection) is retried with backoff within the run; a
recipient refused permanently (5xx) does not stop the others. The result
says who got the digest and who did not, and why.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from digest.config import DeliveryConfig, SmtpConfig
from digest.errors import ConfigError, DeliveryError


@dataclass(frozen=True)
class Outgoing:
    """One recipient's copy of a message: its bytes, or what makes them when it is sent
    (so that the copies of a large list are never all in memory)."""

    recipient: str
    source: bytes | Callable[[], bytes]

    @property
    def data(self) -> bytes:
        return self.source if isinstance(self.source, bytes) else self.source()


@dataclass(frozen=True)
class DeliveryReport:
    """Who received the digest and who did not."""

    delivered: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]


# Called with (recipient, "sent" | "refused", reason) the moment each copy's fate is known.
OnResult = Callable[[str, str, str | None], None]


def _ignore(_recipient: str, _status: str, _detail: str | None) -> None:
    pass


def deliver(
    messages: Sequence[Outgoing],
    delivery: DeliveryConfig,
    when: datetime,
    sleep: Callable[[float], None] = time.sleep,
    on_result: OnResult = _ignore,
) -> DeliveryReport:
    """Deliver every message; never raises for a refused recipient, only for bad settings."""
    if delivery.method == "outbox":
        return write_outbox(messages, delivery.outbox, when, on_result)
    return send_smtp(messages, delivery.smtp, parseaddr(delivery.from_)[1], sleep, on_result)


def write_outbox(
    messages: Sequence[Outgoing], folder: Path, when: datetime, on_result: OnResult = _ignore
) -> DeliveryReport:
    """Write each message as an .eml file (atomically: a reader never sees half a file)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(
            f"cannot create outbox {folder}: {exc.strerror}", hint="check delivery.outbox"
        ) from None
    remove_stale_temporaries(folder)
    stamp = when.astimezone(UTC).strftime("%Y%m%d-%H%M%SZ-%f")  # sorts the same from any zone
    delivered, refused = [], []
    for number, message in enumerate(messages, start=1):
        name = f"digest-{stamp}-{number:03d}-{_safe(message.recipient)}.eml"
        while (folder / name).exists():  # never overwrite an earlier digest
            name = name.replace(".eml", "-1.eml")
        temporary = folder / f".{name}.tmp"
        try:
            _write_durably(temporary, message.data)
            os.replace(temporary, folder / name)
        except OSError as exc:
            # A full disk or a lost mount is passing trouble: like a 4xx, the copy is not
            # reported refused for good, so it is kept and written again by the next send.
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            refused.append((message.recipient, f"cannot write {folder / name}: {exc.strerror}"))
        else:
            delivered.append(message.recipient)
            on_result(message.recipient, "sent", None)
    if delivered:
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder
            _sync_folder(folder)  # the renames themselves survive a power cut
    return DeliveryReport(tuple(delivered), tuple(refused))


# A temporary file older than this is left from a write that crashed (a send takes seconds).
STALE_SECONDS = 3600


def remove_stale_temporaries(folder: Path, now: float | None = None) -> None:
    """Delete the ``.digest-*.eml.tmp`` files a crash mid-write left in *folder*, once
    they are older than STALE_SECONDS (a younger one may be another send's, in progress)."""
    limit = (time.time() if now is None else now) - STALE_SECONDS
    for path in folder.glob(".digest-*.eml.tmp"):
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            if path.lstat().st_mtime < limit:
                path.unlink()


def _write_durably(path: Path, data: bytes) -> None:
    """Write *data* to a new file at *path* and flush it to the disk before returning,
    so the rename that follows never publishes an empty or partial file after a crash."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """fsync the folder, which records the renames made in it (POSIX; a no-op elsewhere)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe(recipient: str) -> str:
    """The address of *recipient* ("Name <a@b>" gives "a@b") as a file name part."""
    address = parseaddr(recipient)[1] or recipient
    return "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "@.-_") else "_" for ch in address
    )[:60]


def missing_password(settings: SmtpConfig) -> ConfigError:
    """The error for an SMTP login whose password variable or file is not set."""
    if settings.password_file:
        return ConfigError(
            f"SMTP password not set: cannot read it from {settings.password_file}",
            hint="check delivery.smtp.password_file (a file whose first line is the password)",
        )
    if not settings.password_env:
        return ConfigError(
            "delivery.smtp.username is set but no password: set delivery.smtp.password_env"
            " or delivery.smtp.password_file",
            hint="name the environment variable or the file that holds the SMTP password",
        )
    return ConfigError(
        f"SMTP password not set: the environment variable {settings.password_env} is empty",
        hint=f"export {settings.password_env}=... before running digest",
    )


class _Temporary(Exception):
    """A failure worth retrying."""


class _Silent(_Temporary):
    """The server took the connection and then did not answer within the timeout. Not
    retried within the run: a server that hangs rarely wakes in seconds, and each try
    would wait the whole timeout again. The copies stay pending for the next send."""


def send_smtp(
    messages: Sequence[Outgoing],
    settings: SmtpConfig,
    envelope_from: str,
    sleep: Callable[[float], None] = time.sleep,
    on_result: OnResult = _ignore,
) -> DeliveryReport:
    """Send every message over one SMTP session, retrying temporary failures."""
    if settings.username and settings.password is None:
        raise missing_password(settings)
    pending = list(messages)
    delivered: list[str] = []
    refused: dict[str, str] = {}
    last_error = ""
    for attempt in range(settings.retries + 1):
        if attempt:
            sleep(min(2.0**attempt, 60.0))
        try:
            with _connect(settings) as client:
                still: list[Outgoing] = []
                for message in pending:
                    outcome = _send_one(client, envelope_from, message, settings)
                    if outcome is None:
                        delivered.append(message.recipient)
                        refused.pop(message.recipient, None)
                        on_result(message.recipient, "sent", None)
                    elif outcome[0]:
                        refused[message.recipient] = outcome[1]
                        on_result(message.recipient, "refused", outcome[1])
                    else:
                        refused[message.recipient] = outcome[1]
                        still.append(message)
                pending = still
        except _Temporary as exc:
            last_error = str(exc)
            for message in pending:
                refused[message.recipient] = last_error
            if isinstance(exc, _Silent):
                break
        if not pending:
            break
    return DeliveryReport(tuple(delivered), tuple(refused.items()))


def _send_one(
    client: smtplib.SMTP, sender: str, message: Outgoing, settings: SmtpConfig
) -> tuple[bool, str] | None:
    """None when accepted; (permanent, reason) when not. Raises _Temporary on a lost
    session, _Silent when the server stops answering."""
    try:
        client.sendmail(sender, [message.recipient], message.data)
    except UnicodeEncodeError:  # an address that is not ASCII: no SMTPUTF8 here
        return True, "refused: the address is not ASCII (SMTPUTF8 is not supported)"
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return code >= 500, f"refused: {code} {_text(text)}"
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == 421:
            reason = f"server closed the session: {exc.smtp_code} {_text(exc.smtp_error)}"
            raise _Temporary(reason) from None
        return exc.smtp_code >= 500, f"refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        if _timed_out(exc):
            raise _Silent(
                f"{silent_message(settings)} (while sending to {message.recipient})"
            ) from None
        raise _Temporary(f"connection lost: {exc}") from None
    return None


def _timed_out(exc: BaseException) -> bool:
    """True when *exc* is a socket timeout, or smtplib's "Connection unexpectedly closed"
    raised for one (it turns every OSError while reading a reply into that)."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


def tried(settings: SmtpConfig) -> str:
    """What a connection to the server tried, as the messages say it: "STARTTLS on port
    587", "implicit TLS on port 465", "no TLS on port 25"."""
    way = {"starttls": "STARTTLS", "ssl": "implicit TLS", "none": "no TLS"}[settings.security]
    return f"{way} on port {settings.port}"


def silent_message(settings: SmtpConfig) -> str:
    """The message for a server that took the connection and then said nothing."""
    seconds = f"{settings.timeout:g}"
    hint = ""
    if settings.port == 465 and settings.security != "ssl":
        # A server on 465 waits for a TLS hello; a client waiting for its greeting hears none.
        hint = "; port 465 expects implicit TLS: try delivery.smtp.security: ssl"
    return (
        f"SMTP server {settings.host}:{settings.port} accepted the connection but did not"
        f" answer within {seconds} s (delivery.smtp.timeout; tried {tried(settings)}{hint})"
    )


class _Session:
    def __init__(self, client: smtplib.SMTP) -> None:
        self.client = client

    def __enter__(self) -> smtplib.SMTP:
        return self.client

    def __exit__(self, *exc: object) -> None:
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()


def check_smtp(settings: SmtpConfig) -> str | None:
    """Connect, EHLO, STARTTLS or TLS and log in as a send would, then quit without
    sending (``digest check``); the problem in words, or None when all of it works."""
    if settings.username and settings.password is None:
        return missing_password(settings).message
    try:
        with _connect(settings):
            return None
    except (DeliveryError, _Temporary) as exc:
        return f"SMTP: {exc}"


def _connect(settings: SmtpConfig) -> _Session:
    where = f"{settings.host}:{settings.port}"
    try:
        client: smtplib.SMTP
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        client.ehlo()
        if settings.security == "starttls":
            if not client.has_extn("starttls"):
                raise DeliveryError(
                    f"SMTP server {where} does not offer STARTTLS (tried {tried(settings)})",
                    hint="set delivery.smtp.security to ssl (implicit TLS, usually port 465)"
                    " or none",
                )
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.username:
            if not client.has_extn("auth"):
                raise DeliveryError(
                    f"SMTP server {where} does not offer AUTH (login) on this connection",
                    hint="remove delivery.smtp.username, or use security: starttls or ssl",
                )
            client.login(settings.username, settings.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"SMTP login to {where} refused: {exc.smtp_code}",
            hint="check delivery.smtp.username and the password variable",
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            f"SMTP server {where} refused a command: {_text(exc)}",
            hint="check delivery.smtp.security",
        ) from None
    except ssl.SSLError as exc:
        hint = ""
        if settings.security == "ssl" and exc.reason == "WRONG_VERSION_NUMBER":
            hint = "; the server speaks plain SMTP here: try delivery.smtp.security: starttls"
        raise _Temporary(
            f"TLS failed with {where}: {exc.reason} (tried {tried(settings)}{hint})"
        ) from None
    except TimeoutError as exc:
        if "handshake" in str(exc):  # it took the connection, then no TLS hello came back
            raise _Silent(silent_message(settings)) from None
        raise _Temporary(
            f"cannot reach SMTP server {where}: no connection within {settings.timeout:g} s"
        ) from None
    except ConnectionRefusedError:
        raise _Temporary(f"SMTP server {where} refused the connection") from None
    except (smtplib.SMTPException, OSError) as exc:
        if _timed_out(exc):  # smtplib's "Connection unexpectedly closed: timed out"
            raise _Silent(silent_message(settings)) from None
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            raise _Temporary(
                f"SMTP server {where} closed the connection (tried {tried(settings)})"
            ) from None
        raise _Temporary(f"cannot reach SMTP server {where}: {_text(exc)}") from None
    return _Session(client)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:200]
