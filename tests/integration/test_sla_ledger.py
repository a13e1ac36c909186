"""Issue 16: the SLA ledger an auditor would sign, through the ops API on stored probe
results (moto): measured minutes only, outages spanning months, flapping incidents and
outage reports, maintenance windows that are facts (server-set announced_at, edit,
cancel, mail to every tenant), the configurable overnight day across both DST changes,
and support severity changes that keep a breach.

Every expectation is hand-computed; the comment beside it shows the arithmetic.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.services import clock, ops
from tests.conftest import body, sent_mail
from tests.helpers import auth, new_issuer, post
from tests.probe_days import probe_days, probe_down

MIN = timedelta(minutes=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """Services (and so the server-set announced_at and report times) see `when` as now."""
    monkeypatch.setattr(clock, "utcnow", lambda: when)


def minutes(start: datetime, count: int) -> list[datetime]:
    return [start + i * MIN for i in range(count)]


@pytest.fixture()
def operator(aws_env: None) -> dict:
    key = ops.create_operator_key("tests")
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept": "application/json"}


def report(client, operator: dict, month: str) -> dict:
    res = client.http.get(f"/ops/sla?month={month}", headers=operator)
    assert res.status_code == 200, res.body
    return body(res)


def outage_report(client, monkeypatch: pytest.MonkeyPatch, key: str, when: datetime) -> None:
    """The tenant files an outage report (a support request flagged as one) at `when`."""
    at(monkeypatch, when)
    res = post(client, "/support-requests", key, {"subject": "Site down", "description": "Nothing loads",
                                                  "severity": 1, "outage_report": True})
    assert res.status_code == 201, res.body


def set_fee(client, operator: dict, tenant: str, fee: str = "1000.00") -> None:
    res = client.http.put(f"/ops/issuers/{tenant}/fee", headers=operator, body=json.dumps({"monthly_fee": fee}))
    assert res.status_code == 200, res.body


def tenants_by_name(r: dict) -> dict:
    return {t["name"]: t for t in r["tenants"]}


# ---------------------------------------------------------------- item 1: measured minutes


def test_unmeasured_minutes_are_not_counted_as_up(client, operator, monkeypatch):
    # Probed: 1-6 and 8-9 November (8 whole days); 7 November never probed; now is 10 Nov 12:00Z,
    # so the rest of the month is in the future: not measured either.
    probe_days(date(2026, 11, 1), date(2026, 11, 6))
    probe_days(date(2026, 11, 8), date(2026, 11, 9))
    probe_down(minutes(utc(2026, 11, 5, 10), 30))  # 30 outage minutes on 5 Nov
    at(monkeypatch, utc(2026, 11, 10, 12, 0))
    r = report(client, operator, "2026-11")
    p = r["platform"]
    # measured 8 x 1440 = 11,520 of 43,200; not measured 43,200 - 11,520 = 31,680
    # coverage 100 x 11,520 / 43,200 = 26.666... -> 26.6 (truncated)
    # availability over measured: 100 x (11,520 - 30) / 11,520 = 99.73958... -> 99.739
    # (counting every minute of the month as up would claim 100 x 43,170 / 43,200 = 99.930)
    assert (p["total_minutes"], p["measured_minutes"], p["not_measured_minutes"]) == (43200, 11520, 31680)
    assert (p["coverage"], p["outage_minutes"], p["availability"]) == ("26.6", 30, "99.739")
    assert p["met"] is False and p["complete"] is False
    assert r["coverage"] == {"measured_minutes": 11520, "total_minutes": 43200, "coverage": "26.6",
                             "locations": {"test": 11520}}
    assert (r["month"], r["previous_month"], r["next_month"]) == ("2026-11", "2026-10", None)
    assert (r["now"], r["measured_through"]) == ("2026-11-10T12:00:00Z", "2026-11-10T12:00:00Z")
    days = {d["day"]: d for d in r["days"]}
    # 5 Nov: 100 x (1440 - 30) / 1440 = 97.91666... -> 97.916
    assert days["2026-11-05"] == {"day": "2026-11-05", "total_minutes": 1440, "measured_minutes": 1440,
                                  "not_measured_minutes": 0, "outage_minutes": 30, "excluded_minutes": 0,
                                  "excluded_minutes_by_rule": {"announced_24h": 0, "overnight_window": 0,
                                                               "client_requested": 0},
                                  "availability": "97.916"}
    assert (days["2026-11-07"]["measured_minutes"], days["2026-11-07"]["availability"]) == (0, None)
    assert (days["2026-11-20"]["not_measured_minutes"], days["2026-11-20"]["availability"]) == (1440, None)


def test_a_month_with_a_gap_is_never_complete(client, operator, monkeypatch):
    probe_days(date(2026, 11, 1), date(2026, 11, 30))
    at(monkeypatch, utc(2026, 12, 1, 0, 0))
    assert report(client, operator, "2026-11")["platform"]["complete"] is True  # ended, 43,200 of 43,200
    from chalicelib.store import keys
    from chalicelib.store.models import ProbeDayItem

    ProbeDayItem(keys.probe_days_pk("2026-11"), "2026-11-30").update(
        actions=[ProbeDayItem.probed.delete({"23:59"}), ProbeDayItem.up.delete({"23:59"})])
    p = report(client, operator, "2026-11")["platform"]
    # one minute never probed: 43,199 measured, coverage 100 x 43,199 / 43,200 = 99.9976... -> 99.9
    assert (p["measured_minutes"], p["not_measured_minutes"], p["coverage"], p["complete"]) == (43199, 1, "99.9", False)


# ---------------------------------------------------------------- item 3: outages spanning months


def test_a_29_hour_outage_across_a_month_boundary_counts_in_both_months(client, operator, monkeypatch):
    probe_days(date(2026, 10, 1), date(2026, 11, 30))
    # 31 Oct 05:00Z to 1 Nov 10:00Z: 29 h = 1,740 minutes; 19 h = 1,140 in October, 10 h = 600 in November
    probe_down(minutes(utc(2026, 10, 31, 5), 29 * 60))
    late_reporter, late_key = new_issuer("Late reporter")
    early_reporter, early_key = new_issuer("Early reporter")
    silent, _ = new_issuer("Silent")
    for t in (late_reporter, early_reporter, silent):
        set_fee(client, operator, t)
    outage_report(client, monkeypatch, early_key, utc(2026, 10, 31, 6, 0))  # while it went on, in October
    # 23 h after its end, 52 h after its start: the exhibit's "within 24 h of the start" alone would refuse it
    outage_report(client, monkeypatch, late_key, utc(2026, 11, 2, 9, 0))
    at(monkeypatch, utc(2026, 12, 1, 9, 0))
    october, november = report(client, operator, "2026-10"), report(client, operator, "2026-11")
    # October: 31 x 1440 = 44,640 minutes; 100 x (44,640 - 1,140) / 44,640 = 97.4462365... -> 97.446
    assert (october["platform"]["outage_minutes"], october["platform"]["availability"]) == (1140, "97.446")
    # November: 43,200 minutes; 100 x (43,200 - 600) / 43,200 = 98.6111... -> 98.611
    assert (november["platform"]["outage_minutes"], november["platform"]["availability"]) == (600, "98.611")
    assert october["platform"]["complete"] is True and november["platform"]["complete"] is True
    # credits (fee 1000): October 1000 x (99.9 - 97.4462365...) / 100 = 24.5376... -> 24.54;
    # November 1000 x (99.9 - 98.6111...) / 100 = 12.888... -> 12.89
    for month, outage, credit in ((october, 1140, "24.54"), (november, 600, "12.89")):
        t = tenants_by_name(month)
        assert (t["Early reporter"]["outage_minutes"], t["Early reporter"]["service_credit"]) == (outage, credit)
        assert (t["Late reporter"]["outage_minutes"], t["Late reporter"]["service_credit"]) == (outage, credit)
        assert (t["Silent"]["outage_minutes"], t["Silent"]["service_credit"]) == (0, "0.00")
    incident = {"start": "2026-10-31T05:00:00Z", "end": "2026-11-01T10:00:00Z", "outage_minutes": 1740,
                "ongoing": False}
    assert october["incidents"] == [incident] and november["incidents"] == [incident]


def test_an_outage_longer_than_a_day_keeps_its_true_start(client, operator, monkeypatch):
    """The ledger used to read one day of the previous month: a 74 h outage looked as if it
    began on 31 Oct 00:00Z, so a report filed an hour after its real start did not count."""
    probe_days(date(2026, 10, 20), date(2026, 11, 30))
    # 29 Oct 08:00Z to 1 Nov 10:00Z: 74 h = 4,440 minutes; 600 of them in November
    probe_down(minutes(utc(2026, 10, 29, 8), 74 * 60))
    tenant, key = new_issuer("Reporter")
    outage_report(client, monkeypatch, key, utc(2026, 10, 29, 9, 0))  # 1 h after the start
    at(monkeypatch, utc(2026, 12, 1, 9, 0))
    november = report(client, operator, "2026-11")
    assert tenants_by_name(november)["Reporter"]["outage_minutes"] == 600
    assert november["incidents"] == [{"start": "2026-10-29T08:00:00Z", "end": "2026-11-01T10:00:00Z",
                                      "outage_minutes": 4440, "ongoing": False}]


def test_a_flapping_incident_is_covered_by_a_report_while_ongoing_or_within_24h_of_its_end(client, operator,
                                                                                           monkeypatch):
    probe_days(date(2026, 11, 1), date(2026, 11, 30))
    # 4 Nov: down 10:00-10:20 (20), up 25 min, down 10:45-11:00 (15), up 20 min, down 11:20-11:30 (10):
    # gaps of 25 and 20 minutes (at most 30) make one incident 10:00-11:30 with 20 + 15 + 10 = 45 outage
    # minutes. A second incident 13:00-13:10 (10 minutes) is 90 minutes later: separate.
    down = minutes(utc(2026, 11, 4, 10, 0), 20) + minutes(utc(2026, 11, 4, 10, 45), 15) + \
        minutes(utc(2026, 11, 4, 11, 20), 10) + minutes(utc(2026, 11, 4, 13, 0), 10)
    probe_down(down)
    _, during_key = new_issuer("During")
    _, next_day_key = new_issuer("Next day")
    _, too_late_key = new_issuer("Too late")
    # while it went on (in the second run): the whole incident, 45 (the runs' starts alone: 20 + 15 = 35)
    outage_report(client, monkeypatch, during_key, utc(2026, 11, 4, 10, 50))
    # 5 Nov 11:00Z: 23 h 30 min after the first incident's end (11:30Z), so all 45 minutes (the runs'
    # starts alone: only the last run, 11:20Z + 24 h >= 11:00Z: 10); it also lies in [13:00Z on 4 Nov,
    # 13:10Z + 24 h], so the second incident counts too: 45 + 10 = 55
    outage_report(client, monkeypatch, next_day_key, utc(2026, 11, 5, 11, 0))
    # 5 Nov 13:11Z: after 11:30Z + 24 h and after 13:10Z + 24 h: nothing
    outage_report(client, monkeypatch, too_late_key, utc(2026, 11, 5, 13, 11))
    at(monkeypatch, utc(2026, 12, 1, 9, 0))
    r = report(client, operator, "2026-11")
    assert r["platform"]["outage_minutes"] == 55
    assert {n: t["outage_minutes"] for n, t in tenants_by_name(r).items()} == {"During": 45, "Next day": 55,
                                                                               "Too late": 0}
    assert r["incidents"] == [
        {"start": "2026-11-04T10:00:00Z", "end": "2026-11-04T11:30:00Z", "outage_minutes": 45, "ongoing": False},
        {"start": "2026-11-04T13:00:00Z", "end": "2026-11-04T13:10:00Z", "outage_minutes": 10, "ongoing": False}]


def test_an_incident_is_ongoing_until_a_probe_sees_the_service_up(client, operator, monkeypatch):
    probe_days(date(2026, 11, 1), date(2026, 11, 3))
    probe_down(minutes(utc(2026, 11, 4, 0, 0), 10))  # down 00:00-00:10 and nothing seen up since
    at(monkeypatch, utc(2026, 11, 4, 0, 10))
    r = report(client, operator, "2026-11")
    assert r["incidents"] == [{"start": "2026-11-04T00:00:00Z", "end": "2026-11-04T00:10:00Z",
                               "outage_minutes": 10, "ongoing": True}]
    # 3 x 1440 + 10 = 4,330 measured; 100 x 4,320 / 4,330 = 99.7690... -> 99.769
    assert (r["platform"]["measured_minutes"], r["platform"]["availability"]) == (4330, "99.769")


# ---------------------------------------------------------------- item 4: maintenance windows


def declare(client, operator: dict, **payload) -> dict:
    res = client.http.post("/ops/maintenance", headers=operator, body=json.dumps(payload))
    assert res.status_code == 201, res.body
    return body(res)


def admin(tenant: str, email: str, *, state: str = "active", role: str = "admin") -> None:
    from chalicelib.domain import ids
    from chalicelib.store import members

    assert members.add_member({"tenant_id": tenant, "member_id": ids.new_local_id(), "email": email,
                               "email_hash": ids.sha256_hex(email), "role": role, "state": state,
                               "created_at": "2026-10-01T00:00:00Z", "updated_at": "2026-10-01T00:00:00Z"})


def mails_since(n: int) -> list[dict]:
    return sent_mail()[n:]


def test_announced_at_sent_by_a_client_is_refused(client, operator, monkeypatch):
    at(monkeypatch, utc(2026, 11, 9, 12, 0))
    for sent in ("2026-11-08T12:00:00Z", None):  # a backdated claim, and even null
        res = client.http.post("/ops/maintenance", headers=operator, body=json.dumps({
            "start": "2026-11-10T12:00:00Z", "end": "2026-11-10T13:00:00Z", "reason": "db", "announced_at": sent}))
        assert res.status_code == 422, res.body
        assert body(res)["error"]["code"] == "server_set_field" and "server" in body(res)["error"]["message"]
    assert ops.list_maintenance() == []
    window = declare(client, operator, start="2026-11-10T12:00:00Z", end="2026-11-10T13:00:00Z", reason="db")
    # the server's clock: 24 h before the start, exactly the notice the exhibit asks
    assert (window["announced_at"], window["notice_hours"], window["excludable_rule"]) == (
        "2026-11-09T12:00:00Z", 24.0, "announced_24h")
    res = client.http.put(f"/ops/maintenance/{window['id']}", headers=operator,
                          body=json.dumps({"announced_at": "2026-11-01T00:00:00Z"}))
    assert res.status_code == 422 and body(res)["error"]["code"] == "server_set_field"
    assert ops.list_maintenance()[0]["announced_at"] == "2026-11-09T12:00:00Z"


def test_a_cancelled_window_excludes_nothing_stays_listed_and_is_mailed(client, operator, monkeypatch):
    probe_days(date(2026, 11, 1), date(2026, 11, 30))
    probe_down(minutes(utc(2026, 11, 10, 12), 60))  # down through the window that was cancelled
    tenant, _ = new_issuer("Acme")
    admin(tenant, "admin@acme.example")
    at(monkeypatch, utc(2026, 11, 1, 12, 0))
    window = declare(client, operator, start="2026-11-10T12:00:00Z", end="2026-11-10T13:00:00Z", reason="db")
    before = len(sent_mail())
    at(monkeypatch, utc(2026, 11, 2, 12, 0))
    res = client.http.post(f"/ops/maintenance/{window['id']}/cancel", headers=operator)
    assert res.status_code == 200, res.body
    cancelled = body(res)
    assert (cancelled["state"], cancelled["cancelled_at"], cancelled["excludable"]) == (
        "cancelled", "2026-11-02T12:00:00Z", False)
    mails = mails_since(before)
    assert sorted(m["to"][0] for m in mails) == ["admin@acme.example", "badges@acme.example"]
    assert all("cancelled" in m["subject"] and "cancelled" in m["body"] for m in mails)
    assert client.http.post(f"/ops/maintenance/{window['id']}/cancel", headers=operator).status_code == 409
    at(monkeypatch, utc(2026, 12, 1, 9, 0))
    r = report(client, operator, "2026-11")
    # nothing excluded: the 60 minutes count; 100 x (43,200 - 60) / 43,200 = 99.8611... -> 99.861
    assert (r["platform"]["outage_minutes"], r["platform"]["excluded_minutes"], r["platform"]["availability"]) == (
        60, 0, "99.861")
    assert [(w["id"], w["state"]) for w in r["maintenance"]] == [(window["id"], "cancelled")]


def test_a_window_declared_23_hours_ahead_is_excluded_only_in_the_overnight_window(client, operator, monkeypatch):
    # Default overnight day: Sunday, 18:00 to 02:00 America/Chicago (CST, UTC-6 in November):
    # Mon 9 Nov 00:00Z to 08:00Z. Window Sun 8 Nov 23:00Z to Mon 9 Nov 03:00Z (240 minutes),
    # declared Sun 8 Nov 00:00Z, 23 h before its start.
    probe_days(date(2026, 11, 1), date(2026, 11, 30))
    probe_down(minutes(utc(2026, 11, 8, 23), 240))
    at(monkeypatch, utc(2026, 11, 8, 0, 0))
    window = declare(client, operator, start="2026-11-08T23:00:00Z", end="2026-11-09T03:00:00Z", reason="upgrade")
    assert (window["notice_hours"], window["excludable"], window["excludable_rule"]) == (23.0, False, None)
    at(monkeypatch, utc(2026, 12, 1, 9, 0))
    p = report(client, operator, "2026-11")["platform"]
    # 23:00Z-00:00Z (60 min) lies before the overnight window: counted; 00:00Z-03:00Z (180) excluded by it
    assert p["excluded_minutes_by_rule"] == {"announced_24h": 0, "overnight_window": 180, "client_requested": 0}
    # 100 x (43,200 - 60) / 43,200 = 99.8611... -> 99.861
    assert (p["outage_minutes"], p["excluded_minutes"], p["availability"]) == (60, 180, "99.861")
    days = {d["day"]: d for d in report(client, operator, "2026-11")["days"]}
    assert (days["2026-11-08"]["outage_minutes"], days["2026-11-08"]["excluded_minutes"]) == (60, 0)
    assert days["2026-11-09"]["excluded_minutes_by_rule"]["overnight_window"] == 180


@pytest.mark.parametrize(
    "weekday, march_excluded, october_excluded, november_excluded",
    [
        # Saturday night: spring forward (Sun 8 Mar 02:00 CST -> 03:00 CDT): Sat 18:00 CST (00:00Z) to
        # Sun 02:00 (08:00Z) = 480 minutes. Fall back (Sun 1 Nov 02:00 CDT -> 01:00 CST): Sat 31 Oct
        # 18:00 CDT (23:00Z) to Sun 02:00 CST (08:00Z) = 540 minutes, 60 in October and 480 in November.
        (5, 480, 60, 480),
        # Sunday night (the default) opens after both windows end: nothing excluded
        (6, 0, 0, 0),
    ],
)
def test_the_overnight_day_is_configurable_across_both_dst_changes(client, operator, monkeypatch, weekday,
                                                                   march_excluded, october_excluded,
                                                                   november_excluded):
    from chalicelib.config import get_settings

    monkeypatch.setenv("LAUREL_OVERNIGHT_WEEKDAY", str(weekday))
    get_settings.cache_clear()
    # Each window: Sat 20:00Z to Sun 12:00Z (960 minutes), declared 23 h ahead, down throughout.
    for start in (utc(2026, 3, 7, 20), utc(2026, 10, 31, 20)):
        probe_days(start.date(), start.date() + timedelta(days=1))
        probe_down(minutes(start, 960))
        at(monkeypatch, start - timedelta(hours=23))
        declare(client, operator, start=start.isoformat(), end=(start + timedelta(hours=16)).isoformat(),
                reason="short notice")
    at(monkeypatch, utc(2026, 12, 1, 9, 0))
    march = report(client, operator, "2026-03")["platform"]
    october = report(client, operator, "2026-10")["platform"]
    november = report(client, operator, "2026-11")["platform"]
    assert march["excluded_minutes_by_rule"]["overnight_window"] == march_excluded
    assert (march["outage_minutes"]) == 960 - march_excluded
    # October holds 20:00Z-24:00Z of the fall window (240 minutes), November 00:00Z-12:00Z (720)
    assert october["excluded_minutes_by_rule"]["overnight_window"] == october_excluded
    assert october["outage_minutes"] == 240 - october_excluded
    assert november["excluded_minutes_by_rule"]["overnight_window"] == november_excluded
    assert november["outage_minutes"] == 720 - november_excluded
    get_settings.cache_clear()


def test_a_bad_overnight_weekday_setting_is_refused(monkeypatch):
    from chalicelib.config import get_settings

    monkeypatch.setenv("LAUREL_OVERNIGHT_WEEKDAY", "7")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="LAUREL_OVERNIGHT_WEEKDAY"):
        get_settings()
    get_settings.cache_clear()


def test_editing_a_window_mails_every_tenants_admins_and_support_contacts(client, operator, monkeypatch):
    acme, _ = new_issuer("Acme Academy")
    globex, _ = new_issuer("Globex Institute")
    admin(acme, "ada@acme.example")
    admin(acme, "invited@acme.example", state="invited")  # not active: no mail
    admin(acme, "issuer@acme.example", role="issuer")  # not an admin: no mail
    admin(globex, "grace@globex.example")
    admin(globex, "ada@acme.example")  # an admin of both: one mail
    at(monkeypatch, utc(2026, 11, 1, 12, 0))
    window = declare(client, operator, start="2026-11-10T12:00:00Z", end="2026-11-10T13:00:00Z", reason="db")
    # both issuers' contact address (tests/helpers.py) is badges@acme.example: mailed once
    expected = ["ada@acme.example", "badges@acme.example", "grace@globex.example"]
    assert sorted(m["to"][0] for m in sent_mail()) == expected
    before = len(sent_mail())
    # 9 Nov 14:00Z: the end moves 30 minutes later, 23 h before the added minutes start (10 Nov 13:00Z)
    at(monkeypatch, utc(2026, 11, 9, 14, 0))
    res = client.http.put(f"/ops/maintenance/{window['id']}", headers=operator,
                          body=json.dumps({"end": "2026-11-10T13:30:00Z", "reason": "db, longer"}))
    assert res.status_code == 200, res.body
    edited = body(res)
    assert edited["announced_at"] == "2026-11-01T12:00:00Z" and edited["updated_at"] == "2026-11-09T14:00:00Z"
    # the first hour keeps its notice (9 days: 1 Nov 12:00Z to 10 Nov 12:00Z), the added half hour's
    # notice restarts: 9 Nov 14:00Z to 10 Nov 13:00Z = 23 h, so the window is not wholly excludable
    assert edited["notices"] == [
        {"start": "2026-11-10T12:00:00Z", "end": "2026-11-10T13:00:00Z", "announced_at": "2026-11-01T12:00:00Z"},
        {"start": "2026-11-10T13:00:00Z", "end": "2026-11-10T13:30:00Z", "announced_at": "2026-11-09T14:00:00Z"}]
    assert (edited["notice_hours"], edited["excludable"], edited["excludable_rule"]) == (23.0, False, None)
    mails = mails_since(before)
    assert sorted(m["to"][0] for m in mails) == expected
    for m in mails:
        assert "updated" in m["subject"] and "2026-11-10T13:30:00Z" in m["body"]
        # a platform notice: no tenant's name or data in it
        assert "Acme Academy" not in m["body"] and "Globex" not in m["body"]
    # the ledger: outage through the whole 90 minutes; the first 60 excluded (announced 24 h), 30 counted
    probe_days(date(2026, 11, 1), date(2026, 11, 30))
    probe_down(minutes(utc(2026, 11, 10, 12), 90))
    at(monkeypatch, utc(2026, 12, 1, 9, 0))
    p = report(client, operator, "2026-11")["platform"]
    assert (p["outage_minutes"], p["excluded_minutes_by_rule"]["announced_24h"]) == (30, 60)


def test_a_client_requested_window_is_mailed_to_that_client_only(client, operator, monkeypatch):
    acme, _ = new_issuer("Acme Academy")
    globex, _ = new_issuer("Globex Institute")
    admin(acme, "ada@acme.example")
    admin(globex, "grace@globex.example")
    at(monkeypatch, utc(2026, 11, 1, 12, 0))
    declare(client, operator, start="2026-11-10T12:00:00Z", end="2026-11-10T13:00:00Z", reason="cutover",
            kind="client_requested", client_id=acme)
    assert sorted(m["to"][0] for m in sent_mail()) == ["ada@acme.example", "badges@acme.example"]


def test_edits_are_conditional_and_refused_on_bad_input(client, operator, monkeypatch):
    at(monkeypatch, utc(2026, 11, 1, 12, 0))
    window = declare(client, operator, start="2026-11-10T12:00:00Z", end="2026-11-10T13:00:00Z", reason="db")
    url = f"/ops/maintenance/{window['id']}"
    bad = client.http.put(url, headers=operator, body=json.dumps({"end": "2026-11-10T11:00:00Z"}))
    assert bad.status_code == 422 and body(bad)["error"]["code"] == "invalid_window"
    assert client.http.put(url, headers=operator, body=json.dumps({})).status_code == 422
    assert client.http.put("/ops/maintenance/0123456789abcdef", headers=operator,
                           body=json.dumps({"reason": "x"})).status_code == 404
    # someone else's edit lands between our read and our write: 409, nothing of ours written
    from chalicelib.store import ops as store

    stale = store.get_window(window["id"])
    assert store.update_window(store.get_window(window["id"]), {"reason": "theirs"})
    assert store.update_window(stale, {"reason": "ours"}) is False
    assert store.get_window(window["id"]).reason == "theirs"
    res = client.http.post(f"{url}/cancel", headers=operator)
    assert res.status_code == 200
    assert client.http.put(url, headers=operator, body=json.dumps({"reason": "x"})).status_code == 409


# ---------------------------------------------------------------- item 7: severity history


def test_downgrading_a_breached_request_keeps_the_breach(client, operator, monkeypatch):
    tenant, key = new_issuer()
    at(monkeypatch, utc(2026, 11, 2, 8, 0))
    res = post(client, "/support-requests", key, {"subject": "Down", "description": "All of it", "severity": 1})
    created = body(res)
    assert created["due_at"] == "2026-11-02T20:00:00Z"  # severity 1: 12 h
    url = f"/ops/support-requests/{tenant}/{created['id']}"
    # 13 h later, unanswered: breached under severity 1; the operator downgrades it to severity 3 (14 days)
    at(monkeypatch, utc(2026, 11, 2, 21, 0))
    res = client.http.post(url, headers=operator, body=json.dumps({"severity": 3}))
    assert res.status_code == 200, res.body
    downgraded = body(res)
    assert downgraded["severity"] == 3 and downgraded["due_at"] == "2026-11-16T08:00:00Z"
    assert downgraded["breached"] is True
    assert downgraded["breaches"] == [{"severity": 1, "due_at": "2026-11-02T20:00:00Z",
                                       "recorded_at": "2026-11-02T21:00:00Z"}]
    listed = client.http.get(f"/support-requests/{created['id']}", headers=auth(key))
    assert body(listed)["breached"] is True and len(body(listed)["breaches"]) == 1


def test_a_change_before_the_due_time_records_no_breach(client, operator, monkeypatch):
    tenant, key = new_issuer()
    at(monkeypatch, utc(2026, 11, 2, 8, 0))
    created = body(post(client, "/support-requests", key, {"subject": "Slow", "description": "x", "severity": 1}))
    at(monkeypatch, utc(2026, 11, 2, 19, 0))  # 11 h: not yet due under severity 1
    res = client.http.post(f"/ops/support-requests/{tenant}/{created['id']}", headers=operator,
                           body=json.dumps({"severity": 3}))
    assert (body(res)["breached"], body(res)["breaches"]) == (False, [])
