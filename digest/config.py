"""config.yaml: one schema holds every key, its default, its help text and its check.

``load_config`` reads the file, validates everything at once and reports every
problem with its dotted path (``delivery.smtp.port: expected an integer``).
Relative paths are taken relative to the config file's folder. Secrets are
never stored here: the config names the environment variable that holds them.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from digest.errors import ConfigError

DEFAULT_SUBJECT = (
    "{{ title }}: {{ top_headline }}{% if item_count > 1 %} and {{ item_count - 1 }} more"
    "{% endif %}"
)


def _duration(value: Any) -> Any:
    """Accept seconds as a number or strings like ``90s``, ``30m``, ``6h``, ``2d``."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value)
        if not match:
            raise ValueError("expected a duration such as 30s, 15m, 6h or 1d")
        number, unit = float(match.group(1)), match.group(2) or "s"
        return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    if isinstance(value, float) and not math.isfinite(value):  # before "greater than 0"
        raise ValueError("expected a finite number")
    return value


# Upper bounds: a number past them is a mistake, and .inf, 1e300 or nan would pass a
# lower bound only to crash later (a timer, a date, a socket timeout that cannot hold it).
MAX_SECONDS = 30 * 86400
MAX_DAYS = 36500
MAX_HOURS = 8760  # a year
MAX_COUNT = 1_000_000


def _at_most_30_days(seconds: float) -> float:
    if seconds > MAX_SECONDS:
        raise ValueError(f"must be at most 30 days ({MAX_SECONDS} seconds)")
    return seconds


Seconds = Annotated[
    float,
    BeforeValidator(_duration),
    Field(ge=0, allow_inf_nan=False),
    AfterValidator(_at_most_30_days),
]
Timeout = Annotated[  # 0 would fail every try
    float,
    BeforeValidator(_duration),
    Field(gt=0, allow_inf_nan=False),
    AfterValidator(_at_most_30_days),
]

# Characters that must never reach an email header (or the User-Agent): C0 and C1 control
# characters (CR and LF above all: "\r\nBcc: ..." would add a header), DEL, and the line and
# paragraph separators, which Python's str.splitlines() also takes for line ends.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _header_text(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        raise ValueError(
            f"must not contain control characters or line breaks (found {found.group()!r})"
        )
    return value


HeaderText = Annotated[str, AfterValidator(_header_text)]


def secret_value(env: str | None, file: Path | None) -> str | None:
    """A secret from an environment variable or a file (its first line, so the newline an
    editor or ``echo`` adds is not part of it); None when unset, empty or unreadable (the
    error that follows names the variable or the file)."""
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        value = text.splitlines()[0] if text.strip() else ""
        return value or None
    return (os.environ.get(env) or None) if env else None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(Strict):
    url: str = Field(description="http(s) URL of the feed, or a local file (file: URL or path)")
    username: str | None = Field(None, description="user name for a feed behind HTTP Basic auth")
    password_env: str | None = Field(
        None, description="environment variable with that feed's password (not in the URL)"
    )
    password_file: Path | None = Field(None, description="… or a file holding it")
    name: str | None = Field(None, description="shown as the source; defaults to the feed's title")
    section: str | None = Field(None, description="puts every item of this feed in this section")
    full_text: bool = Field(
        False, description="fetch each article page and write the blurb from its main text"
    )

    @model_validator(mode="after")
    def _feed_password(self) -> FeedConfig:
        if self.password_env and self.password_file:
            raise ValueError("give password_env or password_file, not both")
        if (self.password_env or self.password_file) and not self.username:
            raise ValueError("a password needs a username")
        return self

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(user, password) for HTTP Basic auth, the password from the environment or its
        file; None when the feed needs none. A password that cannot be had is sent empty:
        the server then answers 401, which the feed's error says."""
        if not self.username:
            return None
        return self.username, secret_value(self.password_env, self.password_file) or ""


