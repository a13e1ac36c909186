"""Where an earner shows a credential: LinkedIn's Add-to-profile form, share links of
social networks, and HTML snippets to embed. Pure: URLs and text, no I/O.

LinkedIn's Add-to-profile URL pre-fills the "Licenses & certifications" form:
https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=...&organizationId=...
(`organizationId` when the issuer has a LinkedIn company page, else `organizationName`),
`issueYear`/`issueMonth`, `expirationYear`/`expirationMonth` when it expires,
`certUrl` (the verification page) and `certId` (the credential id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote, urlencode

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


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


def linkedin_fields(c: Shareable) -> list[tuple[str, str]]:
    """The Add-to-profile parameters, in LinkedIn's order; shown for manual copy too."""
    fields = [("startTask", "CERTIFICATION_NAME"), ("name", c.badge_name)]
    if c.linkedin_organization_id:
        fields.append(("organizationId", c.linkedin_organization_id))
    else:
        fields.append(("organizationName", c.issuer_name))
    fields += [("issueYear", str(c.issued_at.year)), ("issueMonth", str(c.issued_at.month))]
    if c.expires_at is not None:
        fields += [("expirationYear", str(c.expires_at.year)), ("expirationMonth", str(c.expires_at.month))]
    fields += [("certUrl", c.url), ("certId", c.credential_id)]
    return fields


def linkedin_add_url(c: Shareable) -> str:
    return f"{LINKEDIN_ADD}?{urlencode(linkedin_fields(c))}"


def share_text(c: Shareable) -> str:
    return f"I earned {c.badge_name} from {c.issuer_name}. View my verified achievement:"


def with_ref(url: str, ref: str) -> str:
    """The page URL marked with where the link was put (`ref=`): the engagement counters
    attribute a visit by it when the Referer is missing (apps and mail clients drop it)."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'ref': ref})}"


# the networks the wallet's share buttons lead to, in display order: (key, label)
SHARE_NETWORKS = (("linkedin", "LinkedIn"), ("facebook", "Facebook"), ("x", "X"), ("whatsapp", "WhatsApp"),
                  ("xing", "XING"), ("email", "Email"))


def share_url(c: Shareable, network: str) -> str:
    """The network's own share dialog (none needs a script) for the page marked with
    that network; a mail draft for `email`."""
    text = share_text(c)
    url = with_ref(c.url, network)
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
    if network == "email":
        return "mailto:?" + urlencode({"subject": f"{c.badge_name} from {c.issuer_name}", "body": f"{text} {url}"},
                                      quote_via=quote)
    raise ValueError(f"not a share network: {network!r}")


def share_links(c: Shareable) -> list[tuple[str, str]]:
    """(network, URL) for each network's own share dialog; none of them needs a script."""
    return [(label, share_url(c, key)) for key, label in SHARE_NETWORKS]


def image_route(c: Shareable, ref: str) -> str:
    """The badge image through Laurel's image route (`/badges/{id}/image`), marked with
    where it is shown (`embed`, `signature`): each load is counted, then redirected."""
    return f"{c.url}/image?{urlencode({'ref': ref})}"


def embed_snippet(c: Shareable, size: int = 150) -> str:
    """An image inside a link: no iframe, no script, works on any page that allows HTML."""
    label = escape(f"{c.badge_name}, issued by {c.issuer_name}", quote=True)
    if c.image_url:
        src = escape(image_route(c, "embed"), quote=True)
        inner = f'<img src="{src}" alt="{label}" width="{size}" height="{size}">'
    else:
        inner = escape(c.badge_name)
    return f'<a href="{escape(with_ref(c.url, "embed"), quote=True)}" title="{label}">{inner}</a>'


def signature_snippet(c: Shareable, size: int = 48) -> str:
    """A small image and a line of text, for an email signature (its link: `ref=email`)."""
    label = escape(f"{c.badge_name}, issued by {c.issuer_name}", quote=True)
    url = escape(with_ref(c.url, "email"), quote=True)
    img = (f'<img src="{escape(image_route(c, "signature"), quote=True)}" alt="{label}" width="{size}" '
           f'height="{size}" style="vertical-align:middle;border:0">' if c.image_url else "")
    return (f'<a href="{url}" style="text-decoration:none">{img}</a> '
            f'<a href="{url}">{escape(c.badge_name)}</a> · {escape(c.issuer_name)}')
