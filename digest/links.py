"""URL helpers: which links may reach an email, and one canonical form per story."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

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
    }
)


def is_http_url(url: str) -> bool:
    """True when *url* is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_SCHEMES and bool(parts.netloc)


def absolute_url(url: str, base: str) -> str | None:
    """Resolve *url* against *base*; None unless the result is http(s)."""
    url = url.strip()
    if not url:
        return None
    try:
        joined = urljoin(base, url) if base else url
    except ValueError:
        return None
    return joined if is_http_url(joined) else None


def strip_tracking(url: str) -> str:
    """Remove ``utm_*`` and click-id parameters, keeping everything else as it was."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    kept = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True)))


def canonical_url(url: str) -> str:
    """One form per page, used to recognise the same story under different links.

    Lower-cases scheme and host, drops ``www.``, default ports, the fragment,
    tracking parameters, a trailing slash and AMP variants (``/amp``, ``.amp``,
    ``amp.`` hosts, ``?amp``); sorts the remaining query.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    scheme = "https" if parts.scheme.lower() in SAFE_SCHEMES else parts.scheme.lower()
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "amp.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    path = parts.path or "/"
    for suffix in ("/amp", "/amp/", ".amp", ".amp.html"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)] + (".html" if suffix == ".amp.html" else "")
            break
    if path.startswith("/amp/"):
        path = path[4:]
    path = path.rstrip("/") or "/"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS
