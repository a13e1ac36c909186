"""Single sign-on to the console with an organization's OpenID Connect provider
(issue 14, item 2), against a real provider (tests/oidc/provider.mjs, Node's certified
`oidc-provider`) on loopback: no outside network.

The flow runs without a browser: the sign-in page's form starts it (Chalice test
client), the provider's own pages are walked with urllib (tests/oidc_provider.py), and
its redirect back is handed to the callback with the same browser's cookies."""

from __future__ import annotations

import html
import json
import re
import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import boto3
import pytest

from tests.conftest import scan_table, stored_text
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import Browser, csrf_of
from tests.oidc_provider import authorize, client as op_client, oidc_provider

BASE = "https://laurel.test"
REDIRECT = f"{BASE}/console/sso/callback"
# RFC 6749 2.3.1: client_secret_basic form-encodes id and secret; these characters show it is done
SECRET = "Tr0ub4dor &3 %+/=:"
OTHER_SECRET = "another-client-secret-0123456789"


@pytest.fixture(scope="module")
def op():
    """The organization's provider: Laurel's client, and a second application's."""
    with oidc_provider([op_client("laurel", SECRET, REDIRECT), op_client("other-app", OTHER_SECRET, REDIRECT)],
                       domain="acme.example") as provider:
        yield provider


def _loopback_policy(max_redirects: int = 2):
    from chalicelib.adapters import fetch

    return fetch.Policy(allow_http=True, allow_private=True, timeout=5.0, max_bytes=256 * 1024,
                        max_redirects=max_redirects)


@pytest.fixture()
def loopback(monkeypatch):
    """The provider is on loopback over HTTP: allowed as on the local stage (tests run as
    stage `test`, whose fetch policy is a deployment's)."""
    from chalicelib.services import sso

    monkeypatch.setattr(sso, "_policy", _loopback_policy)
    sso.forget_providers()
    yield
    sso.forget_providers()


def save(admin: Browser, **fields):
    form = {"issuer": None, "client_id": "laurel", "client_secret": SECRET, "domains": "acme.example",
            "default_role": "read_only", "enabled": "yes", **fields}
    form = {k: v for k, v in form.items() if v is not None}
    form["csrf"] = console_csrf(admin, "/console/settings/sso")
    return admin.post("/console/settings/sso", form)


@pytest.fixture()
def acme(client, op, loopback):
    """Acme Academy, its admin signed in by mail, single sign-on through `op` for acme.example."""
    tenant_id, _ = new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    res = save(admin, issuer=op.issuer)
    assert res.status_code == 303, admin.text(res)
    return SimpleNamespace(tenant_id=tenant_id, admin=admin, op=op, client=client)


def onward(browser: Browser, res) -> str:
    """Where the single sign-on form's answer sends the browser: its page goes on at once
    (meta refresh) and offers the same address as a link."""
    text = browser.text(res)
    assert res.status_code == 200, text[:3000]
    refresh = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', text).group(1)
    link = re.search(r'<a id="continue" href="([^"]+)">', text).group(1)
    assert refresh == link
    return html.unescape(link)


def begin(client, email: str, browser: Browser | None = None, next_path: str | None = None):
    """The sign-in page's single sign-on form: (browser, where it sends the browser)."""
    browser = browser or Browser(client)
    csrf = csrf_of(browser.text(browser.get("/console/signin")))
    form = {"email": email, "csrf": csrf, **({"next": next_path} if next_path else {})}
    return browser, onward(browser, browser.post("/console/sso", form))


def back(browser: Browser, url: str):
    """The provider's redirect to Laurel, followed by `browser`."""
    assert url.startswith(REDIRECT + "?"), url
    return browser.get(url[len(BASE):])


def sso_sign_in(client, email: str, login: str | None = None, browser: Browser | None = None):
    """Start with `email`, sign in at the provider as `login` (default: the same address),
    come back: (browser, the callback's response)."""
    browser, url = begin(client, email, browser)
    return browser, back(browser, authorize(url, login or email, back_to=REDIRECT))


def member_item(tenant_id: str, email: str):
    from chalicelib.domain import ids
    from chalicelib.store import members as store

    return store.member_by_email(tenant_id, ids.email_hash(email))


