"""Builders for console tests: organizations with members signed in through the real pages."""

from __future__ import annotations

from tests.helpers import Browser, csrf_of, signin_mail


def console_mail(to: str) -> tuple[str, str, str]:
    """(login id, token, code) from the newest console sign-in mail sent to `to`."""
    return signin_mail(to, "/console/signin/")


def new_organization(name: str = "Acme Academy", admin: str = "ada@acme.example") -> tuple[str, str]:
    """(tenant id, API key) of a new organization whose first admin is invited."""
    from chalicelib.schemas import OrganizationIn
    from chalicelib.services import issuers

    made = issuers.create_organization(
        OrganizationIn(name=name, url="https://acme.example", email="badges@acme.example", admin_email=admin), admin)
    return made["issuer"]["id"], made["api_key"]


def sign_in(client, email: str, *, by: str = "code") -> Browser:
    """A browser signed in to the console as `email` (by the mailed code or link)."""
    browser = Browser(client)
    page = browser.get("/console/signin")
    assert page.status_code == 200, page.body
    res = browser.post("/console/signin", {"email": email, "csrf": csrf_of(browser.text(page))})
    assert res.status_code == 200, res.body
    login_id, token, code = console_mail(email)
    if by == "code":
        res = browser.post(f"/console/signin/{login_id}", {"code": code, "csrf": csrf_of(browser.text(res))})
    else:
        link = browser.get(f"/console/signin/{login_id}?token={token}")
        res = browser.post(f"/console/signin/{login_id}", {"token": token, "csrf": csrf_of(browser.text(link))})
    assert res.status_code == 303, res.body
    return browser


def member(client, tenant_id: str, email: str, role: str, admin: Browser, **fields) -> Browser:
    """Invite `email` with `role` as `admin`, and sign them in."""
    page = admin.get("/console/members")
    form = {"email": email, "role": role, "csrf": csrf_of(admin.text(page)), **fields}
    res = admin.post("/console/members", form)
    assert res.status_code == 303, res.body
    return sign_in(client, email)


def console_csrf(browser: Browser, path: str = "/console") -> str:
    return csrf_of(browser.text(browser.get(path)))
