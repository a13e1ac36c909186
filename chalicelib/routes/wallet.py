"""Earner pages: sign-in, the wallet, privacy, addresses, sharing, public profiles.

    GET  /signin                                   the address form (?next=/path on this site)
    POST /signin                                   mail a link and a code
    GET  /signin/{login_id}?token=...              the mailed link: a button (scanners follow links)
    POST /signin/{login_id}                        the link's token or the typed code signs in
    POST /signout                                  ends the session server-side
    GET  /wallet                                   pending first, then the rest; ?issuer=&kind=&skill=
    GET  /wallet/credentials/{credential_id}       one credential: privacy, LinkedIn, share, embed
    POST /wallet/credentials/{credential_id}/decision     accept or reject
    POST /wallet/credentials/{credential_id}/visibility   public or private
    GET  /wallet/credentials/{credential_id}/download     the baked image as a file
    GET  /wallet/signature?c=<id>&c=<id>           several credentials in one e-mail signature line
    GET  /wallet/settings                          name, public profile, addresses, language
    POST /wallet/settings/profile                  name, headline, public or private
    POST /wallet/settings/name                     the profile's vanity address (/u/<name>)
    POST /wallet/settings/photo                    the profile photo (multipart/form-data)
    POST /wallet/settings/photo/remove
    POST /wallet/settings/language                 the language of the wallet and its mails
    POST /wallet/emails                            add an address (a code is mailed to it)
    POST /wallet/emails/remove
    GET  /wallet/skills                            the skill profile: sources, insights, two settings
    POST /wallet/skills/settings                   show skills on the profile; count them in insights
    GET  /wallet/opportunities                     "open to opportunities": talent search opt-in (issue 20)
    POST /wallet/opportunities
    GET  /wallet/messages                          organizations' messages; reply or decline
    POST /wallet/messages/{message_id}/reply       reply: the address is revealed to the organization
    POST /wallet/messages/{message_id}/decline
    GET  /wallet/privacy                           data rights: export, restrict, delete
    POST /wallet/export                            a ZIP of everything, linked by mail (1 hour)
    POST /wallet/restrict                          hide the profile and every credential at once
    POST /wallet/delete                            the right to be forgotten
    GET  /wallet/invitations/{invitation}          an organization asks to link: who, and what it would see
    POST /wallet/invitations/{invitation}          accept (link) or decline
    POST /wallet/employers/{tenant_id}/unlink      end an organization's access at once
    GET  /profiles/{earner_id}                     the public profile (only public credentials)
    GET  /profiles/{earner_id}/photo/{file_name}   its photo (only while the profile is public)
    GET  /u/{name}                                 the public profile by its vanity address

Every page is server-rendered and works without JavaScript; every form carries a
CSRF token; refusals are pages with the right 4xx status, never a 500.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..lazy import LazyModule
from . import _session as s
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

signin = LazyModule("chalicelib.services.signin")
wallet = LazyModule("chalicelib.services.wallet")
rights = LazyModule("chalicelib.services.rights")
workforce = LazyModule("chalicelib.services.workforce")
talent = LazyModule("chalicelib.services.talent")
rules = LazyModule("chalicelib.domain.earners")
schemas = LazyModule("chalicelib.schemas")
web = LazyModule("chalicelib.web")


def _request() -> Any:
    return bp.current_request


def _form(model: Any, session: Any = None) -> Any:
    return s.form(bp.current_request, getattr(schemas, model), session)


def _nav(session: Any, anchor: s.Anchor | None = None) -> dict:
    return s.nav(bp.current_request, session, anchor)


# ------------------------------------------------------------------ sign-in


@guard.earner("/signin", signed_in=False)
def signin_form(session: Any) -> Response:
    next_path = rules.safe_next(http.query_param(_request(), "next", max_length=300))
    if session is not None:
        return s.redirect(next_path)
    anchor = s.Anchor(_request())
    return web.page("signin.html", 200, anchor.headers(), next=next_path, **_nav(None, anchor))


@guard.earner("/signin", "POST", signed_in=False)
def signin_request(session: Any) -> Response:
    data = _form("SigninIn")
    login_id = signin.request_link(str(data.email), next_path=data.next,
                                   client_address=http.client_address(_request()))
    return web.page("signin_code.html", 200, login_id=login_id, email=rules.mask_email(str(data.email)),
                    adding=False, **_nav(None))


@guard.earner("/signin/{login_id}", signed_in=False)
def signin_link(session: Any, login_id: str) -> Response:
    token = http.query_param(_request(), "token", max_length=100) or ""
    view = signin.preview(login_id, token)
    anchor = s.Anchor(_request(), session)
    return web.page("signin_link.html", 200, anchor.headers(), login_id=login_id, token=token, **view,
                    **_nav(session, anchor))


@guard.earner("/signin/{login_id}", "POST", signed_in=False)
def signin_complete(session: Any, login_id: str) -> Response:
    data = _form("SigninProofIn", session)
    done = signin.complete(login_id, token=data.token, code=data.code, session=session,
                           session_cookie=s.session_cookie(_request()))
    if done.cookie is None:
        return s.redirect(done.location)
    return s.redirect(done.location,
                      {"Set-Cookie": s.cookie_header(s.SESSION_COOKIE, done.cookie, rules.SESSION_DAYS * 86400)})


@guard.earner("/signout", "POST", signed_in=False)
def signout(session: Any) -> Response:
    if session is not None:
        _form("CsrfIn", session)
        signin.end_session(s.session_cookie(_request()))
    return s.redirect("/signin", {"Set-Cookie": s.cookie_header(s.SESSION_COOKIE, "", 0)})


# ------------------------------------------------------------------ the wallet


@guard.earner("/wallet")
def wallet_page(session: Any) -> Response:
    request = _request()
    filters = rules.Filters(issuer=http.query_param(request, "issuer", max_length=200),
                            kind=http.query_param(request, "kind", max_length=40),
                            skill=http.query_param(request, "skill", max_length=100))
    view = wallet.wallet_page(session.earner_id, filters)
    return web.page("wallet.html", w=view.wallet, filters=filters, imported=view.imported, **_nav(session))


@guard.earner("/wallet/credentials/{credential_id}")
def wallet_credential(session: Any, credential_id: str) -> Response:
    accepted_now = http.query_param(_request(), "accepted", choices=("1",)) == "1"
    return web.page("wallet_credential.html", c=wallet.detail(session.earner_id, credential_id),
                    accepted_now=accepted_now, **_nav(session))


@guard.earner("/wallet/credentials/{credential_id}/decision", "POST")
def wallet_decide(session: Any, credential_id: str) -> Response:
    data = _form("DecisionIn", session)
    status = wallet.decide(session.earner_id, credential_id, data.decision)
    # accepted: its page, saying so and offering to share it and add it to LinkedIn (issue 19)
    return s.redirect(f"/wallet/credentials/{credential_id}?accepted=1" if status == "accepted" else "/wallet")


@guard.earner("/wallet/signature")
def wallet_signature(session: Any) -> Response:
    """Several credentials in one e-mail signature line: the earner ticks which (`?c=<id>`,
    repeated, in order); ids that are not their public credentials are left out."""
    params = _request().query_params
    chosen = params.getlist("c") if params and "c" in params else []  # getlist raises on a missing name
    if len(chosen) > 50 or any(len(c) > 100 for c in chosen):
        from ..domain.errors import BadRequest

        raise BadRequest("too many or too long credential ids", code="invalid_query")
    return web.page("wallet_signature.html", sig=wallet.signature(session.earner_id, chosen), **_nav(session))


@guard.earner("/wallet/credentials/{credential_id}/visibility", "POST")
def wallet_visibility(session: Any, credential_id: str) -> Response:
    data = _form("VisibilityIn", session)
    wallet.set_private(session.earner_id, credential_id, data.visibility == "private")
    return s.redirect(f"/wallet/credentials/{credential_id}")


@guard.earner("/wallet/credentials/{credential_id}/download")
def wallet_download(session: Any, credential_id: str) -> Response:
    return Response(body="", status_code=302, headers={
        "Location": wallet.download_url(session.earner_id, credential_id), "Cache-Control": "no-store"})


@guard.earner("/wallet/credentials/{credential_id}/share/{network}")
def wallet_share(session: Any, credential_id: str, network: str) -> Response:
    """A share button: counted, then on to the network's share dialog (or a mail draft)."""
    return Response(body="", status_code=302, headers={
        "Location": wallet.share_redirect(session.earner_id, credential_id, network), "Cache-Control": "no-store"})


