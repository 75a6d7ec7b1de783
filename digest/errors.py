"""Typed errors with a message meant for the person running `digest`.

The CLI turns any :class:`DigestError` into one line on stderr and the error's
``exit_code``; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class DigestError(Exception):
    """Base class: ``str(error)`` is the one-line message shown to the user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(DigestError):
    """The configuration file is missing, unreadable or invalid (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, *, problems: tuple[str, ...] = (), hint: str | None = None):
        super().__init__(message, hint=hint)
        self.problems = problems

    def __str__(self) -> str:
        if not self.problems:
            return super().__str__()
        return f"{self.message}: " + "; ".join(self.problems)


class UsageError(DigestError):
    """The command line asked for something that cannot be done (exit 2)."""

    exit_code = 2


class FeedError(DigestError):
    """One feed could not be fetched or parsed; the run carries on without it."""

    def __init__(self, message: str, *, url: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.permanent = permanent


class StorageError(DigestError):
    """The database could not be opened, read or written."""

    def __init__(
        self, message: str, hint: str | None = "check the `database` path in config.yaml"
    ) -> None:
        super().__init__(message, hint=hint)


class DeliveryError(DigestError):
    """The digest could not be delivered to anyone; its items stay pending."""


class LockedError(DigestError):
    """Another `digest` process is sending a digest from the same database."""
