"""Locks between processes on one database: one send at a time, one daemon.

For an SQLite file, POSIX record locks (``lockf``) on files beside the database: the
kernel releases them when the holder dies, so a crash never leaves one stuck. For a
PostgreSQL database, which processes on several machines share, the server's
advisory locks (:func:`digest.postgres.advisory_lock`), which it releases when the
holder's connection ends.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import LockedError

SENDING = "another digest is being sent from this database right now"
SCHEDULING = "another digest daemon is already running on this database"


@contextmanager
def send_lock(database: Path | str, *, wait: bool = False) -> Iterator[None]:
    """Hold the one-digest-at-a-time lock for *database*, across processes.

    Raises LockedError if it is held and *wait* is false. (It does not exclude
    threads of one process: the daemon serialises its own send jobs.)
    """
    with _lock(database, "send", SENDING, wait):
        yield


@contextmanager
def daemon_lock(database: Path | str, *, wait: bool = False) -> Iterator[Callable[[], bool]]:
    """Held by ``digest run`` while it schedules: one scheduler per database. Yields a
    check that it is still held (a PostgreSQL lock goes with its connection)."""
    with _lock(database, "daemon", SCHEDULING, wait) as held:
        yield held


def daemon_running(database: Path | str) -> bool:
    """True while a ``digest run`` holds the daemon lock of *database*."""
    return _is_held(database, "daemon")


def sending_now(database: Path | str) -> bool:
    """True while a send (``digest send`` or the daemon's) holds the send lock of *database*."""
    return _is_held(database, "send")


_SUFFIXES = {"send": ".lock", "daemon": ".daemon.lock"}


@contextmanager
def _lock(
    database: Path | str, name: str, message: str, wait: bool
) -> Iterator[Callable[[], bool]]:
    if isinstance(database, str):
        from digest.postgres import advisory_lock

        with advisory_lock(database, name, message, wait=wait) as held:
            yield held
    else:
        with _exclusive(database.with_name(database.name + _SUFFIXES[name]), message, wait):
            yield lambda: True  # a file lock goes only with this process


def _is_held(database: Path | str, name: str) -> bool:
    if isinstance(database, str):
        from digest.postgres import lock_held

        return lock_held(database, name)
    return _held(database.with_name(database.name + _SUFFIXES[name]))


def _held(lock_path: Path) -> bool:
    """True while another process holds the ``lockf`` lock on *lock_path*."""
    if not lock_path.exists():
        return False
    with open(lock_path, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN)
        return False


@contextmanager
def _exclusive(lock_path: Path, message: str, wait: bool) -> Iterator[None]:
    """A POSIX record lock (``lockf``) on *lock_path*.

    The kernel releases it when the holding process dies, so a crash never
    leaves it stuck, and unlike ``flock`` it is not inherited by forked parse
    workers, which could otherwise keep it alive after their parent was killed.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except (BlockingIOError, PermissionError):
            raise LockedError(message, hint=f"lock held on {lock_path}") from None
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)