@guard.earner("/wallet/credentials/{credential_id}/linkedin")
def wallet_linkedin(session: Any, credential_id: str) -> Response:
    """Add to LinkedIn profile: counted, then on to LinkedIn's pre-filled form."""
    return Response(body="", status_code=302, headers={
        "Location": wallet.share_redirect(session.earner_id, credential_id, "linkedin-add"),
        "Cache-Control": "no-store"})


@guard.earner("/wallet/settings")
def wallet_settings(session: Any) -> Response:
    notice = http.query_param(_request(), "email", choices=("added", "already", "merged", "removed"))
    saved = http.query_param(_request(), "saved", choices=("profile", "name", "photo", "language"))
    return web.page("wallet_settings.html", s=wallet.settings(session.earner_id), notice=notice, saved=saved,
                    **_nav(session))


@guard.earner("/wallet/settings/profile", "POST")
def wallet_profile(session: Any) -> Response:
    data = _form("EarnerProfileIn", session)
    wallet.update_profile(session.earner_id, data.display_name, data.profile == "public", headline=data.headline)
    return s.redirect("/wallet/settings?saved=profile")


@guard.earner("/wallet/settings/name", "POST")
def wallet_vanity_name(session: Any) -> Response:
    data = _form("VanityNameIn", session)
    wallet.set_vanity_name(session.earner_id, data.name)
    return s.redirect("/wallet/settings?saved=name")


