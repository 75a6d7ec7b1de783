"""The newsletter on the web: the archive of issues, each issue's page ("View in
browser"), an Atom feed of issues, sign-up with double opt-in, a reader's own page to
change their edition and sections, unsubscribe (RFC 8058 one-click too), and a health
check. ``digest serve`` runs it; ``digest run`` runs it beside the schedule when
``web:`` is configured.

aiohttp's server (aiohttp is already the fetch half's HTTP client) answers; each request
does its work in a thread with a store of its own (SQLite connections stay in the thread
that made them). Pages are Jinja2 templates under ``templates/web/``, overridable from the
``templates/`` folder next to config.yaml as the email's are.

Links mailed to a reader are signed for one purpose each (``tokens.py``). Every form
carries a CSRF token that must match a SameSite=Strict cookie (double submit), except the
one-click unsubscribe a mail program sends (RFC 8058: the body
``List-Unsubscribe=One-Click`` to the signed URL, which is itself the proof). Sign-ups are
rate-limited per client address and per email address (``limits``, in memory).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aiohttp import web

from digest import subscribers as readers
from digest.config import Config
from digest.errors import ConfigError, DigestError, UsageError
from digest.lang import translations
from digest.models import Subscriber, SubscriberStatus
from digest.store import Store, open_store
from digest.tokens import CONFIRM_DAYS, Purpose, sign, unsign

log = logging.getLogger(__name__)

T = TypeVar("T")
CONFIG: web.AppKey[Config] = web.AppKey("config", Config)
LIMITER: web.AppKey[Any] = web.AppKey("limiter", object)
RESEND_AFTER = timedelta(minutes=10)  # a sign-up repeated sooner gets no second mail
PAGE_SIZE = 50  # issues per archive page
FEED_SIZE = 50  # issues in the Atom feed
PER_CLIENT = "10/hour"  # sign-ups from one client address
PER_ADDRESS = "3/hour"  # sign-ups for one email address
CSRF_COOKIE = "digest_csrf"
ONE_CLICK = "List-Unsubscribe=One-Click"
# An issue page is the email as sent: its own inline styles and pictures, nothing to run.
ISSUE_POLICY = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'"
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"


def application(config: Config) -> web.Application:
    """The web app for *config* (which must have ``web:``)."""
    if config.web is None:
        raise ConfigError("digest serve needs a web: section", hint="see web.base_url")
    if not config.web.secret:
        raise ConfigError(missing_secret(config), hint=SECRET_HINT)
    app = web.Application(client_max_size=64 * 1024)
    app[CONFIG] = config
    app[LIMITER] = _limiter()
    app.add_routes(
        [
            web.get("/", archive),
            web.get("/issues/{id:\\d{1,18}}", issue),
            web.get("/feed.atom", atom),
            web.post("/subscribe", subscribe),
            web.get("/confirm/{signed}", confirm),
            web.post("/confirm/{signed}", confirm),
            web.get("/manage/{signed}", manage),
            web.post("/manage/{signed}", manage),
            web.get("/unsubscribe/{signed}", unsubscribe),
            web.post("/unsubscribe/{signed}", unsubscribe),
            web.get("/healthz", health),
            web.get("/metrics", metrics),
        ]
    )
    return app


SECRET_HINT = "set it to a long random string: it signs the links mailed to readers"


def missing_secret(config: Config) -> str:
    """What is said when the signing key cannot be had."""
    assert config.web is not None
    if config.web.secret_file:
        return f"cannot read the signing key from {config.web.secret_file} (web.secret_file)"
    return f"the environment variable {config.web.secret_env} (web.secret_env) is not set"


def serve(config: Config) -> None:
    """Run the web app until interrupted (``digest serve``)."""
    app = application(config)
    assert config.web is not None
    print(f"Serving on http://{config.web.listen}/ as {config.web.base_url} (Ctrl-C stops).")
    try:
        web.run_app(app, host=config.web.host, port=config.web.port, print=None)
    except OSError as exc:
        raise DigestError(f"cannot listen on {config.web.listen}: {exc.strerror}") from None


def start_in_thread(config: Config) -> Callable[[], None]:
    """Serve the web app from a thread of its own (``digest run`` with ``web:``); returns
    the function that stops it. Raises ConfigError, as :func:`application`, before any
    thread starts, and DigestError when the address cannot be listened on."""
    import threading

    app = application(config)
    assert config.web is not None
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, handle_signals=False)
    try:
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, config.web.host, config.web.port)
        loop.run_until_complete(site.start())
    except OSError as exc:
        loop.run_until_complete(runner.cleanup())
        loop.close()
        raise DigestError(f"cannot listen on {config.web.listen}: {exc.strerror}") from None
    thread = threading.Thread(target=loop.run_forever, name="digest-web", daemon=True)
    thread.start()
    log.info("web: serving %s on http://%s/", config.web.base_url, config.web.listen)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    return stop


# --- pages ---------------------------------------------------------------------------------


async def archive(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    page = max(1, _number(request.query.get("page", "1")))
    found, total = await _with_store(
        config, lambda store: store.issues(PAGE_SIZE, (page - 1) * PAGE_SIZE), readonly=True
    )
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        _ = _words(config)
        return _message(request, _("No such page"), _("The archive has no such page."), 404)
    return _page(
        request,
        "archive.html",
        issues=found,
        sections=_sections(config),
        editions=_editions(config),
        page=page,
        pages=pages,
    )


async def issue(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    number = int(request.match_info["id"])
    found = await _with_store(config, lambda store: store.issue(number), readonly=True)
    if found is None:
        _ = _words(config)
        return _message(request, _("No such issue"), _("This issue does not exist."), 404)
    response = web.Response(text=found.html, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = ISSUE_POLICY
    return response


async def atom(request: web.Request) -> web.Response:
    from feedgen.feed import FeedGenerator

    config = request.app[CONFIG]
    base = _url(config, "")
    issues, _total = await _with_store(config, lambda store: store.issues(FEED_SIZE), readonly=True)
    feed = FeedGenerator()
    feed.id(f"{base}/")
    feed.title(config.title)
    feed.link(href=f"{base}/", rel="alternate")
    feed.link(href=f"{base}/feed.atom", rel="self")
    feed.updated(issues[0].sent_at if issues else datetime(2000, 1, 1, tzinfo=UTC))
    for item in reversed(issues):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(f"{base}/issues/{item.id}")
        entry.title(item.subject)
        entry.link(href=f"{base}/issues/{item.id}", rel="alternate")
        entry.updated(item.sent_at)
        entry.published(item.sent_at)
    body = feed.atom_str(pretty=True)
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")


async def subscribe(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    _ = _words(config)
    form = await _form(request)
    if not _form_ok(request, form):
        return _expired_form(request)
    try:
        email = readers.normal_address(str(form.get("email", "")))
        edition = readers.edition_name(str(form.get("edition", "")), _editions(config))
        sections = readers.chosen_sections(
            [str(v) for v in form.getall("sections", [])], _sections(config)
        )
    except UsageError as exc:
        return _message(request, _("Not subscribed"), str(exc), status=400)
    if not _allowed(request, email):
        return _message(
            request,
            _("Too many sign-ups"),
            _("Too many sign-ups came from here or for this address. Try again in an hour."),
            status=429,
        )
    now = datetime.now(UTC)
    confirm_by_mail = config.subscribers.double_opt_in

    def sign_up(store: Store) -> Subscriber | None:
        """The reader to mail (a confirmation, or an active reader's own link); None:
        nothing to mail."""
        before = store.subscriber(email=email)
        recent = before and before.changed and now - before.changed < RESEND_AFTER
        if before and before.status in ("active", "pending") and recent:
            return None  # one mail at a time: no mailbomb by form
        if before and before.status == "active":
            store.save_subscriber(before, now)  # counts as the last change: see above
            return before  # already reading: the same answer; their own link, to them
        status: SubscriberStatus = "pending" if confirm_by_mail else "active"
        token = before.token if before else readers.new_token()
        reader = Subscriber(email, token, status, edition, sections, now)
        store.save_subscriber(reader, now)
        return reader if confirm_by_mail else None

    reader = await _with_store(config, sign_up)
    if reader is not None and reader.status == "active":
        await asyncio.to_thread(_mail_manage_link, config, reader, now)
    elif reader is not None:
        await asyncio.to_thread(_mail_confirmation, config, reader, now)
    if confirm_by_mail:
        said = _(
            "If %(email)s can receive mail, a message with a confirmation link is on its way."
            " Your first %(title)s comes after you follow that link."
        )
        return _message(
            request, _("Check your inbox"), said % {"email": email, "title": config.title}
        )
    done = _("%(email)s will receive %(title)s.") % {"email": email, "title": config.title}
    return _message(request, _("Subscribed"), done)


async def confirm(request: web.Request) -> web.Response:
    """GET: a page with a button; POST (that button): the sign-up is confirmed. A link
    scanner that opens every link in a mail confirms nothing."""
    config = request.app[CONFIG]
    _ = _words(config)
    token = _reader_id(config, "confirm", request.match_info["signed"])
    if token is None:
        return _message(
            request,
            _("Link not valid"),
            _(
                "This confirmation link has expired or is not one we sent. Sign up again to"
                " get a new one."
            ),
            status=410,
        )
    if request.method != "POST":
        return _page(request, "confirm.html")
    if not _form_ok(request, await _form(request)):
        return _expired_form(request)

    def activate(store: Store) -> Subscriber | None:
        reader = store.subscriber(token=token)
        if reader and reader.status == "pending":
            reader = replace(reader, status="active")
            store.save_subscriber(reader, datetime.now(UTC))
        return reader

    reader = await _with_store(config, activate)
    if reader is None or reader.status != "active":
        return _message(request, _("Link not valid"), _("This sign-up was withdrawn."), 410)
    return _message(
        request,
        _("Subscribed"),
        _("%(email)s will receive %(title)s.") % {"email": reader.email, "title": config.title},
        link=(_reader_url(config, "manage", reader), _("Choose your edition and sections")),
    )


async def manage(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    token = _reader_id(config, "manage", request.match_info["signed"])
    saved = False
    if token is None:
        reader = None
    elif request.method == "POST":
        form = await _form(request)
        if not _form_ok(request, form):
            return _expired_form(request)
        try:
            edition = readers.edition_name(str(form.get("edition", "")), _editions(config))
            sections = readers.chosen_sections(
                [str(v) for v in form.getall("sections", [])], _sections(config)
            )
        except UsageError as exc:
            _ = _words(config)
            return _message(request, _("Not changed"), str(exc), status=400)

        def change(store: Store) -> Subscriber | None:
            reader = store.subscriber(token=token)
            if reader is not None:
                reader = replace(reader, edition=edition, sections=sections)
                store.save_subscriber(reader, datetime.now(UTC))
            return reader

        reader = await _with_store(config, change)
        saved = True
    else:
        reader = await _with_store(config, lambda store: store.subscriber(token=token))
    if reader is None:
        return _unknown_link(request)
    return _page(
        request,
        "manage.html",
        reader=reader,
        sections=_sections(config),
        editions=_editions(config),
        saved=saved,
        unsubscribe_link=_reader_url(config, "unsubscribe", reader),
    )


async def unsubscribe(request: web.Request) -> web.Response:
    """GET: a page with a button. POST: unsubscribe, from that button (with its CSRF
    token) or a mail program's RFC 8058 one-click request (``List-Unsubscribe=One-Click``:
    the signed URL is the proof, and the program has no cookie)."""
    config = request.app[CONFIG]
    token = _reader_id(config, "unsubscribe", request.match_info["signed"])
    if request.method != "POST":
        reader = None
        if token is not None:
            reader = await _with_store(
                config, lambda store: store.subscriber(token=token), readonly=True
            )
        if reader is None:
            return _unknown_link(request)
        return _page(
            request,
            "unsubscribe.html",
            reader=reader,
            done=False,
            manage_link=_reader_url(config, "manage", reader),
        )
    form = await _form(request)  # a mail program may send it urlencoded or multipart
    one_click = str(form.get("List-Unsubscribe", "")).strip() == "One-Click"
    if not one_click and not _form_ok(request, form):
        return _expired_form(request)
    if token is None:
        return _unknown_link(request)

    def leave(store: Store) -> Subscriber | None:
        reader = store.subscriber(token=token)
        if reader is not None and reader.status != "unsubscribed":
            reader = replace(reader, status="unsubscribed")
            store.save_subscriber(reader, datetime.now(UTC))
        return reader

    reader = await _with_store(config, leave)
    if reader is None:
        return _unknown_link(request)
    return _page(request, "unsubscribe.html", reader=reader, done=True, manage_link="")


async def health(request: web.Request) -> web.Response:
    """JSON: the last fetch, the last send per edition; 200 while healthy, else 503."""
    config = request.app[CONFIG]

    def read(store: Store) -> dict[str, Any]:
        fetched = [s.last_fetch for s in store.feed_states().values() if s.last_fetch]
        last = store.last_digest()
        failure = store.last_failure()
        sent_at = last.sent_at if last else None
        failing = failure is not None and (sent_at is None or failure.at > sent_at)
        per_edition = {}
        for number, edition in enumerate(_editions(config)):
            record = store.last_digest("" if number == 0 else edition)
            when = record.sent_at if record else None
            per_edition[edition] = when.isoformat() if when else None
        return {
            "status": "failing" if failing else "ok",
            "last_fetch": max(fetched).isoformat() if fetched else None,
            "last_send": per_edition,
            "last_failure": failure.reason if failing and failure else None,
        }

    data = await _with_store(config, read, readonly=True)
    return web.json_response(
        data, status=200 if data["status"] == "ok" else 503, dumps=lambda d: json.dumps(d)
    )


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics, read from the store (``metrics.py``)."""
    from digest.metrics import exposition

    config = request.app[CONFIG]
    body = await _with_store(config, lambda store: exposition(config, store), readonly=True)
    return web.Response(body=body, content_type="text/plain", charset="utf-8")


