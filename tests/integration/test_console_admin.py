"""The console's administration pages (issue 15, item 4): API keys, LMS integrations,
outbound webhooks, the audit log and support requests, each through the real pages
(signed-in members, CSRF-protected forms) over moto. A secret is on the page answering
the POST that made it and nowhere else; bad input comes back as the form with a message
and a 4xx, changing nothing; another organization's ids are 404; other roles 403."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib import i18n
from chalicelib.domain.webhooks import signature_header
from tests.conftest import scan_table, sent_mail, stored_text
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import active_template, auth

SECRET_FIELD = re.compile(r'id="secret" class="secret" readonly value="([^"]+)"')


@pytest.fixture()
def org(client):
    tenant_id, key = new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    return {"tenant_id": tenant_id, "key": key, "admin": admin, "client": client}


@pytest.fixture()
def other(client):
    """Another organization's admin."""
    new_organization("Beta Institute", "bea@beta.example")
    return sign_in(client, "bea@beta.example")


def _post(browser, path: str, **fields):
    return browser.post(path, {"csrf": console_csrf(browser), **fields})


def _secret(browser, res) -> str:
    """The secret on the page answering a create or rotate (a page never stored by a cache)."""
    assert res.status_code == 200, res.body
    assert res.headers["Cache-Control"] == "no-store"
    found = SECRET_FIELD.search(browser.text(res))
    assert found, browser.text(res)[:3000]
    return found.group(1)


def _alert(page: str) -> str:
    """The form's error message (the page says nothing was changed)."""
    found = re.search(r'<div class="notice" role="alert">(.*?)</div>', page, re.S)
    assert found, page[:3000]
    assert "Nothing was changed." in found.group(1)
    return found.group(1)


def _refused(browser, res) -> bool:
    """The console's own refusal for a role (not the 403 of a route that does not exist)."""
    return res.status_code == 403 and "does not allow this" in browser.text(res)


def _audit_text() -> str:
    """Every audit entry stored, as text."""
    return json.dumps([i for i in scan_table() if i["pk"].endswith("#AUDIT")], default=str)


def _status(client, key: str) -> int:
    return client.http.get("/issuer", headers=auth(key)).status_code


# ------------------------------------------------------------------ the section


def test_the_administration_section_is_in_the_navigation_for_admins_and_issuers_only(org, client):
    admin = org["admin"]
    home = admin.text(admin.get("/console"))
    assert '<a href="/console/admin">Administration</a>' in home
    index = admin.text(admin.get("/console/admin"))
    for link in ("/console/admin/api-keys", "/console/admin/integrations", "/console/admin/webhooks",
                 "/console/admin/audit", "/console/admin/support"):
        assert f'href="{link}"' in index, link
    issuer = member(client, org["tenant_id"], "ian@acme.example", "issuer", admin)
    index = issuer.text(issuer.get("/console/admin"))
    assert 'href="/console/admin/support"' in index and 'href="/console/admin/api-keys"' not in index
    reader = member(client, org["tenant_id"], "rita@acme.example", "read_only", admin)
    assert "/console/admin" not in reader.text(reader.get("/console"))
    assert _refused(reader, reader.get("/console/admin"))


# ------------------------------------------------------------------ API keys


def test_an_admin_creates_an_api_key_that_is_shown_once_and_works(org, client):
    admin = org["admin"]
    res = _post(admin, "/console/admin/api-keys", label="Student records system")
    key = _secret(admin, res)
    assert res.headers["Cache-Control"] == "no-store"
    assert "the only time it is shown" in admin.text(res)
    assert _status(client, key) == 200  # a real key of this organization
    listing = admin.text(admin.get("/console/admin/api-keys"))
    assert "Student records system" in listing and f"…{key[-4:]}" in listing
    assert key not in listing and key not in admin.text(admin.get("/console/admin"))
    # stored as a hash only; the audit entry names the route, never the key
    assert key.lower() not in stored_text()
    entries = [i for i in scan_table() if i["pk"].endswith("#AUDIT") and i["route"] == "/console/admin/api-keys"]
    assert len(entries) == 1 and entries[0]["actor_type"] == "member" and entries[0]["method"] == "POST"


