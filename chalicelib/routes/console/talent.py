"""Talent search (issue 20 item 4): members with the *recruiting* permission search
opted-in earners by skill, credential, issuer and place, and write to them through
Laurel. Candidates appear by name, skills, credentials, issuers and place only: a
sealed handle stands for each, never an earner id or an address (until they reply).

    GET  /console/talent                          the search form and its results (?skill=&skill=...)
    GET  /console/talent/contact?c=<handle>       the message form
    POST /console/talent/contact                  send it
    GET  /console/talent/messages                 the organization's messages and their answers
    GET  /console/talent/messages/{message_id}    one of them
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import http
from ...lazy import LazyModule
from . import form, guard, page, redirect, request

talent = LazyModule("chalicelib.services.talent")


@guard.member("/console/talent", action="talent.search")
def console_talent(member: Any) -> Response:
    req = request()
    params = req.query_params
    skills = params.getlist("skill") if params and "skill" in params else []
    if len(skills) > 3 or any(len(s) > 200 for s in skills):
        from ...domain.errors import BadRequest

        raise BadRequest("at most 3 skills of at most 200 characters", code="too_many_skills")
    q = {"skills": skills, "credential": http.query_param(req, "credential", max_length=200) or "",
         "issuer": http.query_param(req, "issuer", max_length=200) or "",
         "country": http.query_param(req, "country", max_length=2),
         "city": http.query_param(req, "city", max_length=100) or ""}
    cursor = http.query_param(req, "more", max_length=600)
    found = talent.search(member, **q, cursor=cursor) if any(s.strip() for s in skills) else None
    countries = talent.countries()
    return page("console/talent.html", member, section="talent", q=q, found=found, countries=countries,
                country_names=dict(countries), may_contact=member.may("talent.contact"))


@guard.member("/console/talent/contact", action="talent.contact")
def console_talent_contact_form(member: Any) -> Response:
    handle = http.query_param(request(), "c", max_length=400) or ""
    return page("console/talent_contact.html", member, section="talent", c=talent.candidate(member, handle))


@guard.member("/console/talent/contact", "POST", action="talent.contact")
def console_talent_contact(member: Any) -> Response:
    data = form("TalentContactIn")
    sent = talent.contact(member, data.candidate, data.subject, data.text)
    return redirect(f"/console/talent/messages/{sent['id']}")


@guard.member("/console/talent/messages", action="talent.contact")
def console_talent_messages(member: Any) -> Response:
    return page("console/talent_messages.html", member, section="talent", messages=talent.org_messages(member))


@guard.member("/console/talent/messages/{message_id}", action="talent.contact")
def console_talent_message(member: Any, message_id: str) -> Response:
    return page("console/talent_message.html", member, section="talent", m=talent.org_message(member, message_id))
