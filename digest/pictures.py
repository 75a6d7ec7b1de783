"""Which picture a story shows, if any: never a share button, a tracking pixel, an ad,
an icon, a feed's logo or signature, or a format a mail client cannot show.

A story's picture is chosen, in order, from the feed's own media (media:content,
media:thumbnail, an image enclosure) of a usable size, then the largest meaningful
``<img>`` of the item's text, then (for ``full_text`` feeds) the article page's
``og:image`` / ``twitter:image`` or its main image (:func:`page_image`).

Junk is told by what anyone can see in the markup, never by a list of sites:

* share buttons: the words of the file name ("facebook-16.png", "tweet_this.gif"),
  the alt or title text ("Add to Facebook", "E-mail this"), or the link around the
  image (a "sharer" or "intent" URL, mailto:);
* feed flare and tracking: FeedBurner's ``~ff/``, ``~r/`` paths, pixels (declared
  1x1), and hosts named like ad and tracking servers (``ad.``, ``ads.``,
  ``doubleclick``, ``pixel.``, ``track…``, ``stats.``, ``analytics``);
* icons and badges: a declared size, or one written in the URL (``-64x64.png``,
  ``/s72-c/``, ``?w=50``), under ``MIN_SIDE`` either side; emoji, avatars;
* a picture repeated across most items of one feed (a site logo, a blogger's
  signature): :func:`repeated_images` over the feed's items, at parse time;
* formats mail clients do not show (TIFF, BMP, SVG, HEIC, AVIF, …).

Pure functions: no network.
"""

from __future__ import annotations

import html as html_lib
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, unquote, urlsplit

from digest.links import absolute_url, is_http_url, is_internal_host, without_userinfo
from digest.models import Image

MIN_SIDE = 100  # pixels: an image narrower or lower than this is an icon or a badge
TINY = 2  # an image declared this narrow or low is a pixel, whatever its URL
ALT_CHARS = 120  # an alt text is a short description
REPEATED_SHARE = 0.5  # an image in more than half of a feed's items is the feed's, not a story's
REPEATED_MIN = 3  # ... and in at least this many (two items say nothing)

# Formats Gmail, Outlook and Apple Mail cannot all show. AVIF and HEIC: Apple only.
UNSHOWN_SUFFIXES = frozenset(
    "tif tiff bmp dib svg svgz heic heif avif ico cur jxl jp2 j2k jpx psd eps pdf xbm pcx tga"
    " wmf emf raw cr2 nef dng".split()
)
UNSHOWN_TYPES = re.compile(
    r"image/(?:tiff|bmp|x-ms-bmp|x-bmp|svg\+xml|heic|heif|avif|x-icon|vnd\.microsoft\.icon"
    r"|jxl|jp2|x-portable-\w+|vnd\.adobe\.photoshop)",
    re.I,
)
IMAGE_SUFFIX = re.compile(r"\.(jpe?g|png|gif|webp|avif|heic|bmp|tiff?|svg)(\?|$)", re.I)

# Host labels of ad servers, and of tracking servers, as such servers name themselves.
# ("stats." is not one: a statistics office's charts are pictures.)
_AD_LABEL = re.compile(
    r"^(?:ad|ads|adserv\w*|adservice\w*|adtech\w*|adx|ad\d+|ads\d+|ads?-\w+|\w+-ads?"
    r"|adclick\w*)$",
    re.I,
)
_TRACKER_LABEL = re.compile(
    r"^(?:pixel\w*|track(?:er|ing)?\d*|beacon\w*|analytics\w*|metrics|telemetry|counter\w*"
    r"|clicks?|imp|impressions?)$",
    re.I,
)
_AD_HOST_WORDS = re.compile(
    r"doubleclick|googlesyndication|googleadservices|adsystem|adservice|adnxs|adform"
    r"|feedsportal|pheedo|adzerk|moatads|scorecardresearch|quantserve|omtrdc",
    re.I,
)
# Paths of feed flare, counters and pixels.
_TRACKING_PATH = re.compile(
    r"/~(?:r|ff|a|i|f)/|/__utm\.gif|/(?:pixel|beacon|tracking|impression)s?(?:$|[/?])"
    r"|/(?:pixel|beacon|track|counter|impression|open|spacer|blank|transparent|clear|1x1)"
    r"\.(?:gif|png|jpe?g|php)(?:$|[/?])"
    r"|/(?:ads?|adserver|adverts?|advertising|feedflare)/",
    re.I,
)
_ICON_DIRS = re.compile(
    r"/(?:icons?|buttons?|badges?|emoji|emojis|emoticons?|smilies|smileys?|avatars?"
    r"|share|sharing|social|socialicons|feedflare)/",
    re.I,
)
# The words a share button's or a badge's file name is made of.
_NETWORKS = frozenset(
    "facebook fb twitter tw tweet retweet linkedin pinterest pin pinit reddit digg delicious"
    " stumbleupon tumblr whatsapp telegram google gplus googleplus instagram youtube mastodon"
    " bluesky threads flipboard pocket email mail mailto rss feed atom subscribe print"
    " sharethis addthis addtoany share sharing bookmark bookmarks like follow".split()
)
_BUTTON_WORDS = frozenset(
    "icon icons ico badge badges button buttons btn logo logos small sm large lg big mini"
    " white black grey gray blue red green round square circle social add to this on via me"
    " us the it e px x v color colour dark light plus one footer header sidebar signature sig"
    " spacer blank pixel transparent clear avatar emoji smiley smile".split()
)
_ICON_ONLY = frozenset(
    "icon icons ico badge badges button buttons btn logo logos signature sig spacer blank"
    " pixel transparent clear avatar emoji smiley smile".split()
)
_SHARE_TEXT = re.compile(
    r"^\W*(?:share|tweet|retweet|e-?mail|print|add\s+to|post\s+to|pin\s+it|save\s+to|send\s+to"
    r"|bookmark|subscribe|follow\s+(?:us|me)|like\s+(?:us|this)|digg|stumble)\b",
    re.I,
)
_SHARE_LINK = re.compile(
    r"(?:^|/)(?:share|sharer|sharearticle|sharing|submit|intent|pin/create|bookmark|send)"
    r"(?:\.php|\.html?)?(?:/|$)",
    re.I,
)
_SHARE_HOST = re.compile(r"(?:^|\.)(?:addtoany|addthis|sharethis|shareaholic)\.", re.I)
_WORDS = re.compile(r"[a-z]+|\d+")

