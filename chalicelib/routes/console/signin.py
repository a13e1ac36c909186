"""Signing in to the console: a mailed link and code, or the organization's single
sign-on (sso.py); an address of several organizations chooses one."""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import http
from ...i18n import N_
from ...lazy import LazyModule
from .. import _console, _session
from . import bp, guard, schemas, web

console_auth = LazyModule("chalicelib.services.console_auth")
earner_rules = LazyModule("chalicelib.domain.earners")

# refusal pages' titles, marked for the catalogs (the guard's refusal page shows them; issue 19)
SIGNIN_TITLES = {404: N_("This sign-in link cannot be used"), 410: N_("This sign-in link cannot be used"),
                 403: N_("Not a member")}


def _request() -> Any:
    return bp.current_request


def _redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return _session.redirect(location, headers)


# ------------------------------------------------------------------ sign-in


@guard.public("/console/signin", errors="html")
def console_signin_form() -> Response:
    request = _request()
    next_path = earner_rules.safe_next(http.query_param(request, "next", max_length=300) or "/console")
    if _console.current(request) is not None:
        return _redirect(next_path)
    anchor = _session.Anchor(request)
    return web.page("console/signin.html", 200, anchor.headers(), csrf=anchor.csrf, next=next_path, member=None)


@guard.public("/console/signin", "POST", errors="html", content_types=[http.FORM])
def console_signin_request() -> Response:
    request = _request()
    data = _session.form(request, schemas.ConsoleSigninIn)
    login_id = console_auth.request_link(str(data.email), next_path=data.next,
                                         client_address=http.client_address(request))
    return web.page("console/signin_code.html", 200, login_id=login_id, csrf=_session.Anchor(request).csrf,
                    email=earner_rules.mask_email(str(data.email)), member=None)


@guard.public("/console/signin/{login_id}", errors="html", title=SIGNIN_TITLES)
def console_signin_link(login_id: str) -> Response:
    request = _request()
    token = http.query_param(request, "token", max_length=100) or ""
    view = console_auth.preview(login_id, token)
    anchor = _session.Anchor(request)
    return web.page("console/signin_link.html", 200, anchor.headers(), login_id=login_id, token=token,
                    csrf=anchor.csrf, member=None, **view)


def _signed_in(done: Any) -> Response:
    if done.cookie is None:  # an address of several organizations: choose one
        return web.page("console/choose.html", 200, choices=done.choices, choice=done.choice_token,
                        csrf=_session.Anchor(_request()).csrf, member=None)
    old = _console.cookie_value(_request())
    if old:
        console_auth.end_session(old)  # a new sign-in never keeps the old session (no fixation)
    return _redirect(done.location, {"Set-Cookie": _console.cookie_header(done.cookie,
                                                                          console_auth.SESSION_HOURS * 3600)})


@guard.public("/console/signin/{login_id}", "POST", errors="html", title=SIGNIN_TITLES, content_types=[http.FORM])
def console_signin_complete(login_id: str) -> Response:
    data = _session.form(_request(), schemas.SigninProofIn)
    return _signed_in(console_auth.complete(login_id, token=data.token, code=data.code))


@guard.public("/console/choose", "POST", errors="html", title=SIGNIN_TITLES, content_types=[http.FORM])
def console_signin_choose() -> Response:
    data = _session.form(_request(), schemas.ConsoleChooseIn)
    return _signed_in(console_auth.choose(data.choice, data.tenant_id))


@guard.public("/console/signout", "POST", errors="html", content_types=[http.FORM])
def console_signout() -> Response:
    request = _request()
    member = _console.current(request)
    if member is not None:
        _console.check_csrf(request, member)
        console_auth.end_session(_console.cookie_value(request))
    return _redirect("/console/signin", {"Set-Cookie": _console.cookie_header("", 0)})


