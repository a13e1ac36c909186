"""Console sessions over HTTP: the cookie, CSRF tokens bound to the session, and the
way back to the sign-in page. The session itself lives server-side
(services/console_auth.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from chalice import Response

from .. import http
from ..domain.errors import BadRequest
from ..lazy import LazyModule
from . import _session

console_auth = LazyModule("chalicelib.services.console_auth")
signin = LazyModule("chalicelib.services.signin")

COOKIE = "laurel_console"


def cookie_value(request: Any) -> str | None:
    for pair in (request.headers.get("cookie") or "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name == COOKIE:
            return value.strip().strip('"')
    return None


def cookie_header(value: str, max_age: int) -> str:
    return _session.cookie_header(COOKIE, value, max_age).replace("Path=/;", "Path=/console;")


def current(request: Any) -> Any:
    return console_auth.member_from_cookie(cookie_value(request))


def csrf_token(member: Any) -> str:
    return signin.csrf_token(f"console:{member.session_id}")


def _posted_csrf(request: Any) -> str | None:
    ctype = http.content_type(request)
    if ctype == http.FORM:
        try:
            fields = parse_qs(http.raw_body(request).decode("utf-8"), max_num_fields=200)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("the form could not be read") from None
        posted = fields.get("csrf")
        return posted[0] if posted else None
    if ctype == "multipart/form-data":
        # an upload (a bulk file, a badge image) may be larger than any other form
        value = http.parse_multipart(request, max_parts=30, limit=http.MAX_UPLOAD_BYTES).get("csrf")
        return value.decode("ascii", "replace") if value else None
    return None


def check_csrf(request: Any, member: Any) -> None:
    """Every console form carries the session's token; anything else is refused first."""
    signin.check_csrf(f"console:{member.session_id}", _posted_csrf(request))


def signin_redirect(request: Any) -> Response:
    path = request.path
    for name, value in (request.uri_params or {}).items():
        path = path.replace("{" + name + "}", value)
    query = urlencode(request.query_params or {})
    location = "/console/signin?" + urlencode({"next": path + (f"?{query}" if query else "")})
    return Response(body="", status_code=303, headers={"Location": http.location(location),
                                                       "Cache-Control": "no-store"})
