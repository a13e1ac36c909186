"""Organization members, their roles, and what each role may do in the console.

Pure: no I/O, no clock reads. The console's guard (routes/_guards.py) asks `allowed`
for every route before its view runs; the matrix test walks every console route with
every role and another tenant's member against `MATRIX`.

Roles (issue 14):
- read_only: sees everything but recipients' personal data (unless granted
  "view personal data");
- issuer: issues from templates it is allowed (all, or a list), sees and resends;
- admin: everything: templates, revoke, replace, members, API keys, integrations,
  settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..i18n import N_
from .errors import Conflict, Forbidden

ROLES = ("read_only", "issuer", "admin")
ROLE_NAMES = {"read_only": N_("Read-only"), "issuer": N_("Issuer"), "admin": N_("Admin")}  # pages: _(name)
INVITATION_DAYS = 7

ALL = frozenset(ROLES)
ISSUERS = frozenset({"issuer", "admin"})
ADMINS = frozenset({"admin"})

# Every console action and the roles allowed to take it. A route names one action.
MATRIX: dict[str, frozenset[str]] = {
    "home.view": ALL,
    "dashboard.view": ALL,  # the dashboard and each template's (counts only, no personal data)
    "templates.view": ALL,
    "templates.edit": ADMINS,  # create, edit, image, activate, archive, duplicate
    "credentials.view": ALL,
    "credentials.issue": ISSUERS,  # single and bulk, from the templates the member may use
    "credentials.resend": ISSUERS,
    "credentials.revoke": ADMINS,
    "credentials.replace": ADMINS,
    "members.view": ALL,
    "members.manage": ADMINS,  # invite, change roles and grants, remove
    "settings.view": ALL,
    "settings.edit": ADMINS,  # profile, logo, mail branding, single sign-on
    "admin.index": ISSUERS,  # the Administration section's index (issuers see support requests only)
    "api_keys.manage": ADMINS,  # list, create (the key shown once), revoke
    "integrations.manage": ADMINS,  # LMS integrations: rules, secrets, disable, the event log
    "webhooks.manage": ADMINS,  # outbound webhook endpoints, their deliveries, resend
    "audit.read": ADMINS,  # the organization's audit log
    # Support requests: the people who issue meet the problems (a failing issue, an outage)
    # and can say what broke; filing one asks for the support desk's time against the
    # contract's targets and an outage report counts toward the SLA, so read-only members,
    # who only look, ask an issuer or admin. Everyone who may file sees what was filed.
    "support.request": ISSUERS,
    "account.view": ALL,  # one's own membership; leaving
    "reports.view": ALL,  # the awards CSV (personal data only with the grant, as in credentials.view)
    "reports.organization": ADMINS,  # the organization export (ZIP): everything, personal data and all
    "account.summary": ADMINS,  # opting in to the monthly summary mail
    # Issue 20: "Console members with a new *workforce* permission search linked employees
    # by skill ..."; "Organizations with the *recruiting* permission search opted-in
    # earners ... and contact them". Permissions, not roles: any role may hold them, and
    # only an admin gives them (members.manage); no role holds them without the grant,
    # admins included, so seeing employees' skills or candidates is always a named duty.
    "workforce.view": ALL,  # search linked employees, team coverage, role gaps
    "workforce.manage": ALL,  # invite employees to link, teams, roles
    "talent.search": ALL,  # search opted-in earners
    "talent.contact": ALL,  # message a candidate through Laurel
}

GRANTS = ("workforce", "recruiting")
GRANT_NAMES = {"workforce": N_("Workforce skills"), "recruiting": N_("Recruiting")}  # pages: _(name)
# The actions that need a grant besides the role (the grant's name).
GRANTED: dict[str, str] = {"workforce.view": "workforce", "workforce.manage": "workforce",
                           "talent.search": "recruiting", "talent.contact": "recruiting"}


@dataclass(frozen=True)
class Member:
    """A signed-in member, as the guard passes it to a view."""

    tenant_id: str
    member_id: str
    email: str
    role: str
    view_personal_data: bool = False
    templates: tuple[str, ...] | None = None  # issuer role: only these templates (None: all)
    name: str = ""
    session_id: str = field(default="", repr=False)
    grants: frozenset[str] = frozenset()  # GRANTS the member holds

    @property
    def sees_personal_data(self) -> bool:
        return self.role != "read_only" or self.view_personal_data

    def may(self, action: str) -> bool:
        grant = GRANTED.get(action)
        return allowed(self.role, action) and (grant is None or grant in self.grants)

    def may_issue_from(self, template_id: str) -> bool:
        return self.role == "admin" or (self.role == "issuer" and (self.templates is None
                                                                   or template_id in self.templates))


def allowed(role: str, action: str) -> bool:
    if action not in MATRIX:
        raise KeyError(f"unknown console action {action!r}")
    return role in MATRIX[action]


def require(member: Member, action: str) -> None:
    grant = GRANTED.get(action)
    if allowed(member.role, action) and grant is not None and grant not in member.grants:
        raise Forbidden(f"this needs the {grant} permission; an admin can give it to you on the Members page",
                        code="not_allowed")
    if not member.may(action):
        raise Forbidden(f"your role ({ROLE_NAMES.get(member.role, member.role)}) does not allow this",
                        code="not_allowed")


def require_template(member: Member, template_id: str) -> None:
    if not member.may_issue_from(template_id):
        raise Forbidden("you may not issue from this template", code="template_not_allowed")


def check_grants(grants: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [g for g in grants if g not in GRANTS]
    if unknown:
        from .errors import BadRequest

        raise BadRequest(f"unknown permission {unknown[0]!r}; one of {', '.join(GRANTS)}", code="invalid_grant")
    return [g for g in GRANTS if g in grants]


def check_role_change(admins_left_after: int) -> None:
    """The last admin cannot leave, be removed or be demoted: an organization always has one."""
    if admins_left_after < 1:
        raise Conflict("an organization needs at least one admin; make someone else admin first",
                       code="last_admin")


def invitation_expires(now: datetime) -> datetime:
    return now + timedelta(days=INVITATION_DAYS)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_name(first: str, last: str) -> str:
    return f"{first[:1]}. {last[:1]}." if first or last else "—"
