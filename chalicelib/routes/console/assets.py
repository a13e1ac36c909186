"""The console's one script: htmx, vendored and pinned (web/static/VENDORED.md).

Served by the console itself, so the console's CSP can say `script-src 'self'` and
nothing is fetched from a CDN. Every page works without it; it only enhances (the
template editor's live preview, the bulk job's progress bar)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalice import Response

from ... import http
from ...domain.errors import NotFound
from . import guard, request

_STATIC = Path(__file__).resolve().parents[2] / "web" / "static"
SCRIPTS = {"htmx.min.js": "text/javascript; charset=utf-8"}
YEAR = 365 * 24 * 3600


@lru_cache(maxsize=len(SCRIPTS))
def _read(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


@guard.public("/console/static/{name}", errors="html")
def console_static(name: str) -> Response:
    """A vendored script, cached for a year by browsers and the CDN (pages ask for it
    with `?v=<version>`, web.HTMX_VERSION: a new version is a new URL), with a strong
    ETag for revalidation."""
    if name not in SCRIPTS:
        raise NotFound("no such file")
    return http.cached(request(), _read(name), content_type=SCRIPTS[name],
                       headers={"X-Content-Type-Options": "nosniff"}, max_age=YEAR)
