"""An organization's admin runs the console's administration pages in Chromium, on the
local system (`make run`): creates an API key (shown once, gone on the next page) and
revokes it, creates an LMS integration with a rule and reads its event log, adds a
webhook endpoint and resends a delivery, filters the audit log, and files a support
request. Once at desktop width and once on a 390 px phone, where every page fits the
screen; axe-core runs on every page visited; each step is photographed into
tests/artifacts/console-admin-<step>.png (console-admin-phone-<step>.png)."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.test_console_browser import Tour, _sign_in_by_code
from tests.helpers import PNG, template_payload


def _call(info: dict, method: str, path: str, key: str, body: bytes | dict | None = None,
          ctype: str = "application/json") -> dict:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(info["api_url"] + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": ctype})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        return json.load(resp)


def _organization(info: dict, name: str, admin: str) -> dict:
    """A new organization (its first API key and `admin` invited), through the operators' route."""
    domain = admin.split("@")[1]
    payload = {"name": name, "url": f"https://{domain}", "email": f"badges@{domain}", "admin_email": admin}
    return _call(info, "POST", "/ops/issuers", info["operator_key"], payload)


def _template(info: dict, key: str) -> str:
    """An active template, made through the issuer API."""
    template_id = _call(info, "POST", "/templates", key, template_payload(name="Cloud Basics"))["id"]
    _call(info, "PUT", f"/templates/{template_id}/image", key, PNG, "image/png")
    _call(info, "POST", f"/templates/{template_id}/activate", key, b"")
    return template_id


def _sub(tour: Tour, name: str) -> None:
    """Go to a page of the Administration section through its own navigation."""
    nav = tour.page.get_by_role("navigation", name="Administration")
    link = nav.get_by_role("link", name=name, exact=True)
    link.click()
    expect(link).to_have_attribute("aria-current", "page")