def sessions() -> list[dict]:
    return [i for i in scan_table() if i["pk"].startswith("CSESSION#")]


def states() -> list[dict]:
    return [i for i in scan_table() if i["pk"].startswith("SSOSTATE#")]


def refused(browser: Browser, res, status: int, words: str) -> None:
    text = browser.text(res)
    assert res.status_code == status, (res.status_code, text[:3000])
    assert words in text, text[:3000]
    assert "laurel_console=" not in (res.headers.get("Set-Cookie") or "")


# ------------------------------------------------------------------ the happy paths


def test_an_invited_member_signs_in_through_the_provider_and_keeps_the_invited_role(acme):
    page = acme.admin.get("/console/members")
    acme.admin.post("/console/members", {"email": "ivy@acme.example", "role": "issuer",
                                         "csrf": csrf_of(acme.admin.text(page))})
    assert member_item(acme.tenant_id, "ivy@acme.example").state == "invited"

    browser, res = sso_sign_in(acme.client, "ivy@acme.example")
    assert res.status_code == 303 and res.headers["Location"] == "/console", browser.text(res)
    assert "laurel_console=" in res.headers["Set-Cookie"]
    home = browser.get("/console")
    assert home.status_code == 200 and "ivy@acme.example" in browser.text(home)
    ivy = member_item(acme.tenant_id, "ivy@acme.example")
    assert (ivy.state, ivy.role, ivy.source) == ("active", "issuer", "invitation")
    assert [s["via"] for s in sessions() if s["member_id"] == ivy.member_id] == ["sso"]
    assert states() == []  # the attempt is gone once used


def test_an_active_member_signs_in_and_lands_where_they_were_going(acme):
    browser, url = begin(acme.client, "ada@acme.example", next_path="/console/members")
    res = back(browser, authorize(url, "ada@acme.example", back_to=REDIRECT))
    assert (res.status_code, res.headers["Location"]) == (303, "/console/members")
    page = browser.get("/console/members")
    assert page.status_code == 200 and "Invite a member" in browser.text(page)  # an admin's page
    assert member_item(acme.tenant_id, "ada@acme.example").role == "admin"


def test_someone_new_joins_just_in_time_with_the_default_role(acme):
    assert member_item(acme.tenant_id, "newton@acme.example") is None
    browser, res = sso_sign_in(acme.client, "newton@acme.example")
    assert res.status_code == 303, browser.text(res)
    newton = member_item(acme.tenant_id, "newton@acme.example")
    assert (newton.state, newton.role, newton.source, newton.name) == ("active", "read_only", "sso", "Newton")
    page = browser.get("/console/members")
    assert page.status_code == 200 and "Invite a member" not in browser.text(page)  # read-only
    # the admin sees them among the members
    assert "newton@acme.example" in acme.admin.text(acme.admin.get("/console/members"))


def test_the_default_role_none_admits_members_only(acme):
    assert save(acme.admin, issuer=acme.op.issuer, client_secret=None, default_role="none").status_code == 303
    before = scan_table()
    browser, res = sso_sign_in(acme.client, "stranger@acme.example")
    refused(browser, res, 403, "ask an admin to invite you")
    assert member_item(acme.tenant_id, "stranger@acme.example") is None
    assert [i for i in scan_table() if not i["pk"].startswith("RATE#")] == \
        [i for i in before if not i["pk"].startswith("RATE#")]
    browser, res = sso_sign_in(acme.client, "ada@acme.example")  # a member still signs in
    assert res.status_code == 303


def test_a_new_sign_in_ends_the_browsers_old_console_session(acme):
    browser = acme.admin
    old = browser.cookies.pop("laurel_console")  # the sign-in page sends a signed-in browser home
    csrf = csrf_of(browser.text(browser.get("/console/signin")))
    browser.cookies["laurel_console"] = old
    res = browser.post("/console/sso", {"email": "ada@acme.example", "csrf": csrf})
    res = back(browser, authorize(onward(browser, res), "ada@acme.example", back_to=REDIRECT))
    assert res.status_code == 303
    assert browser.cookies["laurel_console"] != old
    stale = Browser(acme.client)
    stale.cookies = {"laurel_console": old}
    assert stale.get("/console").status_code == 303  # back to the sign-in page: that session has ended


