"""Earner sessions over HTTP: the cookies, and what CSRF tokens are bound to.

The session itself lives server-side (services/signin.py); the cookie carries its
id, signed. Before sign-in, forms are bound to a signed random pre-session cookie.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from .. import http
from ..config import get_settings
from ..domain.errors import UnsupportedMediaType
from ..lazy import LazyModule

signin = LazyModule("chalicelib.services.signin")

SESSION_COOKIE = "laurel_session"
PRE_COOKIE = "laurel_pre"


def cookies(request: Any) -> dict[str, str]:
    """Laurel's own cookies. Parsed by hand: `SimpleCookie` drops every cookie after
    the first it cannot parse (a JSON consent cookie of a sibling site, say), which
    would sign earners out for good."""
    found: dict[str, str] = {}
    for pair in (request.headers.get("cookie") or "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name in (SESSION_COOKIE, PRE_COOKIE) and name not in found:
            found[name] = value.strip().strip('"')
    return found


def cookie_header(name: str, value: str, max_age: int) -> str:
    """HttpOnly, SameSite=Lax, and Secure everywhere but the local stage (plain http)."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if not get_settings().is_local:
        parts.append("Secure")
    return "; ".join(parts)


def current(request: Any) -> Any:
    """The live session the request's cookie names, or None."""
    return signin.session_from_cookie(cookies(request).get(SESSION_COOKIE))


def session_cookie(request: Any) -> str | None:
    return cookies(request).get(SESSION_COOKIE)


class Anchor:
    """What this browser's CSRF tokens are bound to: its session, else a signed random
    pre-session cookie (set here when missing)."""

    def __init__(self, request: Any, session: Any = None) -> None:
        self.session = session
        self.set_cookie: str | None = None
        if session is not None:
            self.value = session.session_id
            return
        existing = cookies(request).get(PRE_COOKIE)
        value = signin.pre_session_anchor(existing)
        if value is None:
            fresh = signin.new_pre_session_cookie()
            value = signin.pre_session_anchor(fresh)
            self.set_cookie = cookie_header(PRE_COOKIE, fresh, 86400)
        self.value = value

    @property
    def csrf(self) -> str:
        return signin.csrf_token(self.value)

    def headers(self) -> dict[str, str]:
        return {"Set-Cookie": self.set_cookie} if self.set_cookie else {}


def posted_anchor(request: Any, session: Any = None) -> str | None:
    if session is not None:
        return session.session_id
    return signin.pre_session_anchor(cookies(request).get(PRE_COOKIE))


def form(request: Any, model: Any, session: Any = None) -> Any:
    """Parse a form post and check its CSRF token before anything else happens."""
    if http.content_type(request) != http.FORM:
        raise UnsupportedMediaType("send the form as application/x-www-form-urlencoded")
    data = http.parse_form(request, model)
    signin.check_csrf(posted_anchor(request, session), data.csrf)
    return data


def nav(request: Any, session: Any, anchor: Anchor | None = None) -> dict:
    """What every earner page's header needs: signed in or not, and a CSRF token."""
    anchor = anchor or Anchor(request, session)
    return {"signed_in": session is not None, "csrf": anchor.csrf}


def redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": http.location(location),
                                                       "Cache-Control": "no-store", **(headers or {})})
