"""Which language a page or mail is in (chalicelib/i18n.py): issue 19's order, the
earner's setting, else the issue request's `locale`, else Accept-Language, else English."""

from __future__ import annotations

import pytest

from chalicelib import i18n


@pytest.mark.parametrize(("tag", "expected"), [
    ("pt-BR", "pt_BR"), ("pt_BR", "pt_BR"), ("pt", "pt_BR"), ("fr-CA", "fr"), ("es-ES", "es"), ("es-US", "es"),
    ("de", "de"), ("DE-at", "de"), ("ja", "ja"), ("ja-JP", "ja"), ("en-GB", "en"),
    ("ko", None), ("zh-CN", None), ("", None), (None, None), ("not a tag", None), ("e", None),
])
def test_a_tag_maps_to_the_closest_shipped_catalog(tag, expected) -> None:
    assert i18n.best(tag) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("ja,en-US;q=0.9,en;q=0.8", "ja"),
    ("ko-KR,ko;q=0.9,pt-BR;q=0.5,en;q=0.3", "pt_BR"),  # no Korean catalog: the next one asked for
    ("en;q=0.2, de;q=0.8", "de"),  # by weight, not by position
    ("fr;q=0, es", "es"),  # q=0: "not acceptable"
    ("zh-CN", None),
    ("*", "en"),
    ("", None), (None, None),
    ("de;q=abc, es;q=0.5", "es"),  # a malformed weight counts as 0
])
def test_accept_language_picks_the_best_weighted_catalog(header, expected) -> None:
    assert i18n.from_accept_language(header) == expected


def test_the_earners_setting_wins_then_the_issue_locale_then_the_browser() -> None:
    assert i18n.resolve("ja", "de", accept_language="fr") == "ja"
    assert i18n.resolve(None, "pt-BR", accept_language="fr") == "pt_BR"
    assert i18n.resolve(None, "ko", accept_language="fr;q=0.5, es;q=0.9") == "es"  # no Korean catalog
    assert i18n.resolve(None, None, accept_language=None) == "en"


def test_well_formed_tags_are_accepted_as_input() -> None:
    for tag in ("en", "fr-CA", "zh-CN", "pt-BR", "es-US", "ko"):
        assert i18n.well_formed(tag)
    for tag in ("", "english!", "x" * 40, "pt BR", "<script>"):
        assert not i18n.well_formed(tag)


def test_using_renders_a_block_in_another_language_then_returns() -> None:
    i18n.activate("de")
    with i18n.using("ja") as inside:
        assert inside == "ja"
        assert i18n.html_lang() == "ja"
    assert i18n.current() == "de"
    i18n.activate("xx")
    assert i18n.current() == "en"


def test_dates_and_numbers_follow_the_language() -> None:
    with i18n.using("en"):
        assert i18n.format_date("2026-12-01T10:00:00Z") == "December 1, 2026"
        assert i18n.format_number(12345) == "12,345"
    with i18n.using("de"):
        assert i18n.format_date("2026-12-01") == "1. Dezember 2026"
        assert i18n.format_number(12345) == "12.345"
    with i18n.using("ja"):
        assert i18n.format_date("2026-12-01") == "2026年12月1日"
    with i18n.using("pt_BR"):
        assert i18n.format_date("2026-12-01") == "1 de dezembro de 2026"
    assert i18n.format_date(None) == ""


def test_language_links_keep_the_rest_of_the_query() -> None:
    # a claim link's token must survive a switch of language (the page would answer "link not valid")
    i18n.remember_query({"token": "abc+/=", "lang": "de", "ref": "email"})
    with i18n.using("de"):
        links = {tag: (href, here) for tag, _name, href, here in i18n.language_links()}
    assert links["ja"] == ("?token=abc%2B%2F%3D&ref=email&lang=ja", False)
    assert links["de"][1] is True
    assert set(links) == {"en", "es", "fr", "de", "pt-BR", "ja"}
    i18n.remember_query(None)


def test_the_english_long_date_without_babel_is_babels_own() -> None:
    from datetime import date

    from babel.dates import format_date

    with i18n.using("en"):
        for month in range(1, 13):
            for day in (1, 9, 28):
                d = date(2026, month, day)
                assert i18n.format_date(d) == format_date(d, format="long", locale="en")


def test_an_english_page_renders_without_importing_babel() -> None:
    # the verification page's cold start (issue 13): English needs neither Babel's catalogs nor its dates
    import subprocess
    import sys

    code = ("from chalicelib import i18n, web; import sys; i18n.activate('en'); "
            "web.render('message.html', title='t', message='m'); print(i18n.format_date('2026-12-01')); "
            "print(any(m == 'babel' or m.startswith('babel.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[-1] == "False", out
    assert out[-4:-1] == ["December", "1,", "2026"]
