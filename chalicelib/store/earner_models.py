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

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

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


EARNER_MODELS = (EarnerItem, EarnerEmailItem, EmailOwnerItem, HeldCredentialItem, LoginItem, SessionItem, RateItem)