def test_a_bad_label_shows_the_form_again_and_creates_nothing(org):
    admin = org["admin"]
    before = scan_table()
    res = _post(admin, "/console/admin/api-keys", label="x" * 101)
    assert res.status_code == 422
    page = admin.text(res)
    assert "Create a key" in page and "label: String should have at most 100 characters" in _alert(page)
    assert 'id="secret"' not in page
    assert scan_table() == before


def test_revoking_a_key_takes_a_confirmation_and_then_the_key_is_refused(org, client):
    admin = org["admin"]
    key = _secret(admin, _post(admin, "/console/admin/api-keys", label="old"))
    from chalicelib.services import issuers

    key_id = next(k["id"] for k in issuers.list_api_keys(org["tenant_id"]) if k["label"] == "old")
    confirm = admin.get(f"/console/admin/api-keys/{key_id}/revoke")
    assert confirm.status_code == 200 and "Revoke this API key?" in admin.text(confirm)
    assert _status(client, key) == 200  # the confirmation page changed nothing
    unconfirmed = _post(admin, f"/console/admin/api-keys/{key_id}/revoke")
    assert unconfirmed.status_code == 422 and "confirm" in _alert(admin.text(unconfirmed))
    assert _status(client, key) == 200
    res = _post(admin, f"/console/admin/api-keys/{key_id}/revoke", confirm="yes")
    assert res.status_code == 303 and res.headers["Location"].endswith("/console/admin/api-keys?done=revoked")
    assert _status(client, key) == 401
    assert "Revoked" in admin.text(admin.get("/console/admin/api-keys?done=revoked"))


def test_another_organizations_key_is_not_found_and_not_revoked(org, other, client):
    from chalicelib.services import issuers

    key_id = issuers.list_api_keys(org["tenant_id"])[0]["id"]
    assert other.get(f"/console/admin/api-keys/{key_id}/revoke").status_code == 404
    before = scan_table()
    assert _post(other, f"/console/admin/api-keys/{key_id}/revoke", confirm="yes").status_code == 404
    assert scan_table() == before and _status(client, org["key"]) == 200
    assert key_id not in other.text(other.get("/console/admin/api-keys"))


def test_issuers_and_read_only_members_cannot_see_or_create_keys(org, client):
    for email, role in (("ian@acme.example", "issuer"), ("rita@acme.example", "read_only")):
        browser = member(client, org["tenant_id"], email, role, org["admin"])
        assert _refused(browser, browser.get("/console/admin/api-keys"))
        before = scan_table()
        res = _post(browser, "/console/admin/api-keys", label="mine")
        assert _refused(browser, res) and scan_table() == before
        assert 'id="secret"' not in browser.text(res)


# ------------------------------------------------------------------ LMS integrations


def _integration(org) -> tuple[str, str]:
    """(integration id, secret) of a new integration made through the page."""
    admin = org["admin"]
    res = _post(admin, "/console/admin/integrations", name="Academy LMS", format="generic")
    secret = _secret(admin, res)
    from chalicelib.services import lms

    [item] = lms.list_for(org["tenant_id"])
    return item["id"], secret


def _deliver(client, integration_id: str, secret: str, payload: dict):
    import time

    raw = json.dumps(payload).encode()
    header = signature_header([secret.encode()], int(time.time()), raw)
    return client.http.post(f"/hooks/lms/{integration_id}", headers={"Content-Type": "application/json",
                                                                     "Laurel-Signature": header}, body=raw)


def _completion(score, event_id: str, course: str = "cloud-101") -> dict:
    return {"event": "course.completed", "event_id": event_id, "email": "learner@example.com", "first_name": "Lea",
            "last_name": "Rner", "course_id": course, "score": score}