def test_client_secret_post_when_the_provider_offers_only_that(client, loopback):
    with oidc_provider([op_client("laurel", SECRET, REDIRECT)], domain="acme.example",
                       clientAuthMethods=["client_secret_post"]) as provider:
        new_organization("Acme Academy", "ada@acme.example")
        admin = sign_in(client, "ada@acme.example")
        assert save(admin, issuer=provider.issuer).status_code == 303
        browser, res = sso_sign_in(client, "ada@acme.example")
        assert res.status_code == 303, browser.text(res)


def test_claims_in_the_id_token_itself_are_used_too(client, loopback):
    """Providers that put email and name in the ID token (no userinfo request needed)."""
    with oidc_provider([op_client("laurel", SECRET, REDIRECT)], domain="acme.example",
                       idTokenClaims=True) as provider:
        tenant_id, _ = new_organization("Acme Academy", "ada@acme.example")
        admin = sign_in(client, "ada@acme.example")
        assert save(admin, issuer=provider.issuer).status_code == 303
        browser, res = sso_sign_in(client, "grace@acme.example")
        assert res.status_code == 303, browser.text(res)
        assert member_item(tenant_id, "grace@acme.example").name == "Grace"


# ------------------------------------------------------------------ who is refused


def test_an_address_outside_the_allowed_domains_is_refused(acme):
    """The provider vouches for an address at another domain: not this organization's."""
    before = len(sessions())
    browser, res = sso_sign_in(acme.client, "mallory@acme.example", login="mallory@evil.example")
    refused(browser, res, 403, "addresses at evil.example cannot sign in to this organization")
    assert member_item(acme.tenant_id, "mallory@evil.example") is None
    assert len(sessions()) == before


def test_a_domain_without_single_sign_on_is_told_to_use_the_mailed_link(acme):
    browser = Browser(acme.client)
    csrf = csrf_of(browser.text(browser.get("/console/signin")))
    before = scan_table()
    res = browser.post("/console/sso", {"email": "someone@elsewhere.example", "csrf": csrf})
    refused(browser, res, 403, "single sign-on is not set up for elsewhere.example")
    assert [i for i in scan_table() if not i["pk"].startswith("RATE#")] == \
        [i for i in before if not i["pk"].startswith("RATE#")]


def test_an_unverified_address_is_refused(acme):
    browser, res = sso_sign_in(acme.client, "unverified.bob@acme.example")
    refused(browser, res, 403, "has not verified your e-mail address")
    assert member_item(acme.tenant_id, "unverified.bob@acme.example") is None


def test_a_person_who_cancels_at_the_provider_is_not_signed_in(acme):
    browser, url = begin(acme.client, "ada@acme.example")
    res = back(browser, authorize(url, "", back_to=REDIRECT, cancel=True))
    refused(browser, res, 403, "did not sign you in (access_denied)")


def test_a_turned_off_configuration_refuses_at_the_start_and_at_the_callback(acme):
    browser, url = begin(acme.client, "ada@acme.example")  # started while on
    assert save(acme.admin, issuer=acme.op.issuer, client_secret=None, enabled=None).status_code == 303
    res = back(browser, authorize(url, "ada@acme.example", back_to=REDIRECT))
    refused(browser, res, 403, "single sign-on is turned off for your organization")
    csrf = csrf_of(browser.text(browser.get("/console/signin")))
    res = browser.post("/console/sso", {"email": "ada@acme.example", "csrf": csrf})
    refused(browser, res, 403, "single sign-on is turned off for your organization")


def test_starts_are_limited_per_network(acme, monkeypatch):
    """Each start stores an attempt and may fetch the provider's discovery document."""
    from chalicelib.domain.limits import Limit
    from chalicelib.services import sso

    monkeypatch.setattr(sso, "START_LIMIT", Limit("sso-start-ip", 2, 900))
    begin(acme.client, "ada@acme.example")
    browser, _ = begin(acme.client, "ada@acme.example")
    csrf = csrf_of(browser.text(browser.get("/console/signin")))
    res = browser.post("/console/sso", {"email": "ada@acme.example", "csrf": csrf})
    refused(browser, res, 429, "too many single sign-on attempts from your network")
    assert int(res.headers["Retry-After"]) > 0
    assert len(states()) == 2


