"""The links mailed to a reader, signed: which reader, and what the link is for.

A link's token is the reader's random id signed with the key from ``web.secret_env`` and
a purpose of its own (itsdangerous, Pallets' signing library: HMAC-SHA1 with a key
derived per purpose): a manage link cannot unsubscribe, an unsubscribe link cannot
confirm, and no token can be made or changed into another reader's without the key.
A confirmation link expires after ``CONFIRM_DAYS``; the others last as long as the key,
and are the same in every issue.
"""

from __future__ import annotations

from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

Purpose = Literal["confirm", "manage", "unsubscribe", "form"]
CONFIRM_DAYS = 7


def sign(secret: str, purpose: Purpose, reader: str) -> str:
    """*reader*'s id signed for *purpose*, safe in a URL path. A confirmation carries the
    time it was signed; the other links do not, so a reader's link is the same in every
    issue."""
    return str(_serializer(secret, purpose).dumps(reader))


def unsign(secret: str, purpose: Purpose, token: str) -> str | None:
    """The reader id in *token* when it was signed with *secret* for *purpose* (and, for a
    confirmation, within CONFIRM_DAYS); None for a forged, altered, other-purpose or
    expired token."""
    serializer = _serializer(secret, purpose)
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            value = serializer.loads(token, max_age=CONFIRM_DAYS * 86400)
        else:
            value = serializer.loads(token)
    except BadSignature:  # SignatureExpired is one
        return None
    return value if isinstance(value, str) else None


def _serializer(secret: str, purpose: Purpose) -> URLSafeSerializer | URLSafeTimedSerializer:
    salt = f"digest-{purpose}"
    if purpose == "confirm":
        return URLSafeTimedSerializer(secret, salt=salt)
    return URLSafeSerializer(secret, salt=salt)
