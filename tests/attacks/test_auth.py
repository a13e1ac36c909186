"""Authentication: every issuer and operator route refuses missing, malformed,
revoked, other-stage and forged keys before it reads or writes anything; sessions
cannot be fixed by an attacker; claim and sign-in tokens work once."""

from __future__ import annotations

import json
import re

import pytest

from app import app
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import Browser, active_template, auth, claim_token_from, csrf_of, issue, new_issuer, post, sign_in

EARNER_OR_PUBLIC = ("/badges/", "/claim/", "/_local/", "/ob/", "/.well-known/", "/verify", "/imports", "/hooks/",
                    "/signin", "/signout", "/wallet", "/profiles/", "/u/", "/health", "/openapi.json", "/favicon.", "/console",
                    "/status",  # (the public status page and its subscription forms, routes/status.py)
                    "/mail/", "/oembed", "/static/",  # a reminder's signed unsubscribe link; embeds; copy.js
                    "/skills/search")  # ESCO skills search (issue 20): public, tests/integration/test_taxonomy.py


def guarded_routes():
    for path, methods in sorted(app.routes.items()):
        if not path.startswith(EARNER_OR_PUBLIC):
            for method in sorted(methods):
                yield method, path


@pytest.fixture()
def keys(client):
    tenant, key = new_issuer()
    revoked = body(post(client, "/issuer/api-keys", key, {}))
    assert client.http.delete(f"/issuer/api-keys/{revoked['id']}", headers=auth(key)).status_code == 200
    other_stage = key.replace("lrl_test_", "lrl_prod_")
    forged = f"lrl_test_{'0' * 16}_{key.rsplit('_', 1)[1]}"
    return {
        "missing": None, "malformed": "Bearer not-a-key", "basic": "Basic dXNlcjpwYXNz", "revoked": f"Bearer {revoked['key']}",
        "other stage": f"Bearer {other_stage}", "forged tenant": f"Bearer {forged}",
        "operator of another stage": "Bearer lrl_prod_operator_" + "a" * 32,
        "issuer key on ops": f"Bearer {key}",
    }


def test_every_guarded_route_refuses_bad_keys_and_changes_nothing(client, keys):
    routes = list(guarded_routes())
    assert len(routes) > 40  # the issuer and operator API, not an empty list
    before = scan_table()
    cases = 0
    for method, path in routes:
        concrete = re.sub(r"{(\w+)}", "0123456789abcdef", path)
        for name, header in keys.items():
            if name == "issuer key on ops" and not path.startswith("/ops/"):
                continue
            headers = {"Content-Type": "application/json", **({"Authorization": header} if header else {})}
            res = client.http.request(method, concrete, headers=headers, body=b"{}")
            assert res.status_code == 401, (method, path, name, res.status_code, res.body)
            assert "error" in json.loads(res.body)
            cases += 1
    assert scan_table() == before
    assert cases > 300


def test_every_console_route_refuses_a_missing_tampered_or_ended_session(client):
    """Console pages: no session, a forged cookie, another cookie's signature, an ended
    session: a GET goes to the sign-in page, anything else is a 401 page; nothing written."""
    from tests.console_helpers import console_csrf, new_organization
    from tests.console_helpers import sign_in as console_sign_in

    new_organization()
    ended = console_sign_in(client, "ada@acme.example")
    cookie = ended.cookies["laurel_console"]
    ended.post("/console/signout", {"csrf": console_csrf(ended)})
    wallet = Browser(client)
    sign_in(wallet, "grace@example.com")
    cookies = {"missing": None, "forged": "forged.value.sig", "tampered": cookie[:-2] + "xx", "ended": cookie,
               "a wallet session": wallet.cookies["laurel_session"]}
    routes = [(m, p) for p, ms in sorted(app.routes.items()) for m in sorted(ms)
              if p.startswith("/console") and getattr(ms[m].view_function, "laurel_audience", None) == "member"]
    assert len(routes) >= 9
    before = scan_table()
    for method, path in routes:
        concrete = re.sub(r"{(\w+)}", "0123456789abcdef", path)
        for name, value in cookies.items():
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if value:
                headers["Cookie"] = f"laurel_console={value}"
            res = client.http.request(method, concrete, headers=headers, body=b"csrf=x")
            expected = 303 if method == "GET" else 401
            assert res.status_code == expected, (method, path, name, res.status_code)
    assert scan_table() == before


def test_a_planted_session_cookie_is_never_adopted(client):
    """Session fixation: whatever cookie a browser arrives with, signing in issues a new one."""
    attacker = Browser(client)
    sign_in(attacker, "mallory@example.com")
    planted = attacker.cookies["laurel_session"]
    victim = Browser(client)
    csrf = victim.csrf("/signin")
    victim.post("/signin", {"email": "grace@example.com", "csrf": csrf})
    from tests.helpers import signin_mail

    login_id, token, _ = signin_mail("grace@example.com")
    victim.cookies["laurel_session"] = planted  # e.g. set through a sibling subdomain before she opens the link
    page = victim.get(f"/signin/{login_id}?token={token}")
    res = victim.post(f"/signin/{login_id}", {"token": token, "csrf": csrf_of(victim.text(page))})
    assert res.status_code == 303 and "laurel_session=" in res.headers["Set-Cookie"]
    assert victim.cookies["laurel_session"] != planted
    # the planted session ended; it never became Grace's
    assert client.http.get("/wallet", headers={"Cookie": f"laurel_session={planted}"}).status_code == 303
    assert "grace@example.com" in victim.text(victim.get("/wallet/settings"))
    assert "mallory" not in victim.text(victim.get("/wallet/settings"))


def test_claim_and_sign_in_tokens_work_once(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    accept = json.dumps({"token": token, "decision": "accept"})
    headers = {"Content-Type": "application/json"}
    assert client.http.post(f"/claim/{cred['id']}", headers=headers, body=accept).status_code == 200
    replay = client.http.post(f"/claim/{cred['id']}", headers=headers, body=accept)
    assert replay.status_code == 410 and body(replay)["error"]["code"] == "claim_used"
    b = Browser(client)
    sign_in(b, "grace@example.com")
    from tests.helpers import signin_mail

    login_id, link_token, code = signin_mail("grace@example.com")
    thief = Browser(client)
    csrf = thief.csrf("/signin")
    for fields in ({"token": link_token, "csrf": csrf}, {"code": code, "csrf": csrf}):
        res = thief.post(f"/signin/{login_id}", fields)
        assert res.status_code == 410 and "laurel_session" not in thief.cookies
