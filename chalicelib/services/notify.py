"""Every mail Laurel sends: rendered here, handed to SES here, with one failure policy.

This module is the only caller of `adapters.mail.send` (tests/unit/test_house_rules.py
holds the code base to that).

When SES refuses a message (an unverified address in the sandbox, throttling, an
address it will not take), the refusal is logged once through the redacting logger
(SES's error text quotes the address) and counted as a `MailNotSent` metric (EMF,
namespace Laurel, service "mail") to alarm on. Then it depends on the mail:

- Mail the use case cannot do without (a sign-in link, an import's confirmation, a
  data export's link, a re-sent claim link): the request fails with 503
  `mail_not_sent`, on every path alike. A mail Laurel could not hand to SES is not the
  caller's fault, and the same request may well work later. A caller that stored
  something only for the mail (an export's file, a pending import) removes it first.
- Mail that is a courtesy (the claim link at issue time, a revocation notice, a retake
  invitation, expiry mails, copies of support requests, bulk claim mails): the action
  stands, the function returns False and the caller reports it (`claim_mail_sent: false`).

Every mail Laurel sends on behalf of an organization (claim and re-sent claim links,
revocation notices, retake invitations, expiry reminders and notices, invitations to
its console) carries the organization's mail branding: the sender's display name
(the address stays the platform's verified one), a reply-to address, its logo and a
footer. Branding is read when each mail is sent, not taken from the credential's
snapshot: an organization that renames its sender has its next mails go out under
the new name. Mail Laurel sends in its own name (sign-in links, imports, exports,
support copies) carries none.

Every mail about a credential is recorded on it (`mail_log`: when, which kind,
whether SES took it) for the console's history of the credential, and carries SES
message tags naming the credential and its tenant, so SES's bounce and complaint
events find it (services/mail_feedback.py).

No mail goes to an address on the suppression list (a permanent bounce or a complaint
that SES reported, issue 17), on any path: the check is here, in the one sender, before
SES is asked. Per kind, as for a refusal: a courtesy mail is skipped (the function
returns False, and a mail about a credential is recorded as not sent because the
address is suppressed); mail the use case cannot do without (sign-in, import
confirmation, export, re-sent claim link) answers 409 `address_suppressed`: unlike a
refusal, trying again later does not help, a corrected or another address does.

Issue 19, "a one-click unsubscribe for non-essential mail (reminders)": the expiry
reminder is the one mail an earner can decline. It carries RFC 8058's pair of headers
and a visible link to the page of `preferences_url`, whose POST unsubscribes without a
sign-in (the link's token is signed, the address's hash inside it); the one sender skips
a reminder to an address that declined them. Everything else about a credential goes
whatever the preference: the claim link, its re-sending, and the notices of a change of
the credential's state ("expired", like "revoked", says what happened to the earner's
credential: a notice, not a reminder; the issue names only reminders as non-essential).

Languages (issue 19): a mail about a credential is rendered in the earner's language,
else the credential's `locale` (the issue request's), else English: the issuer's
request (its `Accept-Language`) says nothing about the earner. Mail someone asks for now
(sign-in, import, export) is in the language of that request (the middleware's).
"""

from __future__ import annotations

from typing import Any

from .. import i18n
from ..adapters import mail, objects
from ..config import get_settings
from ..domain.clock import iso, parse_iso
from ..domain.errors import AddressSuppressed, BadRequest, NotFound, ServiceUnavailable
from ..i18n import _
from ..web import render
from . import audit, clock


def claim_url(credential_id: str, token: str) -> str:
    return f"{get_settings().public_base_url}/claim/{credential_id}?token={token}"


def verify_url(credential_id: str) -> str:
    return f"{get_settings().public_base_url}/badges/{credential_id}"


# ------------------------------------------------------------------ the one sender


SENT, REFUSED, SUPPRESSED, UNSUBSCRIBED = "sent", "refused", "suppressed", "unsubscribed"
# the mails an address may decline (issue 19: "non-essential mail (reminders)")
NON_ESSENTIAL = frozenset({"expiry_reminder"})