# A size written in the URL: "photo-64x64.jpg", "/16x16/", Blogger's "/s72-c/" or "=s72",
# "=w50-h50", and the query's w=, width=, h=, height=, resize=50,50.
_SIZE_IN_PATH = re.compile(r"(?:^|[/_\-.@])(\d{1,4})x(\d{1,4})(?=$|[/_\-.@])", re.I)
_BLOGGER_SIZE = re.compile(r"(?:/|=)s(\d{1,4})(?:-c)?(?:/|$)|=w(\d{1,4})-h(\d{1,4})", re.I)
_SIZE_KEYS = {"w": 0, "width": 0, "h": 1, "height": 1}


@dataclass(frozen=True)
class Candidate:
    """One picture a story could show, with what the markup or the feed says of it."""

    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""
    title: str = ""  # the img's title attribute
    link: str = ""  # the href of the link around it
    kind: str = ""  # a MIME type, when the feed gives one


def is_shown_image(url: str, width: int | None = None, height: int | None = None) -> bool:
    """True for an image an email may load: an absolute http(s) URL without credentials,
    on a public host, not declared as a pixel (``TINY``), not from a tracking or ad server."""
    if not is_http_url(url) or without_userinfo(url) != url:
        return False
    if (width is not None and width <= TINY) or (height is not None and height <= TINY):
        return False
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if is_internal_host(host):
        return False
    return not (is_ad_host(host, trackers=True) or _TRACKING_PATH.search(parts.path))


def is_ad_host(host: str, trackers: bool = False) -> bool:
    """True for a host named like an ad server: a label such as ``ad``, ``ads``,
    ``adserver``, or an ad network's own word (``doubleclick``, ``googlesyndication``,
    ``adsystem``); with *trackers*, also a tracking server's (``pixel``, ``track``,
    ``beacon``, ``analytics``)."""
    host = host.rstrip(".").lower()
    if not host or _is_ip(host):
        return False
    if _AD_HOST_WORDS.search(host):
        return True
    labels = host.split(".")[:-2] or host.split(".")[:1]  # below the registered name
    if any(_AD_LABEL.match(label) for label in labels):
        return True
    return trackers and any(_TRACKER_LABEL.match(label) for label in labels)


def is_ad_link(url: str) -> bool:
    """True when *url* goes to an ad or tracking server (an item that is an ad)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    return is_ad_host(host) or bool(re.search(r"/(?:adclick|clickserve|aclk)\b", parts.path))


def junk_reason(candidate: Candidate, repeated: AbstractSet[str] = frozenset()) -> str:
    """Why *candidate* is not a story's picture ('' when it may be one): "pixel or
    tracker", "format", "icon", "share button", "repeated"."""
    url = candidate.url
    if not is_shown_image(url, candidate.width, candidate.height):
        return "pixel or tracker"
    if _unshown_format(url, candidate.kind):
        return "format"
    if url in repeated:
        return "repeated"
    if _is_share(candidate):
        return "share button"
    width, height = candidate.width, candidate.height
    if width is None and height is None:
        width, height = encoded_size(url)
    if (width is not None and width < MIN_SIDE) or (height is not None and height < MIN_SIDE):
        return "icon"
    path = _path(url)
    if _ICON_DIRS.search(path) or _button_file(path, _ICON_ONLY):
        return "icon"
    return ""


