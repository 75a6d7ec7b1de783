"""Locks between processes on one database: one send at a time, one daemon.

POSIX record locks (``lockf``) on files beside the database: the kernel releases
them when the holder dies, so a crash never leaves one stuck.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import LockedError


@contextmanager
def send_lock(database: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the one-digest-at-a-time lock for *database*, across processes.

    Raises LockedError if it is held and *wait* is false. (It does not exclude
    threads of one process: the daemon serialises its own send jobs.)
    """
    with _exclusive(
        database.with_name(database.name + ".lock"),
        "another digest is being sent from this database right now",
        wait,
    ):
        yield


@contextmanager
def daemon_lock(database: Path) -> Iterator[None]:
    """Held by ``digest run`` for its whole life: one daemon per database."""
    with _exclusive(
        database.with_name(database.name + ".daemon.lock"),
        "another digest daemon is already running on this database",
        False,
    ):
        yield


def daemon_running(database: Path) -> bool:
    """True while a ``digest run`` holds the daemon lock of *database*."""
    return _held(database.with_name(database.name + ".daemon.lock"))


def sending_now(database: Path) -> bool:
    """True while a send (``digest send`` or the daemon's) holds the send lock of *database*."""
    return _held(database.with_name(database.name + ".lock"))


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
