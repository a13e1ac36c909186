"""Outbound webhooks end to end: endpoints API, emit -> events queue -> SQS handler ->
signed POST to a local receiver, retries with backoff, dead letter, resend, rotation,
tenant isolation and the SSRF fence."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib.adapters import queue, webhook_http
from chalicelib.domain import webhooks as rules
from chalicelib.services import clock, events
from chalicelib.store import webhooks as store
from tests.conftest import body, scan_table
from tests.helpers import auth, new_issuer, post

HANDLER = "deliver_webhooks"
CREDENTIAL = {"id": "c-1", "status": "pending", "recipient": {"email": "grace@example.com"}, "badge": {"name": "B"}}


@pytest.fixture()
def queues(aws_env):
    queue.ensure_queue(queue.events_queue_name(), queue.events_dlq_name())


class Receiver:
    """An issuer's endpoint on loopback: records every POST, answers `status`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": raw})
                answer = b"ok" if outer.status < 300 else b"boom \x00 broken"
                self.send_response(outer.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/laurel"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver(monkeypatch):
    # The test stage refuses plain HTTP and loopback; the receiver lives on loopback.
    monkeypatch.setattr(events, "_policy", lambda: webhook_http.policy_for(True))
    server = Receiver()
    yield server
    server.close()


def take(name: str) -> list[tuple[dict, int]]:
    """Every message on the queue now, delayed ones included, as (body, the DelaySeconds
    it was sent with); the queue is emptied."""
    from moto.sqs.models import sqs_backends

    q = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues[name]
    # moto stamps a delayed message's due time from its send time: their difference is the delay asked for
    out = [(json.loads(m.body), round((m.delayed_until - m.sent_timestamp) / 1000) if m.delayed_until else 0)
           for m in list(q._messages)]
    q._messages.clear()  # PurgeQueue is limited to once a minute, also in moto
    return out


def run_handler(client, messages: list[dict]) -> dict:
    """What Lambda does with a batch read from the events queue."""
    event = client.events.generate_sqs_event(message_bodies=[json.dumps(m) for m in messages],
                                             queue_name=queue.events_queue_name())
    for n, record in enumerate(event["Records"]):
        record["messageId"] = f"message-{n}"
    return client.lambda_.invoke(HANDLER, event).payload


def drain(client) -> list[tuple[dict, int]]:
    """Hand every message on the events queue (none may be delayed) to the handler;
    returns what the handler queued again (body, delay)."""
    due = take(queue.events_queue_name())
    assert all(delay == 0 for _, delay in due), due
    result = run_handler(client, [m for m, _ in due])
    assert result == {"batchItemFailures": []}, result
    return take(queue.events_queue_name())


def create_endpoint(client, key, url, types=("credential.created",), **extra):
    return post(client, "/webhooks/endpoints", key, {"url": url, "event_types": list(types), **extra})


def deliveries(client, key, endpoint_id, query=""):
    res = client.http.get(f"/webhooks/endpoints/{endpoint_id}/deliveries{query}", headers=auth(key))
    assert res.status_code == 200, res.body
    return body(res)


REAL_UTCNOW = clock.utcnow


def freeze(monkeypatch, offset: timedelta = timedelta(0), base: datetime | None = None) -> int:
    """Stop the webhook service's clock at `base` (default: now) + `offset`; returns that
    moment as a Unix timestamp."""
    moment = (base or clock.utcnow()) + offset
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
    return int(moment.timestamp())


# ---------------------------------------------------------------- the happy path


def test_signed_event_reaches_the_endpoint_and_the_log_shows_it(client, queues, receiver, monkeypatch):
    now = freeze(monkeypatch)
    tenant, key = new_issuer()
    res = create_endpoint(client, key, receiver.url, ("credential.created", "credential.revoked"),
                          description="LMS sync")
    assert res.status_code == 201, res.body
    created = body(res)
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) >= 40
    assert created["status"] == "active" and created["event_types"] == ["credential.created", "credential.revoked"]

    # the secret is shown once: never in a later read
    for path in ("/webhooks/endpoints", f"/webhooks/endpoints/{created['id']}"):
        res = client.http.get(path, headers=auth(key))
        assert res.status_code == 200 and secret not in res.body.decode() and '"secret"' not in res.body.decode()
    listed = body(client.http.get("/webhooks/endpoints", headers=auth(key)))["items"]
    assert [e["id"] for e in listed] == [created["id"]]

    events.emit(tenant, "credential.accepted", CREDENTIAL)  # not subscribed: nothing happens
    assert take(queue.events_queue_name()) == []
    events.emit(tenant, "credential.created", CREDENTIAL)
    assert drain(client) == []

    [request] = receiver.requests
    raw, headers = request["body"], request["headers"]
    event = json.loads(raw)
    assert request["path"] == "/hooks/laurel" and headers["Content-Type"] == "application/json"
    assert event["type"] == "credential.created" and event["tenant_id"] == tenant and event["data"] == CREDENTIAL
    assert event["id"].startswith("evt_") and len(event["id"]) >= 36 and event["created_at"].endswith("Z")
    assert headers["Laurel-Event-Id"] == event["id"] and headers["Laurel-Event-Type"] == "credential.created"
    assert headers["Laurel-Delivery-Attempt"] == "1"
    signature = headers["Laurel-Signature"]
    assert signature.startswith(f"t={now},")  # signed at delivery time
    assert rules.verify([secret.encode()], signature, raw, now=now)

    log = deliveries(client, key, created["id"])
    [d] = log["items"]
    assert d["status"] == "delivered" and d["attempt_count"] == 1 and d["event_id"] == event["id"]
    assert d["id"] == headers["Laurel-Delivery-Id"] and log["next_cursor"] is None
    [attempt] = d["attempts"]
    assert attempt["status_code"] == 200 and attempt["response"] == "ok" and attempt["error"] is None
    assert attempt["attempt"] == 1 and attempt["at"].endswith("Z")


