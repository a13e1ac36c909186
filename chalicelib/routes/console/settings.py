"""The organization's settings: profile (name, website, contact address, LinkedIn
organization id), logo, and the mail branding of every mail Laurel sends on its
behalf (sender's display name, reply-to address, footer; the logo heads the mails)."""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import http
from ...domain.errors import UnsupportedMediaType, ValidationFailed
from ...lazy import LazyModule
from . import form, guard, page, redirect, request

issuers = LazyModule("chalicelib.services.issuers")

SAVED = ("profile", "logo", "mail")


@guard.member("/console/settings", action="settings.view")
def console_settings(member: Any) -> Response:
    return page("console/settings.html", member, s=issuers.settings_view(member.tenant_id),
                saved=http.query_param(request(), "saved", choices=SAVED))


@guard.member("/console/settings", "POST", action="settings.edit")
def console_save_profile(member: Any) -> Response:
    issuers.save_profile(member, form("SettingsProfileIn"))
    return redirect("/console/settings?saved=profile")


@guard.member("/console/settings/logo", "POST", action="settings.edit")
def console_save_logo(member: Any) -> Response:
    if http.content_type(request()) != "multipart/form-data":
        raise UnsupportedMediaType("send the logo with the settings page's upload form (multipart/form-data)")
    png = http.parse_multipart(request(), max_parts=5).get("logo") or b""
    if not png:
        raise ValidationFailed("choose a PNG file to upload", code="invalid_image")
    issuers.save_logo(member, png)
    return redirect("/console/settings?saved=logo")


@guard.member("/console/settings/mail", "POST", action="settings.edit")
def console_save_mail(member: Any) -> Response:
    issuers.save_branding(member, form("MailBrandingIn"))
    return redirect("/console/settings?saved=mail")
