"""Where an earner shows a credential: LinkedIn's Add-to-profile form, share links of
social networks, and HTML snippets to embed. Pure: URLs and text, no I/O.

LinkedIn's Add-to-profile URL pre-fills the "Licenses & certifications" form:
https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=...&organizationId=...
(`organizationId` when the issuer has a LinkedIn company page, else `organizationName`),
`issueYear`/`issueMonth`, `expirationYear`/`expirationMonth` when it expires,
`certUrl` (the verification page) and `certId` (the credential id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote, urlencode, urlsplit

from ..i18n import _

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
# ZipRecruiter offers no share dialog that takes a link (no "intent" URL): its button opens the
# candidate profile, where certifications are added by hand from the fields the wallet shows
ZIPRECRUITER_PROFILE = "https://www.ziprecruiter.com/candidate/profile"


@dataclass(frozen=True)
class Shareable:
    credential_id: str
    badge_name: str
    issuer_name: str
    issued_at: datetime
    expires_at: datetime | None
    url: str  # the public verification page
    image_url: str | None
    linkedin_organization_id: str | None = None
    # the issuer's name as its profile says now (LinkedIn's organization, read at share time)
    organization_name: str | None = None
    earner_name: str = ""
    locale: str = "en"  # the language of the card the snippets show


CARD_WIDTH, CARD_HEIGHT = 1200, 630  # web/share_card.py's size, what og:image:width/height say


def card_url(c: Shareable, ref: str | None = None) -> str:
    """The share card route (`/badges/{id}/card.png`): the card of the credential's state
    now; `ref`: where it is shown (`embed`), counted like the badge image's loads."""
    return f"{c.url}/card.png?{urlencode({'lang': c.locale, **({'ref': ref} if ref else {})})}"


def linkedin_fields(c: Shareable) -> list[tuple[str, str]]:
    """The Add-to-profile parameters, in LinkedIn's order; shown for manual copy too."""
    fields = [("startTask", "CERTIFICATION_NAME"), ("name", c.badge_name)]
    if c.linkedin_organization_id:
        fields.append(("organizationId", c.linkedin_organization_id))
    else:
        fields.append(("organizationName", c.organization_name or c.issuer_name))
    fields += [("issueYear", str(c.issued_at.year)), ("issueMonth", str(c.issued_at.month))]
    if c.expires_at is not None:
        fields += [("expirationYear", str(c.expires_at.year)), ("expirationMonth", str(c.expires_at.month))]
    fields += [("certUrl", c.url), ("certId", c.credential_id)]
    return fields


def manual_fields(c: Shareable) -> list[tuple[str, str]]:
    """The fields to copy into LinkedIn (or ZipRecruiter) by hand: LinkedIn's, with the
    organization's name always shown (an id alone tells a person nothing)."""
    fields = linkedin_fields(c)[1:]
    if c.linkedin_organization_id:
        at = next(i for i, (name, _value) in enumerate(fields) if name == "organizationId")
        fields.insert(at, ("organizationName", c.organization_name or c.issuer_name))
    return fields


def linkedin_add_url(c: Shareable) -> str:
    return f"{LINKEDIN_ADD}?{urlencode(linkedin_fields(c))}"


def share_text(c: Shareable) -> str:
    return _("I earned %(credential)s from %(issuer)s. View my verified achievement:",
             credential=c.badge_name, issuer=c.issuer_name)


def with_ref(url: str, ref: str, lang: str | None = None) -> str:
    """The page URL marked with where the link was put (`ref=`): the engagement counters
    attribute a visit by it when the Referer is missing (apps and mail clients drop it).
    `lang`: the language the page and its preview are shown in (the sharer's)."""
    params = [("ref", ref)] + ([("lang", lang.replace("_", "-"))] if lang else [])
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


# the networks the wallet's share buttons lead to, in display order: (key, label)
SHARE_NETWORKS = (("linkedin", "LinkedIn"), ("facebook", "Facebook"), ("x", "X"), ("whatsapp", "WhatsApp"),
                  ("xing", "XING"), ("ziprecruiter", "ZipRecruiter"), ("email", "Email"))


def share_url(c: Shareable, network: str) -> str:
    """The network's own share dialog (none needs a script) for the page marked with
    that network; a mail draft for `email`."""
    text = share_text(c)
    # issue 19: the language comes from the earner's setting first; a crawler fetching the shared
    # link sends no Accept-Language of the earner, so the link carries the wallet's language
    url = with_ref(c.url, network, c.locale)
    if network == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})
    if network == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})
    if network == "x":
        return "https://x.com/intent/post?" + urlencode({"text": text, "url": url})
    if network == "whatsapp":
        return "https://wa.me/?" + urlencode({"text": f"{text} {url}"})
    if network == "xing":
        return "https://www.xing.com/spi/shares/new?" + urlencode({"url": url})
    if network == "ziprecruiter":
        return ZIPRECRUITER_PROFILE
    if network == "email":
        subject = _("%(credential)s from %(issuer)s", credential=c.badge_name, issuer=c.issuer_name)
        return "mailto:?" + urlencode({"subject": subject, "body": f"{text} {url}"}, quote_via=quote)
    raise ValueError(f"not a share network: {network!r}")


def share_links(c: Shareable) -> list[tuple[str, str]]:
    """(network, URL) for each network's own share dialog; none of them needs a script."""
    return [(label, share_url(c, key)) for key, label in SHARE_NETWORKS]


