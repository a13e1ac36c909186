"""Audit log: every issuer and operator write leaves an append-only entry; issuers
read their own, operators read all; no route changes an entry."""

import json

import pytest

from chalicelib.services import ops
from tests.conftest import body, scan_table
from tests.helpers import active_template, auth, issue, new_issuer, post


@pytest.fixture()
def operator(aws_env):
    return ops.create_operator_key("tests")


def op(key):
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def entries(client, key, query=""):
    res = client.http.get(f"/audit{query}", headers=auth(key))
    assert res.status_code == 200, res.body
    return body(res)


def audit_items():
    return [i for i in scan_table() if i["pk"].endswith("#AUDIT")]


def test_writes_are_recorded_with_actor_action_target_time_and_source(client):
    tenant, key = new_issuer()
    tpl = active_template(client, key)  # POST /templates, PUT image, POST activate
    cred = body(issue(client, key, tpl))
    client.http.get(f"/credentials/{cred['id']}", headers=auth(key))  # a read: not an action
    res = post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "issued by mistake"})
    assert res.status_code == 200

    items = entries(client, key)["items"]
    actions = [e["action"] for e in items]
    assert actions == [  # newest first
        "POST /credentials/{credential_id}/revoke",
        "POST /credentials",
        "POST /templates/{template_id}/activate",
        "PUT /templates/{template_id}/image",
        "POST /templates",
    ]
    key_ids = {k["id"] for k in body(client.http.get("/issuer/api-keys", headers=auth(key)))["items"]}
    for e in items:
        assert e["tenant_id"] == tenant
        assert e["actor"]["type"] == "api_key" and e["actor"]["id"] in key_ids
        assert e["source_ip"] == "127.0.0.1"
        assert e["at"].endswith("Z") and len(e["at"]) == len("2026-01-01T00:00:00.000Z")
    assert [e["status"] for e in items] == [200, 201, 200, 200, 201]
    assert items[0]["target"] == {"credential_id": cred["id"]}
    assert items[1]["target"] == {"credential_id": cred["id"]}
    assert items[2]["target"] == {"template_id": tpl}
    # the key itself never appears anywhere in the log
    assert key not in json.dumps(audit_items(), default=str)


def test_refused_and_unauthenticated_writes_leave_no_entry(client):
    _, key = new_issuer()
    before = audit_items()
    assert post(client, "/templates", key, {"name": ""}).status_code == 422
    assert post(client, "/templates/0123456789abcdef/activate", key, b"").status_code == 404
    assert post(client, "/templates", None, {"name": "x"}).status_code == 401
    assert audit_items() == before


def test_issuers_see_only_their_own_entries_and_operators_see_all(client, operator):
    tenant_a, key_a = new_issuer("A")
    tenant_b, key_b = new_issuer("B")
    active_template(client, key_a)
    post(client, "/issuer/api-keys", key_b, {"label": "ci"})
    assert {e["tenant_id"] for e in entries(client, key_a)["items"]} == {tenant_a}
    assert [e["action"] for e in entries(client, key_b)["items"]] == ["POST /issuer/api-keys"]

    res = client.http.get("/ops/audit", headers=op(operator))
    assert res.status_code == 200, res.body
    everything = body(res)["items"]
    assert {e["tenant_id"] for e in everything} == {tenant_a, tenant_b}
    assert len(everything) == 4
    only_b = body(client.http.get(f"/ops/audit?tenant_id={tenant_b}", headers=op(operator)))["items"]
    assert [e["tenant_id"] for e in only_b] == [tenant_b]
    # an issuer key does not open the operator listing
    assert client.http.get("/ops/audit", headers=auth(key_a)).status_code == 401


def test_operator_actions_are_recorded_outside_every_tenant(client, operator):
    tenant, key = new_issuer()
    res = client.http.put(f"/ops/issuers/{tenant}/fee", headers=op(operator), body=json.dumps({"monthly_fee": "10.00"}))
    assert res.status_code == 200, res.body
    listed = body(client.http.get("/ops/audit", headers=op(operator)))["items"]
    assert len(listed) == 1
    entry = listed[0]
    assert entry["actor"]["type"] == "operator" and entry["tenant_id"] is None
    assert entry["action"] == "PUT /ops/issuers/{tenant_id}/fee" and entry["target"] == {"tenant_id": tenant}
    assert entries(client, key)["items"] == []


