"""PynamoDB models of earners (the people credentials are issued to), their sign-in
links, sessions and rate counters, in Laurel's single table.

Their keys are built in `keys.py` (see its table: earner, earner's address, kept
credential, address owner, sign-in request, wallet session, rate counter). Through
`by_tenant`, sessions are listed per earner and sign-in requests per address, so
erasing a person finds them.

An email address belongs to at most one earner: `EMAIL#<hash>/OWNER` is written with
a condition, so two accounts can never both claim it. A credential reaches a wallet
through the `by_email` index of each of the earner's verified addresses; a `HELD`
item keeps an accepted credential in the wallet after its address is removed.
Sign-in tokens, codes and session ids are stored only as hashes. Short-lived items
carry `expiration` (epoch seconds), the table's TTL attribute; code never relies on
TTL for correctness (DynamoDB deletes late), it checks `expires_at` itself.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from .models import ByTenant, Item, _TableMeta


class EarnerItem(Item):
    class Meta(_TableMeta):
        pass

    earner_id = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    profile_public = BooleanAttribute(default=False)
    email_count = NumberAttribute(default=0)  # never below 1: the last address cannot be removed
    restricted_at = UnicodeAttribute(null=True)  # processing restricted: everything hidden at once
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # issue 19: the public profile's vanity name (`/u/<name>`), every name it ever held (erasure
    # releases those still pointing here), a short headline and a photo (store/object_keys.py)
    vanity_name = UnicodeAttribute(null=True)
    names = UnicodeSetAttribute(null=True)
    headline = UnicodeAttribute(null=True)
    photo_key = UnicodeAttribute(null=True)
    # the language the earner chose for their pages and mails (chalicelib/i18n.py LOCALES); none: automatic
    locale = UnicodeAttribute(null=True)
    # issue 20 (profile): the public profile shows the earner's counted skills only when they chose
    # so; their skills count in the network's anonymous insights unless they opted out
    skills_public = BooleanAttribute(null=True)
    insights_opt_out = BooleanAttribute(null=True)


class EarnerEmailItem(Item):
    class Meta(_TableMeta):
        pass

    email = UnicodeAttribute()
    email_hash = UnicodeAttribute()
    verified_at = UnicodeAttribute()


class EmailOwnerItem(Item):
    class Meta(_TableMeta):
        pass

    earner_id = UnicodeAttribute()
    # a copy of the owner's language setting, so a mail to the address finds it in one read
    # (store/earners.earner_locale_for_email); kept by set_locale, add_email and merge
    locale = UnicodeAttribute(null=True)


class ProfileNameItem(Item):
    """`NAME#<normalised name>/N`: who holds a vanity name. `current`: it is the owner's
    name now; else the owner left it at `left_at` and it redirects to their current name
    until `released_at` (then anyone may take it; `expiration` lets TTL delete it, but
    the code compares `released_at` itself: TTL deletes late)."""

    class Meta(_TableMeta):
        pass

    name = UnicodeAttribute()
    earner_id = UnicodeAttribute()
    current = BooleanAttribute(default=True)
    claimed_at = UnicodeAttribute()
    left_at = UnicodeAttribute(null=True)
    released_at = UnicodeAttribute(null=True)
    expiration = NumberAttribute(null=True)


class HeldCredentialItem(Item):
    class Meta(_TableMeta):
        pass

    credential_id = UnicodeAttribute()
    held_since = UnicodeAttribute()


class LoginItem(Item):
    """One sign-in (or add-an-address) request: a link token and a 6-digit code, both
    hashed, single-use, 15 minutes, at most MAX_CODE_ATTEMPTS wrong codes."""

    class Meta(_TableMeta):
        pass

    login_id = UnicodeAttribute()
    purpose = UnicodeAttribute()  # signin | add_email
    email = UnicodeAttribute()
    email_hash = UnicodeAttribute()
    earner_id = UnicodeAttribute(null=True)  # add_email: the account adding the address
    token_hash = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    next_path = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)
    expiration = NumberAttribute()
    # by_tenant: LOGINS#<emailhash> lists an address's requests (erasure finds them all)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_tenant = ByTenant()


class SessionItem(Item):
    class Meta(_TableMeta):
        pass

    earner_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    expiration = NumberAttribute()
    # by_tenant: EARNER#<earner>#SESSIONS lists an earner's sessions (erasure ends them all)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_tenant = ByTenant()


class RateItem(Item):
    class Meta(_TableMeta):
        pass

    # named `hits` here, `count` in the table: a `count` attribute would hide PynamoDB's Model.count()
    hits = NumberAttribute(default=0, attr_name="count")
    expiration = NumberAttribute()


EARNER_MODELS = (EarnerItem, EarnerEmailItem, EmailOwnerItem, HeldCredentialItem, LoginItem, SessionItem, RateItem,
                 ProfileNameItem)
