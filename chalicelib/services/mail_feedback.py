"""SES's bounce and complaint events: the suppression list and the credential's mail state.

The SES configuration set publishes its Bounce and Complaint events to an SNS topic
(infra/mail.py); the topic invokes the MailEvents function (routes/jobs.py), which
hands each message here. The event is SES's event-publishing JSON ("Contents of event
data that Amazon SES publishes to Amazon SNS"): `eventType` "Bounce" or "Complaint"
(identity notifications say `notificationType`; both are read), `bounce.bounceType`
"Permanent" | "Transient" | "Undetermined" with `bounce.bouncedRecipients[].emailAddress`,
`complaint.complainedRecipients[].emailAddress`, and `mail.tags` (name -> list of values):
the tags Laurel put on the send (`credential`, `tenant`, services/notify._about).

- A permanent bounce or a complaint puts each recipient's address (its hash) on the
  suppression list: services/notify.py mails it no more, on any path.
- A transient or undetermined bounce (a full mailbox, a message too large, an auto-reply)
  suppresses nothing: SES itself retries those, and the next mail may well arrive.
- When the mail was about a credential (its tags), the credential is marked bounced or
  complained, so its issuer sees it (API and console) and can correct the address. Only
  if the credential is the tenant's named in the same tags and is still addressed to the
  recipient in the event: a late event about an old address does not mark a corrected one.

Malformed input (not JSON, another shape, another event type) is logged and ignored: it
changes nothing and raises nothing, so Lambda does not retry it. A store failure raises,
so Lambda's asynchronous retries deliver the event again (each step is idempotent).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..domain import ids
from ..domain.clock import iso
from . import clock

MAX_RECIPIENTS = 50  # SES sends to at most 50 recipients a message; Laurel to one


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Recipient(_Shape):
    email: str = Field(alias="emailAddress", min_length=3, max_length=320)


class _Bounce(_Shape):
    bounce_type: str = Field(alias="bounceType", max_length=40)
    bounce_subtype: str | None = Field(default=None, alias="bounceSubType", max_length=60)
    recipients: list[_Recipient] = Field(alias="bouncedRecipients", max_length=MAX_RECIPIENTS)


class _Complaint(_Shape):
    recipients: list[_Recipient] = Field(alias="complainedRecipients", max_length=MAX_RECIPIENTS)
    feedback_type: str | None = Field(default=None, alias="complaintFeedbackType", max_length=60)


class _Mail(_Shape):
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesEvent(_Shape):
    event_type: Literal["Bounce", "Complaint"] | None = Field(default=None, alias="eventType")
    notification_type: Literal["Bounce", "Complaint"] | None = Field(default=None, alias="notificationType")
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None
    mail: _Mail = Field(default_factory=_Mail)

    @property
    def kind(self) -> str | None:
        return self.event_type or self.notification_type


def parse(message: str | None) -> SesEvent | None:
    """The SES event in an SNS message's `Message`, or None when it is not one we act on."""
    if not isinstance(message, str) or len(message) > 256 * 1024:  # SNS's own message limit
        return None
    try:
        event = SesEvent.model_validate(json.loads(message))
    except (ValueError, ValidationError):
        return None
    if event.kind == "Bounce" and event.bounce is not None:
        return event
    if event.kind == "Complaint" and event.complaint is not None:
        return event
    return None


def handle(message: str | None) -> dict[str, Any]:
    """Act on one SES event (an SNS message's text). Returns what was done, for the log."""
    from ..logs import logger

    event = parse(message)
    if event is None:
        logger().warning("mail event ignored: not an SES bounce or complaint")
        return {"ignored": True}
    now = iso(clock.utcnow())
    if event.kind == "Bounce":
        assert event.bounce is not None
        permanent = event.bounce.bounce_type == "Permanent"
        reason, detail, field = "bounce", event.bounce.bounce_subtype, "bounced_at"
        recipients = event.bounce.recipients if permanent else []
    else:
        assert event.complaint is not None
        reason, detail, field = "complaint", event.complaint.feedback_type, "complained_at"
        recipients = event.complaint.recipients
    hashes = list(dict.fromkeys(ids.email_hash(r.email) for r in recipients))
    from ..store import credentials as credential_store
    from ..store import suppression

    added = sum(suppression.add(h, reason=reason, at=now, detail=detail) for h in hashes)
    credential_id = _credential(event.mail.tags)
    marked = credential_id is not None and any(
        credential_store.mark_mail_feedback(credential_id, h, field=field, at=now) for h in hashes)
    result = {"kind": event.kind, "suppressed": added, "recipients": len(hashes), "credential_marked": marked}
    logger().info("mail event", extra=result)
    return result


def _credential(tags: dict[str, list[str]]) -> str | None:
    """The credential the mail was about, from its SES tags: only when the tenant tag names
    the tenant whose partition the credential id is in (ids are `<tenant>-<random>`)."""
    credential, tenant = next(iter(tags.get("credential") or []), None), next(iter(tags.get("tenant") or []), None)
    if not credential or not tenant or not credential.startswith(f"{tenant}-"):
        return None
    return credential


# ------------------------------------------------------------------ the local stage


def simulated_event(kind: str, recipient: str, credential_id: str | None) -> dict:
    """The SNS record Lambda would receive for an SES event about one mail of the local
    outbox (`make run`): "bounce" (permanent), "transient" (a full mailbox) or "complaint".
    moto's SES does not keep a message's EmailTags, so the caller passes the credential
    the mail was about (found from the link in it), as SES would carry it back."""
    from uuid import uuid4

    tags: dict[str, list[str]] = {}
    if credential_id and ids.split_credential_id(credential_id):
        tags = {"credential": [credential_id], "tenant": [credential_id.split("-", 1)[0]]}
    at = iso(clock.utcnow())
    mail = {"timestamp": at, "messageId": str(uuid4()), "destination": [recipient], "tags": tags}
    recipients = [{"emailAddress": recipient}]
    message: dict[str, Any]
    if kind == "complaint":
        message = {"eventType": "Complaint", "mail": mail,
                   "complaint": {"complainedRecipients": recipients, "timestamp": at, "complaintFeedbackType": "abuse"}}
    else:
        permanent = kind == "bounce"
        message = {"eventType": "Bounce", "mail": mail,
                   "bounce": {"bounceType": "Permanent" if permanent else "Transient",
                              "bounceSubType": "General" if permanent else "MailboxFull",
                              "bouncedRecipients": recipients, "timestamp": at}}
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "Sns": {"Type": "Notification", "MessageId": str(uuid4()), "Subject": None,
                                 "Message": json.dumps(message), "Timestamp": at, "MessageAttributes": {}}}]}
