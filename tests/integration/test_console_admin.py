"""The console's administration pages (issue 15, item 4): API keys, LMS integrations,
outbound webhooks, the audit log and support requests, each through the real pages
(signed-in members, CSRF-protected forms) over moto. A secret is on the page answering
the POST that made it and nowhere else; bad input comes back as the form with a message
and a 4xx, changing nothing; another organization's ids are 404; other roles 403."""

from __future__ import annotations

import json
import re

import pytest

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
    assert res.status_code == 200, res.body
    found = SECRET_FIELD.search(browser.text(res))
    assert found, browser.text(res)[:3000]
    return found.group(1)


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
    assert reader.get("/console/admin").status_code == 403


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
    assert "Create a key" in page and "label" in page and "Nothing was changed." in page
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
    assert unconfirmed.status_code == 422 and "Yes, revoke it" in admin.text(unconfirmed)
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
        assert browser.get("/console/admin/api-keys").status_code == 403
        before = scan_table()
        res = _post(browser, "/console/admin/api-keys", label="mine")
        assert res.status_code == 403 and scan_table() == before
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
    assert f"Credential {template_id}, pass mark 75 %" in log
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
    assert "Add or change a course" in page and problem in page and "Nothing was changed." in page
    assert scan_table() == before


def test_a_bad_integration_name_shows_the_form_again(org):
    admin = org["admin"]
    before = scan_table()
    res = _post(admin, "/console/admin/integrations", name="", format="generic")
    assert res.status_code == 422 and "Create an integration" in admin.text(res) and "name" in admin.text(res)
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
    assert issuer.get("/console/admin/integrations").status_code == 403
    before = scan_table()
    res = _post(issuer, f"/console/admin/integrations/{integration_id}/rotate-secret")
    assert res.status_code == 403 and 'id="secret"' not in issuer.text(res) and scan_table() == before
