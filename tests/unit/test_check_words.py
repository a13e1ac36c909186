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
    "contexts", "terms defined", "json-ld context", "JWS structure", "signing key", "revocation list", "dates", "expiry", "recipient", "issuer", "issuer profile", "issuer origin",
    "badge class", "verification type", "hosted assertion", "proof present", "JWT structure", "algorithm",
    "verification method", "key controlled by issuer", "signature", "signature (eddsa-rdfc-2022)",
    "registered claims", "status list", "revocation",
    "fetch URL", "fetch assertion", "fetch badge class", "fetch issuer", "fetch revocation list",
    "fetch verification method", "fetch status list", "fetch issuer JWKS", "fetch signing key", "fetch key", "fetch issuer key",
    "fetch key document",
    "credential is JSON", "revocation notice is JSON", "revocation is JSON", "hosted assertion is JSON",
    "badge class is JSON", "issuer profile is JSON", "revocation list is JSON", "verification method is JSON",
    "status list is JSON", "JWKS is JSON",
]
# words a recruiter would not understand: they belong in the technical detail
JARGON = ("JWT", "JWS", "JWK", "JSON", "LD", "eddsa", "rdfc", "kid", "DID", "did:", "context", "hash", "bit",
          "assertion", "claim", "iTXt", "HTTP", "URL")


def _callers(function: ast.FunctionDef, file: str, trees: dict[str, ast.Module]) -> list[ast.Call]:
    """Calls of `function`: by its bare name in its own file, as `<module>.<name>` anywhere."""
    found = []
    for other, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (other == file and isinstance(func, ast.Name) and func.id == function.name) or (
                    isinstance(func, ast.Attribute) and func.attr == function.name
                    and isinstance(func.value, ast.Name) and func.value.id == file.removesuffix(".py")):
                found.append(node)
    return found


def _constants(arg: ast.expr, function: ast.FunctionDef | None, file: str,
               trees: dict[str, ast.Module]) -> list[str] | None:
    """The strings `arg` can be: a literal, or a parameter of the enclosing function
    followed to the literals its callers in the package pass (one level). None when
    it is built some other way."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.Name) and function is not None:
        params = [a.arg for a in function.args.args]
        if arg.id in params:
            position, values = params.index(arg.id), []
            for call in _callers(function, file, trees):
                passed = next((k.value for k in call.keywords if k.arg == arg.id),
                              call.args[position] if position < len(call.args) else None)
                if not (isinstance(passed, ast.Constant) and isinstance(passed.value, str)):
                    return None
                values.append(passed.value)
            return values or None
    return None


def _emitted_names() -> tuple[set[str], list[str]]:
    """Every check name in the verifier's source: `report.check("<name>", ...)`, and for
    `get(url, report, "<what>")` / `json_object(body, report, "<what>")` the names
    fetching.py builds from them (`fetch <what>`, `<what> is JSON`); a name passed in
    as a parameter is followed to the callers' literals. Returns the names and any
    check whose name is built some other way (each needs a look)."""
    trees = {path.name: ast.parse(path.read_text()) for path in sorted(BADGE_CHECK.glob("*.py"))}
    names: set[str] = set()
    unexplained: list[str] = []
    for file, tree in trees.items():
        functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            around = [f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)]
            function = max(around, key=lambda f: f.lineno, default=None)  # the innermost
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == "check" and isinstance(func, ast.Attribute):
                shape = ast.unparse(node.args[0])
                if shape in ('f"fetch {what}"', "f'fetch {what}'", 'f"{what} is JSON"', "f'{what} is JSON'"):
                    continue  # fetching.py's own: the names are built from the callers' `what` below
                values = _constants(node.args[0], function, file, trees)
                if values is None:
                    unexplained.append(f"{file}:{node.lineno}: check({shape})")
                names.update(values or [])
            elif called in ("get", "json_object") and len(node.args) >= 3:
                values = _constants(node.args[2], function, file, trees)
                if values is None:
                    unexplained.append(f"{file}:{node.lineno}: {called}(..., {ast.unparse(node.args[2])})")
                names.update(f"fetch {v}" if called == "get" else f"{v} is JSON" for v in values or [])
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