def image_route(c: Shareable, ref: str) -> str:
    """The badge image through Laurel's image route (`/badges/{id}/image`), marked with
    where it is shown (`embed`, `signature`): each load is counted, then redirected."""
    return f"{c.url}/image?{urlencode({'ref': ref})}"


EMBED_WIDTH = 400  # the embed card's width in CSS pixels; its image keeps the share card's 1.91:1
EMBED_TEXT_HEIGHT = 64  # the two lines of text under the image


def embed_size(max_width: int | None = None) -> tuple[int, int]:
    """(width, height) of the embed card, no wider than `max_width` (oEmbed's maxwidth)."""
    width = EMBED_WIDTH if not max_width else max(1, min(EMBED_WIDTH, max_width))
    return width, round(width * CARD_HEIGHT / CARD_WIDTH) + EMBED_TEXT_HEIGHT


def embed_card(c: Shareable, max_width: int | None = None) -> str:
    """The embeddable card (issue 19, item 3): the share card's image, which follows the
    credential's state (revoked, expired) wherever the snippet was pasted, inside a link
    to the verification page, and the credential, issuer and earner in text. HTML with
    inline styles only: no script, no iframe, no style sheet to load."""
    width, height = embed_size(max_width)
    image_height = height - EMBED_TEXT_HEIGHT
    alt = escape(_("%(credential)s, issued by %(issuer)s to %(name)s: its current status",
                   credential=c.badge_name, issuer=c.issuer_name, name=c.earner_name), quote=True)
    href = escape(with_ref(c.url, "embed"), quote=True)
    src = escape(card_url(c, "embed"), quote=True)
    by = escape(_("%(issuer)s · issued to %(name)s", issuer=c.issuer_name, name=c.earner_name))
    return (f'<a href="{href}" style="display:inline-block;width:{width}px;max-width:100%;border:1px solid #ccc;'
            'border-radius:8px;overflow:hidden;color:#1a1a1a;background:#fff;text-decoration:none;'
            f'font:14px/1.4 sans-serif"><img src="{src}" alt="{alt}" width="{width}" height="{image_height}" '
            'style="display:block;width:100%;height:auto;border:0"><span style="display:block;padding:8px 12px">'
            f'<strong>{escape(c.badge_name)}</strong><br>{by}</span></a>')


OEMBED_MAX_URL = 2048


def credential_id_in(url: str, base_url: str) -> str | None:
    """The credential id a verification page URL of this deployment names
    (`<base>/badges/<id>`, any query or fragment), else None."""
    if len(url) > OEMBED_MAX_URL:
        return None
    try:
        parts, base = urlsplit(url), urlsplit(base_url)
    except ValueError:  # "http://[abc/…": an unterminated IPv6 host
        return None
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    match = re.fullmatch(re.escape(base.path.rstrip("/")) + r"/badges/([A-Za-z0-9-]{1,100})/?", parts.path)
    return match.group(1) if match else None


def oembed(c: Shareable, provider_url: str, max_width: int | None = None) -> dict:
    """oEmbed 1.0 (https://oembed.com, 2.3.4): a `rich` response, whose "html" is "the
    HTML required to display the resource", and whose "width" and "height" are "required"
    and "in pixels"; "the thumbnail_width and thumbnail_height parameters are only present
    when thumbnail_url is" (the share card)."""
    width, height = embed_size(max_width)
    return {
        "version": "1.0", "type": "rich",
        "title": _("%(credential)s, issued by %(issuer)s to %(name)s",
                   credential=c.badge_name, issuer=c.issuer_name, name=c.earner_name),
        "author_name": c.earner_name,
        "provider_name": "Laurel", "provider_url": provider_url,
        "cache_age": 300,  # the card's image follows the state itself; the text changes rarely
        "html": embed_card(c, max_width), "width": width, "height": height,
        "thumbnail_url": card_url(c), "thumbnail_width": CARD_WIDTH, "thumbnail_height": CARD_HEIGHT,
    }


def embed_snippet(c: Shareable, size: int = 150) -> str:
    """An image inside a link: no iframe, no script, works on any page that allows HTML."""
    label = escape(_("%(credential)s, issued by %(issuer)s", credential=c.badge_name, issuer=c.issuer_name),
                   quote=True)
    if c.image_url:
        src = escape(image_route(c, "embed"), quote=True)
        inner = f'<img src="{src}" alt="{label}" width="{size}" height="{size}">'
    else:
        inner = escape(c.badge_name)
    return f'<a href="{escape(with_ref(c.url, "embed"), quote=True)}" title="{label}">{inner}</a>'


def signature_snippet(c: Shareable, size: int = 48) -> str:
    """A small image and a line of text, for an email signature (its link: `ref=email`)."""
    label = escape(_("%(credential)s, issued by %(issuer)s", credential=c.badge_name, issuer=c.issuer_name),
                   quote=True)
    url = escape(with_ref(c.url, "email"), quote=True)
    img = (f'<img src="{escape(image_route(c, "signature"), quote=True)}" alt="{label}" width="{size}" '
           f'height="{size}" style="vertical-align:middle;border:0">' if c.image_url else "")
    return (f'<a href="{url}" style="text-decoration:none">{img}</a> '
            f'<a href="{url}">{escape(c.badge_name)}</a> · {escape(c.issuer_name)}')


def signature_line(chosen: list[Shareable], size: int = 32) -> str:
    """Several credentials in one line of an email signature (issue 19, item 3), in the
    order the earner chose them, separated by a middle bar."""
    return " | ".join(signature_snippet(c, size) for c in chosen)
