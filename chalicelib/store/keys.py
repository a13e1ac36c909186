"""Key builders: the only place that spells Laurel's DynamoDB keys.

Every partition key, sort key, index key and key prefix of the single table is built
by a function or constant below; store modules import them, services never build a
key (tests/unit/test_house_rules.py checks both over the source). S3 object keys are
laid out in `object_keys.py`. The strings never change: stored items keep their keys.

Every tenant-owned partition key starts with `T#<tenant>`. The reference table (the
models' docstrings point here; `<time>` is UTC ISO 8601, `<hash>` a SHA-256 hex):

| item                 | pk                           | sk                          |
|----------------------|------------------------------|-----------------------------|
| issuer               | T#<tenant>                   | PROFILE                     |
| API key              | T#<tenant>                   | KEY#<hash of key>           |
| template             | T#<tenant>                   | TPL#<template>              |
| counter              | T#<tenant>                   | COUNTER#<name>              |
| status list          | T#<tenant>                   | STATUSLIST#<n>              |
| LMS integration      | T#<tenant>                   | LMS#<integration>           |
| bulk job             | T#<tenant>                   | JOB#<job>                   |
| export job           | T#<tenant>                   | EXPORT#<job>                |
| support request      | T#<tenant>                   | SUP#<request>               |
| webhook endpoint     | T#<tenant>                   | WHE#<endpoint>              |
| offboarding          | T#<tenant>                   | OFFBOARDING                 |
| credential           | T#<tenant>#C#<random>        | C                           |
| recipient slot       | T#<tenant>#R#<emailhash>     | TPL#<template>              |
| revocation           | T#<tenant>#REVOKED           | <credential id>             |
| LMS event            | T#<tenant>#LMSEV#<integr.>   | <received>#<event key>      |
| scheduled row        | T#<tenant>#SCHED#<template>  | <queued>#<event key>        |
| bulk chunk failures  | T#<tenant>#JOB#<job>         | FAIL#<chunk, 6 digits>      |
| webhook delivery     | T#<tenant>#WHD#<delivery>    | D                           |
| idempotency record   | T#<tenant>#IDEMPOTENCY       | <hashed key> (Powertools)   |
| issuer audit entry   | T#<tenant>#AUDIT             | <time>#<entry>              |
| operator audit entry | OPS#AUDIT                    | <time>#<entry>              |
| signing key          | PLATFORM                     | SIGNKEY#<kid>               |
| Ed25519 key (public) | PLATFORM                     | ED25519KEY#<generation:06d> |
| operator key         | PLATFORM                     | OPKEY#<hash of key>         |
| uptime canary        | PLATFORM                     | CANARY                      |
| expiry sweep marker  | PLATFORM                     | SWEEP#expiry                |
| monthly summary mark | PLATFORM                     | SUMMARY#<YYYY-MM>           |
| probe run (detail)   | PROBE#<YYYY-MM>              | <minute>#<location>         |
| probed/up minutes    | PROBEDAY#<YYYY-MM>           | <YYYY-MM-DD>                |
| probe coverage       | PROBELOC#<YYYY-MM>           | <YYYY-MM-DD>#<location>     |
| maintenance window   | MAINT                        | <start>#<window>            |
| status incident      | INCIDENT                     | <incident>                  |
| status subscriber    | STATUSSUB                    | <emailhash>                 |
| import               | IMPORT#<import>              | I                           |
| import pending slot  | IMPORTSLOT#<emailhash>       | <badge key>                 |
| earner               | EARNER#<earner>              | PROFILE                     |
| earner's address     | EARNER#<earner>              | EMAIL#<emailhash>           |
| kept credential      | EARNER#<earner>              | HELD#<credential id>        |
| address owner        | EMAIL#<emailhash>            | OWNER                       |
| profile address      | NAME#<normalised name>       | N                           |
| suppressed address   | SUPPRESS#<emailhash>         | S                           |
| reminders declined   | MAILOPTOUT#<emailhash>       | REMINDERS                   |
| sign-in request      | LOGIN#<login>                | L                           |
| wallet session       | SESSION#<hash of id>         | S                           |
| rate counter         | RATE#<scope>#<key>           | <window start, epoch s>     |
| console member       | T#<tenant>                   | MEMBER#<member>             |
| member count         | T#<tenant>                   | MEMBERS                     |
| member's address     | MEMBEREMAIL#<emailhash>      | T#<tenant>                  |
| console session      | CSESSION#<hash of id>        | S                           |
| single sign-on       | T#<tenant>                   | SSO                         |
| sign-on domain       | SSODOMAIN#<domain>           | T#<tenant>                  |
| sign-on state        | SSOSTATE#<hash of state>     | S                           |
| skill profile        | EARNER#<earner>              | SKILLS                      |
| skill aggregate      | SKILLSTAT#<skill key>        | HOLDERS, Q#<YYYY>Q<n>,      |
|                      |                              | CO#<skill>, CRED#<t>#<tpl>  |
| employee entry       | T#<tenant>#WF                | <earner>                    |
| earner's employer    | EARNER#<earner>              | EMPLOYER#<tenant>           |
| workforce invitation | T#<tenant>#WFINV             | <hash of token>             |
| team                 | T#<tenant>                   | TEAM#<team>                 |
| role                 | T#<tenant>                   | ROLE#<role>                 |
| talent settings      | EARNER#<earner>              | TALENT                      |
| talent index entry   | TALENT#<skill key>           | <earner>                    |
| message (earner's)   | EARNER#<earner>              | MSG#<time>#<message>        |
| message (org's copy) | T#<tenant>#MSG               | <time>#<message>            |
| open contact         | T#<tenant>#MSGOPEN           | <hash of tenant, earner>    |

(The console's items come with store/member_models.py.) Index entries:

| index     | partition (gsiNpk)              | sort (gsiNsk)                                 | of             |
|-----------|---------------------------------|-----------------------------------------------|----------------|
| by_tenant | ISSUERS                         | <tenant>                                      | issuer         |
| by_tenant | SUPPORT                         | <created>#<tenant>#<request>                  | support req.   |
| by_tenant | T#<tenant>#C                    | <created>#<random>                            | credential     |
| by_tenant | T#<tenant>#WHE#<endpoint>#D     | <created>#<delivery>                          | delivery       |
| by_tenant | AUDIT#<YYYY-MM-DD>              | <time>#<entry>                                | audit entry    |
| by_tenant | LOGINS#<emailhash>              | <expires>                                     | sign-in req.   |
| by_tenant | EARNER#<earner>#SESSIONS        | <created>                                     | wallet session |
| by_tenant | T#<tenant>#MSESSIONS#<member>   | <created>                                     | console sess.  |
| by_tenant | T#<tenant>#WFLINKS              | <earner>                                      | employer link  |
| by_email  | E#<emailhash>                   | T#<tenant>#<template>#<created>#<random>      | credential     |
| by_email  | E#<emailhash>                   | X#IMPORT#<created>#<import>                   | import         |
| by_email  | E#<emailhash>                   | X#LMSEV#<tenant>#<event sk>                   | LMS event      |
| by_email  | E#<emailhash>                   | X#SCHED#<tenant>#<template>#<row sk>          | scheduled row  |
| by_expiry | X#<YYYY-MM-DD>                  | <expires>#<credential id>                     | credential     |
| by_expiry | SCHED#<weekday>                 | <tenant>#<template>#<row sk>                  | scheduled row  |

Indexes: `by_tenant` (gsi1: listings per tenant, per day, per earner), `by_email`
(gsi2: everything indexed by a recipient's address hash, so erasure and the wallet
find it in one Query per address) and the sparse `by_expiry` (gsi3: what falls due
on a given day). Credential ids are `<tenant>-<random>` (so are integration ids): the
id alone names the partition, and one GetItem finds the item.
"""

