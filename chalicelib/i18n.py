"""Languages: which one a page or mail is in, its translations and its dates and numbers.

Laurel's pages and mails are written in English and translated through gettext
catalogs (Babel): `chalicelib/locale/<locale>/LC_MESSAGES/messages.po`, compiled to
`.mo` by `make install` and by the deployment package (a catalog whose `.mo` is missing
or older than its `.po` is compiled in memory on first use, so a fresh checkout works).

Issue 19: "the language comes from the earner's setting, else the issue request's
`locale` (API, bulk CSV column, LMS rule), else `Accept-Language`". The callers name
the candidates in that order (`resolve`); a visitor's explicit `?lang=` on a page
comes first of all (the language links in every page's footer).

The language of the request or mail being rendered is a context variable: the app's
middleware sets it from the request (`?lang=`, then `Accept-Language`), a view that
knows better (an earner's setting, a credential's `locale`) sets it again with
`activate`, and a mail is rendered inside `using(locale)`.

Tags from outside (Credly's bulk `Locale` column takes en, fr, fr-CA, de, ko, ja,
zh-CN, pt, pt-BR, es-ES, es-US) are accepted when they are well-formed BCP 47
language tags, stored as given, and mapped to the closest catalog when a page or mail
is rendered: fr-CA → fr, es-US → es, pt → pt-BR; a language without a catalog (ko,
zh-CN) falls back to the next candidate, and at last to English.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT = "en"
# the catalogs Laurel ships (Babel locale identifiers); English is the source language
LOCALES = ("en", "es", "fr", "de", "pt_BR", "ja")
# each language's own name, for the language links and the earner's setting
NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "pt_BR": "Português (Brasil)",
         "ja": "日本語"}
# a language without a region goes to this catalog (Portuguese: the only one shipped is Brazil's)
_BY_LANGUAGE = {"en": "en", "es": "es", "fr": "fr", "de": "de", "pt": "pt_BR", "ja": "ja"}

CATALOGS = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("laurel_locale", default=DEFAULT)
# the request's query parameters: the language links keep them (a claim link's token survives a switch)
_query: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("laurel_query", default=())

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


# ------------------------------------------------------------------ which language


def well_formed(tag: str) -> bool:
    """A language tag Laurel accepts as input (`locale` of an issue request): a BCP 47
    shaped tag, `-` or `_` separated ("pt-BR", "zh-CN", "es-US", "en")."""
    return bool(_TAG.match(tag or "")) and len(tag) <= 35


def best(tag: str | None) -> str | None:
    """The catalog for a tag: the exact locale when shipped (pt-BR → pt_BR), else its
    language's (fr-CA → fr, es-US → es, pt → pt_BR); None when no catalog fits (ko)."""
    if not tag or not well_formed(tag):
        return None
    parts = tag.replace("_", "-").split("-")
    language = parts[0].lower()
    if len(parts) > 1:
        exact = f"{language}_{parts[1].upper()}"
        if exact in LOCALES:
            return exact
    return _BY_LANGUAGE.get(language)


def from_accept_language(header: str | None) -> str | None:
    """The best shipped catalog for an `Accept-Language` header (RFC 9110 §12.5.4:
    ranges weighted by `q`, the highest first; `q=0` means "not this one")."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        fields = part.strip().split(";")
        tag = fields[0].strip()
        weight = 1.0
        for param in fields[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, position, tag))
    for _weight, _position, tag in sorted(ranked):
        if tag == "*":
            return DEFAULT
        found = best(tag)
        if found:
            return found
    return None


def resolve(*candidates: str | None, accept_language: str | None = None) -> str:
    """The first candidate that has a catalog (in the caller's order: an explicit choice,
    the earner's setting, the issue request's `locale`), else the best match for the
    `Accept-Language` header, else English."""
    for candidate in candidates:
        found = best(candidate)
        if found:
            return found
    return from_accept_language(accept_language) or DEFAULT


def for_credential(query_lang: str | None, earner_locale: str | None, credential_locale: str | None,
                   accept_language: str | None) -> str:
    """The language of a page about one credential (its public page, its claim page): the
    visitor's explicit `?lang=`, then the issue's order, the earner's setting, the issue
    request's `locale`, the `Accept-Language` header. Activated for the rest of the request."""
    chosen = resolve(query_lang, earner_locale, credential_locale, accept_language=accept_language)
    activate(chosen)
    return chosen


def current() -> str:
    return _current.get()


def activate(locale: str) -> None:
    """Render the rest of this request in `locale` (a shipped catalog; anything else: English)."""
    _current.set(locale if locale in LOCALES else DEFAULT)


