"""Laurel's Lambda entry point: the app, its middleware and its blueprints.

Every route lives in `chalicelib/routes/`, one blueprint per audience, each declared
through the guard of its caller (`routes/_guards.py`). Services are imported lazily
by the blueprints, so importing this module (every cold start) stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

from chalicelib import http, logs
from chalicelib.config import get_settings
from chalicelib.routes import console, hooks, issuer_api, jobs, ops, public, status, wallet, webhooks_api

app = Chalice(app_name="laurel", configure_logs=False)  # Powertools logs (else every line twice)
logs.install()  # addresses, tokens and keys are redacted from every line; Powertools loads on the first one
app.api.binary_types.append("image/svg+xml")
# forms with a file input (the console's image and CSV uploads): API Gateway must hand
# their bytes over untouched (base64), not as text, or a PNG inside arrives mangled
app.api.binary_types.append("multipart/form-data")

for blueprint in (public.bp, issuer_api.bp, webhooks_api.bp, hooks.bp, wallet.bp, console.bp, ops.bp, jobs.bp,
                  status.bp):
    app.register_blueprint(blueprint)

if get_settings().is_local and get_settings().local_aws_endpoint:
    from chalicelib.routes import local

    app.register_blueprint(local.bp)


@app.middleware("http")
def through_the_edge_only(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """With the origin secret configured (a deployment), a request that did not come through
    CloudFront (no origin header, or a wrong one) is refused (403) before any route runs; an
    origin secret that cannot be read refuses too (503), never lets the request through."""
    from chalicelib.domain.errors import Forbidden

    def through(request: Any) -> Response:
        if not http.origin_verified(request):
            raise Forbidden(f"this address is not public: use {get_settings().public_base_url}",
                            code="direct_access_refused")
        return get_response(request)

    return http.answer(lambda: through(event), http.error_response)


@app.middleware("http")
def uniform_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice's own error answers (405, 415, 500) get Laurel's error shape too."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = re.sub(r"(?<!^)(?=[A-Z])", "_", body["Code"]).lower()
        if response.status_code >= 500:
            logs.logger().error("unhandled error", extra={"path": event.path})
        response.body = {"error": {"code": code, "message": body["Message"]}}
    return response


@app.middleware("http")
def language(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Each request starts in the visitor's language: an explicit `?lang=`, else
    `Accept-Language`, else English (chalicelib/i18n.py); a view that knows the earner's
    setting or the credential's `locale` switches to that."""
    from chalicelib import i18n

    chosen = (event.query_params or {}).get("lang")  # on console pages, then the member's remembered choice
    i18n.remember_query(event.query_params)
    i18n.activate(i18n.resolve(chosen, console.language.remembered(event),
                               accept_language=event.headers.get("accept-language")))
    return console.language.remember(event, get_response(event))