def test_the_start_form_needs_its_csrf_token(acme):
    browser = Browser(acme.client)
    browser.get("/console/signin")
    res = browser.post("/console/sso", {"email": "ada@acme.example", "csrf": "forged"})
    refused(browser, res, 403, "did not come from this site")
    assert states() == []


# ------------------------------------------------------------------ the attempt: once, this browser, ten minutes


def test_a_replayed_callback_is_refused(acme):
    browser, url = begin(acme.client, "ada@acme.example")
    url = authorize(url, "ada@acme.example", back_to=REDIRECT)
    assert back(browser, url).status_code == 303
    count = len(sessions())
    res = back(browser, url)
    refused(browser, res, 400, "used already")
    assert len(sessions()) == count


def test_a_callback_in_another_browser_is_refused_and_the_attempt_is_spent(acme):
    """Login CSRF: someone hands their own callback link to a victim's browser."""
    starter, url = begin(acme.client, "ada@acme.example")
    url = authorize(url, "ada@acme.example", back_to=REDIRECT)
    victim = Browser(acme.client)
    victim.get("/console/signin")  # a browser of this site, with its own pre-session cookie
    count = len(sessions())
    refused(victim, back(victim, url), 403, "started in another browser")
    refused(Browser(acme.client), back(Browser(acme.client), url), 400, "used already")  # no cookie at all
    refused(starter, back(starter, url), 400, "used already")
    assert len(sessions()) == count


def test_an_attempt_older_than_ten_minutes_is_refused(acme, monkeypatch):
    from chalicelib.services import clock

    browser, url = begin(acme.client, "ada@acme.example")
    url = authorize(url, "ada@acme.example", back_to=REDIRECT)
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(minutes=10, seconds=1))
    refused(browser, back(browser, url), 400, "took longer than 10 minutes")


def test_a_callback_without_a_known_state_is_refused(acme):
    browser = Browser(acme.client)
    browser.get("/console/signin")
    refused(browser, browser.get("/console/sso/callback?code=abc"), 400, "incomplete")
    refused(browser, browser.get("/console/sso/callback?code=abc&state=" + "a" * 32), 400, "used already")


def _with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    query = {k: v for k, v in query.items() if v is not None}
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_an_answer_that_names_another_issuer_or_none_is_refused(acme):
    """RFC 9207: the provider announces `iss` in its answers; a mix-up is refused."""
    for iss in ("http://127.0.0.1:1", None):
        browser, url = begin(acme.client, "ada@acme.example")
        url = authorize(url, "ada@acme.example", back_to=REDIRECT)
        assert parse_qs(urlsplit(url).query)["iss"] == [acme.op.issuer]
        refused(browser, back(browser, _with_query(url, iss=iss)), 403, "did not come from your organization")


def test_a_tampered_nonce_fails_the_id_token_check(acme):
    """The ID token carries the nonce sent with the attempt; any other is refused."""
    browser, url = begin(acme.client, "ada@acme.example")
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("laurel-test")
    [state] = states()
    table.update_item(Key={"pk": state["pk"], "sk": state["sk"]}, UpdateExpression="SET nonce = :n",
                      ExpressionAttributeValues={":n": "a" * 32})
    res = back(browser, authorize(url, "ada@acme.example", back_to=REDIRECT))
    refused(browser, res, 403, "ID token from your identity provider is not valid")


def test_a_code_for_another_client_is_refused_by_the_provider(acme):
    """The settings now name the second application: the code was issued to Laurel's
    client, so the token request fails and nobody is signed in."""
    browser, url = begin(acme.client, "ada@acme.example")
    url = authorize(url, "ada@acme.example", back_to=REDIRECT)
    assert save(acme.admin, issuer=acme.op.issuer, client_id="other-app", client_secret=OTHER_SECRET).status_code == 303
    refused(browser, back(browser, url), 403, "your identity provider refused the sign-in (invalid_grant)")


