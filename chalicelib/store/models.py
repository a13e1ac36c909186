"""PynamoDB models of Laurel's single table.

This module is the one source of truth for the table's key attributes and indexes
(`pk`/`sk` and the three global secondary indexes): the local/test table creation
(`schema.table_definition`) and the deployment read it. The key *values* of every
item kind are built in `keys.py`; its docstring holds the reference table.

Credential indexes: `by_tenant` (issuer listings, newest first), `by_email`
(recipient look-ups: duplicates, issuer filter, the wallet) and the sparse
`by_expiry` (expiry sweeps touch only what expires on a given day).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..config import get_settings

_settings = get_settings()


class _TableMeta:
    table_name = _settings.table_name
    region = _settings.table_region  # the function's region, or the table's for a prober elsewhere


class Item(Model):
    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """One connection per model class. PynamoDB builds a connection's table
        description from the first model that uses it and subclasses inherit a
        parent's: once `Item` itself had queried, every model not yet used would
        have shared its index-less description ("Table has no index: by_email")."""
        if "_connection" not in cls.__dict__:
            cls._connection = None
        return super()._get_connection()


class ByTenant(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_tenant"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class ByEmail(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class ByExpiry(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_expiry"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class IssuerItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    # operators list every issuer through by_tenant (gsi1pk "ISSUERS"); the SLA fee
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    monthly_fee = UnicodeAttribute(null=True)  # Decimal as text
    by_tenant = ByTenant()
    name = UnicodeAttribute()
    url = UnicodeAttribute()
    email = UnicodeAttribute()
    linkedin_organization_id = UnicodeAttribute(null=True)
    logo_key = UnicodeAttribute(null=True)
    # mail branding, read when each mail is sent (services/notify.py): the sender's
    # display name (the address stays the platform's), a reply-to address, a footer
    mail_from_name = UnicodeAttribute(null=True)
    mail_reply_to = UnicodeAttribute(null=True)
    mail_footer = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # set (once, conditionally) when an operator confirms the tenant's offboarding; the
    # item itself stays: Open Badges documents of kept credentials link to its profile
    offboarded_at = UnicodeAttribute(null=True)


class ApiKeyItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    label = UnicodeAttribute(null=True)
    hint = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)


class TemplateItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    template_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute()
    criteria = JSONAttribute()
    skills = JSONAttribute()
    skill_uris = JSONAttribute(null=True)  # {label: ESCO skill URI} for the skills that have one (issue 20)
    kind = UnicodeAttribute()
    expiry = JSONAttribute()
    state = UnicodeAttribute()
    image_key = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class MailLogEntry(MapAttribute):
    """One mail about a credential that Laurel handed (or failed to hand) to SES."""

    at = UnicodeAttribute()
    kind = UnicodeAttribute()  # claim, resend, revoked, expiry_reminder, expired
    ok = BooleanAttribute()
    # not handed to SES at all: the address is on the suppression list (issue 17)
    suppressed = BooleanAttribute(null=True)


class CredentialItem(Item):
    class Meta(_TableMeta):
        pass

    credential_id = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    template_id = UnicodeAttribute()
    status = UnicodeAttribute()
    email = UnicodeAttribute()
    email_hash = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    earner_id = UnicodeAttribute(null=True)
    # the issue request's language tag, as given (issue 19): the mails' language when the earner chose none
    locale = UnicodeAttribute(null=True)
    issued_at = UnicodeAttribute()
    expires_at = UnicodeAttribute(null=True)
    evidence = JSONAttribute()
    # Issuer and template exactly as they were at issue time; never rewritten.
    snapshot = JSONAttribute()
    claim_token_hash = UnicodeAttribute(null=True)
    claim_expires_at = UnicodeAttribute(null=True)
    claim_used_hash = UnicodeAttribute(null=True)
    # Open Badges: per-credential salt for the hashed recipient, status list slot,
    # and the OB 3.0 credential signed once at issue time (JSON-LD with its Data
    # Integrity proof, and the VC-JWT), so serving them costs one read.
    recipient_salt = UnicodeAttribute(null=True)
    status_index = NumberAttribute(null=True)
    ob3 = JSONAttribute(null=True)
    ob3_jwt = UnicodeAttribute(null=True)
    # S3 key of the baked image for the credential's current state (see services/openbadges)
    baked_key = UnicodeAttribute(null=True)
    # the earner hid it: its page answers 404 (its Open Badges documents stay, they carry no name)
    private = BooleanAttribute(null=True)
    # the wallet account keeping it after the address it was sent to left that account:
    # from then on it is that account's alone, whoever owns the address later
    holder = UnicodeAttribute(null=True)
    # set once by the expiry sweep, so each mail goes out once per credential
    expiry_reminded_at = UnicodeAttribute(null=True)
    expired_notified_at = UnicodeAttribute(null=True)
    # set once by the events queue's worker when it hands that mail to SES (issue 17): a
    # message SQS delivers again sends nothing; removed again when SES refused, for the retry
    expiry_reminder_mailed_at = UnicodeAttribute(null=True)
    expired_mailed_at = UnicodeAttribute(null=True)
    accepted_at = UnicodeAttribute(null=True)
    rejected_at = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    revocation_reason = UnicodeAttribute(null=True)
    # replacements (duplicate_policy=replace): the new credential names those it
    # replaced, each replaced one names its successor (written in the same transaction)
    replaces = ListAttribute(of=UnicodeAttribute, null=True)
    replaced_by = UnicodeAttribute(null=True)
    # the mails sent about it, oldest first (bounded: store/credentials.log_mail)
    mail_log = ListAttribute(of=MailLogEntry, null=True)
    # a mail to the recipient bounced for good, or the recipient marked it as spam: SES's
    # events through services/mail_feedback.py (issue 17); cleared when the issuer corrects
    # the address
    bounced_at = UnicodeAttribute(null=True)
    complained_at = UnicodeAttribute(null=True)
    # the recipient exercised the right to be forgotten: personal data gone, pages answer 410
    erased_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)  # removed when the recipient is erased
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    by_tenant = ByTenant()
    by_email = ByEmail()
    by_expiry = ByExpiry()


class RecipientSlotItem(Item):
    """One per (tenant, recipient, template): serialises issuances of the same
    credential to the same person, so `deny` and `replace` hold under concurrency
    and do not depend on the (eventually consistent) `by_email` index."""

    class Meta(_TableMeta):
        pass

    version = NumberAttribute(default=0)
    latest = UnicodeAttribute(null=True)
    # set when a bulk row claimed the slot for `latest` before writing that credential
    # (see store/credentials.claim_slot); removed when a single issuance moves it on
    claimed_at = UnicodeAttribute(null=True)


class CounterItem(Item):
    """A monotonically increasing counter (atomic ADD): status-list index allocation."""

    class Meta(_TableMeta):
        pass

    value = NumberAttribute(default=0)


class StatusListItem(Item):
    """One W3C Bitstring Status List (revocation) of a tenant; `version` guards updates."""

    class Meta(_TableMeta):
        pass

    bits = BinaryAttribute(legacy_encoding=False)
    version = NumberAttribute(default=0)


class RevocationItem(Item):
    """One revoked credential in its tenant's Open Badges 2.0 RevocationList."""

    class Meta(_TableMeta):
        pass

    reason = UnicodeAttribute()
    revoked_at = UnicodeAttribute()


