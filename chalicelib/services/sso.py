"""Single sign-on to the console through an organization's own OpenID Connect provider.

An admin names the provider (its issuer URL), the client Laurel is registered as
there (id and secret), the e-mail domains it signs in and the role of people it
lets in who are not members yet (just-in-time membership; "none" admits members and
invitees only). The secret goes to Secrets Manager (`laurel/<stage>/sso/<tenant>`),
never to the table, and is never shown again. Each domain belongs to one
organization at most (a conditional write on the domain's own item).

Signing in is the authorization code flow (OpenID Connect Core 1.0, 3.1) with PKCE
(RFC 7636, S256), a `nonce` and a `state`:

1. `start`: the address's domain names the organization; its provider's discovery
   document (cached per process) gives the authorization endpoint; the attempt (its
   state's hash, nonce, PKCE verifier, the provider, the browser's pre-session
   anchor hashed) is stored for ten minutes; the browser goes to the provider.
2. `finish` (the callback): the state is taken once (a replay finds nothing), it must
   come back to the browser that started it, within ten minutes, from the provider it
   was sent to (RFC 9207 `iss` when the provider sends it); the code is redeemed at the
   token endpoint (client_secret_basic or _post, as discovery offers); the ID token is
   verified against the provider's keys and its claims checked with authlib's
   `CodeIDToken` (iss, aud, exp, iat, nonce, azp, at_hash); the address must be
   verified by the provider and at one of the organization's domains. Then the member:
   an existing one (an invitation is accepted), or a new one with the default role.

Every outbound request (discovery, keys, token, userinfo) goes through the
SSRF-hardened fetcher (adapters/fetch.py): the URLs come from organizations' admins,
so in a deployment only HTTPS to public addresses is allowed (the local stage also
allows HTTP and loopback, where `make run` and the tests run a provider).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote_plus, urlsplit

from ..adapters import fetch as http_fetch
from ..config import get_settings
from ..domain import ids
from ..domain import members as rules
from ..domain.clock import iso
from ..domain.errors import BadRequest, Conflict, Forbidden, ServiceUnavailable, ValidationFailed
from ..domain.limits import Limit
from ..i18n import N_
from ..store import members as store
from . import clock

if TYPE_CHECKING:
    from joserfc.jwk import KeySetSerialization

    from .. import schemas

CALLBACK_PATH = "/console/sso/callback"
SCOPE = "openid email profile"
STATE_MINUTES = 10
DISCOVERY_SECONDS = 600  # how long a provider's discovery document and keys are reused
LEEWAY_SECONDS = 60  # clock skew allowed on exp / iat
NO_JIT = "none"  # default role meaning: no just-in-time members, only members and invitees
SSO_ROLES = (*rules.ROLES, NO_JIT)
MAX_DOMAINS = 20
# Signature algorithms accepted on ID tokens: asymmetric only. `none` is never
# accepted, nor HS256 & co. (keyed with the client secret, which an admin could then
# use to mint tokens for anyone).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
# Starting a sign-on writes an attempt and may fetch the provider's discovery document:
# bounded per network like the mailed sign-in.
START_LIMIT = Limit("sso-start-ip", 30, 900)
_DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")

UNREACHABLE = ("your organization's identity provider could not be used ({reason}); try again later, or ask an "
               "admin to check the single sign-on settings")


# ------------------------------------------------------------------ settings


def callback_url() -> str:
    """Where the provider sends people back: registered at the provider as the client's redirect URI."""
    return get_settings().public_base_url + CALLBACK_PATH


def secret_name(tenant_id: str) -> str:
    return f"laurel/{get_settings().stage}/sso/{tenant_id}"


def _policy(max_redirects: int = 2) -> http_fetch.Policy:
    """Deployed stages: HTTPS to public addresses only; the local stage also HTTP and loopback."""
    local = get_settings().is_local
    return http_fetch.Policy(allow_http=local, allow_private=local, timeout=5.0, max_bytes=256 * 1024,
                             max_redirects=max_redirects)