# --- helpers -------------------------------------------------------------------------------


async def _with_store(config: Config, work: Callable[[Store], T], readonly: bool = False) -> T:
    """*work* on a store opened for it, in a worker thread."""

    def run() -> T:
        with open_store(config.database, readonly=readonly) as store:
            return work(store)

    try:
        return await asyncio.to_thread(run)
    except DigestError as exc:
        log.error("web: %s", exc)
        raise web.HTTPServiceUnavailable(text="The digest's database cannot be read.") from None


def _editions(config: Config) -> list[str]:
    return [e.name for e in config.all_editions]


def _number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 9 else 0


def _sections(config: Config) -> list[str]:
    return readers.section_names(config)


def _url(config: Config, path: str) -> str:
    assert config.web is not None
    return config.web.base_url + path


def _reader_url(config: Config, purpose: Purpose, reader: Subscriber) -> str:
    """The signed link that does *purpose* for *reader*."""
    assert config.web is not None
    return _url(config, f"/{purpose}/{sign(config.web.secret or '', purpose, reader.token)}")


def confirmation_url(config: Config, reader: Subscriber) -> str:
    """The signed, expiring link that confirms *reader*'s sign-up."""
    return _reader_url(config, "confirm", reader)


def _reader_id(config: Config, purpose: Purpose, signed: str) -> str | None:
    assert config.web is not None
    return unsign(config.web.secret or "", purpose, signed)