def test_failures_back_off_then_dead_letter_and_resend_starts_over(client, queues, receiver, monkeypatch):
    start = clock.utcnow()
    t0 = freeze(monkeypatch, base=start)
    tenant, key = new_issuer()
    endpoint = body(create_endpoint(client, key, receiver.url))
    receiver.status = 500
    events.emit(tenant, "credential.created", CREDENTIAL)
    [(message, delay)] = drain(client)

    # attempt 1 failed: recorded, and the message is back on the queue for 30 s
    assert delay == 30 and message["attempt"] == 2 and message["not_before"] == t0 + 30
    [d] = deliveries(client, key, endpoint["id"])["items"]
    assert d["status"] == "pending" and d["attempt_count"] == 1 and d["next_attempt_at"]
    [attempt] = d["attempts"]
    assert attempt["status_code"] == 500 and attempt["response"] == "boom   broken"  # control characters blanked

    # arriving early (before not_before) it only goes back on the queue with the rest of the wait
    assert run_handler(client, [message]) == {"batchItemFailures": []}
    [(again, delay)] = take(queue.events_queue_name())
    assert again == message and delay == 30 and len(receiver.requests) == 1
    freeze(monkeypatch, timedelta(seconds=29), start)
    run_handler(client, [message])
    assert take(queue.events_queue_name()) == [(message, 1)] and len(receiver.requests) == 1

    # a long wait is split into 15-minute hops (SQS delays a message 900 s at most)
    freeze(monkeypatch, timedelta(seconds=-3600), start)
    run_handler(client, [message])
    assert take(queue.events_queue_name()) == [(message, 900)]

    # once due: attempt 2 is made, fails, and attempt 3 waits 2 minutes
    t2 = freeze(monkeypatch, timedelta(seconds=30), start)
    run_handler(client, [message])
    assert len(receiver.requests) == 2 and receiver.requests[1]["headers"]["Laurel-Delivery-Attempt"] == "2"
    [(message, delay)] = take(queue.events_queue_name())
    assert message["attempt"] == 3 and delay == 120 and message["not_before"] == t2 + 120

    # the same message twice (SQS is at-least-once): the second one is dropped
    run_handler(client, [{**message, "attempt": 2, "not_before": 0}])
    assert len(receiver.requests) == 2 and take(queue.events_queue_name()) == []

    # the schedule's end: pretend 13 attempts were made; the 14th fails for good
    item = store.get_delivery(tenant, d["id"])
    item.update(actions=[type(item).attempt_count.set(rules.max_attempts() - 1)])
    last = {**message, "attempt": rules.max_attempts(), "not_before": 0}
    run_handler(client, [last])
    assert take(queue.events_queue_name()) == []
    [(dead, _)] = take(queue.events_dlq_name())
    assert dead == {"tenant_id": tenant, "delivery_id": d["id"], "attempt": rules.max_attempts(),
                    "reason": "retries exhausted"}
    [d] = deliveries(client, key, endpoint["id"])["items"]
    assert d["status"] == "failed" and d["failed_at"] and d["next_attempt_at"] is None
    assert d["attempt_count"] == rules.max_attempts() and len(d["attempts"]) == 3

    # a failed delivery's message arriving again changes nothing
    run_handler(client, [last])
    assert len(receiver.requests) == 3 and take(queue.events_dlq_name()) == []

    # resend: the same event as a new delivery with its own attempts
    receiver.status = 204
    res = post(client, f"/webhooks/deliveries/{d['id']}/resend", key, b"")
    assert res.status_code == 202, res.body
    resent = body(res)
    assert resent["resent_from"] == d["id"] and resent["status"] == "pending" and resent["event_id"] == d["event_id"]
    monkeypatch.setattr(clock, "utcnow", REAL_UTCNOW)
    assert drain(client) == []
    assert json.loads(receiver.requests[-1]["body"])["id"] == d["event_id"]
    log = {x["id"]: x for x in deliveries(client, key, endpoint["id"])["items"]}
    assert log[resent["id"]]["status"] == "delivered" and log[resent["id"]]["attempts"][0]["status_code"] == 204
    assert log[d["id"]]["status"] == "failed"