# the photo's form carries a file: multipart/form-data, its CSRF token one of the parts
PHOTO_BODY_LIMIT = 5 * 1024 * 1024 + 64 * 1024


@guard.earner("/wallet/settings/photo", "POST", content_types=["multipart/form-data"])
def wallet_photo(session: Any) -> Response:
    request = _request()
    parts = http.parse_multipart(request, max_parts=5, limit=PHOTO_BODY_LIMIT)
    signin.check_csrf(s.posted_anchor(request, session), (parts.get("csrf") or b"").decode("utf-8", "replace"))
    photo = parts.get("photo") or b""
    if not photo:
        from ..domain.errors import BadRequest

        raise BadRequest("choose a photo to upload", code="photo_missing")
    wallet.set_photo(session.earner_id, photo)
    return s.redirect("/wallet/settings?saved=photo")


@guard.earner("/wallet/settings/photo/remove", "POST")
def wallet_photo_remove(session: Any) -> Response:
    _form("CsrfIn", session)
    wallet.remove_photo(session.earner_id)
    return s.redirect("/wallet/settings?saved=photo")


@guard.earner("/wallet/settings/language", "POST")
def wallet_language(session: Any) -> Response:
    data = _form("EarnerLanguageIn", session)
    wallet.set_locale(session.earner_id, data.locale)
    return s.redirect("/wallet/settings?saved=language")


@guard.earner("/wallet/emails", "POST")
def wallet_add_email(session: Any) -> Response:
    data = _form("AddEmailIn", session)
    login_id = signin.request_link(str(data.email), next_path="/wallet/settings",
                                   client_address=http.client_address(_request()), purpose="add_email",
                                   earner_id=session.earner_id)
    return web.page("signin_code.html", 200, login_id=login_id, email=rules.mask_email(str(data.email)),
                    adding=True, **_nav(session))


@guard.earner("/wallet/emails/remove", "POST")
def wallet_remove_email(session: Any) -> Response:
    data = _form("RemoveEmailIn", session)
    wallet.remove_email(session.earner_id, data.email_hash, keep_session_id=session.session_id)
    return s.redirect("/wallet/settings?email=removed")


# ------------------------------------------------------------------ skills (issue 20)

skill_profile = LazyModule("chalicelib.services.skill_profile")


@guard.earner("/wallet/skills")
def wallet_skills(session: Any) -> Response:
    saved = http.query_param(_request(), "saved", choices=("settings",))
    return web.page("wallet_skills.html", p=skill_profile.page(session.earner_id), saved=saved, **_nav(session))


@guard.earner("/wallet/skills/settings", "POST")
def wallet_skill_settings(session: Any) -> Response:
    data = _form("SkillSettingsIn", session)
    wallet.set_skill_settings(session.earner_id, skills_public=data.skills_public == "yes",
                              counted_in_insights=data.insights == "yes")
    return s.redirect("/wallet/skills?saved=settings")


# ------------------------------------------------------------------ talent search (issue 20 item 4)


@guard.earner("/wallet/opportunities")
def wallet_opportunities(session: Any) -> Response:
    saved = http.query_param(_request(), "saved", choices=("1",))
    return web.page("wallet_opportunities.html", t=talent.settings(session.earner_id), saved=saved, **_nav(session))


@guard.earner("/wallet/opportunities", "POST")
def wallet_opportunities_save(session: Any) -> Response:
    data = _form("TalentSettingsIn", session)
    talent.save_settings(session.earner_id, open=data.open == "yes", kinds=list(data.kinds), city=data.city,
                         country=data.country or None)
    return s.redirect("/wallet/opportunities?saved=1")


