"""Rule 7 of issue 18: every check the verifier can report has words a recruiter
understands, and the verdict names the check that decided it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from chalicelib.domain import check_words

BADGE_CHECK = Path(__file__).resolve().parents[2] / "chalicelib" / "services" / "badge_check"

# The names the verifier emits today (services/badge_check/*.py). A new check needs its
# words in domain/check_words.py: test_every_check_the_verifier_can_emit_has_words
# finds it in the source even when nobody adds it here.
KNOWN = [
    "recognised input", "URL answers", "baked image", "matches hosted copy", "document structure", "type",
    "contexts", "terms defined", "dates", "expiry", "recipient", "issuer", "issuer profile", "issuer origin",
    "badge class", "verification type", "hosted assertion", "proof present", "JWT structure", "algorithm",
    "verification method", "key controlled by issuer", "signature", "signature (eddsa-rdfc-2022)",
    "registered claims", "status list", "revocation",
    "fetch URL", "fetch assertion", "fetch badge class", "fetch issuer", "fetch revocation list",
    "fetch verification method", "fetch status list", "fetch issuer JWKS",
    "credential is JSON", "revocation notice is JSON", "revocation is JSON", "hosted assertion is JSON",
    "badge class is JSON", "issuer profile is JSON", "revocation list is JSON", "verification method is JSON",
    "status list is JSON", "JWKS is JSON",
]
# words a recruiter would not understand: they belong in the technical detail
JARGON = ("JWT", "JWS", "JWK", "JSON", "LD", "eddsa", "rdfc", "kid", "DID", "did:", "context", "hash", "bit",
          "assertion", "claim", "iTXt", "HTTP", "URL")


def _emitted_names() -> tuple[set[str], list[str]]:
    """Every check name in the verifier's source: `report.check("<name>", ...)`, and for
    `get(url, report, "<what>")` / `json_object(body, report, "<what>")` the names
    fetching.py builds from them (`fetch <what>`, `<what> is JSON`). Returns the names
    and any check whose name is built some other way (each needs a look)."""
    names: set[str] = set()
    unexplained: list[str] = []
    for path in sorted(BADGE_CHECK.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if called == "check" and isinstance(func, ast.Attribute):
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
                else:
                    shape = ast.unparse(first)
                    if shape not in ('f"fetch {what}"', "f'fetch {what}'", 'f"{what} is JSON"', "f'{what} is JSON'"):
                        unexplained.append(f"{path.name}:{node.lineno}: {shape}")
            elif called in ("get", "json_object") and len(node.args) >= 3:
                what = node.args[2]
                if isinstance(what, ast.Constant) and isinstance(what.value, str):
                    names.add(f"fetch {what.value}" if called == "get" else f"{what.value} is JSON")
                else:
                    unexplained.append(f"{path.name}:{node.lineno}: {called}(..., {ast.unparse(what)})")
    return names, unexplained


def test_every_check_the_verifier_can_emit_has_words():
    names, unexplained = _emitted_names()
    assert unexplained == [], "check names built in a way this test cannot read"
    assert len(names) >= 30  # the collector really reads the verifier (it emits ~45 today)
    assert sorted(n for n in names if not check_words.known(n)) == []


@pytest.mark.parametrize("name", KNOWN)
def test_each_known_check_has_its_own_plain_words(name):
    assert check_words.known(name)
    passed, failed = check_words.says(name, True), check_words.says(name, False)
    assert passed not in check_words.GENERIC and failed not in check_words.GENERIC
    assert passed != failed and passed.endswith(".") and failed.endswith(".")
    for words in (passed, failed):
        assert [j for j in JARGON if j in words] == [], words


def test_a_check_without_words_still_gets_a_sentence():
    assert not check_words.known("quantum seal")
    assert check_words.says("quantum seal", True) == "This check passed."
    assert check_words.says("quantum seal", False) == "This check failed, so Laurel cannot confirm the badge."
    assert check_words.says("fetch did document", False) == "Laurel could not download a document the badge points to."


def test_the_verdict_names_the_check_that_decided_it():
    checks = [{"check": "type", "ok": True}, {"check": "expiry", "ok": False},
              {"check": "signature", "ok": False}, {"check": "revocation", "ok": False}]
    assert check_words.verdict_says("invalid", checks) == (
        "Not valid: The digital signature does not match: the badge was altered or not signed by its issuer.")
    assert check_words.deciding_check("invalid", checks)["check"] == "signature"
    assert check_words.verdict_says("revoked", checks) == "Revoked: The issuer has withdrawn (revoked) this badge."
    assert check_words.verdict_says("expired", checks) == "Expired: The badge has expired."
    assert check_words.verdict_says("valid", [{"check": "type", "ok": True}]) == "Valid: every check passed."
    assert check_words.deciding_check("valid", checks) is None


def test_the_report_page_shows_words_and_folds_the_detail_even_for_a_stored_report():
    """An import's report stored before checks had words is shown with them too."""
    from chalicelib import web

    stored = {"result": "invalid", "format": "Open Badges 3.0", "checked_at": "2026-12-01T00:00:00Z",
              "credential": {"name": "Data Steward"},
              "checks": [{"check": "type", "ok": True, "detail": ""},
                         {"check": "key controlled by issuer", "ok": False,
                          "detail": "<b>did:web:evil.example#k</b> is not the issuer's"}]}
    html = web.render("verify_report.html", r=stored, external=True)
    assert "Not valid: The signing key does not belong to the issuer" in html
    assert "It says it is an Open Badge." in html
    assert ("<details><summary>Technical detail</summary><p><code>key controlled by issuer</code>: "
            "&lt;b&gt;did:web:evil.example#k&lt;/b&gt; is not the issuer&#39;s</p></details>") in html
