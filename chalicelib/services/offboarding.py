"""Tenant offboarding, an operator's two steps.

1. `dry_run`: lists what would be deleted and what is kept (counts, and ids up to
   LISTED_IDS per category), and returns a confirmation token. The token is random
   (160 bits), valid TOKEN_MINUTES, stored only as a hash bound to the tenant, next
   to a digest of every item and image the dry run saw. A new dry run replaces it.
2. `confirm(token)`: the tenant's data is read again; if it is not what the dry run
   saw (something was added or removed), the confirmation is refused and nothing is
   written. Otherwise one transaction uses the token up and marks the issuer
   offboarded (so a second confirmation, or the same token again, gets a 409), and:

   - the tenant stops at once, before the answer: its API keys are deleted (the
     issuer API's authentication already reads the key item, so a deleted key is
     refused with no extra read), its LMS integrations and webhook endpoints are
     disabled (inbound hooks answer 404, queued deliveries are cancelled), and
     issuance (single, bulk chunk, LMS) refuses an offboarded issuer, on the issuer
     read it already makes;
   - the deletion runs in batches for up to RUN_SECONDS; what is left continues on
     the bulk queue's worker (and `resume` lets an operator finish it by hand). Every
     step re-reads what is left and deletes it again, so a run cut short anywhere
     (a timeout, an AWS error) loses nothing: the kept items are never in a delete
     batch, and the next run picks up where the data says it is.

What is deleted and what is kept: see `domain.offboarding`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..adapters import objects, queue, secrets
from ..config import get_settings
from ..domain import ids
from ..domain import offboarding as rules
from ..domain.clock import iso, parse_iso
from ..domain.errors import BadRequest, Conflict, Gone, NotFound
from ..store import engagement as engagement_store
from ..store import issuers as issuer_store
from ..store import keys, object_keys
from ..store import members as member_store
from ..store import offboarding as store
from ..store import talent as talent_store
from ..store import workforce as workforce_store
from . import clock
from .sso import secret_name as sso_secret_name

LISTED_IDS = 1000  # ids shown per category (counts are always complete)
RUN_SECONDS = 20  # from the request's start: a confirmation answers within API Gateway's 29 s
WORKER_MARGIN_SECONDS = 60
MAX_WRITES_PER_RUN: int | None = None  # tests cut runs short with it
MAX_RUNS = 200
BATCH = 25  # BatchWriteItem's limit
TOKEN_PREFIX = "ofb_"


class _OutOfTime(Exception):
    pass


class _Budget:
    def __init__(self, seconds: float, max_writes: int | None = None) -> None:
        self.deadline = clock.monotonic() + seconds
        self.max_writes, self.writes = max_writes, 0

    def check(self) -> None:
        if clock.monotonic() >= self.deadline or (self.max_writes is not None and self.writes >= self.max_writes):
            raise _OutOfTime

    def spend(self, n: int) -> None:
        self.writes += n


@dataclass
class _Survey:
    """Everything the tenant owns, as it is now."""

    tenant_id: str
    issuer: Any
    partition: list = field(default_factory=list)
    api_keys: list = field(default_factory=list)
    templates: list = field(default_factory=list)
    credentials: list = field(default_factory=list)
    children: dict = field(default_factory=dict)  # category -> keys under parents
    images: list = field(default_factory=list)

    def ids_with(self, prefix: str) -> list[str]:
        return [sk.removeprefix(prefix) for _, sk in self.partition if sk.startswith(prefix)]

    def keys_with(self, prefix: str) -> list[tuple[str, str]]:
        return [(pk, sk) for pk, sk in self.partition if sk.startswith(prefix)]


def _survey(tenant_id: str, issuer: Any) -> _Survey:
    s = _Survey(tenant_id, issuer)
    s.partition = store.tenant_partition(tenant_id)
    s.api_keys = issuer_store.list_api_keys(tenant_id)
    s.templates = store.templates(tenant_id)
    s.credentials = list(store.credentials(tenant_id))
    s.children = {
        "webhook_deliveries": [k for e in s.ids_with(keys.WEBHOOK_ENDPOINT_PREFIX)
                               for k in store.delivery_keys(tenant_id, e)],
        "lms_events": [k for i in s.ids_with(keys.INTEGRATION_PREFIX) for k in store.lms_event_keys(tenant_id, i)],
        "scheduled_rows": [k for t in s.ids_with(keys.TEMPLATE_PREFIX) for k in store.scheduled_row_keys(tenant_id, t)],
        "bulk_job_failures": [k for j in s.ids_with(keys.JOB_PREFIX) for k in store.job_failure_keys(tenant_id, j)],
        "idempotency_records": store.idempotency_keys(tenant_id),
        "engagement_counters": engagement_store.tenant_counter_keys(tenant_id),
        "talent_messages": talent_store.tenant_message_keys(tenant_id),
    }
    console = member_store.console_keys(tenant_id)
    s.children |= {"console_sessions": console["sessions"], "console_members": console["members"],
                   "single_sign_on": console["single_sign_on"]}
    s.children["workforce"] = workforce_store.tenant_keys(tenant_id)
    # the tenant's objects: images, its bulk jobs' error reports and kept uploads, and
    # its exports' files (issue 15)
    image_prefixes = (object_keys.template_images_prefix(tenant_id), object_keys.issuer_logos_prefix(tenant_id),
                      object_keys.bulk_reports_prefix(tenant_id), object_keys.bulk_uploads_prefix(tenant_id),
                      object_keys.org_exports_prefix(tenant_id))
    s.images = [k for prefix in image_prefixes for k in objects.list_keys(prefix)]
    return s


@dataclass
class _Plan:
    delete: dict  # category -> keys (S3 keys for images)
    shown: dict  # category -> ids an operator recognises (None: only counted)
    kept_credentials: list
    kept_templates: list
    kept_images: list


def _plan(s: _Survey, credentials: Any = None) -> _Plan:
    delete: dict = {c: [] for c in rules.CATEGORIES}
    shown: dict = {c: None for c in rules.CATEGORIES}
    delete["api_keys"] = [(k.pk, k.sk) for k in s.api_keys]
    shown["api_keys"] = [k.key_id for k in s.api_keys]
    for category in ("webhook_deliveries", "lms_events", "scheduled_rows", "bulk_job_failures", "idempotency_records",
                     "engagement_counters", "console_sessions", "console_members", "single_sign_on",
                     "workforce", "talent_messages"):
        delete[category] = s.children[category]
    for category, prefix in (("webhook_endpoints", keys.WEBHOOK_ENDPOINT_PREFIX),
                             ("integrations", keys.INTEGRATION_PREFIX), ("bulk_jobs", keys.JOB_PREFIX),
                             ("export_jobs", keys.EXPORT_JOB_PREFIX)):
        delete[category], shown[category] = s.keys_with(prefix), s.ids_with(prefix)
    credentials = s.credentials if credentials is None else credentials
    delete["recipient_slots"] = sorted({store.slot_key(s.tenant_id, c.email_hash, c.template_id) for c in credentials})
    kept = []
    for c in credentials:
        fate = rules.credential_fate(c.status, c.accepted_at)
        if fate == "keep":
            kept.append(c)
        else:
            delete[fate].append((c.pk, c.sk))
            shown[fate] = (shown[fate] or []) + [c.credential_id]
    referenced = {c.template_id for c in kept}
    kept_templates = [t for t in s.templates if t.template_id in referenced]
    gone_templates = [t for t in s.templates if t.template_id not in referenced]
    delete["templates"] = [(t.pk, t.sk) for t in gone_templates]
    shown["templates"] = [t.template_id for t in gone_templates]
    still_used = [s.issuer.logo_key] + [t.image_key for t in kept_templates]
    still_used += [c.snapshot["template"].get("image_key") for c in kept]
    still_used += [c.snapshot["issuer"].get("logo_key") for c in kept]
    delete["images"] = shown["images"] = rules.images_to_delete(s.images, still_used)
    kept_images = sorted(set(s.images) - set(delete["images"]))
    return _Plan(delete, shown, kept, kept_templates, kept_images)


def _digest(s: _Survey) -> str:
    # kept, and they change on their own
    skip = (keys.PROFILE_SK, keys.OFFBOARDING_SK, keys.STATUS_LIST_PREFIX, keys.COUNTER_PREFIX, keys.SUPPORT_PREFIX)
    seen = [f"{pk}|{sk}" for pk, sk in s.partition if not sk.startswith(skip)]
    # Left out because they change without the tenant doing anything, and whatever they hold
    # is deleted (the run's re-survey passes catch what arrives late): sessions come and go
    # with sign-ins; engagement counters grow as the credentials it keeps are viewed; an
    # export's files come and go as its job runs and the bucket's lifecycle expires them.
    # Employees link and unlink on their own too (issue 20: the workforce items).
    moving = ("console_sessions", "engagement_counters", "workforce")
    exports = object_keys.org_exports_prefix(s.tenant_id)
    seen += [f"{pk}|{sk}" for category, child_keys in s.children.items() if category not in moving
             for pk, sk in child_keys]
    seen += [f"C|{c.credential_id}" for c in s.credentials]
    seen += [f"S3|{k}" for k in s.images if not k.startswith(exports)]
    return rules.plan_digest(s.tenant_id, seen)


def _listing(values: list | None, count: int) -> dict:
    out: dict = {"count": count}
    if values is not None:
        out["ids"] = values[:LISTED_IDS]
        if len(values) > LISTED_IDS:
            out["ids_truncated"] = True
    return out


def _kept_view(s: _Survey, plan: _Plan) -> dict:
    status_lists = len(s.keys_with(keys.STATUS_LIST_PREFIX))
    support = len(s.keys_with(keys.SUPPORT_PREFIX))
    return {
        "credentials": _listing([c.credential_id for c in plan.kept_credentials], len(plan.kept_credentials)),
        "templates": _listing([t.template_id for t in plan.kept_templates], len(plan.kept_templates)),
        "images": {"count": len(plan.kept_images)},
        "issuer_profile": True,
        "status_lists": {"count": status_lists},
        "support_requests": {"count": support, "why": "contract records: SLA credits and support history"},
    }


def _require_issuer(tenant_id: str) -> Any:
    item = issuer_store.get_issuer(tenant_id) if ids.TENANT_ID.match(tenant_id or "") else None
    if item is None:
        raise NotFound("issuer not found")
    return item


# ------------------------------------------------------------------ step 1: the dry run


def dry_run(tenant_id: str) -> dict:
    issuer = _require_issuer(tenant_id)
    record = store.get(tenant_id)
    if record is not None and record.state != "planned":
        raise Conflict(f"this tenant's offboarding was confirmed already ({record.state})", code="already_confirmed")
    now = clock.utcnow()
    s = _survey(tenant_id, issuer)
    plan = _plan(s)
    counts = {c: len(v) for c, v in plan.delete.items()}
    token = TOKEN_PREFIX + ids.random_token()
    expires = iso(now + timedelta(minutes=rules.TOKEN_MINUTES))
    if not store.save_plan(tenant_id, {"plan_digest": _digest(s), "plan": counts, "planned_at": iso(now),
                                       "token_hash": rules.token_hash(tenant_id, token),
                                       "token_expires_at": expires, "updated_at": iso(now)}):
        raise Conflict("this tenant's offboarding was confirmed meanwhile", code="already_confirmed")
    return {
        "tenant_id": tenant_id,
        "state": "planned",
        "delete": {c: _listing(plan.shown[c], counts[c]) for c in rules.CATEGORIES},
        "keep": _kept_view(s, plan),
        "confirmation": {"token": token, "expires_at": expires,
                         "confirm": f"POST /ops/issuers/{tenant_id}/offboarding/confirm {{\"token\": \"...\"}}"},
    }


# ------------------------------------------------------------------ step 2: the confirmation


def confirm(tenant_id: str, token: str) -> dict:
    started = clock.monotonic()
    issuer = _require_issuer(tenant_id)
    record = store.get(tenant_id)
    token_hash = rules.token_hash(tenant_id, token or "")
    if record is None:
        raise Conflict("run the dry run first: POST /ops/issuers/{tenant}/offboarding", code="no_dry_run")
    if record.state != "planned":
        used = record.used_token_hash and ids.same_secret(record.used_token_hash, token_hash)
        raise Conflict("this confirmation token was used already; the offboarding is " + record.state
                       if used else f"this tenant's offboarding was confirmed already ({record.state})",
                       code="token_used" if used else "already_confirmed")
    if not record.token_hash or not ids.same_secret(record.token_hash, token_hash):
        raise BadRequest("this is not the token of the latest dry run for this tenant", code="invalid_token")
    now = clock.utcnow()
    if parse_iso(record.token_expires_at) <= now:
        raise Gone("the confirmation token expired; run the dry run again", code="token_expired")
    s = _survey(tenant_id, issuer)
    if _digest(s) != record.plan_digest:
        raise Conflict("the tenant's data changed since the dry run; run the dry run again and check it",
                       code="plan_changed")
    if not store.confirm(record, issuer, token_hash, iso(now)):
        raise Conflict("this tenant's offboarding was confirmed by another request", code="already_confirmed")
    _stop(s, iso(now))
    # the answer must leave within API Gateway's limit: the re-read above counts
    return _run(tenant_id, issuer, max(RUN_SECONDS - (clock.monotonic() - started), 1.0), survey=s)


def _stop(s: _Survey, now: str) -> None:
    """What must stop the moment the confirmation is accepted."""
    store.batch_delete((k.pk, k.sk) for k in s.api_keys)
    store.batch_delete(s.children["console_sessions"])  # members are signed out now; their items follow
    for integration_id in s.ids_with(keys.INTEGRATION_PREFIX):
        store.disable_integration(s.tenant_id, integration_id, now)
    for endpoint_id in s.ids_with(keys.WEBHOOK_ENDPOINT_PREFIX):
        store.disable_endpoint(s.tenant_id, endpoint_id, now)


# ------------------------------------------------------------------ the deletion (resumable)


def resume(tenant_id: str) -> dict:
    """An operator finishes (or checks on) a deletion that a run left unfinished."""
    issuer = _require_issuer(tenant_id)
    record = store.get(tenant_id)
    if record is None or record.state == "planned":
        raise Conflict("this tenant's offboarding is not confirmed", code="not_confirmed")
    if record.state == "completed":
        raise Conflict("this tenant's offboarding is complete", code="already_completed")
    return _run(tenant_id, issuer, RUN_SECONDS)


def continue_from_queue(tenant_id: str, lambda_context: Any = None) -> dict:
    """The bulk queue's worker continues a deletion (up to the invocation's time)."""
    issuer = issuer_store.get_issuer(tenant_id) if ids.TENANT_ID.match(tenant_id or "") else None
    record = store.get(tenant_id) if issuer else None
    if record is None or record.state != "deleting":
        return {"skipped": True}
    seconds = 780.0
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        seconds = lambda_context.get_remaining_time_in_millis() / 1000 - WORKER_MARGIN_SECONDS
    try:
        return _run(tenant_id, issuer, max(seconds, 5.0))
    except Conflict:  # another run holds the lease; it queues the rest if it cannot finish
        return {"skipped": True}


def _run(tenant_id: str, issuer: Any, seconds: float, survey: _Survey | None = None) -> dict:
    record = store.get(tenant_id)
    if record is None:  # every caller found the confirmed plan first
        raise Conflict("this tenant's offboarding is not confirmed", code="not_confirmed")
    now = clock.utcnow()
    if not store.take_lease(record, iso(now), iso(now + timedelta(seconds=seconds + WORKER_MARGIN_SECONDS))):
        raise Conflict("a deletion run for this tenant is in progress; check GET .../offboarding",
                       code="in_progress")
    budget = _Budget(seconds, MAX_WRITES_PER_RUN)
    deleted = dict(record.deleted or {})
    try:
        for attempt in range(3):  # what an in-flight request added meanwhile is caught by the next pass
            if attempt:
                budget.check()  # the check below re-reads everything: only with time left
            s = survey if (survey is not None and attempt == 0) else _survey(tenant_id, issuer)
            plan = _plan(s)
            if attempt and not any(v for c, v in plan.delete.items() if c != "recipient_slots"):
                store.save_progress(record, deleted, iso(clock.utcnow()), kept=_kept_view(s, plan), completed=True)
                from . import cdn

                cdn.issuer_changed(tenant_id)  # its documents as the CDN cached them are out of date
                return status(tenant_id)
            _pass(s, plan, budget, deleted, record, slots_done=bool(record.slots_deleted_at) or attempt > 0)
            store.save_progress(record, deleted, iso(clock.utcnow()))
        raise _OutOfTime  # still changing under us: another run takes it from here
    except _OutOfTime:
        store.save_progress(record, deleted, iso(clock.utcnow()))
        store.release_lease(record, iso(clock.utcnow()))
        _continue_later(tenant_id, int(record.runs or 0))
    except Exception as exc:  # noqa: BLE001 - AWS failed mid-way: nothing kept was touched; resume later
        from ..logs import logger

        reason = f"{exc.__class__.__name__}: {str(exc)[:300]}"
        logger().error("offboarding run stopped", extra={"tenant_id": tenant_id, "reason": reason})
        try:
            store.save_progress(record, deleted, iso(clock.utcnow()), error=reason)
        except Exception:  # noqa: BLE001 - the lease runs out by itself
            pass
        _continue_later(tenant_id, int(record.runs or 0))
    return status(tenant_id)


def _continue_later(tenant_id: str, runs: int) -> None:
    if runs >= MAX_RUNS:
        return  # an operator looks at last_error and resumes by hand
    try:
        queue.send(get_settings().bulk_queue, {"offboarding": tenant_id})
    except Exception:  # noqa: BLE001 - the state says "deleting"; an operator can resume
        pass


def _pass(s: _Survey, plan: _Plan, budget: _Budget, deleted: dict, record: Any, slots_done: bool) -> None:
    """One pass over everything, children before parents, the credentials' slots
    before the credentials, the templates and images last (decided on the
    credentials that are left, so whatever became accepted meanwhile keeps them)."""

    def batches(category: str, item_keys: list) -> None:
        for start in range(0, len(item_keys), BATCH):
            budget.check()
            chunk = item_keys[start:start + BATCH]
            store.batch_delete(chunk)
            budget.spend(len(chunk))
            deleted[category] = deleted.get(category, 0) + len(chunk)

    for category in rules.CATEGORIES[:rules.CATEGORIES.index("pending_credentials")]:
        if category == "recipient_slots" and slots_done:
            continue  # derived from the credentials, not listed: deleted once (nothing issues any more)
        batches(category, plan.delete[category])
        if category == "single_sign_on" and plan.delete[category]:
            secrets.delete(sso_secret_name(s.tenant_id))  # after its settings: nothing names it any more
        if category == "recipient_slots":
            store.mark_slots_deleted(record, iso(clock.utcnow()))
    by_key = {(c.pk, c.sk): c for c in s.credentials}
    survived = []
    for key in plan.delete["pending_credentials"]:
        budget.check()
        credential = by_key[key]
        budget.spend(1)
        if store.delete_if_pending(credential.credential_id):
            deleted["pending_credentials"] = deleted.get("pending_credentials", 0) + 1
        else:
            survived.append(credential.credential_id)
    if survived:  # accepted meanwhile: kept, and so are its template and images
        from ..store.credentials import get_consistent

        now_left = [c for c in (get_consistent(x) for x in survived) if c is not None]
        gone = set(survived) | {c.credential_id for c in s.credentials
                                if rules.credential_fate(c.status, c.accepted_at) != "keep"}
        plan = _plan(s, credentials=[c for c in s.credentials if c.credential_id not in gone] + now_left)
    batches("templates", plan.delete["templates"])
    for start in range(0, len(plan.delete["images"]), 1000):
        budget.check()
        chunk = plan.delete["images"][start:start + 1000]
        objects.delete_many(chunk)
        budget.spend(len(chunk))
        deleted["images"] = deleted.get("images", 0) + len(chunk)


# ------------------------------------------------------------------ where it stands


def status(tenant_id: str) -> dict:
    _require_issuer(tenant_id)
    record = store.get(tenant_id)
    if record is None:
        return {"tenant_id": tenant_id, "state": "none"}
    return {
        "tenant_id": tenant_id,
        "state": record.state,
        "planned_at": record.planned_at,
        "planned": record.plan,
        "token_expires_at": record.token_expires_at,
        "confirmed_at": record.confirmed_at,
        "completed_at": record.completed_at,
        "runs": int(record.runs or 0),
        "deleted": record.deleted or {},
        "kept": record.kept,
        "last_error": record.last_error,
    }