from __future__ import annotations

from ..domain.ids import split_credential_id

# ------------------------------------------------------------------ a tenant's partition


def tenant_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}"


PROFILE_SK = "PROFILE"
# by_tenant partition listing every issuer (operators' views); the sort key is the tenant id
ISSUERS_INDEX_PK = "ISSUERS"
API_KEY_PREFIX = "KEY#"
TEMPLATE_PREFIX = "TPL#"
COUNTER_PREFIX = "COUNTER#"
STATUS_LIST_PREFIX = "STATUSLIST#"
INTEGRATION_PREFIX = "LMS#"
JOB_PREFIX = "JOB#"
EXPORT_JOB_PREFIX = "EXPORT#"
SUPPORT_PREFIX = "SUP#"
WEBHOOK_ENDPOINT_PREFIX = "WHE#"
OFFBOARDING_SK = "OFFBOARDING"


def api_key_sk(key_hash: str) -> str:
    return f"{API_KEY_PREFIX}{key_hash}"


def template_sk(template_id: str) -> str:
    return f"{TEMPLATE_PREFIX}{template_id}"


def counter_sk(name: str) -> str:
    return f"{COUNTER_PREFIX}{name}"


def status_list_sk(list_no: int) -> str:
    return f"{STATUS_LIST_PREFIX}{list_no}"


