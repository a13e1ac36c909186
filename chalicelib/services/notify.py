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
"""

from __future__ import annotations

from typing import Any

from ..adapters import mail, objects
from ..config import get_settings
from ..domain.clock import iso
from ..domain.errors import AddressSuppressed, ServiceUnavailable
from ..web import render
from . import clock


def claim_url(credential_id: str, token: str) -> str:
    return f"{get_settings().public_base_url}/claim/{credential_id}?token={token}"


def verify_url(credential_id: str) -> str:
    return f"{get_settings().public_base_url}/badges/{credential_id}"


# ------------------------------------------------------------------ the one sender


SENT, REFUSED, SUPPRESSED = "sent", "refused", "suppressed"


def _deliver(message: mail.Message, kind: str, known_suppressed: bool | None = None, requested: bool = False) -> str:
    """Hand the message to SES unless its address is suppressed: SENT, REFUSED (SES
    refused it: logged and counted once) or SUPPRESSED (not handed to SES at all).
    `known_suppressed`: the caller read the suppression list already (issuance does, in
    its one BatchGetItem). `requested`: see `suppressed`."""
    if suppressed(message.to, requested=requested) if known_suppressed is None else known_suppressed:
        from ..logs import logger

        logger().info("mail not sent: address suppressed", extra={"mail": kind})
        return SUPPRESSED
    try:
        mail.send(message)
    except mail.MailNotSent as exc:
        _refused(kind, str(exc))
        return REFUSED
    return SENT


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


def suppressed_among(items: list[Any]) -> set[str]:
    """The recipient hashes of these credentials that are on the suppression list (one
    BatchGetItem): bulk issuance checks a chunk's claim mails at once (`send_claim`'s
    `suppressed`)."""
    from ..store import suppression

    return suppression.suppressed_among([item.email_hash for item in items])


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
             tags: tuple[tuple[str, str], ...] = (), **ctx: Any) -> mail.Message:
    """A mail rendered in the mail layout (web/templates/mail/_layout.*): `brand`, when
    given, sets the sender's name, the reply-to address, the logo and the footer."""
    brand = brand or {}
    return mail.Message(to=to, subject=subject, html=render(f"mail/{template}.html", brand=brand, **ctx),
                        text=render(f"mail/{template}.txt", brand=brand, **ctx),
                        from_name=brand.get("from_name"), reply_to=brand.get("reply_to"), tags=tags)


def _logged(item: Any, kind: str, outcome: str) -> str:
    """Record a mail about a credential in its history. The mail is out (or refused)
    already: a failure to record it is logged, never turned into a failed request."""
    from pynamodb.exceptions import PynamoDBException

    from ..store import credentials as credential_store

    try:
        credential_store.log_mail(item, at=iso(clock.utcnow()), kind=kind, ok=outcome == SENT,
                                  suppressed=outcome == SUPPRESSED)
    except PynamoDBException:
        from ..logs import logger

        logger().exception("mail not recorded in the credential's history", extra={"mail": kind})
    return outcome


def _about(item: Any) -> tuple[tuple[str, str], ...]:
    """SES message tags naming the credential a mail is about and its tenant: SES's bounce
    and complaint events carry them back (`mail.tags`)."""
    return (("credential", item.credential_id), ("tenant", item.tenant_id))


# ------------------------------------------------------------------ credentials


def _claim(item: Any, token: str, issuer: Any = None) -> mail.Message:
    snap = item.snapshot
    brand = branding(item.tenant_id, issuer)
    ctx = {
        "first_name": item.first_name,
        "issuer_name": snap["issuer"]["name"],
        "badge_name": snap["template"]["name"],
        "image_url": objects.public_url(snap["template"].get("image_key")),
        "claim_url": claim_url(item.credential_id, token),
        "expires_on": item.claim_expires_at[:10],
        "wallet_url": f"{get_settings().public_base_url}/signin",
    }
    return _message(item.email, f"{ctx['issuer_name']} issued you a credential: {ctx['badge_name']}", "claim", brand,
                    tags=_about(item), **ctx)


def send_claim(item: Any, token: str, issuer: Any = None, *, suppressed: bool | None = None) -> bool:
    """The claim link at issue time (courtesy: the credential is issued either way).
    `issuer`: the organization's profile when the caller read it already (issuance
    does), so its branding costs no second read; `suppressed` likewise for the
    suppression list."""
    return _logged(item, "claim", _deliver(_claim(item, token, issuer), "claim", suppressed)) == SENT


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
    message = _message(item.email, f"Your credential {ctx['badge_name']} was revoked", "revoked",
                       branding(item.tenant_id), tags=_about(item), **ctx)
    return _logged(item, "revoked", _deliver(message, "revoked")) == SENT


def send_retake(email: str, first_name: str, badge_name: str, text: str, threshold: str,
                tenant_id: str | None = None) -> bool:
    """The learner did not reach the pass mark: no credential, an invitation to retake
    (in the name of `tenant_id`, the organization whose course it was)."""
    ctx: dict[str, Any] = {"first_name": first_name, "badge_name": badge_name, "text": text, "threshold": threshold}
    return _send(_message(email, f"Almost there: retake to earn {badge_name}", "retake", branding(tenant_id), **ctx),
                 "retake")