def test_an_admin_runs_an_integration_rules_secret_rotation_and_its_event_log(org, client):
    admin = org["admin"]
    template_id = active_template(client, org["key"], name="Cloud Basics")
    integration_id, secret = _integration(org)
    assert secret.startswith("whsec_") and secret.lower() not in _audit_text().lower()
    page = admin.text(admin.get(f"/console/admin/integrations/{integration_id}"))
    assert secret not in page and f"/hooks/lms/{integration_id}" in page and "No rules yet" in page
    # a rule, through the form (the threshold as the number input sends it)
    res = _post(admin, f"/console/admin/integrations/{integration_id}/rules", course_id="cloud-101",
                template_id=template_id, threshold="75", retake_text="Try again", schedule_weekday="")
    assert res.status_code == 303, admin.text(res)
    from chalicelib.services import lms

    assert lms.get(org["tenant_id"], integration_id)["rules"] == {
        "cloud-101": {"template_id": template_id, "threshold": 75, "retake_text": "Try again"}}
    page = admin.text(admin.get(f"/console/admin/integrations/{integration_id}?done=rule"))
    assert "cloud-101" in page and "Cloud Basics" in page and "75 %" in page
    # a completion is issued by the rule, and the event log says which rule and what came of it
    assert json.loads(_deliver(client, integration_id, secret, _completion(80, "e1")).body)["status"] == "issued"
    assert json.loads(_deliver(client, integration_id, secret, _completion(90, "e2", "other")).body)["status"] \
        == "no_rule"
    log = admin.text(admin.get(f"/console/admin/integrations/{integration_id}/events"))
    assert log.index("No rule for the course") < log.index("Issued")  # newest first
    assert "“Cloud Basics”, pass mark 75 %" in log
    # rotation: the new secret is shown once; both verify until the previous one is retired
    rotated = _secret(admin, _post(admin, f"/console/admin/integrations/{integration_id}/rotate-secret"))
    assert rotated != secret
    page = admin.text(admin.get(f"/console/admin/integrations/{integration_id}"))
    assert rotated not in page and "the new and the previous secret are both accepted" in page
    assert _deliver(client, integration_id, secret, _completion(85, "e3")).status_code == 200
    res = _post(admin, f"/console/admin/integrations/{integration_id}/retire-secret")
    assert res.status_code == 303
    assert _deliver(client, integration_id, secret, _completion(85, "e4")).status_code == 401
    assert _deliver(client, integration_id, rotated, _completion(85, "e5")).status_code == 200
    assert rotated.lower() not in _audit_text().lower()
    # removing the rule, then disabling (after a confirmation page)
    assert _post(admin, f"/console/admin/integrations/{integration_id}/rules/remove",
                 course_id="cloud-101").status_code == 303
    assert lms.get(org["tenant_id"], integration_id)["rules"] == {}
    assert "Yes, disable it" in admin.text(admin.get(f"/console/admin/integrations/{integration_id}/disable"))
    assert lms.get(org["tenant_id"], integration_id)["state"] == "active"
    res = _post(admin, f"/console/admin/integrations/{integration_id}/disable", confirm="yes")
    assert res.status_code == 303 and lms.get(org["tenant_id"], integration_id)["state"] == "disabled"
    assert _deliver(client, integration_id, rotated, _completion(85, "e6")).status_code == 404


def test_the_event_log_pages_through_older_events(org, client, monkeypatch):
    from chalicelib.services import console_admin

    monkeypatch.setattr(console_admin, "EVENTS_PER_PAGE", 2)
    admin = org["admin"]
    integration_id, secret = _integration(org)
    for n in range(3):
        assert _deliver(client, integration_id, secret, _completion(80, f"evt-{n}")).status_code == 200
    first = admin.text(admin.get(f"/console/admin/integrations/{integration_id}/events"))
    assert first.count("No rule for the course") == 2
    older = re.search(r'href="([^"]+cursor=[^"]+)">Older events', first).group(1).replace("&amp;", "&")
    second = admin.text(admin.get(older))
    assert second.count("No rule for the course") == 1 and "Older events" not in second
    assert "Newest events" in second


@pytest.mark.parametrize("fields, problem", [
    ({"course_id": "cloud-101", "threshold": "101"}, "threshold"),
    ({"course_id": "cloud-101", "threshold": "eighty"}, "threshold"),
    ({"course_id": "", "threshold": "80"}, "course_id"),
    ({"course_id": "cloud-101", "threshold": "80", "schedule_weekday": "SOMEDAY"}, "schedule_weekday"),
])
def test_a_bad_rule_shows_the_page_again_and_changes_nothing(org, client, fields, problem):
    admin = org["admin"]
    template_id = active_template(client, org["key"])
    integration_id, _ = _integration(org)
    before = scan_table()
    res = _post(admin, f"/console/admin/integrations/{integration_id}/rules", template_id=template_id, **fields)
    assert res.status_code in (400, 422), res.status_code
    page = admin.text(res)
    assert "Add or change a course" in page and problem in _alert(page)
    assert scan_table() == before


