"""Operations data: probe results per minute, maintenance windows, operator keys,
support requests. Platform items live outside tenant partitions; support requests
are the tenant's (partition `T#<tenant>`), listed for operators through by_tenant."""

from __future__ import annotations

from . import keys
from .conditional import update_if
from .models import CounterItem, MaintenanceItem, OperatorKeyItem, ProbeItem, SupportItem

# ------------------------------------------------------------------ probes


def put_probe(minute: str, results: list[dict], outage: bool) -> tuple[int, int]:
    """One item per minute (partition per month, `PROBE#YYYY-MM`), an outage marker in
    `OUTAGE#YYYY-MM` when nothing answered, and the month's counters; returns the
    month's (probed minutes, outage minutes) so far."""
    month = minute[:7]
    ProbeItem(keys.probes_pk(month), minute, results=results, outage=1 if outage else 0).save()
    if outage:
        ProbeItem(keys.outages_pk(month), minute, results=[], outage=1).save()
    counter = CounterItem(keys.probes_pk(month), keys.PROBE_COUNT_SK)
    counter.update(actions=[CounterItem.value.add(1)])
    down = CounterItem(keys.probes_pk(month), keys.OUTAGE_COUNT_SK)
    down.update(actions=[CounterItem.value.add(1 if outage else 0)])
    return int(counter.value), int(down.value)


def outage_minutes(month: str) -> list[str]:
    """The month's outage minutes: only the markers are read, never the whole month."""
    return [p.sk for p in ProbeItem.query(keys.outages_pk(month))]


def recent_probes(month: str, limit: int = 60) -> list[ProbeItem]:
    return list(ProbeItem.query(keys.probes_pk(month), ProbeItem.sk.startswith(month), scan_index_forward=False,
                                limit=limit))


# ------------------------------------------------------------------ maintenance


def put_window(fields: dict) -> MaintenanceItem:
    item = MaintenanceItem(keys.MAINTENANCE_PK, keys.maintenance_sk(fields["start"], fields["window_id"]), **fields)
    item.save()
    return item


def windows() -> list[MaintenanceItem]:
    return list(MaintenanceItem.query(keys.MAINTENANCE_PK))


# ------------------------------------------------------------------ operator keys


def put_operator_key(key_hash: str, fields: dict) -> None:
    OperatorKeyItem(keys.PLATFORM_PK, keys.operator_key_sk(key_hash), **fields).save(
        condition=OperatorKeyItem.pk.does_not_exist())


def get_operator_key(key_hash: str) -> OperatorKeyItem | None:
    try:
        return OperatorKeyItem.get(keys.PLATFORM_PK, keys.operator_key_sk(key_hash))
    except OperatorKeyItem.DoesNotExist:
        return None


# ------------------------------------------------------------------ support requests


def create_request(fields: dict) -> SupportItem:
    item = SupportItem(*keys.support_key(fields["tenant_id"], fields["request_id"]), gsi1pk=keys.SUPPORT_INDEX_PK,
                       gsi1sk=keys.support_index_sk(fields["created_at"], fields["tenant_id"], fields["request_id"]),
                       **fields)
    item.save(condition=SupportItem.pk.does_not_exist())
    return item


def get_request(tenant_id: str, request_id: str) -> SupportItem | None:
    try:
        return SupportItem.get(*keys.support_key(tenant_id, request_id))
    except SupportItem.DoesNotExist:
        return None


def tenant_requests(tenant_id: str) -> list[SupportItem]:
    return list(SupportItem.query(keys.tenant_pk(tenant_id), SupportItem.sk.startswith(keys.SUPPORT_PREFIX),
                                  scan_index_forward=False))


def all_requests() -> list[SupportItem]:
    return list(SupportItem.by_tenant.query(keys.SUPPORT_INDEX_PK, scan_index_forward=False))


def update_request(item: SupportItem, changes: dict, entry: dict, expect_state: str) -> bool:
    actions = [getattr(SupportItem, k).set(v) for k, v in changes.items()]
    # (the state condition below makes this read-modify-write of the history safe)
    actions.append(SupportItem.history.set(list(item.history or []) + [entry]))
    return update_if(item, actions, SupportItem.state == expect_state)
