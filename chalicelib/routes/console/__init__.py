"""The issuer console: the web application where an organization runs its credential
program. Server-rendered, works without JavaScript (htmx, vendored, only enhances).

One blueprint (`bp`) for the whole audience; its routes live in the modules of this
package by subject:

    signin.py       GET/POST /console/signin, /console/signin/{login_id}, /console/choose, /console/signout
    home.py         GET /console; members, invitations and one's own membership (/console/members, /console/account)
    dashboard.py    GET /console/dashboard, /console/dashboard/templates/{template_id}
    sso.py          POST /console/sso, GET /console/sso/callback, GET/POST /console/settings/sso
    reports.py      GET/POST /console/reports, GET /console/reports/{job_id}
    workforce.py    /console/workforce: linked employees, skill search, teams, roles (issue 20)
    talent.py       GET /console/talent, GET/POST /console/talent/contact, GET /console/talent/messages[/{id}]

Every member route names its action in the role matrix (domain/members.py); the guard
refuses before the view runs, checks the form's CSRF token and audits every write.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ... import http
from ...lazy import LazyModule
from .. import _console, _session
from .._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

schemas = LazyModule("chalicelib.schemas")
web = LazyModule("chalicelib.web")


def request() -> Any:
    return bp.current_request


def page(template: str, member: Any = None, status: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> Response:
    """A console page: the member's navigation and CSRF token come with every one."""
    nav = {"member": member, "csrf": _console.csrf_token(member) if member else None,
           "may": (lambda action: member.may(action)) if member else (lambda action: False)}
    return web.page(template, status, headers or {}, **nav, **context)


def form(model: str) -> Any:
    """A console form's fields (the guard has checked its CSRF token already)."""
    return http.parse_form(request(), getattr(schemas, model))


def redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return _session.redirect(location, headers)


# The modules register their routes on `bp` when imported (last: they import `bp` from here).
from . import (  # noqa: E402,F401
    admin,  # administration: API keys, integrations, webhooks, audit log, support requests
    assets,  # the vendored script
    credentials,  # credentials: search, history, revoke/replace/resend
    dashboard,  # the dashboard and each template's
    home,  # home, members, invitations, one's own membership
    issuing,  # single and bulk issuing
    language,  # the console's language: a member's ?lang= choice, remembered
    reports,  # reports and exports (issue 15)
    settings,  # organization settings
    signin,
    sso,
    talent,  # talent search and contact through Laurel (issue 20)
    templates,  # the template editor
    workforce,  # workforce skills: linked employees, search, teams, roles (issue 20)
)