def test_unreachable_endpoint_is_recorded_as_an_error(client, queues, receiver):
    tenant, key = new_issuer()
    url = receiver.url
    endpoint = body(create_endpoint(client, key, url))
    receiver.close()  # nothing listens any more
    events.emit(tenant, "credential.created", CREDENTIAL)
    [(message, _)] = drain(client)
    assert message["attempt"] == 2
    [d] = deliveries(client, key, endpoint["id"])["items"]
    [attempt] = d["attempts"]
    assert attempt["status_code"] is None and "could not reach" in attempt["error"]


def test_disabled_endpoints_get_nothing_and_pending_deliveries_are_cancelled(client, queues, receiver):
    tenant, key = new_issuer()
    endpoint = body(create_endpoint(client, key, receiver.url))
    events.emit(tenant, "credential.created", CREDENTIAL)
    pending = take(queue.events_queue_name())
    res = post(client, f"/webhooks/endpoints/{endpoint['id']}/disable", key, b"")
    assert res.status_code == 200 and body(res)["status"] == "disabled" and body(res)["disabled_at"]
    assert post(client, f"/webhooks/endpoints/{endpoint['id']}/disable", key, b"").status_code == 200

    run_handler(client, [m for m, _ in pending])
    assert receiver.requests == []
    [d] = deliveries(client, key, endpoint["id"])["items"]
    assert d["status"] == "cancelled"
    events.emit(tenant, "credential.created", CREDENTIAL)
    assert take(queue.events_queue_name()) == []
    res = post(client, f"/webhooks/deliveries/{d['id']}/resend", key, b"")
    assert res.status_code == 409 and body(res)["error"]["code"] == "endpoint_disabled"


def test_handler_reports_only_the_broken_message_as_failed(client, queues, receiver):
    tenant, key = new_issuer()
    body(create_endpoint(client, key, receiver.url))
    events.emit(tenant, "credential.created", CREDENTIAL)
    [(good, _)] = take(queue.events_queue_name())
    result = run_handler(client, [{"nonsense": True}, good])
    assert result == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    assert len(receiver.requests) == 1


