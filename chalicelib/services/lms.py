"""LMS integrations: signed completion webhooks turned into credentials (or retake mails).

Exactly once: the LMS retries, sometimes twice at the same moment. Each event is
processed under Powertools Idempotency, keyed by integration + event id (or a hash
of the body when the payload has none), persisted in the tenant's own partition of
the table; a duplicate gets the first answer back, a concurrent one a 409 to retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import jsonbody
from ..config import get_settings
from ..domain import ids
from ..domain import lms as rules
from ..domain.clock import iso
from ..domain.errors import BadRequest, Conflict, LaurelError, NotFound, Unauthorized, ValidationFailed
from ..domain.webhooks import SIGNATURE_HEADER, verify
from ..store import lms as store
from . import clock, notify

if TYPE_CHECKING:
    from .. import schemas

IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600
MAX_RULES = 500  # schemas.IntegrationRulesIn: rules max_length


def integration_view(item: Any, secret: str | None = None) -> dict:
    view = {
        "id": item.integration_id,
        "name": item.name,
        "format": item.format,
        "rules": item.rules,
        "state": item.state,
        "inbound_url": f"{get_settings().public_base_url}/hooks/lms/{item.integration_id}",
        "signature_header": SIGNATURE_HEADER,
        "rotation_in_progress": bool(item.previous_secret),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }
    if secret:
        view["secret"] = secret  # shown once
    return view


def _check_rules(tenant_id: str, rules_in: dict) -> dict:
    from .templates import require as require_template

    out = {}
    for course_id, rule in rules_in.items():
        require_template(tenant_id, rule["template_id"])  # 404 for unknown or another tenant's template
        rule = {k: v for k, v in rule.items() if v is not None}
        if float(rule["threshold"]).is_integer():
            rule["threshold"] = int(rule["threshold"])
        out[course_id] = rule
    return out


def create(tenant_id: str, data: schemas.IntegrationIn) -> dict:
    now = iso(clock.utcnow())
    secret = "whsec_" + ids.random_token()
    item = store.create({
        "integration_id": ids.new_credential_id(tenant_id), "tenant_id": tenant_id, "name": data.name,
        "format": data.format, "rules": _check_rules(tenant_id, data.model_dump(mode="json")["rules"]),
        "secret": secret, "state": "active", "created_at": now, "updated_at": now,
    })
    return integration_view(item, secret)


def get(tenant_id: str, integration_id: str) -> dict:
    return integration_view(require(tenant_id, integration_id))


def require(tenant_id: str, integration_id: str) -> Any:
    item = store.get(integration_id) if integration_id.startswith(f"{tenant_id}-") else None
    if item is None:
        raise NotFound("integration not found")
    return item


def list_for(tenant_id: str) -> list[dict]:
    return [integration_view(i) for i in store.list_for(tenant_id)]


def update_rules(tenant_id: str, integration_id: str, data: schemas.IntegrationRulesIn) -> dict:
    item = require(tenant_id, integration_id)
    rules_in = _check_rules(tenant_id, data.model_dump(mode="json")["rules"])
    return integration_view(store.update(item, {"rules": rules_in, "updated_at": iso(clock.utcnow())}))


def put_rule(tenant_id: str, integration_id: str, course_id: str, rule: schemas.LmsRuleIn | None) -> dict:
    """The console's rule form: set (or, `rule` None, remove) one course's rule and keep
    the others, through the same check and write as `update_rules` (the API's PUT)."""
    from .. import schemas

    item = require(tenant_id, integration_id)
    rules_in = {k: v for k, v in (item.rules or {}).items() if k != course_id}
    if rule is not None:
        rules_in[course_id] = rule.model_dump(mode="json")
    elif course_id not in (item.rules or {}):
        raise NotFound("this integration has no rule for that course", code="rule_not_found")
    if len(rules_in) > MAX_RULES:
        raise ValidationFailed(f"an integration has at most {MAX_RULES} rules", code="too_many_rules")
    return update_rules(tenant_id, integration_id, schemas.IntegrationRulesIn.model_validate({"rules": rules_in}))


def rotate_secret(tenant_id: str, integration_id: str) -> dict:
    """A new secret signs from now on; the old one still verifies until `retire_secret`."""
    item = require(tenant_id, integration_id)
    secret = "whsec_" + ids.random_token()
    store.update(item, {"secret": secret, "previous_secret": item.secret, "updated_at": iso(clock.utcnow())})
    return integration_view(item, secret)


def retire_secret(tenant_id: str, integration_id: str) -> dict:
    item = require(tenant_id, integration_id)
    return integration_view(store.update(item, {"updated_at": iso(clock.utcnow())}, remove=("previous_secret",)))


def disable(tenant_id: str, integration_id: str) -> dict:
    item = require(tenant_id, integration_id)
    return integration_view(store.update(item, {"state": "disabled", "updated_at": iso(clock.utcnow())}))


def events(tenant_id: str, integration_id: str, limit: int, cursor: str | None) -> dict:
    item = require(tenant_id, integration_id)
    items, next_cursor = store.events_page(item, limit, cursor)
    return {"items": [{"event_key": e.event_key, "received_at": e.received_at, "payload": e.payload,
                       "rule": e.rule, "outcome": e.outcome, "detail": e.detail,
                       "credential_id": e.credential_id} for e in items],
            "next_cursor": next_cursor}


# ------------------------------------------------------------------ the inbound hook


def authenticate(integration_id: str, signature: str | None, raw_body: bytes) -> Any:
    """The active integration a delivery names, if its signature verifies with one of
    the integration's secrets over the raw body (routes/_guards.py: the hook guard)."""
    item = store.get(integration_id)
    if item is None or item.state != "active":
        raise NotFound("unknown integration", code="unknown_integration")
    secrets = [s.encode() for s in (item.secret, item.previous_secret) if s]
    if not verify(secrets, signature, raw_body, clock.unix_seconds()):
        raise Unauthorized(f"missing, wrong or stale {SIGNATURE_HEADER}", code="bad_signature")
    return item


def receive(item: Any, raw_body: bytes, lambda_context: Any = None) -> dict:
    """Parse and process one authenticated delivery of an LMS event."""
    body = jsonbody.loads(raw_body)  # 400 for invalid JSON and for a key given twice
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", code="invalid_json")
    try:
        parsed = rules.PARSERS[item.format](body, raw_body)
    except rules.PayloadError as exc:
        details = [{"field": exc.field, "problem": str(exc)}] if exc.field else None
        if exc.wrong_type:  # "99" for a score: the wrong JSON type, as in every other body
            raise BadRequest(str(exc), code="invalid_type", details=details) from None
        raise ValidationFailed(str(exc), code="invalid_payload", details=details) from None
    if isinstance(parsed, rules.Ignored):
        from ..logs import logger

        logger().info("LMS event ignored", extra={"event_type": parsed.event_type})
        # nothing of an ignored event is needed later: its type only, none of the person's data
        _record(item, parsed.event_key, {"event": str(parsed.event_type)[:100]}, None, "ignored",
                f"event type {parsed.event_type!r} is not handled")
        return {"status": "ignored", "event_type": parsed.event_type}
    return _once(item, parsed, body, lambda_context)


def _once(item: Any, completion: rules.Completion, body: dict, lambda_context: Any = None) -> dict:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    from ..store.idempotency import persistence_for

    def process(event: dict) -> dict:
        return _process(item, completion, body)

    config = IdempotencyConfig(event_key_jmespath="[integration_id, event_key]",
                               expires_after_seconds=IDEMPOTENCY_TTL_SECONDS)
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)  # an in-progress record expires with the invocation
    guarded = idempotent_function(
        process,
        data_keyword_argument="event",
        persistence_store=persistence_for(item.tenant_id),
        config=config,
        key_prefix="lms",
    )
    try:
        return guarded(event={"integration_id": item.integration_id, "event_key": completion.event_key})
    except IdempotencyAlreadyInProgressError:
        raise Conflict("this event is being processed right now; retry later", code="in_progress") from None


