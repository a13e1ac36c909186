"""Tenant isolation: tenant B's key against tenant A's objects answers 404 and changes nothing."""

import re

import pytest

from app import app
from tests.conftest import body, list_bucket, scan_table, sent_mail
from tests.helpers import PNG, active_template, auth, issue, new_issuer, post

BODIES = {
    ("PATCH", "/templates/{template_id}"): '{"name": "hijacked"}',
    ("PUT", "/templates/{template_id}/image"): PNG,
    ("POST", "/credentials/{credential_id}/revoke"): '{"reason": "hijacked"}',
    ("PUT", "/credentials/{credential_id}/recipient"): '{"email": "mallory@example.com"}',
    ("PUT", "/integrations/{integration_id}/rules"): '{"rules": {}}',
}
CONTENT_TYPES = {("PUT", "/templates/{template_id}/image"): "image/png"}


def issuer_routes_with_ids():
    # public routes, and /ops (operator key; tests/integration/test_ops.py)
    # earner pages (/signin, /wallet, /profiles) are guarded by sessions: tests/integration/test_wallet.py
    public = ("/badges/", "/claim/", "/_local/", "/ob/", "/.well-known/", "/verify", "/imports", "/hooks/", "/ops/",
              "/signin/", "/wallet/", "/profiles/", "/console",  # the console: tests/integration/test_console_matrix.py
              "/static/",  # the public pages' copy script (tests/integration/test_sharing.py)
              "/u/")  # a public profile by its vanity address (tests/integration/test_profile.py)
    for path, methods in app.routes.items():
        if "{" in path and not path.startswith(public):
            for method in methods:
                yield method, path


@pytest.fixture()
def two_tenants(client, monkeypatch):
    from chalicelib.adapters import webhook_http
    from chalicelib.services import events

    monkeypatch.setattr(events, "_policy", lambda: webhook_http.policy_for(True))  # a receiver on loopback
    _, key_a = new_issuer("Tenant A")
    _, key_b = new_issuer("Tenant B")
    tpl_a = active_template(client, key_a)
    endpoint_a = body(post(client, "/webhooks/endpoints", key_a, {"url": "http://127.0.0.1:9/hook",
                                                                   "event_types": ["credential.created"]}))["id"]
    cred_a = body(issue(client, key_a, tpl_a))
    delivery_a = body(client.http.get(f"/webhooks/endpoints/{endpoint_a}/deliveries",
                                      headers=auth(key_a)))["items"][0]["id"]
    job_a = body(client.http.post("/bulk-jobs?suppress_email=true", headers={**auth(key_a), "Content-Type": "text/csv"},
                                  body=f"email,first_name,last_name,template_id\nz@example.com,Z,Z,{tpl_a}\n"))["id"]
    extra_key_a = body(post(client, "/issuer/api-keys", key_a, {}))["id"]
    active_template(client, key_b, name="B's own")
    integration_a = body(post(client, "/integrations", key_a, {"name": "LMS", "rules": {
        "c1": {"template_id": tpl_a}}}))["id"]
    request_a = body(post(client, "/support-requests", key_a, {"subject": "s", "description": "d",
                                                              "severity": 3}))["id"]
    export_a = body(post(client, "/export-jobs", key_a, {"kind": "awards"}))["id"]
    return {"request_id": request_a, "key_a": key_a, "key_b": key_b, "template_id": tpl_a, "credential_id": cred_a["id"],
            "key_id": extra_key_a, "integration_id": integration_a, "endpoint_id": endpoint_a,
            "delivery_id": delivery_a, "job_id": job_a, "export_id": export_a}


def test_every_issuer_route_with_an_id_is_covered():
    routes = set(issuer_routes_with_ids())
    params = {p for _, path in routes for p in re.findall(r"{(\w+)}", path)}
    assert params == {"template_id", "credential_id", "key_id", "integration_id", "endpoint_id", "delivery_id",
                      "job_id", "request_id", "export_id"}
    assert len(routes) >= 9


def test_other_tenants_ids_answer_404_and_change_nothing(client, two_tenants):
    t = two_tenants
    table_before, bucket_before, mail_before = scan_table(), list_bucket(), len(sent_mail())
    for method, path in issuer_routes_with_ids():
        url = re.sub(r"{(\w+)}", lambda m: t[m.group(1)], path)
        headers = auth(t["key_b"])
        headers["Content-Type"] = CONTENT_TYPES.get((method, path), "application/json")
        res = client.http.request(method, url, headers=headers, body=BODIES.get((method, path), b""))
        assert res.status_code == 404, (method, path, res.body)
        assert body(res)["error"]["code"] == "not_found", (method, path)
    # issuing from A's template with B's key
    assert issue(client, t["key_b"], t["template_id"]).status_code == 404
    assert scan_table() == table_before
    assert list_bucket() == bucket_before
    assert len(sent_mail()) == mail_before


def test_listings_show_only_own_objects(client, two_tenants):
    t = two_tenants
    templates_b = body(client.http.get("/templates", headers=auth(t["key_b"])))["items"]
    assert [x["name"] for x in templates_b] == ["B's own"]
    assert body(client.http.get("/credentials", headers=auth(t["key_b"])))["items"] == []
    by_email = client.http.get("/credentials?email=grace@example.com", headers=auth(t["key_b"]))
    assert body(by_email)["items"] == []
    keys_b = body(client.http.get("/issuer/api-keys", headers=auth(t["key_b"])))["items"]
    assert t["key_id"] not in [k["id"] for k in keys_b]


def test_a_cursor_from_another_tenant_is_refused(client, two_tenants):
    t = two_tenants
    active_template(client, t["key_a"], name="A2")
    page = body(client.http.get("/templates?limit=1", headers=auth(t["key_a"])))
    assert page["next_cursor"]
    res = client.http.get(f"/templates?cursor={page['next_cursor']}", headers=auth(t["key_b"]))
    assert res.status_code == 400 and body(res)["error"]["code"] == "invalid_cursor"
    issue(client, t["key_a"], t["template_id"], email="second@example.com")
    page = body(client.http.get("/credentials?limit=1", headers=auth(t["key_a"])))
    res = client.http.get(f"/credentials?cursor={page['next_cursor']}", headers=auth(t["key_b"]))
    assert res.status_code == 400
