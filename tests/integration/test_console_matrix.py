"""The console's authorization matrix, walked: every console route, with every role and
with another organization's admin. A refused request answers 403 (or 404 for another
organization's ids) and changes nothing; an allowed one is never refused. The matrix
itself is domain/members.py MATRIX; each route names its action (`guard.member`)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import scan_table
from tests.console_helpers import console_csrf, member, new_organization, sign_in

ROLES = ("read_only", "issuer", "admin")


def _console_routes():
    from app import app

    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            action = getattr(entry.view_function, "laurel_action", None)
            if path.startswith("/console") and action:
                yield method, path, action


def test_every_console_page_but_sign_in_is_behind_the_member_guard():
    from app import app

    open_paths = {"/console/signin", "/console/signin/{login_id}", "/console/choose", "/console/signout",
                  "/console/sso", "/console/sso/callback", "/console/static/{name}"}
    for path, methods in app.routes.items():
        if not path.startswith("/console") or path in open_paths:
            continue
        for method, entry in methods.items():
            assert getattr(entry.view_function, "laurel_audience", None) == "member", (method, path)
            assert getattr(entry.view_function, "laurel_action", None), (method, path)


@pytest.fixture()
def org(client, monkeypatch):
    """Organization A with one member of each role, its objects, and organization B's admin."""
    tenant_a, key_a = new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    browsers = {"admin": admin,
                "issuer": member(client, tenant_a, "ian@acme.example", "issuer", admin),
                "read_only": member(client, tenant_a, "rita@acme.example", "read_only", admin)}
    tenant_b, _ = new_organization("Beta Institute", "bea@beta.example")
    browsers["other"] = sign_in(client, "bea@beta.example")
    for tenant, email in ((tenant_a, "ada@acme.example"), (tenant_b, "bea@beta.example")):
        _grant_everything(tenant, email)  # A's admin holds the workforce and recruiting grants; so does B's
    ids = _objects(client, tenant_a, key_a, monkeypatch)
    return browsers, ids


def _grant_everything(tenant_id: str, email: str) -> None:
    from chalicelib.domain import ids as id_rules
    from chalicelib.domain.members import GRANTS
    from chalicelib.store import members as store

    item = store.member_by_email(tenant_id, id_rules.email_hash(email))
    assert store.update_member(item, {"grants": list(GRANTS)}, item.updated_at)


def permitted(role: str, action: str) -> bool:
    """The role allows it and, for a granted action, the member holds the grant (only
    the admin does here: issuer and read-only members are refused those routes)."""
    from chalicelib.domain.members import GRANTED, MATRIX

    return role in MATRIX[action] and (action not in GRANTED or role == "admin")


def _objects(client, tenant_id: str, key: str, monkeypatch) -> dict:
    """An existing id of organization A for every path parameter a console route takes."""
    import json

    from chalicelib.domain import ids as id_rules
    from chalicelib.store import members as store
    from tests.helpers import active_template, issue

    from chalicelib.services import bulk

    template_id = active_template(client, key)
    credential = json.loads(issue(client, key, template_id).body)
    rita = store.member_by_email(tenant_id, id_rules.email_hash("rita@acme.example"))
    job = bulk.preview_job(tenant_id, f"email,first_name,last_name,template_id\nx@example.com,X,Y,{template_id}\n"
                           .encode(), "text/csv", bulk.JobOptions(mode="valid_rows", suppress_email=True))
    return {"member_id": rita.member_id, "template_id": template_id, "credential_id": credential["id"],
            "job_id": job["id"], "message_id": _talent_message(tenant_id, rita.member_id),
            **_admin_objects(tenant_id, template_id, monkeypatch), **_workforce_objects(tenant_id)}


def _workforce_objects(tenant_id: str) -> dict:
    """A team and a role of organization A (issue 20: workforce skills)."""
    from chalicelib.domain.members import Member
    from chalicelib.services import workforce

    ada = Member(tenant_id, "0" * 16, "ada@acme.example", "admin", grants=frozenset({"workforce"}))
    return {"team_id": workforce.save_team(ada, None, "Matrix team", []),
            "role_id": workforce.create_role(ada, "Matrix role", None, [], ["Python"])}



