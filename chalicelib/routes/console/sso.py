"""Single sign-on with the organization's OpenID Connect provider (services/sso.py):
starting it from the sign-in page, the provider's callback, and its settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from chalice import Response

from ... import http
from ...i18n import N_
from ...lazy import LazyModule
from .. import _console, _session
from . import form, guard, page, redirect, request, schemas, web

sso = LazyModule("chalicelib.services.sso")
console_auth = LazyModule("chalicelib.services.console_auth")

# refusal pages' titles and link, marked for the catalogs (the guard's refusal page shows them; issue 19)
SSO_TITLES = {400: N_("This sign-in cannot be finished"), 403: N_("Single sign-on did not sign you in"),
              409: N_("That cannot be done now"), 503: N_("Your identity provider cannot be reached")}
SIGNIN_AGAIN = {"href": "/console/signin", "text": N_("Back to the sign-in page")}


# ------------------------------------------------------------------ signing in


@guard.public("/console/sso", "POST", errors="html", title=SSO_TITLES, content_types=[http.FORM])
def console_sso_start() -> Response:
    """The sign-in page's "Continue with single sign-on": off to the organization's provider.

    Not a redirect: the sign-in page's CSP says `form-action 'self'`, and browsers apply
    it to where a form's answer redirects (Chromium blocks the 303 to the provider), so
    the answer is a page that goes on by itself (an instant meta refresh) and by a link."""
    req = request()
    data = _session.form(req, schemas.ConsoleSsoIn)
    location = sso.start(str(data.email), anchor=_session.posted_anchor(req), next_path=data.next,
                         client_address=http.client_address(req))
    return web.page("console/sso_continue.html", 200, location=location, provider=urlsplit(location).netloc,
                    member=None)


@guard.public("/console/sso/callback", errors="html", title=SSO_TITLES)
def console_sso_callback() -> Response:
    """The provider sends the browser back here with a code (or an error) and the state."""
    req = request()

    def param(name: str, length: int) -> str | None:
        return http.query_param(req, name, max_length=length)

    done = sso.finish(code=param("code", 2000), state=param("state", 100), error=param("error", 200),
                      iss=param("iss", 500), anchor=_session.posted_anchor(req))
    old = _console.cookie_value(req)
    if old:
        console_auth.end_session(old)  # a new sign-in never keeps the old session (no fixation)
    return redirect(done.location, {"Set-Cookie": _console.cookie_header(done.cookie,
                                                                         console_auth.SESSION_HOURS * 3600)})


# ------------------------------------------------------------------ settings


@guard.member("/console/settings/sso", action="settings.view")
def console_sso_settings(member: Any) -> Response:
    saved = http.query_param(request(), "saved", choices=("1",)) is not None
    return page("console/sso.html", member, sso=sso.settings_view(member), saved=saved)


@guard.member("/console/settings/sso", "POST", action="settings.edit")
def console_sso_save(member: Any) -> Response:
    sso.configure(member, form("SsoSettingsIn"))
    return redirect("/console/settings/sso?saved=1")