def test_userinfo_that_describes_someone_else_is_not_used(acme, monkeypatch):
    """Core 5.3.2: userinfo's `sub` must be the ID token's. The provider's real answer
    for Ada's access token, read as if the ID token had named someone else."""
    from chalicelib.domain.errors import Forbidden
    from chalicelib.services import sso

    kept = {}
    real = sso._redeem
    monkeypatch.setattr(sso, "_redeem", lambda *args: kept.setdefault("tokens", real(*args)))
    assert sso_sign_in(acme.client, "ada@acme.example")[1].status_code == 303
    meta = sso.discover(acme.op.issuer)
    assert sso._person(meta, kept["tokens"], {"sub": "ada@acme.example"}) == ("ada@acme.example", "Ada")
    with pytest.raises(Forbidden) as caught:
        sso._person(meta, kept["tokens"], {"sub": "grace@acme.example"})
    assert caught.value.code == "sso_userinfo_mismatch"


# ------------------------------------------------------------------ the ID token's checks, one by one


@pytest.fixture(scope="module")
def keys():
    from joserfc.jwk import KeySet, RSAKey

    good = RSAKey.generate_key(2048, parameters={"kid": "good"}, private=True)
    stranger = RSAKey.generate_key(2048, parameters={"kid": "good"}, private=True)  # same kid, other key
    return SimpleNamespace(good=good, stranger=stranger, jwks=KeySet([good]).as_dict(private=False))


ISSUER = "https://idp.acme.example"


def _token(key, alg: str = "RS256", kid: str = "good", **changes) -> str:
    from joserfc import jwt

    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "ada", "aud": "laurel", "exp": now + 300, "iat": now, "nonce": "n" * 32, **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": kid}, claims, key, algorithms=[alg])


def _check(token: str, jwks: dict, **expected):
    from chalicelib.services import sso

    args = {"issuer": ISSUER, "client_id": "laurel", "nonce": "n" * 32, "access_token": None,
            "algorithms": ["RS256"], "now": int(time.time()), **expected}
    return sso.validate_id_token(token, jwks, **args)


def test_a_valid_id_token_passes(keys):
    assert _check(_token(keys.good), keys.jwks)["sub"] == "ada"


@pytest.mark.parametrize("changes", [
    {"aud": "other-app"},
    {"aud": "other-app", "azp": "laurel"},  # authlib's azp rule alone lets this one through
    {"aud": ["other-app", "another"]},
    {"aud": None},
    {"iss": "https://evil.example"},
    {"iss": None},
    {"nonce": "m" * 32},
    {"nonce": None},
    {"exp": int(time.time()) - 120},
    {"iat": int(time.time()) + 3600},
    {"sub": None},
    {"aud": ["laurel", "other-app"], "azp": "other-app"},
    {"aud": ["laurel", "other-app"]},  # several audiences need azp (Core 3.1.3.7, 5)
], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_an_id_token_with_a_wrong_claim_is_refused(keys, changes):
    from chalicelib.domain.errors import Forbidden

    with pytest.raises(Forbidden) as caught:
        _check(_token(keys.good, **changes), keys.jwks)
    assert caught.value.code == "sso_id_token_invalid"


def test_an_id_token_signed_by_another_key_or_algorithm_is_refused(keys):
    from joserfc.jwk import OctKey

    from chalicelib.domain.errors import Forbidden
    from chalicelib.services import sso

    with pytest.raises(Forbidden):  # the right kid, somebody else's key
        _check(_token(keys.stranger), keys.jwks)
    secret_key = OctKey.import_key(SECRET.encode())
    with pytest.raises(Forbidden):  # keyed with the client secret: never accepted
        _check(_token(secret_key, alg="HS256"), keys.jwks, algorithms=["RS256", "HS256"])
    with pytest.raises(Forbidden):  # the provider offers only symmetric signatures
        _check(_token(secret_key, alg="HS256"), keys.jwks, algorithms=["HS256"])
    unsigned = _token(keys.good).rsplit(".", 1)[0].split(".")
    import base64

    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).decode().rstrip("=")
    with pytest.raises(Forbidden):
        _check(f"{header}.{unsigned[1]}.", keys.jwks, algorithms=["RS256", "none"])
    with pytest.raises(sso.UnknownKey):  # a key the set does not hold: re-read the provider's keys
        _check(_token(keys.good, kid="rotated"), keys.jwks)


def test_an_id_token_whose_at_hash_does_not_match_the_access_token_is_refused(keys):
    from authlib.oidc.core.util import create_half_hash

    from chalicelib.domain.errors import Forbidden

    at_hash = create_half_hash("the-access-token", "RS256").decode()
    assert _check(_token(keys.good, at_hash=at_hash), keys.jwks, access_token="the-access-token")
    with pytest.raises(Forbidden):
        _check(_token(keys.good, at_hash=at_hash), keys.jwks, access_token="another-access-token")