def integration_key(integration_id: str) -> tuple[str, str] | None:
    """Integration ids are `<tenant>-<random>`, like credential ids: the inbound hook
    finds its integration with one GetItem and no Authorization header. None for an id
    of another shape (it names no partition)."""
    parts = split_credential_id(integration_id)
    return (tenant_pk(parts[0]), f"{INTEGRATION_PREFIX}{integration_id}") if parts else None


def integration_sk(integration_id: str) -> str:
    return f"{INTEGRATION_PREFIX}{integration_id}"


def job_key(tenant_id: str, job_id: str) -> tuple[str, str]:
    return tenant_pk(tenant_id), f"{JOB_PREFIX}{job_id}"


def export_job_key(tenant_id: str, job_id: str) -> tuple[str, str]:
    """An export job (issue 15): its id starts with its creation time, so the tenant's
    jobs read newest first from its partition."""
    return tenant_pk(tenant_id), f"{EXPORT_JOB_PREFIX}{job_id}"


def support_key(tenant_id: str, request_id: str) -> tuple[str, str]:
    return tenant_pk(tenant_id), f"{SUPPORT_PREFIX}{request_id}"


# by_tenant partition listing every support request (operators' queue)
SUPPORT_INDEX_PK = "SUPPORT"


def support_index_sk(created_at: str, tenant_id: str, request_id: str) -> str:
    return f"{created_at}#{tenant_id}#{request_id}"


def webhook_endpoint_key(tenant_id: str, endpoint_id: str) -> tuple[str, str]:
    return tenant_pk(tenant_id), f"{WEBHOOK_ENDPOINT_PREFIX}{endpoint_id}"


# ------------------------------------------------------------------ credentials


CREDENTIAL_SK = "C"


def credential_key(credential_id: str) -> tuple[str, str] | None:
    parts = split_credential_id(credential_id)
    if parts is None:
        return None
    tenant_id, rand = parts
    return f"{credential_pk_prefix(tenant_id)}{rand}", CREDENTIAL_SK


def own_key(key: tuple[str, str] | None, made_id: str) -> tuple[str, str]:
    """The key of an id this service made itself (`credential_key(...)` of a stored
    credential's id): a shape that names no partition there is a bug, not bad input."""
    if key is None:
        raise ValueError(f"not an id this service makes: {made_id!r}")
    return key


def credential_pk_prefix(tenant_id: str) -> str:
    """What every credential partition key of a tenant starts with (cursor checks)."""
    return f"T#{tenant_id}#C#"


def tenant_credentials_pk(tenant_id: str) -> str:
    """by_tenant partition listing a tenant's credentials."""
    return f"T#{tenant_id}#C"


def tenant_credentials_sk(created_at: str, credential_id: str) -> str:
    """by_tenant sort key of a credential: newest first when read backwards."""
    return f"{created_at}#{credential_id.split('-', 1)[1]}"


def email_pk(email_hash: str) -> str:
    """by_email partition of one address: its credentials, imports, LMS events and scheduled rows."""
    return f"E#{email_hash}"


# by_email sort keys of credentials start with the tenant (`T#...`), the rest with `X#`
EMAIL_CREDENTIALS_PREFIX = "T#"


def email_sk_prefix(tenant_id: str, template_id: str | None = None) -> str:
    return f"T#{tenant_id}#" + (f"{template_id}#" if template_id else "")


def credential_email_sk(tenant_id: str, template_id: str, created_at: str, credential_id: str) -> str:
    return f"{email_sk_prefix(tenant_id, template_id)}{created_at}#{credential_id.split('-', 1)[1]}"


def expiry_pk(day: str) -> str:
    return f"X#{day}"


def expiry_sk(expires_at: str, credential_id: str) -> str:
    return f"{expires_at}#{credential_id}"


def recipient_slots_pk(tenant_id: str, email_hash: str) -> str:
    return f"T#{tenant_id}#R#{email_hash}"