def test_deliveries_are_listed_newest_first_in_pages(client, queues, receiver):
    tenant, key = new_issuer()
    endpoint = body(create_endpoint(client, key, receiver.url))
    for _ in range(3):
        events.emit(tenant, "credential.created", CREDENTIAL)
    take(queue.events_queue_name())
    page = deliveries(client, key, endpoint["id"], "?limit=2")
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = deliveries(client, key, endpoint["id"], f"?limit=2&cursor={page['next_cursor']}")
    assert len(rest["items"]) == 1
    ids = [d["id"] for d in page["items"] + rest["items"]]
    assert len(set(ids)) == 3
    created = [d["created_at"] for d in page["items"] + rest["items"]]
    assert created == sorted(created, reverse=True)

    # another tenant cannot page through this endpoint with a cursor of its own making
    _, other_key = new_issuer("Other")
    other = body(create_endpoint(client, other_key, receiver.url))
    res = client.http.get(f"/webhooks/endpoints/{other['id']}/deliveries?cursor={page['next_cursor']}",
                          headers=auth(other_key))
    assert res.status_code == 400 and body(res)["error"]["code"] == "invalid_cursor"
    assert client.http.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries?limit=51",
                           headers=auth(key)).status_code == 400


# ---------------------------------------------------------------- rotation


def test_rotation_cosigns_with_both_secrets_for_24_hours(client, queues, receiver, monkeypatch):
    tenant, key = new_issuer()
    endpoint = body(create_endpoint(client, key, receiver.url))
    old = endpoint["secret"]
    res = post(client, f"/webhooks/endpoints/{endpoint['id']}/rotate-secret", key, b"")
    assert res.status_code == 200, res.body
    rotated = body(res)
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_") and rotated["previous_secret_expires_at"]
    assert new not in client.http.get(f"/webhooks/endpoints/{endpoint['id']}", headers=auth(key)).body.decode()

    events.emit(tenant, "credential.created", CREDENTIAL)
    drain(client)
    request = receiver.requests[-1]
    signature, raw = request["headers"]["Laurel-Signature"], request["body"]
    t, v_new, v_old = signature.split(",")
    ts = int(t.removeprefix("t="))
    assert v_new == f"v1={rules.sign(new.encode(), ts, raw)}" and v_old == f"v1={rules.sign(old.encode(), ts, raw)}"
    assert rules.verify([new.encode()], signature, raw, now=ts)
    assert rules.verify([old.encode()], signature, raw, now=ts)

    # after the grace period only the new secret signs
    ts = freeze(monkeypatch, timedelta(hours=25))
    events.emit(tenant, "credential.created", CREDENTIAL)
    drain(client)
    request = receiver.requests[-1]
    signature, raw = request["headers"]["Laurel-Signature"], request["body"]
    assert signature.count("v1=") == 1
    assert rules.verify([new.encode()], signature, raw, now=ts)
    assert not rules.verify([old.encode()], signature, raw, now=ts)


# ---------------------------------------------------------------- isolation and input


def test_another_tenants_ids_answer_404(client, queues, receiver):
    tenant, key = new_issuer()
    endpoint = body(create_endpoint(client, key, receiver.url))
    events.emit(tenant, "credential.created", CREDENTIAL)
    take(queue.events_queue_name())
    [d] = deliveries(client, key, endpoint["id"])["items"]

    _, other = new_issuer("Mallory Inc")
    eid = endpoint["id"]
    for method, path in [("GET", f"/webhooks/endpoints/{eid}"), ("POST", f"/webhooks/endpoints/{eid}/rotate-secret"),
                         ("POST", f"/webhooks/endpoints/{eid}/disable"),
                         ("GET", f"/webhooks/endpoints/{eid}/deliveries"),
                         ("POST", f"/webhooks/deliveries/{d['id']}/resend"),
                         ("GET", "/webhooks/endpoints/nothex"), ("POST", "/webhooks/deliveries/NOT-AN-ID/resend")]:
        res = client.http.request(method, path, headers=auth(other), body=b"")
        assert res.status_code == 404, (path, res.body)
        assert body(res)["error"]["code"] == "not_found"
    assert body(client.http.get("/webhooks/endpoints", headers=auth(other)))["items"] == []
    assert body(client.http.get(f"/webhooks/endpoints/{eid}", headers=auth(key)))["status"] == "active"
    assert client.http.get("/webhooks/endpoints").status_code == 401
    assert post(client, "/webhooks/endpoints", None, {"url": receiver.url, "event_types": ["template.changed"]}
                ).status_code == 401


