"""Inbound LMS webhooks: `POST /hooks/lms/{integration_id}`, signed with the
integration's secret (`Laurel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`).

At or above the rule's threshold the credential is issued (or queued for the rule's
weekly day), below it the learner gets the retake mail; other event types are
acknowledged (202) and logged; a re-delivered event gives the first answer again.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

lms = LazyModule("chalicelib.services.lms")


@guard.hook("/hooks/lms/{integration_id}")
def lms_hook(integration: Any, raw_body: bytes) -> Response:
    result = lms.receive(integration, raw_body, getattr(bp.current_app, "lambda_context", None))
    return http.json_response(result, status=202 if result["status"] in ("ignored", "scheduled") else 200)
