"""Issue 20 (profile): every path that changes what an earner holds or lets others count
refreshes their skill profile (services/skill_profile.refresh lists them), and single
issuance does not. Where the aggregates show it, the test reads them; where a path
changes nothing countable (a rejection), it checks the refresh ran for the right earner."""

from __future__ import annotations

import pytest

from chalicelib.domain import ids
from chalicelib.domain import skills as skill_rules
from chalicelib.services import claims, imports, rights, skill_profile, wallet
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post

PY = skill_rules.key("Python")


def _holders() -> int:
    return next((int(i["n"]) for i in scan_table() if i["pk"] == f"SKILLSTAT#{PY}" and i["sk"] == "HOLDERS"), 0)


def _skills_item(earner_id: str) -> dict | None:
    return next((i for i in scan_table() if i["pk"] == f"EARNER#{earner_id}" and i["sk"] == "SKILLS"), None)


@pytest.fixture()
def org(client):
    _, key = new_issuer()
    return key, active_template(client, key, name="Python", skills=["Python"])


@pytest.fixture()
def refreshes(monkeypatch):
    """The earners refreshed (the real refresh still runs)."""
    seen: list[str] = []
    real = skill_profile.refresh

    def spy(earner_id):
        seen.append(earner_id)
        return real(earner_id)

    monkeypatch.setattr(skill_profile, "refresh", spy)
    return seen


def _issued(client, key, tpl, email, **extra) -> str:
    res = issue(client, key, tpl, email, **extra)
    assert res.status_code == 201, res.body
    return body(res)["id"]


def _account(email: str) -> str:
    return wallet.sign_in(email, ids.email_hash(email))


def test_wallet_accept_counts_and_reject_refreshes(client, org, refreshes):
    key, tpl = org
    earner = _account("a@example.com")
    wallet.decide(earner, _issued(client, key, tpl, "a@example.com"), "accept")
    assert _holders() == 1 and _skills_item(earner)["skills"]
    refreshes.clear()
    tpl2 = active_template(client, key, name="Other", skills=["Python"])
    wallet.decide(earner, _issued(client, key, tpl2, "a@example.com"), "reject")
    assert refreshes == [earner] and _holders() == 1


def test_claim_link_accept_counts_for_the_address_owner(client, org):
    key, tpl = org
    earner = _account("a@example.com")
    cid = _issued(client, key, tpl, "a@example.com")
    claims.decide(cid, claim_token_from(sent_mail()[-1]["body"], cid), "accept")
    assert _holders() == 1 and _skills_item(earner) is not None


def test_claim_link_reject_refreshes_the_owner(client, org, refreshes):
    key, tpl = org
    earner = _account("a@example.com")
    cid = _issued(client, key, tpl, "a@example.com")
    refreshes.clear()
    claims.decide(cid, claim_token_from(sent_mail()[-1]["body"], cid), "reject")
    assert refreshes == [earner] and _holders() == 0


def test_accepted_without_an_account_counts_from_the_first_sign_in(client, org):
    key, tpl = org
    cid = _issued(client, key, tpl, "new@example.com")
    claims.decide(cid, claim_token_from(sent_mail()[-1]["body"], cid), "accept")
    assert _holders() == 0  # nobody to count yet: no account
    _account("new@example.com")
    assert _holders() == 1


def test_hide_and_show(client, org):
    key, tpl = org
    earner = _account("a@example.com")
    cid = _issued(client, key, tpl, "a@example.com")
    wallet.decide(earner, cid, "accept")
    wallet.set_private(earner, cid, True)
    assert _holders() == 0
    wallet.set_private(earner, cid, False)
    assert _holders() == 1


def test_an_added_address_brings_its_accepted_credentials(client, org):
    key, tpl = org
    cid = _issued(client, key, tpl, "second@example.com")
    claims.decide(cid, claim_token_from(sent_mail()[-1]["body"], cid), "accept")
    earner = _account("first@example.com")
    assert wallet.attach_email(earner, "second@example.com", ids.email_hash("second@example.com")) == "added"
    assert _holders() == 1


def test_a_merge_counts_the_person_once_and_drops_the_merged_away_profile(client, org):
    key, tpl = org
    tpl2 = active_template(client, key, name="Python 2", skills=["Python"])
    a, b = _account("a@example.com"), _account("b@example.com")
    wallet.decide(a, _issued(client, key, tpl, "a@example.com"), "accept")
    wallet.decide(b, _issued(client, key, tpl2, "b@example.com"), "accept")
    assert _holders() == 2  # two accounts, as far as anyone could tell
    assert wallet.attach_email(a, "b@example.com", ids.email_hash("b@example.com")) == "merged"
    assert _holders() == 1 and _skills_item(b) is None
    cred = {i["sk"]: int(i["n"]) for i in scan_table() if i["pk"] == f"SKILLSTAT#{PY}" and i["sk"].startswith("CRED#")}
    assert sorted(cred.values()) == [1, 1]  # one person holds it from both credentials


def test_removing_an_address_refreshes(client, org, refreshes):
    key, tpl = org
    earner = _account("a@example.com")
    wallet.attach_email(earner, "b@example.com", ids.email_hash("b@example.com"))
    refreshes.clear()
    wallet.remove_email(earner, ids.email_hash("b@example.com"))
    assert refreshes == [earner]


