"""SES (v2): sends one message with an HTML and a text part.

Messages are rendered by the app (moto does not implement SES templates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import get_settings
from .aws import client


class MailNotSent(Exception):
    """SES refused the message (unverified recipient in the sandbox, throttling, bad address)."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    html: str
    text: str
    from_name: str | None = None  # the sender's display name; the address is always the platform's
    reply_to: str | None = None
    # extra header lines (SESv2 Simple content's `Headers`): e.g. RFC 8058's List-Unsubscribe pair
    headers: tuple[tuple[str, str], ...] = ()
    # SES message tags (`EmailTags`): SES hands them back in its bounce and complaint events
    # (`mail.tags`), so an event finds the credential the mail was about (issue 17). Names
    # and values: ASCII letters, digits, `_` and `-` only, at most 256 characters.
    tags: tuple[tuple[str, str], ...] = ()


def from_address(display_name: str | None) -> str:
    """`"Display Name" <platform sender>`: quoted as RFC 5322 wants it, a non-ASCII name
    as an RFC 2047 encoded word (SES: "If the sender name contains non-ASCII characters,
    it must be encoded using MIME encoded-word syntax")."""
    from email.utils import formataddr

    sender = get_settings().mail_from
    return formataddr((display_name, sender), charset="utf-8") if display_name else sender


def send(message: Message) -> str:
    settings = get_settings()
    extra: dict[str, Any] = {}
    if settings.ses_configuration_set:
        extra["ConfigurationSetName"] = settings.ses_configuration_set
    if message.reply_to:
        extra["ReplyToAddresses"] = [message.reply_to]
    if message.tags:
        extra["EmailTags"] = [{"Name": name, "Value": value} for name, value in message.tags]
    from botocore.exceptions import BotoCoreError, ClientError

    simple: dict[str, Any] = {
        "Subject": {"Data": message.subject, "Charset": "UTF-8"},
        "Body": {
            "Text": {"Data": message.text, "Charset": "UTF-8"},
            "Html": {"Data": message.html, "Charset": "UTF-8"},
        },
    }
    if message.headers:
        simple["Headers"] = [{"Name": name, "Value": value} for name, value in message.headers]
    try:
        response = client("sesv2").send_email(
            **extra,
            FromEmailAddress=from_address(message.from_name),
            Destination={"ToAddresses": [message.to]},
            Content={"Simple": simple},
        )
    except (ClientError, BotoCoreError) as exc:
        raise MailNotSent(str(exc)) from exc
    return response["MessageId"]


def ensure_sender_identity() -> None:
    client("sesv2").create_email_identity(EmailIdentity=get_settings().mail_from)
