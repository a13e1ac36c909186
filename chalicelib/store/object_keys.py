"""Object keys: the only place that lays out Laurel's S3 bucket.

Services ask here for the key of what they store; the S3 adapter only moves bytes
(and `adapters/objects.public_url` turns a key into the URL browsers fetch).
tests/unit/test_house_rules.py checks that no other module spells a layout.

| prefix                                   | what                                      | served                |
|------------------------------------------|-------------------------------------------|-----------------------|
| assets/templates/<tenant>/<template>/    | badge images, named by their content      | CDN, immutable        |
| assets/issuers/<tenant>/                 | issuer logos, named by their content      | CDN, immutable        |
| assets/status/<tenant>/<n>.json, .jwt    | Bitstring Status Lists (DI / VC-JWT)      | CDN                   |
| assets/baked/<tenant>/<credential>/      | a public credential's baked image, and    | CDN, 5 minutes        |
|   ..., card-<version>.png                | its share cards (og:image), one per state |                       |
|                                          | and language (services/share_cards.py)    |                       |
| exports/<earner or emailhash>/           | data-rights exports (ZIP) and an owner's  | never (presigned GET; |
|   ..., badges/<credential>.<ext>         | copy of a hidden credential's image       | deleted within a day) |
| exports/org/<tenant>/<job>/              | an organization's exports (awards CSV,    | never (presigned GET, |
|   part-<n>, <file name>                  | ZIP) and the parts they are written in    | deleted within a day) |
| reports/<tenant>/<job>/<name>.json       | a bulk job's full row-error report        | never (presigned GET) |
| statuspage/snapshot.json                 | the public status page's last published   | never (the app serves |
|                                          | data (services/status.py)                 |   /status from it)    |
| photos/<earner>/<content>.jpg, .png      | an earner's profile photo (shown by the   | never (the app serves |
|                                          | app only while the profile is public)     |   it: routes/wallet)  |
| uploads/<tenant>/<job>/preview.json      | a console upload's file and valid rows    | never (deleted after  |
|                                          | (personal data), kept for its confirm     |   30 days)            |
| localmail/<sent at>_<SES message id>.json| the local stage only (`make run`): a sent | never (the outbox     |
|                                          | mail, both parts, headers and time        |   page reads it)      |

Everything under `assets/` is what the CDN serves (infra/stack.py's `/assets/*`
behaviour); `exports/` is private and expires within a day (infra's lifecycle rule).
Content-addressed names mean a new image gets a new key, so credentials issued
earlier keep pointing at the image they were issued with.
"""

from __future__ import annotations

import hashlib

PUBLIC_PREFIX = "assets/"
EXPORTS_PREFIX = "exports/"
REPORTS_PREFIX = "reports/"
UPLOADS_PREFIX = "uploads/"
PHOTOS_PREFIX = "photos/"
UPLOADS_KEPT_DAYS = 30  # infra/stack.py's lifecycle rule for UPLOADS_PREFIX
# the public status page's data: private (not under assets/), read by the app for /status
STATUS_SNAPSHOT_KEY = "statuspage/snapshot.json"


def is_public(key: str) -> bool:
    """Whether the CDN serves this object (and so whether a public URL may name it)."""
    return key.startswith(PUBLIC_PREFIX)