def _talent_message(tenant_id: str, member_id: str) -> str:
    """A message of organization A to a candidate (issue 20 talent search)."""
    from chalicelib.services import talent
    from chalicelib.store import talent as store

    at = "2026-01-05T10:00:00Z"
    assert store.put_message("e" * 32, tenant_id, message_id="a" * 16, at=at, organization="Acme Academy",
                             member_id=member_id, member_email="rita@acme.example", candidate="Grace",
                             candidate_hash="0" * 64, subject="A role", text="Hello")
    return talent.message_ref(at, "a" * 16)


def _admin_objects(tenant_id: str, template_id: str, monkeypatch) -> dict:
    """The administration pages' objects: an API key, an LMS integration, a webhook
    endpoint with one delivery, a support request."""
    from chalicelib import schemas
    from chalicelib.adapters import queue, webhook_http
    from chalicelib.services import events, issuers, lms, support

    _, api_key = issuers.create_api_key(tenant_id, label="matrix")
    integration = lms.create(tenant_id, schemas.IntegrationIn(name="LMS", rules={
        "c-1": schemas.LmsRuleIn(template_id=template_id)}))
    monkeypatch.setattr(events, "_policy", lambda: webhook_http.policy_for(True))  # a receiver on loopback
    queue.ensure_queue(queue.events_queue_name(), queue.events_dlq_name())
    endpoint, _ = events.create_endpoint(tenant_id, "http://127.0.0.1:9/hook", ["credential.created"])
    events.emit(tenant_id, "credential.created", {"id": "c-1"})
    [delivery] = events.list_deliveries(tenant_id, endpoint["id"])["items"]
    request = support.create(tenant_id, schemas.SupportIn(subject="Help", description="It broke", severity=3))
    return {"key_id": api_key["id"], "integration_id": integration["id"], "endpoint_id": endpoint["id"],
            "delivery_id": delivery["id"], "request_id": request["id"]}


def _url(path: str, ids: dict) -> str:
    def fill(match):
        name = match.group(1)
        assert name in ids, f"add an id of organization A for {{{name}}} to _objects()"
        return ids[name]

    return re.sub(r"{(\w+)}", fill, path)


def _made_up(value: str) -> str:
    """An id of the same shape that was never issued."""
    return value[:-4] + ("aaaa" if not value.endswith("aaaa") else "bbbb")


def _visible(html: str) -> str:
    """A page without its per-request parts (CSRF tokens)."""
    return re.sub(r'name="csrf" value="[^"]*"', "", html)


def _request(browser, method: str, url: str):
    if method == "GET":
        return browser.get(url)
    return browser.post(url, {"csrf": console_csrf(browser)})


def test_every_console_route_with_every_role_and_another_organization(org):
    browsers, ids = org
    routes = list(_console_routes())
    assert routes, "no console routes found"
    # refusals first: by definition they change nothing, so the walk's state stays A's
    for method, path, action in routes:
        url = _url(path, ids)
        for role in ROLES:
            if permitted(role, action):
                continue
            before = scan_table()
            res = _request(browsers[role], method, url)
            assert res.status_code == 403, (role, method, path, res.status_code)
            assert scan_table() == before, f"{role} {method} {path} was refused but wrote"
        if "{" in path:  # another organization's admin: A's ids answer as ids never made, nothing changes
            other = browsers["other"]
            before = scan_table()
            res = _request(other, method, url)
            made_up = _request(other, method, _url(path, {k: _made_up(v) for k, v in ids.items()}))
            assert res.status_code in (404, 422) and res.status_code == made_up.status_code, \
                ("other", method, path, res.status_code, made_up.status_code)
            assert _visible(other.text(res)) == _visible(other.text(made_up)), (method, path)
            assert scan_table() == before, f"another organization's {method} {path} wrote"
    for method, path, action in sorted(routes, key=lambda r: r[0] != "GET"):
        for role in ROLES:
            if not permitted(role, action):
                continue
            res = _request(browsers[role], method, _url(path, ids))
            assert res.status_code not in (401, 403), (role, method, path, res.status_code)