def test_a_bad_integration_name_shows_the_form_again(org):
    admin = org["admin"]
    before = scan_table()
    res = _post(admin, "/console/admin/integrations", name="", format="generic")
    assert res.status_code == 422 and "Create an integration" in admin.text(res) and "name" in _alert(admin.text(res))
    assert 'id="secret"' not in admin.text(res) and scan_table() == before


def test_another_organizations_integration_is_not_found_and_unchanged(org, other, client):
    integration_id, secret = _integration(org)
    before = scan_table()
    for path in ("", "/events", "/disable"):
        assert other.get(f"/console/admin/integrations/{integration_id}{path}").status_code == 404, path
    for path, fields in (("/rotate-secret", {}), ("/retire-secret", {}), ("/disable", {"confirm": "yes"}),
                         ("/rules/remove", {"course_id": "x"})):
        res = _post(other, f"/console/admin/integrations/{integration_id}{path}", **fields)
        assert res.status_code == 404 and 'id="secret"' not in other.text(res), path
    assert scan_table() == before


def test_issuers_cannot_manage_integrations(org, client):
    integration_id, _ = _integration(org)
    issuer = member(client, org["tenant_id"], "ian@acme.example", "issuer", org["admin"])
    assert _refused(issuer, issuer.get("/console/admin/integrations"))
    before = scan_table()
    res = _post(issuer, f"/console/admin/integrations/{integration_id}/rotate-secret")
    assert _refused(issuer, res) and 'id="secret"' not in issuer.text(res) and scan_table() == before


# ------------------------------------------------------------------ outbound webhooks


# the issuer's endpoint on loopback (the test stage's policy allows it there) and the events queues
from tests.integration.test_webhooks import queues, receiver  # noqa: E402,F401


def _endpoint_form(browser, url: str, *types: str, description: str = ""):
    fields = [("csrf", console_csrf(browser, "/console/admin/webhooks/new")), ("url", url),
              ("description", description)] + [("event_types", t) for t in types]
    return browser.post("/console/admin/webhooks", fields)


def _endpoint(org, receiver) -> tuple[str, str]:
    admin = org["admin"]
    secret = _secret(admin, _endpoint_form(admin, receiver.url, "credential.created", description="CRM"))
    from chalicelib.services import events

    [item] = events.list_endpoints(org["tenant_id"])["items"]
    return item["id"], secret


def test_an_admin_adds_an_endpoint_sees_its_deliveries_and_resends_one(org, client, receiver, queues):
    from tests.helpers import issue
    from tests.integration.test_webhooks import drain

    admin = org["admin"]
    form = admin.text(admin.get("/console/admin/webhooks/new"))
    assert 'value="credential.revoked"' in form
    endpoint_id, secret = _endpoint(org, receiver)
    assert secret.startswith("whsec_") and secret.lower() not in _audit_text().lower()
    listing = admin.text(admin.get("/console/admin/webhooks"))
    assert receiver.url in listing and "CRM" in listing and secret not in listing
    # an event whose first attempt fails
    receiver.status = 500
    issue(client, org["key"], active_template(client, org["key"]))
    drain(client)
    assert len(receiver.requests) == 1
    page = admin.text(admin.get(f"/console/admin/webhooks/{endpoint_id}"))
    assert secret not in page and f"Ends in <code>{secret[-4:]}</code>" in page
    row = re.search(r"<tr>\s*<td>[^<]+UTC</td>\s*<td><code>credential.created</code>.*?</tr>", page, re.S).group(0)
    assert "Pending" in row and "<td>1</td>" in row and "HTTP 500" in row and "next try" in row
    # resend: a new delivery of the same event, which now succeeds
    receiver.status = 204
    delivery_id = re.search(r'action="/console/admin/deliveries/([^/]+)/resend"', page).group(1)
    res = _post(admin, f"/console/admin/deliveries/{delivery_id}/resend")
    assert res.status_code == 303 and res.headers["Location"].endswith(f"/console/admin/webhooks/{endpoint_id}"
                                                                       "?done=resent")
    drain(client)
    assert len(receiver.requests) == 2
    assert json.loads(receiver.requests[0]["body"])["id"] == json.loads(receiver.requests[1]["body"])["id"]
    page = admin.text(admin.get(f"/console/admin/webhooks/{endpoint_id}?done=resent"))
    assert "being delivered again" in page and "Delivered" in page and "HTTP 204" in page and "resent" in page