@pytest.mark.parametrize("url", [
    "http://93.184.216.34/hook",  # plain HTTP
    "https://127.0.0.1/hook", "https://10.0.0.7/hook", "https://192.168.1.1/hook", "https://169.254.169.254/latest",
    "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://0.0.0.0/hook", "https://localhost/hook",
    "https://user:pw@93.184.216.34/hook", "ftp://93.184.216.34/hook", "https:///nohost", "https://93.184.216.34:99999/",
])
def test_unsafe_endpoint_urls_are_refused(client, url):
    _, key = new_issuer()
    res = create_endpoint(client, key, url)
    assert res.status_code == 422, (url, res.body)
    assert not [i for i in scan_table() if i["sk"].startswith("WHE#")]


def test_endpoint_input_is_validated(client):
    _, key = new_issuer()
    good = {"url": "https://93.184.216.34/hook", "event_types": ["credential.revoked"]}
    for bad in [{**good, "extra": 1}, {**good, "event_types": []}, {**good, "event_types": ["credential.eaten"]},
                {**good, "url": "https://93.184.216.34/" + "a" * 2000}, {**good, "description": "x" * 501},
                {**good, "url": "https://93.184.216.34/a b"}, {"url": good["url"]}]:
        res = post(client, "/webhooks/endpoints", key, bad)
        assert res.status_code == 422, (bad, res.body)
    # the wrong JSON type is a 400 naming the field (issue 12: strict types)
    res = post(client, "/webhooks/endpoints", key, {**good, "event_types": "all"})
    assert res.status_code == 400 and body(res)["error"]["code"] == "invalid_type", res.body
    assert post(client, "/webhooks/endpoints", key, b"[1]").status_code == 400
    assert post(client, "/webhooks/endpoints", key, b"{").status_code == 400
    assert not [i for i in scan_table() if i["sk"].startswith("WHE#")]
    # a public HTTPS address passes (an IP literal: no DNS needed here)
    res = post(client, "/webhooks/endpoints", key, {**good, "event_types": ["credential.revoked"] * 2})
    assert res.status_code == 201 and body(res)["event_types"] == ["credential.revoked"]


def test_endpoints_per_issuer_are_capped(client, monkeypatch):
    _, key = new_issuer()
    monkeypatch.setattr(events, "MAX_ENDPOINTS", 2)
    for _ in range(2):
        assert create_endpoint(client, key, "https://93.184.216.34/hook").status_code == 201
    res = create_endpoint(client, key, "https://93.184.216.34/hook")
    assert res.status_code == 409 and body(res)["error"]["code"] == "too_many_endpoints"


# ---------------------------------------------------------------- signatures and schedule (pure)


def test_verify_rejects_wrong_secret_tampering_staleness_and_garbage():
    secret, raw, now = b"whsec_right", b'{"id":"evt_1"}', 1_750_000_000
    header = f"t={now},v1={rules.sign(secret, now, raw)}"
    assert rules.verify([secret], header, raw, now=now)
    assert rules.verify([b"whsec_other", secret], header, raw, now=now + 299)  # any of several secrets
    assert not rules.verify([b"whsec_wrong"], header, raw, now=now)
    assert not rules.verify([secret], header, raw + b" ", now=now)
    assert not rules.verify([secret], header, b'{"id":"evt_2"}', now=now)
    assert not rules.verify([secret], header, raw, now=now + 301)  # stale
    assert not rules.verify([secret], header, raw, now=now - 301)  # from the future
    assert not rules.verify([secret], f"t={now + 1},v1={rules.sign(secret, now, raw)}", raw, now=now)
    assert not rules.verify([], header, raw, now=now)
    for garbage in [None, "", "t=1", f"v1={rules.sign(secret, now, raw)}", "nonsense", f"t=x,{header[13:]}",
                    f"t={now},t={now},v1={rules.sign(secret, now, raw)}", "t=" + "9" * 40 + ",v1=00",
                    header + ",v1=" + "0" * 64 * 100]:
        assert not rules.verify([secret], garbage, raw, now=now), garbage
    assert rules.verify([secret], f"t={now},v0=abc,v1={'0' * 64},v1={rules.sign(secret, now, raw).upper()}", raw,
                        now=now)


