"""Passwordless sign-in for earners, sessions and CSRF tokens.

An earner types an address and gets a mail with a one-time link and a 6-digit code
(for typing into the browser that asked, when the mail is read on another device).
Both are stored only as hashes, work once, for 15 minutes; five wrong codes kill the
request. Requests are limited per address and per client address.

Sessions live server-side (`SESSION#<sha256(id)>`), so signing out ends them; the
cookie carries the session id signed with a key derived from Secrets Manager, so a
tampered cookie is refused before any read. CSRF tokens are HMACs of the session id
(or, before sign-in, of a signed random cookie): nothing to store, nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _random
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..config import get_settings
from ..domain import earners as rules
from ..domain import ids
from ..domain.clock import iso
from ..domain.errors import BadRequest, Forbidden, Gone, NotFound
from ..store import earners as store
from . import clock, limits, notify
from .signing import derived_key

if TYPE_CHECKING:
    from itsdangerous import TimestampSigner

SESSION_SALT = b"laurel-session"
PRE_SALT = b"laurel-pre-session"


def _key() -> bytes:
    return derived_key(b"laurel earner sessions v1")


def _mac(*parts: str) -> str:
    return hmac.new(_key(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ sign-in requests


def _rate_limit(email_hash: str, client_address: str | None) -> None:
    now = clock.utcnow()
    if client_address:
        limits.enforce(rules.SIGNIN_ADDRESS_LIMIT, ids.sha256_hex(client_address), now,
                       "too many sign-in requests from your network; wait a few minutes")
    limits.enforce(rules.SIGNIN_EMAIL_LIMIT, email_hash, now,
                   "too many sign-in mails were sent to this address; wait a few minutes and use the newest one")


# Where each purpose's mailed link leads: the wallet's sign-in, or the issuer console's.
LINK_PATHS = {"signin": "/signin", "add_email": "/signin", "console": "/console/signin"}


def request_link(email: str, *, next_path: str | None = None, client_address: str | None = None,
                 purpose: str = "signin", earner_id: str | None = None, send: bool = True) -> str:
    """Mail a link and a code to `email`; returns the request's id (for the code form).
    The answer is the same whether or not the address has credentials or an account;
    `send=False` (the console, for an address of no organization) stores the request
    and counts it against the limits like any other, but mails nothing."""
    next_path = rules.safe_next(next_path)
    email = ids.normalize_email(email)
    email_hash = ids.email_hash(email)
    _rate_limit(email_hash, client_address)
    # before anything is stored, and also when nothing would be mailed (`send=False`), so the
    # answer for a suppressed address does not tell whether it belongs to an organization
    notify.require_mailable(email, "the mail with your sign-in link", requested=True)
    now = clock.utcnow()
    login_id, token = ids.random_token(), ids.random_token()
    code = f"{_random.randbelow(10 ** 6):06d}"
    expires = now + timedelta(minutes=rules.LOGIN_MINUTES)
    store.put_login(login_id, purpose=purpose, email=email, email_hash=email_hash, earner_id=earner_id,
                    token_hash=ids.sha256_hex(token), code_hash=_mac("code", login_id, code), next_path=next_path,
                    expires_at=iso(expires), expiration=int(expires.timestamp()) + 86400)
    if send:
        link = f"{get_settings().public_base_url}{LINK_PATHS[purpose]}/{login_id}?token={token}"
        notify.send_signin(email, link, code, rules.LOGIN_MINUTES, adding=purpose == "add_email",
                           console=purpose == "console")
    return login_id


def _code_budget(email_hash: str) -> None:
    """Codes typed for one address per UTC day, whatever the request: each request
    allows 5 wrong codes and an address gets a few requests per window, so without a
    daily cap guesses would add up (2,400 a day). After the cap only the link works."""
    limits.enforce(rules.CODE_LIMIT, email_hash, clock.utcnow(),
                   "too many codes were typed for this address today; use the link in the mail instead",
                   code="code_budget_spent")


WALLET = ("signin", "add_email")  # the purposes the wallet's sign-in pages complete
CONSOLE = ("console",)


def _usable(login_id: str, purposes: tuple[str, ...] = WALLET) -> Any:
    """The request, if it is still usable and was made for one of `purposes` (a console
    link opened at the wallet's address is as unknown there as a made-up one)."""
    item = store.get_login(login_id) if ids.RANDOM_PART.match(login_id or "") else None
    if item is None or item.purpose not in purposes:
        raise NotFound("this sign-in link is not valid; ask for a new one", code="signin_not_found")
    if item.used_at:
        raise Gone("this sign-in link was already used; ask for a new one", code="signin_used")
    if item.expires_at <= iso(clock.utcnow()):
        raise Gone(f"this sign-in link has expired (links work for {rules.LOGIN_MINUTES} minutes); ask for a new one",
                   code="signin_expired")
    if item.attempts >= rules.MAX_CODE_ATTEMPTS:
        raise Gone("too many wrong codes were entered; ask for a new sign-in mail", code="signin_locked")
    return item


def preview(login_id: str, token: str, purposes: tuple[str, ...] = WALLET) -> dict:
    """What the link's page shows before the button is pressed (mail scanners follow
    links; only a deliberate POST signs in)."""
    item = _usable(login_id, purposes)
    if not ids.same_secret(ids.sha256_hex(token or ""), item.token_hash):
        raise NotFound("this sign-in link is not valid; ask for a new one", code="signin_not_found")
    return {"email": rules.mask_email(item.email), "adding": item.purpose == "add_email"}


@dataclass(frozen=True)
class Proven:
    """A request whose link or code was just proven: the address is the requester's."""
    purpose: str
    email: str
    email_hash: str
    earner_id: str | None
    next_path: str


def prove(login_id: str, *, token: str | None = None, code: str | None = None,
          signed_in_as: str | None = None, purposes: tuple[str, ...] = WALLET) -> Proven:
    """Check the link's token or the code, and use the request up (once)."""
    item = _usable(login_id, purposes)
    if token:
        if not ids.same_secret(ids.sha256_hex(token), item.token_hash):
            raise NotFound("this sign-in link is not valid; ask for a new one", code="signin_not_found")
    elif code and rules.valid_code(code.strip()):
        _code_budget(item.email_hash)
        if not ids.same_secret(_mac("code", login_id, code.strip()), item.code_hash):
            left = rules.MAX_CODE_ATTEMPTS - item.attempts - 1
            store.count_wrong_code(item)
            raise BadRequest(f"that code is not right; {left} tries left" if left > 0 else
                             "that code is not right, and that was the last try; ask for a new mail",
                             code="wrong_code")
    else:
        raise BadRequest("enter the 6-digit code from the mail", code="wrong_code")
    if item.purpose == "add_email" and signed_in_as != item.earner_id:
        raise Forbidden("open this link in the browser where you asked to add the address, signed in to the same "
                        "account, or type the code there", code="wrong_account")
    if not store.consume_login(item, iso(clock.utcnow()), rules.MAX_CODE_ATTEMPTS):
        raise Gone("this sign-in link was just used; ask for a new one", code="signin_used")
    return Proven(item.purpose, item.email, item.email_hash, item.earner_id, item.next_path)


@dataclass(frozen=True)
class Completed:
    """Where a proven sign-in request leads, and the new session's cookie (None when
    the request added an address to the signed-in account)."""
    location: str
    cookie: str | None


def complete(login_id: str, *, token: str | None, code: str | None, session: Session | None,
             session_cookie: str | None) -> Completed:
    """Prove the link or code, then either add the address to the signed-in account
    (merging accounts when it had its own), or sign in: a new session every time, the
    old one ended (no fixation)."""
    from urllib.parse import urlencode

    from . import wallet

    proven = prove(login_id, token=token, code=code, signed_in_as=session.earner_id if session else None)
    if proven.purpose == "add_email" and session is not None:
        outcome = wallet.attach_email(session.earner_id, proven.email, proven.email_hash)
        return Completed(f"/wallet/settings?{urlencode({'email': outcome})}", None)
    earner_id = wallet.sign_in(proven.email, proven.email_hash)
    if session is not None:
        end_session(session_cookie)
    return Completed(proven.next_path, start_session(earner_id))


# ------------------------------------------------------------------ sessions


@dataclass(frozen=True)
class Session:
    session_id: str
    earner_id: str
    # the earner's language setting (issue 19), from the account read that proves the session is
    # live: every wallet page renders in it without another read (routes/_guards.py)
    locale: str | None = None


def _signer(salt: bytes) -> TimestampSigner:
    from itsdangerous import TimestampSigner

    return TimestampSigner(_key(), salt=salt)


def start_session(earner_id: str) -> str:
    """A new server-side session; returns the cookie value."""
    now = clock.utcnow()
    expires = now + timedelta(days=rules.SESSION_DAYS)
    session_id = ids.random_token()
    store.put_session(ids.sha256_hex(session_id), earner_id, iso(now), iso(expires), int(expires.timestamp()))
    return _signer(SESSION_SALT).sign(session_id).decode()


def _unsign(value: str | None, salt: bytes, max_age: int) -> str | None:
    from itsdangerous import BadSignature

    if not value or len(value) > 200:
        return None
    try:
        return _signer(salt).unsign(value, max_age=max_age).decode()
    except BadSignature:  # tampered, or older than max_age (SignatureExpired is a BadSignature)
        return None


def session_from_cookie(value: str | None) -> Session | None:
    """The live session a cookie names, or None: tampered, expired, ended or merged away."""
    session_id = _unsign(value, SESSION_SALT, rules.SESSION_DAYS * 86400)
    if session_id is None:
        return None
    item = store.get_session(ids.sha256_hex(session_id))
    if item is None or item.expires_at <= iso(clock.utcnow()):
        return None
    earner = store.get_earner(item.earner_id)
    if earner is None:
        return None
    return Session(session_id, item.earner_id, earner.locale)


def end_session(value: str | None) -> None:
    session_id = _unsign(value, SESSION_SALT, rules.SESSION_DAYS * 86400)
    if session_id is not None:
        store.delete_session(ids.sha256_hex(session_id))


# ------------------------------------------------------------------ CSRF


def new_pre_session_cookie() -> str:
    """A signed random value that anchors CSRF tokens of forms shown before sign-in."""
    return _signer(PRE_SALT).sign(ids.random_token()).decode()


def pre_session_anchor(value: str | None) -> str | None:
    anchor = _unsign(value, PRE_SALT, 86400)
    return f"pre:{anchor}" if anchor else None


def csrf_token(anchor: str) -> str:
    return _mac("csrf", anchor)[:40]


def check_csrf(anchor: str | None, token: str | None) -> None:
    if not anchor or not token or not ids.same_secret(csrf_token(anchor), token):
        raise Forbidden("this form has expired or did not come from this site; reload the page and try again",
                        code="csrf_failed")