def test_rotating_an_endpoints_secret_shows_the_new_one_once(org, client, receiver, queues):
    from tests.helpers import issue
    from tests.integration.test_webhooks import drain

    admin = org["admin"]
    endpoint_id, secret = _endpoint(org, receiver)
    rotated = _secret(admin, _post(admin, f"/console/admin/webhooks/{endpoint_id}/rotate-secret"))
    assert rotated != secret and rotated.lower() not in _audit_text().lower()
    page = admin.text(admin.get(f"/console/admin/webhooks/{endpoint_id}"))
    assert rotated not in page and f"Ends in <code>{rotated[-4:]}</code>" in page and "rotated" in page
    issue(client, org["key"], active_template(client, org["key"]))
    drain(client)
    [request] = receiver.requests  # signed with the new secret and, for 24 h, the previous one
    header = request["headers"]["Laurel-Signature"]
    from chalicelib.domain.webhooks import verify

    for s in (rotated, secret):
        assert verify([s.encode()], header, request["body"], int(header.split("t=")[1].split(",")[0]))


def test_disabling_an_endpoint_takes_a_confirmation_and_stops_resends(org, client, receiver, queues):
    from tests.helpers import issue
    from tests.integration.test_webhooks import drain

    admin = org["admin"]
    endpoint_id, _ = _endpoint(org, receiver)
    issue(client, org["key"], active_template(client, org["key"]))
    drain(client)
    page = admin.text(admin.get(f"/console/admin/webhooks/{endpoint_id}"))
    delivery_id = re.search(r'action="/console/admin/deliveries/([^/]+)/resend"', page).group(1)
    assert "Yes, disable it" in admin.text(admin.get(f"/console/admin/webhooks/{endpoint_id}/disable"))
    unconfirmed = _post(admin, f"/console/admin/webhooks/{endpoint_id}/disable")
    assert unconfirmed.status_code == 422 and "confirm" in _alert(admin.text(unconfirmed))
    res = _post(admin, f"/console/admin/webhooks/{endpoint_id}/disable", confirm="yes")
    assert res.status_code == 303 and res.headers["Location"].endswith("/console/admin/webhooks?done=disabled")
    page = admin.text(admin.get(f"/console/admin/webhooks/{endpoint_id}"))
    assert "Disabled on" in page and "/resend" not in page and "rotate-secret" not in page
    before = scan_table()
    res = _post(admin, f"/console/admin/deliveries/{delivery_id}/resend")
    assert res.status_code == 409 and "disabled" in admin.text(res) and scan_table() == before


@pytest.mark.parametrize("url, types, problem", [
    ("https://hooks.example/laurel", (), "event_types"),
    ("ftp://hooks.example/laurel", ("credential.created",), "url"),
    ("", ("credential.created",), "url"),
    ("https://hooks.example/laurel", ("credential.exploded",), "event_types"),
])
def test_a_bad_endpoint_shows_the_form_again_as_typed_and_adds_nothing(org, receiver, url, types, problem):
    admin = org["admin"]
    before = scan_table()
    res = _endpoint_form(admin, url, *types, description="Kept as typed")
    assert res.status_code in (400, 422), (res.status_code, admin.text(res)[:500])
    page = admin.text(res)
    assert "Add a webhook endpoint" in page and problem in _alert(page)
    assert 'value="Kept as typed"' in page and 'id="secret"' not in page
    assert scan_table() == before