def _content_name(data: bytes, ext: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"


# ------------------------------------------------------------------ images issuers upload


def template_images_prefix(tenant_id: str) -> str:
    return f"{PUBLIC_PREFIX}templates/{tenant_id}/"


def template_image_key(tenant_id: str, template_id: str, data: bytes, ext: str) -> str:
    return f"{template_images_prefix(tenant_id)}{template_id}/{_content_name(data, ext)}"


def issuer_logos_prefix(tenant_id: str) -> str:
    return f"{PUBLIC_PREFIX}issuers/{tenant_id}/"


def issuer_logo_key(tenant_id: str, data: bytes, ext: str = "png") -> str:
    return f"{issuer_logos_prefix(tenant_id)}{_content_name(data, ext)}"


# ------------------------------------------------------------------ earners' profile photos


def profile_photos_prefix(earner_id: str) -> str:
    """Private: the app serves a photo only while its profile is public, so the CDN never
    holds a copy that would outlive a restriction or an erasure."""
    return f"{PHOTOS_PREFIX}{earner_id}/"


def profile_photo_key(earner_id: str, data: bytes, ext: str) -> str:
    return f"{profile_photos_prefix(earner_id)}{_content_name(data, ext)}"


# ------------------------------------------------------------------ Open Badges


STATUS_LIST_FORMS = ("json", "jwt")  # Data Integrity (JSON-LD), VC-JWT


def status_lists_prefix() -> str:
    """Every tenant's status lists (services/cdn.py invalidates them all at once)."""
    return f"{PUBLIC_PREFIX}status/"


def status_list_key(tenant_id: str, list_no: int, form: str = "json") -> str:
    if form not in STATUS_LIST_FORMS:
        raise ValueError(f"unknown status list form {form!r}")
    return f"{status_lists_prefix()}{tenant_id}/{list_no}.{form}"


# Baked images. Those of public credentials live under `assets/`, which the CDN serves;
# a hidden credential's file is deleted (the whole prefix, every version). A private
# credential's owner downloads a copy written under `exports/<account>/`, which is
# never served publicly, expires within a day and goes with the account's erasure.
def baked_prefix(tenant_id: str, credential_id: str) -> str:
    return f"{PUBLIC_PREFIX}baked/{tenant_id}/{credential_id}/"


def baked_key(tenant_id: str, credential_id: str, version: str, ext: str) -> str:
    return f"{baked_prefix(tenant_id, credential_id)}{version}.{ext}"


def share_card_key(tenant_id: str, credential_id: str, version: str) -> str:
    """A share card (issue 19): beside the baked image, so whatever deletes a credential's
    baked files (revocation, hiding, a corrected address, erasure) deletes its cards too,
    and the CDN invalidation of its baked prefix covers them. `version` names the state,
    the language and what is drawn, so a card of another state is another key."""
    return f"{baked_prefix(tenant_id, credential_id)}card-{version}.png"


# ------------------------------------------------------------------ private files of a person


def export_prefix(owner: str) -> str:
    """Everything written for one person (`owner`: their earner id, or the hash of an
    address that has no account); erasure deletes the whole prefix."""
    return f"{EXPORTS_PREFIX}{owner}/"


def export_key(owner: str, name: str) -> str:
    """A data-rights export (ZIP) named `name` (random: the key is never guessable)."""
    return f"{export_prefix(owner)}{name}.zip"


def owner_copy_key(owner: str, credential_id: str, ext: str) -> str:
    return f"{export_prefix(owner)}badges/{credential_id}.{ext}"


# ------------------------------------------------------------------ an organization's exports

# Under `exports/`: private, presigned, and gone within a day (infra's lifecycle rule).
# No person's export prefix is "org" (earner ids and address hashes are hex).
ORG_EXPORTS = f"{EXPORTS_PREFIX}org/"


def org_exports_prefix(tenant_id: str, job_id: str | None = None) -> str:
    """Everything a tenant's (or one job's) exports wrote: offboarding and a
    recipient's erasure delete the tenant's whole prefix."""
    return f"{ORG_EXPORTS}{tenant_id}/" + (f"{job_id}/" if job_id else "")


def org_export_part_key(tenant_id: str, job_id: str, step: int, ext: str) -> str:
    """One step's part of an export (named by the step, so a step run again rewrites it)."""
    return f"{org_exports_prefix(tenant_id, job_id)}part-{step:06d}.{ext}"


def org_export_key(tenant_id: str, job_id: str, file_name: str) -> str:
    return f"{org_exports_prefix(tenant_id, job_id)}{file_name}"


# ------------------------------------------------------------------ bulk jobs


def bulk_reports_prefix(tenant_id: str, job_id: str | None = None) -> str:
    """Where a tenant's (or one job's) full row-error reports live: private, never
    under `assets/`."""
    return f"{REPORTS_PREFIX}{tenant_id}/" + (f"{job_id}/" if job_id else "")


def bulk_report_key(tenant_id: str, job_id: str, name: str) -> str:
    """`rejected`: the rows refused when the file came in; `errors`: every row error,
    written when the job completed."""
    return f"{bulk_reports_prefix(tenant_id, job_id)}{name}.json"


def bulk_uploads_prefix(tenant_id: str) -> str:
    return f"{UPLOADS_PREFIX}{tenant_id}/"


def bulk_upload_key(tenant_id: str, job_id: str) -> str:
    """Where a console upload's file and its valid rows wait for the confirmation (and
    give the error report its cells): private, deleted after UPLOADS_KEPT_DAYS."""
    return f"{bulk_uploads_prefix(tenant_id)}{job_id}/preview.json"


LOCAL_MAIL_PREFIX = "localmail/"


def local_mail_key(sent_at: str, message_id: str) -> str:
    """The local stage's copy of a sent mail (services/notify.py), the outbox's only
    source: one listing of the prefix gives the newest first (the time leads the key)
    and finds a message by its id (the key's end)."""
    return f"{LOCAL_MAIL_PREFIX}{sent_at}_{message_id}.json"


def local_mail_id(key: str) -> str:
    """The SES message id a local mail's key names."""
    return key.removeprefix(LOCAL_MAIL_PREFIX).split("_", 1)[-1].removesuffix(".json")