def _deliver(message: mail.Message, kind: str, known_suppressed: bool | None = None, requested: bool = False) -> str:
    """Hand the message to SES unless its address is suppressed: SENT, REFUSED (SES
    refused it: logged and counted once), SUPPRESSED (not handed to SES at all) or, for
    a NON_ESSENTIAL kind, UNSUBSCRIBED (the address declined it with a mail's link).
    `known_suppressed`: the caller read the suppression list already (issuance does, in
    its one BatchGetItem). `requested`: see `suppressed`."""
    from ..logs import logger

    if suppressed(message.to, requested=requested) if known_suppressed is None else known_suppressed:
        logger().info("mail not sent: address suppressed", extra={"mail": kind})
        return SUPPRESSED
    if kind in NON_ESSENTIAL and unsubscribed(message.to):
        logger().info("mail not sent: the address unsubscribed from it", extra={"mail": kind})
        return UNSUBSCRIBED
    try:
        message_id = mail.send(message)
    except mail.MailNotSent as exc:
        _refused(kind, str(exc))
        return REFUSED
    if get_settings().local_aws_endpoint:
        _keep_local_copy(message, message_id)
    return SENT


def unsubscribed(address: str) -> bool:
    """Did the address decline non-essential mail? (One GetItem, by the address's hash.)"""
    from ..domain.ids import email_hash
    from ..store import mail_prefs

    return mail_prefs.opted_out(email_hash(address))


def not_to_mail(address: str, kind: str) -> bool:
    """A mail of `kind` that was not sent is not to be retried: the address is suppressed,
    or declined this kind of mail (the expiry mails' worker, services/expiry.deliver_mail)."""
    return suppressed(address) or (kind in NON_ESSENTIAL and unsubscribed(address))


def suppressed(address: str, *, requested: bool = False) -> bool:
    """Is the address on the suppression list? (One GetItem, by the address's hash.)

    `requested`: mail the person at the address asks for now (a sign-in link, an import's
    confirmation, their data export). A complaint does not stop that: anyone can make Laurel
    mail any address with a sign-in request, and the owner's "report spam" on that mail must
    not lock the owner out. A permanent bounce does (the mailbox does not take mail)."""
    from ..domain.ids import email_hash
    from ..store import suppression

    item = suppression.get(email_hash(address))
    return item is not None and not (requested and item.reason == "complaint")


def mail_context_among(items: list[Any]) -> tuple[set[str], dict[str, str]]:
    """For these credentials' recipients, in one BatchGetItem: the hashes on the suppression
    list, and the language each address's owner chose (hash → locale). Bulk issuance reads a
    chunk's claim mails' context at once (`send_claim`'s `suppressed` and `earner_locale`)."""
    from ..store import suppression

    return suppression.mail_context_among([item.email_hash for item in items])


def require_mailable(address: str, what: str, *, requested: bool = False) -> None:
    """Refuse (409 `address_suppressed`) before anything is stored for a mail that could
    not go: the sign-in request checks this first, whether or not it will mail."""
    if suppressed(address, requested=requested):
        _require(SUPPRESSED, what)


def _send(message: mail.Message, kind: str) -> bool:
    """True when SES accepted the message; a refusal is logged and counted (once), a
    suppressed address is not mailed."""
    return _deliver(message, kind) == SENT


def _send_required(message: mail.Message, kind: str, what: str, *, requested: bool = False) -> None:
    """Send mail the use case needs: a refusal is a 503 `mail_not_sent`, a suppressed
    address a 409 `address_suppressed` (`requested`: see `suppressed`)."""
    _require(_deliver(message, kind, requested=requested), what)


def _require(outcome: str, what: str) -> None:
    if outcome == SUPPRESSED:
        raise AddressSuppressed(f"{what} was not sent: mail to this address bounced or was reported as spam, so "
                                "Laurel no longer sends mail to it; use another address")
    _require_sent(outcome == SENT, what)


def _require_sent(ok: bool, what: str) -> None:
    if not ok:
        raise ServiceUnavailable(f"{what} could not be sent; try again later", code="mail_not_sent")


def _refused(kind: str, reason: str) -> None:
    from ..logs import logger

    log = logger()
    log.warning("mail not sent", extra={"mail": kind, "reason": reason[:300]})
    try:
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        metrics = EphemeralMetrics(namespace="Laurel", service="mail")
        metrics.add_metric(name="MailNotSent", unit=MetricUnit.Count, value=1)
        metrics.add_metadata(key="mail", value=kind)
        metrics.flush_metrics()
    except Exception:  # noqa: BLE001 - the warning above already records the refusal
        log.exception("mail failure metric not emitted")


