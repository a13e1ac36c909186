"""Earner-side rules: sign-in limits, where a sign-in may lead, and how a wallet is
ordered and filtered. Pure: no I/O, the caller passes `now`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from .errors import BadRequest
from .limits import Limit

LOGIN_MINUTES = 15
MAX_CODE_ATTEMPTS = 5
SESSION_DAYS = 7
RATE_WINDOW_SECONDS = 15 * 60
SIGNINS_PER_EMAIL = 5  # per window: a mailbox is not flooded
SIGNINS_PER_ADDRESS = 30  # per window and client address: no one sprays every mailbox
CODES_PER_DAY = 20  # codes typed per address and day: at most 20 guesses of 10^6 (0.002 %) a day
EXPORTS_PER_DAY = 5
SIGNIN_ADDRESS_LIMIT = Limit("signin-ip", SIGNINS_PER_ADDRESS, RATE_WINDOW_SECONDS)
SIGNIN_EMAIL_LIMIT = Limit("signin-email", SIGNINS_PER_EMAIL, RATE_WINDOW_SECONDS)
CODE_LIMIT = Limit("signin-code", CODES_PER_DAY, 86400)
DEFAULT_NEXT = "/wallet"
NEXT_MAX = 300
# Kept as they are in a `next` path: RFC 3986's reserved characters and "%" (escapes
# already made); letters, digits and "-._~" always are. Everything else (non-ASCII,
# quotes, angle brackets ...) is percent-encoded as UTF-8.
_URL_SAFE = "/?#[]@!$&'()*+,;=:%"
_CODE = re.compile(r"^[0-9]{6}$")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a path of this site. Anything that a browser
    could read as another origin (`//host`, `/\\host`, `https:`, control characters)
    is refused, never silently followed. What is accepted comes back percent-encoded
    (`/\u3002evil.example` -> `/%E3%80%82evil.example`): it ends up in a `Location`
    header, which carries ASCII only (issue 12: raw Unicode there made the HTTP server
    drop the connection), and as a path it can only name a page of this site."""
    if not value:
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if (not value.startswith("/") or value[1:2] in ("/", "\\") or "\\" in value
            or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value) or parts.scheme or parts.netloc):
        raise BadRequest("after signing in you can only be sent to a page of this site", code="invalid_next")
    encoded = quote(value, safe=_URL_SAFE)
    if len(encoded) > NEXT_MAX:
        raise BadRequest("that page address is too long", code="invalid_next")
    return encoded


def valid_code(code: str) -> bool:
    return bool(_CODE.match(code or ""))


def mask_email(email: str) -> str:
    """`a***@example.com`: enough for a person to recognise their address on a page."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


@dataclass
class Filters:
    issuer: str | None = None
    kind: str | None = None
    skill: str | None = None

    def match(self, entry: dict) -> bool:
        return ((not self.issuer or entry["issuer"] == self.issuer)
                and (not self.kind or entry["kind"] == self.kind)
                and (not self.skill or self.skill in entry["skills"]))


@dataclass
class Wallet:
    pending: list[dict] = field(default_factory=list)
    held: list[dict] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)


def arrange(entries: list[dict], filters: Filters) -> Wallet:
    """Pending credentials first (they wait for a decision), then the rest, newest
    first. The filter choices come from the whole wallet, not the filtered view."""
    entries = sorted(entries, key=lambda e: e["issued_at"], reverse=True)
    shown = [e for e in entries if filters.match(e)]
    return Wallet(
        pending=[e for e in shown if e["state"] == "pending"],
        held=[e for e in shown if e["state"] != "pending"],
        issuers=sorted({e["issuer"] for e in entries}, key=str.casefold),
        kinds=sorted({e["kind"] for e in entries}),
        skills=sorted({s for e in entries for s in e["skills"]}, key=str.casefold),
    )