class SectionConfig(Strict):
    name: str = Field(description="heading shown in the digest")
    categories: tuple[str, ...] = Field((), description="item categories/tags that match")
    keywords: tuple[str, ...] = Field((), description="whole words matched in title and summary")
    match: tuple[str, ...] = Field((), description="regular expressions matched likewise")
    exclude: tuple[str, ...] = Field((), description="words or regexes that keep an item out")
    sort: Literal["newest", "coverage"] = Field(
        "newest", description="newest first, or stories covered by more feeds first"
    )

    @field_validator("match", "exclude")
    @classmethod
    def _regexes(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        return patterns


class FiltersConfig(Strict):
    exclude: tuple[str, ...] = Field((), description="words or regexes that drop an item anywhere")

    @field_validator("exclude")
    @classmethod
    def _regexes(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return SectionConfig._regexes(patterns)


class DigestConfig(Strict):
    max_items_per_section: int = Field(
        10, ge=1, le=MAX_COUNT, description="cap on stories per section"
    )
    max_items_per_feed: int = Field(
        5,
        ge=0,
        le=MAX_COUNT,
        description="cap on one feed's stories in a digest, so one busy feed cannot fill it"
        " (sections count in their order); 0 = no cap",
    )
    max_age_days: float = Field(
        7, ge=0, le=MAX_DAYS, allow_inf_nan=False, description="ignore older items; 0 = no limit"
    )
    blurb_chars: int = Field(
        300, ge=40, le=MAX_COUNT, description="upper bound on a blurb's length"
    )
    subject: str = Field(DEFAULT_SUBJECT, description="Jinja2 template for the email subject")

    @field_validator("subject")
    @classmethod
    def _template(cls, value: str) -> str:
        import jinja2

        try:
            jinja2.Environment().parse(value)
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"bad template: {(exc.message or '').rstrip('.')}") from None
        return value

    send_empty: bool = Field(False, description='send a "nothing new" digest when nothing is new')
    fallback: str | None = Field("More", description="section for unmatched items; null drops them")
    max_html_bytes: int = Field(
        100_000,
        ge=10_000,
        le=1_000_000_000,
        description="keep the HTML part under this size (Gmail clips ~102 KB)",
    )
    lang: str = Field(
        "en",
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="language of the digest (BCP 47): its own words and dates (en, de, fr, es,"
        " pt, ko, zh; others read English) and the HTML lang attribute",
    )
    cluster_hours: float = Field(
        48,
        ge=0,
        le=MAX_HOURS,
        allow_inf_nan=False,
        description="near-identical titles this close in time are one story",
    )


class SmtpConfig(Strict):
    host: str = Field("localhost", description="SMTP server")
    port: int = Field(587, ge=1, le=65535, description="SMTP port")
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="transport security"
    )
    username: str | None = Field(None, description="login name, if the server needs one")
    password_env: str | None = Field(None, description="environment variable with the password")
    password_file: Path | None = Field(
        None, description="file holding the password (a container secret, a systemd credential)"
    )
    timeout: Timeout = Field(30, description="seconds to wait for the server")
    retries: int = Field(3, ge=0, le=100, description="retries of a temporary failure within a run")

    @model_validator(mode="after")
    def _one_password(self) -> SmtpConfig:
        if self.password_env and self.password_file:
            raise ValueError("give password_env or password_file, not both")
        return self

    @property
    def password(self) -> str | None:
        """The password from the environment or its file, never from config.yaml."""
        return secret_value(self.password_env, self.password_file)


class UnsubscribeConfig(Strict):
    mailto: HeaderText | None = Field(None, description="address that unsubscribes a reader")
    url: HeaderText | None = Field(
        None, description="https URL that unsubscribes (RFC 8058 one-click)"
    )

    @model_validator(mode="after")
    def _one(self) -> UnsubscribeConfig:
        if not self.mailto and not self.url:
            raise ValueError("give mailto, url or both")
        if self.url and not _HTTPS_URL.fullmatch(self.url):
            raise ValueError("url must be an https URL (no spaces, quotes or angle brackets)")
        if self.mailto and not _MAILBOX.fullmatch(self.mailto):
            raise ValueError(f"mailto must be a bare email address: {self.mailto!r}")
        return self


