"""Rules for importing badges from other issuers (services/imports.py). Pure.

`POST /imports` makes Laurel mail the holder of any public badge, so it is limited
(issue 12): one mail per address and badge while its confirmation is pending, a few
confirmation mails per recipient, and requests per source address, per hour and per
day. Requests are counted before the badge is verified: verification fetches foreign
URLs, which must not be free either.
"""

from __future__ import annotations

import hashlib

from .limits import Limit

# A confirmation link works this long; while it does, the same badge is not mailed to
# the same address again (a lost mail can be asked for again the next day).
CONFIRM_HOURS = 24

# Per recipient address: a person adding their own badges adds a handful at a time;
# a stranger cannot fill their mailbox (each mail also needs another of their badges).
MAILS_PER_RECIPIENT_HOUR = Limit("import-email-hour", 5, 3600)
MAILS_PER_RECIPIENT_DAY = Limit("import-email-day", 10, 86400)
# Per source (client) address: room for a few people behind one network address,
# not for spraying every public badge's holder or using Laurel as a fetcher.
REQUESTS_PER_SOURCE_HOUR = Limit("import-ip-hour", 20, 3600)
REQUESTS_PER_SOURCE_DAY = Limit("import-ip-day", 100, 86400)

RECIPIENT_LIMITS = (MAILS_PER_RECIPIENT_HOUR, MAILS_PER_RECIPIENT_DAY)
SOURCE_LIMITS = (REQUESTS_PER_SOURCE_HOUR, REQUESTS_PER_SOURCE_DAY)


def badge_key(credential_id: str | None, source_text: str | None) -> str:
    """The same badge, however it was given (URL, JSON, JWT, baked image): its id as
    the verification found it, else the text it came as."""
    basis = f"id:{credential_id}" if credential_id else f"text:{source_text or ''}"
    return hashlib.sha256(basis.encode()).hexdigest()