def recipient_slot_key(tenant_id: str, email_hash: str, template_id: str) -> tuple[str, str]:
    return recipient_slots_pk(tenant_id, email_hash), template_sk(template_id)


def revocations_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#REVOKED"


# ------------------------------------------------------------------ platform items


PLATFORM_PK = "PLATFORM"
SIGNING_KEY_PREFIX = "SIGNKEY#"
# the expiry sweep's last completed day
EXPIRY_SWEEP_SK = "SWEEP#expiry"
MONTHLY_SUMMARY_SK_PREFIX = "SUMMARY#"


def monthly_summary_sk(month: str) -> str:
    """PLATFORM marker: the monthly summary mails of `month` (YYYY-MM) went out (issue 15)."""
    return f"{MONTHLY_SUMMARY_SK_PREFIX}{month}"


def signing_key_sk(kid: str) -> str:
    return f"{SIGNING_KEY_PREFIX}{kid}"


ED25519_KEY_PREFIX = "ED25519KEY#"


def ed25519_key_sk(generation: int) -> str:
    """An Ed25519 (Data Integrity) key's public half, by generation (zero-padded: the
    sort key orders generations)."""
    return f"{ED25519_KEY_PREFIX}{generation:06d}"


def operator_key_sk(key_hash: str) -> str:
    return f"OPKEY#{key_hash}"


# the uptime canary (services/canary.py): which platform-owned credential the probes verify
CANARY_SK = "CANARY"


def probes_pk(month: str) -> str:
    """One partition per UTC month (YYYY-MM) of probe runs, each endpoint's result (detail,
    kept 100 days); sort key `<minute>#<location>`."""
    return f"PROBE#{month}"


def probe_run_sk(minute: str, location: str) -> str:
    return f"{minute}#{location}"


def probe_days_pk(month: str) -> str:
    """One item per UTC day of a month: the minutes probed and the minutes some location
    saw up, as string sets of "HH:MM" (set ADD is idempotent and commutes, so locations
    and retries write the same item safely). Outage minute = probed and not up."""
    return f"PROBEDAY#{month}"


def probe_locations_pk(month: str) -> str:
    """Per UTC day and location: the minutes that location probed (its coverage)."""
    return f"PROBELOC#{month}"


def probe_location_sk(day: str, location: str) -> str:
    return f"{day}#{location}"


MAINTENANCE_PK = "MAINT"


def maintenance_sk(start: str, window_id: str) -> str:
    return f"{start}#{window_id}"


# the public status page (issue 16): incidents and mail subscribers, each one partition
# (a handful of incidents per quarter; subscribers are read whole to mail them)
INCIDENTS_PK = "INCIDENT"
STATUS_SUBSCRIBERS_PK = "STATUSSUB"


# ------------------------------------------------------------------ imported badges


IMPORT_SK = "I"
# by_email sort keys of imports
IMPORT_EMAIL_PREFIX = "X#IMPORT#"


def import_key(import_id: str) -> tuple[str, str]:
    return f"IMPORT#{import_id}", IMPORT_SK


def import_email_sk(created_at: str, import_id: str) -> str:
    return f"{IMPORT_EMAIL_PREFIX}{created_at}#{import_id}"


def import_slots_pk(email_hash: str) -> str:
    return f"IMPORTSLOT#{email_hash}"


def import_slot_key(email_hash: str, badge_key: str) -> tuple[str, str]:
    return import_slots_pk(email_hash), badge_key


# ------------------------------------------------------------------ LMS events and the weekly queue


LMS_EVENT_EMAIL_PREFIX = "X#LMSEV#"
SCHEDULED_EMAIL_PREFIX = "X#SCHED#"


