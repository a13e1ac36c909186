"""The local stage only (`make run`): the outbox, every mail the embedded SES accepted.
app.py registers this blueprint only on the local stage with an embedded AWS."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

mail = LazyModule("chalicelib.adapters.mail")
web = LazyModule("chalicelib.web")


@guard.public("/_local/outbox", errors="html")
def local_outbox() -> Response:
    return Response(body=web.render("outbox.html", messages=mail.local_outbox()),
                    headers={**web.page_headers(), "Cache-Control": "no-store"})


@guard.public("/_local/outbox/{message_id}", errors="html")
def local_outbox_message(message_id: str) -> Response:
    message = mail.local_message(message_id)
    return Response(body=message["html"], headers={"Content-Type": "text/html; charset=utf-8"})