def test_webhook_routes_are_audited(client):
    _, key = new_issuer()
    res = post(client, "/webhooks/endpoints", key,
               {"url": "https://8.8.8.8/hook", "event_types": ["credential.created"]})
    assert res.status_code == 201, res.body
    endpoint = body(res)["id"]
    assert post(client, f"/webhooks/endpoints/{endpoint}/disable", key, b"").status_code == 200
    got = entries(client, key)["items"]
    assert [(e["action"], e["target"]) for e in got] == [
        ("POST /webhooks/endpoints/{endpoint_id}/disable", {"endpoint_id": endpoint}),
        ("POST /webhooks/endpoints", {"endpoint_id": endpoint}),
    ]
    assert "secret" not in json.dumps(got)


def test_every_create_records_the_created_objects_id(client, operator):
    """Issue 12, item 9: a create's entry names what it created, under the name the API
    gives that object's id in its own routes (`/credentials/{credential_id}` ...)."""
    _, key = new_issuer()
    tpl = active_template(client, key)

    def created(res, status=201):
        assert res.status_code == status, res.body
        return body(res)["id"]

    api_key = created(post(client, "/issuer/api-keys", key, {"label": "ci"}))
    cred = created(issue(client, key, tpl))
    support = created(post(client, "/support-requests", key, {"subject": "Help", "description": "Please",
                                                              "severity": 3}))
    integration = created(post(client, "/integrations", key, {"name": "LMS", "rules": {}}))
    endpoint = created(post(client, "/webhooks/endpoints", key,
                            {"url": "https://8.8.8.8/hook", "event_types": ["credential.created"]}))
    csv = f"email,first_name,last_name,template_id\nbulk@example.com,B,C,{tpl}\n".encode()
    job = created(client.http.post("/bulk-jobs?suppress_email=true", headers={**auth(key), "Content-Type": "text/csv"},
                                   body=csv), 202)
    issue(client, key, tpl, email="hook@example.com")  # a credential.created delivery to resend
    deliveries = body(client.http.get(f"/webhooks/endpoints/{endpoint}/deliveries", headers=auth(key)))["items"]
    resent = created(post(client, f"/webhooks/deliveries/{deliveries[0]['id']}/resend", key, b""), 202)
    window = created(client.http.post("/ops/maintenance", headers=op(operator), body=json.dumps({
        "start": "2030-01-10T12:00:00Z", "end": "2030-01-10T13:00:00Z", "reason": "upgrade"})))

    targets = {(e["action"], json.dumps(e["target"], sort_keys=True)) for e in entries(client, key)["items"]}
    expected = [
        ("POST /templates", {"template_id": tpl}),
        ("POST /issuer/api-keys", {"key_id": api_key}),
        ("POST /credentials", {"credential_id": cred}),
        ("POST /support-requests", {"request_id": support}),
        ("POST /integrations", {"integration_id": integration}),
        ("POST /webhooks/endpoints", {"endpoint_id": endpoint}),
        ("POST /bulk-jobs", {"job_id": job}),
        # a new delivery of an old one: both ids (the route names no item route for the new one)
        ("POST /webhooks/deliveries/{delivery_id}/resend", {"delivery_id": deliveries[0]["id"], "created_id": resent}),
    ]
    missing = {(a, json.dumps(t, sort_keys=True)) for a, t in expected} - targets
    assert not missing, (missing, targets)
    ops_entries = body(client.http.get("/ops/audit", headers=op(operator)))["items"]
    # issue 16 added the item route PUT /ops/maintenance/{window_id}: the created id is named after it
    assert [e["target"] for e in ops_entries if e["action"] == "POST /ops/maintenance"] == [{"window_id": window}]


