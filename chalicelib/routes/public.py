"""Public routes, no sign-in: health, the OpenAPI description, verification pages,
Open Badges 2.0 / 3.0 documents, the key set, verifying any badge, imports, and
the claim link. Every credential route applies the one publicity rule
(domain/credentials.py) through its service.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..config import get_settings
from ..i18n import N_, _
from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

verification = LazyModule("chalicelib.services.verification")
openbadges = LazyModule("chalicelib.services.openbadges")
signing = LazyModule("chalicelib.services.signing")
badge_check = LazyModule("chalicelib.services.badge_check")
imports = LazyModule("chalicelib.services.imports")
claims = LazyModule("chalicelib.services.claims")
share_cards = LazyModule("chalicelib.services.share_cards")
wallet = LazyModule("chalicelib.services.wallet")
web = LazyModule("chalicelib.web")
taxonomy = LazyModule("chalicelib.services.taxonomy")

LD = "application/ld+json"
DID_LD = "application/did+ld+json"  # DID Core 1.0: the JSON-LD representation's media type
OPEN = {"Access-Control-Allow-Origin": "*"}
LINK_UNUSABLE = N_("This link cannot be used")  # refusal() shows titles through _()


def _request() -> Any:
    return bp.current_request


def _document(doc: dict | str, content_type: str, status: int = 200) -> Response:
    """An Open Badges document: public, cacheable a minute, readable from any origin."""
    import json

    body = doc if isinstance(doc, str) else json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    if status != 200:  # a revoked assertion's notice: no ETag, nothing to revalidate
        return Response(body=body, status_code=status,
                        headers={"Content-Type": content_type, "Cache-Control": "public, max-age=60", **OPEN})
    return http.cached(_request(), body, content_type=content_type, headers=OPEN, max_age=60)


def _form_or_json(request: Any) -> str:
    """A claim posted by the page's form is refused with a page; by JSON, with JSON."""
    return "html" if http.content_type(request) == http.FORM else "json"


def _representation(request: Any) -> str:
    """What `/badges/{id}` answers with (openbadges/media.py, which Laurel's verifier uses
    too): the page, or one of the JSON forms (`.json` offers only those)."""
    from ..openbadges import media

    as_json = (request.uri_params or {}).get("credential_id", "").endswith(".json")
    return media.preferred(request.headers.get("accept"), media.JSON_OFFERS if as_json else media.PAGE_OFFERS)


def _ref(request: Any) -> str | None:
    """The `ref=` Laurel puts on the links it makes (share, mail, embed): read leniently,
    never refused (a count must not turn a page into an error)."""
    params = request.query_params
    values = params.getlist("ref") if params and "ref" in params else []  # getlist raises on a missing name
    return values[0][:40] if values else None


def _visit(request: Any) -> Any:
    """What the engagement counters keep of a page request: classes only (services/engagement.Visit)."""
    from ..services.engagement import Visit

    return Visit(user_agent=request.headers.get("user-agent"), referer=request.headers.get("referer"),
                 ref=_ref(request))


def _page_or_json(request: Any) -> str:
    """Refusals of the page URL: a page for a browser, JSON for any JSON form."""
    from ..openbadges import media

    return "html" if _representation(request) == media.HTML else "json"


# ---------------------------------------------------------------- health and the API description


@guard.public("/health")
def health() -> Response:
    return http.json_response({"status": "ok", "stage": get_settings().stage})


@guard.public("/favicon.ico")
def favicon_ico() -> Response:
    """Where browsers look by themselves when a document names no icon (an image or a
    file opened on its own): the same SVG, which they accept by its Content-Type."""
    return favicon()


@guard.public("/favicon.svg")
def favicon() -> Response:
    """The icon every page names (web/templates/base.html, console/base.html): without
    one, browsers ask for /favicon.ico and get API Gateway's 403 on every page."""
    # an image type is binary to Chalice and API Gateway: bytes, for a request accepting it (browsers' icon
    # requests do: "image/svg+xml,image/*,*/*")
    return Response(body=_icon(), status_code=200, headers={
        "Content-Type": "image/svg+xml", "Cache-Control": f"public, max-age={7 * 24 * 3600}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"})


@lru_cache(maxsize=1)
def _icon() -> bytes:
    return (Path(__file__).resolve().parents[1] / "web" / "static" / "favicon.svg").read_bytes()