class SigningKeyItem(Item):
    """A platform signing key (held in KMS): its public JWK stays published after rotation."""

    class Meta(_TableMeta):
        pass

    kid = UnicodeAttribute()
    kms_key_id = UnicodeAttribute()
    jwk = JSONAttribute()
    created_at = UnicodeAttribute()
    retired_at = UnicodeAttribute(null=True)


class Ed25519KeyItem(Item):
    """One generation of the platform's Ed25519 (Data Integrity) key: its public half,
    published for as long as Laurel runs, and the Secrets Manager version holding its
    seed (read only while it is the active generation)."""

    class Meta(_TableMeta):
        pass

    generation = NumberAttribute()
    public_key_multibase = UnicodeAttribute()
    secret_version_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    retired_at = UnicodeAttribute(null=True)


class ImportItem(Item):
    """A badge from another issuer that an earner added to their collection, with the
    verification report of the last check. Listed by the recipient's email hash."""

    class Meta(_TableMeta):
        pass

    import_id = UnicodeAttribute()
    email_hash = UnicodeAttribute()
    status = UnicodeAttribute()  # pending (awaiting the emailed confirmation) | confirmed
    source = UnicodeAttribute()  # what was verified: a URL, a JWT or a JSON credential
    report = JSONAttribute()
    last_verified_at = UnicodeAttribute()
    confirm_token_hash = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    gsi2pk = UnicodeAttribute()
    gsi2sk = UnicodeAttribute()
    by_email = ByEmail()


