"""`POST /imports` mails a badge's recipient; nobody may use that to flood a mailbox
(issue 12, item 4): one mail per address and badge while its confirmation is pending,
confirmation mails limited per recipient and requests per source address (hour and
day), 429 with `Retry-After` beyond. Sign-in's 429 carries `Retry-After` too."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import imports as rules
from chalicelib.services import imports as import_service
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import Browser, post
from tests.integration.test_verify_any import EMAIL, Foreign, foreign  # noqa: F401 - the fixture

T0 = datetime(2030, 1, 1, 10, 10, 0, tzinfo=timezone.utc)


@pytest.fixture()
def clock(monkeypatch):
    now = [T0]
    monkeypatch.setattr(import_service.clock, "utcnow", lambda: now[0])
    return now


def badges(server: Foreign, email: str, n: int) -> list[str]:
    """`n` distinct hosted OB 2.0 badges issued to `email` by the foreign issuer."""
    server.ob2(email)
    base, urls = server.base, []
    for i in range(n):
        status, doc = server.docs["/assertion"]
        server.docs[f"/assertion{i}"] = (status, {**doc, "id": f"{base}/assertion{i}"})
        urls.append(f"{base}/assertion{i}")
    return urls


def mails_to(address: str) -> list[dict]:
    return [m for m in sent_mail() if m["to"] == [address]]


def start(client, url: str, email: str = EMAIL, source: str = "198.51.100.7"):
    return post(client, "/imports", None, {"url": url, "email": email},
                headers={"CloudFront-Viewer-Address": f"{source}:443"})


def test_the_same_badge_is_mailed_once_while_its_confirmation_is_pending(client, foreign, clock):
    url = foreign.ob2(EMAIL)
    first, second = start(client, url), start(client, url)
    assert first.status_code == second.status_code == 202, second.body
    assert body(first)["confirmation"] == "mailed"
    assert body(second)["confirmation"] == "already_pending" and body(second)["id"] == body(first)["id"]
    assert len(mails_to(EMAIL)) == 1
    # a pending confirmation lasts CONFIRM_HOURS; then its link is dead and a new mail may go out
    clock[0] += timedelta(hours=rules.CONFIRM_HOURS, seconds=1)
    token = mails_to(EMAIL)[0]["body"].split("?token=")[1].split('"')[0]
    res = post(client, f"/imports/{body(first)['id']}", None, {"token": token})
    assert res.status_code == 410 and body(res)["error"]["code"] == "import_expired"
    third = start(client, url)
    assert third.status_code == 202 and body(third)["confirmation"] == "mailed"
    assert body(third)["id"] != body(first)["id"] and len(mails_to(EMAIL)) == 2


def test_concurrent_requests_for_one_badge_mail_once(client, foreign, clock):
    import threading

    url = foreign.ob2(EMAIL)
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(start(client, url))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [202] * 4
    assert len({body(a)["id"] for a in answers}) == 1 and len(mails_to(EMAIL)) == 1


def test_confirmation_mails_per_recipient_are_limited_per_hour_and_day(client, foreign, clock):
    urls = badges(foreign, EMAIL, 12)
    hour = rules.MAILS_PER_RECIPIENT_HOUR
    answers = [start(client, u, source=f"203.0.113.{i}") for i, u in enumerate(urls[:hour.count + 1])]
    assert [a.status_code for a in answers] == [202] * hour.count + [429]
    refused = answers[-1]
    assert body(refused)["error"]["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == str(50 * 60)  # 10:10 -> the hour's window frees at 11:00
    assert len(mails_to(EMAIL)) == hour.count
    # the next hour: more, up to the daily limit
    clock[0] = T0 + timedelta(hours=1)
    day = rules.MAILS_PER_RECIPIENT_DAY
    more = [start(client, u, source=f"203.0.113.{50 + i}").status_code
            for i, u in enumerate(urls[hour.count:hour.count + (day.count - hour.count) + 1])]
    assert more == [202] * (day.count - hour.count) + [429]
    assert len(mails_to(EMAIL)) == day.count
    refused = start(client, urls[-1], source="203.0.113.99")
    # 11:10 -> the day's window frees at 00:00 UTC
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(12 * 3600 + 50 * 60)
    assert mails_to("someone.else@example.com") == []


def test_requests_per_source_address_are_limited_before_anything_is_fetched(client, foreign, clock):
    fetched: list[str] = []
    real = foreign.server.RequestHandlerClass.do_GET

    def counting(handler):
        fetched.append(handler.path)
        return real(handler)

    foreign.server.RequestHandlerClass.do_GET = counting
    url = foreign.ob2(EMAIL)
    limit = rules.REQUESTS_PER_SOURCE_HOUR.count
    # other people's addresses: refused after verification (422), yet counted
    codes = [start(client, url, email=f"p{i}@example.com").status_code for i in range(limit)]
    assert codes == [422] * limit
    before, rows = len(fetched), scan_table()
    res = start(client, url, email="p-last@example.com")
    assert res.status_code == 429 and res.headers["Retry-After"] == str(50 * 60)  # 10:10 -> free at 11:00
    assert len(fetched) == before and scan_table() == rows  # no fetch, nothing written
    assert start(client, url, source="192.0.2.1").status_code == 202  # another network is not affected


def test_sign_in_429_says_when_to_retry(client, monkeypatch):
    from chalicelib.services import signin

    monkeypatch.setattr(signin.clock, "utcnow", lambda: datetime(2030, 1, 1, 10, 5, 0, tzinfo=timezone.utc))
    b = Browser(client)
    csrf = b.csrf("/signin")
    answers = [b.post("/signin", {"email": "flood@example.com", "csrf": csrf}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].headers["Retry-After"] == str(10 * 60)  # 15-minute windows: free again at 10:15


def test_erasure_removes_the_import_counters_and_pending_slots(client, foreign, clock):
    from chalicelib.services import rights

    from chalicelib.domain import ids

    url = foreign.ob2(EMAIL)
    assert start(client, url).status_code == 202
    hashed = ids.email_hash(EMAIL)
    kinds = {i["pk"].split("#")[0] + "#" + i["pk"].split("#")[1] for i in scan_table() if hashed in i["pk"]}
    assert kinds == {"RATE#import-email-hour", "RATE#import-email-day", f"IMPORTSLOT#{hashed}"}
    rights.erase_on_request(EMAIL, confirm="erase")
    assert not [i for i in scan_table() if hashed in i["pk"]]
