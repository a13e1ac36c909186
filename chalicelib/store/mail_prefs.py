"""Which addresses declined Laurel's non-essential mail (issue 19: the expiry reminders).

One item per address, keyed by the address's hash (keys.mail_opt_out_key): present
means "no reminders". Set and removed by the one-click link in a reminder's mail
(services/unsubscribe.py); read by the one sender before a reminder goes out.
"""

from __future__ import annotations

from . import keys
from .models import MailOptOutItem


def opted_out(email_hash: str) -> bool:
    """One GetItem."""
    try:
        MailOptOutItem.get(*keys.mail_opt_out_key(email_hash))
    except MailOptOutItem.DoesNotExist:
        return False
    return True


def opt_out(email_hash: str, at: str) -> None:
    """Idempotent: a second unsubscribe (a mail client and the person both posting) rewrites the item."""
    MailOptOutItem(*keys.mail_opt_out_key(email_hash), at=at).save()


def opt_in(email_hash: str) -> None:
    """Idempotent: deleting an absent item is no error in DynamoDB."""
    MailOptOutItem(*keys.mail_opt_out_key(email_hash)).delete()
