"""Telling systemd how ``digest run`` is doing (sd_notify), under a ``Type=notify`` unit.

The protocol is one datagram of ``KEY=value`` lines to the socket in ``$NOTIFY_SOCKET``
(sd_notify(3)); nothing is sent when it is not set. Written here rather than taken from a
package: python-systemd needs libsystemd's headers to build, and the pure-Python
``sdnotify`` has had no release since 2017, for a dozen lines of a stable protocol.
``$WATCHDOG_USEC`` (``WatchdogSec=`` in the unit) asks for ``WATCHDOG=1`` at least that
often; the daemon sends it at half the interval from its main loop, so a hung loop is
restarted by systemd.
"""

from __future__ import annotations

import os
import socket


def notify(*lines: str) -> bool:
    """Send *lines* ("READY=1", "STATUS=…") to systemd; False when not run by it or the
    socket cannot be reached (never an error: the daemon runs the same either way)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(lines).encode())
    except OSError:
        return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between WATCHDOG=1 pings (half of ``$WATCHDOG_USEC``), or None when systemd
    asked for none (or asked another process: ``$WATCHDOG_PID``)."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000