def test_no_route_modifies_or_deletes_entries(client, operator):
    _, key = new_issuer()
    active_template(client, key)
    before = audit_items()
    entry_id = entries(client, key)["items"][0]["id"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path, headers in (("/audit", auth(key)), ("/ops/audit", op(operator))):
            res = client.http.request(method, path, headers=headers, body=b"{}")
            assert res.status_code == 405, (method, path, res.body)
            assert body(res)["error"]["code"]
        res = client.http.request(method, f"/audit/{entry_id}", headers=auth(key), body=b"{}")
        # no route names one entry: API Gateway (and Chalice's emulation of it) refuses an
        # unknown resource with 403 before any Laurel code runs
        assert res.status_code == 403, (method, res.status_code)
    assert audit_items() == before


def test_paging_day_filter_and_forged_cursors(client, operator):
    tenant_a, key_a = new_issuer("A")
    _, key_b = new_issuer("B")
    for n in range(3):
        post(client, "/issuer/api-keys", key_a, {"label": f"k{n}"})
    first = entries(client, key_a, "?limit=2")
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = entries(client, key_a, f"?limit=2&cursor={first['next_cursor']}")
    assert len(rest["items"]) == 1
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in rest["items"]})
    # A's cursor with B's key
    res = client.http.get(f"/audit?cursor={first['next_cursor']}", headers=auth(key_b))
    assert res.status_code == 400 and body(res)["error"]["code"] == "invalid_cursor"

    today = first["items"][0]["at"][:10]
    assert len(entries(client, key_a, f"?day={today}")["items"]) == 3
    assert entries(client, key_a, "?day=1999-01-01")["items"] == []
    for bad in ("2026-13-01", "yesterday", "2026-1-1"):
        res = client.http.get(f"/audit?day={bad}", headers=auth(key_a))
        assert res.status_code == 400 and body(res)["error"]["code"] == "invalid_query", bad
        assert client.http.get(f"/ops/audit?day={bad}", headers=op(operator)).status_code == 400

    page = body(client.http.get(f"/ops/audit?day={today}&limit=2", headers=op(operator)))
    assert page["day"] == today and len(page["items"]) == 2
    more = body(client.http.get(f"/ops/audit?day={today}&limit=2&cursor={page['next_cursor']}",
                                headers=op(operator)))
    assert len(more["items"]) == 1
    res = client.http.get(f"/ops/audit?day=2020-01-01&cursor={page['next_cursor']}", headers=op(operator))
    assert res.status_code == 400
    assert client.http.get("/ops/audit?tenant_id=../x", headers=op(operator)).status_code == 400


