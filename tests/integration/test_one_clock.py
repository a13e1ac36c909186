"""One clock (issue 13, item 5): every service reads the time through
`chalicelib.services.clock`, so moving that one module's time moves all of Laurel's
notion of now: link expiry, signature freshness, and the settings it reads once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.domain.webhooks import signature_header
from chalicelib.services import clock
from tests.conftest import body
from tests.helpers import Browser, active_template, new_issuer, post, signin_mail


@pytest.fixture()
def later(monkeypatch):
    """Move the one clock forward by `offset` (wall time)."""

    def move(offset: timedelta) -> int:
        real = clock.utcnow()
        monkeypatch.setattr(clock, "utcnow", lambda: real + offset)
        return int(real.timestamp())

    return move


def test_moving_the_clock_expires_a_sign_in_link(client, later):
    b = Browser(client)
    b.post("/signin", {"email": "grace@example.com", "csrf": b.csrf("/signin")})
    login_id, token, _ = signin_mail("grace@example.com")
    later(timedelta(minutes=16))
    page = b.get(f"/signin/{login_id}?token={token}")
    assert page.status_code == 410 and "expired" in b.text(page)


def test_moving_the_clock_makes_a_fresh_lms_signature_stale(client, later):
    """LMS signatures are checked against `clock.unix_seconds()`: 5 minutes of tolerance."""
    _, key = new_issuer()
    tpl = active_template(client, key)
    integration = body(post(client, "/integrations", key, {"name": "LMS", "rules": {"c1": {"template_id": tpl}}}))
    raw = json.dumps({"event": "course.completed", "event_id": "e1", "email": "lea@example.com", "first_name": "Lea",
                      "last_name": "R", "course_id": "c1", "score": 95}).encode()
    signed_at = later(timedelta(minutes=10))
    header = signature_header([integration["secret"].encode()], signed_at, raw)
    res = client.http.post(f"/hooks/lms/{integration['id']}", body=raw,
                           headers={"Content-Type": "application/json", "Laurel-Signature": header})
    assert res.status_code == 401 and body(res)["error"]["code"] == "bad_signature"


def test_unix_seconds_and_utcnow_are_one_clock(monkeypatch):
    real = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: real + timedelta(hours=1))
    assert clock.unix_seconds() == int(real.timestamp()) + 3600


def test_the_webhook_post_ends_a_dripping_body_at_its_deadline_without_reading_the_clock(monkeypatch):
    """The outbound POST bounds its exchange with a timer, not by reading the time: an
    endpoint that answers at once and then drips its body gets cut off at the deadline
    (twice the policy's timeout), keeping what came so far."""
    import socket
    import threading
    import time

    from chalicelib.adapters import webhook_http

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def drip():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n")
        try:
            for _ in range(40):  # 10 bytes every 0.1 s: 4 seconds in all
                conn.sendall(b"x" * 10)
                time.sleep(0.1)
        except OSError:
            pass
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    result = webhook_http.post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {},
                               webhook_http.Policy(allow_http=True, allow_private=True, timeout=0.5))
    server.close()
    assert result.status == 200
    assert 0 < len(result.excerpt) < 400  # cut off after about a second, not read to its end


def test_the_bulk_mail_rate_waits_on_the_one_clock(monkeypatch):
    """Durations and waits go through the clock too: a test moves them without sleeping."""
    from chalicelib.services import bulk

    now, slept = [1000.0], []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    monkeypatch.setattr(clock, "monotonic", lambda: now[0])
    monkeypatch.setattr(clock, "sleep", sleep)
    limiter = bulk._RateLimiter(10)
    for _ in range(5):
        limiter.wait()
    assert slept == [0.1, 0.1, 0.1, 0.1]  # the first mail goes at once, then one every 100 ms
