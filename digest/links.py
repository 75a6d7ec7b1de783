"""URL helpers: which links may reach an email, and one canonical form per story."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import (
    parse_qsl,
    unquote,
    urlencode,
    urljoin,
    urlparse,
    urlsplit,
    urlunsplit,
)

SAFE_SCHEMES = frozenset({"http", "https"})

# Query parameters that only track the reader; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "amp",
        "outputtype",
        "amp_js_v",
        "amp_gsa",
        "usqp",
    }
)


# https://example-com.cdn.ampproject.org/c/s/example.com/story and
# https://www.google.com/amp/s/example.com/story ("/s/" marks https).
_AMP_CACHE = re.compile(
    r"^https?://(?:[\w-]+\.cdn\.ampproject\.org/(?:[civr]/)?|(?:www\.)?google\.[a-z.]+/amp/)"
    r"(?P<secure>s/)?(?P<rest>[^/?#].*)$",
    re.IGNORECASE,
)


def is_http_url(url: str) -> bool:
    """True when *url* is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_SCHEMES and bool(parts.netloc)


def absolute_url(url: str, base: str) -> str | None:
    """Resolve *url* against *base*; None unless the result is http(s).

    The result never carries a user name or password: a feed read at
    ``https://user:pass@host/feed`` must not hand its credentials to every
    relative link and image of its items (they end up in emails)."""
    url = url.strip()
    if not url:
        return None
    quick = quick_join(url, base) if base else None
    if quick is not None:
        return quick
    try:
        joined = urljoin(base, url) if base else url
    except ValueError:
        return None
    return without_userinfo(joined) if is_http_url(joined) else None


def without_userinfo(url: str) -> str:
    """*url* without the ``user:password@`` part of its authority (unchanged without one)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for mark in "/?#":
        at = rest.find(mark)
        if at != -1:
            end = min(end, at)
    at = rest.rfind("@", 0, end)
    return url if at == -1 else f"{scheme}://{rest[at + 1 :]}"


# "scheme://anything-but-a-slash@" inside free text (an error message, a log line).
_USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#]*@")


def without_userinfo_in_text(text: str) -> str:
    """*text* with the ``user:password@`` part of every URL in it removed."""
    return _USERINFO_IN_TEXT.sub(r"\1", text) if "@" in text else text


# What urljoin and urlsplit would change in a URL, or must check: removed characters
# (tab, CR, LF), IPv6 brackets, path parameters; and an empty query or fragment, which
# they drop ("a?" and "a#" end with the mark, "?#" holds an empty query).
_NOT_QUICK = re.compile(r"[\t\r\n\[\];]|[?#]$|\?#")


def quick_join(url: str, base: str) -> str | None:
    """``absolute_url(url, base)`` for the common shapes, without urljoin; None: not known.

    An absolute http(s) URL is its own result, and a path from the root ("/a/b")
    is the base's scheme and host before it, when neither holds anything urljoin
    would change: not ASCII, a character _NOT_QUICK names, or (for a path) a dot
    segment. tests/test_links.py checks this against urljoin.
    """
    if not url.isascii() or _NOT_QUICK.search(url) or "@" in url:
        return None  # "@" may be userinfo, which absolute_url removes the slow way
    if url.startswith(("http://", "https://")):
        # urljoin keeps an absolute URL whole (scheme as given, here lower case); the
        # URL needs a host, and a base urlparse rejects makes urljoin fail whatever the URL.
        host_at = url.index("//") + 2
        if host_at == len(url) or url[host_at] in "/?#" or _base_parts(base) is None:
            return None
        return url
    if url[:1] == "/" and url[1:2] != "/":
        parts = _base_parts(base)
        if parts is None or "/." in url.split("?", 1)[0].split("#", 1)[0]:
            return None
        return parts + url
    return None


@lru_cache(maxsize=256)
def _base_parts(base: str) -> str | None:
    """ "scheme://host" of an http(s) *base* urljoin reads plainly, else None."""
    try:
        parts = urlsplit(base)
        urlparse(base)
    except ValueError:
        return None
    if parts.scheme not in SAFE_SCHEMES or not parts.netloc or not base.isascii():
        return None
    if any(c in base for c in "\t\r\n") or "@" in parts.netloc:
        return None  # a user name or password: absolute_url leaves it out the slow way
    return f"{parts.scheme}://{parts.netloc}"


def strip_tracking(url: str) -> str:
    """Remove ``utm_*`` and click-id parameters, keeping everything else as it was
    (order, encoding and blank values of the other parameters included)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    kept = [p for p in parts.query.split("&") if p and not _is_tracking(unquote(p.split("=")[0]))]
    return urlunsplit(parts._replace(query="&".join(kept)))


