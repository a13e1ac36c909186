"""Issue 19, item 6: the wallet, sign-in, verification and status pages and the words
they get from Python (the verification checks in plain words, refusal titles, status
labels) are marked for translation, and translated when a page is rendered.

Marked means `make messages` extracts it (Babel, babel.cfg); translated at render time is
shown with a real Babel catalog whose every entry is the English in brackets, installed
as the German one."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.support import Translations

from chalicelib import i18n
from chalicelib.domain import check_words

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "chalicelib" / "web" / "templates"
# this part's pages (issue 19 split: the credential page, claim, profile, settings, mail and console are others')
PAGES = ("wallet.html", "wallet_privacy.html", "signin.html", "signin_code.html", "signin_link.html",
         "message.html", "message_form.html", "verify_form.html", "verify_report.html", "status.html",
         "_macros.html")
PYTHON = ("chalicelib/domain/check_words.py", "chalicelib/routes/_guards.py", "chalicelib/routes/status.py",
          "chalicelib/web/status.py")


def _extracted(path: str) -> set[str]:
    method = "jinja2.ext:babel_extract" if path.endswith(".html") else "python"
    options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"} if path.endswith(".html") else {}
    found = set()
    for _line, message, _comments, _context in extract_from_file(method, str(ROOT / path), DEFAULT_KEYWORDS,
                                                                 options=options):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def _table_texts() -> list[str]:
    return ([text for pair in check_words.WORDS.values() for text in pair] + list(check_words.DOCUMENTS.values())
            + [check_words.SOME_DOCUMENT, *check_words.GENERIC, *check_words.VERDICTS.values()])


@pytest.fixture()
def bracketed(monkeypatch: pytest.MonkeyPatch):
    """German is "[English]" for every text these files mark (a real compiled catalog)."""
    catalog = Catalog(locale="de", domain=i18n.DOMAIN)
    for path in PYTHON + tuple(f"chalicelib/web/templates/{p}" for p in PAGES):
        for message in _extracted(path):
            catalog.add(message, f"[{message}]")
    import io

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    german = Translations(buffer, domain=i18n.DOMAIN)
    real = i18n.translations
    monkeypatch.setattr(i18n, "translations", lambda locale: german if locale == "de" else real(locale))
    with i18n.using("de"):
        yield


def test_every_check_word_is_marked_for_the_catalogs() -> None:
    extracted = _extracted("chalicelib/domain/check_words.py")
    missing = [text for text in _table_texts() if text not in extracted]
    assert missing == [], missing
    # and the sentences put together from them
    for sentence in ("Laurel downloaded %(thing)s.", "Laurel could not download %(thing)s.",
                     "%(thing)s is a readable document.", "%(verdict)s: every check passed.",
                     "%(verdict)s: %(reason)s"):
        assert sentence in extracted, sentence


def test_check_words_are_translated_when_a_page_asks(bracketed) -> None:
    assert check_words.says("expiry", True) == "[The badge has not expired.]"
    assert check_words.says("fetch credential", False) == "[Laurel could not download [the badge].]"
    assert check_words.says("no such check", False) == "[This check failed, so Laurel cannot confirm the badge.]"
    assert check_words.verdict_says("revoked", [{"check": "revocation", "ok": False}]) == (
        "[[Revoked]: [The issuer has withdrawn (revoked) this badge.]]")
    assert check_words.verdict_label("invalid") == "[Not valid]"


def test_a_report_keeps_its_words_in_english_whatever_the_request_language(bracketed) -> None:
    """The report is answered as JSON and stored with an import: not in one visitor's language."""
    from chalicelib.services.badge_check.report import Report

    report = Report()
    report.check("expiry", True)
    assert report.checks[0]["says"] == "The badge has not expired."
    assert report.to_dict()["says"] == "Valid: every check passed."


def test_refusal_titles_and_status_labels_are_marked() -> None:
    from chalicelib.routes import _guards
    from chalicelib.web import status as status_page

    guards = _extracted("chalicelib/routes/_guards.py")
    assert set(_guards.PAGE_TITLES.values()) | {_guards.SESSION_ENDED, _guards.CONSOLE_SESSION_ENDED} <= guards
    web_status = _extracted("chalicelib/web/status.py")
    from chalicelib.domain.status import COMPONENTS, STATE_LABELS

    for text in [*status_page.HEADLINES.values(), *STATE_LABELS.values(), *(name for _, name, _ in COMPONENTS),
                 *status_page.INCIDENT_STATES.values(), *status_page.IMPACTS.values()]:
        assert text in web_status, text


class _Visible(HTMLParser):
    """The text a person reads in a template once every Jinja expression, tag, comment and
    marked block is taken out: what is left was not marked."""

    READ = ("alt", "aria-label", "title", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.left: list[str] = []

    def handle_data(self, data: str) -> None:
        self.left.append(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.left.extend(value or "" for name, value in attrs if name in self.READ)


def _unmarked(source: str) -> list[str]:
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", "", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S)
    parser = _Visible()
    parser.feed(source)
    words = [re.sub(r"\s+", " ", text).strip() for text in parser.left]
    return [w for w in words if re.search(r"[A-Za-z]", w.replace("Laurel", ""))]  # the product's name stays


@pytest.mark.parametrize("template", PAGES)
def test_every_text_on_the_page_is_marked(template: str) -> None:
    assert _unmarked((TEMPLATES / template).read_text()) == []


def test_the_unmarked_text_finder_finds_unmarked_text() -> None:
    assert _unmarked('<p>{{ _("Marked") }} Forgotten</p><img alt="Badge">{% trans %}Also marked{% endtrans %}') == [
        "Forgotten", "Badge"]
