"""Who may call a route, and what its refusals look like: one place for both.

Each blueprint makes one `Guard(bp)` and declares every route through it, with the
kind of caller it serves:

    guard.public(path)     anyone; errors as JSON (or HTML, or negotiated: `errors=`)
    guard.issuer(path)     `Authorization: Bearer <API key>`; the view gets the key's tenant id
    guard.operator(path)   `Authorization: Bearer <operator key>`
    guard.earner(path)     a live earner session; the view gets the session
    guard.member(path)     a console member allowed `action` by the role matrix; the view gets the member
    guard.hook(path)       a signed LMS delivery; the view gets the authenticated integration

The guard authenticates, binds the tenant (a view only ever sees the tenant its
caller proved), writes the audit entry of every write an issuer or operator makes,
parses and validates the declared JSON body (`body="<model in chalicelib.schemas>"`,
which is also what `/openapi.json` publishes), and turns every `LaurelError` into
the caller's kind of answer. No view catches `LaurelError` itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from chalice import Blueprint, Response

from .. import http, i18n
from ..domain.errors import LaurelError
from ..i18n import N_, _
from ..lazy import LazyModule

audit = LazyModule("chalicelib.services.audit")
auth = LazyModule("chalicelib.services.auth")
schemas = LazyModule("chalicelib.schemas")
web = LazyModule("chalicelib.web")

# Every route accepts any of these; the view (or its declared body) decides what is valid,
# so a wrong type is Laurel's 415/400 JSON error rather than Chalice's bare one.
ANY_BODY = [http.JSON, http.FORM, "image/png", "image/svg+xml", "text/plain", "text/csv", "application/octet-stream",
            "multipart/form-data"]

# The titles of refusal pages, by status (marked here, translated when the page is rendered:
# a route's own `title=` is marked with N_ where it is written, and translated here too).
PAGE_TITLES = {400: N_("That did not work"), 401: N_("Please sign in"), 403: N_("Not allowed"), 404: N_("Not found"),
               409: N_("That cannot be done now"), 410: N_("This link cannot be used"),
               413: N_("That is too large"), 415: N_("That did not work"), 422: N_("Please check the form"),
               429: N_("Slow down"), 503: N_("Please try again later")}
# An earner's or console member's POST after their session ended (a GET goes to the sign-in page instead)
SESSION_ENDED = N_("Your session has ended. Sign in again and repeat what you were doing.")
CONSOLE_SESSION_ENDED = N_("Your console session has ended. Sign in again and repeat what you were doing.")

View = Callable[..., Response]


def _message(exc: LaurelError) -> str:
    message = exc.message
    if exc.details and isinstance(exc.details, list):
        message += ": " + "; ".join(f"{d.get('field')}: {d.get('problem')}" for d in exc.details if isinstance(d, dict))
    return message


Style = str | Callable[[Any], str]


def refusal(exc: LaurelError, request: Any, style: Style = "json", title: str | dict[int, str] | None = None,
            link: dict[str, str] | None = None) -> Response:
    """The one mapping from a refusal to an answer.

    style "json": `{"error": {"code", "message", "details"?}}` with the error's status and
    headers (Retry-After on 429); "html": a page that says what happened, with the same
    status; "negotiate": JSON when the caller sent or asked for JSON, else the page; or a
    function of the request that says which."""
    if callable(style):
        style = style(request)
    if style == "negotiate":
        style = "json" if http.wants_json(request) or http.content_type(request) == http.JSON else "html"
    if style == "json":
        return http.error_response(exc)
    if isinstance(title, dict):
        title = title.get(exc.status)
    # the message is the error's own (English: the same text the JSON answer carries, an API text)
    shown = {**link, "text": _(link["text"])} if link else None
    return web.page("message.html", exc.status, exc.headers(),
                    title=_(title or PAGE_TITLES.get(exc.status, PAGE_TITLES[400])), message=_message(exc), link=shown)


def _signin_redirect(request: Any) -> Response:
    """A GET without a session: sign in, then come back to the same page."""
    path = request.path  # the route's pattern (/wallet/credentials/{credential_id}): fill it in
    for name, value in (request.uri_params or {}).items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    path = path if path.startswith("/") else "/" + path
    query = urlencode(request.query_params or {})
    location = "/signin?" + urlencode({"next": path + (f"?{query}" if query else "")})
    return Response(body="", status_code=303, headers={"Location": http.location(location),
                                                       "Cache-Control": "no-store"})


class Guard:
    """Declares the routes of one blueprint, each behind the guard of its caller."""

    def __init__(self, bp: Blueprint) -> None:
        self.bp = bp

    # ------------------------------------------------------------------ registration

    def _register(self, path: str, methods: tuple[str, ...], handler: View, view: View, audience: str,
                  body: str | None, content_types: list[str] | None = None, optional_body: bool = False) -> None:
        functools.update_wrapper(handler, view)
        # read by chalicelib/openapi.py: who may call it, and the model that validates its body
        handler.laurel_audience = audience  # type: ignore[attr-defined]
        handler.laurel_body = body  # type: ignore[attr-defined]
        handler.laurel_body_optional = optional_body  # type: ignore[attr-defined]
        self.bp.route(path, methods=list(methods), content_types=content_types or ANY_BODY)(handler)

    def _data(self, body: str | None, optional: bool) -> tuple:
        if body is None:
            return ()
        return (http.parse_json(self.bp.current_request, getattr(schemas, body), allow_empty=optional),)

    # ------------------------------------------------------------------ kinds of callers

    def public(self, path: str, *methods: str, errors: Style = "json", title: str | dict[int, str] | None = None,
               body: str | None = None, content_types: list[str] | None = None) -> Callable[[View], View]:
        """Anyone may call it. `errors`: "json", "html" or "negotiate"."""

        def decorator(view: View) -> View:
            def handler(**params: str) -> Response:
                request = self.bp.current_request
                return http.answer(lambda: view(*self._data(body, False), **params),
                                   lambda exc: refusal(exc, request, errors, title))

            self._register(path, methods or ("GET",), handler, view, "public", body, content_types)
            return view

        return decorator

    def _authenticated(self, path: str, methods: tuple[str, ...], audience: str,
                       authenticate: Callable[[str | None], tuple[Any, Any]], body: str | None,
                       optional_body: bool) -> Callable[[View], View]:
        def decorator(view: View) -> View:
            def handler(**params: str) -> Response:
                request = self.bp.current_request
                caller: list = []

                def run() -> Response:
                    actor, bound = authenticate(request.headers.get("authorization"))
                    caller.append(actor)
                    prefix = () if bound is None else (bound,)
                    return view(*prefix, *self._data(body, optional_body), **params)

                with audit.audited_request():
                    response = http.answer(run, lambda exc: refusal(exc, request))
                    if caller:  # refusals of the key itself name no actor and are not audited
                        audit.record_request(request, caller[0], response, self.bp.current_app.routes)
                return response

            self._register(path, methods or ("GET",), handler, view, audience, body, optional_body=optional_body)
            return view

        return decorator

    def issuer(self, path: str, *methods: str, body: str | None = None,
               optional_body: bool = False) -> Callable[[View], View]:
        """The issuer API: the view gets the tenant id the API key belongs to, first."""

        def authenticate(header: str | None) -> tuple[Any, str]:
            principal = auth.authenticate(header)
            return audit.Actor("api_key", principal.key_id, principal.tenant_id), principal.tenant_id

        return self._authenticated(path, methods, "issuer", authenticate, body, optional_body)

    def operator(self, path: str, *methods: str, body: str | None = None) -> Callable[[View], View]:
        """Operations: an operator key; nothing is passed to the view."""

        def authenticate(header: str | None) -> tuple[Any, None]:
            return audit.Actor("operator", auth.authenticate_operator(header)), None

        return self._authenticated(path, methods, "operator", authenticate, body, False)

    def earner(self, path: str, *methods: str, signed_in: bool = True,
               content_types: list[str] | None = None) -> Callable[[View], View]:
        """An earner's page: the view gets the live session (None when `signed_in=False`
        and nobody is signed in). Without a session a GET goes to the sign-in page and
        comes back after it; anything else is a 401 page. Refusals are pages. A signed-in
        earner's pages are in their language setting (after an explicit `?lang=`).
        `content_types` of a form post: an urlencoded form unless said otherwise (a file upload)."""
        from . import _session

        def decorator(view: View) -> View:
            def handler(**params: str) -> Response:
                request = self.bp.current_request

                def run() -> Response:
                    session = _session.current(request)
                    if session is not None and session.locale:
                        # issue 19: "the language comes from the earner's setting", after a visitor's explicit ?lang=
                        query: Any = request.query_params or {}
                        i18n.activate(i18n.resolve(query.get("lang"), session.locale,
                                                   accept_language=request.headers.get("accept-language")))
                    if session is None and signed_in:
                        if request.method == "GET":
                            return _signin_redirect(request)
                        return web.page("message.html", 401, title=_(PAGE_TITLES[401]), message=_(SESSION_ENDED),
                                        link={"href": "/signin", "text": _("Sign in")})
                    return view(session, **params)

                return http.answer(run, lambda exc: refusal(exc, request, "html",
                                                            link={"href": "/wallet", "text": N_("Go to your wallet")}))

            self._register(path, methods or ("GET",), handler, view, "earner", None,
                           None if methods in ((), ("GET",)) else content_types or [http.FORM])
            return view

        return decorator

    def hook(self, path: str) -> Callable[[View], View]:
        """A signed LMS delivery (POST): the integration it names must be active and the
        `Laurel-Signature` must verify with one of its secrets over the raw body. The
        view gets the integration (its tenant is the only one it can touch) and the body."""
        lms = LazyModule("chalicelib.services.lms")

        def decorator(view: View) -> View:
            def handler(integration_id: str) -> Response:
                request = self.bp.current_request

                def run() -> Response:
                    raw = http.raw_body(request)
                    integration = lms.authenticate(integration_id, request.headers.get("laurel-signature"), raw)
                    return view(integration, raw)

                return http.answer(run, lambda exc: refusal(exc, request))

            self._register(path, ("POST",), handler, view, "public", None)
            return view

        return decorator

    def member(self, path: str, *methods: str, action: str, audited: bool = True) -> Callable[[View], View]:
        """An issuer console page: a live console session whose member's role allows
        `action` (domain/members.py MATRIX), checked before the view runs. Forms carry
        a CSRF token bound to the session, checked before anything else; every write is
        audited with the member as the actor (`audited=False`: a POST that changes
        nothing, such as the template editor's preview). Refusals are pages (HTML),
        never JSON."""
        from . import _console

        allowed_check = LazyModule("chalicelib.domain.members")

        def decorator(view: View) -> View:
            def handler(**params: str) -> Response:
                request = self.bp.current_request
                caller: list = []

                def run() -> Response:
                    member = _console.current(request)
                    if member is None:
                        if request.method == "GET":
                            return _console.signin_redirect(request)
                        return web.page("message.html", 401, title=_(PAGE_TITLES[401]),
                                        message=_(CONSOLE_SESSION_ENDED),
                                        link={"href": "/console/signin", "text": _("Sign in")})
                    allowed_check.require(member, action)
                    if request.method != "GET":
                        _console.check_csrf(request, member)
                    caller.append(audit.Actor("member", member.member_id, member.tenant_id))
                    return view(member, **params)

                back = {"href": "/console", "text": N_("Back to the console")}
                with audit.audited_request():
                    response = http.answer(run, lambda exc: refusal(exc, request, "html", link=back))
                    if caller and audited:
                        audit.record_request(request, caller[0], response, self.bp.current_app.routes)
                return response

            self._register(path, methods or ("GET",), handler, view, "member", None)
            handler.laurel_action = action  # type: ignore[attr-defined]  # the authorization matrix test reads it
            return view

        return decorator
