"""The local stage only (`make run`): the outbox, every mail the embedded SES accepted.
app.py registers this blueprint only on the local stage with an embedded AWS."""

from __future__ import annotations

import re

from chalice import Blueprint, Response

from .. import http
from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

notify = LazyModule("chalicelib.services.notify")
web = LazyModule("chalicelib.web")
mail_feedback = LazyModule("chalicelib.services.mail_feedback")
schemas = LazyModule("chalicelib.schemas")
CREDENTIAL_LINK = re.compile(r"/(?:claim|badges)/([0-9a-f]{16}-[a-z2-7]{32})")


@guard.public("/_local/outbox", errors="html")
def local_outbox() -> Response:
    fed = http.query_param(bp.current_request, "fed", choices=("bounce", "complaint", "transient"))
    return Response(body=web.render("outbox.html", messages=notify.local_outbox(), fed=fed),
                    headers={**web.page_headers(), "Cache-Control": "no-store"})


@guard.public("/_local/outbox/{message_id}", errors="html")
def local_outbox_message(message_id: str) -> Response:
    message = notify.local_message(message_id)
    return Response(body=message["html"], headers={"Content-Type": "text/html; charset=utf-8"})


@guard.public("/_local/outbox/{message_id}/feedback", "POST", errors="html")
def local_outbox_feedback(message_id: str) -> Response:
    """SES's feedback on one mail of the outbox, simulated (issue 17): the SNS record a
    deployment's MailEvents function would receive, handed to that same handler, so the
    suppression list, the credential's mail state and the console show the whole path."""
    from .jobs import mail_events

    data = http.parse_form(bp.current_request, schemas.LocalFeedbackIn)
    message = notify.local_message(message_id)
    about = next((m.group(1) for link in message["links"] if (m := CREDENTIAL_LINK.search(link))), None)
    mail_events(mail_feedback.simulated_event(data.kind, message["to"], about), None)
    return Response(body="", status_code=303, headers={"Location": f"/_local/outbox?fed={data.kind}",
                                                        "Cache-Control": "no-store"})
