"""Credential status rules.

Stored statuses: pending, accepted, rejected, revoked. Whether a credential is
expired is never stored: it is computed from `expires_at` and the time of asking.
"""

from __future__ import annotations

from datetime import datetime

from .errors import Conflict

STATUSES = ("pending", "accepted", "rejected", "revoked")
DUPLICATE_POLICIES = ("allow", "deny", "replace")


def check_claim(status: str) -> None:
    if status != "pending":
        raise Conflict(f"this credential was already {status}", code="already_claimed")


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


def is_public(status: str, accepted_at: str | None) -> bool:
    """Accepted credentials are public; revoked ones stay public if they had been accepted."""
    return status == "accepted" or (status == "revoked" and bool(accepted_at))


def display_status(status: str, expires_at: datetime | None, now: datetime) -> str:
    """What a verifier sees: revoked wins over expired, expired over valid."""
    if status == "revoked":
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "valid"


# Statuses that count as "already holds this credential" for the duplicate policy.
BLOCKING_STATUSES = ("pending", "accepted")


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
