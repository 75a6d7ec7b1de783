"""Readers of the newsletter: who they are, what they chose, and their own links.

Pure logic over ``Subscriber`` values; the store keeps them, the CLI and the web app
change them. A reader's token is a random id; the links mailed to that reader carry it
signed for one purpose each (``tokens.py``).

The CSV that ``digest subscribers import`` reads and ``export`` writes has a header
line: ``email,edition,sections,status``; sections are separated by commas inside their
field. On import, an empty cell (or a missing column) keeps what is stored for a known
address (a new one gets the first edition, all sections, active); "all" in sections
means every section.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from digest.config import Config
from digest.errors import UsageError
from digest.models import Subscriber, SubscriberStatus

STATUSES: tuple[SubscriberStatus, ...] = ("pending", "active", "unsubscribed")
CSV_HEADER = ("email", "edition", "sections", "status")


def new_token() -> str:
    """A reader's secret: 24 random bytes, URL-safe."""
    return secrets.token_urlsafe(24)


def normal_address(address: str) -> str:
    """*address* checked and written as every mail server takes it: the domain in lower
    case, an internationalised domain in its ASCII form (xn--…). A name before the @ that
    is not ASCII needs SMTPUTF8, which digest does not send: UsageError says so, as it
    gives the reason for anything that is no address."""
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise UsageError(f"not an email address: {address.strip()[:200]!r} ({exc})") from None
    return str(checked.ascii_email or checked.normalized)


def chosen_sections(value: str | Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    """Section names as a reader chose them ("Culture, News" or a list), each one of
    *known* (any case, written as configured); () for all. UsageError names the unknown."""
    names = value.split(",") if isinstance(value, str) else list(value)
    by_fold = {name.casefold(): name for name in known}
    chosen: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            continue
        if name.casefold() not in by_fold:
            listed = ", ".join(known) or "none configured"
            raise UsageError(f"no section {name!r} (sections: {listed})")
        if by_fold[name.casefold()] not in chosen:
            chosen.append(by_fold[name.casefold()])
    return () if set(chosen) == set(known) else tuple(chosen)


def edition_name(value: str, editions: Sequence[str]) -> str:
    """An edition's name, checked against the configured *editions* ("" is the first)."""
    name = value.strip().casefold() or editions[0]
    if name not in editions:
        raise UsageError(f"no edition {value!r} (editions: {', '.join(editions)})")
    return name


def status_name(value: str) -> SubscriberStatus:
    """A subscriber status, checked."""
    wanted = value.strip().casefold()
    for status in STATUSES:
        if status == wanted:
            return status
    raise UsageError(f"no status {value!r} (statuses: {', '.join(STATUSES)})")


def wants(subscriber: Subscriber, section: str) -> bool:
    """True when *subscriber* reads *section* (one who chose none reads them all)."""
    return not subscriber.sections or section in subscriber.sections


@dataclass(frozen=True)
class Imported:
    """What an import did: readers added, readers changed, rows skipped (and why)."""

    added: int
    changed: int
    skipped: tuple[str, ...]


def read_csv(
    text: str,
    known_sections: Sequence[str],
    existing: Iterable[Subscriber],
    now: datetime,
    editions: Sequence[str] = ("daily",),
) -> tuple[list[Subscriber], Imported]:
    """The subscribers a CSV file describes, merged with *existing* (a known address keeps
    its token); rows that cannot be read are skipped with their line number and reason."""
    by_address = {s.email.casefold(): s for s in existing}
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().casefold() for h in reader.fieldnames or ()]
    if "email" not in header:
        raise UsageError("the CSV file needs a header line with an 'email' column")
    reader.fieldnames = header
    out: dict[str, Subscriber] = {}
    added = changed = 0
    skipped: list[str] = []
    for line, row in enumerate(reader, start=2):
        try:
            email = normal_address(row.get("email") or "")
            before = out.get(email.casefold()) or by_address.get(email.casefold())
            # an empty cell (or a missing column) keeps what is stored; "all" means all
            edition_cell = (row.get("edition") or "").strip()
            sections_cell = (row.get("sections") or "").strip()
            status_cell = (row.get("status") or "").strip()
            edition = (
                edition_name(edition_cell, editions)
                if edition_cell or before is None
                else before.edition
            )
            if sections_cell.casefold() == "all":
                sections: tuple[str, ...] = ()
            elif sections_cell or before is None:
                sections = chosen_sections(sections_cell, known_sections)
            else:
                sections = before.sections
            status = (
                status_name(status_cell or "active")
                if status_cell or before is None
                else before.status
            )
        except UsageError as exc:
            skipped.append(f"line {line}: {exc}")
            continue
        if before is None:
            added += 1
            out[email.casefold()] = Subscriber(
                email, new_token(), status, edition, sections, now, now
            )
        else:
            changed += email.casefold() not in out
            out[email.casefold()] = replace(
                before, status=status, edition=edition, sections=sections
            )
    return list(out.values()), Imported(added, changed, tuple(skipped))


def write_csv(subscribers: Iterable[Subscriber]) -> str:
    """Subscribers as CSV (header first), the format :func:`read_csv` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for s in subscribers:
        writer.writerow((s.email, s.edition, ",".join(s.sections), s.status))
    return out.getvalue()


def section_names(config: Config) -> list[str]:
    """Every section a story can be in: the configured ones, the feeds' own, the fallback."""
    names = [s.name for s in config.sections]
    names += [f.section for f in config.feeds if f.section]
    from digest.lang import fallback_section

    fallback = fallback_section(config)
    if fallback:
        names.append(fallback)
    return list(dict.fromkeys(names))