def _process(item: Any, completion: rules.Completion, body: dict) -> dict:
    from .. import schemas
    from . import credentials

    decision = rules.decide(completion, item.rules)
    rule = decision.rule
    if decision.outcome == "no_rule" or rule is None:  # every other outcome names its rule
        _record(item, completion.event_key, body, None, "no_rule", decision.reason, email=completion.email)
        return {"status": "no_rule", "detail": decision.reason}
    row = {"template_id": rule["template_id"], "email": completion.email, "first_name": completion.first_name,
           "last_name": completion.last_name}
    if completion.completed_at:
        row["issued_at"] = completion.completed_at
    if rule.get("locale"):  # issue 19: the rule's language for the credential's mails
        row["locale"] = rule["locale"]
    if decision.outcome == "retake":
        sent = _retake_mail(item.tenant_id, rule, completion)
        _record(item, completion.event_key, body, rule, "retake", f"{decision.reason}; retake mail "
                f"{'sent' if sent else 'NOT sent'}", email=completion.email)
        return {"status": "retake", "detail": decision.reason}
    if decision.outcome == "schedule":
        store.queue_for_schedule(item.tenant_id, rule["template_id"], rule["schedule_weekday"], iso(clock.utcnow()),
                                 completion.event_key, row, ids.email_hash(completion.email))
        _record(item, completion.event_key, body, rule, "scheduled",
                f"{decision.reason}; issued with the batch of {rule['schedule_weekday']}", email=completion.email)
        return {"status": "scheduled", "detail": decision.reason}
    try:
        data = schemas.IssueIn.model_validate(row)
        issued = credentials.issue(item.tenant_id, data)
    except LaurelError as exc:
        outcome = "duplicate" if exc.code == "duplicate_credential" else "failed"
        _record(item, completion.event_key, body, rule, outcome, f"{decision.reason}; {exc.message}",
                email=completion.email)
        return {"status": outcome, "detail": exc.message}
    except ValueError as exc:  # the completion's fields do not make a valid credential
        _record(item, completion.event_key, body, rule, "failed", f"{decision.reason}; {exc}"[:1000],
                email=completion.email)
        return {"status": "failed", "detail": "the completion's data is not valid for a credential"}
    _record(item, completion.event_key, body, rule, "issued", decision.reason, issued["id"], email=completion.email)
    return {"status": "issued", "credential_id": issued["id"], "detail": decision.reason}


