"""Operations data: probe results per minute, maintenance windows, operator keys,
support requests. Platform items live outside tenant partitions; support requests
are the tenant's (partition `T#<tenant>`), listed for operators through by_tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.expressions.update import Action

from ..domain.clock import as_utc, iso
from . import keys
from .conditional import update_if
from .models import MaintenanceItem, OperatorKeyItem, ProbeDayItem, ProbeItem, SupportItem

# ------------------------------------------------------------------ probes

PROBE_DETAIL_TTL_SECONDS = 100 * 86400  # each run's per-endpoint detail: 100 days (status page: 90)


@dataclass(frozen=True)
class ProbedMinutes:
    """Minutes (UTC, floored, tz-aware) some location probed, and those some location saw up."""

    probed: frozenset[datetime]
    up: frozenset[datetime]

    @property
    def outage(self) -> frozenset[datetime]:
        """Probed minutes in which no location saw any endpoint answer correctly."""
        return self.probed - self.up


def _floor(minute: datetime) -> datetime:
    return as_utc(minute).replace(second=0, microsecond=0)


def record_probe(minute: datetime, location: str, results: list[dict], up: bool) -> None:
    """Record one location's probe run of one minute: the day's probed/up sets first
    (what the ledger counts), then that location's coverage, then the run's detail.
    Every write is idempotent, so a retried run changes nothing."""
    m = _floor(minute)
    month, day, hhmm = m.strftime("%Y-%m"), m.strftime("%Y-%m-%d"), m.strftime("%H:%M")
    actions: list[Action] = [ProbeDayItem.probed.add({hhmm})]
    if up:
        actions.append(ProbeDayItem.up.add({hhmm}))
    ProbeDayItem(keys.probe_days_pk(month), day).update(actions=actions)
    ProbeDayItem(keys.probe_locations_pk(month), keys.probe_location_sk(day, location)).update(
        actions=[ProbeDayItem.probed.add({hhmm})])
    minute_text = iso(m)
    ProbeItem(keys.probes_pk(month), keys.probe_run_sk(minute_text, location), minute=minute_text, location=location,
              results=results, up=1 if up else 0,
              expiration=int(m.timestamp()) + PROBE_DETAIL_TTL_SECONDS).save()


def _day_ranges(start: datetime, end: datetime) -> list[tuple[str, str, str]]:
    """(month, first day, last day) of each UTC month touched by [start, end)."""
    first, last = as_utc(start).date(), (as_utc(end) - timedelta(microseconds=1)).date()
    out: list[tuple[str, str, str]] = []
    day = first
    while day <= last:
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        upto = min(month_end, last)
        out.append((day.strftime("%Y-%m"), day.isoformat(), upto.isoformat()))
        day = upto + timedelta(days=1)
    return out


def _minutes(day: str, values: set[str] | None, start: datetime, end: datetime) -> set[datetime]:
    out = set()
    for hhmm in values or ():
        instant = datetime.fromisoformat(f"{day}T{hhmm}:00+00:00")
        if start <= instant < end:
            out.add(instant)
    return out


def probe_minutes(start: datetime, end: datetime) -> ProbedMinutes:
    """The minutes of [start, end) that were probed and seen up, from the day items only
    (one Query per UTC month touched, about 15 KB per day)."""
    start, end = as_utc(start), as_utc(end)
    probed: set[datetime] = set()
    up: set[datetime] = set()
    if end <= start:
        return ProbedMinutes(frozenset(), frozenset())
    for month, lo, hi in _day_ranges(start, end):
        for item in ProbeDayItem.query(keys.probe_days_pk(month), ProbeDayItem.sk.between(lo, hi)):
            probed |= _minutes(item.sk, item.probed, start, end)
            up |= _minutes(item.sk, item.up, start, end)
    return ProbedMinutes(frozenset(probed), frozenset(up))


def location_minutes(start: datetime, end: datetime) -> dict[str, int]:
    """Minutes of [start, end) each probe location probed (its coverage)."""
    start, end = as_utc(start), as_utc(end)
    counts: dict[str, int] = {}
    if end <= start:
        return counts
    for month, lo, hi in _day_ranges(start, end):
        for item in ProbeDayItem.query(keys.probe_locations_pk(month),
                                       ProbeDayItem.sk.between(lo, keys.probe_location_sk(hi, "\uffff"))):
            day, location = item.sk.split("#", 1)
            counts[location] = counts.get(location, 0) + len(_minutes(day, item.probed, start, end))
    return counts


def recent_probes(now: datetime, limit: int = 60) -> list[ProbeItem]:
    """The latest probe runs (every location), newest first: this UTC month, then the one before."""
    now = as_utc(now)
    previous = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    out: list[ProbeItem] = []
    for month in (now.strftime("%Y-%m"), previous):
        out += ProbeItem.query(keys.probes_pk(month), scan_index_forward=False, limit=limit - len(out))
        if len(out) >= limit:
            break
    return out[:limit]


# ------------------------------------------------------------------ maintenance


def put_window(fields: dict) -> MaintenanceItem:
    item = MaintenanceItem(keys.MAINTENANCE_PK, keys.maintenance_sk(fields["start"], fields["window_id"]), **fields)
    item.save()
    return item


def windows() -> list[MaintenanceItem]:
    return list(MaintenanceItem.query(keys.MAINTENANCE_PK))


def get_window(window_id: str) -> MaintenanceItem | None:
    """The window with this id. Its sort key keeps the start it was declared with (an
    edit does not move the item), so this reads the platform's (few) windows."""
    found = MaintenanceItem.query(keys.MAINTENANCE_PK, filter_condition=MaintenanceItem.window_id == window_id,
                                  consistent_read=True)
    return next(iter(found), None)


def update_window(item: MaintenanceItem, changes: dict) -> bool:
    """Apply ``changes`` only if nobody changed the window since ``item`` was read
    (its version); False otherwise. The version goes up by one."""
    actions = [getattr(MaintenanceItem, k).set(v) for k, v in changes.items()]
    actions.append(MaintenanceItem.version.set(int(item.version or 1) + 1))
    expected = int(item.version or 1)
    condition = MaintenanceItem.version == expected
    if expected == 1:  # windows stored before issue 16 have no version attribute
        condition = condition | MaintenanceItem.version.does_not_exist()
    return update_if(item, actions, condition)


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
