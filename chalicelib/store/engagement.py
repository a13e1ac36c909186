"""Engagement counters: per-day items per tenant and per template, per-credential and
per-tenant totals, and the platform's days (no tenant id). Keys in keys.py.

Reads (the shared contract of issue 15; a missing metric is 0):
`tenant_days`, `template_days`, `tenant_totals`, `credential_totals`, `platform_days`.
Each range read is one Query (a page holds ~1 MB: a year of a tenant's days), so
reading a dashboard costs the same at 1,000 credentials as at 50,000.

Writes: `apply(batch)` only, called by the aggregator (services/engagement.py).
Deduplication: every event writes a marker `ENGEV#<id>` (attribute_not_exists, TTL
`expiration` a few days on, longer than any redelivery) in the SAME TransactWriteItems
as the summed ADDs of its chunk, so an event's counts and its marker land together
or not at all. A redelivered event fails its marker's condition: the cancellation
reasons (one per item, in request order) name the events already counted; they are
dropped and the rest of the chunk is written again. Metric names are flat attribute
names (`view.person`), always sent through ExpressionAttributeNames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..config import get_settings
from ..domain.engagement import Counters, Scope
from . import keys
from .connection import connection, get_many

# TransactWriteItems takes up to 100 items; an item may appear once per transaction
MAX_TRANSACTION_ITEMS = 100
# metrics one counter item's UpdateExpression adds at most (`ADD #m0 :v0, ...`: DynamoDB takes 4 KB of
# expression; a day's time-to-accept histogram alone may hold a few hundred buckets)
MAX_METRICS_PER_UPDATE = 60
MARKER_TTL_SECONDS = 4 * 24 * 3600
# attributes of a counter item that are not metrics
_NOT_METRICS = {"pk", "sk", "expiration"}


class Busy(Exception):
    """Another writer held one of the chunk's items (TransactionConflict): nothing of
    the chunk was written; applying the batch again is safe (it counts each event once)."""


def _client() -> Any:
    return connection().client


def _key(scope: Scope) -> tuple[str, str]:
    if scope.level == "tenant_day":
        return keys.engagement_days_pk(scope.tenant_id), scope.day
    if scope.level == "template_day":
        return keys.engagement_templates_pk(scope.tenant_id), keys.engagement_template_sk(scope.day, scope.template_id)
    if scope.level == "tenant_total":
        return keys.engagement_days_pk(scope.tenant_id), keys.ENGAGEMENT_TOTAL_SK
    if scope.level == "credential":
        return keys.engagement_credentials_pk(scope.tenant_id), scope.credential_id
    if scope.level == "platform_day":
        return keys.ENGAGEMENT_PLATFORM_PK, scope.day
    raise ValueError(f"unknown counter level {scope.level!r}")


def _counters(raw: dict) -> Counters:
    return {name: int(Decimal(value["N"])) for name, value in raw.items() if name not in _NOT_METRICS and "N" in value}


def _query(pk: str, low: str, high: str) -> list[dict]:
    items: list[dict] = []
    kwargs: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":lo": {"S": low}, ":hi": {"S": high}},
    }
    while True:
        answer = _client().query(**kwargs)
        items += answer.get("Items", [])
        if "LastEvaluatedKey" not in answer:
            return items
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


# ------------------------------------------------------------------ reads (the contract)


def tenant_days(tenant_id: str, start: date, end: date) -> list[tuple[date, Counters]]:
    """A tenant's days in [start, end], sorted; days without events are absent."""
    raw = _query(keys.engagement_days_pk(tenant_id), start.isoformat(), end.isoformat())
    return [(date.fromisoformat(i["sk"]["S"]), _counters(i)) for i in raw]


def template_days(tenant_id: str, start: date, end: date) -> list[tuple[date, str, Counters]]:
    """(day, template id, counters) of a tenant's templates in [start, end], sorted by day."""
    # "~" sorts after every template id character: the whole of the last day is in range
    raw = _query(keys.engagement_templates_pk(tenant_id), start.isoformat(),
                 keys.engagement_template_sk(end.isoformat(), "~"))
    out = []
    for i in raw:
        day, _, template_id = i["sk"]["S"].partition("#")
        out.append((date.fromisoformat(day), template_id, _counters(i)))
    return out


def tenant_totals(tenant_id: str) -> Counters:
    """A tenant's counts since its first event (one GetItem)."""
    pk = keys.engagement_days_pk(tenant_id)
    answer = _client().get_item(TableName=get_settings().table_name,
                                Key={"pk": {"S": pk}, "sk": {"S": keys.ENGAGEMENT_TOTAL_SK}})
    return _counters(answer["Item"]) if "Item" in answer else {}


def credential_totals(tenant_id: str, credential_ids: Iterable[str]) -> dict[str, Counters]:
    """Each credential's counts since issue (BatchGetItem, 100 keys a request); an id
    without events (or of another tenant: the key names this tenant) maps to {}."""
    ids = list(dict.fromkeys(credential_ids))
    pk = keys.engagement_credentials_pk(tenant_id)
    found = get_many([(pk, c) for c in ids], consistent=False)
    return {c: _counters(found[(pk, c)]) if (pk, c) in found else {} for c in ids}