def settings_view(member: rules.Member) -> dict:
    """What the settings page shows: never the secret, only whether one is set."""
    rules.require(member, "settings.view")
    item = store.get_sso(member.tenant_id)
    view = {"configured": item is not None, "callback_url": callback_url(), "roles": SSO_ROLES,
            "role_names": {**rules.ROLE_NAMES, NO_JIT: N_("Nobody: only members and invitees")}}
    if item is None:
        return {**view, "issuer": "", "client_id": "", "secret_set": False, "domains": [], "default_role": NO_JIT,
                "enabled": False}
    return {**view, "issuer": item.issuer, "client_id": item.client_id, "secret_set": True,
            "domains": list(item.domains), "default_role": item.default_role, "enabled": bool(item.enabled),
            "updated_at": item.updated_at}


def parse_domains(text: str) -> list[str]:
    """The allowed e-mail domains from the form's text (commas, spaces or lines between
    them): lower-case, without a leading `@`, each a host name of at least two labels."""
    found: list[str] = []
    for raw in re.split(r"[\s,;]+", text or ""):
        domain = raw.strip().lstrip("@").rstrip(".").lower()
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise ValidationFailed(f"{raw[:100]!r} is not an e-mail domain such as example.com",
                                   code="invalid_sso_settings")
        if domain not in found:
            found.append(domain)
    if not found:
        raise ValidationFailed("name at least one e-mail domain, such as example.com", code="invalid_sso_settings")
    if len(found) > MAX_DOMAINS:
        raise ValidationFailed(f"at most {MAX_DOMAINS} domains", code="invalid_sso_settings")
    return found


def _valid_issuer(issuer: str) -> str:
    """OpenID Connect Discovery 1.0, 2: the issuer is "a case sensitive URL using the
    https scheme that contains scheme, host, and optionally, port number and path
    components and no query or fragment components" (http on the local stage only)."""
    try:
        http_fetch.check_url(issuer, _policy())
    except http_fetch.FetchError as exc:
        message = "the issuer must be an https:// URL" if "https" in str(exc) else f"the issuer URL: {exc}"
        raise ValidationFailed(message, code="invalid_sso_settings") from None
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or "#" in issuer:
        raise ValidationFailed("the issuer URL has no query or fragment", code="invalid_sso_settings")
    return issuer


def configure(member: rules.Member, data: schemas.SsoSettingsIn) -> dict:
    """Save the organization's provider (an admin). A new client secret is written to
    Secrets Manager as a new version first; the settings name that version, and only
    once they are saved does it become the current one, so a refused save (a domain
    another organization has) changes nothing that is in use."""
    from ..adapters import secrets

    rules.require(member, "settings.edit")
    tenant_id = member.tenant_id
    issuer = _valid_issuer(data.issuer)
    domains = parse_domains(data.domains)
    before = store.get_sso(tenant_id)
    secret = data.client_secret
    if before is not None and secret is None and (before.issuer != issuer or before.client_id != data.client_id):
        # the secret is only ever sent to the provider it was given for
        raise ValidationFailed("enter the client secret again: a new issuer or client id needs its own secret",
                               code="invalid_sso_settings")
    if before is None and secret is None:
        raise ValidationFailed("enter the client secret the provider gave you", code="invalid_sso_settings")
    name = secret_name(tenant_id)
    version = before.secret_version if before is not None else None
    if secret is not None:
        version = secrets.put_string(name, secret, f"Client secret of organization {tenant_id}'s OpenID Connect "
                                                   "provider (Laurel console single sign-on)")
    fields = {"issuer": issuer, "client_id": data.client_id, "secret_name": name, "secret_version": version,
              "domains": domains, "default_role": data.default_role, "enabled": data.enabled == "yes",
              "updated_at": iso(clock.utcnow()), "updated_by": member.member_id}
    if not store.put_sso(tenant_id, fields, before):
        kept = set(before.domains) if before is not None else set()
        for domain in domains:
            if domain not in kept and store.sso_domain_owner(domain) not in (None, tenant_id):
                raise Conflict(f"{domain} already signs in through another organization's single sign-on on Laurel",
                               code="sso_domain_taken")
        raise Conflict("the single sign-on settings changed a moment ago; reload and try again",
                       code="concurrent_update")
    if secret is not None and version is not None:  # the version just written
        secrets.promote(name, version)
    return settings_view(member)