def _retake_mail(tenant_id: str, rule: dict, completion: rules.Completion) -> bool:
    from .templates import require as require_template

    template = require_template(tenant_id, rule["template_id"])
    return notify.send_retake(completion.email, completion.first_name, template.name,
                              rule.get("retake_text") or "", str(rule.get("threshold", rules.DEFAULT_THRESHOLD)),
                              tenant_id=tenant_id, locale=rule.get("locale"))


MAX_LOGGED_PAYLOAD = 50_000  # characters: a DynamoDB item holds at most 400 KB


def _record(item: Any, event_key: str, body: dict, rule: dict | None, outcome: str, detail: str,
            credential_id: str | None = None, *, email: str | None = None) -> None:
    """One line of the integration's event log; indexed by the learner's address (when
    the event named one) so that erasing the person finds it in every tenant."""
    import json

    size = len(json.dumps(body, ensure_ascii=False))
    if size > MAX_LOGGED_PAYLOAD:
        body = {"truncated": True, "characters": size, "event": str(body.get("event", ""))[:100]}
    store.record_event(item, {"event_key": event_key, "received_at": iso(clock.utcnow()), "payload": body,
                              "rule": rule, "outcome": outcome, "detail": detail[:1000],
                              "credential_id": credential_id}, ids.email_hash(email) if email else None)