def encoded_size(url: str) -> tuple[int | None, int | None]:
    """The (width, height) a URL writes into itself, else (None, None): "-64x64.png",
    "/s72-c/", "=w50-h50", "?w=50&h=40"."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None, None
    path = unquote(parts.path)
    found = _SIZE_IN_PATH.findall(path)
    if found:
        w, h = found[-1]
        return int(w), int(h)
    blogger = _BLOGGER_SIZE.search(path + ("=" + parts.query if parts.query else ""))
    if blogger:
        side, w, h = blogger.groups()
        return (int(side), int(side)) if side else (int(w), int(h))
    sides: list[int | None] = [None, None]
    for key, value in parse_qsl(parts.query):
        key = key.lower()
        if key in _SIZE_KEYS and value.isdigit():
            sides[_SIZE_KEYS[key]] = int(value)
        elif key == "resize" and re.fullmatch(r"\d+,\d+", value):
            w, h = value.split(",")
            sides = [int(w), int(h)]
    return sides[0], sides[1]


def repeated_images(per_item: Sequence[AbstractSet[str]]) -> frozenset[str]:
    """The image URLs in more than half of a feed's items (and in at least
    ``REPEATED_MIN``): the feed's logo or a signature, not any story's picture."""
    if len(per_item) < REPEATED_MIN:
        return frozenset()
    counts = Counter(url for urls in per_item for url in urls)
    floor = max(REPEATED_MIN, int(len(per_item) * REPEATED_SHARE) + 1)
    return frozenset(url for url, n in counts.items() if n >= floor)


_RAW_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I)


def raw_image_urls(markups: Iterable[str], base: str) -> frozenset[str]:
    """The absolute URLs of the ``<img>`` elements in raw (unsanitised) markup, for
    :func:`repeated_images`: a cheap look, no parse."""
    urls = set()
    for markup in markups:
        if "<img" not in markup and "<IMG" not in markup:
            continue
        for src in _RAW_IMG.findall(markup):
            url = absolute_url(html_lib.unescape(src), base)
            if url:
                urls.add(url)
    return frozenset(urls)


def body_candidates(html: str) -> list[Candidate]:
    """The ``<img>`` elements of an item's sanitised HTML, with their size, alt and
    title text and the link around them, in document order."""
    if "<img" not in html:
        return []
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    found = []
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if not src:
            continue
        width, height = _int(img.get("width")), _int(img.get("height"))
        link = ""
        parent = img.getparent()
        while parent is not None and parent is not root:
            if parent.tag == "a":
                link = parent.get("href") or ""
                break
            parent = parent.getparent()
        found.append(
            Candidate(
                src, width, height, _text(img.get("alt")), _text(img.get("title")), link.strip()
            )
        )
    return found


def choose_image(
    media: Sequence[Candidate],
    body_html: str,
    title: str = "",
    repeated: AbstractSet[str] = frozenset(),
) -> Image | None:
    """The story's picture: the feed's first usable media image, else the largest
    meaningful ``<img>`` of *body_html*; None when every one is junk."""
    for candidate in media:
        if not junk_reason(candidate, repeated):
            return _image(candidate, title)
    return largest(body_candidates(body_html), title, repeated)


def largest(
    candidates: Sequence[Candidate], title: str = "", repeated: AbstractSet[str] = frozenset()
) -> Image | None:
    """The largest of *candidates* that is not junk (the first of equals; an image of
    unknown size counts as a middling one), as an Image; None when all are junk."""
    best: Candidate | None = None
    best_area = -1
    for candidate in candidates:
        if junk_reason(candidate, repeated):
            continue
        width, height = candidate.width, candidate.height
        if not (width and height):
            width, height = encoded_size(candidate.url)
        area = width * height if width and height else UNKNOWN_AREA
        if area > best_area:
            best, best_area = candidate, area
    return _image(best, title) if best else None


UNKNOWN_AREA = 300 * 200


_META = re.compile(r"<meta\b[^>]*>", re.I)
_META_ATTR = re.compile(r"""\b(property|name|content)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_PAGE_KEYS = ("og:image:secure_url", "og:image", "og:image:url", "twitter:image",
              "twitter:image:src")  # fmt: skip


