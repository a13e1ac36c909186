"""PynamoDB models of an organization's console: its members, their sessions, and its
single sign-on settings, in Laurel's single table (keys built in store/keys.py).

| item               | pk                          | sk                 |
|--------------------|-----------------------------|--------------------|
| member             | T#<tenant>                  | MEMBER#<member>    |
| member's address   | MEMBEREMAIL#<emailhash>     | T#<tenant>         |
| admin count        | T#<tenant>                  | MEMBERS            |
| console session    | CSESSION#<sha256(id)>       | S                  |
| single sign-on     | T#<tenant>                  | SSO                |
| sign-on domain     | SSODOMAIN#<domain>          | D                  |
| sign-on state      | SSOSTATE#<sha256(state)>    | S                  |

An invitation is a member in state `invited` until its `expires_at`: signing in with
the invited address (which proves the mailbox) makes it `active`. A member's address
item lets sign-in find the organizations an address belongs to. Console sessions are
listed per member through `by_tenant` (`T#<tenant>#MSESSIONS#<member>`), so removing
a member or changing their role ends their sessions at once.

A sign-on domain item names the one organization whose provider signs in addresses
at that domain: keyed by the domain alone, so a second organization's claim fails
its condition. A sign-on state is one attempt between the redirect to the provider
and its callback.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from .models import ByTenant, Item, _TableMeta


class MemberItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    email = UnicodeAttribute()
    email_hash = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute()  # read_only | issuer | admin
    view_personal_data = BooleanAttribute(default=False)
    # issuer role: the templates it may issue from (absent: all)
    templates: ListAttribute[str] = ListAttribute(null=True)
    grants: ListAttribute[str] = ListAttribute(null=True)  # issue 20: "workforce", "recruiting"
    state = UnicodeAttribute()  # invited | active
    invited_by = UnicodeAttribute(null=True)
    expires_at = UnicodeAttribute(null=True)  # an invitation's end
    joined_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    source = UnicodeAttribute(default="invitation")  # invitation | operator | sso
    monthly_summary = BooleanAttribute(null=True)  # an admin's opt-in to the monthly summary mail (issue 15)


class MemberEmailItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    member_id = UnicodeAttribute()


class MemberCountItem(Item):
    """How many active admins an organization has: role changes and removals are
    conditioned on it, so two admins demoting each other at once cannot leave none."""

    class Meta(_TableMeta):
        pass

    admins = NumberAttribute(default=0)


class ConsoleSessionItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    expiration = NumberAttribute()
    via = UnicodeAttribute(default="mail")  # mail | sso
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_tenant = ByTenant()


class SsoItem(Item):
    """An organization's OpenID Connect provider. The client secret is not here: it is
    kept in Secrets Manager under `secret_name`, and `secret_version` names the version
    these settings were saved with."""

    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    issuer = UnicodeAttribute()
    client_id = UnicodeAttribute()
    secret_name = UnicodeAttribute()
    secret_version = UnicodeAttribute()
    domains: ListAttribute[str] = ListAttribute()
    default_role = UnicodeAttribute()  # read_only | issuer | admin | none (no just-in-time members)
    enabled = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute(null=True)
    revision = NumberAttribute(default=0)  # each save adds one; a save conditioned on the one it read


class SsoDomainItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()


class SsoStateItem(Item):
    """One sign-on attempt in flight: single use, ten minutes, bound to the browser that started it."""

    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    issuer = UnicodeAttribute()  # the provider it was sent to: a callback is only accepted from it
    anchor_hash = UnicodeAttribute()
    nonce = UnicodeAttribute()
    code_verifier = UnicodeAttribute()
    next_path = UnicodeAttribute(null=True)
    expires_at = UnicodeAttribute()
    expiration = NumberAttribute()


MEMBER_MODELS = (MemberItem, MemberEmailItem, MemberCountItem, ConsoleSessionItem, SsoItem, SsoDomainItem,
                 SsoStateItem)
