"""The suppression list: addresses SES reported as a permanent bounce or a complaint.

One item per address, keyed by the address's hash (keys.suppression_key), so the
list holds no address and an erased earner's address is not kept here either.
"""

from __future__ import annotations

from pynamodb.exceptions import PutError

from . import keys
from .models import SuppressionItem


def get(email_hash: str) -> SuppressionItem | None:
    try:
        return SuppressionItem.get(*keys.suppression_key(email_hash))
    except SuppressionItem.DoesNotExist:
        return None


def add(email_hash: str, *, reason: str, at: str, detail: str | None) -> bool:
    """Put the address on the list; the first report stands (SES redelivers events, and a
    complaint after a bounce changes nothing). True when it was not on the list before."""
    item = SuppressionItem(*keys.suppression_key(email_hash), reason=reason, at=at, detail=detail)
    try:
        item.save(condition=SuppressionItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True



def mail_context_among(email_hashes: list[str]) -> tuple[set[str], dict[str, str]]:
    """Which of these address hashes are on the list, and the language each one's owner
    chose (issue 19: copied onto `EMAIL#<hash>/OWNER`), in BatchGetItem requests of 100 keys."""
    from .connection import get_many
    from .earner_models import EmailOwnerItem

    listed = {keys.suppression_key(h): h for h in email_hashes}
    owners = {keys.email_owner_key(h): h for h in email_hashes}
    found = get_many([*listed, *owners], consistent=False) if email_hashes else {}
    languages = {}
    for key, email_hash in owners.items():
        if key in found:
            locale = EmailOwnerItem.from_raw_data(found[key]).locale
            if locale:
                languages[email_hash] = locale
    return {listed[key] for key in listed if key in found}, languages