def _expiry_mail(item: Any, subject: str, template: str) -> bool:
    snap = item.snapshot
    ctx = {"first_name": item.first_name, "badge_name": snap["template"]["name"],
           "issuer_name": snap["issuer"]["name"], "expires_on": (item.expires_at or "")[:10],
           "verify_url": verify_url(item.credential_id)}
    message = _message(item.email, subject.format(**ctx), template, branding(item.tenant_id), tags=_about(item),
                       **ctx)
    return _logged(item, template, _deliver(message, template)) == SENT


def send_expiry_reminder(item: Any) -> bool:
    return _expiry_mail(item, "Your credential {badge_name} expires on {expires_on}", "expiry_reminder")


def send_expired(item: Any) -> bool:
    return _expiry_mail(item, "Your credential {badge_name} has expired", "expired")


# ------------------------------------------------------------------ earners


def send_signin(email: str, link: str, code: str, minutes: int, adding: bool, console: bool = False) -> None:
    """A sign-in (or add-an-address) link and code, to the wallet or the issuer console (required)."""
    subject = ("Your Laurel console sign-in link" if console else
               "Confirm your address for Laurel" if adding else "Your Laurel sign-in link")
    _send_required(_message(email, subject, "signin", link=link, code=code, minutes=minutes, adding=adding,
                            console=console),
                   "signin", "the mail with your sign-in link", requested=True)


def send_invitation(member: Any, inviter: Any) -> bool:
    """An invitation to an organization's console (courtesy: an admin can invite again)."""
    from ..store import issuers as issuer_store

    issuer = issuer_store.get_issuer(member.tenant_id)
    brand = branding(member.tenant_id, issuer) if issuer else None
    ctx = {"organization": issuer.name if issuer else "an organization", "role": member.role.replace("_", "-"),
           "inviter": (inviter.name or inviter.email) if inviter else "Laurel's operators",
           "link": f"{get_settings().public_base_url}/console/signin", "until": (member.expires_at or "")[:10],
           "email": member.email}
    return _send(_message(member.email, f"You are invited to {ctx['organization']} on Laurel", "invitation", brand,
                          **ctx), "invitation")


def send_import_confirmation(email: str, name: str, issuer: str, url: str, hours: int) -> None:
    """The link that confirms an import to the badge's recipient (required)."""
    _send_required(_message(email, f"Confirm adding {name} to your Laurel collection", "import", name=name,
                            issuer=issuer, url=url, hours=hours),
                   "import", "the confirmation mail", requested=True)


def send_export(email: str, link: str, minutes: int) -> None:
    """The link to a data export (required)."""
    _send_required(_message(email, "Your Laurel data export", "export", link=link, minutes=minutes),
                   "export", "the mail with the export", requested=True)


def send_report(email: str, *, link: str, minutes: int, page: str, what: str) -> bool:
    """The link to an organization's export, to the console member who asked for it
    (courtesy: the job's page in the console shows the link too, and a fresh one)."""
    return _send(_message(email, f"Your Laurel export is ready: {what}", "report", link=link, minutes=minutes,
                          page=page, what=what), "report")


def send_monthly_summary(email: str, *, organization: str, month: str, figures: dict) -> bool:
    """Last month's figures, to an admin who opted in (courtesy)."""
    return _send(_message(email, f"{organization} on Laurel: your summary for {month}", "summary",
                          organization=organization, month=month, f=figures,
                          link=f"{get_settings().public_base_url}/console/account"), "summary")


# ------------------------------------------------------------------ support


def send_maintenance(to: str, window: dict, action: str) -> bool:
    """A maintenance window declared, updated or cancelled (issue 16), to a tenant's admin
    or support contact. Courtesy: the window is stored; mail carries no tenant's data."""
    when = f"{window['start']} to {window['end']}"
    subject = f"[Laurel maintenance] {action}: {window['reason']} ({when})"
    return _send(_message(to, subject, "maintenance", w=window, action=action), "maintenance")


def send_support(to: str, request: dict, what: str) -> bool:
    """A copy of a support request's change (courtesy: the request itself is stored)."""
    subject = f"[Laurel support #{request['id'][:8]}] {what}: {request['subject']}"
    return _send(_message(to, subject, "support", r=request, what=what), "support")


# ------------------------------------------------------------------ the public status page (issue 16)


def send_status_confirmation(to: str, confirm_url: str) -> bool:
    """The double opt-in mail of a status subscription: nothing else is sent to the
    address before its link is confirmed. A courtesy: the answer to the form is the
    same whether SES took it or not (it must not tell who is subscribed)."""
    return _send(_message(to, "Confirm your Laurel status updates", "status_confirm", confirm_url=confirm_url),
                 "status_confirm")


def send_status_notice(to: str, subject: str, notice: dict, unsubscribe_url: str) -> bool:
    """An incident or maintenance notice to a confirmed subscriber, with RFC 8058
    one-click unsubscribe: "List-Unsubscribe: <https URI>" plus
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click" (the URI takes the POST)."""
    message = _message(to, subject, "status_notice", notice=notice, unsubscribe_url=unsubscribe_url,
                       status_url=f"{get_settings().public_base_url}/status")
    from dataclasses import replace

    message = replace(message, headers=(("List-Unsubscribe", f"<{unsubscribe_url}>"),
                                        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")))
    return _send(message, "status_notice")
