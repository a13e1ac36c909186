"""Credential status rules.

Stored statuses: pending, accepted, rejected, revoked. Whether a credential is
expired is never stored: it is computed from `expires_at` and the time of asking.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Protocol

from .errors import Conflict

STATUSES = ("pending", "accepted", "rejected", "revoked")
DUPLICATE_POLICIES = ("allow", "deny", "replace")


def check_revocable(status: str) -> bool:
    """True when a revocation must be written; False when it is a repeat (idempotent)."""
    if status == "revoked":
        return False
    if status == "rejected":
        raise Conflict("a rejected credential cannot be revoked", code="invalid_state")
    return True


def check_resendable(status: str) -> None:
    if status != "pending":
        raise Conflict(f"only pending credentials can be re-sent; this one is {status}", code="invalid_state")


# The statuses a credential the earner accepted can have: accepted, or revoked after
# acceptance (with `accepted_at` set). The store's conditional writes take them from here.
ACCEPTED_STATUSES = ("accepted", "revoked")


def was_accepted(status: str, accepted_at: str | None) -> bool:
    """The earner accepted it: accepted now, or revoked after being accepted. Only such a
    credential is the earner's to keep, show, hide or download."""
    return status == "accepted" or (status == "revoked" and bool(accepted_at))


class Publicity(str, Enum):
    PUBLIC = "public"  # shown on every public route
    HIDDEN = "hidden"  # answered exactly like an id that was never issued (404)
    ERASED = "erased"  # the person's data is gone; the issuer's record stays (410)


class PublicFields(Protocol):
    """What the rule reads: all of it is on the credential item, so a public route
    decides from its one GetItem. Restriction of processing is carried onto each of the
    earner's credentials as `private` (see services/rights.restrict) for that reason."""

    # read-only members: a credential item whose attributes are declared narrower conforms
    @property
    def status(self) -> str: ...
    @property
    def accepted_at(self) -> str | None: ...
    @property
    def private(self) -> bool | None: ...
    @property
    def erased_at(self) -> str | None: ...


def publicity(c: PublicFields) -> Publicity:
    """The one rule of every public route (page, JSON, Open Badges 2.0/3.0 documents,
    images, /verify, the RevocationList's entries): public only when accepted (revoked
    after acceptance included), not private, not restricted and not erased."""
    if c.erased_at:
        return Publicity.ERASED
    if was_accepted(c.status, c.accepted_at) and not c.private:
        return Publicity.PUBLIC
    return Publicity.HIDDEN


def display_status(status: str, expires_at: datetime | None, now: datetime) -> str:
    """What a verifier sees: revoked wins over expired, expired over valid."""
    if status == "revoked":
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "valid"


# Statuses that count as "already holds this credential" for the duplicate policy.
BLOCKING_STATUSES = ("pending", "accepted")

# `duplicate_policy=replace` revokes the copies a person holds in the same transaction
# that writes the new credential, and a DynamoDB transaction holds at most 100 items:
# the new credential, the recipient's slot and 98 replaced copies.
MAX_REPLACED = 98


def check_replaceable(count: int) -> None:
    """A replacement revokes `count` copies in one step, or is refused."""
    if count > MAX_REPLACED:
        raise Conflict(f"this person holds {count} copies of this credential; revoke them before replacing "
                       f"(at most {MAX_REPLACED} are replaced in one step)", code="too_many_duplicates")

# A bulk row claims the recipient's slot (points it at the credential id it is about
# to write) before it writes the credential; until that write lands the slot names a
# credential that does not exist yet, and the person counts as holding it. A claim
# whose write never came (its worker died and the message was given up) stops
# counting after the longest a worker runs: the bulk worker's Lambda timeout
# (infra/stack.py: 900 s); a re-delivered chunk claims again before it writes.
CLAIM_SECONDS = 900


def claim_in_flight(claimed_at: datetime | None, now: datetime) -> bool:
    """A claimed slot whose credential is not stored yet: is its writer still at work?"""
    return claimed_at is not None and (now - claimed_at).total_seconds() < CLAIM_SECONDS
