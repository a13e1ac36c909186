"""Home, members and invitations, and one's own membership."""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import http
from ...lazy import LazyModule
from .. import _console
from . import form, guard, page, redirect, request

members = LazyModule("chalicelib.services.members")
console = LazyModule("chalicelib.services.console")
rules = LazyModule("chalicelib.domain.members")
summary = LazyModule("chalicelib.services.summary")


# ------------------------------------------------------------------ home


@guard.member("/console", action="home.view")
def console_home(member: Any) -> Response:
    return page("console/home.html", member, h=console.home(member))


# ------------------------------------------------------------------ members


@guard.member("/console/members", action="members.view")
def console_members(member: Any) -> Response:
    notice = http.query_param(request(), "done", choices=("invited", "changed", "removed"))
    return page("console/members.html", member, members=members.list_members(member), notice=notice,
                roles=rules.ROLE_NAMES, grant_names=rules.GRANT_NAMES,
                templates=console.template_choices(member))


@guard.member("/console/members", "POST", action="members.manage")
def console_invite(member: Any) -> Response:
    data = form("InviteIn")
    members.invite(member, str(data.email), data.role, view_personal_data=data.view_personal_data == "yes",
                   templates=data.template_list(), name=data.name, grants=list(data.grants))
    return redirect("/console/members?done=invited")


@guard.member("/console/members/{member_id}", action="members.view")
def console_member(member: Any, member_id: str) -> Response:
    return page("console/member.html", member, m=members.get_member(member, member_id), roles=rules.ROLE_NAMES,
                grant_names=rules.GRANT_NAMES, templates=console.template_choices(member))


@guard.member("/console/members/{member_id}", "POST", action="members.manage")
def console_change_member(member: Any, member_id: str) -> Response:
    data = form("MemberChangeIn")
    members.change(member, member_id, role=data.role, view_personal_data=data.view_personal_data == "yes",
                   templates=data.template_list(), grants=list(data.grants))
    return redirect("/console/members?done=changed")


@guard.member("/console/members/{member_id}/remove", "POST", action="members.manage")
def console_remove_member(member: Any, member_id: str) -> Response:
    form("ConfirmIn")
    members.remove(member, member_id)
    return redirect("/console/members?done=removed")


# ------------------------------------------------------------------ one's own membership


@guard.member("/console/account", action="account.view")
def console_account(member: Any) -> Response:
    return page("console/account.html", member, me=members.get_own(member),
                summary=summary.setting(member) if member.may("account.summary") else False,
                saved=http.query_param(request(), "saved", choices=("name", "summary")))


@guard.member("/console/account", "POST", action="account.view")
def console_account_name(member: Any) -> Response:
    data = form("MemberNameIn")
    members.update_own_name(member, data.name)
    return redirect("/console/account?saved=name")


@guard.member("/console/account/summary", "POST", action="account.summary")
def console_account_summary(member: Any) -> Response:
    data = form("MonthlySummaryIn")
    summary.set_setting(member, data.monthly_summary == "yes")
    return redirect("/console/account?saved=summary")


@guard.member("/console/account/leave", "POST", action="account.view")
def console_leave(member: Any) -> Response:
    form("ConfirmIn")
    members.remove(member, member.member_id)
    return redirect("/console/signin", {"Set-Cookie": _console.cookie_header("", 0)})