def branding(tenant_id: str | None, issuer: Any = None) -> dict | None:
    """The organization's mail branding as it is now (one read of its profile, unless
    the caller has the profile already); None when it has none."""
    if tenant_id is None:
        return None
    if issuer is None:
        from ..store import issuers as issuer_store

        issuer = issuer_store.get_issuer(tenant_id)
    if issuer is None:
        return None
    return {"name": issuer.name, "from_name": issuer.mail_from_name, "reply_to": issuer.mail_reply_to,
            "footer": issuer.mail_footer, "logo_url": objects.public_url(issuer.logo_key)}


def _message(to: str, subject: str, template: str, brand: dict | None = None, *,
             tags: tuple[tuple[str, str], ...] = (), headers: tuple[tuple[str, str], ...] = (),
             **ctx: Any) -> mail.Message:
    """A mail rendered in the mail layout (web/templates/mail/_layout.*) in the current
    language (callers wrap it, and the subject they translate, in `i18n.using`): `brand`,
    when given, sets the sender's name, the reply-to address, the logo and the footer."""
    brand = brand or {}
    return mail.Message(to=to, subject=subject, html=render(f"mail/{template}.html", brand=brand, **ctx),
                        text=render(f"mail/{template}.txt", brand=brand, **ctx),
                        from_name=brand.get("from_name"), reply_to=brand.get("reply_to"), tags=tags,
                        headers=headers)