def test_another_organizations_endpoint_and_delivery_are_not_found(org, other, client, receiver, queues):
    from tests.helpers import issue
    from tests.integration.test_webhooks import drain

    endpoint_id, _ = _endpoint(org, receiver)
    issue(client, org["key"], active_template(client, org["key"]))
    drain(client)
    page = org["admin"].text(org["admin"].get(f"/console/admin/webhooks/{endpoint_id}"))
    delivery_id = re.search(r'action="/console/admin/deliveries/([^/]+)/resend"', page).group(1)
    before = scan_table()
    for path in (f"/console/admin/webhooks/{endpoint_id}", f"/console/admin/webhooks/{endpoint_id}/disable"):
        assert other.get(path).status_code == 404, path
    for path, fields in ((f"/console/admin/webhooks/{endpoint_id}/rotate-secret", {}),
                         (f"/console/admin/webhooks/{endpoint_id}/disable", {"confirm": "yes"}),
                         (f"/console/admin/deliveries/{delivery_id}/resend", {})):
        res = _post(other, path, **fields)
        assert res.status_code == 404 and 'id="secret"' not in other.text(res), path
    assert scan_table() == before and len(receiver.requests) == 1
    assert receiver.url not in other.text(other.get("/console/admin/webhooks"))


def test_issuers_cannot_manage_webhooks(org, client, receiver):
    endpoint_id, _ = _endpoint(org, receiver)
    issuer = member(client, org["tenant_id"], "ian@acme.example", "issuer", org["admin"])
    for path in ("/console/admin/webhooks", "/console/admin/webhooks/new", f"/console/admin/webhooks/{endpoint_id}"):
        assert _refused(issuer, issuer.get(path)), path
    before = scan_table()
    res = _post(issuer, f"/console/admin/webhooks/{endpoint_id}/rotate-secret")
    assert _refused(issuer, res) and 'id="secret"' not in issuer.text(res) and scan_table() == before


# ------------------------------------------------------------------ the audit log


def _rows(page: str) -> list[str]:
    body_ = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body_, re.S)


def test_the_audit_log_shows_who_did_what_when_and_the_outcome(org, client):
    from tests.helpers import post, template_payload

    admin = org["admin"]
    _post(admin, "/console/admin/api-keys", label="CRM")
    issuer = member(client, org["tenant_id"], "ian@acme.example", "issuer", admin)
    assert _post(issuer, "/console/account", name="Ian Issuer").status_code == 303
    assert post(client, "/templates", org["key"], template_payload()).status_code == 201
    page = admin.text(admin.get("/console/admin/audit"))
    rows = _rows(page)
    # newest first: the API's create, the issuer's name change, the invitation, the key
    assert "POST /templates" in rows[0] and "API key first key" in rows[0] and "201 · done" in rows[0]
    assert "POST /console/account" in rows[1] and "Ian Issuer (ian@acme.example)" in rows[1] and "303" in rows[1]
    assert "POST /console/members" in rows[2] and "ada@acme.example" in rows[2]
    assert "POST /console/admin/api-keys" in rows[3] and "ada@acme.example" in rows[3] and "200 · done" in rows[3]
    assert re.match(r"\s*<td>\w{3} \d{1,2}, 20\d\d, \d{1,2}:\d\d:\d\d\W[AP]M UTC</td>", rows[0])  # | datetime (issue 19)


