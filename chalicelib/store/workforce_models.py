"""PynamoDB models of the workforce skills (issue 20, item 3): employer ⇄ employee
consent links, the organization's index of its linked employees' skills, invitations,
teams and roles (keys built in store/keys.py, see its workforce section).

| item                 | pk                   | sk                  |
|----------------------|----------------------|---------------------|
| employee entry       | T#<tenant>#WF        | <earner>            |
| the earner's link    | EARNER#<earner>      | EMPLOYER#<tenant>   |
| invitation           | T#<tenant>#WFINV     | <sha256(token)>     |
| team                 | T#<tenant>           | TEAM#<team>         |
| role                 | T#<tenant>           | ROLE#<role>         |
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from .models import ByTenant, Item, _TableMeta


class EmployeeItem(Item):
    """What the organization sees of one linked employee: their display name and the
    skills they let others count, each with the credentials (name, issuer) it comes from."""

    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    earner_id = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    invited_email = UnicodeAttribute(null=True)  # the address the organization invited (it knew it)
    linked_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # {skill key: {"label": str, "sources": [[credential name, issuer name], ...]}}
    skills = JSONAttribute(default=dict)


class EmployerLinkItem(Item):
    """The earner's consent: the organization they linked their wallet to."""

    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    earner_id = UnicodeAttribute()
    organization = UnicodeAttribute()  # the organization's name when they linked
    invited_email = UnicodeAttribute(null=True)
    linked_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)  # T#<tenant>#WFLINKS: the organization's links (offboarding)
    gsi1sk = UnicodeAttribute(null=True)  # the earner
    by_tenant = ByTenant()


class WorkforceInvitationItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    email = UnicodeAttribute()
    email_hash = UnicodeAttribute()
    invited_by = UnicodeAttribute(null=True)  # member id
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    expiration = NumberAttribute()  # TTL (epoch seconds); code checks expires_at itself


class TeamItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    name = UnicodeAttribute()
    members: ListAttribute[str] = ListAttribute(default=list)  # earner ids (linked when chosen)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class RoleItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    role_id = UnicodeAttribute()
    name = UnicodeAttribute()
    occupation_uri = UnicodeAttribute(null=True)
    occupation_label = UnicodeAttribute(null=True)
    skills = JSONAttribute(default=list)  # [{"key", "label", "uri"|None}]
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
