"""Workforce skills (issue 20, item 3): employees who linked their wallets, search by
skill, teams and their coverage, roles and their gaps. Every route needs the member's
*workforce* permission (domain/members.GRANTED); changes need `workforce.manage`.

    GET       /console/workforce                          linked employees, pending invitations, invite form
    POST      /console/workforce/invitations              invite one address or a pasted list (at most 200)
    GET       /console/workforce/search?q=                linked employees holding every skill asked for
    GET/POST  /console/workforce/teams                    teams; create one
    GET/POST  /console/workforce/teams/{team_id}          its coverage and members; change them
    POST      /console/workforce/teams/{team_id}/delete
    GET/POST  /console/workforce/roles                    roles (?q= finds an occupation, ?occupation= picks it); create
    GET       /console/workforce/roles/{role_id}?team=    the role's gaps, in a team or among all linked employees
    POST      /console/workforce/roles/{role_id}/delete

A form that does not validate comes back with the message and the status of the refusal;
nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Response

from ... import http
from ...domain.errors import BadRequest, ValidationFailed
from ...lazy import LazyModule
from .._guards import _message
from . import form, guard, page, redirect, request

workforce = LazyModule("chalicelib.services.workforce")
rules = LazyModule("chalicelib.domain.workforce")

DONE = ("invited", "created", "saved", "deleted")


def _again(attempt: Callable[[], Response], again: Callable[[int, str], Response]) -> Response:
    try:
        return attempt()
    except (ValidationFailed, BadRequest) as exc:
        return again(exc.status, _message(exc))


def _done() -> str | None:
    return http.query_param(request(), "done", choices=DONE)


# ------------------------------------------------------------------ employees and invitations


def _employees(member: Any, status: int = 200, error: str | None = None, invited: dict | None = None) -> Response:
    return page("console/workforce.html", member, status, w=workforce.employees_page(member), error=error,
                invited=invited, done=_done(), max_invitations=rules.MAX_INVITATIONS)


@guard.member("/console/workforce", action="workforce.view")
def console_workforce(member: Any) -> Response:
    return _employees(member)


@guard.member("/console/workforce/invitations", "POST", action="workforce.manage")
def console_workforce_invite(member: Any) -> Response:
    return _again(lambda: _employees(member, invited=workforce.invite(member, form("WorkforceInviteFormIn").emails)),
                  lambda status, message: _employees(member, status, message))


@guard.member("/console/workforce/search", action="workforce.view")
def console_workforce_search(member: Any) -> Response:
    def show() -> Response:
        q = http.query_param(request(), "q", max_length=700) or ""
        return page("console/workforce_search.html", member, q=q, found=workforce.search(member, q))

    return _again(show, lambda status, message: page("console/workforce_search.html", member, status, q="",
                                                     found={"asked": [], "results": []}, error=message))


# ------------------------------------------------------------------ teams


def _teams(member: Any, status: int = 200, error: str | None = None) -> Response:
    return page("console/workforce_teams.html", member, status, t=workforce.teams_page(member), error=error,
                done=_done())


@guard.member("/console/workforce/teams", action="workforce.view")
def console_workforce_teams(member: Any) -> Response:
    return _teams(member)


@guard.member("/console/workforce/teams", "POST", action="workforce.manage")
def console_workforce_create_team(member: Any) -> Response:
    def create() -> Response:
        data = form("TeamFormIn")
        team_id = workforce.save_team(member, None, data.name, list(data.members))
        return redirect(f"/console/workforce/teams/{team_id}?done=created")

    return _again(create, lambda status, message: _teams(member, status, message))


def _team(member: Any, team_id: str, status: int = 200, error: str | None = None) -> Response:
    return page("console/workforce_team.html", member, status, t=workforce.team_page(member, team_id), error=error,
                done=_done())


@guard.member("/console/workforce/teams/{team_id}", action="workforce.view")
def console_workforce_team(member: Any, team_id: str) -> Response:
    return _team(member, team_id)


@guard.member("/console/workforce/teams/{team_id}", "POST", action="workforce.manage")
def console_workforce_save_team(member: Any, team_id: str) -> Response:
    def save() -> Response:
        data = form("TeamFormIn")
        workforce.save_team(member, team_id, data.name, list(data.members))
        return redirect(f"/console/workforce/teams/{team_id}?done=saved")

    return _again(save, lambda status, message: _team(member, team_id, status, message))


@guard.member("/console/workforce/teams/{team_id}/delete", "POST", action="workforce.manage")
def console_workforce_delete_team(member: Any, team_id: str) -> Response:
    workforce.delete_team(member, team_id)
    return redirect("/console/workforce/teams?done=deleted")


# ------------------------------------------------------------------ roles


def _roles(member: Any, status: int = 200, error: str | None = None) -> Response:
    q = http.query_param(request(), "q", max_length=100) or ""
    chosen = http.query_param(request(), "occupation", max_length=300)
    return page("console/workforce_roles.html", member, status, r=workforce.roles_page(member), q=q,
                occupations=workforce.occupations(q) if q else [],
                occupation=workforce.occupation(chosen) if chosen else None, error=error, done=_done())


@guard.member("/console/workforce/roles", action="workforce.view")
def console_workforce_roles(member: Any) -> Response:
    return _again(lambda: _roles(member), lambda status, message: page(
        "console/workforce_roles.html", member, status, r=workforce.roles_page(member), q="", occupations=[],
        occupation=None, error=message, done=None))


@guard.member("/console/workforce/roles", "POST", action="workforce.manage")
def console_workforce_create_role(member: Any) -> Response:
    def create() -> Response:
        data = form("RoleFormIn")
        role_id = workforce.create_role(member, data.name, data.occupation, list(data.essential), data.free_text())
        return redirect(f"/console/workforce/roles/{role_id}?done=created")

    return _again(create, lambda status, message: page(
        "console/workforce_roles.html", member, status, r=workforce.roles_page(member), q="", occupations=[],
        occupation=None, error=message, done=None))


@guard.member("/console/workforce/roles/{role_id}", action="workforce.view")
def console_workforce_role(member: Any, role_id: str) -> Response:
    team_id = http.query_param(request(), "team", max_length=16)
    return page("console/workforce_role.html", member, g=workforce.role_page(member, role_id, team_id),
                done=_done())


@guard.member("/console/workforce/roles/{role_id}/delete", "POST", action="workforce.manage")
def console_workforce_delete_role(member: Any, role_id: str) -> Response:
    workforce.delete_role(member, role_id)
    return redirect("/console/workforce/roles?done=deleted")
