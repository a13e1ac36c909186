"""The console in the member's language (issue 19: "Babel with gettext catalogs for every
page and mail ... dates and numbers localised; `<html lang>` correct").

Console pages have no earner setting: a page is in the request's language (`?lang=`, else
`Accept-Language`); a `?lang=` choice is remembered in a console cookie so that the next
pages and the htmx fragments a page fetches (which carry the browser's own
`Accept-Language`, not the page's `?lang=`) come in the language of the page that asked.

The catalogs are translated by the lead after every helper's texts are extracted, so these
tests see the language in `<html lang>`, `Content-Language`, Babel's dates and numbers,
and, for the marking itself, a pseudo-translation that wraps every text the catalogs
translate."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date

from chalicelib import i18n
from tests.conftest import body
from tests.console_helpers import console_csrf, new_organization, sign_in
from tests.helpers import Browser, active_template, issue

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture()
def org(client):
    tenant, key = new_organization()
    tpl = active_template(client, key, name="Data Steward")
    res = issue(client, key, tpl, "grace@example.com")
    assert res.status_code == 201, res.body
    admin = sign_in(client, "ada@acme.example")
    return {"tenant": tenant, "key": key, "tpl": tpl, "credential": body(res), "admin": admin}


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', html)
    assert found, html[:300]
    return found.group(1)


def _german_day(iso: str) -> str:
    return format_date(date.fromisoformat(iso[:10]), "long", locale="de")  # "2. Dezember 2026"


def _export(browser: Browser) -> None:
    res = browser.post("/console/reports", {"csrf": console_csrf(browser, "/console/reports"), "kind": "awards"})
    assert res.status_code == 303, res.body


def test_a_console_page_with_accept_language_de_is_german_and_shows_german_dates(org):
    admin = org["admin"]
    res = admin.get("/console/credentials", GERMAN)
    page = admin.text(res)
    assert res.status_code == 200 and _lang(page) == "de" and res.headers["Content-Language"] == "de"
    day = _german_day(org["credential"]["issued_at"])  # issued today: its record's day too
    # the list's "Issued" column: the day in German ("2. Dezember 2026"), not 2026-12-02
    assert f"<td>{day}</td>" in page, page
    assert re.search(r"\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) 20",
                     day)
    # the footer offers every language, the current one marked, the others as links
    assert '<span lang="de" aria-current="true">Deutsch</span>' in page
    assert '<a href="?lang=ja" lang="ja" hreflang="ja">日本語</a>' in page
    # the same page without a language is English
    english = admin.get("/console/credentials")
    assert _lang(admin.text(english)) == "en" and english.headers["Content-Language"] == "en"


def test_an_htmx_fragment_answers_in_the_language_its_request_asks_for(org):
    admin = org["admin"]
    _export(admin)
    fragment = admin.get("/console/reports?fragment=jobs", {**GERMAN, "HX-Request": "true"})
    text = admin.text(fragment)
    assert fragment.status_code == 200 and fragment.headers["Content-Language"] == "de"
    assert 'id="export-jobs"' in text and "<html" not in text
    requested = re.search(r"<td>([^<]*UTC)</td>", text).group(1)
    assert re.match(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2} UTC$", requested), requested  # 02.12.2026, 05:10:12 UTC


def test_a_lang_choice_on_a_console_page_is_remembered_for_its_fragments_and_the_next_pages(org):
    admin = org["admin"]
    _export(admin)
    chosen = admin.get("/console/reports?lang=ja")
    assert _lang(admin.text(chosen)) == "ja" and chosen.headers["Content-Language"] == "ja"
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith("laurel_console_lang=ja;") and "Path=/console;" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    # htmx's request carries the browser's own Accept-Language, not the page's ?lang=
    fragment = admin.get("/console/reports?fragment=jobs", {**GERMAN, "HX-Request": "true"})
    assert fragment.headers["Content-Language"] == "ja"
    assert re.search(r"<td>\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2} UTC</td>", admin.text(fragment))
    # the next page, and a form's answer, too
    assert _lang(admin.text(admin.get("/console", GERMAN))) == "ja"
    # a new explicit choice wins over the remembered one, and is remembered in its turn
    back = admin.get("/console/credentials?lang=en", GERMAN)
    assert _lang(admin.text(back)) == "en" and back.headers["Set-Cookie"].startswith("laurel_console_lang=en;")
    assert _lang(admin.text(admin.get("/console", GERMAN))) == "en"


def test_the_sign_in_page_remembers_the_choice_beside_its_own_cookie(client):
    new_organization()
    browser = Browser(client)
    res = browser.get("/console/signin?lang=pt-BR")
    page = browser.text(res)
    assert res.status_code == 200 and _lang(page) == "pt-BR"
    cookies = res.headers["Set-Cookie"]
    assert isinstance(cookies, list) and len(cookies) == 2, cookies  # its pre-session cookie and the choice
    assert any(c.startswith("laurel_console_lang=pt-BR;") for c in cookies)
    # signing in still works: the form's CSRF token is bound to the page's own cookie
    csrf = console_csrf(browser, "/console/signin")  # a page without ?lang=: the remembered choice
    res = browser.post("/console/signin", {"email": "ada@acme.example", "csrf": csrf})
    assert res.status_code == 200 and _lang(browser.text(res)) == "pt-BR"


def test_a_forged_or_unknown_language_falls_back_and_is_not_remembered(org, client):
    admin = org["admin"]
    res = admin.get("/console?lang=xx", GERMAN)
    assert _lang(admin.text(res)) == "de" and "Set-Cookie" not in res.headers
    res = admin.get('/console?lang="><script>alert(1)</script>')
    assert res.status_code == 200 and _lang(admin.text(res)) == "en" and "Set-Cookie" not in res.headers
    admin.cookies["laurel_console_lang"] = '"><script>'
    page = admin.text(admin.get("/console", GERMAN))
    assert _lang(page) == "de" and "<script>" not in page
    # nor on the console's script, which browsers and the CDN keep for a year
    script = admin.get("/console/static/htmx.min.js?v=2.0.11&lang=ja")
    assert script.status_code == 200 and "Set-Cookie" not in script.headers
    # the console's cookie is the console's: a public page neither sets nor reads it
    admin.cookies["laurel_console_lang"] = "ja"
    public = client.http.get("/signin?lang=fr", headers={"Cookie": "laurel_console_lang=ja"})
    assert "laurel_console_lang" not in str(public.headers.get("Set-Cookie", ""))
    assert client.http.get("/signin", headers={"Cookie": "laurel_console_lang=ja"}).headers["Content-Language"] == "en"


class _Pseudo:
    """A catalog that translates every text into ⟦text⟧: what went through gettext shows."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"


def test_the_dashboard_charts_titles_legends_and_tables_go_through_the_catalog(org, monkeypatch):
    monkeypatch.setattr(i18n, "translations", lambda locale: _Pseudo())
    page = org["admin"].text(org["admin"].get("/console/dashboard", GERMAN))
    for title in ("Credentials per week", "Acceptance funnel", "Views of credential pages per week",
                  "Where people came from", "Shares by network", "Top templates by credentials issued",
                  "Top skills"):
        assert f'-heading">⟦{title}⟧</h2>' in page, title
    # the SVG's own title, the legend and the table's column and row headers
    assert '<title id="lifecycle-title">⟦Credentials per week⟧</title>' in page
    assert '<th scope="col">⟦Week⟧</th><th scope="col">⟦Issued⟧</th>' in page
    assert re.search(r">⟦Issued⟧</text>", page)  # the legend inside the SVG
    assert '<th scope="row">⟦Issued⟧</th>' in page  # the funnel's stages
    assert "⟦Credentials issued, accepted, rejected, revoked and expired in each ISO week ⟦from" in page
    assert "⟦In short⟧" in page and "⟦Median time to accept⟧" in page
    assert '<a class="skip" href="#main">⟦Skip to the content⟧</a>' in page