@guard.earner("/wallet/messages")
def wallet_messages(session: Any) -> Response:
    done = http.query_param(_request(), "done", choices=("replied", "declined"))
    return web.page("wallet_messages.html", messages=talent.earner_messages(session.earner_id),
                    emails=wallet.settings(session.earner_id)["emails"], done=done, **_nav(session))


@guard.earner("/wallet/messages/{message_id}/reply", "POST")
def wallet_message_reply(session: Any, message_id: str) -> Response:
    data = _form("TalentReplyIn", session)
    talent.reply(session.earner_id, message_id, data.text, data.email_hash)
    return s.redirect("/wallet/messages?done=replied")


@guard.earner("/wallet/messages/{message_id}/decline", "POST")
def wallet_message_decline(session: Any, message_id: str) -> Response:
    _form("CsrfIn", session)
    talent.decline(session.earner_id, message_id)
    return s.redirect("/wallet/messages?done=declined")


# ------------------------------------------------------------------ data rights


@guard.earner("/wallet/privacy")
def wallet_privacy(session: Any) -> Response:
    done = http.query_param(_request(), "done", choices=("exported", "restricted", "linked", "declined",
                                                          "unlinked"))
    return web.page("wallet_privacy.html", done=done, emails=wallet.settings(session.earner_id)["emails"],
                    employers=workforce.links(session.earner_id), **_nav(session))


@guard.earner("/wallet/export", "POST")
def wallet_export(session: Any) -> Response:
    data = _form("ExportIn", session)
    rights.export_for_earner(session.earner_id, data.email_hash)
    return s.redirect("/wallet/privacy?done=exported")


@guard.earner("/wallet/restrict", "POST")
def wallet_restrict(session: Any) -> Response:
    _form("CsrfIn", session)
    rights.restrict_earner(session.earner_id)
    return s.redirect("/wallet/privacy?done=restricted")


@guard.earner("/wallet/delete", "POST")
def wallet_delete(session: Any) -> Response:
    _form("DeleteAccountIn", session)
    rights.erase_earner(session.earner_id)
    from ..i18n import _

    return web.page("message.html", 200, {"Set-Cookie": s.cookie_header(s.SESSION_COOKIE, "", 0)},
                    title=_("Your account was deleted"),
                    message=_("Your addresses, your name and everything derived from them are gone from Laurel. "
                              "Pages of your credentials now say they were removed."), link=None)


# ------------------------------------------------------------------ employers (issue 20, item 3)


@guard.earner("/wallet/invitations/{invitation}")
def wallet_invitation(session: Any, invitation: str) -> Response:
    return web.page("wallet_invitation.html", i=workforce.invitation(session.earner_id, invitation), **_nav(session))


@guard.earner("/wallet/invitations/{invitation}", "POST")
def wallet_invitation_decide(session: Any, invitation: str) -> Response:
    data = _form("WorkforceDecisionIn", session)
    done = workforce.decide(session.earner_id, invitation, data.decision)
    return s.redirect(f"/wallet/privacy?done={done}")


@guard.earner("/wallet/employers/{tenant_id}/unlink", "POST")
def wallet_unlink(session: Any, tenant_id: str) -> Response:
    _form("WorkforceUnlinkIn", session)
    workforce.unlink(session.earner_id, tenant_id)
    return s.redirect("/wallet/privacy?done=unlinked")


# ------------------------------------------------------------------ public profiles


@guard.earner("/profiles/{earner_id}", signed_in=False)
def public_profile(session: Any, earner_id: str) -> Response:
    return web.page("profile.html", p=wallet.public_profile(earner_id), **_nav(session))


@guard.earner("/u/{name}", signed_in=False)
def vanity_profile(session: Any, name: str) -> Response:
    """A vanity address: the profile, or a permanent redirect from a name its owner left
    (for 90 days) or from another spelling of it (`/u/Grace` → `/u/grace`). The redirect
    is cached an hour at most: the name may belong to someone else later."""
    found = wallet.profile_by_name(name)
    if found.moved_to:
        return Response(body="", status_code=301, headers={"Location": http.location(found.moved_to),
                                                           "Cache-Control": "public, max-age=3600"})
    return web.page("profile.html", p=found.profile, **_nav(session))


@guard.public("/profiles/{earner_id}/photo/{file_name}", errors="html")
def public_profile_photo(earner_id: str, file_name: str) -> Response:
    """Served by the app, not the CDN: it answers only while the profile is public."""
    data, content_type = wallet.public_photo(earner_id, file_name)
    return Response(body=data, status_code=200, headers={
        "Content-Type": content_type, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'"})