# ------------------------------------------------------------------ settings


def test_the_secret_is_in_secrets_manager_and_nowhere_in_the_table_or_any_page(acme):
    from chalicelib.store import members as store

    item = store.get_sso(acme.tenant_id)
    name = f"laurel/test/sso/{acme.tenant_id}"
    assert item.secret_name == name
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == SECRET
    sso_signed, _ = sso_sign_in(acme.client, "newton@acme.example")  # a read-only member
    for browser in (acme.admin, sso_signed):
        page = browser.text(browser.get("/console/settings/sso"))
        assert acme.op.issuer in page and SECRET not in page and "Tr0ub4dor" not in page
    assert "Tr0ub4dor" not in stored_text()
    assert "a secret is set" in acme.admin.text(acme.admin.get("/console/settings/sso")).lower()
    assert 'name="client_secret"' not in sso_signed.text(sso_signed.get("/console/settings/sso"))  # read-only


def test_the_page_shows_the_redirect_uri_to_register(client, loopback):
    new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    page = admin.text(admin.get("/console/settings/sso"))
    assert f'value="{REDIRECT}"' in page and "not set up yet" in page


def test_another_organizations_domain_is_refused_and_nothing_changes(acme):
    new_organization("Beta Institute", "bea@beta.example")
    beta = sign_in(acme.client, "bea@beta.example")
    before = scan_table()
    res = save(beta, issuer=acme.op.issuer, domains="beta.example\nACME.example")
    assert res.status_code == 409 and "acme.example already signs in through another organization" in beta.text(res)
    after = [i for i in scan_table() if not i["pk"].startswith("AUDIT")]
    assert after == [i for i in before if not i["pk"].startswith("AUDIT")]
    assert save(beta, issuer=acme.op.issuer, domains="beta.example").status_code == 303


def test_a_refused_save_leaves_the_secret_in_use_working(acme):
    """A save with a new secret that fails (a taken domain) changes nothing in use: the
    provider still accepts the secret saved before."""
    new_organization("Beta Institute", "bea@beta.example")
    beta = sign_in(acme.client, "bea@beta.example")
    assert save(beta, issuer=acme.op.issuer, domains="beta.example").status_code == 303
    res = save(acme.admin, issuer=acme.op.issuer, client_secret="a-wrong-new-secret", domains="acme.example beta.example")
    assert res.status_code == 409
    browser, res = sso_sign_in(acme.client, "ada@acme.example")
    assert res.status_code == 303, browser.text(res)


def test_a_domain_given_up_can_be_claimed_by_another_organization(acme):
    assert save(acme.admin, issuer=acme.op.issuer, client_secret=None, domains="acme.example academy.example") \
        .status_code == 303
    assert save(acme.admin, issuer=acme.op.issuer, client_secret=None, domains="academy.example").status_code == 303
    new_organization("Beta Institute", "bea@beta.example")
    beta = sign_in(acme.client, "bea@beta.example")
    assert save(beta, issuer=acme.op.issuer, domains="acme.example").status_code == 303
    domains = {i["pk"]: i["tenant_id"] for i in scan_table() if i["pk"].startswith("SSODOMAIN#")}
    assert domains["SSODOMAIN#academy.example"] == acme.tenant_id and "SSODOMAIN#acme.example" in domains
    assert domains["SSODOMAIN#acme.example"] != acme.tenant_id


@pytest.mark.parametrize("fields, words", [
    ({"issuer": "ftp://idp.example"}, "https://"),
    ({"issuer": "https://idp.example/?tenant=1"}, "no query or fragment"),
    ({"domains": "not a domain!"}, "not an e-mail domain"),
    ({"domains": "localhost"}, "not an e-mail domain"),
    ({"default_role": "owner"}, "default_role"),
    ({"client_id": ""}, "client_id"),
])
def test_bad_settings_are_refused_with_a_clear_message_and_change_nothing(acme, fields, words):
    before = scan_table()
    res = save(acme.admin, **{"issuer": acme.op.issuer, **fields})
    assert res.status_code == 422 and words in acme.admin.text(res), acme.admin.text(res)[:2000]
    assert [i for i in scan_table() if not i["pk"].startswith("AUDIT")] == \
        [i for i in before if not i["pk"].startswith("AUDIT")]