# ------------------------------------------------------------------ the provider's documents

_caches: dict[str, Any] = {}


def _cache(name: str) -> Any:
    from cachetools import TTLCache

    if name not in _caches:
        _caches[name] = TTLCache(maxsize=64, ttl=DISCOVERY_SECONDS, timer=clock.monotonic)
    return _caches[name]


def forget_providers() -> None:
    """Drop the cached discovery documents and keys (tests; a provider that rotated keys
    is re-read by itself when a token names an unknown key)."""
    _caches.clear()


def _get_json(url: str, what: str, *, headers: dict[str, str] | None = None, redirects: int = 2) -> dict:
    try:
        got = http_fetch.fetch(url, _policy(redirects), accept="application/json", headers=headers)
    except http_fetch.FetchError as exc:
        raise ServiceUnavailable(UNREACHABLE.format(reason=f"{what}: {exc}"), code="sso_provider_unavailable") from None
    if got.status != 200:
        raise ServiceUnavailable(UNREACHABLE.format(reason=f"{what} answered {got.status}"),
                                 code="sso_provider_unavailable")
    try:
        doc = json.loads(got.body)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise ServiceUnavailable(UNREACHABLE.format(reason=f"{what} is not a JSON object"),
                                 code="sso_provider_unavailable")
    return doc


def discover(issuer: str) -> dict:
    """The provider's discovery document, checked and cached per process.

    OpenID Connect Discovery 1.0, 4: "If the Issuer value contains a path component,
    any terminating / MUST be removed before appending /.well-known/openid-configuration",
    and 4.3: "The issuer value returned MUST be identical to the Issuer URL that was
    used as the prefix to /.well-known/openid-configuration"."""
    cache = _cache("discovery")
    if issuer in cache:
        return cache[issuer]
    doc = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration", "its discovery document")
    if doc.get("issuer") != issuer:
        raise ServiceUnavailable(UNREACHABLE.format(reason="its discovery document names another issuer"),
                                 code="sso_provider_unavailable")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = doc.get(name)
        try:
            http_fetch.check_url(value, _policy())
        except http_fetch.FetchError:
            raise ServiceUnavailable(UNREACHABLE.format(reason=f"its {name} is missing or not allowed"),
                                     code="sso_provider_unavailable") from None
    if "code" not in (doc.get("response_types_supported") or []):
        raise ServiceUnavailable(UNREACHABLE.format(reason="it does not offer the authorization code flow"),
                                 code="sso_provider_unavailable")
    cache[issuer] = doc
    return doc


def _keys(meta: dict, fresh: bool = False) -> dict:
    cache = _cache("jwks")
    uri = meta["jwks_uri"]
    if fresh or uri not in cache:
        cache[uri] = _get_json(uri, "its signing keys")
    return cache[uri]


# ------------------------------------------------------------------ 1. start


