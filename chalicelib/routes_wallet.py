"""Earner pages: sign-in, the wallet, privacy, addresses, sharing, public profiles.

    GET  /signin                                   the address form (?next=/path on this site)
    POST /signin                                   mail a link and a code
    GET  /signin/{login_id}?token=...              the mailed link: a button (scanners follow links)
    POST /signin/{login_id}                        the link's token or the typed code signs in
    POST /signout                                  ends the session server-side
    GET  /wallet                                   pending first, then the rest; ?issuer=&kind=&skill=
    GET  /wallet/credentials/{credential_id}       one credential: privacy, LinkedIn, share, embed
    POST /wallet/credentials/{credential_id}/decision     accept or reject
    POST /wallet/credentials/{credential_id}/visibility   public or private
    GET  /wallet/credentials/{credential_id}/download     the baked image as a file
    GET  /wallet/settings                          name, public profile, addresses
    POST /wallet/settings/profile
    POST /wallet/emails                            add an address (a code is mailed to it)
    POST /wallet/emails/remove
    GET  /wallet/privacy                           data rights: export, restrict, delete
    POST /wallet/export                            a ZIP of everything, linked by mail (1 hour)
    POST /wallet/restrict                          hide the profile and every credential at once
    POST /wallet/delete                            the right to be forgotten
    GET  /profiles/{earner_id}                     the public profile (only public credentials)

Every page is server-rendered and works without JavaScript; every form carries a
CSRF token; failures are pages with the right 4xx status, never a 500.
"""

from __future__ import annotations

import functools
from urllib.parse import quote, urlencode

from chalice import Blueprint, Response

from . import http
from .config import get_settings
from .domain.errors import LaurelError
from .lazy import LazyModule

bp = Blueprint(__name__)

signin = LazyModule("chalicelib.services.signin")
wallet = LazyModule("chalicelib.services.wallet")
rights = LazyModule("chalicelib.services.rights")
rules = LazyModule("chalicelib.domain.earners")
schemas = LazyModule("chalicelib.schemas")
web = LazyModule("chalicelib.web")

SESSION_COOKIE = "laurel_session"
PRE_COOKIE = "laurel_pre"
_FORM = [http.FORM]


# ------------------------------------------------------------------ cookies and sessions