def test_a_new_issuer_or_client_id_needs_the_secret_again(acme):
    """Otherwise an admin could send the saved secret to a provider of their choosing."""
    res = save(acme.admin, issuer="https://idp.elsewhere.example", client_secret=None)
    assert res.status_code == 422 and "enter the client secret again" in acme.admin.text(res)
    res = save(acme.admin, issuer=acme.op.issuer, client_id="other-app", client_secret=None)
    assert res.status_code == 422


def test_only_admins_change_the_settings(acme):
    rita = member(acme.client, acme.tenant_id, "rita@acme.example", "read_only", acme.admin)
    before = scan_table()
    res = rita.post("/console/settings/sso", {"issuer": "https://evil.example", "client_id": "x",
                                              "client_secret": "y", "domains": "evil.example",
                                              "default_role": "admin", "enabled": "yes",
                                              "csrf": console_csrf(rita)})
    assert res.status_code == 403
    assert scan_table() == before


# ------------------------------------------------------------------ the provider's documents: fetched safely, cached


def test_the_discovery_document_must_name_the_configured_issuer(acme):
    """http://localhost:<port> reaches the same provider, whose discovery says it is
    http://127.0.0.1:<port>: a mix-up, refused before anything is stored."""
    issuer = acme.op.issuer.replace("127.0.0.1", "localhost")
    assert save(acme.admin, issuer=issuer).status_code == 303
    browser = Browser(acme.client)
    csrf = csrf_of(browser.text(browser.get("/console/signin")))
    res = browser.post("/console/sso", {"email": "ada@acme.example", "csrf": csrf})
    refused(browser, res, 503, "names another issuer")
    assert states() == []


def test_a_deployment_never_fetches_from_loopback(client, op):
    """Without the local stage's allowance (no `loopback` fixture here) the provider's
    URLs must be public HTTPS: Laurel does not become a way into its own network."""
    new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    res = save(admin, issuer=op.issuer)  # http://127.0.0.1:<port>
    assert res.status_code == 422 and "https://" in admin.text(res)
    assert save(admin, issuer=f"https://127.0.0.1:{op.port}").status_code == 303
    browser = Browser(client)
    csrf = csrf_of(browser.text(browser.get("/console/signin")))
    res = browser.post("/console/sso", {"email": "ada@acme.example", "csrf": csrf})
    refused(browser, res, 503, "non-public address")
    assert states() == []


def test_every_request_goes_to_the_loopback_provider_and_discovery_is_cached(acme, monkeypatch):
    from chalicelib.adapters import fetch

    seen: list[tuple[str, str]] = []
    real_resolve, real_fetch = fetch._resolve, fetch.fetch

    def resolve(host, port, policy):
        ip = real_resolve(host, port, policy)
        seen.append((host, ip))
        return ip

    fetched: list[str] = []
    monkeypatch.setattr(fetch, "_resolve", resolve)
    monkeypatch.setattr(fetch, "fetch", lambda url, *a, **kw: fetched.append(url) or real_fetch(url, *a, **kw))
    for email in ("ada@acme.example", "newton@acme.example"):
        _, res = sso_sign_in(acme.client, email)
        assert res.status_code == 303
    assert seen and {ip for _, ip in seen} == {"127.0.0.1"}
    discovery = [u for u in fetched if u.endswith("/.well-known/openid-configuration")]
    assert discovery == [acme.op.issuer + "/.well-known/openid-configuration"]  # once for both sign-ins
    assert [u for u in fetched if u.endswith("/jwks")] == [acme.op.issuer + "/jwks"]


