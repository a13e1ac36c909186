"""Reports and exports (issue 15 item 3): what an awards CSV row says, who sees whose
personal data in it, and an export job's progress. Pure: no I/O, no clock reads.

An export job runs in steps (services/exports.py): each step reads one page of the
organization's credentials and writes one part file; the last step puts the parts
together. A step is counted once (its number is the job's `step` when it starts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..i18n import N_
from .members import mask_email, mask_name

KINDS = ("awards", "organization")
KIND_NAMES = {"awards": N_("Awards (CSV)"), "organization": N_("Organization export (ZIP)")}  # pages: _(name)
STATES = ("queued", "running", "completed", "failed")

AWARDS_HEADER = ("credential_id", "recipient_email", "recipient_name", "template_id", "template", "issued_at",
                 "accepted_at", "expires_at", "revoked_at", "rejected_at", "state", "views", "shares")


@dataclass(frozen=True)
class Award:
    """The facts of one credential an awards row needs (the service reads them)."""

    credential_id: str
    email: str
    first_name: str
    last_name: str
    template_id: str
    template_name: str
    issued_at: str
    accepted_at: str | None
    expires_at: str | None
    revoked_at: str | None
    rejected_at: str | None
    state: str  # as the console shows it: services/console_credentials.state_of
    erased: bool = False


def views(counters: Mapping[str, int]) -> int:
    """Views of the credential's public page by people (crawlers such as LinkedIn's
    preview fetcher are not views: the contract's `view.person`)."""
    return int(counters.get("view.person", 0))


def shares(counters: Mapping[str, int]) -> int:
    """Share clicks from the wallet on every network (the contract's `share.<network>`)
    plus LinkedIn add-to-profile clicks, which are shares onto a profile."""
    return sum(int(v) for k, v in counters.items() if k.startswith("share.")) + int(counters.get("linkedin_add", 0))


def recipient(award: Award, personal_data: bool) -> tuple[str, str]:
    """(email, name) as the reader may see them: masked like the console's credential
    list when the reader has no right to personal data (domain.members.Member
    .sees_personal_data); empty for an erased recipient (their data is gone for good)."""
    if award.erased:
        return "", ""
    if personal_data:
        return award.email, f"{award.first_name} {award.last_name}".strip()
    return mask_email(award.email), mask_name(award.first_name, award.last_name)


def awards_row(award: Award, counters: Mapping[str, int], personal_data: bool) -> list:
    email, name = recipient(award, personal_data)
    return [award.credential_id, email, name, award.template_id, award.template_name, award.issued_at,
            award.accepted_at, award.expires_at, award.revoked_at, award.rejected_at, award.state, views(counters),
            shares(counters)]


LIFECYCLE = ("issued", "accepted", "rejected", "revoked", "expired")


def previous_month(today: date) -> tuple[date, date, str]:
    """(first day, last day, "YYYY-MM") of the month before `today`'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last, last.strftime("%Y-%m")


def monthly_figures(days: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """A month of a tenant's engagement counters (the contract's tenant_days) summed
    into what the summary mail says: the lifecycle transitions, person views (not
    crawlers') and shares (with LinkedIn add-to-profile)."""
    total: dict[str, int] = {}
    for counters in days:
        for name, value in counters.items():
            total[name] = total.get(name, 0) + int(value)
    return {**{name: total.get(name, 0) for name in LIFECYCLE}, "views": views(total), "shares": shares(total)}


def progress(done: int, total: int | None, state: str) -> int:
    """Percent shown on the progress bar: 100 only once the file is written."""
    if state == "completed":
        return 100
    if not total:
        return 0
    return min(99, done * 100 // total)


def file_name(kind: str, tenant_name: str, created: datetime, template_id: str | None = None) -> str:
    """The name browsers save the file as: ASCII letters, digits and dashes only (it
    goes into a Content-Disposition header)."""
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in tenant_name.lower()).strip("-")
    slug = "-".join(part for part in slug.split("-") if part)[:40] or "organization"
    stamp = created.strftime("%Y%m%d-%H%M")
    if kind == "organization":
        return f"laurel-{slug}-export-{stamp}.zip"
    return f"laurel-{slug}-awards{'-' + template_id if template_id else ''}-{stamp}.csv"