def _one_click(url: str) -> tuple[tuple[str, str], ...]:
    """RFC 8058: "List-Unsubscribe: <https URI>" plus "List-Unsubscribe-Post:
    List-Unsubscribe=One-Click" (the URI takes the POST)."""
    return (("List-Unsubscribe", f"<{url}>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))


# ------------------------------------------------------------------ languages


_ASK = "ask"  # `earner_locale` not given: read it (one GetItem of the address's owner)


def _earner_locale(email_hash: str) -> str | None:
    """The language the earner owning this address chose (their wallet setting), if any:
    one GetItem of `EMAIL#<hash>/OWNER`, which carries the setting (store/earners.py).
    Issuance and bulk read it with their one BatchGetItem instead (`earner_locale`)."""
    from ..store import earners

    return earners.earner_locale_for_email(email_hash)


def _locale_of(item: Any, earner_locale: str | None = _ASK) -> str:
    """Issue 19: "the language comes from the earner's setting, else the issue request's
    `locale` (API, bulk CSV column, LMS rule), else `Accept-Language`" — the issuer's request
    carries the issuer's Accept-Language, not the earner's, so a credential's mail falls back
    to English instead."""
    known = _earner_locale(item.email_hash) if earner_locale == _ASK else earner_locale
    return i18n.resolve(known, getattr(item, "locale", None))


# ------------------------------------------------------------------ unsubscribing from reminders (issue 19)


def _unsubscribe_serializer() -> Any:
    import hashlib

    from itsdangerous import URLSafeSerializer

    from . import signing

    return URLSafeSerializer(signing.derived_key(b"laurel mail preferences v1"), salt="reminders",
                             signer_kwargs={"digest_method": hashlib.sha256})


def preferences_url(email_hash: str) -> str:
    """The one-click link of a reminder: a token only Laurel can make (HMAC-SHA256 under a
    key derived from the platform secret) naming the address's hash. It does not expire:
    a mail's unsubscribe link must work for as long as the mail is read."""
    token = _unsubscribe_serializer().dumps(email_hash)
    return f"{get_settings().public_base_url}/mail/unsubscribe?token={token}"


def _address_of(token: str) -> str:
    from itsdangerous import BadSignature

    try:
        value = _unsubscribe_serializer().loads(token)
    except BadSignature:  # forged, tampered with, or cut short
        value = None
    if not isinstance(value, str) or len(value) != 64:
        raise BadRequest("This link is not valid: open the link from the mail as it is.", code="invalid_link")
    return value


def mail_preferences(token: str) -> dict:
    """What the link's page shows: whether the address gets reminders (nothing changes)."""
    from ..store import mail_prefs

    return {"token": token, "reminders": not mail_prefs.opted_out(_address_of(token))}


def unsubscribe(token: str) -> dict:
    """The link's POST (the page's button, or a mail client's RFC 8058 one-click POST)."""
    from ..store import mail_prefs

    email_hash = _address_of(token)
    mail_prefs.opt_out(email_hash, iso(clock.utcnow()))
    return {"token": token, "reminders": False}


def resubscribe(token: str) -> dict:
    from ..store import mail_prefs

    mail_prefs.opt_in(_address_of(token))
    return {"token": token, "reminders": True}


# ------------------------------------------------------------------ the local outbox (`make run` only)


def _keep_local_copy(message: mail.Message, message_id: str) -> None:
    """On the local stage, the whole message (both parts, headers, time) is kept for the
    outbox page. The outbox used to read the embedded SES's state through moto's
    /moto-api/data.json, which serializes every object moto ever made: 3 s with the demo
    data alone, past its timeout under the browser tests' load (CI)."""
    import json

    from ..store import object_keys

    sent_at = clock.utcnow_precise().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record = {"id": message_id, "to": message.to, "from": mail.from_address(message.from_name),
              "reply_to": message.reply_to, "subject": message.subject, "html": message.html, "text": message.text,
              "headers": [list(h) for h in message.headers], "sent_at": sent_at}
    try:
        objects.put(object_keys.local_mail_key(sent_at, message_id), json.dumps(record).encode(), "application/json")
    except Exception:  # noqa: BLE001 - the mail is sent; the outbox then misses it (the log says so)
        from ..logs import logger

        logger().exception("local copy of a mail not kept")


LOCAL_OUTBOX_SHOWN = 150  # the newest mails the outbox page lists (each is one read)


def _local_details(key: str) -> dict:
    import json
    import re

    kept = json.loads(objects.get(key))
    headers = [("From", kept.get("from", "")), ("To", kept["to"])]
    headers += [("Reply-To", kept["reply_to"])] if kept.get("reply_to") else []
    headers += [tuple(h) for h in kept.get("headers", [])]
    links = list(dict.fromkeys(re.findall(r'href="([^"]+)"', kept.get("html", ""))))
    return {**kept, "links": links, "headers": headers}


def local_outbox() -> list[dict]:
    """The local outbox, newest first (the newest LOCAL_OUTBOX_SHOWN): each mail's HTML
    part, text part, headers and time."""
    from ..store import object_keys

    if not get_settings().local_aws_endpoint:
        return []
    keys = sorted(objects.list_keys(object_keys.LOCAL_MAIL_PREFIX), reverse=True)[:LOCAL_OUTBOX_SHOWN]
    return [_local_details(key) for key in keys]


def local_message(message_id: str) -> dict:
    """One mail of the local outbox, by its SES message id."""
    from ..store import object_keys

    if get_settings().local_aws_endpoint:
        for key in objects.list_keys(object_keys.LOCAL_MAIL_PREFIX):
            if object_keys.local_mail_id(key) == message_id:
                return _local_details(key)
    raise NotFound("No such message in the local outbox.", code="message_not_found")


def _logged(item: Any, kind: str, outcome: str) -> str:
    """Record a mail about a credential in its history. The mail is out (or refused)
    already: a failure to record it is logged, never turned into a failed request.
    Inside an audited request the record goes with the request's audit entry, in one
    write (services/audit.join), and still before the answer goes out."""
    from ..store import credentials as credential_store

    at, ok, suppressed = iso(clock.utcnow()), outcome == SENT, outcome == SUPPRESSED

    def alone() -> None:
        from pynamodb.exceptions import PynamoDBException

        try:
            credential_store.log_mail(item, at=at, kind=kind, ok=ok, suppressed=suppressed)
        except PynamoDBException:
            from ..logs import logger

            logger().exception("mail not recorded in the credential's history", extra={"mail": kind})

    if not audit.join(credential_store.mail_logged(item, at=at, kind=kind, ok=ok, suppressed=suppressed), alone):
        alone()
    return outcome


def _about(item: Any) -> tuple[tuple[str, str], ...]:
    """SES message tags naming the credential a mail is about and its tenant: SES's bounce
    and complaint events carry them back (`mail.tags`)."""
    return (("credential", item.credential_id), ("tenant", item.tenant_id))


# ------------------------------------------------------------------ credentials


def _claim(item: Any, token: str, issuer: Any = None, earner_locale: str | None = _ASK) -> mail.Message:
    snap = item.snapshot
    brand = branding(item.tenant_id, issuer)
    # issue 19: "the claim mail says when a credential is already expired" (issued with
    # issued_at and expires_at both in the past: services/credentials._dates allows that)
    expired = bool(item.expires_at) and parse_iso(item.expires_at) <= clock.utcnow()
    ctx = {
        "first_name": item.first_name,
        "issuer_name": snap["issuer"]["name"],
        "badge_name": snap["template"]["name"],
        "image_url": objects.public_url(snap["template"].get("image_key")),
        "claim_url": claim_url(item.credential_id, token),
        "claim_until": item.claim_expires_at,
        "credential_expired_on": item.expires_at if expired else None,
        "wallet_url": f"{get_settings().public_base_url}/signin",
    }
    with i18n.using(_locale_of(item, earner_locale)):
        subject = (_("%(issuer)s issued you a credential that has already expired: %(badge)s",
                     issuer=ctx["issuer_name"], badge=ctx["badge_name"]) if expired else
                   _("%(issuer)s issued you a credential: %(badge)s", issuer=ctx["issuer_name"],
                     badge=ctx["badge_name"]))
        return _message(item.email, subject, "claim", brand, tags=_about(item), **ctx)


def send_claim(item: Any, token: str, issuer: Any = None, *, suppressed: bool | None = None,
               earner_locale: str | None = _ASK) -> bool:
    """The claim link at issue time (courtesy: the credential is issued either way).
    `issuer`: the organization's profile when the caller read it already (issuance
    does), so its branding costs no second read; `suppressed` likewise for the
    suppression list, and `earner_locale` for the language the address's owner chose."""
    return _logged(item, "claim", _deliver(_claim(item, token, issuer, earner_locale), "claim", suppressed)) == SENT


def resend_claim(item: Any, token: str) -> None:
    """A re-sent claim link: the issuer asked for this mail (required)."""
    _require(_logged(item, "resend", _deliver(_claim(item, token), "claim")), "the mail with the new claim link")


def send_revoked(item: Any) -> bool:
    snap = item.snapshot
    ctx = {
        "first_name": item.first_name,
        "issuer_name": snap["issuer"]["name"],
        "badge_name": snap["template"]["name"],
        "reason": item.revocation_reason,
        "verify_url": verify_url(item.credential_id) if item.accepted_at else None,
    }
    with i18n.using(_locale_of(item)):
        message = _message(item.email, _("Your credential %(badge)s was revoked", badge=ctx["badge_name"]),
                           "revoked", branding(item.tenant_id), tags=_about(item), **ctx)
    return _logged(item, "revoked", _deliver(message, "revoked")) == SENT


def send_retake(email: str, first_name: str, badge_name: str, text: str, threshold: str,
                tenant_id: str | None = None, locale: str | None = None) -> bool:
    """The learner did not reach the pass mark: no credential, an invitation to retake
    (in the name of `tenant_id`, the organization whose course it was; in the earner's
    language, else the LMS rule's `locale`)."""
    from ..domain.ids import email_hash

    ctx: dict[str, Any] = {"first_name": first_name, "badge_name": badge_name, "text": text, "threshold": threshold}
    with i18n.using(i18n.resolve(_earner_locale(email_hash(email)), locale)):
        return _send(_message(email, _("Almost there: retake to earn %(badge)s", badge=badge_name), "retake",
                              branding(tenant_id), **ctx), "retake")


def _expiry_mail(item: Any, template: str) -> bool:
    snap = item.snapshot
    ctx = {"first_name": item.first_name, "badge_name": snap["template"]["name"],
           "issuer_name": snap["issuer"]["name"], "expires_on": item.expires_at or "",
           "verify_url": verify_url(item.credential_id)}
    headers: tuple[tuple[str, str], ...] = ()
    if template in NON_ESSENTIAL:
        ctx["unsubscribe_url"] = preferences_url(item.email_hash)
        headers = _one_click(ctx["unsubscribe_url"])
    with i18n.using(_locale_of(item)):
        subject = (_("Your credential %(badge)s expires on %(date)s", badge=ctx["badge_name"],
                     date=i18n.format_date(item.expires_at)) if template == "expiry_reminder" else
                   _("Your credential %(badge)s has expired", badge=ctx["badge_name"]))
        message = _message(item.email, subject, template, branding(item.tenant_id), tags=_about(item),
                           headers=headers, **ctx)
    outcome = _deliver(message, template)
    if outcome == UNSUBSCRIBED:  # the earner declined these: not a failure, nothing for the history
        return False
    return _logged(item, template, outcome) == SENT


def send_expiry_reminder(item: Any) -> bool:
    """Non-essential: not sent to an address that unsubscribed (`not_to_mail` tells the worker)."""
    return _expiry_mail(item, "expiry_reminder")


def send_expired(item: Any) -> bool:
    return _expiry_mail(item, "expired")


# ------------------------------------------------------------------ earners


def send_signin(email: str, link: str, code: str, minutes: int, adding: bool, console: bool = False) -> None:
    """A sign-in (or add-an-address) link and code, to the wallet or the issuer console (required)."""
    # in the language of the request that asked for it (the middleware's)
    subject = (_("Your Laurel console sign-in link") if console else
               _("Confirm your address for Laurel") if adding else _("Your Laurel sign-in link"))
    _send_required(_message(email, subject, "signin", link=link, code=code, minutes=minutes, adding=adding,
                            console=console),
                   "signin", "the mail with your sign-in link", requested=True)


def _recipients_language(address: str) -> str:
    """The language of mail to someone who did not ask for it now (an invitation, a support or
    maintenance copy): the language their wallet is set to if the address has one, else
    English, never the language of whoever's request sends it (second review of issue 19)."""
    from ..domain.ids import email_hash

    return i18n.resolve(_earner_locale(email_hash(address)))


def send_invitation(member: Any, inviter: Any) -> bool:
    """An invitation to an organization's console (courtesy: an admin can invite again)."""
    with i18n.using(_recipients_language(member.email)):
        return _send_invitation(member, inviter)


def _send_invitation(member: Any, inviter: Any) -> bool:
    from ..store import issuers as issuer_store

    issuer = issuer_store.get_issuer(member.tenant_id)
    brand = branding(member.tenant_id, issuer) if issuer else None
    ctx = {"organization": issuer.name if issuer else _("an organization"), "role": member.role.replace("_", "-"),
           "inviter": (inviter.name or inviter.email) if inviter else _("Laurel's operators"),
           "link": f"{get_settings().public_base_url}/console/signin", "until": member.expires_at or "",
           "email": member.email}
    return _send(_message(member.email, _("You are invited to %(organization)s on Laurel",
                                          organization=ctx["organization"]), "invitation", brand, **ctx),
                 "invitation")


def send_workforce_invitation(tenant_id: str, email: str, code: str, until: str, inviter: str) -> bool:
    """Issue 20: an organization asks to see an employee's skills (courtesy: the console
    can invite again). In the recipient's wallet language, else English; the organization's
    branding, like its other mails."""
    with i18n.using(_recipients_language(email)):
        from ..store import issuers as issuer_store

        issuer = issuer_store.get_issuer(tenant_id)
        brand = branding(tenant_id, issuer) if issuer else None
        organization = issuer.name if issuer else _("an organization")
        link = f"{get_settings().public_base_url}/wallet/invitations/{code}"
        return _send(_message(email, _("%(organization)s asks to see the skills in your Laurel wallet",
                                       organization=organization), "workforce_invitation", brand,
                              organization=organization, inviter=inviter, link=link, until=until, email=email),
                     "workforce_invitation")


def send_import_confirmation(email: str, name: str, issuer: str, url: str, hours: int) -> None:
    """The link that confirms an import to the badge's recipient (required)."""
    _send_required(_message(email, _("Confirm adding %(name)s to your Laurel collection", name=name), "import",
                            name=name,
                            issuer=issuer, url=url, hours=hours),
                   "import", "the confirmation mail", requested=True)


def send_export(email: str, link: str, minutes: int) -> None:
    """The link to a data export (required)."""
    _send_required(_message(email, _("Your Laurel data export"), "export", link=link, minutes=minutes),
                   "export", "the mail with the export", requested=True)


def send_report(email: str, *, link: str, minutes: int, page: str, what: str) -> bool:
    """The link to an organization's export, to the console member who asked for it
    (courtesy: the job's page in the console shows the link too, and a fresh one)."""
    return _send(_message(email, _("Your Laurel export is ready: %(what)s", what=what), "report", link=link,
                          minutes=minutes,
                          page=page, what=what), "report")


def send_monthly_summary(email: str, *, organization: str, month: str, figures: dict) -> bool:
    """Last month's figures, to an admin who opted in (courtesy)."""
    return _send(_message(email, _("%(organization)s on Laurel: your summary for %(month)s",
                                   organization=organization, month=month), "summary",
                          organization=organization, month=month, f=figures,
                          link=f"{get_settings().public_base_url}/console/account"), "summary")


# ------------------------------------------------------------------ support


def send_maintenance(to: str, window: dict, action: str) -> bool:
    """A maintenance window declared, updated or cancelled (issue 16), to a tenant's admin
    or support contact. Courtesy: the window is stored; mail carries no tenant's data."""
    with i18n.using(_recipients_language(to)):
        subject = _("[Laurel maintenance] %(action)s: %(reason)s (%(start)s to %(end)s)", action=action,
                    reason=window["reason"], start=window["start"], end=window["end"])
        return _send(_message(to, subject, "maintenance", w=window, action=action), "maintenance")


def send_support(to: str, request: dict, what: str) -> bool:
    """A copy of a support request's change (courtesy: the request itself is stored)."""
    with i18n.using(_recipients_language(to)):
        subject = _("[Laurel support #%(number)s] %(what)s: %(subject)s", number=request["id"][:8], what=what,
                    subject=request["subject"])
        return _send(_message(to, subject, "support", r=request, what=what), "support")


# ------------------------------------------------------------------ the public status page (issue 16)


def send_status_confirmation(to: str, confirm_url: str) -> bool:
    """The double opt-in mail of a status subscription: nothing else is sent to the
    address before its link is confirmed. A courtesy: the answer to the form is the
    same whether SES took it or not (it must not tell who is subscribed)."""
    return _send(_message(to, _("Confirm your Laurel status updates"), "status_confirm", confirm_url=confirm_url),
                 "status_confirm")


def send_status_notice(to: str, subject: str, notice: dict, unsubscribe_url: str) -> bool:
    """An incident or maintenance notice to a confirmed subscriber, with RFC 8058
    one-click unsubscribe: "List-Unsubscribe: <https URI>" plus
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click" (the URI takes the POST)."""
    message = _message(to, subject, "status_notice", notice=notice, unsubscribe_url=unsubscribe_url,
                       status_url=f"{get_settings().public_base_url}/status", headers=_one_click(unsubscribe_url))
    return _send(message, "status_notice")


# ------------------------------------------------------------------ talent search (issue 20 item 4)


def send_talent_message(to: str, *, organization: str, subject: str, locale: str | None) -> bool:
    """An organization wrote to an earner through Laurel (courtesy: the message is stored
    and shown in the wallet). In the earner's wallet language, else English; it names the
    organization and links to the wallet, never the recruiter's address, and carries no
    Reply-To: answering is the earner's choice, made in the wallet."""
    with i18n.using(i18n.resolve(locale)):
        link = f"{get_settings().public_base_url}/wallet/messages"
        return _send(_message(to, _("%(organization)s wrote to you on Laurel", organization=organization),
                              "talent_message", organization=organization, topic=subject, link=link),
                     "talent_message")


def send_talent_reply(to: str, *, reply_to: str, name: str, subject: str, text: str) -> None:
    """An earner's reply to an organization's message, to the recruiter who wrote, with
    Reply-To = the earner's address: the moment the address is revealed (required: the
    reply is recorded only once the mail went). In the recruiter's language, else English."""
    with i18n.using(_recipients_language(to)):
        html = render("mail/talent_reply.html", brand={}, name=name, topic=subject, text=text, address=reply_to)
        plain = render("mail/talent_reply.txt", brand={}, name=name, topic=subject, text=text, address=reply_to)
        message = mail.Message(to=to, subject=_("Re: %(subject)s", subject=subject), html=html, text=plain,
                               reply_to=reply_to)
        _send_required(message, "talent_reply", "your reply")