def canonical_url(url: str) -> str:
    """One form per page, used to recognise the same story under different links.

    Lower-cases scheme and host, treats http as https, drops ``www.``, default
    ports, the fragment, tracking parameters, a trailing slash and AMP variants
    (``/amp``, ``.amp``, ``amp.`` and ``m.`` hosts, ``?amp``, Google AMP cache
    and ``google.com/amp/s/`` wrappers); sorts the remaining query.
    """
    url = _unwrap_amp_cache(url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = "https" if parts.scheme.lower() in SAFE_SCHEMES else parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "amp.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    netloc = f"{host}:{port}" if port not in (None, 80, 443) else host
    path = _without_amp(parts.path or "/").rstrip("/") or "/"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def is_story_key(key: str) -> bool:
    """False for a story key that names no single story: a site's home page.

    Keys are canonical URLs, or ``guid:`` keys for items without a link.
    """
    if key.startswith("guid:"):
        return True
    try:
        parts = urlsplit(key)
    except ValueError:
        return True
    return parts.path not in ("", "/") or bool(parts.query)


def _without_amp(path: str) -> str:
    for suffix in ("/amp", "/amp/", ".amp", ".amp.html"):
        if path.endswith(suffix) and len(path) > len(suffix):
            return path[: -len(suffix)] + (".html" if suffix == ".amp.html" else "")
    if path.startswith("/amp/"):
        return path[4:]
    return path


def _unwrap_amp_cache(url: str) -> str:
    """The publisher's URL behind a Google AMP cache or AMP viewer URL."""
    match = _AMP_CACHE.match(url)
    if not match:
        return url
    scheme = "https" if match.group("secure") else "http"
    return f"{scheme}://{match.group('rest')}"


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def shown_url(url: str) -> str:
    """*url* as it may be printed, logged or mailed: without its user name and password
    (a token often stands in the user name alone), and without terminal escapes."""
    from digest.sanitize import server_text

    return server_text(without_userinfo(url), limit=SHOWN_URL_CHARS)


SHOWN_URL_CHARS = 500


def shown_link(url: str) -> str:
    """A link as a reader would say it: host and path, without scheme, ``www.``,
    credentials, query or trailing slash (a headline for an item with no title or text)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").removeprefix("www.")
    return (host + parts.path).rstrip("/") or url


# --- hosts an email must not point into ---------------------------------------------------


def is_internal_host(host: str) -> bool:
    """True when *host*, as written in a URL, names this machine or a private network:
    ``localhost``, or a literal IP address that is not global, in any spelling an HTTP
    client accepts (``127.0.0.1``, ``2130706433``, ``0x7f.1``, ``[::1]``,
    ``[::ffff:10.0.0.1]``, ``169.254.169.254``). Host names are not resolved."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if not name:
        return True
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _literal_ip(name)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _literal_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a literal host spells, including the old IPv4 forms (``127.1``,
    ``0x7f000001``, ``017700000001``) that inet_aton and browsers accept; else None."""
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        pass
    parts = name.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part[:2] == "0x":
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part[0] == "0":
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10) if part.isdigit() else -1)
        except ValueError:
            return None
        if numbers[-1] < 0:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for n, part_value in enumerate(head):
        value += part_value << (8 * (3 - n))
    return ipaddress.IPv4Address(value)
