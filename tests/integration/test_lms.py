"""LMS webhooks: signed completions, pass rules, exactly-once delivery, rotation, the event log."""

from __future__ import annotations

import json
import threading
import time

import pytest

from chalicelib.domain.webhooks import signature_header
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, auth, new_issuer, post


@pytest.fixture()
def lms(client):
    _, key = new_issuer()
    tpl = active_template(client, key, name="Cloud Basics")
    res = post(client, "/integrations", key, {"name": "Academy LMS", "rules": {
        "cloud-101": {"template_id": tpl, "retake_text": "Book your retake at lms.example/retake."}}})
    assert res.status_code == 201, res.body
    integration = body(res)
    return {"key": key, "tpl": tpl, "id": integration["id"], "secret": integration["secret"]}


def completion(score, event_id="evt-1", email="learner@example.com", **extra):
    return {"event": "course.completed", "event_id": event_id, "email": email, "first_name": "Lea",
            "last_name": "Rner", "course_id": "cloud-101", "score": score, **extra}


def deliver(client, lms, payload, secret=None, ts=None):
    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    header = signature_header([(secret or lms["secret"]).encode()], int(ts or time.time()), raw)
    return client.http.post(f"/hooks/lms/{lms['id']}", headers={"Content-Type": "application/json",
                                                                "Laurel-Signature": header}, body=raw)


def credentials_of(client, key):
    return body(client.http.get("/credentials", headers=auth(key)))["items"]


