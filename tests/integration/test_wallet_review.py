"""Regressions from the security review of the wallet and data rights: each test is
an attack or failure that used to work."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone

from chalicelib.domain import ids
from chalicelib.domain.webhooks import signature_header
from chalicelib.services import ops
from tests.conftest import body, scan_table
from tests.helpers import Browser, active_template, auth, csrf_of, issue, new_issuer, post, sign_in, signin_mail


def _dump() -> str:
    return json.dumps(scan_table(), default=str).lower()


def _request_code(b: Browser, email: str):
    csrf = b.csrf("/signin")
    res = b.post("/signin", {"email": email, "csrf": csrf})
    if res.status_code != 200:
        return res.status_code, None, csrf
    return 200, re.search(r'action="/signin/([a-z2-7]{32})"', b.text(res)).group(1), csrf


def _add_email(b: Browser, email: str):
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    page = b.text(b.post("/wallet/emails", {"email": email, "csrf": csrf}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    return b.post(f"/signin/{login_id}", {"code": signin_mail(email)[2], "csrf": csrf})


def _delete(b: Browser):
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    return b.post("/wallet/delete", {"csrf": csrf, "confirm": "delete"})


def _lms_event(client, integration, email, course="c1", score=95, event_id="e1"):
    raw = json.dumps({"event": "course.completed", "event_id": event_id, "email": email, "first_name": "Grace",
                      "last_name": "Hopper", "course_id": course, "score": score}).encode()
    res = client.http.post(f"/hooks/lms/{integration['id']}", body=raw, headers={
        "Content-Type": "application/json",
        "Laurel-Signature": signature_header([integration["secret"].encode()], int(time.time()), raw)})
    assert res.status_code in (200, 202), res.body
    return body(res)


def test_typed_codes_have_a_daily_budget_per_address(client, monkeypatch):
    from chalicelib.services import signin

    clock = [datetime(2030, 1, 1, 0, 14, 0, tzinfo=timezone.utc)]
    monkeypatch.setattr(signin.clock, "utcnow", lambda: clock[0])
    attacker, answers = Browser(client), []
    for window in range(2):  # two rate windows, seconds apart
        for _ in range(5):
            status, login_id, csrf = _request_code(attacker, "victim@example.com")
            if status != 200:
                break
            for _ in range(5):
                answers.append(attacker.post(f"/signin/{login_id}", {"code": "000000", "csrf": csrf}).status_code)
        clock[0] += timedelta(minutes=1)
    assert answers.count(400) == 20 and set(answers) == {400, 429}  # 20 guesses a day, then only the link works
    # the victim's own link still signs her in
    victim = Browser(client)
    login_id, token, _ = signin_mail("victim@example.com")
    page = victim.get(f"/signin/{login_id}?token={token}")
    assert victim.post(f"/signin/{login_id}", {"token": token, "csrf": csrf_of(victim.text(page))}).status_code == 303


def test_the_code_is_not_in_the_subject(client):
    b = Browser(client)
    _request_code(b, "grace@example.com")
    from tests.conftest import sent_mail

    mail = sent_mail()[-1]
    assert not re.search(r"\b[0-9]{6}\b", mail["subject"]) and re.search(r">[0-9]{6}</strong>", mail["body"])


def test_an_interrupted_erasure_finishes_when_run_again(client, monkeypatch):
    _, key = new_issuer()
    tpl = active_template(client, key)
    lms = body(post(client, "/integrations", key, {"name": "LMS", "rules": {"c1": {"template_id": tpl}}}))
    _lms_event(client, lms, "grace@example.com")
    b = Browser(client)
    sign_in(b, "grace@example.com")
    from chalicelib.store import credentials as cred_store

    real, calls = cred_store.erase, []

    def flaky(*args):
        calls.append(args)
        raise TimeoutError("the Lambda ran out of time")

    monkeypatch.setattr(cred_store, "erase", flaky)
    assert _delete(b).status_code == 500
    monkeypatch.setattr(cred_store, "erase", real)
    assert _delete(b).status_code == 200
    dump = _dump()
    assert "grace@example.com" not in dump and "hopper" not in dump


def test_erasure_finds_retakes_and_waiting_rows_in_tenants_without_credentials(client):
    _, key = new_issuer("Other Academy")
    tpl = active_template(client, key)
    lms = body(post(client, "/integrations", key, {"name": "LMS", "rules": {
        "c1": {"template_id": tpl, "schedule_weekday": "MON"}}}))
    assert _lms_event(client, lms, "grace@example.com")["status"] == "scheduled"
    _, key3 = new_issuer("Third")
    tpl3 = active_template(client, key3)
    lms3 = body(post(client, "/integrations", key3, {"name": "LMS", "rules": {"c1": {"template_id": tpl3}}}))
    assert _lms_event(client, lms3, "grace@example.com", score=10)["status"] == "retake"
    b = Browser(client)
    sign_in(b, "grace@example.com")
    assert _delete(b).status_code == 200
    dump = _dump()
    assert "grace@example.com" not in dump and "hopper" not in dump
    from chalicelib.services import bulk

    assert bulk.issue_scheduled("MON") == []  # nothing left to issue to the erased person


def test_erasure_matches_addresses_exactly(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    tpl2 = active_template(client, key, name="Other")
    lms = body(post(client, "/integrations", key, {"name": "LMS", "rules": {
        "c1": {"template_id": tpl}, "c2": {"template_id": tpl2, "schedule_weekday": "MON"}}}))
    issue(client, key, tpl, email="bob@x.example")
    _lms_event(client, lms, "jimbob@x.example", course="c2", event_id="jim")
    op = {"Authorization": f"Bearer {ops.create_operator_key('dpo')}", "Content-Type": "application/json"}
    res = client.http.post("/ops/data-requests/erase", headers=op,
                           body=json.dumps({"email": "bob@x.example", "confirm": "erase"}))
    assert res.status_code == 200
    assert [i for i in scan_table() if "#SCHED#" in i["pk"]]  # Jim's waiting row is his
    assert "jimbob@x.example" in _dump()
    assert not [i for i in scan_table() if i.get("email") == "bob@x.example"]


def test_a_merged_away_account_leaves_nothing_behind(client):
    a, other = Browser(client), Browser(client)
    sign_in(other, "grace@navy.example")
    csrf = csrf_of(other.text(other.get("/wallet/settings")))
    other.post("/wallet/settings/profile", {"display_name": "Rear Admiral Hopper", "profile": "private", "csrf": csrf})
    sign_in(a, "grace@example.com")
    assert _add_email(a, "grace@navy.example").headers["Location"] == "/wallet/settings?email=merged"
    assert other.get("/wallet").status_code == 303
    assert "rear admiral hopper" not in _dump()  # the old account and its sessions are gone at merge time
    assert _delete(a).status_code == 200
    assert not [i for i in scan_table() if i["pk"].startswith(("EARNER#", "SESSION#", "EMAIL#"))]


def test_a_kept_credential_stays_with_its_keeper_when_the_mailbox_changes_hands(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cid = body(issue(client, key, tpl, email="shared@corp.example"))["id"]
    old = Browser(client)
    sign_in(old, "shared@corp.example")
    csrf = csrf_of(old.text(old.get("/wallet")))
    old.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf})
    _add_email(old, "me@home.example")
    assert old.post("/wallet/emails/remove", {"email_hash": ids.email_hash("shared@corp.example"),
                                              "csrf": csrf}).status_code == 303
    newcomer = Browser(client)
    sign_in(newcomer, "shared@corp.example")  # the recycled mailbox's next owner
    assert cid not in newcomer.text(newcomer.get("/wallet"))
    ncsrf = csrf_of(newcomer.text(newcomer.get("/wallet")))
    assert newcomer.post(f"/wallet/credentials/{cid}/visibility", {"visibility": "private", "csrf": ncsrf}
                         ).status_code == 404
    assert _delete(newcomer).status_code == 200
    assert client.http.get(f"/badges/{cid}").status_code == 200  # still the keeper's, still public
    assert cid in old.text(old.get("/wallet"))


def test_accepting_in_the_wallet_keeps_the_issuers_earner_id(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cid = body(issue(client, key, tpl, earner_id="HR-000042"))["id"]
    b = Browser(client)
    sign_in(b, "grace@example.com")
    csrf = csrf_of(b.text(b.get("/wallet")))
    b.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf})
    assert body(client.http.get(f"/credentials/{cid}", headers=auth(key)))["recipient"]["earner_id"] == "HR-000042"


def test_foreign_cookies_do_not_sign_the_earner_out(client):
    b = Browser(client)
    sign_in(b, "grace@example.com")
    b.cookies = {"cc_cookie": '{"level":["necessary"]}', "x": "a b", **b.cookies}
    assert b.get("/wallet").status_code == 200
    fresh = Browser(client)
    csrf = fresh.csrf("/signin")
    fresh.cookies = {"cc_cookie": '{"level":1}', **fresh.cookies}
    assert fresh.post("/signin", {"email": "grace@example.com", "csrf": csrf}).status_code == 200


def test_removing_an_address_signs_out_whoever_used_it(client):
    owner, intruder = Browser(client), Browser(client)
    sign_in(owner, "me@home.example")
    csrf = csrf_of(owner.text(owner.get("/wallet/settings")))
    _add_email(owner, "old@corp.example")
    sign_in(intruder, "old@corp.example")
    assert intruder.get("/wallet").status_code == 200
    owner.post("/wallet/emails/remove", {"email_hash": ids.email_hash("old@corp.example"), "csrf": csrf})
    assert intruder.get("/wallet").status_code == 303
    assert owner.get("/wallet").status_code == 200  # the one who asked stays in


def test_two_removals_at_once_never_leave_an_account_without_an_address(client, monkeypatch):
    from chalicelib.services import wallet
    from chalicelib.store import earners as store

    b = Browser(client)
    sign_in(b, "a@example.com")
    _add_email(b, "b@example.com")
    earner = store.email_owner(ids.email_hash("a@example.com"))
    stale = store.emails_of(earner)
    monkeypatch.setattr(store, "emails_of", lambda e: stale)  # both requests read before either writes
    wallet.remove_email(earner, ids.email_hash("a@example.com"))
    from chalicelib.domain.errors import Conflict

    try:
        wallet.remove_email(earner, ids.email_hash("b@example.com"))
    except Conflict as exc:
        assert exc.code == "last_email"
    monkeypatch.undo()
    assert len(store.emails_of(earner)) == 1


def test_restriction_holds_until_the_earner_lifts_it(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    tpl2 = active_template(client, key, name="Second")
    first = body(issue(client, key, tpl))["id"]
    later = body(issue(client, key, tpl2))["id"]
    from tests.helpers import claim_token_from
    from tests.conftest import sent_mail

    token = claim_token_from(sent_mail()[-1]["body"], later)
    b = Browser(client)
    sign_in(b, "grace@example.com")
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    b.post("/wallet/restrict", {"csrf": csrf})
    b.post(f"/wallet/credentials/{first}/decision", {"decision": "accept", "csrf": csrf})
    assert client.http.get(f"/badges/{first}").status_code == 404  # accepted, but hidden
    res = client.http.post(f"/claim/{later}", headers={"Content-Type": "application/json"},
                           body=json.dumps({"token": token, "decision": "accept"}))
    assert res.status_code == 200 and "/wallet/credentials/" in body(res)["url"]
    assert client.http.get(f"/badges/{later}").status_code == 404  # the claim link too
    b.post(f"/wallet/credentials/{first}/visibility", {"visibility": "public", "csrf": csrf})  # lifting it
    assert client.http.get(f"/badges/{first}").status_code == 200


def test_next_is_the_page_the_earner_asked_for(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cid = body(issue(client, key, tpl))["id"]
    b = Browser(client)
    res = b.get(f"/wallet/credentials/{cid}")
    assert res.headers["Location"] == f"/signin?next=%2Fwallet%2Fcredentials%2F{cid}"
    assert sign_in(b, "grace@example.com", f"/wallet/credentials/{cid}").headers["Location"] == \
        f"/wallet/credentials/{cid}"


def test_exports_are_limited_per_day(client):
    b = Browser(client)
    sign_in(b, "grace@example.com")
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    codes = [b.post("/wallet/export", {"csrf": csrf, "email_hash": ids.email_hash("grace@example.com")}).status_code
             for _ in range(6)]
    assert codes == [303] * 5 + [429]
