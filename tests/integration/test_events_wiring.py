"""The credential lifecycle and template edits emit their outbound events, with the full object."""

import pytest

from chalicelib.adapters import webhook_http
from chalicelib.services import events
from tests.conftest import body, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post


@pytest.fixture()
def endpoint(client, monkeypatch):
    monkeypatch.setattr(events, "_policy", lambda: webhook_http.policy_for(True))
    _, key = new_issuer()
    created = body(post(client, "/webhooks/endpoints", key, {"url": "http://127.0.0.1:9/hook", "event_types": [
        "credential.created", "credential.accepted", "credential.rejected", "credential.revoked",
        "template.changed"]}))
    return key, created["id"]


def delivered_types(client, key, endpoint_id):
    items = body(client.http.get(f"/webhooks/endpoints/{endpoint_id}/deliveries?limit=50", headers=auth(key)))["items"]
    return sorted(i["event_type"] for i in items)


def test_lifecycle_events(client, endpoint):
    key, endpoint_id = endpoint
    tpl = active_template(client, key)  # image upload and activation: two template.changed
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "x", "suppress_email": True})
    other = body(issue(client, key, tpl, email="second@example.com"))
    token = claim_token_from(sent_mail()[-1]["body"], other["id"])
    post(client, f"/claim/{other['id']}", None, {"token": token, "decision": "reject"})
    assert delivered_types(client, key, endpoint_id) == [
        "credential.accepted", "credential.created", "credential.created", "credential.rejected",
        "credential.revoked", "template.changed", "template.changed"]
