"""Stored skill profiles and the per-skill aggregates of insights (issue 20; keys in
keys.py: `EARNER#<earner>/SKILLS`, `SKILLSTAT#<skill key>/<counter>`).

The profile item holds the skills as last computed (`skills`, JSON), the counter ids
this earner's contribution currently adds to the aggregates (`applied`, a string set:
domain/insights.py) and a `version`. `apply` writes a difference as TransactWriteItems:
the profile item, conditioned on the version it was read at, together with the ADDs of
up to 99 counters. A transaction lands whole or not at all, so every counter moves
exactly when `applied` says it did: a retried refresh, or two at once, count once
(the loser's condition fails and it recomputes from what the winner stored). A
difference larger than one transaction goes in several; each moves the version on
and stores the `applied` set as of that chunk, so a refresh stopped between chunks
leaves a profile item that still says exactly what is counted, and the next refresh
finishes the job.

Counter items carry `n` (people) and the names shown with them (`label` of a skill,
`name` and `issuer` of a credential), never who.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..config import get_settings
from ..domain import insights as rules
from . import keys
from .connection import connection

MAX_TRANSACTION_ITEMS = 100
# one Query per skill reads at most this many pages (~1 MB each) of its aggregate items
MAX_STAT_PAGES = 2


@dataclass(frozen=True)
class Stored:
    version: int
    applied: frozenset[str]
    skills: list
    updated_at: str | None


def _client() -> Any:
    return connection().client


def _key(earner_id: str) -> dict:
    pk, sk = keys.skill_profile_key(earner_id)
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def get(earner_id: str) -> Stored | None:
    answer = _client().get_item(TableName=get_settings().table_name, Key=_key(earner_id), ConsistentRead=True)
    raw = answer.get("Item")
    if raw is None:
        return None
    return Stored(int(Decimal(raw.get("version", {}).get("N", "0"))), frozenset(raw.get("applied", {}).get("SS", [])),
                  json.loads(raw.get("skills", {}).get("S", "[]")), raw.get("updated_at", {}).get("S"))


def _counter_update(table: str, counter: str, change: int, attrs: Mapping[str, str]) -> dict:
    skill_key, kind, arg = rules.split_counter(counter)
    sk = keys.skill_stat_sk(kind, arg)
    names = {"#n": "n"}
    values: dict[str, Any] = {":d": {"N": str(change)}}
    expression = "ADD #n :d"
    sets = []
    for i, (name, value) in enumerate(sorted(attrs.items())):
        if value:
            names[f"#a{i}"] = name
            values[f":a{i}"] = {"S": value}
            sets.append(f"#a{i} = :a{i}")
    if sets:
        expression += " SET " + ", ".join(sets)
    return {"Update": {"TableName": table, "Key": {"pk": {"S": keys.skill_stats_pk(skill_key)}, "sk": {"S": sk}},
                       "UpdateExpression": expression, "ExpressionAttributeNames": names,
                       "ExpressionAttributeValues": values}}


def _profile_write(table: str, earner_id: str, version: int, applied: set[str], skills_json: str, now: str,
                   delete: bool) -> dict:
    condition: dict[str, Any] = ({"ConditionExpression": "attribute_not_exists(pk)"} if version == 0 else
                                 {"ConditionExpression": "#v = :v0", "ExpressionAttributeNames": {"#v": "version"},
                                  "ExpressionAttributeValues": {":v0": {"N": str(version)}}})
    if delete:
        if version == 0:
            return {}
        return {"Delete": {"TableName": table, "Key": _key(earner_id), **condition}}
    names = {"#v": "version", "#s": "skills", "#e": "earner_id", "#u": "updated_at", "#a": "applied"}
    values = {**condition.get("ExpressionAttributeValues", {}), ":v1": {"N": str(version + 1)},
              ":s": {"S": skills_json}, ":e": {"S": earner_id}, ":u": {"S": now}}
    expression = "SET #v = :v1, #s = :s, #e = :e, #u = :u"
    if applied:
        values[":a"] = {"SS": sorted(applied)}
        expression += ", #a = :a"
    else:
        expression += " REMOVE #a"
    return {"Update": {"TableName": table, "Key": _key(earner_id), "UpdateExpression": expression,
                       "ConditionExpression": condition["ConditionExpression"], "ExpressionAttributeNames": names,
                       "ExpressionAttributeValues": values}}


def apply(earner_id: str, stored: Stored | None, change: rules.Delta, skills: list, now: str, *,
          delete: bool = False) -> bool:
    """Store the profile and move the aggregates by `change`, conditioned on `stored`'s
    version; False when another refresh changed the profile item first (nothing of
    the failing transaction was written: recompute and call again). `delete`: the
    earner is gone, the profile item goes with the last chunk."""
    from botocore.exceptions import ClientError

    table = get_settings().table_name
    version = stored.version if stored else 0
    applied = set(stored.applied) if stored else set()
    skills_json = json.dumps(skills, ensure_ascii=False, sort_keys=True)
    if change.empty and stored is not None and not delete and stored.skills == json.loads(skills_json):
        return True  # nothing changed: no write
    if change.empty and stored is None and delete:
        return True
    moves: list[tuple[str, int, Mapping[str, str]]] = [(c, -1, {}) for c in sorted(change.removed)]
    moves += [(c, 1, attrs) for c, attrs in sorted(change.added.items())]
    per = MAX_TRANSACTION_ITEMS - 1
    chunks = [moves[i:i + per] for i in range(0, len(moves), per)] or [[]]
    for index, chunk in enumerate(chunks):
        for counter, step, _ in chunk:
            (applied.add if step > 0 else applied.discard)(counter)
        last = index == len(chunks) - 1
        profile = _profile_write(table, earner_id, version, applied, skills_json, now, delete and last)
        items = ([profile] if profile else []) + [_counter_update(table, c, step, attrs) for c, step, attrs in chunk]
        if not items:
            continue
        try:
            _client().transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException" and any(
                    r.get("Code") in ("ConditionalCheckFailed", "TransactionConflict") for r in reasons):
                return False
            raise
        version += 1
    return True


def stats(skill_key: str) -> list[rules.Stat]:
    """The aggregate items of one skill: one Query (at most MAX_STAT_PAGES pages)."""
    out: list[rules.Stat] = []
    kwargs: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": keys.skill_stats_pk(skill_key)}},
    }
    for _ in range(MAX_STAT_PAGES):
        answer = _client().query(**kwargs)
        for raw in answer.get("Items", []):
            kind = keys.skill_stat_kind(raw["sk"]["S"])
            if kind is None:
                continue
            attrs = {k: v["S"] for k, v in raw.items() if k in ("label", "name", "issuer") and "S" in v}
            out.append(rules.Stat(kind[0], kind[1], int(Decimal(raw.get("n", {}).get("N", "0"))), attrs))
        if "LastEvaluatedKey" not in answer:
            break
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return out


def template_skills(tenant_id: str) -> list[tuple[list[str], dict[str, str]]]:
    """Every template of a tenant: (its skills, its ESCO URIs by label) (issue 20: the
    dashboard's insights). One Query of the tenant's partition, only these attributes
    (`skill_uris` comes with the taxonomy work; absent, a skill is free text)."""
    out = []
    kwargs: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :tpl)",
        "ProjectionExpression": "#skills, #uris",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk", "#skills": "skills", "#uris": "skill_uris"},
        "ExpressionAttributeValues": {":pk": {"S": keys.tenant_pk(tenant_id)}, ":tpl": {"S": keys.TEMPLATE_PREFIX}},
    }
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer()
    while True:
        answer = _client().query(**kwargs)
        for raw in answer.get("Items", []):
            item = {k: plain.deserialize(v) for k, v in raw.items()}
            skills = item.get("skills")
            if isinstance(skills, str):  # a JSONAttribute is stored as a JSON string
                skills = json.loads(skills)
            uris = item.get("skill_uris")
            if isinstance(uris, str):
                uris = json.loads(uris)
            out.append(([s for s in skills or [] if isinstance(s, str)], uris if isinstance(uris, dict) else {}))
        if "LastEvaluatedKey" not in answer:
            return out
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