def test_the_audit_log_filters_by_member_action_and_day_and_pages(org, client, monkeypatch):
    from chalicelib.services import clock, console_admin
    from chalicelib.store import members as member_store
    from chalicelib.domain import ids
    from tests.aws_calls import requests

    admin = org["admin"]
    issuer = member(client, org["tenant_id"], "ian@acme.example", "issuer", admin)
    for n in range(3):
        _post(issuer, "/console/account", name=f"Ian {n}")
        _post(admin, "/console/admin/api-keys", label=f"key {n}")
    ian = member_store.member_by_email(org["tenant_id"], ids.email_hash("ian@acme.example")).member_id
    today = clock.utcnow().date().isoformat()
    # by member: without a day, today's entries (the filter reads one day, never the whole log)
    with requests() as calls:
        page = admin.text(admin.get(f"/console/admin/audit?member={ian}"))
    rows = _rows(page)
    assert len(rows) == 3 and all("Ian 2 (ian@acme.example)" in r and "POST /console/account" in r for r in rows)
    assert f'value="{today}"' in page
    [query] = [c.params for c in calls if c.name == "dynamodb.Query" and "AUDIT" in json.dumps(c.params)]
    assert "begins_with" in query["KeyConditionExpression"] and today in json.dumps(query)
    assert "FilterExpression" in query and not any(c.name == "dynamodb.Scan" for c in calls)
    # by action
    rows = _rows(admin.text(admin.get(f"/console/admin/audit?action=POST+/console/admin/api-keys&day={today}")))
    assert len(rows) == 3 and all("POST /console/admin/api-keys" in r and "ada@acme.example" in r for r in rows)
    # both
    rows = _rows(admin.text(admin.get(f"/console/admin/audit?action=POST+/console/admin/api-keys&member={ian}")))
    assert rows == ['<td colspan="4">No entries match.</td>']
    # another day has none of these
    assert _rows(admin.text(admin.get("/console/admin/audit?day=2020-01-01"))) == \
        ['<td colspan="4">No entries match.</td>']
    # paging keeps the filters
    monkeypatch.setattr(console_admin, "AUDIT_PER_PAGE", 2)
    first = admin.text(admin.get(f"/console/admin/audit?member={ian}"))
    assert len(_rows(first)) == 2
    older = re.search(r'href="([^"]+)">Older entries', first).group(1).replace("&amp;", "&")
    assert f"member={ian}" in older and f"day={today}" in older
    second = admin.text(admin.get(older))
    assert len(_rows(second)) == 1 and "Ian" in _rows(second)[0] and "Older entries" not in second


@pytest.mark.parametrize("query", ["day=2026-13-45", "member=not-an-id", "action=DROP+TABLE", "day=yesterday"])
def test_bad_audit_filters_answer_the_page_with_a_message(org, query):
    admin = org["admin"]
    res = admin.get(f"/console/admin/audit?{query}")
    assert res.status_code in (400, 422)
    page = admin.text(res)
    assert "Those filters cannot be used." in page and '<form method="get" action="/console/admin/audit"' in page
    assert _rows(page) == ['<td colspan="4">No entries.</td>']


def test_the_audit_log_shows_only_the_organizations_own_entries(org, other, client):
    from chalicelib.store import members as member_store
    from chalicelib.domain import ids

    _post(org["admin"], "/console/admin/api-keys", label="Acme secret project")
    ada = member_store.member_by_email(org["tenant_id"], ids.email_hash("ada@acme.example")).member_id
    page = other.text(other.get("/console/admin/audit"))
    assert "ada@acme.example" not in page and "Acme secret project" not in page
    assert "POST /console/admin/api-keys" not in "".join(_rows(page))
    assert _rows(other.text(other.get(f"/console/admin/audit?member={ada}"))) == \
        ['<td colspan="4">No entries match.</td>']


def test_only_admins_read_the_audit_log(org, client):
    issuer = member(client, org["tenant_id"], "ian@acme.example", "issuer", org["admin"])
    assert _refused(issuer, issuer.get("/console/admin/audit"))


# ------------------------------------------------------------------ support requests


def _file(browser, **fields):
    form = {"subject": "Bulk issuing stalls", "description": "The job stays at 40 %.\nSince 9:00.", "severity": "2",
            **fields}
    return browser.post("/console/admin/support", {"csrf": console_csrf(browser, "/console/admin/support/new"),
                                                   **{k: v for k, v in form.items() if v is not None}})


def test_an_issuer_files_a_support_request_and_follows_its_due_time(org, client):
    from chalicelib.domain import support as rules
    from chalicelib.domain.clock import parse_iso
    from chalicelib.services import support

    issuer = member(client, org["tenant_id"], "ian@acme.example", "issuer", org["admin"])
    mails = len(sent_mail())
    res = _file(issuer, outage_report="yes")
    assert res.status_code == 303, issuer.text(res)
    request_id = re.search(r"/console/admin/support/([0-9a-f]{16})\?done=filed$", res.headers["Location"]).group(1)
    stored = support.get(org["tenant_id"], request_id)
    assert (stored["subject"], stored["severity"], stored["outage_report"], stored["state"]) == \
        ("Bulk issuing stalls", 2, True, "open")
    assert stored["description"] == "The job stays at 40 %.\nSince 9:00."
    assert len(sent_mail()) > mails  # the organization's copy
    due = rules.due_at(2, parse_iso(stored["created_at"]))
    page = issuer.text(issuer.get(f"/console/admin/support/{request_id}?done=filed"))
    assert "The request was filed" in page and "2 · " + rules.severity_info(2).name in page
    assert i18n.format_datetime(due) in page and "Breached" not in page  # in the page's language (issue 19)
    assert "as proposed" in page and "Outage report" in page
    listing = issuer.text(issuer.get("/console/admin/support"))
    assert "Bulk issuing stalls" in listing and i18n.format_datetime(due) in listing