def test_pass_issues_once_even_when_delivered_three_times(client, lms):
    answers = [deliver(client, lms, completion(85)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(body(a) == body(answers[0]) for a in answers) and body(answers[0])["status"] == "issued"
    creds = credentials_of(client, lms["key"])
    assert len(creds) == 1 and creds[0]["recipient"]["email"] == "learner@example.com"
    assert len(sent_mail()) == 1
    log = body(client.http.get(f"/integrations/{lms['id']}/events", headers=auth(lms["key"])))["items"]
    assert len(log) == 1 and log[0]["outcome"] == "issued" and log[0]["credential_id"] == creds[0]["id"]
    assert log[0]["rule"]["template_id"] == lms["tpl"] and "85 >= threshold 80" in log[0]["detail"]


def test_exactly_80_passes_and_79_9_gets_the_retake_mail(client, lms):
    assert body(deliver(client, lms, completion(80, "a")))["status"] == "issued"
    res = deliver(client, lms, completion(79.9, "b", email="other@example.com"))
    assert body(res)["status"] == "retake"
    mail = sent_mail()[-1]
    assert mail["to"] == ["other@example.com"] and "retake" in mail["subject"].lower()
    assert "Book your retake at lms.example/retake." in mail["body"]
    assert len(credentials_of(client, lms["key"])) == 1


def test_seventy_percent_sends_retake_and_issues_nothing(client, lms):
    res = deliver(client, lms, completion(70))
    assert res.status_code == 200 and body(res)["status"] == "retake"
    assert credentials_of(client, lms["key"]) == [] and len(sent_mail()) == 1


def test_same_event_at_the_same_moment_yields_one_credential(client, lms, monkeypatch):
    from chalicelib.services import credentials, lms as service

    original, entered, release = credentials.issue, threading.Event(), threading.Event()

    def slow_issue(*args, **kwargs):
        entered.set()
        release.wait(5)
        return original(*args, **kwargs)

    monkeypatch.setattr(credentials, "issue", slow_issue)
    raw = json.dumps(completion(92)).encode()
    results = {}

    def first():
        results["first"] = service.receive(service.authenticate(lms["id"], signature_header(
            [lms["secret"].encode()], int(time.time()), raw), raw), raw)

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(5)
    second = deliver(client, lms, raw)
    release.set()
    thread.join(10)
    assert second.status_code == 409 and body(second)["error"]["code"] == "in_progress"
    assert results["first"]["status"] == "issued"
    assert len(credentials_of(client, lms["key"])) == 1 and len(sent_mail()) == 1
    assert body(deliver(client, lms, raw)) == results["first"]  # the retry gets the first answer


def test_events_without_an_id_are_keyed_by_their_body(client, lms):
    payload = completion(90)
    del payload["event_id"]
    deliver(client, lms, payload)
    deliver(client, lms, payload)
    assert len(credentials_of(client, lms["key"])) == 1
    deliver(client, lms, {**payload, "email": "two@example.com"})
    assert len(credentials_of(client, lms["key"])) == 2


def test_thought_industries_envelope(client, _lms_ti):
    lms = _lms_ti
    payload = {"event": "course.completed", "id": "ti-77", "timestamp": 1763800000,
               "data": {"learner": {"email": "ti@example.com", "firstName": "Tia", "lastName": "Ind"},
                        "courseId": "cloud-101", "percent": 88, "completedAt": "2026-11-20T10:00:00Z"}}
    res = deliver(client, lms, payload)
    assert body(res)["status"] == "issued", res.body
    cred = credentials_of(client, lms["key"])[0]
    assert cred["recipient"]["first_name"] == "Tia" and cred["issued_at"] == "2026-11-20T10:00:00Z"


@pytest.fixture()
def _lms_ti(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    integration = body(post(client, "/integrations", key, {"name": "TI", "format": "thought_industries",
                                                           "rules": {"cloud-101": {"template_id": tpl}}}))
    return {"key": key, "tpl": tpl, "id": integration["id"], "secret": integration["secret"]}


def test_unknown_events_are_acknowledged_and_logged(client, lms):
    res = deliver(client, lms, {"event": "user.created", "event_id": "u1", "email": "x@example.com"})
    assert res.status_code == 202 and body(res) == {"status": "ignored", "event_type": "user.created"}
    log = body(client.http.get(f"/integrations/{lms['id']}/events", headers=auth(lms["key"])))["items"]
    assert log[0]["outcome"] == "ignored"
    res = deliver(client, lms, completion(90, course_id="unknown-course"))
    assert body(res)["status"] == "no_rule" and credentials_of(client, lms["key"]) == []


def test_unsigned_forged_and_stale_requests_are_401_and_store_nothing(client, lms):
    before = scan_table()
    raw = json.dumps(completion(99)).encode()
    url = f"/hooks/lms/{lms['id']}"
    assert client.http.post(url, headers={"Content-Type": "application/json"}, body=raw).status_code == 401
    forged = signature_header([b"whsec_not-the-secret"], int(time.time()), raw)
    assert client.http.post(url, headers={"Laurel-Signature": forged}, body=raw).status_code == 401
    assert deliver(client, lms, completion(99), ts=time.time() - 301).status_code == 401
    good = signature_header([lms["secret"].encode()], int(time.time()), raw)
    tampered = raw.replace(b"99", b"100")
    assert client.http.post(url, headers={"Laurel-Signature": good}, body=tampered).status_code == 401
    assert client.http.post(url, headers={"Laurel-Signature": "t=abc,v1=zz"}, body=raw).status_code == 401
    assert scan_table() == before and sent_mail() == []
    assert client.http.post("/hooks/lms/nope", headers={"Laurel-Signature": good}, body=raw).status_code == 404


def test_bad_payloads_are_4xx(client, lms):
    assert deliver(client, lms, b"{not json").status_code == 400
    assert deliver(client, lms, b"[1]").status_code == 400
    for bad in [completion(101), completion(-1), completion(None), {**completion(90), "email": ""}]:
        assert deliver(client, lms, bad).status_code == 422, bad
    # a string is not a score, whatever it holds (issue 12: strict types): 400 naming the field
    for bad in [completion("abc"), completion("99")]:
        res = deliver(client, lms, bad)
        assert res.status_code == 400 and body(res)["error"]["details"][0]["field"] == "score", res.body


def test_overflowing_scores_are_refused_not_a_500(client, lms):
    # 1e999999 is a valid JSON number that no float holds (Python reads it as infinity)
    template = json.dumps(completion("SCORE", max_score="MAX"))
    for score, max_score, status, field in [("1e999999", "100", 422, "score"), ("90", "1e999999", 422, "max_score"),
                                            ('"1e999999"', "1", 400, "score")]:  # a string is never a score
        res = deliver(client, lms, template.replace('"SCORE"', score).replace('"MAX"', max_score).encode())
        assert res.status_code == status and body(res)["error"]["details"][0]["field"] == field, res.body
    assert credentials_of(client, lms["key"]) == []


def test_secret_rotation_keeps_both_until_the_old_is_retired(client, lms):
    old = lms["secret"]
    rotated = body(post(client, f"/integrations/{lms['id']}/rotate-secret", lms["key"], b""))
    new = rotated["secret"]
    assert rotated["rotation_in_progress"] is True and new != old
    assert deliver(client, lms, completion(90, "r1", email="a@example.com"), secret=old).status_code == 200
    assert deliver(client, lms, completion(90, "r2", email="b@example.com"), secret=new).status_code == 200
    post(client, f"/integrations/{lms['id']}/retire-secret", lms["key"], b"")
    assert deliver(client, lms, completion(90, "r3", email="c@example.com"), secret=old).status_code == 401
    assert deliver(client, lms, completion(90, "r4", email="d@example.com"), secret=new).status_code == 200
    listed = body(client.http.get("/integrations", headers=auth(lms["key"])))["items"]
    assert all("secret" not in i for i in listed)


def test_disabled_integration_is_unknown_and_rules_must_name_own_templates(client, lms):
    post(client, f"/integrations/{lms['id']}/disable", lms["key"], b"")
    assert deliver(client, lms, completion(90)).status_code == 404
    _, other_key = new_issuer("Other")
    res = post(client, "/integrations", other_key, {"name": "x", "rules": {"c": {"template_id": lms["tpl"]}}})
    assert res.status_code == 404
    res = post(client, "/integrations", lms["key"], {"name": "x", "rules": {"c": {"template_id": lms["tpl"],
                                                                                  "threshold": 120}}})
    assert res.status_code == 422
