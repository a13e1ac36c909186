"""The public status page (no sign-in): `/status`, its Atom feed, and mail subscriptions
(double opt-in, RFC 8058 one-click unsubscribe). The page and the feed are served from
the published snapshot (services/status.py), cacheable by the CDN for a minute."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..config import get_settings
from ..i18n import N_, _
from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

status = LazyModule("chalicelib.services.status")
web = LazyModule("chalicelib.web")
pages = LazyModule("chalicelib.web.status")

MAX_AGE = 60  # "Cacheable by the CDN": a minute, as often as the probes publish
LINK_UNUSABLE = N_("This link cannot be used")  # a refusal page's title (translated by _guards.refusal)


def _link(request: Any) -> Any:
    """The token of a mailed link: from its query string (the link itself, and RFC 8058's
    one-click POST to it) or from the page's form. One parameter, so no `&` can be
    mangled on the way (an HTML mail's `&amp;`)."""
    from .. import schemas

    token = http.query_param(request, "token", max_length=300)
    if token:
        return http.validate(schemas.StatusLinkIn, {"token": token})
    return http.parse_form(request, schemas.StatusLinkIn)


@guard.public("/status", errors="html")
def status_page() -> Response:
    request = bp.current_request
    snapshot = status.current()
    body, css = pages.render_page(snapshot)
    headers = {**web.page_headers(), "Content-Security-Policy": web.content_security_policy(styles=(css,))}
    return http.cached(request, body, content_type="text/html; charset=utf-8", headers=headers, max_age=MAX_AGE)


@guard.public("/status/feed.atom")
def status_feed() -> Response:
    body = pages.atom_feed(status.current(), get_settings().public_base_url)
    return http.cached(bp.current_request, body, content_type="application/atom+xml; charset=utf-8",
                       headers={"X-Content-Type-Options": "nosniff"}, max_age=MAX_AGE)


@guard.public("/status/subscribe", "POST", errors="html")
def status_subscribe() -> Response:
    from .. import schemas

    request = bp.current_request
    data = http.parse_form(request, schemas.StatusSubscribeIn)
    status.subscribe(str(data.email), http.client_address(request))
    # the same answer whatever the address's state (new, pending, subscribed)
    return web.page("message.html", 200, title=_("Check your inbox"),
                    message=_("If this address can be subscribed, a confirmation link is on its way to it. "
                              "Nothing else is sent until the link is confirmed."),
                    link=_back())


@guard.public("/status/subscription/confirm", errors="html", title=LINK_UNUSABLE)
def status_confirm_form() -> Response:
    """The mailed link shows a button (mail scanners follow links; only the POST confirms)."""
    data = _link(bp.current_request)
    return _button(_("Confirm your subscription"), _("Send Laurel's status updates to this address?"),
                   "/status/subscription/confirm", data, _("Confirm subscription"))


@guard.public("/status/subscription/confirm", "POST", errors="html", title=LINK_UNUSABLE)
def status_confirm() -> Response:
    data = _link(bp.current_request)
    status.confirm(data.address_hash, data.secret)
    return web.page("message.html", 200, title=_("Subscribed"),
                    message=_("This address will get a mail for each incident update and maintenance announcement. "
                              "Every mail has a link to unsubscribe."),
                    link=_back())


@guard.public("/status/unsubscribe", errors="html", title=LINK_UNUSABLE)
def status_unsubscribe_form() -> Response:
    data = _link(bp.current_request)
    return _button(_("Unsubscribe"), _("Stop Laurel's status mail to this address?"), "/status/unsubscribe", data,
                   _("Unsubscribe"))


@guard.public("/status/unsubscribe", "POST", errors="html", title=LINK_UNUSABLE)
def status_unsubscribe() -> Response:
    """The page's button, or a mail client's RFC 8058 one-click POST to the List-Unsubscribe URI."""
    data = _link(bp.current_request)
    status.unsubscribe(data.address_hash, data.secret)
    return web.page("message.html", 200, title=_("Unsubscribed"),
                    message=_("This address gets no more status mail from Laurel."), link=_back())


def _back() -> dict[str, str]:
    return {"href": "/status", "text": _("Back to the status page")}


def _button(title: str, message: str, path: str, data: Any, button: str) -> Response:
    from urllib.parse import urlencode

    action = f"{get_settings().public_base_url}{path}?{urlencode({'token': data.token})}"
    return web.page("message_form.html", title=title, message=message, action_url=action, token=data.token,
                    button=button)
