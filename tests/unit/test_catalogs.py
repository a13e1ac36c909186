"""Every text a page or mail shows is translated in every shipped language (issue 19:
"A test fails when a catalog misses a string used by a template").

The texts are extracted afresh from the code (the same `pybabel extract` with babel.cfg
that `make messages` runs), so a string added to a template or mail and not yet in a
catalog fails here, as does a catalog entry left empty or fuzzy, or a translation whose
placeholders differ from the English (Babel's own checks)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from chalicelib import i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [locale for locale in i18n.LOCALES if locale != i18n.DEFAULT]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    babel = [sys.executable, "-c", "from babel.messages.frontend import main; main()"]
    subprocess.run([*babel, "-q", "extract", "-F", "babel.cfg", "-o", str(out), "."], cwd=ROOT, check=True)
    with out.open("rb") as handle:
        catalog = read_po(handle)
    return {message.id if isinstance(message.id, str) else message.id[0]: message
            for message in catalog if message.id}


def _catalog(locale: str):
    with (i18n.CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_the_code_marks_texts_for_translation(extracted: dict) -> None:
    # the pages and mails are marked up (a catalog that is "complete" because nothing was extracted proves nothing)
    assert len(extracted) > 300
    assert "Sign in to your wallet" in extracted


def test_the_makefile_initialises_every_shipped_language() -> None:
    languages = re.search(r"^LANGUAGES := (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert languages is not None
    assert languages.group(1).split() == TRANSLATED


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_extracted_text_is_translated(extracted: dict, locale: str) -> None:
    catalog = _catalog(locale)
    missing = []
    for msgid, source in extracted.items():
        entry = catalog.get(source.id)
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(msgid)
    assert missing == [], f"{locale}: {len(missing)} texts untranslated, e.g. {missing[:5]} (run `make messages`)"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders(locale: str) -> None:
    catalog = _catalog(locale)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []


LABELLED = re.compile(r'aria-label="\{\{ _\("([^"]+)", (\w+)=[^}]*\}\}">\{\{ _\("([^"]+)"\) \}\}')


@pytest.mark.parametrize("locale", TRANSLATED)
def test_a_buttons_visible_words_are_part_of_its_accessible_name(locale: str) -> None:
    # WCAG 2.5.3 (axe: label-content-name-mismatch): "Accept" inside "Accept <name>" in every language
    pairs = [m.groups() for path in (ROOT / "chalicelib" / "web" / "templates").rglob("*.html")
             for m in LABELLED.finditer(path.read_text())]
    assert pairs, "no labelled buttons found"
    with i18n.using(locale):
        for label, variable, visible in pairs:
            shown, named = i18n.gettext(visible), i18n.gettext(label, **{variable: "X"})
            assert shown.lower() in named.lower(), (locale, visible, shown, named)
