"""Earners: sign-in, sessions, the wallet, privacy, addresses and merges, sharing,
and what an attacker tries (tampered cookies, replayed links, forged forms,
open redirects, another earner's credential)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.domain import ids
from tests.conftest import body, scan_table, sent_mail, stored_text
from tests.helpers import (
    Browser,
    active_template,
    auth,
    claim_token_from,
    csrf_of,
    delete_account,
    issue,
    new_issuer,
    sign_in,
    signin_mail,
)


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def _accept(b: Browser, cid: str):
    csrf = csrf_of(b.text(b.get("/wallet")))
    res = b.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf})
    assert res.status_code == 303, res.body
    return res


def _state(cid: str) -> dict:
    tenant, rand = cid.split("-")
    return next(i for i in scan_table() if i["pk"] == f"T#{tenant}#C#{rand}")


# ------------------------------------------------------------------ sign-in


def test_first_sign_in_shows_every_credential_ever_sent_to_the_address(client, issuer):
    key, tpl = issuer
    first = body(issue(client, key, tpl, email="Grace@Example.com"))
    other_tpl = active_template(client, key, name="Compiler Pioneer", kind="badge", skills=["Compilers"])
    second = body(issue(client, key, other_tpl))
    token = claim_token_from(sent_mail()[-1]["body"], second["id"])
    client.http.post(f"/claim/{second['id']}", headers={"Content-Type": "application/json"},
                     body=f'{{"token": "{token}", "decision": "accept"}}')
    b = Browser(client)
    res = sign_in(b, "grace@example.com")
    assert res.headers["Location"] == "/wallet"
    html = b.text(b.get("/wallet"))
    pending_at, held_at = html.index("Waiting for your decision"), html.index("Your credentials")
    assert pending_at < html.index(f'id="c-{first["id"]}"') < held_at < html.index(f'id="c-{second["id"]}"')
    # filters: by kind, by skill, by issuer
    assert first["id"] not in b.text(b.get("/wallet?kind=badge")) and second["id"] in b.text(b.get("/wallet?kind=badge"))
    assert first["id"] not in b.text(b.get("/wallet?skill=Compilers"))
    assert "No credential matches" in b.text(b.get("/wallet?issuer=Nobody"))


def test_session_cookie_is_httponly_secure_lax_and_sign_out_ends_it_server_side(client, issuer):
    b = Browser(client)
    res = sign_in(b, "grace@example.com")
    cookie = res.headers["Set-Cookie"]
    assert cookie.startswith("laurel_session=")
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    stolen = dict(b.cookies)
    csrf = csrf_of(b.text(b.get("/wallet")))
    assert b.post("/signout", {"csrf": csrf}).status_code == 303
    assert not any(i["pk"].startswith("SESSION#") for i in scan_table())
    replay = client.http.get("/wallet", headers={"Cookie": f"laurel_session={stolen['laurel_session']}"})
    assert replay.status_code == 303 and replay.headers["Location"].startswith("/signin")


def test_code_signs_in_on_another_device_and_five_wrong_codes_kill_the_request(client, issuer):
    desktop = Browser(client)
    csrf = desktop.csrf("/signin")
    page = desktop.text(desktop.post("/signin", {"email": "grace@example.com", "csrf": csrf}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    _, _, code = signin_mail("grace@example.com")
    wrong = "000000" if code != "000000" else "111111"
    res = desktop.post(f"/signin/{login_id}", {"code": wrong, "csrf": csrf})
    assert res.status_code == 400 and "4 tries left" in desktop.text(res)
    assert desktop.post(f"/signin/{login_id}", {"code": code, "csrf": csrf}).status_code == 303
    assert desktop.get("/wallet").status_code == 200

    second = Browser(client)
    csrf = second.csrf("/signin")
    page = second.text(second.post("/signin", {"email": "grace@example.com", "csrf": csrf}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    _, _, code = signin_mail("grace@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        second.post(f"/signin/{login_id}", {"code": wrong, "csrf": csrf})
    res = second.post(f"/signin/{login_id}", {"code": code, "csrf": csrf})
    assert res.status_code == 410 and "laurel_session" not in second.cookies


def test_used_and_expired_links_show_a_clear_page_and_sign_nobody_in(client, issuer, monkeypatch):
    b = Browser(client)
    sign_in(b, "grace@example.com")
    login_id, token, _ = signin_mail("grace@example.com")
    replay = Browser(client)
    page = replay.get(f"/signin/{login_id}?token={token}")
    assert page.status_code == 410 and "already used" in replay.text(page)
    csrf = replay.csrf("/signin")
    res = replay.post(f"/signin/{login_id}", {"token": token, "csrf": csrf})
    assert res.status_code == 410 and "laurel_session" not in replay.cookies

    late = Browser(client)
    csrf = late.csrf("/signin")
    late.post("/signin", {"email": "grace@example.com", "csrf": csrf})
    login_id, token, _ = signin_mail("grace@example.com")
    from chalicelib.services import clock

    real = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: real + timedelta(minutes=16))
    page = late.get(f"/signin/{login_id}?token={token}")
    assert page.status_code == 410 and "expired" in late.text(page)
    res = late.post(f"/signin/{login_id}", {"token": token, "csrf": csrf})
    assert res.status_code == 410 and "laurel_session" not in late.cookies
    bogus = late.get(f"/signin/{login_id}?token=notthetoken")
    assert bogus.status_code == 410  # the link has expired, whatever token comes with it


def test_tampered_or_expired_session_cookie_is_signed_out(client, issuer, monkeypatch):
    b = Browser(client)
    sign_in(b, "grace@example.com")
    value = b.cookies["laurel_session"]
    session_id, stamp, sig = value.split(".")
    forged = f"{'a' * len(session_id)}.{stamp}.{sig}"
    for cookie in (forged, value[:-2] + "xx", "garbage", ""):
        res = client.http.get("/wallet", headers={"Cookie": f"laurel_session={cookie}"})
        assert res.status_code == 303 and res.headers["Location"].startswith("/signin"), cookie
    from chalicelib.services import clock

    real = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: real + timedelta(days=8))
    assert b.get("/wallet").status_code == 303


def test_forms_without_the_csrf_token_change_nothing(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    b = Browser(client)
    sign_in(b, "grace@example.com")
    before = scan_table()
    for fields, status in [({"decision": "accept"}, 422), ({"decision": "accept", "csrf": "forged"}, 403)]:
        res = b.post(f"/wallet/credentials/{cred['id']}/decision", fields)
        assert res.status_code == status, res.body
    # a token from another browser's session is no good either
    other = Browser(client)
    sign_in(other, "someone@example.com")
    stolen_csrf = csrf_of(other.text(other.get("/wallet")))
    assert b.post(f"/wallet/credentials/{cred['id']}/decision",
                  {"decision": "accept", "csrf": stolen_csrf}).status_code == 403
    assert _state(cred["id"])["status"] == "pending"
    # the sign-in form too: no token, no mail
    mails = len(sent_mail())
    stranger = Browser(client)
    assert stranger.post("/signin", {"email": "grace@example.com", "csrf": "x"}).status_code == 403
    assert len(sent_mail()) == mails
    assert len([i for i in scan_table() if i["pk"].startswith("LOGIN#")]) == \
        len([i for i in before if i["pk"].startswith("LOGIN#")]) + 1  # only `other`'s sign-in


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                                    "/\r\nSet-Cookie:x", "\t/\t/evil.example"])
def test_open_redirects_in_next_are_refused(client, target):
    b = Browser(client)
    from urllib.parse import quote

    res = b.get("/signin?next=" + quote(target, safe=""))
    assert res.status_code == 400 and "Location" not in res.headers
    csrf = b.csrf("/signin")
    res = b.post("/signin", {"email": "grace@example.com", "csrf": csrf, "next": target})
    assert res.status_code == 400
    assert not any(m["to"] == ["grace@example.com"] for m in sent_mail())


def test_next_brings_the_earner_back_where_they_were(client, issuer):
    b = Browser(client)
    res = b.get("/wallet/settings")
    assert res.status_code == 303
    next_path = parse_qs(urlsplit(res.headers["Location"]).query)["next"][0]
    assert next_path == "/wallet/settings"
    assert sign_in(b, "grace@example.com", next_path).headers["Location"] == "/wallet/settings"


def test_sign_in_requests_are_rate_limited_per_address(client):
    b = Browser(client)
    csrf = b.csrf("/signin")
    codes = [b.post("/signin", {"email": "flood@example.com", "csrf": csrf}).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert len([m for m in sent_mail() if m["to"] == ["flood@example.com"]]) == 5
    assert b.post("/signin", {"email": "other@example.com", "csrf": csrf}).status_code == 200


def test_sign_in_requests_are_rate_limited_per_client_address(client):
    b = Browser(client)
    csrf = b.csrf("/signin")
    codes = [b.post("/signin", {"email": f"p{i}@example.com", "csrf": csrf}).status_code for i in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def _request_code(b: Browser, email: str) -> tuple[str, str]:
    """Ask for a sign-in mail from the form; (login id, csrf token) of the code page."""
    csrf = b.csrf("/signin")
    res = b.post("/signin", {"email": email, "csrf": csrf})
    assert res.status_code == 200, res.body
    return re.search(r'action="/signin/([a-z2-7]{32})"', b.text(res)).group(1), csrf


def test_typed_codes_have_a_daily_budget_per_address(client, monkeypatch):
    from datetime import datetime, timezone

    from chalicelib.services import signin

    clock = [datetime(2030, 1, 1, 0, 14, 0, tzinfo=timezone.utc)]
    monkeypatch.setattr(signin.clock, "utcnow", lambda: clock[0])
    attacker, answers = Browser(client), []
    for window in range(2):  # two rate windows, a minute apart: five sign-in mails in each
        for _ in range(5):
            login_id, csrf = _request_code(attacker, "victim@example.com")
            for _ in range(5):
                answers.append(attacker.post(f"/signin/{login_id}", {"code": "000000", "csrf": csrf}).status_code)
        clock[0] += timedelta(minutes=1)
    assert answers == [400] * 20 + [429] * 30  # 20 guesses a day, then only the link works
    # the victim's own link still signs her in
    victim = Browser(client)
    login_id, token, _ = signin_mail("victim@example.com")
    page = victim.get(f"/signin/{login_id}?token={token}")
    assert victim.post(f"/signin/{login_id}", {"token": token, "csrf": csrf_of(victim.text(page))}).status_code == 303


def test_the_code_is_not_in_the_subject(client):
    _request_code(Browser(client), "grace@example.com")
    mail = sent_mail()[-1]
    assert not re.search(r"\b[0-9]{6}\b", mail["subject"]) and re.search(r">[0-9]{6}</strong>", mail["body"])


def test_foreign_cookies_do_not_sign_the_earner_out(client):
    b = Browser(client)
    sign_in(b, "grace@example.com")
    b.cookies = {"cc_cookie": '{"level":["necessary"]}', "x": "a b", **b.cookies}
    assert b.get("/wallet").status_code == 200
    fresh = Browser(client)
    csrf = fresh.csrf("/signin")
    fresh.cookies = {"cc_cookie": '{"level":1}', **fresh.cookies}
    assert fresh.post("/signin", {"email": "grace@example.com", "csrf": csrf}).status_code == 200


def test_next_is_the_page_the_earner_asked_for(client, issuer):
    key, tpl = issuer
    cid = body(issue(client, key, tpl))["id"]
    b = Browser(client)
    res = b.get(f"/wallet/credentials/{cid}")
    assert res.headers["Location"] == f"/signin?next=%2Fwallet%2Fcredentials%2F{cid}"
    assert sign_in(b, "grace@example.com", f"/wallet/credentials/{cid}").headers["Location"] == \
        f"/wallet/credentials/{cid}"


# ------------------------------------------------------------------ wallet actions


def test_accept_in_the_wallet_uses_up_the_mailed_claim_link(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    b = Browser(client)
    sign_in(b, "grace@example.com")
    assert _accept(b, cred["id"]).headers["Location"] == f"/wallet/credentials/{cred['id']}?accepted=1"
    assert _state(cred["id"])["status"] == "accepted"
    res = client.http.get(f"/claim/{cred['id']}?token={token}")
    assert res.status_code == 410
    # a second decision (another window) is refused clearly
    csrf = csrf_of(b.text(b.get("/wallet")))
    res = b.post(f"/wallet/credentials/{cred['id']}/decision", {"decision": "reject", "csrf": csrf})
    assert res.status_code == 409 and _state(cred["id"])["status"] == "accepted"
    assert client.http.get(f"/badges/{cred['id']}").status_code == 200


def test_reject_from_the_wallet(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    b = Browser(client)
    sign_in(b, "grace@example.com")
    csrf = csrf_of(b.text(b.get("/wallet")))
    res = b.post(f"/wallet/credentials/{cred['id']}/decision", {"decision": "reject", "csrf": csrf})
    assert res.status_code == 303 and _state(cred["id"])["status"] == "rejected"
    assert client.http.get(f"/badges/{cred['id']}").status_code == 404


def test_another_earner_cannot_see_or_touch_my_credential(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    mallory = Browser(client)
    sign_in(mallory, "mallory@example.com")
    csrf = csrf_of(mallory.text(mallory.get("/wallet")))
    assert cred["id"] not in mallory.text(mallory.get("/wallet"))
    assert mallory.get(f"/wallet/credentials/{cred['id']}").status_code == 404
    assert mallory.get(f"/wallet/credentials/{cred['id']}/download").status_code == 404
    for path, fields in ((f"/wallet/credentials/{cred['id']}/decision", {"decision": "accept"}),
                         (f"/wallet/credentials/{cred['id']}/visibility", {"visibility": "private"})):
        assert mallory.post(path, {**fields, "csrf": csrf}).status_code == 404
    assert _state(cred["id"])["status"] == "pending"
    # no session at all: sent to sign in (GET) or refused (POST)
    anonymous = Browser(client)
    assert anonymous.get(f"/wallet/credentials/{cred['id']}").status_code == 303
    assert anonymous.post(f"/wallet/credentials/{cred['id']}/decision", {"decision": "accept", "csrf": "x"}).status_code == 401


def test_accepting_in_the_wallet_keeps_the_issuers_earner_id(client, issuer):
    key, tpl = issuer
    cid = body(issue(client, key, tpl, earner_id="HR-000042"))["id"]
    b = Browser(client)
    sign_in(b, "grace@example.com")
    _accept(b, cid)
    assert body(client.http.get(f"/credentials/{cid}", headers=auth(key)))["recipient"]["earner_id"] == "HR-000042"


# ------------------------------------------------------------------ privacy


def test_private_credential_answers_404_on_every_public_route(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    b = Browser(client)
    sign_in(b, "grace@example.com")
    _accept(b, cred["id"])
    csrf = csrf_of(b.text(b.get(f"/wallet/credentials/{cred['id']}")))
    assert b.post(f"/wallet/credentials/{cred['id']}/visibility", {"visibility": "private", "csrf": csrf}).status_code == 303
    assert client.http.get(f"/badges/{cred['id']}").status_code == 404
    assert client.http.get(f"/badges/{cred['id']}.json").status_code == 404
    # its Open Badges documents too: their salted hashes would confirm a guessed address
    # (issue 12; tests/integration/test_publicity.py checks every route and state)
    assert client.http.get(f"/ob/v2/assertions/{cred['id']}").status_code == 404
    assert client.http.get(f"/ob/v3/credentials/{cred['id']}").status_code == 404
    # the owner still sees it in the wallet, marked private
    assert "Private" in b.text(b.get(f"/wallet/credentials/{cred['id']}"))
    assert b.post(f"/wallet/credentials/{cred['id']}/visibility", {"visibility": "public", "csrf": csrf}).status_code == 303
    assert client.http.get(f"/badges/{cred['id']}").status_code == 200


def test_pending_credentials_cannot_be_made_public(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    b = Browser(client)
    sign_in(b, "grace@example.com")
    csrf = csrf_of(b.text(b.get("/wallet")))
    res = b.post(f"/wallet/credentials/{cred['id']}/visibility", {"visibility": "public", "csrf": csrf})
    assert res.status_code == 409
    assert client.http.get(f"/badges/{cred['id']}").status_code == 404


def test_public_profile_lists_only_public_credentials(client, issuer):
    key, tpl = issuer
    shown = body(issue(client, key, tpl))
    hidden_tpl = active_template(client, key, name="Hidden Achievement")
    hidden = body(issue(client, key, hidden_tpl))
    pending_tpl = active_template(client, key, name="Still Pending")
    body(issue(client, key, pending_tpl))
    b = Browser(client)
    sign_in(b, "grace@example.com")
    _accept(b, shown["id"])
    _accept(b, hidden["id"])
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    b.post(f"/wallet/credentials/{hidden['id']}/visibility", {"visibility": "private", "csrf": csrf})
    settings = b.text(b.get("/wallet/settings"))
    assert "profile-link" not in settings
    earner_id = next(i for i in scan_table() if i["sk"] == "PROFILE" and i["pk"].startswith("EARNER#"))["earner_id"]
    assert client.http.get(f"/profiles/{earner_id}").status_code == 404  # private by default
    res = b.post("/wallet/settings/profile", {"display_name": "<script>alert(1)</script> Grace", "profile": "public",
                                              "csrf": csrf})
    assert res.status_code == 303
    page = client.http.get(f"/profiles/{earner_id}").body.decode()
    assert "Data Steward" in page and "Hidden Achievement" not in page and "Still Pending" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert client.http.get("/profiles/notanid").status_code == 404


# ------------------------------------------------------------------ several addresses, one person


def _add_email(b: Browser, email: str, *, code: str | None = None):
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    page = b.text(b.post("/wallet/emails", {"email": email, "csrf": csrf}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    real_code = signin_mail(email)[2]
    return b.post(f"/signin/{login_id}", {"code": code or real_code, "csrf": csrf}), login_id, real_code, csrf


def test_a_secondary_address_brings_its_credentials(client, issuer):
    key, tpl = issuer
    work = body(issue(client, key, tpl, email="grace@navy.example"))
    b = Browser(client)
    sign_in(b, "grace@example.com")
    res, *_ = _add_email(b, "grace@navy.example")
    assert res.status_code == 303 and res.headers["Location"] == "/wallet/settings?email=added"
    assert "grace@navy.example" in b.text(b.get("/wallet/settings"))
    assert work["id"] in b.text(b.get("/wallet"))


def test_merge_moves_everything_and_removing_an_address_keeps_accepted_credentials(client, issuer):
    key, tpl = issuer
    personal = body(issue(client, key, tpl, email="grace@example.com"))
    other_tpl = active_template(client, key, name="Navy Badge")
    work = body(issue(client, key, other_tpl, email="grace@navy.example"))
    # two accounts, one per address; the work one accepted and hid its credential
    home, office = Browser(client), Browser(client)
    sign_in(home, "grace@example.com")
    sign_in(office, "grace@navy.example")
    _accept(office, work["id"])
    csrf = csrf_of(office.text(office.get("/wallet")))
    office.post(f"/wallet/credentials/{work['id']}/visibility", {"visibility": "private", "csrf": csrf})
    # proving the work address from the home account merges the two
    res, *_ = _add_email(home, "grace@navy.example")
    assert res.headers["Location"] == "/wallet/settings?email=merged"
    wallet = home.text(home.get("/wallet"))
    assert personal["id"] in wallet and work["id"] in wallet
    assert "Private" in home.text(home.get(f"/wallet/credentials/{work['id']}"))  # settings travel with it
    assert office.get("/wallet").status_code == 303  # the merged account's sessions end
    owners = {i["pk"]: i["earner_id"] for i in scan_table() if i["sk"] == "OWNER"}
    assert len(set(owners.values())) == 1 and len(owners) == 2
    # removing the work address keeps the accepted credential in the wallet
    settings = home.text(home.get("/wallet/settings"))
    email_hash = re.search(r'name="email_hash" value="([0-9a-f]{64})"[^<]*\s*<button[^>]*aria-label="Remove grace@navy.example"',
                           settings).group(1)
    res = home.post("/wallet/emails/remove", {"email_hash": email_hash, "csrf": csrf_of(settings)})
    assert res.status_code == 303
    assert "grace@navy.example" not in home.text(home.get("/wallet/settings"))
    assert work["id"] in home.text(home.get("/wallet"))
    assert home.get(f"/wallet/credentials/{work['id']}").status_code == 200
    assert _state(work["id"])["status"] == "accepted"
    # the last address cannot be removed
    settings = home.text(home.get("/wallet/settings"))
    last_hash = re.search(r'name="email_hash" value="([0-9a-f]{64})"', settings)
    assert last_hash is None  # no remove button for the only address
    from chalicelib.domain.ids import email_hash as hash_of

    res = home.post("/wallet/emails/remove", {"email_hash": hash_of("grace@example.com"), "csrf": csrf_of(settings)})
    assert res.status_code == 409


def test_merge_without_proof_of_the_second_address_is_refused(client, issuer):
    key, tpl = issuer
    body(issue(client, key, tpl, email="grace@navy.example"))
    home, office = Browser(client), Browser(client)
    sign_in(home, "grace@example.com")
    sign_in(office, "grace@navy.example")
    before = [i for i in scan_table() if i["pk"].startswith(("EMAIL#", "EARNER#"))]
    res, login_id, code, csrf = _add_email(home, "grace@navy.example", code="999999")
    if code == "999999":
        pytest.skip("the random code happened to be the wrong one we typed")
    assert res.status_code == 400
    # the mailed link opened by someone signed in to another account does not merge either
    _, token, _ = signin_mail("grace@navy.example")
    page = office.get(f"/signin/{login_id}?token={token}")
    res = office.post(f"/signin/{login_id}", {"token": token, "csrf": csrf_of(office.text(page))})
    assert res.status_code == 403
    after = [i for i in scan_table() if i["pk"].startswith(("EMAIL#", "EARNER#"))]
    assert after == before
    assert office.get("/wallet").status_code == 200


def test_a_merged_away_account_leaves_nothing_behind(client):
    a, other = Browser(client), Browser(client)
    sign_in(other, "grace@navy.example")
    csrf = csrf_of(other.text(other.get("/wallet/settings")))
    other.post("/wallet/settings/profile", {"display_name": "Rear Admiral Hopper", "profile": "private", "csrf": csrf})
    sign_in(a, "grace@example.com")
    res, *_ = _add_email(a, "grace@navy.example")
    assert res.headers["Location"] == "/wallet/settings?email=merged"
    assert other.get("/wallet").status_code == 303
    assert "rear admiral hopper" not in stored_text()  # the old account and its sessions are gone at merge time
    assert delete_account(a).status_code == 200
    assert not [i for i in scan_table() if i["pk"].startswith(("EARNER#", "SESSION#", "EMAIL#"))]


def test_a_kept_credential_stays_with_its_keeper_when_the_mailbox_changes_hands(client, issuer):
    key, tpl = issuer
    cid = body(issue(client, key, tpl, email="shared@corp.example"))["id"]
    old = Browser(client)
    sign_in(old, "shared@corp.example")
    _accept(old, cid)
    csrf = csrf_of(old.text(old.get("/wallet")))
    _add_email(old, "me@home.example")
    assert old.post("/wallet/emails/remove", {"email_hash": ids.email_hash("shared@corp.example"),
                                              "csrf": csrf}).status_code == 303
    newcomer = Browser(client)
    sign_in(newcomer, "shared@corp.example")  # the recycled mailbox's next owner
    assert cid not in newcomer.text(newcomer.get("/wallet"))
    ncsrf = csrf_of(newcomer.text(newcomer.get("/wallet")))
    assert newcomer.post(f"/wallet/credentials/{cid}/visibility", {"visibility": "private", "csrf": ncsrf}
                         ).status_code == 404
    assert delete_account(newcomer).status_code == 200
    assert client.http.get(f"/badges/{cid}").status_code == 200  # still the keeper's, still public
    assert cid in old.text(old.get("/wallet"))


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
    from chalicelib.domain.errors import Conflict
    from chalicelib.services import wallet
    from chalicelib.store import earners as store

    b = Browser(client)
    sign_in(b, "a@example.com")
    _add_email(b, "b@example.com")
    earner = store.email_owner(ids.email_hash("a@example.com"))
    stale = store.emails_of(earner)
    monkeypatch.setattr(store, "emails_of", lambda e: stale)  # both requests read before either writes
    wallet.remove_email(earner, ids.email_hash("a@example.com"))
    with pytest.raises(Conflict) as refused:
        wallet.remove_email(earner, ids.email_hash("b@example.com"))
    assert refused.value.code == "last_email"
    monkeypatch.undo()
    assert [e.email for e in store.emails_of(earner)] == ["b@example.com"]


# ------------------------------------------------------------------ share, download, escaping


def test_share_tools_and_linkedin_parameters(client):
    from chalicelib.schemas import IssuerIn
    from chalicelib.services import issuers

    issuer, key = issuers.create_issuer(IssuerIn(name="Acme <b>Academy</b>", url="https://acme.example",
                                                 email="badges@acme.example"))
    tpl = active_template(client, key, name='Data "Steward" <script>x</script>')
    cred = body(issue(client, key, tpl))
    b = Browser(client)
    sign_in(b, "grace@example.com")
    wallet = b.text(b.get("/wallet"))
    assert "<script>x</script>" not in wallet and "&lt;script&gt;x&lt;/script&gt;" in wallet
    _accept(b, cred["id"])
    page = b.text(b.get(f"/wallet/credentials/{cred['id']}"))
    assert "<script>x</script>" not in page and "<b>Academy</b>" not in page
    import html as html_mod

    href = html_mod.unescape(re.search(r'id="linkedin-add" href="([^"]+)"', page).group(1))
    assert href == f"/wallet/credentials/{cred['id']}/linkedin"  # Laurel's redirect counts the click
    q = parse_qs(urlsplit(b.get(href).headers["Location"]).query)
    assert q["startTask"] == ["CERTIFICATION_NAME"]
    assert q["name"] == ['Data "Steward" <script>x</script>']
    assert q["organizationName"] == ["Acme <b>Academy</b>"] and "organizationId" not in q
    assert q["certUrl"] == [f"https://laurel.test/badges/{cred['id']}"] and q["certId"] == [cred["id"]]
    assert q["expirationYear"] == [cred["expires_at"][:4]]
    assert "Share on XING" in page and b.get(f"/wallet/credentials/{cred['id']}/share/whatsapp").headers[
        "Location"].startswith("https://wa.me/?")
    # the download is the baked image, as a file
    res = b.get(f"/wallet/credentials/{cred['id']}/download")
    assert res.status_code == 302
    location = res.headers["Location"]
    assert "response-content-disposition=attachment" in location
    import boto3

    key_name = urlsplit(location).path.split("/laurel-test-assets/", 1)[-1].lstrip("/")
    if key_name.startswith("laurel-test-assets/"):
        key_name = key_name.split("/", 1)[1]
    data = boto3.client("s3", region_name="us-east-1").get_object(Bucket="laurel-test-assets", Key=key_name)["Body"].read()
    assert data.startswith(b"\x89PNG") and b"openbadges" in data