def _cookies() -> dict[str, str]:
    """Laurel's own cookies. Parsed by hand: `SimpleCookie` drops every cookie after
    the first it cannot parse (a JSON consent cookie of a sibling site, say), which
    would sign earners out for good."""
    found: dict[str, str] = {}
    for pair in (bp.current_request.headers.get("cookie") or "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name in (SESSION_COOKIE, PRE_COOKIE) and name not in found:
            found[name] = value.strip().strip('"')
    return found


def _cookie_header(name: str, value: str, max_age: int) -> str:
    """HttpOnly, SameSite=Lax, and Secure everywhere but the local stage (plain http)."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if not get_settings().is_local:
        parts.append("Secure")
    return "; ".join(parts)


def _session():
    return signin.session_from_cookie(_cookies().get(SESSION_COOKIE))


def _client_address() -> str | None:
    return http.client_address(bp.current_request)


class _Anchor:
    """What this browser's CSRF tokens are bound to: its session, else a signed random
    pre-session cookie (set here when missing)."""

    def __init__(self, session=None):
        self.session = session
        self.set_cookie: str | None = None
        if session is not None:
            self.value = session.session_id
            return
        existing = _cookies().get(PRE_COOKIE)
        self.value = signin.pre_session_anchor(existing)
        if self.value is None:
            fresh = signin.new_pre_session_cookie()
            self.value = signin.pre_session_anchor(fresh)
            self.set_cookie = _cookie_header(PRE_COOKIE, fresh, 86400)

    @property
    def csrf(self) -> str:
        return signin.csrf_token(self.value)

    def headers(self) -> dict[str, str]:
        return {"Set-Cookie": self.set_cookie} if self.set_cookie else {}


def _posted_anchor(session=None) -> str | None:
    if session is not None:
        return session.session_id
    return signin.pre_session_anchor(_cookies().get(PRE_COOKIE))


def _redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": http.location(location),
                                                       "Cache-Control": "no-store", **(headers or {})})


# ------------------------------------------------------------------ error pages


def _pages(view):
    """Any refusal becomes a page that says what happened, with its 4xx status."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except LaurelError as exc:
            titles = {400: "That did not work", 401: "Please sign in", 403: "Not allowed", 404: "Not found",
                      409: "That cannot be done now", 410: "This link cannot be used", 422: "Please check the form",
                      429: "Slow down", 503: "Please try again later"}
            message = exc.message
            if exc.details and isinstance(exc.details, list):
                message += ": " + "; ".join(f"{d.get('field')}: {d.get('problem')}" for d in exc.details
                                            if isinstance(d, dict))
            return web.page("message.html", exc.status, exc.headers(),  # e.g. Retry-After on a 429
                            title=titles.get(exc.status, "That did not work"), message=message,
                            link={"href": "/wallet", "text": "Go to your wallet"})

    return wrapper


def _signed_in(view):
    """The earner's pages: without a live session, go and sign in (then come back)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        session = _session()
        if session is None:
            request = bp.current_request
            if request.method != "GET":
                return web.page("message.html", 401, title="Please sign in",
                                message="Your session has ended. Sign in again and repeat what you were doing.",
                                link={"href": "/signin", "text": "Sign in"})
            # `request.path` is the route's pattern (/wallet/credentials/{credential_id}): fill it in
            path = request.path
            for name, value in (request.uri_params or {}).items():
                path = path.replace("{" + name + "}", quote(value, safe=""))
            path = path if path.startswith("/") else "/" + path
            query = urlencode(request.query_params or {})
            return _redirect("/signin?" + urlencode({"next": path + (f"?{query}" if query else "")}))
        return view(session, *args, **kwargs)

    return wrapper


def _form(model, session=None):
    """Parse a form post and check its CSRF token before anything else happens."""
    request = bp.current_request
    if http.content_type(request) != http.FORM:
        from .domain.errors import UnsupportedMediaType

        raise UnsupportedMediaType("send the form as application/x-www-form-urlencoded")
    data = http.parse_form(request, model)
    signin.check_csrf(_posted_anchor(session), data.csrf)
    return data


def _nav(session, anchor: _Anchor | None = None) -> dict:
    anchor = anchor or _Anchor(session)
    return {"signed_in": session is not None, "csrf": anchor.csrf}


# ------------------------------------------------------------------ sign-in


@bp.route("/signin", methods=["GET"])
@_pages
def signin_form():
    next_path = rules.safe_next(http.query_param(bp.current_request, "next", max_length=300))
    session = _session()
    if session is not None:
        return _redirect(next_path)
    anchor = _Anchor()
    return web.page("signin.html", 200, anchor.headers(), next=next_path, **_nav(None, anchor))


@bp.route("/signin", methods=["POST"], content_types=_FORM)
@_pages
def signin_request():
    data = _form(schemas.SigninIn)
    login_id = signin.request_link(str(data.email), next_path=data.next, client_address=_client_address())
    return web.page("signin_code.html", 200, login_id=login_id, email=rules.mask_email(str(data.email)),
                    adding=False, **_nav(None))


@bp.route("/signin/{login_id}", methods=["GET"])
@_pages
def signin_link(login_id):
    token = http.query_param(bp.current_request, "token", max_length=100) or ""
    view = signin.preview(login_id, token)
    session = _session()
    anchor = _Anchor(session)
    return web.page("signin_link.html", 200, anchor.headers(), login_id=login_id, token=token, **view,
                    **_nav(session, anchor))


@bp.route("/signin/{login_id}", methods=["POST"], content_types=_FORM)
@_pages
def signin_complete(login_id):
    session = _session()
    data = _form(schemas.SigninProofIn, session)
    proven = signin.prove(login_id, token=data.token, code=data.code,
                          signed_in_as=session.earner_id if session else None)
    if proven.purpose == "add_email":
        outcome = wallet.attach_email(session.earner_id, proven.email, proven.email_hash)
        return _redirect(f"/wallet/settings?{urlencode({'email': outcome})}")
    earner_id = wallet.sign_in(proven.email, proven.email_hash)
    if session is not None:  # a new sign-in never reuses a session (no fixation)
        signin.end_session(_cookies().get(SESSION_COOKIE))
    cookie = signin.start_session(earner_id)
    return _redirect(proven.next_path,
                     {"Set-Cookie": _cookie_header(SESSION_COOKIE, cookie, rules.SESSION_DAYS * 86400)})


@bp.route("/signout", methods=["POST"], content_types=_FORM)
@_pages
def signout():
    session = _session()
    if session is not None:
        _form(schemas.CsrfIn, session)
        signin.end_session(_cookies().get(SESSION_COOKIE))
    return _redirect("/signin", {"Set-Cookie": _cookie_header(SESSION_COOKIE, "", 0)})


# ------------------------------------------------------------------ the wallet


@bp.route("/wallet", methods=["GET"])
@_pages
@_signed_in
def wallet_page(session):
    request = bp.current_request
    filters = rules.Filters(issuer=http.query_param(request, "issuer", max_length=200),
                            kind=http.query_param(request, "kind", max_length=40),
                            skill=http.query_param(request, "skill", max_length=100))
    return web.page("wallet.html", w=wallet.wallet(session.earner_id, filters), filters=filters,
                    imported=wallet.imported(session.earner_id), **_nav(session))


@bp.route("/wallet/credentials/{credential_id}", methods=["GET"])
@_pages
@_signed_in
def wallet_credential(session, credential_id):
    return web.page("wallet_credential.html", c=wallet.detail(session.earner_id, credential_id), **_nav(session))


@bp.route("/wallet/credentials/{credential_id}/decision", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_decide(session, credential_id):
    data = _form(schemas.DecisionIn, session)
    status = wallet.decide(session.earner_id, credential_id, data.decision)
    return _redirect(f"/wallet/credentials/{credential_id}" if status == "accepted" else "/wallet")


@bp.route("/wallet/credentials/{credential_id}/visibility", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_visibility(session, credential_id):
    data = _form(schemas.VisibilityIn, session)
    wallet.set_private(session.earner_id, credential_id, data.visibility == "private")
    return _redirect(f"/wallet/credentials/{credential_id}")


@bp.route("/wallet/credentials/{credential_id}/download", methods=["GET"])
@_pages
@_signed_in
def wallet_download(session, credential_id):
    return Response(body="", status_code=302, headers={
        "Location": wallet.download_url(session.earner_id, credential_id), "Cache-Control": "no-store"})


@bp.route("/wallet/settings", methods=["GET"])
@_pages
@_signed_in
def wallet_settings(session):
    notice = http.query_param(bp.current_request, "email", choices=("added", "already", "merged", "removed"))
    saved = http.query_param(bp.current_request, "saved", choices=("profile",))
    return web.page("wallet_settings.html", s=wallet.settings(session.earner_id), notice=notice, saved=saved,
                    **_nav(session))


@bp.route("/wallet/settings/profile", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_profile(session):
    data = _form(schemas.EarnerProfileIn, session)
    wallet.update_profile(session.earner_id, data.display_name, data.profile == "public")
    return _redirect("/wallet/settings?saved=profile")


@bp.route("/wallet/emails", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_add_email(session):
    data = _form(schemas.AddEmailIn, session)
    login_id = signin.request_link(str(data.email), next_path="/wallet/settings", client_address=_client_address(),
                                   purpose="add_email", earner_id=session.earner_id)
    return web.page("signin_code.html", 200, login_id=login_id, email=rules.mask_email(str(data.email)),
                    adding=True, **_nav(session))


@bp.route("/wallet/emails/remove", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_remove_email(session):
    data = _form(schemas.RemoveEmailIn, session)
    wallet.remove_email(session.earner_id, data.email_hash, keep_session_id=session.session_id)
    return _redirect("/wallet/settings?email=removed")


# ------------------------------------------------------------------ data rights


@bp.route("/wallet/privacy", methods=["GET"])
@_pages
@_signed_in
def wallet_privacy(session):
    done = http.query_param(bp.current_request, "done", choices=("exported", "restricted"))
    return web.page("wallet_privacy.html", done=done, emails=wallet.settings(session.earner_id)["emails"],
                    **_nav(session))


@bp.route("/wallet/export", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_export(session):
    data = _form(schemas.ExportIn, session)
    person = rights.person_of_earner(session.earner_id)
    rights.export(person, send_to=rights.own_address(person, data.email_hash))
    return _redirect("/wallet/privacy?done=exported")


@bp.route("/wallet/restrict", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_restrict(session):
    _form(schemas.CsrfIn, session)
    rights.restrict(rights.person_of_earner(session.earner_id))
    return _redirect("/wallet/privacy?done=restricted")


@bp.route("/wallet/delete", methods=["POST"], content_types=_FORM)
@_pages
@_signed_in
def wallet_delete(session):
    _form(schemas.DeleteAccountIn, session)
    rights.erase(rights.person_of_earner(session.earner_id))
    return web.page("message.html", 200, {"Set-Cookie": _cookie_header(SESSION_COOKIE, "", 0)},
                    title="Your account was deleted",
                    message="Your addresses, your name and everything derived from them are gone from Laurel. "
                            "Pages of your credentials now say they were removed.", link=None)


# ------------------------------------------------------------------ public profiles


@bp.route("/profiles/{earner_id}", methods=["GET"])
@_pages
def public_profile(earner_id):
    return web.page("profile.html", p=wallet.public_profile(earner_id), **_nav(_session()))


def register(app) -> None:
    app.register_blueprint(bp)