# What may go between "<" and ">" of a List-Unsubscribe header, unescaped.
_MAILBOX = re.compile(r"[A-Za-z0-9.!#$%&'*+/=^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_HTTPS_URL = re.compile(r"https://[^\s<>\"',]+")


class DkimConfig(Strict):
    selector: HeaderText = Field(description="DKIM selector")
    domain: HeaderText = Field(description="signing domain (d=)")
    key_file: Path = Field(description="PEM private key file")


class DeliveryConfig(Strict):
    method: Literal["outbox", "smtp"] = Field("outbox", description="outbox (files) or smtp")
    outbox: Path = Field(Path("outbox"), description="folder for .eml files (method: outbox)")
    from_: HeaderText = Field(
        "Digest <digest@example.org>", alias="from", description="sender address"
    )
    to: Annotated[
        tuple[HeaderText, ...], BeforeValidator(lambda v: (v,) if isinstance(v, str) else v)
    ] = Field(("reader@example.org",), min_length=1, description="recipients")
    list_id: HeaderText | None = Field(
        None, description="List-Id header; defaults from title and domain"
    )
    smtp: SmtpConfig = Field(default_factory=SmtpConfig, description="SMTP settings")
    unsubscribe: UnsubscribeConfig | None = Field(None, description="List-Unsubscribe targets")
    dkim: DkimConfig | None = Field(None, description="DKIM signing")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_", "to", mode="after")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        from email.utils import parseaddr

        for address in (value,) if isinstance(value, str) else value:
            if "@" not in parseaddr(address)[1]:
                raise ValueError(f"not an email address: {address!r}")
        return value


class FetchConfig(Strict):
    timeout: Timeout = Field(30, description="total seconds allowed for one response")
    max_bytes: int = Field(
        10_000_000, ge=1024, le=1_000_000_000, description="cap on a decoded response body"
    )
    max_redirects: int = Field(5, ge=0, le=100, description="redirects followed per request")
    max_items_per_feed: int = Field(
        200, ge=1, le=MAX_COUNT, description="items kept from one feed document"
    )
    concurrency: int = Field(16, ge=1, le=10_000, description="requests in flight at once")
    per_host: int = Field(4, ge=1, le=10_000, description="requests in flight to one host")
    user_agent: HeaderText | None = Field(
        None, description="User-Agent header; default names digest"
    )
    allow_private: tuple[str, ...] = Field(
        (),
        description="address ranges (CIDR) that links, redirects and moves found in feeds may"
        " reach; loopback, private, link-local and reserved ones are refused otherwise",
    )
    proxy: HeaderText | None = Field(
        None,
        description="HTTP proxy for every fetch (http://host:port, user:password@ allowed);"
        " default: the HTTPS_PROXY / HTTP_PROXY / NO_PROXY environment variables",
    )

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            raise ValueError(f"not a proxy URL: {value!r} (http://proxy.example:3128)") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a proxy URL: {value!r} (http://proxy.example:3128)")
        return value.strip()

    @field_validator("allow_private")
    @classmethod
    def _networks(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        import ipaddress

        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(f"not an address range: {value!r} (CIDR: 10.0.0.0/8)") from None
        return values


def cron_expression(value: str) -> str:
    """*value* when APScheduler reads it as a crontab line; else a ValueError saying why."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {value!r}: {exc}") from None
    return value


class EditionConfig(Strict):
    name: str = Field(description="the edition's name (daily, weekly…)")
    schedule: str = Field(description="cron expression for sending it, in `timezone`")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", value):
            raise ValueError(
                f"an edition's name is lower-case ASCII letters, digits and hyphens (it is"
                f" part of links and the CSV): {value!r}"
            )
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return cron_expression(value)


class ScheduleConfig(Strict):
    fetch: str = Field("*/30 * * * *", description="cron expression for fetching")
    send: str = Field("0 7 * * *", description="cron expression for sending the digest")
    misfire_grace: Seconds = Field(6 * 3600, description="how late a missed send is made up")

    @field_validator("fetch", "send")
    @classmethod
    def _cron(cls, value: str) -> str:
        return cron_expression(value)


class MonitorConfig(Strict):
    feed_failing: Seconds = Field(
        2 * 86400, description="`digest status --check` fails when a feed has failed this long"
    )
    send_overdue: Seconds = Field(
        3600, description="… or when a scheduled send is this late and has not happened"
    )


class WorkersConfig(Strict):
    stalled_after: Seconds = Field(
        30,
        ge=3,
        description="a worker silent this long is taken for dead: its task goes to another",
    )


class StoreConfig(Strict):
    keep_days: float = Field(
        90,
        ge=1,
        le=MAX_DAYS,
        allow_inf_nan=False,
        description="prune handled items out of their feed (or of a removed feed) this many days",
    )


class WebConfig(Strict):
    base_url: str = Field(description="public address used in every link mailed (https://…)")
    listen: str = Field("127.0.0.1:8080", description="host:port where `digest serve` listens")
    secret_env: str = Field(
        "DIGEST_SECRET", description="environment variable holding the key that signs links"
    )
    secret_file: Path | None = Field(
        None, description="file holding that key instead (read when set; secret_env is ignored)"
    )

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s<>\"',/]+(?:/[^\s<>\"',]*)?", value):
            raise ValueError(f"base_url must be an http(s) URL: {value!r}")
        if not value.isascii():  # it goes into List-Unsubscribe headers as it is
            raise ValueError(f"base_url must be ASCII (a domain as xn--…): {value!r}")
        return value.rstrip("/")

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"listen must be host:port, as 127.0.0.1:8080: {value!r}")
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    @property
    def secret(self) -> str | None:
        """The signing key from its file or the environment, never from config.yaml."""
        if self.secret_file:
            return secret_value(None, self.secret_file)
        return secret_value(self.secret_env, None)


class SubscribersConfig(Strict):
    double_opt_in: bool = Field(
        True, description="mail a confirmation link before a web sign-up gets its first digest"
    )


class Config(Strict):
    title: HeaderText = Field("Digest", description="the digest's title")
    timezone: str = Field("UTC", description="IANA time zone for dates and the schedule")
    database: Path | str = Field(
        Path("digest.sqlite3"),
        description="SQLite file, or postgresql://user@host:port/dbname (password from"
        " PGPASSWORD or ~/.pgpass, never in the URL)",
    )
    feeds: tuple[FeedConfig, ...] = Field(min_length=1, description="the feeds to read")
    sections: tuple[SectionConfig, ...] = Field((), description="sections, in display order")
    filters: FiltersConfig = Field(default_factory=FiltersConfig, description="global filters")
    digest: DigestConfig = Field(default_factory=DigestConfig, description="what goes in")
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig, description="how it goes out")
    fetch: FetchConfig = Field(default_factory=FetchConfig, description="fetch limits")
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig, description="digest run")
    store: StoreConfig = Field(default_factory=StoreConfig, description="retention")
    monitor: MonitorConfig = Field(
        default_factory=MonitorConfig, description="what `digest status --check` calls a problem"
    )
    editions: tuple[EditionConfig, ...] = Field(
        (),
        description="editions readers choose from, each on its own schedule; the first is"
        " delivery.to's (default: one, daily, at schedule.send)",
    )
    web: WebConfig | None = Field(None, description="the web archive and sign-up (digest serve)")
    workers: WorkersConfig | None = Field(
        None,
        description="digest run hands fetch and send tasks to `digest worker` processes"
        " (a queue in the PostgreSQL database); none: it does them itself",
    )
    subscribers: SubscribersConfig = Field(
        default_factory=SubscribersConfig, description="readers who sign up themselves"
    )
    path: Path = Field(Path("config.yaml"), exclude=True, description="(set by the loader)")

    @property
    def all_editions(self) -> tuple[EditionConfig, ...]:
        """The editions, the first the default one (delivery.to's, and `digest send`'s)."""
        return self.editions or (EditionConfig(name="daily", schedule=self.schedule.send),)

    @property
    def default_edition(self) -> str:
        return self.all_editions[0].name

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        return database_setting(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _workers_need_postgresql(self) -> Config:
        if self.workers is not None and not isinstance(self.database, str):
            raise ValueError(
                "workers: needs a PostgreSQL database (database: postgresql://…): the"
                " task queue lives there"
            )
        return self

    @field_validator("editions")
    @classmethod
    def _unique_editions(cls, value: tuple[EditionConfig, ...]) -> tuple[EditionConfig, ...]:
        names = [e.name for e in value]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"edition names must differ: {', '.join(doubled)} twice")
        return value

    @property
    def folder(self) -> Path:
        """The folder relative paths are taken from."""
        return self.path.parent

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


def database_setting(value: str) -> Path | str:
    """config's ``database`` from its text: an SQLite file's path, or a ``postgresql://``
    URL (checked: it names a database and holds no password). Raises ValueError."""
    if not value.startswith(("postgresql://", "postgres://")):
        if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
            raise ValueError(
                f"must be an SQLite file or a postgresql:// URL, not {value.split('://')[0]}://"
            )
        return Path(value)
    parts = urlsplit(value)
    if parts.password is not None:
        raise ValueError(
            "the URL holds a password: leave it out and set PGPASSWORD"
            " (or use ~/.pgpass) where digest runs"
        )
    if not parts.path.strip("/"):
        raise ValueError("the URL names no database: postgresql://user@host:port/dbname")
    return value


def user_config() -> Path:
    """``$XDG_CONFIG_HOME/digest/config.yaml`` (``~/.config/digest/config.yaml``)."""
    home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(home) / "digest" / "config.yaml"


def user_data() -> Path:
    """``$XDG_DATA_HOME/digest`` (``~/.local/share/digest``): the database and outbox of
    a config found in the user's config folder, unless it names its own."""
    home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(home) / "digest"


def find_config(given: Path | None) -> Path:
    """The config to use: *given* (--config), else $DIGEST_CONFIG, else ./config.yaml,
    else the user's (:func:`user_config`) when it exists; ./config.yaml when none does
    (the error then names both places)."""
    if given:
        return given
    env = os.environ.get("DIGEST_CONFIG")
    if env:
        return Path(env)
    here = Path("config.yaml")
    if here.exists():
        return here
    mine = user_config()
    return mine if mine.is_file() else here


def load_config(path: Path) -> Config:
    """Read and validate *path*.

    Raises ConfigError listing every problem, each with its dotted key path.
    """
    path = path.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}",
            hint=f"digest init writes one; or pass --config, set DIGEST_CONFIG, or put it in"
            f" {user_config()}",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    data = _load_yaml(text, path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return parse_config(data, path.resolve())


MAX_CONFIG_CHARS = 1_000_000
MAX_CONFIG_DEPTH = 64


def _load_yaml(text: str, path: Path) -> Any:
    """The YAML document in *text*; raises ConfigError when it is invalid, over
    MAX_CONFIG_CHARS, or nested deeper than MAX_CONFIG_DEPTH.

    libyaml builds nested collections by recursion in C: a document nested 50,000 deep
    crashed the process (a segmentation fault, not an error). Its event parser keeps its
    own stack, so the depth is counted there first, and reading stops at the first
    collection too deep.
    """
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    if len(text) > MAX_CONFIG_CHARS:
        raise ConfigError(
            f"{path}: config file too large ({len(text):,} characters,"
            f" at most {MAX_CONFIG_CHARS:,})"
        )
    yaml = YAML(typ="safe")  # libyaml (ruamel.yaml.clib): ~6x faster
    try:
        depth = 0
        for event in yaml.parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_CONFIG_DEPTH:
                    mark = event.start_mark
                    raise ConfigError(
                        f"{path}: YAML nested too deep at line {mark.line + 1}"
                        f" (at most {MAX_CONFIG_DEPTH} levels of lists and mappings)"
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
        return yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate a loaded mapping as if it came from the file at *path*."""
    feed_problems = _check_feeds(data.get("feeds"), path.parent, data.get("sections"))
    feed_problems += _check_sections(data.get("sections"))
    try:
        config = Config.model_validate({**data, "path": path})
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose only entry is invalid is also "too short" once that entry is
        # dropped: say what is wrong with the entry, not that.
        problems = tuple(
            _describe(error)
            for error in errors
            if not (error["type"] == "too_short" and _has_bad_entry(error["loc"], errors))
        )
        raise ConfigError(f"{path}: invalid config", problems=problems + feed_problems) from None
    if feed_problems:
        raise ConfigError(f"{path}: invalid config", problems=feed_problems)
    config = _resolved(config)
    dkim = config.delivery.dkim
    if dkim and not dkim.key_file.is_file():  # found now, not after a whole fetch
        raise ConfigError(
            f"{path}: invalid config",
            problems=(f"delivery.dkim.key_file: no such file {dkim.key_file}",),
        )
    return config


def _check_sections(sections: Any) -> tuple[str, ...]:
    """Section names given twice, found even when other keys are invalid."""
    if not isinstance(sections, list):
        return ()
    names = [s.get("name") for s in sections if isinstance(s, dict)]
    twice = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
    if not twice:
        return ()
    return (f"sections: section names must be unique: {', '.join(map(repr, twice))} twice",)


def _check_feeds(feeds: Any, folder: Path, sections: Any = None) -> tuple[str, ...]:
    """Problems with the feed URLs themselves (scheme, host, folder, duplicates) and their
    section names, found even when other keys are invalid, so every error is listed at once."""
    if not isinstance(feeds, list):
        return ()
    names = {  # lower-cased name -> the name as configured
        s["name"].lower(): s["name"]
        for s in (sections if isinstance(sections, list) else ())
        if isinstance(s, dict) and isinstance(s.get("name"), str)
    }
    problems = []
    seen: dict[str, int] = {}
    for index, feed in enumerate(feeds):
        section = feed.get("section") if isinstance(feed, dict) else None
        if isinstance(section, str) and section not in names.values():
            import difflib

            close = difflib.get_close_matches(section.lower(), list(names), n=1, cutoff=0.75)
            if close:  # else a section of this feed's own, as it may be
                problems.append(
                    f"feeds[{index}].section: no section {section!r}"
                    f" (did you mean {names[close[0]]!r}?)"
                )
        url = feed.get("url") if isinstance(feed, dict) else None
        if not isinstance(url, str):
            continue
        problem = _check_feed(index, url, folder)
        if problem:
            problems.append(problem)
            continue
        where = feed_location(url.strip(), folder)
        if where in seen:
            problems.append(f"feeds[{index}].url: the same feed as feeds[{seen[where]}]")
        seen.setdefault(where, index)
    return tuple(problems)


def feed_location(url: str, folder: Path) -> str:
    """Normalise a feed URL; local paths become absolute ``file:`` URLs."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        if url.lower().startswith("file:"):
            return Path(unquote(urlsplit(url).path)).resolve().as_uri()
        return url
    return (folder / Path(url).expanduser()).resolve().as_uri()


# A web host at the start of an address written without a scheme: labels, a dot, a
# top-level domain of letters, maybe a port ("www.example.com", "example.com:8080").
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,63})(?::\d{1,5})?", re.I)
# ...unless that "domain" is a file's extension: "news.xml" is a file next to config.yaml.
_FILE_ENDINGS = frozenset(
    "xml rss atom rdf json feed txt htm html opml yaml yml md gz bz2 zip".split()
)


def scheme_suggestion(url: str, folder: Path) -> str:
    """``https://www.example.com/feed.xml`` for ``www.example.com/feed.xml``: an address
    written without a scheme whose start reads as a web host (and is no file or folder
    next to the config), else "". Such an address would otherwise be read as a file path."""
    url = url.strip()
    if not url or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)", url) or url[0] in "/.~\\":
        return ""
    host = re.split(r"[/?#]", url, maxsplit=1)[0]
    match = _HOST.fullmatch(host)
    if not match or match.group(1).lower() in _FILE_ENDINGS:
        return ""
    if (folder / Path(host).expanduser()).exists():  # a folder named like a host
        return ""
    return f"https://{url}"


def _check_feed(index: int, url: str, folder: Path) -> str:
    url = url.strip()
    where = f"feeds[{index}].url"
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme in ("http", "https"):
        return "" if urlsplit(url).hostname else f"{where}: malformed URL {url!r} (no host)"
    if scheme and scheme != "file":
        return f"{where}: unsupported URL scheme {scheme!r} (use http, https or a file)"
    if not url:
        return f"{where}: empty URL"
    suggestion = scheme_suggestion(url, folder)
    if suggestion:
        return f"{where}: {url!r} has no scheme: did you mean {suggestion}?"
    local = Path(unquote(urlsplit(feed_location(url, folder)).path))
    # A missing file is the feed's problem, reported by each fetch like a feed that is
    # down; a folder cannot be a feed.
    return f"{where}: {local} is a folder, not a feed file" if local.is_dir() else ""


def _resolved(config: Config) -> Config:
    folder = config.folder
    # A config in the user's config folder keeps its database and outbox (unless it names
    # them) in the user's data folder, as XDG asks; elsewhere, next to config.yaml.
    data = user_data() if config.path == user_config().resolve() else folder
    if "database" not in config.model_fields_set and isinstance(config.database, Path):
        config = config.model_copy(update={"database": data / config.database})
    if "outbox" not in config.delivery.model_fields_set:
        outbox = data / config.delivery.outbox
        config = config.model_copy(
            update={"delivery": config.delivery.model_copy(update={"outbox": outbox})}
        )
    feeds = tuple(
        f.model_copy(
            update={
                "url": feed_location(f.url.strip(), folder),
                "password_file": folder / f.password_file.expanduser() if f.password_file else None,
            }
        )
        for f in config.feeds
    )
    smtp = config.delivery.smtp
    password_file = smtp.password_file
    delivery = config.delivery.model_copy(
        update={
            "outbox": folder / config.delivery.outbox.expanduser(),
            "dkim": config.delivery.dkim.model_copy(
                update={"key_file": folder / config.delivery.dkim.key_file.expanduser()}
            )
            if config.delivery.dkim
            else None,
            "smtp": smtp.model_copy(update={"password_file": folder / password_file.expanduser()})
            if password_file
            else smtp,
        }
    )
    web = config.web
    if web and web.secret_file:
        web = web.model_copy(update={"secret_file": folder / web.secret_file.expanduser()})
    return config.model_copy(
        update={
            "feeds": feeds,
            "delivery": delivery,
            "web": web,
            "database": folder / config.database.expanduser()
            if isinstance(config.database, Path)
            else config.database,
        }
    )


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "missing (required)",
    "int_parsing": "expected an integer",
    "int_type": "expected an integer",
    "float_parsing": "expected a number",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "too_short": "needs at least one entry",
    "finite_number": "expected a finite number",
}


