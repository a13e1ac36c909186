"""Audit log of issuer and operator actions.

Every successful write through the issuer API or the operator API (any method but
GET/HEAD/OPTIONS) leaves one entry: who (API key id or operator key id, never the
key), what (method and route pattern), on what (the path parameters, and for a create
the created object's id), when, from where (source address) and with which answer
(status).

What is not recorded, and why:
- Reads. They change nothing; recording them would multiply the log's size.
- Refused requests (4xx). Laurel's rule is that a rejected request writes nothing
  (the isolation and bad-input tests hold it to that), and an attacker must not be
  able to grow a tenant's log with garbage. Refusals go to the structured log
  (CloudWatch) instead, with the same fields.
- Requests without a valid key: there is no actor to name, and no tenant.

The entry is written before the response goes out. If that write fails, the
request still answers as it would have: the action itself is done, and a 5xx
would make the client retry a non-idempotent action (issue twice, rotate twice).
The failure is never silent: an error log line with the whole entry (so it can be
recovered from the logs) and an `AuditWriteFailed` metric to alarm on.

Joined writes (issue 13: "≤ 6 calls" per issuance). Inside an audited request (the
guard's `audited_request`), a small write that must not fail the request either (the
credential's mail history, services/notify) waits for the request's entry and goes in
its write: one TransactWriteItems instead of an UpdateItem and a PutItem. When no entry
is written (a read, a refusal, an unaudited route) or the joined write fails for any
reason, each joined write runs alone as it would have, then the entry alone: a failure
of one never costs the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domain import ids
from ..domain.errors import BadRequest
from . import clock

if TYPE_CHECKING:
    from datetime import datetime

    from aws_lambda_powertools import Logger

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CREATED = frozenset({201, 202})  # created, or accepted as a new object (a bulk job, a resent delivery)
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class Actor:
    kind: str  # api_key | operator
    id: str
    tenant_id: str | None = None  # the issuer an API key belongs to


@dataclass(frozen=True)
class Joined:
    update: Any  # store.conditional.Update, built by the store that owns the item
    alone: Callable[[], object]  # the same write on its own, with its own failure policy


_JOINED: ContextVar[list[Joined] | None] = ContextVar("laurel_audit_joined", default=None)


@contextmanager
def audited_request() -> Iterator[None]:
    """The span of one audited request (the guards of the issuer, operator and console
    routes): writes `join`ed inside it go with its entry (record_request), and any left
    when it ends are written alone."""
    token = _JOINED.set([])
    try:
        yield
    finally:
        left = _take()
        _JOINED.reset(token)
        _alone(left)


def join(update: Any, alone: Callable[[], object]) -> bool:
    """Inside an audited request: `update` is written with the request's audit entry,
    else by `alone()`. Outside one (jobs, public and earner routes): False, and the caller
    writes it itself, now."""
    pending = _JOINED.get()
    if pending is None:
        return False
    pending.append(Joined(update, alone))
    return True


def _take() -> list[Joined]:
    pending = _JOINED.get()
    if not pending:
        return []
    _JOINED.set([])
    return pending


def _alone(joined: list[Joined]) -> None:
    for write in joined:
        try:
            write.alone()
        except Exception:  # noqa: BLE001 - one write's failure never costs the others or the entry
            _logger().exception("a write joined to an audit entry failed alone too")


def _entry_written(fields: dict) -> bool:
    from ..store import audit as store

    try:
        return store.exists(fields)
    except Exception:  # noqa: BLE001 - cannot tell: write apart (the entry's condition refuses a second copy)
        return False


def _logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service="laurel")


def _stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def created_target(route: str, body: Any, routes: Any) -> dict[str, str]:
    """What a create created: the `id` of its JSON answer, named as the API names that
    object's id in the object's own route (`POST /credentials` creates what
    `GET /credentials/{credential_id}` reads: `{"credential_id": ...}`), or `created_id`
    where the API has no such route. Derived from the route table, not per route, so a
    new create is covered without being listed here."""
    import json

    try:
        created = json.loads(body).get("id") if isinstance(body, (str, bytes)) else None
    except (ValueError, AttributeError):
        return {}
    if not isinstance(created, str) or not created:
        return {}
    names = [m.group(1) for path in (routes or {})
             if (m := re.fullmatch(re.escape(route) + r"/\{(\w+)\}", path))]
    return {(names[0] if len(names) == 1 else "created_id"): created[:200]}


def record_request(request: Any, actor: Actor, response: Any, routes: Any = None) -> bool:
    """Record `request`, made by `actor` and answered with `response`, if it is an action
    (a write). `routes` (the app's route table) names a created object's id. Returns
    whether an entry was written."""
    method = (request.method or "").upper()
    if method in READ_METHODS:
        return False
    status = response.status_code
    context = request.context or {}
    target = {str(k)[:50]: str(v)[:200] for k, v in (request.uri_params or {}).items()}
    route = str(context.get("resourcePath") or "")[:300]
    if status in CREATED:
        for name, value in created_target(route, response.body, routes).items():
            target["created_id" if name in target else name] = value
    fields = {
        "entry_id": ids.random_token(16),
        "at": _stamp(clock.utcnow_precise()),
        "tenant_id": actor.tenant_id,
        "actor_type": actor.kind,
        "actor_id": actor.id,
        "method": method,
        "route": route,
        "target": target,
        "source_ip": str((context.get("identity") or {}).get("sourceIp") or "")[:64] or None,
        "status": int(status),
        "request_id": str(context.get("requestId") or "")[:100] or None,
    }
    joined = _take()
    if status >= 400:
        _alone(joined)
        _logger().info("refused action", extra={"audit": fields})
        return False
    return _append(fields, joined)


def record_member_action(tenant_id: str, member_id: str, method: str, route: str, target: dict) -> bool:
    """An action a console member takes that is not a write but must be on record all the
    same (issue 20: "every search and contact is audited": a talent search is a GET)."""
    fields = {
        "entry_id": ids.random_token(16),
        "at": _stamp(clock.utcnow_precise()),
        "tenant_id": tenant_id,
        "actor_type": "member",
        "actor_id": member_id,
        "method": method,
        "route": route[:300],
        "target": {str(k)[:50]: str(v)[:200] for k, v in target.items()},
        "source_ip": None,
        "status": 200,
        "request_id": None,
    }
    return _append(fields)


def record_cli(command: str, target: dict) -> bool:
    """An operator command run from the CLI (`python -m chalicelib.cli`, e.g. a key
    rotation): the same log as the operator API, the actor being the local user."""
    import getpass

    fields = {
        "entry_id": ids.random_token(16),
        "at": _stamp(clock.utcnow_precise()),
        "tenant_id": None,
        "actor_type": "operator_cli",
        "actor_id": getpass.getuser()[:100],
        "method": "CLI",
        "route": command[:300],
        "target": {str(k)[:50]: str(v)[:200] for k, v in target.items()},
        "source_ip": None,
        "status": 0,
        "request_id": None,
    }
    return _append(fields)


def _append(fields: dict, joined: list[Joined] | None = None) -> bool:
    from ..store import audit as store

    if joined:
        try:
            if store.append_joined(fields, [write.update for write in joined]):
                return True
        except Exception:  # noqa: BLE001 - written or not: the entry's own key says which, below
            _logger().warning("joined audit write failed; writing apart", exc_info=True)
            # A transaction can commit and still end in an error (its answer lost): then the
            # entry is there, and writing the joined lines again would write them twice.
            if _entry_written(fields):
                return True
        _alone(joined)
    try:
        store.append(fields)
    except Exception:  # noqa: BLE001 - any failure: the action stands, the gap is reported
        _logger().exception("audit entry not written", extra={"audit": fields})
        _failure_metric()
        return False
    return True


def _failure_metric() -> None:
    try:
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        metrics = EphemeralMetrics(namespace="Laurel", service="audit")
        metrics.add_metric(name="AuditWriteFailed", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
    except Exception:  # noqa: BLE001 - the error log line above already carries the entry
        _logger().exception("audit failure metric not emitted")


def entry_view(item: Any) -> dict:
    return {
        "id": item.entry_id,
        "at": item.at,
        "tenant_id": item.tenant_id,
        "actor": {"type": item.actor_type, "id": item.actor_id},
        "action": f"{item.method} {item.route}",
        "method": item.method,
        "route": item.route,
        "target": item.target,
        "source_ip": item.source_ip,
        "status": int(item.status),
    }


def _day(day: str | None) -> str | None:
    if day is None:
        return None
    from datetime import date

    try:
        if not _DAY.match(day):
            raise ValueError
        date.fromisoformat(day)
    except ValueError:
        raise BadRequest("day must be a date as YYYY-MM-DD", code="invalid_query") from None
    return day


def list_for_tenant(tenant_id: str, *, day: str | None, limit: int, cursor: str | None,
                    actor_id: str | None = None, action: str | None = None) -> dict:
    """An issuer's own entries, newest first. `actor_id` (who acted) and `action`
    ("POST /console/members": method and route pattern) filter within one `day`, which
    they require: no index holds entries by actor or action, and a filter over the
    tenant's whole log would read all of it (store/audit.py)."""
    from ..store import audit as store

    day = _day(day)
    method, _, route = (action or "").partition(" ")
    if (actor_id or action) and day is None:
        raise BadRequest("choose a day to filter by member or action", code="invalid_query")
    items, next_cursor = store.tenant_page(tenant_id, day=day, limit=limit, cursor=cursor, actor_id=actor_id,
                                           method=method or None, route=route or None)
    return {"items": [entry_view(i) for i in items], "next_cursor": next_cursor}


def list_all(*, day: str | None, tenant_id: str | None, limit: int, cursor: str | None) -> dict:
    """Operators: every entry of one UTC day (default today), or one tenant's entries."""
    from ..store import audit as store

    day = _day(day)
    if tenant_id is not None:
        if not ids.TENANT_ID.match(tenant_id):
            raise BadRequest("tenant_id is not a tenant id", code="invalid_query")
        items, next_cursor = store.tenant_page(tenant_id, day=day, limit=limit, cursor=cursor)
    else:
        day = day or clock.utcnow().strftime("%Y-%m-%d")
        items, next_cursor = store.day_page(day, limit=limit, cursor=cursor)
    return {"day": day, "items": [entry_view(i) for i in items], "next_cursor": next_cursor}