@contextlib.contextmanager
def using(locale: str | None) -> Iterator[str]:
    """Render inside the block in `locale` (a mail in its recipient's language), then
    return to the request's language."""
    token = _current.set(locale if locale in LOCALES else DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def remember_query(params: dict[str, str] | None) -> None:
    """The request's query (app.py's middleware): `language_links` keeps it."""
    _query.set(tuple((k, v) for k, v in (params or {}).items() if k != "lang"))


def language_links() -> list[tuple[str, str, str, bool]]:
    """(tag, the language's own name, link, is it the current one) for every shipped
    language: the same page with `lang=` set and the rest of its query kept."""
    from urllib.parse import urlencode

    kept = list(_query.get())
    return [(html_lang(code), name, "?" + urlencode([*kept, ("lang", html_lang(code))]), code == current())
            for code, name in NAMES.items()]


def html_lang(locale: str | None = None) -> str:
    """The BCP 47 tag for `<html lang>` and `Content-Language`: pt_BR → pt-BR."""
    return (locale or current()).replace("_", "-")


# ------------------------------------------------------------------ translations


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> Any:
    """The compiled catalog of `locale` (Babel `Translations`); English has none."""
    if locale == DEFAULT or locale not in LOCALES:
        # the standard library's: importing Babel costs ~50 ms, and the English verification page
        # is the one every verifier waits for on a cold start (issue 13's cold_verify_ratio)
        import gettext as stdlib_gettext

        return stdlib_gettext.NullTranslations()
    from babel.support import NullTranslations, Translations

    folder = CATALOGS / locale / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if not po.is_file():
        return NullTranslations()
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def raw_gettext(message: str) -> str:
    """The translation alone (Jinja's i18n extension fills the placeholders itself: in a
    template, a literal percent sign is written `%%`)."""
    return str(translations(current()).gettext(message))


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    return str(translations(current()).ngettext(singular, plural, n))


def gettext(message: str, **variables: Any) -> str:
    """`message` in the current language; `%(name)s` placeholders filled from `variables`
    (only when some are given: a message without them is returned as translated)."""
    text = raw_gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """The singular or plural form for `n` in the current language; `%(num)s` is `n`."""
    return raw_ngettext(singular, plural, n) % {"num": n, **variables}


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "extract this, translate it later"
    """Marks a constant for the catalogs (module-level tables); translate it where it is shown with `_()`."""
    return message


def compile_catalogs(folder: Path = CATALOGS) -> int:
    """Compile every `<locale>/LC_MESSAGES/messages.po` under `folder` into its `.mo`
    (`make install`, and infra/lambda_package.py for the deployment package); returns how many."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    count = 0
    for po in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name, domain=DOMAIN)
        with po.with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog)
        count += 1
    return count


# ------------------------------------------------------------------ dates and numbers


_ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December")


def _babel_locale() -> Any:
    from babel import Locale

    return Locale.parse(current())


def _as_datetime(value: str | date | datetime | None) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return value
    text = str(value)
    try:
        if len(text) <= 10:
            return date.fromisoformat(text[:10])
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def format_date(value: str | date | datetime | None, format: str = "long") -> str:  # noqa: A002 - Babel's name
    """A date in the current language ("1 December 2026", "2026年12月1日"); "" for none."""
    moment = _as_datetime(value)
    if moment is None:
        return "" if value is None else str(value)
    day = moment.date() if isinstance(moment, datetime) else moment
    if format == "long" and current() == DEFAULT:
        # Babel's own English long date, without importing Babel on the verification page's cold
        # path (~65 ms: a test compares every month with Babel's output)
        return f"{_ENGLISH_MONTHS[day.month - 1]} {day.day}, {day.year}"
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, format=format, locale=_babel_locale())


def format_datetime(value: str | datetime | None, format: str = "medium") -> str:  # noqa: A002
    """A moment in the current language, in UTC (what Laurel stores), with its zone named."""
    from babel.dates import format_datetime as babel_format_datetime

    moment = _as_datetime(value)
    if not isinstance(moment, datetime):
        return format_date(value)
    return babel_format_datetime(moment, format=format, tzinfo=moment.tzinfo, locale=_babel_locale()) + " UTC"


def format_number(value: float | int | None) -> str:
    from babel.numbers import format_decimal

    return "" if value is None else format_decimal(value, locale=_babel_locale())


def format_percent(value: float | None, digits: int = 1) -> str:
    """`value` is a fraction (0.5 → "50 %" in French, "50%" in English)."""
    from babel.numbers import format_percent as babel_format_percent

    if value is None:
        return ""
    return babel_format_percent(value, format="#,##0." + "0" * digits + "%" if digits else None,
                                locale=_babel_locale())