def page_image(page_html: str | bytes, page_url: str) -> Image | None:
    """The picture an article page names for itself (``og:image``, then
    ``twitter:image``, with their width, height and alt), else the largest meaningful
    ``<img>`` of its ``<article>`` or ``<main>``; None when there is none that is not
    junk. For ``full_text`` feeds, whose items carry no picture of their own. *page_html*
    may be the page's bytes as fetched (its ``<meta>`` tags are ASCII in any charset)."""
    if isinstance(page_html, bytes):
        page_html = page_html[:400_000].decode("utf-8", "replace")
    meta: dict[str, str] = {}
    for tag in _META.findall(page_html[:200_000]):
        attrs = {m[0].lower(): m[1] or m[2] for m in _META_ATTR.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or "").strip().lower()
        if key and "content" in attrs and key not in meta:
            meta[key] = html_lib.unescape(attrs["content"]).strip()
    for key in _PAGE_KEYS:
        url = absolute_url(meta.get(key, ""), page_url)
        if not url:
            continue
        prefix = key.split(":")[0]
        width = _int(meta.get(f"{prefix}:image:width"))
        height = _int(meta.get(f"{prefix}:image:height"))
        alt = _text(meta.get(f"{prefix}:image:alt"))
        candidate = Candidate(url, width, height, alt, kind=meta.get("og:image:type", ""))
        if not junk_reason(candidate):
            return _image(candidate, _text(meta.get("og:title")))
    return _main_image(page_html, page_url)


def _main_image(page_html: str, page_url: str) -> Image | None:
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(page_html)
    except (lxml.etree.ParserError, ValueError):
        return None
    scope = next(root.iter("article", "main"), None)
    if scope is None:
        return None
    candidates = []
    for img in scope.iter("img"):
        url = absolute_url(img.get("src") or "", page_url)
        if not url:
            continue
        link_el = next((a for a in img.iterancestors("a")), None)
        candidates.append(
            Candidate(
                url,
                _int(img.get("width")),
                _int(img.get("height")),
                _text(img.get("alt")),
                _text(img.get("title")),
                (link_el.get("href") or "") if link_el is not None else "",
            )
        )
    return largest(candidates)


def shown(image: Image | None, title: str = "") -> Image | None:
    """*image* if a story may show it (not junk by :func:`junk_reason`), its alt text
    short and never the headline again; None otherwise. For images stored before."""
    if image is None:
        return None
    if junk_reason(Candidate(image.url, image.width, image.height, image.alt)):
        return None
    return replace(image, alt=short_alt(image.alt, title))


def short_alt(alt: str, title: str) -> str:
    """*alt* as a short description: '' when it only repeats the headline (the headline
    is next to the picture) or is a file name; clipped to ``ALT_CHARS``."""
    alt = " ".join(alt.split())
    if not alt:
        return ""
    if _same_words(alt, title) or re.fullmatch(r"[\w\-.]+\.(?:jpe?g|png|gif|webp)", alt, re.I):
        return ""
    if len(alt) > ALT_CHARS:
        cut = alt[:ALT_CHARS].rsplit(" ", 1)[0]
        alt = cut.rstrip(",;:-–— ") + "…"
    return alt


def _same_words(a: str, b: str) -> bool:
    return bool(b) and _WORDS.findall(a.casefold()) == _WORDS.findall(b.casefold())


def _image(candidate: Candidate, title: str) -> Image:
    width, height = candidate.width, candidate.height
    if not (width and height):
        width = height = None  # a size is only of use with both sides
    alt = candidate.alt or candidate.title
    return Image(candidate.url, width, height, short_alt(alt, title))


def _is_share(candidate: Candidate) -> bool:
    for text in (candidate.alt, candidate.title):
        if text and (_SHARE_TEXT.match(text) or text.casefold().strip() in _NETWORKS):
            return True
    if _button_file(_path(candidate.url), _NETWORKS):
        return True
    link = candidate.link
    if not link:
        return False
    if link.lower().startswith("mailto:"):
        return True
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    host = parts.hostname or ""
    return bool(
        _SHARE_HOST.search(host) or _SHARE_LINK.search(parts.path) or is_ad_host(host, True)
    ) or bool(_TRACKING_PATH.search(parts.path))


def _button_file(path: str, kinds: frozenset[str]) -> bool:
    """True when the file's name is made only of a button's or a badge's words and has
    one of *kinds* ("facebook-16.png", "icon_rss.gif", "logo.png"), unlike
    "facebook-hearing.jpg"."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    named = [w for w in _WORDS.findall(stem) if not w.isdigit()]
    if not named or not all(w in _NETWORKS or w in _BUTTON_WORDS for w in named):
        return False
    return not kinds.isdisjoint(named)


def _unshown_format(url: str, kind: str) -> bool:
    if kind and UNSHOWN_TYPES.match(kind.strip()):
        return True
    suffix = _path(url).rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return suffix in UNSHOWN_SUFFIXES


def _path(url: str) -> str:
    try:
        return unquote(urlsplit(url).path)
    except ValueError:
        return ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _text(value: str | None) -> str:
    return " ".join(html_lib.unescape(value or "").split())


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip().removesuffix("px"))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10_000 else None
