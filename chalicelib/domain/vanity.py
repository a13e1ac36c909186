"""Vanity addresses of public profiles (`/u/<name>`, issue 19 item 4): which names are
allowed, how they are compared, and how long a left name keeps pointing to its owner.

Pure rules, no I/O. Names are compared in one form (`normalise`: Unicode case folded,
surrounding blanks dropped), so "Grace-Hopper" and "grace-hopper" are the same name and
only one earner can hold it (store/earners.claim_name writes `NAME#<normalised>` with a
condition). The issue: "A chosen vanity address (`/u/<name>`, unique, changeable, old one
redirects for 90 days)": a name its owner left answers with a redirect to their current
name for `REDIRECT_DAYS`, and nobody else can take it meanwhile; then it is free again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .errors import BadRequest

MIN_LENGTH, MAX_LENGTH = 3, 30
REDIRECT_DAYS = 90
# lower-case ASCII letters and digits, single hyphens between them: safe in a URL path
# as is, and not confusable with another name by case or by look-alike letters
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Names that would look like Laurel speaking, or like one of its own pages.
RESERVED = frozenset({
    "about", "abuse", "account", "accounts", "admin", "administrator", "api", "app", "assets", "auth", "badge",
    "badges", "billing", "blog", "claim", "console", "contact", "credential", "credentials", "dashboard", "docs",
    "earner", "earners", "embed", "export", "favicon", "help", "home", "imports", "info", "issuer", "issuers",
    "laurel", "legal", "login", "logout", "mail", "me", "moderator", "new", "null", "oembed", "official",
    "openapi", "ops", "operator", "postmaster", "privacy", "profile", "profiles", "root", "security", "settings",
    "signin", "signout", "signup", "staff", "static", "status", "support", "system", "team", "terms", "undefined",
    "verify", "wallet", "webmaster", "www",
})


def normalise(name: str) -> str:
    """The one form names are stored and compared in."""
    return (name or "").strip().casefold()


def check(name: str) -> str:
    """The normalised name, or a 400 that says what is wrong with it."""
    value = normalise(name)
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        raise BadRequest(f"a profile address has {MIN_LENGTH} to {MAX_LENGTH} characters", code="invalid_name")
    if not _NAME.match(value):
        raise BadRequest("a profile address has letters a-z, digits and single hyphens between them",
                         code="invalid_name")
    if value in RESERVED:
        raise BadRequest(f'"{value}" is reserved; choose another address', code="name_reserved")
    return value


def released_at(left_at: datetime) -> datetime:
    """When a name its owner left becomes free for anyone (its redirect ends)."""
    return left_at + timedelta(days=REDIRECT_DAYS)
