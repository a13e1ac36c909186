"""The issuer console: the web application where an organization runs its credential
program. Server-rendered, works without JavaScript (htmx, vendored, only enhances).

    GET  /console/signin, POST /console/signin            the address form; a link and a code by mail
    GET  /console/signin/{login_id}?token=                 the mailed link: a button (scanners follow links)
    POST /console/signin/{login_id}                        the link's token or the typed code signs in
    POST /console/choose                                   an address of several organizations picks one
    POST /console/signout
    GET  /console                                          home
    GET  /console/members, POST /console/members           members and invitations; invite
    GET  /console/members/{member_id}, POST ...            a member: role, personal-data grant, templates
    POST /console/members/{member_id}/remove
    GET  /console/account, POST /console/account           one's own membership: name; leave

Every member route names its action in the role matrix (domain/members.py); the guard
refuses before the view runs, checks the form's CSRF token and audits every write.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..lazy import LazyModule
from . import _console, _session
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

console_auth = LazyModule("chalicelib.services.console_auth")
members = LazyModule("chalicelib.services.members")
console = LazyModule("chalicelib.services.console")
rules = LazyModule("chalicelib.domain.members")
earner_rules = LazyModule("chalicelib.domain.earners")
schemas = LazyModule("chalicelib.schemas")
web = LazyModule("chalicelib.web")

SIGNIN_TITLES = {404: "This sign-in link cannot be used", 410: "This sign-in link cannot be used",
                 403: "Not a member"}


def _request() -> Any:
    return bp.current_request


def page(template: str, member: Any = None, status: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> Response:
    """A console page: the member's navigation and CSRF token come with every one."""
    nav = {"member": member, "csrf": _console.csrf_token(member) if member else None,
           "may": (lambda action: member.may(action)) if member else (lambda action: False)}
    return web.page(template, status, headers or {}, **nav, **context)


def _form(model: str) -> Any:
    return http.parse_form(_request(), getattr(schemas, model))


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


# ------------------------------------------------------------------ home


@guard.member("/console", action="home.view")
def console_home(member: Any) -> Response:
    return page("console/home.html", member, h=console.home(member))


# ------------------------------------------------------------------ members


@guard.member("/console/members", action="members.view")
def console_members(member: Any) -> Response:
    notice = http.query_param(_request(), "done", choices=("invited", "changed", "removed"))
    return page("console/members.html", member, members=members.list_members(member), notice=notice,
                roles=rules.ROLE_NAMES, templates=console.template_choices(member))


@guard.member("/console/members", "POST", action="members.manage")
def console_invite(member: Any) -> Response:
    data = _form("InviteIn")
    members.invite(member, str(data.email), data.role, view_personal_data=data.view_personal_data == "yes",
                   templates=data.template_list(), name=data.name)
    return _redirect("/console/members?done=invited")


@guard.member("/console/members/{member_id}", action="members.view")
def console_member(member: Any, member_id: str) -> Response:
    return page("console/member.html", member, m=members.get_member(member, member_id), roles=rules.ROLE_NAMES,
                templates=console.template_choices(member))


@guard.member("/console/members/{member_id}", "POST", action="members.manage")
def console_change_member(member: Any, member_id: str) -> Response:
    data = _form("MemberChangeIn")
    members.change(member, member_id, role=data.role, view_personal_data=data.view_personal_data == "yes",
                   templates=data.template_list())
    return _redirect("/console/members?done=changed")


@guard.member("/console/members/{member_id}/remove", "POST", action="members.manage")
def console_remove_member(member: Any, member_id: str) -> Response:
    _form("ConfirmIn")
    members.remove(member, member_id)
    return _redirect("/console/members?done=removed")


# ------------------------------------------------------------------ one's own membership


@guard.member("/console/account", action="account.view")
def console_account(member: Any) -> Response:
    return page("console/account.html", member, me=members.get_own(member),
                saved=http.query_param(_request(), "saved", choices=("name",)))


@guard.member("/console/account", "POST", action="account.view")
def console_account_name(member: Any) -> Response:
    data = _form("MemberNameIn")
    members.update_own_name(member, data.name)
    return _redirect("/console/account?saved=name")


@guard.member("/console/account/leave", "POST", action="account.view")
def console_leave(member: Any) -> Response:
    _form("ConfirmIn")
    members.remove(member, member.member_id)
    return _redirect("/console/signin", {"Set-Cookie": _console.cookie_header("", 0)})