def _has_bad_entry(loc: tuple[Any, ...], errors: Any) -> bool:
    """True when another error is about an entry of the list at *loc*."""
    n = len(loc)
    return any(
        len(e["loc"]) > n and tuple(e["loc"][:n]) == tuple(loc) and isinstance(e["loc"][n], int)
        for e in errors
    )


def _describe(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in ("function-after", "function-before"):
            path += ("." if path else "") + str(part)
    message = _MESSAGES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("less_than_equal", "int_parsing_size"):  # 1e300 for an integer
        limit = error.get("ctx", {}).get("le", _upper_bound(error["loc"]))
        message = f"must be at most {_number(limit)}" if limit is not None else message
    message = message[0].lower() + message[1:] if message else message
    if error["type"] == "extra_forbidden":
        message += _did_you_mean(error["loc"])
    return f"{path or '(top level)'}: {message}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _upper_bound(loc: tuple[Any, ...]) -> float | None:
    """The ``le`` bound of the schema field at *loc*, if it has one."""
    model: Any = Config
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None:
            return None
        fields = model.model_fields
        field = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if field is None:
            return None
        model = _model_of(field.annotation)
    for item in field.metadata if field else ():
        if getattr(item, "le", None) is not None:
            return float(item.le)
    return None


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """ " (did you mean 'full_text'?)" for a misspelt key, from the schema's own keys."""
    import difflib

    model: Any = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            field = next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return ""
        model = _model_of(field.annotation)
        if model is None:
            return ""
    keys = [f.alias or name for name, f in model.model_fields.items() if name != "path"]
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_of(annotation: Any) -> Any:
    for candidate in (*getattr(annotation, "__args__", ()), annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None
