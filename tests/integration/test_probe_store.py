"""The probe store (issue 16): minutes probed and seen up per UTC day, from any location."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.store import ops as store


def test_a_minute_is_an_outage_only_when_no_location_saw_it_up(aws_env):
    t = datetime(2026, 11, 30, 23, 58, 30, tzinfo=UTC)  # floored to 23:58
    store.record_probe(t, "us-east-1", [], False)
    store.record_probe(t, "eu-west-1", [], True)  # the other location got an answer: not an outage
    store.record_probe(t + timedelta(minutes=1), "us-east-1", [], False)
    store.record_probe(t + timedelta(minutes=1), "eu-west-1", [], False)
    store.record_probe(t + timedelta(minutes=1), "eu-west-1", [], False)  # a retried run changes nothing
    store.record_probe(t + timedelta(minutes=2), "eu-west-1", [], True)  # 2026-12-01 00:00, next month
    seen = store.probe_minutes(datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    m = datetime(2026, 11, 30, 23, 58, tzinfo=UTC)
    assert seen.probed == {m, m + timedelta(minutes=1), m + timedelta(minutes=2)}
    assert seen.outage == {m + timedelta(minutes=1)}
    # the range is half-open and cut to the minute
    assert store.probe_minutes(m + timedelta(minutes=1), m + timedelta(minutes=2)).probed == {m + timedelta(minutes=1)}
    assert store.location_minutes(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)) == {
        "us-east-1": 2, "eu-west-1": 2}
    runs = store.recent_probes(datetime(2026, 12, 1, 0, 5, tzinfo=UTC), 3)
    assert [(r.minute, r.location, r.up) for r in runs] == [
        ("2026-12-01T00:00:00Z", "eu-west-1", 1), ("2026-11-30T23:59:00Z", "us-east-1", 0),
        ("2026-11-30T23:59:00Z", "eu-west-1", 0)]