def test_no_secret_code_or_state_in_any_log_line(acme, monkeypatch):
    """A sign-in, a refused callback and a save, captured as Powertools writes them."""
    import io
    import logging

    from chalicelib import logs

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.logger().logger_handler.formatter)
    base = logging.getLogger(logs.SERVICE)
    level = base.level
    base.addHandler(handler)
    base.setLevel(logging.DEBUG)
    try:
        browser, url = begin(acme.client, "ada@acme.example")
        url = authorize(url, "ada@acme.example", back_to=REDIRECT)
        assert back(browser, url).status_code == 303
        assert back(browser, url).status_code == 400  # replayed
        assert save(acme.admin, issuer=acme.op.issuer, client_secret=SECRET + "2").status_code == 303
        # a refused save is logged (the audit's "refused action"), with the secret in its form
        assert save(acme.admin, issuer=acme.op.issuer, client_secret=SECRET, domains="!").status_code == 422
    finally:
        base.removeHandler(handler)
        base.setLevel(level)
    text = stream.getvalue()
    query = parse_qs(urlsplit(url).query)
    assert "refused action" in text, "the capture is not working"
    for secret in (SECRET, query["code"][0], query["state"][0], "Tr0ub4dor"):
        assert secret not in text


# ------------------------------------------------------------------ the fetcher's POST and headers (adapters/fetch.py)


@pytest.fixture()
def little_server():
    """A loopback HTTP server that records what it was sent."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes = b"{}", location: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                         "body": self.rfile.read(length).decode() if length else ""})

        def do_GET(self):  # noqa: N802
            self._record()
            if self.path == "/elsewhere":  # the same server under another host name: another origin
                self._answer(302, location=f"http://localhost:{self.server.server_port}/landing")
            elif self.path == "/same":
                self._answer(302, location="/landing")
            else:
                self._answer(200)

        def do_POST(self):  # noqa: N802
            self._record()
            if self.path == "/redirect":
                self._answer(307, location="/landing")
            elif self.path == "/big":
                self._answer(200, b"x" * 300_000)
            else:
                self._answer(200, b'{"ok": true}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(base=f"http://127.0.0.1:{server.server_port}", seen=seen)
    finally:
        server.shutdown()
        server.server_close()


def test_post_form_sends_a_form_and_follows_no_redirect(little_server):
    from chalicelib.adapters import fetch

    got = fetch.post_form(f"{little_server.base}/token", {"grant_type": "authorization_code", "code": "a b&c"},
                          _loopback_policy(), headers={"Authorization": "Basic eHg6eXk="})
    assert (got.status, json.loads(got.body)) == (200, {"ok": True})
    [request] = little_server.seen
    assert request["body"] == "grant_type=authorization_code&code=a+b%26c"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["Authorization"] == "Basic eHg6eXk="
    got = fetch.post_form(f"{little_server.base}/redirect", {"code": "x"}, _loopback_policy())
    assert got.status == 307 and [r["path"] for r in little_server.seen] == ["/token", "/redirect"]
    with pytest.raises(fetch.FetchError, match="larger"):
        fetch.post_form(f"{little_server.base}/big", {"code": "x"}, _loopback_policy())


def test_post_form_is_refused_where_a_deployment_may_not_go(little_server):
    from chalicelib.adapters import fetch

    deployed = fetch.Policy(max_redirects=0)
    with pytest.raises(fetch.FetchError, match="https"):
        fetch.post_form(f"{little_server.base}/token", {"code": "x"}, deployed)
    with pytest.raises(fetch.FetchError, match="non-public"):
        fetch.post_form(little_server.base.replace("http://", "https://") + "/token", {"code": "x"}, deployed)
    with pytest.raises(fetch.FetchError, match="larger than"):
        fetch.post_form(f"{little_server.base}/token", {"code": "x" * 70_000}, _loopback_policy())
    assert little_server.seen == []


def test_a_bearer_token_is_never_sent_where_a_redirect_leads_to_another_origin(little_server):
    from chalicelib.adapters import fetch

    token = {"Authorization": "Bearer the-access-token"}
    fetch.fetch(f"{little_server.base}/same", _loopback_policy(), headers=token)
    fetch.fetch(f"{little_server.base}/elsewhere", _loopback_policy(), headers=token)
    sent = [(r["path"], r["headers"].get("Host", "").split(":")[0], r["headers"].get("Authorization"))
            for r in little_server.seen]
    assert sent == [("/same", "127.0.0.1", "Bearer the-access-token"),
                    ("/landing", "127.0.0.1", "Bearer the-access-token"),
                    ("/elsewhere", "127.0.0.1", "Bearer the-access-token"),
                    ("/landing", "localhost", None)]