def platform_days(start: date, end: date) -> list[tuple[date, Counters]]:
    """Every tenant's days summed, in [start, end]; these items carry no tenant id."""
    raw = _query(keys.ENGAGEMENT_PLATFORM_PK, start.isoformat(), end.isoformat())
    return [(date.fromisoformat(i["sk"]["S"]), _counters(i)) for i in raw]


# ------------------------------------------------------------------ the aggregator's write


Contribution = tuple[str, Sequence[tuple[Scope, Counters]]]  # (event id, what it adds where)


def _chunks(batch: Sequence[Contribution]) -> list[list[Contribution]]:
    """Consecutive events grouped so that markers + distinct counter items <= 100 and
    no item adds more than MAX_METRICS_PER_UPDATE metrics (an event alone is never split)."""
    chunks: list[list[Contribution]] = []
    current: list[Contribution] = []
    items: dict[tuple[str, str], set[str]] = {}
    for event_id, adds in batch:
        touched: dict[tuple[str, str], set[str]] = {}
        for scope, counts in adds:
            touched.setdefault(_key(scope), set()).update(counts)
        too_many = any(len(items.get(k, set()) | names) > MAX_METRICS_PER_UPDATE for k, names in touched.items())
        if current and (too_many or len(current) + 1 + len(items.keys() | touched.keys()) > MAX_TRANSACTION_ITEMS):
            chunks.append(current)
            current, items = [], {}
        current.append((event_id, adds))
        for k, names in touched.items():
            items.setdefault(k, set()).update(names)
    if current:
        chunks.append(current)
    return chunks


def _transaction(chunk: Sequence[Contribution], expires: int) -> list[dict]:
    table = get_settings().table_name
    sums: dict[tuple[str, str], Counters] = {}
    for _, adds in chunk:
        for scope, counts in adds:
            total = sums.setdefault(_key(scope), {})
            for name, n in counts.items():
                total[name] = total.get(name, 0) + n
    out: list[dict] = []
    for event_id, _ in chunk:
        pk, sk = keys.engagement_event_key(event_id)
        out.append({"Put": {"TableName": table, "Item": {"pk": {"S": pk}, "sk": {"S": sk},
                                                         "expiration": {"N": str(expires)}},
                            "ConditionExpression": "attribute_not_exists(pk)"}})
    for (pk, sk), counts in sums.items():
        metrics = sorted(n for n in counts if counts[n])
        if not metrics:
            continue
        names = {f"#m{i}": name for i, name in enumerate(metrics)}
        values = {f":v{i}": {"N": str(counts[name])} for i, name in enumerate(metrics)}
        out.append({"Update": {"TableName": table, "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
                               "UpdateExpression": "ADD " + ", ".join(f"#m{i} :v{i}" for i in range(len(metrics))),
                               "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}})
    return out


def _write_chunk(chunk: list[Contribution], expires: int) -> int:
    """Count the chunk's events not counted before; the number counted now."""
    from botocore.exceptions import ClientError

    while chunk:
        try:
            _client().transact_write_items(TransactItems=_transaction(chunk, expires))
            return len(chunk)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            seen = {i for i, r in enumerate(reasons[:len(chunk)]) if r.get("Code") == "ConditionalCheckFailed"}
            if seen:  # those events were counted by an earlier delivery
                chunk = [c for i, c in enumerate(chunk) if i not in seen]
                continue
            if any(r.get("Code") == "TransactionConflict" for r in reasons):
                raise Busy() from exc  # another aggregator wrote the same counter at that moment
            raise
    return 0


def apply(batch: Sequence[Contribution], now_epoch: int) -> int:
    """Add each event's contributions once; the number of events counted now (the
    others had been counted already). Duplicates within the batch count once too."""
    unique = list({event_id: (event_id, adds) for event_id, adds in batch if adds}.values())
    expires = now_epoch + MARKER_TTL_SECONDS
    return sum(_write_chunk(chunk, expires) for chunk in _chunks(unique))


# ------------------------------------------------------------------ offboarding


def departed(tenant_ids: Iterable[str]) -> set[str]:
    """The tenants among these that are offboarded (or unknown): their events are not
    counted (their accepted credentials stay verifiable, their counters are gone).
    One BatchGetItem of the issuer profiles."""
    ids = list(dict.fromkeys(tenant_ids))
    found = get_many([(keys.tenant_pk(t), keys.PROFILE_SK) for t in ids], consistent=False)
    return {t for t in ids if (keys.tenant_pk(t), keys.PROFILE_SK) not in found
            or "offboarded_at" in found[(keys.tenant_pk(t), keys.PROFILE_SK)]}


def tenant_counter_keys(tenant_id: str) -> list[tuple[str, str]]:
    """Every engagement counter item of a tenant (its three partitions); platform days,
    which hold no tenant id, stay."""
    found: list[tuple[str, str]] = []
    for pk in keys.engagement_partitions(tenant_id):
        kwargs: dict[str, Any] = {"TableName": get_settings().table_name, "KeyConditionExpression": "#pk = :pk",
                                  "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
                                  "ExpressionAttributeValues": {":pk": {"S": pk}}, "ProjectionExpression": "#pk, #sk",
                                  "ConsistentRead": True}
        while True:
            answer = _client().query(**kwargs)
            found += [(i["pk"]["S"], i["sk"]["S"]) for i in answer.get("Items", [])]
            if "LastEvaluatedKey" not in answer:
                break
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return found