def test_revocation_by_api_and_console_and_by_replacement(client, org):
    key, tpl = org
    earner = _account("a@example.com")
    cid = _issued(client, key, tpl, "a@example.com")
    wallet.decide(earner, cid, "accept")
    assert _holders() == 1
    assert post(client, f"/credentials/{cid}/revoke", key, {"reason": "error"}).status_code == 200
    assert _holders() == 0
    cid2 = _issued(client, key, tpl, "a@example.com", duplicate_policy="allow")
    wallet.decide(earner, cid2, "accept")
    assert _holders() == 1
    cid3 = _issued(client, key, tpl, "a@example.com", duplicate_policy="replace")  # revokes the accepted one
    assert _holders() == 0
    wallet.decide(earner, cid3, "accept")
    assert _holders() == 1


def test_console_revocation_goes_through_the_same_service(client, org):
    from chalicelib.domain import members as member_rules
    from chalicelib.schemas import ConsoleRevokeIn
    from chalicelib.services import console_credentials

    key, tpl = org
    earner = _account("a@example.com")
    cid = _issued(client, key, tpl, "a@example.com")
    wallet.decide(earner, cid, "accept")
    assert _holders() == 1
    tenant = cid.split("-")[0]
    owner = member_rules.Member(tenant_id=tenant, member_id="m1", email="o@acme.example", role="admin")
    console_credentials.revoke(owner, cid, ConsoleRevokeIn(reason="Issued in error", suppress_email="yes", confirm="yes"))
    assert _holders() == 0


def test_single_issuance_does_not_refresh(client, org, refreshes):
    key, tpl = org
    _account("a@example.com")
    refreshes.clear()
    _issued(client, key, tpl, "a@example.com")
    _issued(client, key, tpl, "a@example.com", duplicate_policy="replace")  # replacing a pending one
    assert refreshes == []


def test_restriction_and_erasure(client, org):
    key, tpl = org
    earner = _account("a@example.com")
    wallet.decide(earner, _issued(client, key, tpl, "a@example.com"), "accept")
    assert _holders() == 1
    rights.restrict_earner(earner)
    assert _holders() == 0
    rights.erase_earner(earner)
    assert _holders() == 0 and _skills_item(earner) is None


def test_imports_confirm_and_reverify_refresh_the_address_owner(client, refreshes, monkeypatch):
    from chalicelib.adapters import fetch
    from chalicelib.services import badge_check
    from tests.integration.test_verify_any import Foreign

    monkeypatch.setattr(badge_check.fetching, "policy", lambda: fetch.Policy(allow_http=True, allow_private=True))
    server = Foreign()
    try:
        earner = _account("imp@example.com")
        refreshes.clear()
        res = post(client, "/imports", None, {"url": server.ob2("imp@example.com"), "email": "imp@example.com"})
        pending = body(res)
        token = sent_mail()[-1]["body"].split("?token=")[1].split('"')[0]
        imports.confirm(pending["id"], token)
        assert refreshes == [earner]
        imports.reverify(pending["id"])
        assert refreshes == [earner, earner]
    finally:
        server.close()


def test_skill_settings_opt_out_and_back(client, org):
    key, tpl = org
    earner = _account("a@example.com")
    wallet.decide(earner, _issued(client, key, tpl, "a@example.com"), "accept")
    wallet.set_skill_settings(earner, skills_public=True, counted_in_insights=False)
    assert _holders() == 0
    wallet.set_skill_settings(earner, skills_public=True, counted_in_insights=True)
    assert _holders() == 1


def test_a_failed_refresh_does_not_fail_the_change_and_is_repaired(client, org, monkeypatch):
    """A refresh that fails after an acceptance: the acceptance stands (no error page)
    and the skills page finds the stored profile stale and refreshes it."""
    from chalicelib.store import skills as store

    key, tpl = org
    earner = _account("a@example.com")
    cid = _issued(client, key, tpl, "a@example.com")
    real = store.apply

    def broken(*args, **kwargs):
        raise RuntimeError("DynamoDB unavailable")

    monkeypatch.setattr(store, "apply", broken)
    assert wallet.decide(earner, cid, "accept") == "accepted"
    assert _holders() == 0
    monkeypatch.setattr(store, "apply", real)
    skill_profile.page(earner)
    assert _holders() == 1


def test_erasure_tells_every_index_the_earner_is_gone(client, org, monkeypatch):
    from chalicelib.services import talent, workforce

    key, tpl = org
    earner = _account("a@example.com")
    wallet.decide(earner, _issued(client, key, tpl, "a@example.com"), "accept")
    told: list = []
    monkeypatch.setattr(talent, "profile_changed", lambda eid, view: told.append(("talent", eid, view)))
    monkeypatch.setattr(workforce, "profile_changed", lambda eid, view: told.append(("workforce", eid, view)))
    rights.erase_earner(earner)
    assert told and told[-2:] == [("talent", earner, None), ("workforce", earner, None)]
    assert all(view is None for _, _, view in told)


def test_an_expired_credential_still_counts_and_expiry_needs_no_refresh(client, org, refreshes):
    """domain/skills.counts: "An expired credential still counts (the person learned the
    skill; the profile marks it expired)", so the expiry sweep changes no count."""
    key, tpl = org
    earner = _account("a@example.com")
    cid = _issued(client, key, tpl, "a@example.com", issued_at="2020-01-10T09:00:00Z",
                  expires_at="2021-01-10T09:00:00Z")
    wallet.decide(earner, cid, "accept")
    assert _holders() == 1
    page = skill_profile.page(earner)
    assert page["skills"][0]["sources"][0]["state"] == "expired"