def start(email: str, *, anchor: str | None, next_path: str | None, client_address: str | None) -> str:
    """Where to send the browser: the organization's provider, with a new attempt stored."""
    from authlib.common.security import generate_token
    from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    from . import limits

    if not anchor:  # the form's CSRF check has proven one; without it nothing binds the attempt to the browser
        raise Forbidden("this form has expired or did not come from this site; reload the page and try again",
                        code="csrf_failed")
    now = clock.utcnow()
    if client_address:
        limits.enforce(START_LIMIT, ids.sha256_hex(client_address), now,
                       "too many single sign-on attempts from your network; wait a few minutes")
    email = ids.normalize_email(email)
    domain = email.rpartition("@")[2]
    tenant_id = store.sso_domain_owner(domain)
    config = store.get_sso(tenant_id) if tenant_id else None
    if config is None:
        raise Forbidden(f"single sign-on is not set up for {domain} addresses; sign in with a mailed link instead",
                        code="sso_not_configured")
    if not config.enabled:
        raise Forbidden("single sign-on is turned off for your organization; sign in with a mailed link instead",
                        code="sso_disabled")
    meta = discover(config.issuer)
    state, nonce = ids.random_token(), ids.random_token()  # 160 random bits each
    verifier = generate_token(64)  # RFC 7636 4.1: 43 to 128 unreserved characters
    expires = now + timedelta(minutes=STATE_MINUTES)
    next_path = next_path if (next_path or "").startswith("/console") else "/console"
    store.put_sso_state(ids.sha256_hex(state), {
        "tenant_id": config.tenant_id, "issuer": config.issuer, "anchor_hash": ids.sha256_hex(anchor),
        "nonce": nonce, "code_verifier": verifier, "next_path": next_path, "expires_at": iso(expires),
        "expiration": int(expires.timestamp())})
    return prepare_grant_uri(meta["authorization_endpoint"], config.client_id, "code", callback_url(), SCOPE, state,
                             nonce=nonce, code_challenge=create_s256_code_challenge(verifier),
                             code_challenge_method="S256", login_hint=email)


# ------------------------------------------------------------------ 2. finish (the callback)


@dataclass(frozen=True)
class Done:
    cookie: str
    location: str


def finish(*, code: str | None, state: str | None, error: str | None, iss: str | None,
           anchor: str | None) -> Done:
    """The provider sent the browser back: check everything, then sign the person in."""
    from . import console_auth

    if not state:
        raise BadRequest("this sign-in link is incomplete; start again from the sign-in page", code="sso_state_missing")
    attempt = store.take_sso_state(ids.sha256_hex(state))  # gone from now on, whatever follows
    if attempt is None:
        raise BadRequest("this sign-in attempt was used already or is unknown; start again from the sign-in page",
                         code="sso_state_unknown")
    if attempt.expires_at <= iso(clock.utcnow()):
        raise BadRequest(f"this sign-in attempt took longer than {STATE_MINUTES} minutes; start again from the "
                         "sign-in page", code="sso_state_expired")
    if not anchor or not ids.same_secret(ids.sha256_hex(anchor), attempt.anchor_hash):
        raise Forbidden("this sign-in was started in another browser; start again in this one",
                        code="sso_other_browser")
    config = store.get_sso(attempt.tenant_id)
    if config is None or not config.enabled:
        raise Forbidden("single sign-on is turned off for your organization; sign in with a mailed link instead",
                        code="sso_disabled")
    if config.issuer != attempt.issuer:
        raise Forbidden("your organization's single sign-on settings changed while you were signing in; start again",
                        code="sso_settings_changed")
    meta = discover(config.issuer)
    # RFC 9207 2.4: clients "MUST reject authorization responses without the iss parameter
    # from authorization servers that do support the parameter", and compare it with the issuer.
    if (iss is not None or meta.get("authorization_response_iss_parameter_supported")) and iss != config.issuer:
        raise Forbidden("the answer did not come from your organization's identity provider; start again",
                        code="sso_wrong_issuer")
    if error:
        raise Forbidden(f"your identity provider did not sign you in ({error[:100]})", code="sso_provider_refused")
    if not code:
        raise BadRequest("this sign-in link is incomplete; start again from the sign-in page", code="sso_code_missing")
    tokens = _redeem(meta, config, code, attempt.code_verifier)
    claims = _verified_claims(meta, config, tokens, attempt.nonce)
    email, name = _person(meta, tokens, claims)
    if email.rpartition("@")[2] not in config.domains:
        raise Forbidden(f"addresses at {email.rpartition('@')[2]} cannot sign in to this organization by single "
                        "sign-on", code="sso_domain_not_allowed")
    member = _member(config, email, name)
    return Done(console_auth.start_session(member, via="sso"), attempt.next_path or "/console")