class IntegrationItem(Item):
    """An LMS integration: its inbound URL is /hooks/lms/<integration_id>. The HMAC
    secrets must be kept usable (an HMAC cannot be checked against a hash); they are
    never returned after creation or rotation."""

    class Meta(_TableMeta):
        pass

    integration_id = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    format = UnicodeAttribute()
    rules = JSONAttribute()
    secret = UnicodeAttribute()
    previous_secret = UnicodeAttribute(null=True)  # verifies too, until retired
    state = UnicodeAttribute()  # active | disabled
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class LmsEventItem(Item):
    """What came in, which rule applied and what happened: one per received event."""

    class Meta(_TableMeta):
        pass

    event_key = UnicodeAttribute()
    received_at = UnicodeAttribute()
    payload = JSONAttribute()
    rule = JSONAttribute(null=True)
    outcome = UnicodeAttribute()
    detail = UnicodeAttribute()
    credential_id = UnicodeAttribute(null=True)
    # by_email (E#<emailhash> / X#LMSEV#...): erasing a person finds their events in every tenant
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_email = ByEmail()


class ScheduledRowItem(Item):
    """A passing completion waiting for its template's weekly issuance day. Listed by
    day through the sparse `by_expiry` index (its key is a date-like day name)."""

    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    template_id = UnicodeAttribute()
    row = JSONAttribute()
    gsi3pk = UnicodeAttribute()
    gsi3sk = UnicodeAttribute()
    by_expiry = ByExpiry()
    # by_email (E#<emailhash> / X#SCHED#...): erasing a person removes their waiting rows in every tenant
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_email = ByEmail()


class JobItem(Item):
    """A bulk issuance job and its progress counters."""

    class Meta(_TableMeta):
        pass

    job_id = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    state = UnicodeAttribute()  # queued | completed
    mode = UnicodeAttribute()
    source = UnicodeAttribute()
    seed = UnicodeAttribute()  # secret: derives the job's credential ids, so re-delivery rewrites, never adds
    total = NumberAttribute(default=0)
    rejected = NumberAttribute(default=0)
    chunks = NumberAttribute(default=0)
    chunks_done = NumberAttribute(default=0)
    done_chunks = NumberSetAttribute(null=True)  # which chunks were counted (at most once each)
    issued = NumberAttribute(default=0)
    duplicates = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    errors = JSONAttribute(default=list)  # the first row errors, bounded in bytes (services/bulk.py)
    report = UnicodeAttribute(null=True)  # the full report in S3, when they did not all fit: rejected | errors
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class ExportJobItem(Item):
    """An export job (issue 15 item 3) and its progress: services/exports.py. `step` is
    the next step to run; a step is counted by one conditional update naming the step
    it started from, so a redelivered step message never counts twice."""

    class Meta(_TableMeta):
        pass

    job_id = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # awards | organization
    state = UnicodeAttribute()  # queued | running | completed | failed
    params = JSONAttribute(default=dict)  # from, to, template
    personal_data = BooleanAttribute(default=False)  # recipients' names and addresses unmasked
    requested_by = UnicodeAttribute()  # a console member's id, or "api"
    requested_email = UnicodeAttribute(null=True)  # where the link is mailed (a console member)
    step = NumberAttribute(default=0)
    cursor = UnicodeAttribute(null=True)  # where the next step reads on (an encoded DynamoDB key)
    reading_done = BooleanAttribute(default=False)  # every credential was read: the next step assembles
    done = NumberAttribute(default=0)  # credentials written
    total = NumberAttribute(null=True)  # credentials to write (counted by the first step)
    parts = NumberAttribute(default=0)
    file_key = UnicodeAttribute(null=True)
    file_name = UnicodeAttribute(null=True)
    file_bytes = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    mailed_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    completed_at = UnicodeAttribute(null=True)


class ChunkFailuresItem(Item):
    """The rows of one bulk-job chunk that could not be issued, with reasons (bounded:
    a chunk has at most 250 rows, a row at most 3 short lines)."""

    class Meta(_TableMeta):
        pass

    errors = JSONAttribute()


class MarkerItem(Item):
    """Platform bookkeeping (e.g. the expiry sweep's last completed day)."""

    class Meta(_TableMeta):
        pass

    value = UnicodeAttribute(null=True)