def _administration(tour: Tour, info: dict, key: str, admin: str) -> None:
    page, base = tour.page, tour.base
    template_id = _template(info, key)
    page.goto(f"{base}/console")
    page.wait_for_url(re.compile(r"/console/signin"))
    _sign_in_by_code(tour, admin, first=False)
    tour.nav("Administration")
    expect(page.get_by_role("heading", name="Administration", exact=True)).to_be_visible()
    tour.check("index")

    # API keys: the new key is shown once; the list shows its last characters only
    _sub(tour, "API keys")
    tour.check("api-keys")
    page.get_by_label("Label").fill("Student records")
    page.get_by_role("button", name="Create the key").click()
    expect(page.get_by_role("heading", name="Your new API key")).to_be_visible()
    tour.check("api-key-created")
    secret = page.get_by_label("API key").input_value()
    assert len(secret) > 30
    page.get_by_role("link", name="Back to the API keys").click()
    expect(page.get_by_role("cell", name="Student records", exact=True)).to_be_visible()
    assert secret not in page.content()
    page.reload()
    assert secret not in page.content()
    row = page.get_by_role("row").filter(has_text="Student records")
    row.get_by_role("link", name=re.compile("Revoke")).click()
    expect(page.get_by_role("heading", name="Revoke this API key?")).to_be_visible()
    tour.check("api-key-revoke")
    page.get_by_label("Yes, revoke it").check()
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.get_by_text("The key was revoked")).to_be_visible()
    tour.check("api-key-revoked")

    # LMS integrations: create (secret shown once), a rule, the event log, disable
    _sub(tour, "LMS integrations")
    tour.check("integrations")
    page.get_by_label("Name").fill("Academy LMS")
    page.get_by_role("button", name="Create the integration").click()
    expect(page.get_by_role("heading", name="The integration was created")).to_be_visible()
    tour.check("integration-created")
    lms_secret = page.get_by_label("Signing secret").input_value()
    page.get_by_role("link", name=re.compile("Go to the integration")).click()
    expect(page.get_by_role("heading", name="Academy LMS")).to_be_visible()
    assert lms_secret not in page.content()
    tour.check("integration")
    page.get_by_label(re.compile("^Course id")).fill("cloud-101")
    page.get_by_label("Credential to issue").select_option(label="Cloud Basics")
    page.get_by_label(re.compile("^Pass mark")).fill("75")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_text("The rule was saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="cloud-101", exact=True)).to_be_visible()
    tour.check("integration-rule")
    page.get_by_role("link", name="The event log").click()
    expect(page.get_by_role("heading", name=re.compile("Event log"))).to_be_visible()
    tour.check("integration-events")
    page.get_by_role("link", name=re.compile("Back to")).click()
    page.get_by_role("link", name="Disable the integration").click()
    tour.check("integration-disable")
    page.get_by_label("Yes, disable it").check()
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("The integration was disabled")).to_be_visible()

    # Webhooks: add an endpoint (secret shown once); an issued credential makes a delivery; resend it
    _sub(tour, "Webhooks")
    tour.check("webhooks")
    page.get_by_role("link", name="Add an endpoint").click()
    tour.check("webhook-new")
    page.get_by_label(re.compile("^Address")).fill("http://127.0.0.1:9/laurel")
    page.get_by_label("credential.created").check()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.get_by_role("heading", name="The webhook endpoint was created")).to_be_visible()
    tour.check("webhook-created")
    page.get_by_role("link", name="Go to the endpoint").click()
    expect(page.get_by_role("heading", name="Webhook endpoint")).to_be_visible()
    _call(info, "POST", "/credentials", key, {"template_id": template_id, "email": "lea@example.com",
                                              "first_name": "Lea", "last_name": "Rner"})
    page.reload()  # the delivery is recorded when the credential is issued (the worker then posts it)
    expect(page.get_by_role("cell", name="credential.created", exact=True).first).to_be_visible()
    tour.check("webhook")
    page.get_by_role("button", name=re.compile("^Resend")).first.click()
    expect(page.get_by_text("being delivered again")).to_be_visible()
    tour.check("webhook-resent")

    # The audit log, filtered by the admin and by an action
    _sub(tour, "Audit log")
    expect(page.get_by_role("cell", name="POST /console/admin/api-keys", exact=False).first).to_be_visible()
    tour.check("audit")
    page.get_by_label("Member").select_option(index=1)
    page.get_by_label("Action").select_option("POST /console/admin/integrations")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)  # the one integration created, by this admin, today
    expect(rows).to_contain_text("POST /console/admin/integrations")
    tour.check("audit-filtered")

    # Support: file a request, see its due time
    _sub(tour, "Support requests")
    tour.check("support")
    page.get_by_role("link", name="File a support request").click()
    tour.check("support-new")
    page.get_by_label("Subject").fill("Webhook deliveries fail")
    page.get_by_label(re.compile("^What happened")).fill("Every delivery to our CRM fails since this morning.")
    page.get_by_label(re.compile("Medium")).check()
    page.get_by_role("button", name="File the request").click()
    expect(page.get_by_text("The request was filed")).to_be_visible()
    expect(page.get_by_text("First answer due")).to_be_visible()
    tour.check("support-request")
    page.get_by_role("link", name=re.compile("Back to the support requests")).click()
    expect(page.get_by_role("link", name="Webhook deliveries fail")).to_be_visible()
    tour.check("support-list")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_an_admin_runs_every_administration_page(local_system, browser, artifacts, device):
    info, base = local_system, local_system["api_url"]
    admin = f"ada@admin-{device}.acme.example"
    made = _organization(info, f"Acme Academy admin ({device})", admin)
    phone = device == "phone"
    context = browser.new_context(**({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
                                     if phone else {"viewport": {"width": 1100, "height": 900}}))
    page = context.new_page()
    tour = Tour(page, base, (base, info["aws_endpoint"]), artifacts,
                "console-admin-phone" if phone else "console-admin", phone)
    try:
        _administration(tour, info, made["api_key"], admin)
    finally:
        context.close()
    assert tour.steps == ["index", "api-keys", "api-key-created", "api-key-revoke", "api-key-revoked",
                          "integrations", "integration-created", "integration", "integration-rule",
                          "integration-events", "integration-disable", "webhooks", "webhook-new", "webhook-created",
                          "webhook", "webhook-resent", "audit", "audit-filtered", "support", "support-new",
                          "support-request", "support-list"]
    assert tour.foreign == [], f"requests outside Laurel: {tour.foreign}"
    assert tour.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
        sorted(set(tour.complaints)))
