"""Offboarding rules: what of a tenant's data goes, what stays, and the dry run's
fingerprint. Pure: the service gathers the facts and passes them in.

Stays: every credential that is or was public (accepted, or revoked after being
accepted) with its snapshot, Open Badges documents and images; the templates such
credentials were issued from; the issuer profile their documents link to; status
lists, the revocation list and their counter; support requests (contract records:
the SLA ledger's service credits are computed from outage reports, and the support
history is evidence in a dispute about the contract the tenant had).

Goes: everything else the tenant sent (see CATEGORIES).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .credentials import was_accepted

# what is deleted, in the order the deletion runs (children before their parents,
# so a run cut short can always find what is left)
CATEGORIES = (
    "api_keys",
    "console_sessions",
    "console_members",  # members, invitations, their addresses' pointers
    "single_sign_on",  # the settings, the domains they claim, the client secret in Secrets Manager
    "workforce",  # issue 20: employees' links to it, its index of their skills, invitations, teams, roles
    "webhook_deliveries",
    "webhook_endpoints",
    "lms_events",
    "integrations",
    "scheduled_rows",
    "bulk_job_failures",
    "bulk_jobs",
    "export_jobs",  # issue 15: reports and organization exports (their files go with "images")
    "idempotency_records",
    "talent_messages",  # issue 20: its messages to candidates and their open-contact markers
    "engagement_counters",  # its days, templates' days, totals (the platform's days hold no tenant id: they stay)
    "recipient_slots",
    "rejected_credentials",
    "revoked_unaccepted_credentials",
    "pending_credentials",
    "templates",
    "images",
)

TOKEN_MINUTES = 15


def credential_fate(status: str, accepted_at: str | None) -> str:
    """`keep`, or the category a credential is deleted under. Pending credentials may
    still be accepted while the deletion runs: they are deleted only on condition
    that they are still pending. Rejected and never-accepted revoked ones are final."""
    if was_accepted(status, accepted_at):
        return "keep"
    if status == "pending":
        return "pending_credentials"
    if status == "rejected":
        return "rejected_credentials"
    return "revoked_unaccepted_credentials"


def images_to_delete(stored: Iterable[str], referenced: Iterable[str | None]) -> list[str]:
    """The tenant's template images and logos that nothing kept points at."""
    keep = {k for k in referenced if k}
    return sorted(k for k in stored if k not in keep)


def plan_digest(tenant_id: str, seen: Iterable[str]) -> str:
    """A fingerprint of the items a dry run saw (keys and ids, not their statuses: an
    earner accepting a pending credential meanwhile only moves it to what is kept,
    and the deletion re-checks each one). Anything new or gone changes it."""
    h = hashlib.sha256(f"offboarding:{tenant_id}".encode())
    for entry in sorted(set(seen)):
        h.update(b"\n" + entry.encode())
    return h.hexdigest()


def token_hash(tenant_id: str, token: str) -> str:
    """The stored form of a confirmation token, bound to its tenant."""
    return hashlib.sha256(f"offboarding:{tenant_id}:{token}".encode()).hexdigest()