def _limiter() -> Any:
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    return MovingWindowRateLimiter(MemoryStorage())


def _allowed(request: web.Request, email: str) -> bool:
    """True while neither this client address nor this email address has signed up too
    often (both are counted, so a flood of addresses from one client and one address from
    many clients are both held back)."""
    from limits import parse

    limiter = request.app[LIMITER]
    client = request.remote or "unknown"
    by_client = limiter.hit(parse(PER_CLIENT), "client", client)
    by_address = limiter.hit(parse(PER_ADDRESS), "address", email.casefold())
    return bool(by_client and by_address)


async def _form(request: web.Request) -> Any:
    """The posted form (urlencoded or multipart); empty when the body is none of them."""
    try:
        return await request.post()
    except ValueError:  # a multipart body without its boundary, or other garbage
        return {}


def _form_ok(request: web.Request, form: Any) -> bool:
    """True when the form's CSRF token matches this browser's cookie (double submit)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf", ""))
    return bool(cookie) and secrets.compare_digest(cookie, sent)


def _words(config: Config) -> Callable[[str], str]:
    """gettext in the digest's language (``digest.lang``), for the pages' own words."""
    return translations(config.digest.lang).gettext


def _unknown_link(request: web.Request) -> web.Response:
    _ = _words(request.app[CONFIG])
    return _message(request, _("Unknown link"), _("This link belongs to no reader."), 404)


def _expired_form(request: web.Request) -> web.Response:
    _ = _words(request.app[CONFIG])
    return _message(
        request,
        _("Form expired"),
        _(
            "This form was not sent from this site's page, or your browser blocks its cookie."
            " Open the page again and send the form from there."
        ),
        status=403,
    )


def _mail_confirmation(config: Config, reader: Subscriber, now: datetime) -> None:
    """Mail *reader* the link that confirms their sign-up (through delivery, as digests)."""
    _ = _words(config)
    values = {"title": config.title, "days": CONFIRM_DAYS, "link": confirmation_url(config, reader)}
    text = _(
        "Someone, probably you, asked to receive %(title)s at this address.\n\n"
        "To confirm, open this link within %(days)s days:\n%(link)s\n\n"
        "If it was not you, ignore this message: nothing will be sent.\n"
    )
    subject = _("Confirm your subscription to %(title)s") % values
    _mail(config, reader, now, subject, text % values)


def _mail_manage_link(config: Config, reader: Subscriber, now: datetime) -> None:
    """Mail a reader who signed up again (already reading) their own page's link."""
    _ = _words(config)
    values = {"title": config.title, "link": _reader_url(config, "manage", reader)}
    text = _(
        "Someone, probably you, asked to receive %(title)s at this address: it already"
        " does.\n\nTo choose your edition and sections, or to leave, open your page:\n"
        "%(link)s\n"
    )
    _mail(config, reader, now, _("Your subscription to %(title)s") % values, text % values)


