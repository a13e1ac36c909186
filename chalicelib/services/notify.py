"""The mails Laurel sends about a credential, rendered here and sent through SES."""

from __future__ import annotations

from ..adapters import mail, objects
from ..config import get_settings
from ..web import render


def claim_url(credential_id: str, token: str) -> str:
    return f"{get_settings().public_base_url}/claim/{credential_id}?token={token}"


def verify_url(credential_id: str) -> str:
    return f"{get_settings().public_base_url}/badges/{credential_id}"


def _send(message: mail.Message) -> bool:
    """True when SES accepted the message. A refusal is logged and reported to the
    caller; the credential itself is already safely stored and the mail can be re-sent."""
    try:
        mail.send(message)
    except mail.MailNotSent as exc:
        from ..logs import logger

        logger().warning("mail not sent", extra={"reason": str(exc)[:300]})
        return False
    return True


def send_claim(item, token: str) -> bool:
    snap = item.snapshot
    ctx = {
        "first_name": item.first_name,
        "issuer_name": snap["issuer"]["name"],
        "badge_name": snap["template"]["name"],
        "image_url": objects.public_url(snap["template"].get("image_key")),
        "claim_url": claim_url(item.credential_id, token),
        "expires_on": item.claim_expires_at[:10],
        "wallet_url": f"{get_settings().public_base_url}/signin",
    }
    return _send(
        mail.Message(
            to=item.email,
            subject=f"{ctx['issuer_name']} issued you a credential: {ctx['badge_name']}",
            html=render("mail/claim.html", **ctx),
            text=render("mail/claim.txt", **ctx),
        )
    )


def send_revoked(item) -> bool:
    snap = item.snapshot
    ctx = {
        "first_name": item.first_name,
        "issuer_name": snap["issuer"]["name"],
        "badge_name": snap["template"]["name"],
        "reason": item.revocation_reason,
        "verify_url": verify_url(item.credential_id) if item.accepted_at else None,
    }
    return _send(
        mail.Message(
            to=item.email,
            subject=f"Your credential {ctx['badge_name']} was revoked",
            html=render("mail/revoked.html", **ctx),
            text=render("mail/revoked.txt", **ctx),
        )
    )


def send_retake(email: str, first_name: str, badge_name: str, text: str, threshold: str) -> bool:
    """The learner did not reach the pass mark: no credential, an invitation to retake."""
    ctx = {"first_name": first_name, "badge_name": badge_name, "text": text, "threshold": threshold}
    return _send(
        mail.Message(
            to=email,
            subject=f"Almost there: retake to earn {badge_name}",
            html=render("mail/retake.html", **ctx),
            text=render("mail/retake.txt", **ctx),
        )
    )


def _expiry_mail(item, subject: str, template: str) -> bool:
    snap = item.snapshot
    ctx = {"first_name": item.first_name, "badge_name": snap["template"]["name"],
           "issuer_name": snap["issuer"]["name"], "expires_on": (item.expires_at or "")[:10],
           "verify_url": verify_url(item.credential_id)}
    return _send(mail.Message(to=item.email, subject=subject.format(**ctx),
                              html=render(f"mail/{template}.html", **ctx), text=render(f"mail/{template}.txt", **ctx)))


def send_expiry_reminder(item) -> bool:
    return _expiry_mail(item, "Your credential {badge_name} expires on {expires_on}", "expiry_reminder")


def send_expired(item) -> bool:
    return _expiry_mail(item, "Your credential {badge_name} has expired", "expired")
