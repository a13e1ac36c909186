"""The console's administration pages (issue 15, item 4): what a page shows that more
than one use case provides. Every change goes through the use case the issuer API
calls (services/issuers.py, lms.py, events.py, support.py, audit.py); this module
only puts together what one page needs, so each console view makes one call."""

from __future__ import annotations

from typing import Any

from ..domain import members as rules
from . import audit, clock, console, events, issuers, lms, members, support

DELIVERIES_PER_PAGE = 25
EVENTS_PER_PAGE = 25
AUDIT_PER_PAGE = 50


def integration_page(member: rules.Member, integration_id: str) -> dict:
    """An integration with its rules, and the templates a rule may name."""
    return {"integration": lms.get(member.tenant_id, integration_id),
            "templates": console.template_choices(member)}


def integration_events(member: rules.Member, integration_id: str, cursor: str | None) -> dict:
    """One page of an integration's event log, newest first."""
    return {"integration": lms.get(member.tenant_id, integration_id),
            "events": lms.events(member.tenant_id, integration_id, EVENTS_PER_PAGE, cursor),
            "templates": {t["id"]: t["name"] for t in console.template_choices(member)}}


def endpoint_page(member: rules.Member, endpoint_id: str, cursor: str | None) -> dict:
    """A webhook endpoint and one page of its deliveries, newest first."""
    return {"endpoint": events.get_endpoint(member.tenant_id, endpoint_id),
            "deliveries": events.list_deliveries(member.tenant_id, endpoint_id, limit=DELIVERIES_PER_PAGE,
                                                 cursor=cursor)}


def new_endpoint_form() -> dict:
    return {"event_types": events.EVENT_TYPES}


def support_requests(member: rules.Member) -> dict:
    """The organization's support requests, open ones first, each with its due time and
    whether it is breached (services/support.py computes both from domain/support.py)."""
    newest_first = sorted(support.list_for(member.tenant_id), key=lambda r: r["created_at"], reverse=True)
    return {"items": sorted(newest_first, key=lambda r: r["state"] == "resolved")}


def audit_actions(routes: Any) -> list[dict]:
    """Every action the log can hold: the writes of the console and the issuer API, by
    method and route pattern (what an entry records), with the console action that
    guards it where there is one."""
    found = []
    for path, methods in (routes or {}).items():
        for method, entry in methods.items():
            audience = getattr(entry.view_function, "laurel_audience", None)
            if method in audit.READ_METHODS or audience not in ("member", "issuer"):
                continue
            found.append({"value": f"{method} {path}", "action": getattr(entry.view_function, "laurel_action", None)})
    return sorted(found, key=lambda a: a["value"].split(" ", 1)[1] + " " + a["value"])


def audit_filters(member: rules.Member, routes: Any) -> dict:
    """What the audit log's filters offer: the organization's members, by name, and the actions."""
    return {"members": [{"id": m["id"], "name": name} for m in members.list_members(member)
                        for name in [f"{m['name']} ({m['email']})" if m["name"] else m["email"]]],
            "actions": audit_actions(routes)}


def audit_log(member: rules.Member, query: Any, routes: Any) -> dict:
    """The organization's audit log, newest first, filtered by member, action and day.
    A member or action filter without a day looks at today (UTC): they filter within one
    day's entries (services/audit.py). Entries name their actor: a member by name and
    address, an API key by its label."""
    day = query.day.isoformat() if query.day else None
    if (query.member or query.action) and day is None:
        day = clock.utcnow().date().isoformat()
    listing = audit.list_for_tenant(member.tenant_id, day=day, limit=AUDIT_PER_PAGE, cursor=query.cursor,
                                    actor_id=query.member, action=query.action)
    filters = audit_filters(member, routes)
    names = {m["id"]: m["name"] for m in filters["members"]}
    names.update({k["id"]: f"API key {k['label'] or ''} …{k['hint']}".replace("  ", " ")
                  for k in issuers.list_api_keys(member.tenant_id)})
    for entry in listing["items"]:
        entry["who"] = names.get(entry["actor"]["id"], f"{entry['actor']['type']} {entry['actor']['id']}")
    return {"day": day, "entries": listing["items"], "next_cursor": listing["next_cursor"], **filters}
