"""The console's language: a member's `?lang=` choice, remembered for the console.

Console pages have no earner setting: their language is the request's (`?lang=`, else
`Accept-Language`, app.py's middleware). A `?lang=` choice (the language links in the
console's footer) would last one page: the next link, a form's answer and every htmx
fragment the page fetches arrive without it, and htmx's requests carry the browser's
own `Accept-Language`. So a console page answered to a valid `?lang=` sets a
`laurel_console_lang` cookie (Path=/console, HttpOnly, SameSite=Lax), and every console
request without `?lang=` is in the cookie's language before `Accept-Language`: the
fragments of a page are in the page's language without any script of ours (the CSP
stays `script-src 'self'`), and a member's choice lasts until they choose another.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import i18n
from .. import _session

COOKIE = "laurel_console_lang"
PREFIX = "/console"
YEAR = 365 * 24 * 3600


def _console(event: Any) -> bool:
    path = getattr(event, "path", "") or ""
    return path == PREFIX or path.startswith(PREFIX + "/")


def remembered(event: Any) -> str | None:
    """The language a member chose earlier in the console (its cookie), if it has a catalog."""
    if not _console(event):
        return None
    for pair in (event.headers.get("cookie") or "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name == COOKIE:
            return i18n.best(value.strip().strip('"'))
    return None


def remember(event: Any, response: Response) -> Response:
    """A console page answered to a valid `?lang=` remembers the choice (see the module's notes)."""
    chosen = i18n.best((event.query_params or {}).get("lang"))
    if not chosen or not _console(event):
        return response
    # pages and their redirects only: never on the vendored script, which browsers and the CDN keep for a year
    page = str(response.headers.get("Content-Type", "")).startswith("text/html")
    if not (page or 300 <= response.status_code < 400):
        return response
    cookie = _session.cookie_header(COOKIE, i18n.html_lang(chosen), YEAR).replace("Path=/;", f"Path={PREFIX};")
    existing = response.headers.get("Set-Cookie")
    if existing is None:
        response.headers["Set-Cookie"] = cookie
    else:  # the page sets a cookie of its own: both go (Chalice answers a list as multi-value headers)
        response.headers["Set-Cookie"] = [*(existing if isinstance(existing, list) else [existing]), cookie]
    return response
