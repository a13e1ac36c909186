"""Single sign-on to the console in Chromium, against the local OpenID provider
(tests/oidc/provider.mjs) on loopback: an admin sets it up on the settings page, then
people sign in through the provider's page, at desktop width and on a 390 px phone."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe
from tests.local_system import open_mail
from tests.oidc_provider import client as op_client
from tests.oidc_provider import oidc_provider

SECRET = "browser-test-client-secret-0123456789"


@pytest.fixture(scope="module")
def op(local_system):
    redirect = local_system["api_url"] + "/console/sso/callback"
    with oidc_provider([op_client("laurel-console", SECRET, redirect)], domain="acme.example") as provider:
        yield provider


def _organization(info: dict, admin: str) -> str:
    """A new organization with `admin` invited as its first admin (the operators' route)."""
    payload = {"name": "Acme Academy", "url": "https://acme.example", "email": "badges@acme.example",
               "admin_email": admin}
    request = urllib.request.Request(info["api_url"] + "/ops/issuers", data=json.dumps(payload).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {info['operator_key']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.load(resp)["issuer"]["id"]


def _watch(page, origins: tuple[str, ...], seen: list) -> None:
    """Every request the pages make goes to Laurel or the provider, both on loopback."""
    page.on("request", lambda r: None if r.url.startswith(origins + ("data:",)) else seen.append(r.url))


def _check(page) -> None:
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "wider than the screen"


def _sign_in_by_code(page, base: str, email: str) -> None:
    page.goto(f"{base}/console/signin")
    page.get_by_label("Work email address").first.fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    mail = open_mail(page.context, base, email, "console sign-in")
    code = re.search(r"\b([0-9]{6})\b", mail.locator("body").inner_text()).group(1)
    mail.close()
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")


def _sign_in_by_sso(page, base: str, op_origin: str, email: str) -> None:
    page.goto(f"{base}/console/signin")
    _check(page)
    page.get_by_label("Work email address").nth(1).fill(email)
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.wait_for_url(f"{op_origin}/interaction/**")
    expect(page.get_by_label("Email or user name")).to_have_value(email)  # the login hint
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")


def test_sso_sign_in_against_the_local_provider(local_system, op, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    tenant_id = _organization(info, "ada@acme.example")
    seen: list[str] = []
    origins = (base, op.issuer, info["aws_endpoint"])

    # 1. The admin (signed in by mailed code) sets single sign-on up
    admin = browser.new_context(viewport={"width": 1100, "height": 900})
    page = admin.new_page()
    _watch(page, origins, seen)
    _sign_in_by_code(page, base, "ada@acme.example")
    page.goto(f"{base}/console/settings/sso")
    _check(page)
    expect(page.get_by_label("Redirect URI")).to_have_value(f"{base}/console/sso/callback")
    page.get_by_label("Issuer URL").fill(op.issuer)
    page.get_by_label("Client ID").fill("laurel-console")
    page.get_by_label("Client secret").fill(SECRET)
    page.get_by_label("Allowed e-mail domains").fill("acme.example")
    page.get_by_label("Issuer", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("The single sign-on settings were saved.")
    assert SECRET not in page.content()
    _check(page)
    page.screenshot(path=str(artifacts / "console-sso-settings.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    _check(page)  # the form reflows on a phone
    page.screenshot(path=str(artifacts / "console-sso-settings-phone.png"), full_page=True)
    admin.close()

    # 2. Someone new signs in through the provider's page and joins as an issuer
    desk = browser.new_context(viewport={"width": 1100, "height": 900})
    page = desk.new_page()
    _watch(page, origins, seen)
    _sign_in_by_sso(page, base, op.issuer, "grace@acme.example")
    expect(page.get_by_role("navigation", name="Console")).to_contain_text("Issue")  # an issuer's navigation
    _check(page)
    page.screenshot(path=str(artifacts / "console-sso-signed-in.png"), full_page=True)
    desk.close()

    # 3. The same on a phone
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    _watch(page, origins, seen)
    _sign_in_by_sso(page, base, op.issuer, "katherine@acme.example")
    expect(page.get_by_role("navigation", name="Console")).to_contain_text("Katherine")  # the name the provider gave
    _check(page)
    page.screenshot(path=str(artifacts / "console-sso-phone.png"), full_page=True)
    phone.close()

    assert seen == [], f"requests outside Laurel and the loopback provider: {seen}"
    assert tenant_id