@guard.public("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of the issuer and public API."""
    from .. import openapi

    return Response(body=openapi.document_json(bp.current_app), status_code=200,
                    headers={"Content-Type": http.JSON, "Cache-Control": "public, max-age=300", **OPEN})


# ---------------------------------------------------------------- ESCO skills (issue 20)


@guard.public("/skills/search")
def skills_search() -> Response:
    """Search ESCO skills (or occupations: `kind=occupation`) by label: `q` 2 to 100 characters."""
    request = _request()
    q = http.query_param(request, "q", max_length=200)
    kind = http.query_param(request, "kind", choices=("skill", "occupation")) or "skill"
    limit = http.limit_param(request, default=10, maximum=25)
    results = taxonomy.search(q, kind, limit)
    # ESCO is CC BY 4.0: every answer carries its attribution
    return http.json_response({"results": results, "attribution": taxonomy.attribution()},
                              headers={"Cache-Control": "public, max-age=3600", **OPEN})


# ---------------------------------------------------------------- verification pages


def _in_language(request: Any, earner_locale: str | None, credential_locale: str | None) -> None:
    from .. import i18n

    i18n.for_credential((request.query_params or {}).get("lang"), earner_locale, credential_locale,
                        request.headers.get("accept-language"))


@guard.public("/badges/{credential_id}", errors=_page_or_json,
              title={404: N_("Credential not found"), 410: N_("Credential removed")})
def verify_credential(credential_id: str) -> Response:
    """The page browsers see; at the same URL, the JSON-LD credential for a verifier that
    asks for it, or Laurel's JSON summary (`.json`, or `Accept: application/json`)."""
    from ..openbadges import media

    request = _request()
    chosen = _representation(request)
    credential_id = credential_id.removesuffix(".json")
    if chosen != media.HTML:
        content_type, doc = verification.document(credential_id, chosen)
        return _document(doc, content_type)
    from urllib.parse import urlencode

    c = verification.verify(credential_id, visit=_visit(request))
    # issue 19's order on the credential's own page: the visitor's ?lang= (a link the earner shared
    # from the wallet carries the wallet's language), the issue request's `locale`, Accept-Language.
    # The earner's setting itself is not read here: this page is the one every verifier waits for
    # (one GetItem, benchmarks/cold_start.py); their shared links carry it instead.
    _in_language(request, None, c["locale"])
    base = get_settings().public_base_url
    body = web.render("verify.html", c=c, verify_action=f"{base}/verify",
                      oembed_url=f"{base}/oembed?{urlencode({'url': c['url'], 'format': 'json'})}")
    return http.cached(request, body, content_type="text/html; charset=utf-8", headers=web.page_headers(), max_age=60)


@guard.public("/badges/{credential_id}/image")
def baked_image(credential_id: str) -> Response:
    """The badge image with the Open Badges assertion baked in (PNG or SVG); cached in S3."""
    location = openbadges.baked_image_url(credential_id, ref=_ref(_request()))
    return Response(body="", status_code=302, headers={"Location": location,
                                                       "Cache-Control": "no-store"})


@guard.public("/badges/{credential_id}/card.png")
def share_card(credential_id: str) -> Response:
    """The share card (og:image, issue 19): 1200x630, the credential's state now, in the
    language asked (`?lang=`, else the visitor's); rendered on the first request for that
    state and cached in S3 where the CDN serves it. Like the baked image, a redirect to it."""
    from .. import i18n

    location = share_cards.card_url(credential_id, i18n.current(), ref=_ref(_request()))
    return Response(body="", status_code=302, headers={"Location": location, "Cache-Control": "no-store"})


@guard.public("/oembed")
def oembed() -> Response:
    """oEmbed 1.0 (https://oembed.com): `GET /oembed?url=<verification page>&format=json`
    [`&maxwidth=&maxheight=`]: a "rich" answer whose HTML is the embed card; discovered
    from the page's `<link rel="alternate" type="application/json+oembed">`."""
    request = _request()
    doc = share_cards.oembed(http.query_param(request, "url", max_length=2048),
                             http.query_param(request, "format", max_length=10),
                             http.query_param(request, "maxwidth", max_length=10),
                             http.query_param(request, "maxheight", max_length=10))
    return http.json_response(doc, headers={"Cache-Control": "public, max-age=300", **OPEN})


STATIC_SCRIPTS = {"copy.js": "text/javascript; charset=utf-8"}  # the public pages' one script (web/static)


@guard.public("/static/{name}")
def static_script(name: str) -> Response:
    """The copy buttons' script (issue 19), from our own origin so the pages that load it
    say `script-src 'self'` and nothing else; cached a year (pages ask `?v=<version>`)."""
    from ..domain.errors import NotFound

    if name not in STATIC_SCRIPTS:
        raise NotFound("no such file", code="not_found")
    return http.cached(_request(), _static(name), content_type=STATIC_SCRIPTS[name],
                       headers={"X-Content-Type-Options": "nosniff"}, max_age=365 * 24 * 3600)


@lru_cache(maxsize=len(STATIC_SCRIPTS))
def _static(name: str) -> str:
    return (Path(__file__).resolve().parents[1] / "web" / "static" / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- Open Badges documents


@guard.public("/ob/v2/assertions/{credential_id}")
def ob2_assertion(credential_id: str) -> Response:
    """The hosted Assertion; a revoked one answers 410 with the OB 2.0 revocation body."""
    status, doc = openbadges.assertion_document(credential_id)
    return _document(doc, LD, status)


@guard.public("/ob/v2/assertions/{credential_id}/badge")
def ob2_badge_class(credential_id: str) -> Response:
    return _document(openbadges.badge_class(credential_id), LD)


@guard.public("/ob/v2/issuers/{tenant_id}")
def ob2_profile(tenant_id: str) -> Response:
    return _document(openbadges.profile_v2(tenant_id), LD)


@guard.public("/ob/v2/issuers/{tenant_id}/revocations")
def ob2_revocation_list(tenant_id: str) -> Response:
    return _document(openbadges.revocation_list(tenant_id), LD)


@guard.public("/ob/v3/credentials/{credential_id}")
def ob3_credential(credential_id: str) -> Response:
    """The OpenBadgeCredential (JSON-LD with its proof), or its VC-JWT (`.jwt` or
    `Accept: application/vc+jwt`)."""
    as_jwt = credential_id.endswith(".jwt") or "application/vc+jwt" in (_request().headers.get("accept") or "")
    docs = openbadges.credential(credential_id.removesuffix(".jwt"))
    if as_jwt:
        return _document(docs["jwt"], "application/vc+jwt")
    return _document(docs["json"], "application/vc+ld+json")


@guard.public("/ob/v3/issuers/{tenant_id}")
def ob3_issuer(tenant_id: str) -> Response:
    return _document(openbadges.profile_v3(tenant_id), LD)


@guard.public("/ob/v3/issuers/{tenant_id}/did.json")
def ob3_issuer_did(tenant_id: str) -> Response:
    """The tenant's did:web DID document (did:web:<host>:ob:v3:issuers:<tenant>)."""
    return _document(openbadges.did_document(tenant_id), DID_LD)


@guard.public("/ob/v3/issuers/{tenant_id}/keys/{key_name}")
def ob3_issuer_key(tenant_id: str, key_name: str) -> Response:
    """One verification method of the issuer, on its own: what its id (a proof's
    verificationMethod, a VC-JWT's kid) answers."""
    return _document(openbadges.key_document(tenant_id, key_name), LD)


@guard.public("/.well-known/jwks.json")
def jwks() -> Response:
    return _document(signing.jwks(), "application/jwk-set+json")


# ---------------------------------------------------------------- verify any badge


@guard.public("/verify")
def verify_form() -> Response:
    return web.page("verify_form.html", action_url=f"{get_settings().public_base_url}/verify")


def _verify_input(request: Any) -> tuple[Any, bool]:
    """(what to verify, answer as HTML?) from a raw image, the page's form, or a JSON body."""
    ctype = http.content_type(request)
    if ctype in ("image/png", "image/svg+xml"):
        return badge_check.Input(image=http.raw_body(request)), False
    if ctype == "multipart/form-data":
        from .. import schemas

        form = http.parse_multipart(request)
        email = form.get("email", b"").decode("utf-8", "replace").strip() or None
        if email:
            http.validate(schemas.VerifyIn, {"text": "x", "email": email})
        image = form.get("image") or None
        text = form.get("text", b"").decode("utf-8", "replace").strip() or None
        return badge_check.Input(text=None if image else text, image=image, email=email), True
    from .. import schemas

    data = http.parse_json(request, schemas.VerifyIn)
    return badge_check.Input(text=data.as_text(), email=str(data.email) if data.email else None), False


@guard.public("/verify", "POST")
def verify_any() -> Response:
    source, as_html = _verify_input(_request())
    report = badge_check.run(source)
    if as_html:
        return web.page("verify_report.html", r=report, external=False)
    return http.json_response(report)


# ---------------------------------------------------------------- imports of foreign badges


@guard.public("/imports", "POST", body="ImportIn")
def start_import(data: Any) -> Response:
    return http.json_response(imports.start(str(data.email), badge_check.Input(text=data.as_text()),
                                            client_address=http.client_address(_request())), status=202)


@guard.public("/imports/{import_id}")
def show_import(import_id: str) -> Response:
    request = _request()
    token = http.query_param(request, "token", max_length=100)
    if token:  # the emailed link: a button, because mail scanners follow links
        from ..i18n import _

        return web.page("message_form.html", title=_("Confirm the import"),
                        message=_("Add this external badge to your collection?"),
                        action_url=f"{get_settings().public_base_url}/imports/{import_id}", token=token,
                        button=_("Confirm import"))
    result = imports.show(import_id)
    if http.wants_json(request):
        return http.json_response(result)
    return web.page("verify_report.html", r={**result, "checked_at": result["last_verified_at"]}, external=True,
                    last_verified_at=result["last_verified_at"])


@guard.public("/imports/{import_id}", "POST")
def confirm_import(import_id: str) -> Response:
    from .. import schemas

    request = _request()
    is_form = http.content_type(request) == http.FORM
    data = http.parse_form(request, schemas.TokenIn) if is_form else http.parse_json(request, schemas.TokenIn)
    result = imports.confirm(import_id, data.token)
    if is_form:
        return Response(body="", status_code=303,
                        headers={"Location": f"{get_settings().public_base_url}/imports/{import_id}"})
    return http.json_response(result)


@guard.public("/imports/{import_id}/verify", "POST")
def reverify_import(import_id: str) -> Response:
    return http.json_response(imports.reverify(import_id))


# ---------------------------------------------------------------- the claim link


@guard.public("/claim/{credential_id}", errors="html", title=LINK_UNUSABLE)
def claim_page(credential_id: str) -> Response:
    token = http.query_param(_request(), "token", max_length=100) or ""
    preview = claims.preview(credential_id, token)
    _in_language(_request(), preview["earner_locale"], preview["locale"])
    return web.page("claim.html", **preview)


@guard.public("/claim/{credential_id}", "POST", errors=_form_or_json, title=LINK_UNUSABLE)
def claim(credential_id: str) -> Response:
    from .. import schemas

    request = _request()
    is_form = http.content_type(request) == http.FORM
    data = http.parse_form(request, schemas.ClaimIn) if is_form else http.parse_json(request, schemas.ClaimIn)
    if not is_form:
        return http.json_response(claims.decide(credential_id, data.token, data.decision))
    result = wallet.after_claim(credential_id, data.token, data.decision)
    if result["status"] == "accepted":  # a page offering to share and add to LinkedIn, not a bare redirect
        return web.page("claim_accepted.html", r=result)
    return web.page("message.html", 200, title=_("Credential rejected"),
                    message=_("You rejected this credential. It will not be shown anywhere."), link=None)


# ------------------------------------------------------------------ mail preferences (issue 19)
# A reminder's unsubscribe link. GET shows the address's state and a button (mail scanners
# fetch the links of a mail: a GET changes nothing); a POST to the link unsubscribes, with
# no sign-in (RFC 8058: a mail client's one-click POST carries "List-Unsubscribe=One-Click";
# any POST to the link unsubscribes); the page's other button resubscribes.

notify = LazyModule("chalicelib.services.notify")


def _mail_token() -> str:
    from ..domain.errors import BadRequest

    token = http.query_param(_request(), "token", max_length=300)
    if not token:
        raise BadRequest("This link is not valid: open the link from the mail as it is.", code="invalid_link")
    return token


@guard.public("/mail/unsubscribe", errors="html", title=LINK_UNUSABLE)
def mail_preferences() -> Response:
    return web.page("mail_prefs.html", **notify.mail_preferences(_mail_token()))


@guard.public("/mail/unsubscribe", "POST", errors="html", title=LINK_UNUSABLE)
def mail_unsubscribe() -> Response:
    return web.page("mail_prefs.html", **notify.unsubscribe(_mail_token()), changed=True)


@guard.public("/mail/resubscribe", "POST", errors="html", title=LINK_UNUSABLE)
def mail_resubscribe() -> Response:
    return web.page("mail_prefs.html", **notify.resubscribe(_mail_token()), changed=True)