def test_an_unanswered_request_past_its_due_time_shows_as_breached(org, client, monkeypatch):
    from datetime import timedelta

    from chalicelib.services import clock

    admin = org["admin"]
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real() - timedelta(days=10))
    assert _file(admin, subject="Old outage", severity="1").status_code == 303
    monkeypatch.setattr(clock, "utcnow", real)
    assert _file(admin, subject="New question", severity="1").status_code == 303
    rows = _rows(admin.text(admin.get("/console/admin/support")))
    [old] = [r for r in rows if "Old outage" in r]
    [new] = [r for r in rows if "New question" in r]
    assert "Breached" in old and "Breached" not in new
    assert rows.index(new) < rows.index(old)  # newest first


@pytest.mark.parametrize("fields, problem", [
    ({"subject": ""}, "subject"),
    ({"severity": "9"}, "severity"),
    ({"severity": None}, "severity"),
    ({"description": ""}, "description"),
    ({"subject": "line\nbreak"}, "subject"),
])
def test_a_bad_support_request_shows_the_form_again_as_typed_and_files_nothing(org, fields, problem):
    admin = org["admin"]
    before, mails = scan_table(), len(sent_mail())
    res = _file(admin, **fields)
    assert res.status_code in (400, 422)
    page = admin.text(res)
    assert "File a support request" in page and problem in _alert(page)
    if fields.get("subject") is None:
        assert 'value="Bulk issuing stalls"' in page
    assert scan_table() == before and len(sent_mail()) == mails


def test_another_organizations_support_request_is_not_found(org, other):
    res = _file(org["admin"])
    request_id = res.headers["Location"].split("/")[-1].split("?")[0]
    assert other.get(f"/console/admin/support/{request_id}").status_code == 404
    assert "Bulk issuing stalls" not in other.text(other.get("/console/admin/support"))


def test_read_only_members_cannot_file_or_read_support_requests(org, client):
    reader = member(client, org["tenant_id"], "rita@acme.example", "read_only", org["admin"])
    request_id = _file(org["admin"]).headers["Location"].split("/")[-1].split("?")[0]
    for path in ("/console/admin/support", "/console/admin/support/new", f"/console/admin/support/{request_id}"):
        assert _refused(reader, reader.get(path)), path
    before = scan_table()
    res = reader.post("/console/admin/support", {"csrf": console_csrf(reader), "subject": "x", "description": "y",
                                                 "severity": "1"})
    assert _refused(reader, res) and scan_table() == before


def test_a_rule_saved_in_the_console_keeps_its_language(org, client):
    # issue 19: "the issue request's `locale` (API, bulk CSV column, LMS rule)": the console's form sets it too
    template_id = active_template(client, org["key"], name="Cloud Basics")
    integration_id, _secret = _integration(org)
    res = _post(org["admin"], f"/console/admin/integrations/{integration_id}/rules", course_id="cloud-101",
                template_id=template_id, threshold="80", retake_text="", schedule_weekday="", locale="ja")
    assert res.status_code == 303, org["admin"].text(res)
    from chalicelib.services import lms

    assert lms.get(org["tenant_id"], integration_id)["rules"]["cloud-101"]["locale"] == "ja"
    page = org["admin"].text(org["admin"].get(f"/console/admin/integrations/{integration_id}"))
    assert '<option value="ja" lang="ja">' in page
    bad = _post(org["admin"], f"/console/admin/integrations/{integration_id}/rules", course_id="cloud-102",
                template_id=template_id, threshold="80", locale="not a tag")
    assert bad.status_code == 422
    assert "cloud-102" not in lms.get(org["tenant_id"], integration_id)["rules"]