def lms_events_pk(tenant_id: str, integration_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#LMSEV#{integration_id}"


def lms_event_sk(received_at: str, event_key: str) -> str:
    return f"{received_at}#{event_key}"


def lms_event_email_sk(tenant_id: str, event_sk: str) -> str:
    return f"{LMS_EVENT_EMAIL_PREFIX}{tenant_id}#{event_sk}"


def scheduled_pk(tenant_id: str, template_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#SCHED#{template_id}"


def scheduled_sk(queued_at: str, event_key: str) -> str:
    return f"{queued_at}#{event_key}"


def scheduled_day_pk(weekday: str) -> str:
    """by_expiry partition of the rows due on a weekday (every tenant's)."""
    return f"SCHED#{weekday}"


def scheduled_day_sk(tenant_id: str, template_id: str, row_sk: str) -> str:
    return f"{tenant_id}#{template_id}#{row_sk}"


def scheduled_email_sk(tenant_id: str, template_id: str, row_sk: str) -> str:
    return f"{SCHEDULED_EMAIL_PREFIX}{tenant_id}#{template_id}#{row_sk}"


# ------------------------------------------------------------------ bulk jobs


CHUNK_FAILURES_PREFIX = "FAIL#"


def job_failures_pk(tenant_id: str, job_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#JOB#{job_id}"


def chunk_failures_sk(chunk: int) -> str:
    return f"{CHUNK_FAILURES_PREFIX}{chunk:06d}"


# ------------------------------------------------------------------ outbound webhooks


WEBHOOK_DELIVERY_SK = "D"


def webhook_delivery_pk_prefix(tenant_id: str) -> str:
    """What every delivery partition key of a tenant starts with (cursor checks)."""
    return f"T#{tenant_id}#WHD#"


def webhook_delivery_key(tenant_id: str, delivery_id: str) -> tuple[str, str]:
    return f"{webhook_delivery_pk_prefix(tenant_id)}{delivery_id}", WEBHOOK_DELIVERY_SK


def endpoint_deliveries_pk(tenant_id: str, endpoint_id: str) -> str:
    """by_tenant partition listing one endpoint's deliveries."""
    return f"T#{tenant_id}#WHE#{endpoint_id}#D"


def endpoint_deliveries_sk(created_at: str, delivery_id: str) -> str:
    return f"{created_at}#{delivery_id}"


def idempotency_pk(tenant_id: str) -> str:
    """Powertools Idempotency records of a tenant (its static partition key)."""
    return f"{tenant_pk(tenant_id)}#IDEMPOTENCY"


# ------------------------------------------------------------------ earners (store/earner_models.py)


EARNER_EMAIL_PREFIX = "EMAIL#"
HELD_PREFIX = "HELD#"
EMAIL_OWNER_SK = "OWNER"
LOGIN_SK = "L"
SESSION_SK = "S"


def earner_pk(earner_id: str) -> str:
    return f"EARNER#{earner_id}"


def earner_email_sk(email_hash: str) -> str:
    return f"{EARNER_EMAIL_PREFIX}{email_hash}"


def held_sk(credential_id: str) -> str:
    return f"{HELD_PREFIX}{credential_id}"


def email_owner_key(email_hash: str) -> tuple[str, str]:
    return f"EMAIL#{email_hash}", EMAIL_OWNER_SK


PROFILE_NAME_SK = "N"


def profile_name_key(name: str) -> tuple[str, str]:
    """A public profile's vanity address (`/u/<name>`, domain/vanity.py): one item per
    normalised name, written with a condition, so only one earner holds it."""
    return f"NAME#{name}", PROFILE_NAME_SK


def login_key(login_id: str) -> tuple[str, str]:
    return f"LOGIN#{login_id}", LOGIN_SK


SUPPRESSION_SK = "S"


def suppression_key(email_hash: str) -> tuple[str, str]:
    """An address SES told us not to mail again (a permanent bounce or a complaint, issue 17).
    Keyed by the address's hash, as every index of a recipient is: the address itself
    is never stored for this."""
    return f"SUPPRESS#{email_hash}", SUPPRESSION_SK


MAIL_OPT_OUT_SK = "REMINDERS"


def mail_opt_out_key(email_hash: str) -> tuple[str, str]:
    """An address that unsubscribed from Laurel's non-essential mail (expiry reminders,
    issue 19) with the one-click link in such a mail. Keyed by the address's hash, as the
    suppression list: the address itself is never stored for this."""
    return f"MAILOPTOUT#{email_hash}", MAIL_OPT_OUT_SK


def address_logins_pk(email_hash: str) -> str:
    """by_tenant partition listing an address's sign-in requests (erasure finds them)."""
    return f"LOGINS#{email_hash}"


def session_key(session_hash: str) -> tuple[str, str]:
    return f"SESSION#{session_hash}", SESSION_SK


def earner_sessions_pk(earner_id: str) -> str:
    """by_tenant partition listing an earner's sessions (erasure ends them all)."""
    return f"{earner_pk(earner_id)}#SESSIONS"


def rate_pk(scope: str, key: str) -> str:
    return f"RATE#{scope}#{key}"


def rate_sk(window_start: int) -> str:
    return str(window_start)


# ------------------------------------------------------------------ audit log (store/audit_models.py)


def audit_sk(at: str, entry_id: str) -> str:
    """Sort key of an entry in its partition, and in its day's by_tenant partition."""
    return f"{at}#{entry_id}"


def tenant_audit_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#AUDIT"


OPS_AUDIT_PK = "OPS#AUDIT"


def audit_day_pk(day: str) -> str:
    """by_tenant partition holding every audit entry of one UTC day (YYYY-MM-DD)."""
    return f"AUDIT#{day}"


# ------------------------------------------------------------------ console members (store/member_models.py)


def member_sk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


MEMBER_SK_PREFIX = "MEMBER#"
MEMBER_COUNT_SK = "MEMBERS"
SSO_SK = "SSO"


def member_email_key(email_hash: str, tenant_id: str) -> tuple[str, str]:
    return f"MEMBEREMAIL#{email_hash}", tenant_pk(tenant_id)


def member_email_pk(email_hash: str) -> str:
    return f"MEMBEREMAIL#{email_hash}"


def console_session_key(session_hash: str) -> tuple[str, str]:
    return f"CSESSION#{session_hash}", "S"


def member_sessions_pk(tenant_id: str, member_id: str) -> str:
    """by_tenant partition listing one member's console sessions."""
    return f"{tenant_pk(tenant_id)}#MSESSIONS#{member_id}"


def sso_domain_key(domain: str) -> tuple[str, str]:
    """One item per e-mail domain whatever the organization: its key names the domain
    alone, so a conditional write on it is what keeps a domain to one organization."""
    return f"SSODOMAIN#{domain}", "D"


def sso_state_key(state_hash: str) -> tuple[str, str]:
    return f"SSOSTATE#{state_hash}", "S"


# ------------------------------------------------------------------ engagement counters (store/engagement.py)
# | tenant's days, total    | T#<tenant>#ENGD    | <YYYY-MM-DD>, TOTAL          |
# | template days           | T#<tenant>#ENGT    | <YYYY-MM-DD>#<template>      |
# | credential totals       | T#<tenant>#ENGC    | <credential id>              |
# | platform days           | ENGPLATFORM        | <YYYY-MM-DD>                 |
# | event seen (TTL)        | ENGEV#<event id>   | E                            |
# A tenant's counters live in its three ENG partitions (offboarding deletes them);
# the total sorts after every day ("TOTAL" > "2..."), so a day range never reads it.

ENGAGEMENT_TOTAL_SK = "TOTAL"
ENGAGEMENT_EVENT_SK = "E"
ENGAGEMENT_PLATFORM_PK = "ENGPLATFORM"


def engagement_days_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#ENGD"


def engagement_templates_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#ENGT"


def engagement_template_sk(day: str, template_id: str) -> str:
    return f"{day}#{template_id}"


def engagement_credentials_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#ENGC"


def engagement_partitions(tenant_id: str) -> tuple[str, str, str]:
    """Every partition holding a tenant's engagement counters."""
    return engagement_days_pk(tenant_id), engagement_templates_pk(tenant_id), engagement_credentials_pk(tenant_id)


def engagement_event_key(event_id: str) -> tuple[str, str]:
    return f"ENGEV#{event_id}", ENGAGEMENT_EVENT_SK


# ------------------------------------------------------------------ skill profiles and insights (issue 20: profile)
# The stored profile sits in the earner's partition (erasure deletes it with the rest); the
# aggregates are one partition per skill (services/insights.py reads one Query per skill).
# They hold counts of people, never who: the skill key is an ESCO id or the skill's words.

SKILLS_SK = "SKILLS"
SKILL_STATS_PREFIX = "SKILLSTAT#"


def skill_profile_key(earner_id: str) -> tuple[str, str]:
    return earner_pk(earner_id), SKILLS_SK


def skill_stats_pk(skill_key: str) -> str:
    return f"{SKILL_STATS_PREFIX}{skill_key}"


# the sort key of each kind of aggregate (domain/insights.py's kinds): holders, first-seen
# per quarter (`<YYYY>Q<n>`), held with another skill (its key), taught by a credential
# (`<tenant>#<template>`)
SKILL_STAT_SKS = {"holders": "HOLDERS", "quarter": "Q#", "co": "CO#", "cred": "CRED#"}


def skill_stat_sk(kind: str, arg: str = "") -> str:
    return SKILL_STAT_SKS[kind] + ("" if kind == "holders" else arg)


def skill_stat_kind(sk: str) -> tuple[str, str] | None:
    """(kind, arg) of an aggregate's sort key; None for one this code does not know."""
    if sk == SKILL_STAT_SKS["holders"]:
        return "holders", ""
    for kind, prefix in SKILL_STAT_SKS.items():
        if kind != "holders" and sk.startswith(prefix):
            return kind, sk[len(prefix):]
    return None


# ------------------------------------------------------------------ workforce (issue 20; store/workforce.py)
# | employee entry (index)  | T#<tenant>#WF        | <earner>                     |
# | the earner's link       | EARNER#<earner>      | EMPLOYER#<tenant>            |
# | workforce invitation    | T#<tenant>#WFINV     | <hash of token>              |
# | team                    | T#<tenant>           | TEAM#<team>                  |
# | role                    | T#<tenant>           | ROLE#<role>                  |
# The earner's link is the consent (it stays while the earner is restricted, so lifting
# the restriction fills the entry again); the employee entry is what the organization
# sees, present only while the earner is linked and counted. One Query of T#<tenant>#WF
# is every page's read.

EMPLOYER_PREFIX = "EMPLOYER#"
TEAM_PREFIX = "TEAM#"
ROLE_PREFIX = "ROLE#"


def workforce_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#WF"


def employee_key(tenant_id: str, earner_id: str) -> tuple[str, str]:
    return workforce_pk(tenant_id), earner_id


def employer_key(earner_id: str, tenant_id: str) -> tuple[str, str]:
    return earner_pk(earner_id), f"{EMPLOYER_PREFIX}{tenant_id}"


def workforce_invitations_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#WFINV"


def workforce_invitation_key(tenant_id: str, token_hash: str) -> tuple[str, str]:
    return workforce_invitations_pk(tenant_id), token_hash


def workforce_links_pk(tenant_id: str) -> str:
    """by_tenant partition listing the earners linked to an organization (sort key: the
    earner id): what offboarding deletes, restricted earners' links included."""
    return f"{tenant_pk(tenant_id)}#WFLINKS"


def team_key(tenant_id: str, team_id: str) -> tuple[str, str]:
    return tenant_pk(tenant_id), f"{TEAM_PREFIX}{team_id}"


def role_key(tenant_id: str, role_id: str) -> tuple[str, str]:
    return tenant_pk(tenant_id), f"{ROLE_PREFIX}{role_id}"


# ------------------------------------------------------------------ talent search (issue 20 item 4, store/talent.py)
# | talent settings      | EARNER#<earner>     | TALENT                  |  opt-in, kinds, location, indexed keys
# | talent index entry   | TALENT#<skill key>  | <earner>                |  only opted-in earners
# | message (earner's)   | EARNER#<earner>     | MSG#<time>#<message>    |
# | message (org's copy) | T#<tenant>#MSG      | <time>#<message>        |
# | open contact         | T#<tenant>#MSGOPEN  | <hash of tenant+earner> |  one open contact per candidate
# The earner's items live in their partition (erasure deletes them with the account); the
# organization's copy and open-contact marker in the tenant's (offboarding deletes them).

TALENT_SETTINGS_SK = "TALENT"
MESSAGE_PREFIX = "MSG#"


def talent_settings_key(earner_id: str) -> tuple[str, str]:
    return earner_pk(earner_id), TALENT_SETTINGS_SK


def talent_pk(skill_key: str) -> str:
    return f"TALENT#{skill_key}"


def talent_key(skill_key: str, earner_id: str) -> tuple[str, str]:
    return talent_pk(skill_key), earner_id


def earner_message_key(earner_id: str, at: str, message_id: str) -> tuple[str, str]:
    return earner_pk(earner_id), f"{MESSAGE_PREFIX}{at}#{message_id}"


def org_messages_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#MSG"


def org_message_key(tenant_id: str, at: str, message_id: str) -> tuple[str, str]:
    return org_messages_pk(tenant_id), f"{at}#{message_id}"


def open_contact_key(tenant_id: str, candidate_hash: str) -> tuple[str, str]:
    return f"{tenant_pk(tenant_id)}#MSGOPEN", candidate_hash