class ProbeItem(Item):
    """One uptime probe run (one minute, one location): each endpoint's result and latency."""

    class Meta(_TableMeta):
        pass

    minute = UnicodeAttribute()
    location = UnicodeAttribute()
    results = JSONAttribute()
    up = NumberAttribute()  # 1 when some endpoint answered correctly from this location
    expiration = NumberAttribute()  # TTL (epoch seconds): detail is kept 100 days


class ProbeDayItem(Item):
    """A UTC day's probed minutes and the minutes seen up ("HH:MM" string sets)."""

    class Meta(_TableMeta):
        pass

    probed = UnicodeSetAttribute(null=True)
    up = UnicodeSetAttribute(null=True)


class MaintenanceItem(Item):
    class Meta(_TableMeta):
        pass

    window_id = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    reason = UnicodeAttribute()
    announced_at = UnicodeAttribute()  # set by the server at declaration (issue 16), never by a client
    kind = UnicodeAttribute()
    client_id = UnicodeAttribute(null=True)
    # issue 16: edits and cancellation (conditional on version), and the window's notices
    # ([{"start", "end", "announced_at"}]: which minutes were announced when; absent: the whole
    # window at announced_at)
    state = UnicodeAttribute(default="scheduled")  # scheduled | cancelled
    updated_at = UnicodeAttribute(null=True)
    cancelled_at = UnicodeAttribute(null=True)
    notices = JSONAttribute(null=True)
    version = NumberAttribute(default=1)


class OperatorKeyItem(Item):
    class Meta(_TableMeta):
        pass

    key_id = UnicodeAttribute()
    label = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)


class SupportItem(Item):
    """A support request of a tenant; operators list all of them through by_tenant."""

    class Meta(_TableMeta):
        pass

    request_id = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    description = UnicodeAttribute()
    proposed_severity = NumberAttribute()
    severity = NumberAttribute()
    severity_confirmed = NumberAttribute(default=0)
    outage_report = NumberAttribute(default=0)
    state = UnicodeAttribute()
    created_at = UnicodeAttribute()
    first_response_at = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    history = JSONAttribute(default=list)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_tenant = ByTenant()


class OffboardingItem(Item):
    """A tenant's offboarding: the dry run's plan (a digest of what it saw and the
    hash of its short-lived confirmation token), then the deletion's progress."""

    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    state = UnicodeAttribute()  # planned | deleting | completed
    plan_digest = UnicodeAttribute()
    plan = JSONAttribute()  # counts by category, as the dry run saw them
    planned_at = UnicodeAttribute()
    token_hash = UnicodeAttribute(null=True)  # removed by the confirmation that uses it
    token_expires_at = UnicodeAttribute(null=True)
    used_token_hash = UnicodeAttribute(null=True)  # a replay is told "already used"
    confirmed_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)  # one deletion run at a time
    slots_deleted_at = UnicodeAttribute(null=True)  # recipient slots are derived, so deleted once
    runs = NumberAttribute(default=0)
    deleted = JSONAttribute(default=dict)  # items (and images) deleted so far, by category
    kept = JSONAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class SuppressionItem(Item):
    """An address Laurel no longer mails (keys.suppression_key: by its hash, never the
    address): SES reported a permanent bounce or a complaint for it."""

    class Meta(_TableMeta):
        pass

    reason = UnicodeAttribute()  # bounce | complaint
    at = UnicodeAttribute()  # when SES reported it (UTC ISO 8601)
    detail = UnicodeAttribute(null=True)  # SES's bounce subtype or complaint feedback type, no address


class MailOptOutItem(Item):
    """An address that unsubscribed from reminders (keys.mail_opt_out_key: by its hash)."""

    class Meta(_TableMeta):
        pass

    at = UnicodeAttribute()  # when (UTC ISO 8601)


MODELS: tuple[type[Item], ...] = (
    Item, IssuerItem, ApiKeyItem, TemplateItem, CredentialItem, RecipientSlotItem,
    CounterItem, StatusListItem, RevocationItem, SigningKeyItem, ImportItem,
    IntegrationItem, LmsEventItem, ScheduledRowItem, JobItem, MarkerItem, ChunkFailuresItem,
    ProbeItem, ProbeDayItem, MaintenanceItem, OperatorKeyItem, SupportItem, OffboardingItem, SuppressionItem,
    MailOptOutItem,
)
