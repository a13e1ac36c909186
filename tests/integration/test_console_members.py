"""The issuer console's members: an organization with its first admin, invitations
that expire, sign-in by mailed code and link (with the wallet's protections), roles
that apply at once, and an organization that always keeps an admin."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.conftest import body, scan_table, sent_mail
from tests.console_helpers import console_csrf, console_mail, member, new_organization, sign_in
from tests.helpers import Browser, csrf_of


def test_an_operator_creates_an_organization_whose_first_admin_signs_in_by_code(client):
    from tests.helpers import new_issuer  # noqa: F401 - same environment as every issuer test

    ops_key = __import__("chalicelib.services.ops", fromlist=["x"]).create_operator_key("test")
    res = client.http.post("/ops/issuers", headers={"Authorization": f"Bearer {ops_key}",
                                                    "Content-Type": "application/json"},
                           body=json.dumps({"name": "Acme Academy", "url": "https://acme.example",
                                            "email": "badges@acme.example", "admin_email": "Ada@Acme.example"}))
    assert res.status_code == 201, res.body
    made = body(res)
    assert made["admin"]["email"] == "ada@acme.example" and made["admin"]["state"] == "invited"
    assert made["api_key"].startswith("lrl_test_")
    invitation = [m for m in sent_mail() if m["to"] == ["ada@acme.example"]]
    assert len(invitation) == 1 and "Acme Academy" in invitation[0]["subject"]
    assert "/console/signin" in invitation[0]["body"]

    browser = Browser(client)
    home = browser.get("/console")
    assert home.status_code == 303 and home.headers["Location"] == "/console/signin?next=%2Fconsole"
    admin = sign_in(client, "ada@acme.example")
    page = admin.get("/console")
    assert page.status_code == 200 and "Acme Academy" in admin.text(page)
    members = admin.text(admin.get("/console/members"))
    assert "ada@acme.example" in members and "Active" in members
    entries = [i for i in scan_table() if i["pk"].startswith(f"T#{made['issuer']['id']}#AUDIT")]
    assert entries == []  # reading writes nothing to the audit log


def test_sign_in_by_link_works_once(client):
    new_organization()
    browser = sign_in(client, "ada@acme.example", by="link")
    assert browser.get("/console").status_code == 200
    login_id, token, _ = console_mail("ada@acme.example")
    again = Browser(client)
    page = again.get(f"/console/signin/{login_id}?token={token}")
    assert page.status_code == 410 and "already used" in again.text(page)


def test_an_address_of_no_organization_gets_the_same_answer_and_no_mail(client):
    new_organization()
    browser = Browser(client)
    page = browser.get("/console/signin")
    before = len(sent_mail())
    res = browser.post("/console/signin", {"email": "mallory@evil.example", "csrf": csrf_of(browser.text(page))})
    assert res.status_code == 200 and "Check your mail" in browser.text(res)
    assert len(sent_mail()) == before


def test_a_wallet_sign_in_link_does_not_open_the_console_nor_the_reverse(client):
    new_organization()
    browser = Browser(client)
    page = browser.get("/console/signin")
    browser.post("/console/signin", {"email": "ada@acme.example", "csrf": csrf_of(browser.text(page))})
    login_id, token, code = console_mail("ada@acme.example")
    wallet = Browser(client)
    page = wallet.get(f"/signin/{login_id}?token={token}")
    assert page.status_code == 404
    assert wallet.get("/console").status_code == 303  # still signed out of the console


def test_invitations_expire(client, monkeypatch):
    from chalicelib.services import clock

    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    res = admin.post("/console/members", {"email": "bob@acme.example", "role": "issuer",
                                          "csrf": console_csrf(admin, "/console/members")})
    assert res.status_code == 303
    later = clock.utcnow() + timedelta(days=8)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    browser = Browser(client)
    page = browser.get("/console/signin")
    before = len(sent_mail())
    browser.post("/console/signin", {"email": "bob@acme.example", "csrf": csrf_of(browser.text(page))})
    assert len(sent_mail()) == before  # an ended invitation is no membership: nothing is mailed
    assert admin.get("/console").status_code == 303  # a console session lasts 12 hours
    admin = sign_in(client, "ada@acme.example")
    members = admin.text(admin.get("/console/members"))
    assert "Invitation ended" in members


def test_read_only_members_cannot_invite_and_nothing_is_written(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    reader = member(client, tenant_id, "rita@acme.example", "read_only", admin)
    page = reader.get("/console/members")
    assert page.status_code == 200 and "Invite a member" not in reader.text(page)
    before = scan_table()
    res = reader.post("/console/members", {"email": "eve@acme.example", "role": "admin",
                                           "csrf": csrf_of(reader.text(page))})
    assert res.status_code == 403 and "does not allow" in reader.text(res)
    assert scan_table() == before


def test_a_form_without_the_sessions_csrf_token_is_refused_first(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    before = scan_table()
    res = admin.post("/console/members", {"email": "eve@acme.example", "role": "admin", "csrf": "forged"})
    assert res.status_code == 403
    assert scan_table() == before


def test_a_role_change_applies_at_once_and_the_last_admin_stays(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    bob = member(client, tenant_id, "bob@acme.example", "admin", admin)
    assert bob.get("/console/members").status_code == 200
    from chalicelib.store import members as store
    from chalicelib.domain import ids

    bob_id = store.member_by_email(tenant_id, ids.email_hash("bob@acme.example")).member_id
    res = admin.post(f"/console/members/{bob_id}", {"role": "read_only", "csrf": console_csrf(admin)})
    assert res.status_code == 303
    assert bob.get("/console").status_code == 303  # his session ended with the change
    ada_id = store.member_by_email(tenant_id, ids.email_hash("ada@acme.example")).member_id
    res = admin.post(f"/console/members/{ada_id}", {"role": "issuer", "csrf": console_csrf(admin)})
    assert res.status_code == 409 and "at least one admin" in admin.text(res)
    res = admin.post("/console/account/leave", {"confirm": "yes", "csrf": console_csrf(admin)})
    assert res.status_code == 409
    assert store.admin_count(tenant_id) == 1


def test_another_organizations_member_ids_are_not_found(client):
    tenant_a, _ = new_organization("Acme Academy", "ada@acme.example")
    tenant_b, _ = new_organization("Beta Institute", "bea@beta.example")
    ada = sign_in(client, "ada@acme.example")
    bea = sign_in(client, "bea@beta.example")
    from chalicelib.domain import ids
    from chalicelib.store import members as store

    ada_id = store.member_by_email(tenant_a, ids.email_hash("ada@acme.example")).member_id
    assert bea.get(f"/console/members/{ada_id}").status_code == 404
    before = scan_table()
    res = bea.post(f"/console/members/{ada_id}/remove", {"confirm": "yes", "csrf": console_csrf(bea)})
    assert res.status_code == 404
    assert scan_table() == before
    assert "bea@beta.example" not in ada.text(ada.get("/console/members"))


def test_console_writes_are_audited_with_the_member_as_actor(client):
    tenant_id, key = new_organization()
    admin = sign_in(client, "ada@acme.example")
    admin.post("/console/members", {"email": "bob@acme.example", "role": "issuer", "csrf": console_csrf(admin)})
    res = client.http.get("/audit", headers={"Authorization": f"Bearer {key}"})
    entries = body(res)["items"]
    invite = [e for e in entries if e["route"] == "/console/members"]
    assert len(invite) == 1 and invite[0]["actor"]["type"] == "member" and invite[0]["method"] == "POST"


def test_admins_give_and_take_the_workforce_and_recruiting_permissions(client):
    """Issue 20: the *workforce* and *recruiting* permissions are grants an admin gives
    on the member form; an unknown one is refused and nothing is written."""
    from chalicelib.domain import ids
    from chalicelib.store import members as store

    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    member(client, tenant_id, "rex@acme.example", "read_only", admin, grants="recruiting")
    rex = store.member_by_email(tenant_id, ids.email_hash("rex@acme.example"))
    assert list(rex.grants) == ["recruiting"]
    assert "Recruiting" in admin.text(admin.get("/console/members"))
    before = scan_table()
    res = admin.post(f"/console/members/{rex.member_id}", {"role": "read_only", "grants": "everything",
                                                           "csrf": console_csrf(admin)})
    assert res.status_code in (400, 422) and scan_table() == before
    res = admin.post(f"/console/members/{rex.member_id}", {"role": "read_only", "grants": "workforce",
                                                           "csrf": console_csrf(admin)})
    assert res.status_code == 303
    rex = store.member_by_email(tenant_id, ids.email_hash("rex@acme.example"))
    assert list(rex.grants) == ["workforce"]
    res = admin.post(f"/console/members/{rex.member_id}", {"role": "read_only", "csrf": console_csrf(admin)})
    assert res.status_code == 303
    assert store.member_by_email(tenant_id, ids.email_hash("rex@acme.example")).grants is None


def test_the_demo_admin_holds_the_workforce_and_recruiting_permissions(aws_env):
    """`make run`'s demo organization finds the demo earner in talent search (issue 20's
    "Done when"), so its admin is given both permissions."""
    from chalicelib.demo import DEMO_ADMIN, seed
    from chalicelib.domain import ids
    from chalicelib.store import members as store

    demo = seed()
    admin = store.member_by_email(demo["tenant_id"], ids.email_hash(DEMO_ADMIN))
    assert sorted(admin.grants) == ["recruiting", "workforce"]