def test_a_failed_audit_write_keeps_the_answer_and_is_reported(client, monkeypatch, capsys):
    from chalicelib.store import audit as store

    def broken(fields):
        raise RuntimeError("table unavailable")

    from chalicelib.services import audit

    logged = []

    class Spy:
        def exception(self, message, extra=None):
            logged.append((message, extra))

    monkeypatch.setattr(store, "append", broken)
    monkeypatch.setattr(audit, "_logger", Spy)
    _, key = new_issuer()
    res = post(client, "/issuer/api-keys", key, {"label": "x"})
    assert res.status_code == 201  # the key exists; a 5xx would make the client create another
    out = capsys.readouterr().out
    # the whole entry is in the error log line, so it can be recovered from the logs
    assert [m for m, _ in logged] == ["audit entry not written"]
    assert logged[0][1]["audit"]["route"] == "/issuer/api-keys" and logged[0][1]["audit"]["status"] == 201
    metrics = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    names = {m["Name"] for e in metrics for d in e["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert "AuditWriteFailed" in names


# ------------------------------------------------------------------ joined writes (issue 13: "≤ 6 calls")


def _credential_item(credential_id):
    [item] = [i for i in scan_table() if i.get("credential_id") == credential_id and i["sk"] == "C"]
    return item


def _mail_kinds(credential_id):
    return [(e["kind"], e["ok"]) for e in _credential_item(credential_id).get("mail_log", [])]


def test_an_issuances_mail_record_goes_in_one_transaction_with_its_audit_entry(client):
    from tests.aws_calls import requests

    _, key = new_issuer()
    tpl = active_template(client, key)
    issue(client, key, tpl, email="first@example.com")  # the first takes a block of status indexes
    with requests() as calls:
        cred = body(issue(client, key, tpl))
    last = calls[-1]
    assert [c.name for c in calls[-2:]] == ["sesv2.SendEmail", "dynamodb.TransactWriteItems"]
    writes = last.params["TransactItems"]
    assert [next(iter(w)) for w in writes] == ["Put", "Update"]
    assert writes[0]["Put"]["Item"]["pk"]["S"].endswith("#AUDIT")
    assert writes[1]["Update"]["Key"]["pk"]["S"] == _credential_item(cred["id"])["pk"]
    assert not [c for c in calls if c.name in ("dynamodb.UpdateItem", "dynamodb.PutItem")]
    assert _mail_kinds(cred["id"]) == [("claim", True)]
    assert entries(client, key)["items"][0]["action"] == "POST /credentials"


def test_a_full_mail_history_still_gets_the_new_mail_and_the_request_its_entry(client, monkeypatch):
    """The joined update's condition (room in the history) fails: the transaction writes
    nothing, then each is written alone, the history's last line replaced as before."""
    from chalicelib.store import credentials as credential_store

    monkeypatch.setattr(credential_store, "MAX_MAIL_LOG", 1)
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    assert _mail_kinds(cred["id"]) == [("claim", True)]
    assert post(client, f"/credentials/{cred['id']}/resend", key, {}).status_code == 200
    assert _mail_kinds(cred["id"]) == [("resend", True)]
    assert [e["action"] for e in entries(client, key)["items"][:2]] == [
        "POST /credentials/{credential_id}/resend", "POST /credentials"]


def test_a_failed_joined_write_costs_neither_the_mail_record_nor_the_entry(client, monkeypatch):
    from chalicelib.store import audit as store

    def throttled(fields, joined):
        raise RuntimeError("ProvisionedThroughputExceeded")

    monkeypatch.setattr(store, "append_joined", throttled)
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    assert _mail_kinds(cred["id"]) == [("claim", True)]
    assert entries(client, key)["items"][0]["action"] == "POST /credentials"


def test_a_mail_sent_by_a_refused_request_is_still_recorded(client, monkeypatch):
    """A request that sent a mail and then answered 4xx leaves no audit entry (the rule of
    this log), but the mail it sent is in the credential's history."""
    from chalicelib.domain.errors import BadRequest
    from chalicelib.services import notify

    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    resend = notify.resend_claim

    def resend_then_refuse(item, token):
        resend(item, token)
        raise BadRequest("refused after the mail went out", code="invalid_request")

    monkeypatch.setattr(notify, "resend_claim", resend_then_refuse)
    res = post(client, f"/credentials/{cred['id']}/resend", key, {})
    assert res.status_code == 400
    assert _mail_kinds(cred["id"]) == [("claim", True), ("resend", True)]
    assert entries(client, key)["items"][0]["action"] == "POST /credentials"


def test_a_joined_write_that_committed_but_answered_an_error_is_not_written_twice(client, monkeypatch):
    """The transaction went through and its answer was lost (a timeout on the way back):
    the entry's own key shows it was written, so neither the mail line nor the entry is
    written a second time, and no gap is reported."""
    from chalicelib.services import audit
    from chalicelib.store import audit as store

    commit = store.append_joined
    reported = []

    def committed_then_lost(fields, joined):
        assert commit(fields, joined)
        raise RuntimeError("read timeout on the answer")

    monkeypatch.setattr(store, "append_joined", committed_then_lost)
    monkeypatch.setattr(audit, "_failure_metric", lambda: reported.append(1))
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    assert _mail_kinds(cred["id"]) == [("claim", True)]
    assert [e["action"] for e in entries(client, key)["items"]].count("POST /credentials") == 1
    assert reported == []


def test_a_joined_write_failing_alone_too_does_not_cost_the_entry(client, monkeypatch):
    from chalicelib.store import audit as store
    from chalicelib.store import credentials as credential_store

    def throttled(fields, joined):
        raise RuntimeError("ProvisionedThroughputExceeded")

    def broken(*args, **kwargs):
        raise RuntimeError("not a PynamoDB error")

    monkeypatch.setattr(store, "append_joined", throttled)
    monkeypatch.setattr(credential_store, "log_mail", broken)
    _, key = new_issuer()
    tpl = active_template(client, key)
    res = issue(client, key, tpl)
    assert res.status_code == 201
    assert _mail_kinds(body(res)["id"]) == []
    assert entries(client, key)["items"][0]["action"] == "POST /credentials"