def _redeem(meta: dict, config: Any, code: str, verifier: str) -> dict:
    """The token request (OpenID Connect Core 3.1.3.1), authenticated as the discovery
    document offers: "If omitted, the default is client_secret_basic" (Discovery 3)."""
    from ..adapters import secrets

    secret = secrets.get_string(config.secret_name, config.secret_version)
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": callback_url(),
              "code_verifier": verifier}
    headers: dict[str, str] = {}
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in methods:
        # RFC 6749 2.3.1: "The client identifier is encoded using the
        # application/x-www-form-urlencoded encoding algorithm ..., and the encoded value is
        # used as the username; the client password is encoded using the same algorithm and
        # used as the password." (authlib's encode_client_secret_basic skips that encoding.)
        pair = f"{quote_plus(config.client_id)}:{quote_plus(secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    elif "client_secret_post" in methods:
        fields.update(client_id=config.client_id, client_secret=secret)
    else:
        raise ServiceUnavailable(UNREACHABLE.format(reason="it offers no client authentication Laurel supports"),
                                 code="sso_provider_unavailable")
    try:
        got = http_fetch.post_form(meta["token_endpoint"], fields, _policy(0), headers=headers)
    except http_fetch.FetchError as exc:
        raise ServiceUnavailable(UNREACHABLE.format(reason=f"its token endpoint: {exc}"),
                                 code="sso_provider_unavailable") from None
    try:
        answer = json.loads(got.body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ServiceUnavailable(UNREACHABLE.format(reason=f"its token endpoint answered {got.status}"),
                                 code="sso_provider_unavailable")
    if got.status != 200:
        reason = str(answer.get("error") or got.status)[:100]
        raise Forbidden(f"your identity provider refused the sign-in ({reason}); start again",
                        code="sso_token_refused")
    if not isinstance(answer.get("id_token"), str) or str(answer.get("token_type", "")).lower() != "bearer":
        raise Forbidden("your identity provider's answer had no ID token; start again", code="sso_token_refused")
    return answer


class UnknownKey(Exception):
    """The ID token names a key the provider's key set (as cached) does not hold."""


def validate_id_token(id_token: str, jwks: dict, *, issuer: str, client_id: str, nonce: str,
                      access_token: str | None, algorithms: list[str] | None, now: int) -> dict:
    """The ID token's claims once its signature and claims hold (OpenID Connect Core
    3.1.3.7); raises Forbidden otherwise, UnknownKey when its key is not in `jwks`.

    As authlib's own OpenID client does (integrations/base_client/sync_openid.py): the
    signature with joserfc against the provider's key set, then authlib's
    `CodeIDToken` for the claims, with `iss` and `aud` required to be the provider and
    this client ("The Client MUST validate that the aud (audience) Claim contains its
    client_id value registered at the Issuer identified by the iss (issuer) Claim as an
    audience"), the nonce sent, `azp`, and `at_hash` when present."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import InvalidKeyIdError, JoseError
    from joserfc.jwk import KeySet

    allowed = [a for a in (algorithms or ["RS256"]) if a in ALGORITHMS]
    if not allowed:
        raise Forbidden("your identity provider signs ID tokens in a way Laurel does not accept",
                        code="sso_id_token_invalid")
    try:
        key_set = KeySet.import_key_set(cast("KeySetSerialization", jwks))  # checked by joserfc
    except (JoseError, ValueError, TypeError, KeyError):
        raise ServiceUnavailable(UNREACHABLE.format(reason="its signing keys could not be read"),
                                 code="sso_provider_unavailable") from None
    try:
        token = jwt.decode(id_token, key_set, algorithms=allowed)
    except InvalidKeyIdError:
        raise UnknownKey from None
    except (JoseError, ValueError, TypeError) as exc:
        raise Forbidden(f"the ID token from your identity provider is not valid ({_why(exc)})",
                        code="sso_id_token_invalid") from None
    options = {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id},
               "sub": {"essential": True}}
    params = {"nonce": nonce, "client_id": client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=now, leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError) as exc:
        raise Forbidden(f"the ID token from your identity provider is not valid ({_why(exc)})",
                        code="sso_id_token_invalid") from None
    return dict(claims)


def _why(exc: Exception) -> str:
    return str(getattr(exc, "description", None) or getattr(exc, "error", None) or exc.__class__.__name__)[:120]


def _verified_claims(meta: dict, config: Any, tokens: dict, nonce: str) -> dict:
    def check(jwks: dict) -> dict:
        return validate_id_token(tokens["id_token"], jwks, issuer=config.issuer, client_id=config.client_id,
                                 nonce=nonce, access_token=tokens.get("access_token"),
                                 algorithms=meta.get("id_token_signing_alg_values_supported"),
                                 now=clock.unix_seconds())

    try:
        return check(_keys(meta))
    except UnknownKey:  # the provider rotated its keys since they were cached: read them once more
        try:
            return check(_keys(meta, fresh=True))
        except UnknownKey:
            raise Forbidden("the ID token from your identity provider is signed with a key it does not publish",
                            code="sso_id_token_invalid") from None


def _person(meta: dict, tokens: dict, claims: dict) -> tuple[str, str | None]:
    """The verified address and name. OpenID Connect Core 5.4: the claims of the email
    and profile scopes "are returned from the UserInfo Endpoint ... when a response_type
    value is used that results in an Access Token being issued", so when the ID token
    lacks them they are read there; 5.3.2: "The sub Claim in the UserInfo Response MUST
    be verified to exactly match the sub Claim in the ID Token"."""
    source = claims
    if "email" not in claims or "email_verified" not in claims:
        endpoint, access = meta.get("userinfo_endpoint"), tokens.get("access_token")
        if endpoint and isinstance(access, str):
            source = _get_json(endpoint, "its userinfo endpoint", headers={"Authorization": f"Bearer {access}"},
                               redirects=0)
            if source.get("sub") != claims.get("sub"):
                raise Forbidden("your identity provider described someone else; start again",
                                code="sso_userinfo_mismatch")
    email = source.get("email")
    if not isinstance(email, str) or not _email_ok(email):
        raise Forbidden("your identity provider did not give Laurel your e-mail address", code="sso_no_email")
    # Core 5.1: email_verified is a boolean; "true" as a string is not that
    if source.get("email_verified") is not True:
        raise Forbidden("your identity provider has not verified your e-mail address, so it cannot sign you in here",
                        code="sso_email_unverified")
    name = source.get("name")
    name = name.strip()[:100] if isinstance(name, str) and not re.search(r"[\x00-\x1f\x7f]", name) else None
    return ids.normalize_email(email), name or None


def _email_ok(email: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    if len(email) > 320 or not email.isascii():
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _member(config: Any, email: str, name: str | None) -> Any:
    """The member the provider vouched for: an existing one (an invitation that has not
    ended is accepted when the session starts), else a new one with the default role.
    An invitation that ended is replaced, as a new invitation would replace it."""
    from . import members

    existing = store.member_by_email(config.tenant_id, ids.email_hash(email))
    if existing is not None:
        if existing.state == "active" or (existing.expires_at or "") > iso(clock.utcnow()):
            return existing
        if config.default_role != NO_JIT:
            store.remove_member(existing)
    if config.default_role == NO_JIT:
        raise Forbidden("you are not a member of this organization yet; ask an admin to invite you",
                        code="sso_not_a_member")
    return members.join_by_sso(config.tenant_id, email, name, config.default_role)