def _mail(config: Config, reader: Subscriber, now: datetime, subject: str, text: str) -> None:
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import format_datetime, make_msgid

    from digest.deliver import Outgoing, deliver
    from digest.message import sender_domain

    msg = EmailMessage(policy=SMTP)
    msg["From"] = config.delivery.from_
    msg["To"] = reader.email
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender_domain(config.delivery.from_))
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    try:
        deliver([Outgoing(reader.email, msg.as_bytes())], config.delivery, now)
    except DigestError as exc:  # the address is not logged: a log tells nobody who signed up
        log.warning("a confirmation mail was not sent: %s", exc)


def _environment(config: Config) -> Any:
    from digest.render import environment

    return environment(config.folder / "templates", config.zone, config.digest.lang)


def _page(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    """A page from ``templates/web/``; its forms get this browser's CSRF token."""
    config = request.app[CONFIG]
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    template = _environment(config).get_template(f"web/{name}")
    text = template.render(
        title=config.title, base_url=_url(config, ""), csrf=csrf, lang=config.digest.lang, **values
    )
    response = web.Response(text=text, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"  # a reader's link stays theirs
    if request.cookies.get(CSRF_COOKIE) != csrf:
        secure = _url(config, "").startswith("https://")
        response.set_cookie(
            CSRF_COOKIE, csrf, httponly=True, samesite="Strict", secure=secure, path="/"
        )
    return response


def _message(
    request: web.Request,
    heading: str,
    text: str,
    status: int = 200,
    link: tuple[str, str] | None = None,
) -> web.Response:
    return _page(request, "message.html", status=status, heading=heading, text=text, link=link)
