"""Credentials in the console: search, the detail page with its history, and revoke,
replace and resend, each behind a confirmation page (GET shows what will happen and
changes nothing; POST does it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice import Response

from ... import http
from ...lazy import LazyModule
from . import form, guard, page, redirect, request, schemas

console = LazyModule("chalicelib.services.console")
credentials = LazyModule("chalicelib.services.console_credentials")

SEARCH_FIELDS = ("q", "template", "state", "from", "to", "cursor")
DONE = ("revoked", "replaced", "resent", "corrected")


def _search_query() -> Any:
    """The search form's fields (a blank one is not given; other parameters are ignored)."""
    params = request().query_params or {}
    return http.validate(schemas.CredentialSearchIn,
                         {name: params[name] for name in SEARCH_FIELDS if params.get(name)})


def _link(query: Any, **changes: str | None) -> str:
    """The search page's address with the same filters (and `changes`)."""
    values = {"q": query.q, "template": query.template, "state": query.state,
              "from": query.from_.isoformat() if query.from_ else None,
              "to": query.to.isoformat() if query.to else None, **changes}
    kept = {k: str(v) for k, v in values.items() if v}
    return "/console/credentials" + (f"?{urlencode(kept)}" if kept else "")


@guard.member("/console/credentials", action="credentials.view")
def console_credentials(member: Any) -> Response:
    query = _search_query()
    found = credentials.search(member, query)
    filtered = any((query.q, query.template, query.state, query.from_, query.to))
    return page("console/credentials.html", member, found=found, query=query, filtered=filtered,
                templates=console.template_choices(member), states=credentials.STATE_NAMES,
                next_link=_link(query, cursor=found["next_cursor"]) if found["next_cursor"] else None,
                first_link=_link(query) if query.cursor else None)


@guard.member("/console/credentials/{credential_id}", action="credentials.view")
def console_credential(member: Any, credential_id: str) -> Response:
    return page("console/credential.html", member, c=credentials.detail(member, credential_id),
                done=http.query_param(request(), "done", choices=DONE))


# ------------------------------------------------------------------ resend


@guard.member("/console/credentials/{credential_id}/resend", action="credentials.resend")
def console_resend_confirm(member: Any, credential_id: str) -> Response:
    return page("console/credential_resend.html", member, c=credentials.resend_preview(member, credential_id))


@guard.member("/console/credentials/{credential_id}/resend", "POST", action="credentials.resend")
def console_resend(member: Any, credential_id: str) -> Response:
    form("ConfirmIn")
    credentials.resend(member, credential_id)
    return redirect(f"/console/credentials/{credential_id}?done=resent")


@guard.member("/console/credentials/{credential_id}/recipient", "POST", action="credentials.resend")
def console_correct_recipient(member: Any, credential_id: str) -> Response:
    """The corrected address (issue 17): the form on the credential's page is its own
    confirmation (the new address is typed in)."""
    data = form("ConsoleRecipientIn")
    credentials.correct_recipient(member, credential_id, data)
    return redirect(f"/console/credentials/{credential_id}?done=corrected")


# ------------------------------------------------------------------ revoke


@guard.member("/console/credentials/{credential_id}/revoke", action="credentials.revoke")
def console_revoke_confirm(member: Any, credential_id: str) -> Response:
    return page("console/credential_revoke.html", member, c=credentials.revoke_preview(member, credential_id))


@guard.member("/console/credentials/{credential_id}/revoke", "POST", action="credentials.revoke")
def console_revoke(member: Any, credential_id: str) -> Response:
    data = form("ConsoleRevokeIn")
    credentials.revoke(member, credential_id, data)
    return redirect(f"/console/credentials/{credential_id}?done=revoked")


# ------------------------------------------------------------------ replace


@guard.member("/console/credentials/{credential_id}/replace", action="credentials.replace")
def console_replace_confirm(member: Any, credential_id: str) -> Response:
    return page("console/credential_replace.html", member, c=credentials.replace_preview(member, credential_id))


@guard.member("/console/credentials/{credential_id}/replace", "POST", action="credentials.replace")
def console_replace(member: Any, credential_id: str) -> Response:
    data = form("ConsoleReplaceIn")
    new_id = credentials.replace(member, credential_id, data)
    return redirect(f"/console/credentials/{new_id}?done=replaced")