def test_retry_schedule_covers_three_days_then_gives_up():
    delays = []
    attempt = 1
    while (delay := rules.next_delay(attempt)) is not None:
        delays.append(delay)
        attempt += 1
    assert delays[:9] == [30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200]
    assert sum(delays) == 72 * 3600 and max(delays) == 12 * 3600
    assert all(d > 0 for d in delays)
    assert attempt == rules.max_attempts() == len(delays) + 1
    assert rules.next_delay(attempt + 5) is None
    with pytest.raises(ValueError):
        rules.next_delay(0)


def test_a_dripping_endpoint_cannot_hold_the_worker(monkeypatch):
    """The watchdog ends the exchange at twice the policy's timeout wherever the answer
    is. Its timer is fired by the endpoint's progress (four header lines in), not by the
    wall clock; without the watchdog the worker would wait for the whole answer."""
    import socket
    from types import SimpleNamespace

    dripping = threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def drip():
        conn, _ = server.accept()
        conn.recv(65536)
        with contextlib.suppress(OSError):  # the worker's watchdog hangs up mid-answer: that is the point
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for n in range(90):  # under http.client's 100-header limit, then a complete answer
                conn.sendall(b"X-Slow: 1\r\n")
                if n == 3:
                    dripping.set()
                time.sleep(0.02)
            conn.sendall(b"Content-Length: 2\r\n\r\nok")
        conn.close()

    watchdogs = []

    class Watchdog:  # threading.Timer's interface
        def __init__(self, interval, function, args=()):
            self.interval, self.function, self.args, self.cancelled = interval, function, args, False
            watchdogs.append(self)

        def start(self):
            threading.Thread(target=lambda: dripping.wait() and not self.cancelled and self.function(*self.args),
                             daemon=True).start()

        def cancel(self):
            self.cancelled = True

    monkeypatch.setattr(webhook_http, "threading", SimpleNamespace(Timer=Watchdog, Event=threading.Event))
    threading.Thread(target=drip, daemon=True).start()
    with pytest.raises(webhook_http.FetchError, match="did not answer within 10 seconds"):
        webhook_http.post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {},
                          webhook_http.Policy(allow_http=True, allow_private=True, timeout=5))
    assert [w.interval for w in watchdogs] == [10.0]  # armed once, for twice the timeout from the start
    server.close()


def test_a_rotation_from_a_stale_read_is_refused_and_its_secret_never_signs(client, queues, receiver, monkeypatch):
    """Two rotations racing: the one that read the endpoint before the other wrote is
    refused (409), so the secret it would have handed out is never stored."""
    tenant, key = new_issuer()
    endpoint = body(create_endpoint(client, key, receiver.url))
    stale = store.get_endpoint(tenant, endpoint["id"])
    # (the update is keyed on `updated_at`, which has whole seconds: the rotation comes a second later)
    freeze(monkeypatch, timedelta(seconds=1))
    first = body(post(client, f"/webhooks/endpoints/{endpoint['id']}/rotate-secret", key, b""))["secret"]
    with monkeypatch.context() as m:
        m.setattr(store, "get_endpoint", lambda *_, **__: stale)
        res = post(client, f"/webhooks/endpoints/{endpoint['id']}/rotate-secret", key, b"")
    assert res.status_code == 409 and body(res)["error"]["code"] == "concurrent_update", res.body
    assert store.get_endpoint(tenant, endpoint["id"], consistent=True).secret == first
