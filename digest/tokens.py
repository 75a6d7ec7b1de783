"""The links mailed to a reader, signed: which reader, and what the link is for.

A link's token is the reader's random id signed with the key from ``web.secret_env`` and
a purpose of its own (itsdangerous, Pallets' signing library: HMAC-SHA1 with a key
derived per purpose): a manage link cannot unsubscribe, an unsubscribe link cannot
confirm, and no token can be made or changed into another reader's without the key.
A confirmation link expires after ``CONFIRM_DAYS``; the others last as long as the key.
"""

from __future__ import annotations

from typing import Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer

Purpose = Literal["confirm", "manage", "unsubscribe", "form"]
CONFIRM_DAYS = 7


def sign(secret: str, purpose: Purpose, reader: str) -> str:
    """*reader*'s id signed for *purpose*, safe in a URL path."""
    return str(_serializer(secret, purpose).dumps(reader))


def unsign(secret: str, purpose: Purpose, token: str, max_age: int | None = None) -> str | None:
    """The reader id in *token* when it was signed with *secret* for *purpose* (and, given
    *max_age* seconds, not longer ago); None for a forged, altered, other-purpose or
    expired token."""
    try:
        value = _serializer(secret, purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is one
        return None
    return value if isinstance(value, str) else None


def _serializer(secret: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"digest-{purpose}")
