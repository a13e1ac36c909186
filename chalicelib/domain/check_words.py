"""What each verification check means, in words a recruiter understands.

The verifier (services/badge_check) names its checks for people who know the Open
Badges specifications ("key controlled by issuer", "registered claims") and keeps the
technical `detail` of each. A recruiter checking a candidate's badge needs the same
verdict in plain words: what was checked, and if it failed, what that means for the
badge. Issue 18, rule 7: "The report says which check failed for each verdict, in
words a recruiter understands, with the technical detail folded."

Pure: a table and two lookups, no I/O. A name missing from the table still gets a
sentence (`GENERIC`), so a new check never shows a blank; tests/unit/test_check_words.py
collects every name the verifier can emit from its source and fails for any that
only gets the generic sentence.
"""

from __future__ import annotations

# check name -> (words when it passed, words when it failed)
WORDS: dict[str, tuple[str, str]] = {
    "recognised input": (
        "Laurel recognised this as an Open Badge.",
        "This is not something Laurel can read as a badge: not an Open Badge file, link or text."),
    "URL answers": (
        "The badge's web address is online.",
        "The badge's web address did not answer with a badge."),
    "baked image": (
        "The badge image carries its badge data, as the Open Badges rules require.",
        "The image does not carry its badge data the way the Open Badges rules require."),
    "matches hosted copy": (
        "The badge matches the issuer's own record of it.",
        "The badge differs from the issuer's own record of it: it may have been altered."),
    "document structure": (
        "The badge data is complete and well formed.",
        "The badge data is incomplete or malformed."),
    "type": (
        "It says it is an Open Badge.",
        "It does not say it is an Open Badge."),
    "contexts": (
        "It uses the published Open Badges vocabulary.",
        "It uses vocabulary that is not part of the published Open Badges standard."),
    "terms defined": (
        "Every field in the badge is defined by the standard it follows.",
        "The badge contains fields its standard does not define, so it cannot be checked reliably."),
    "dates": (
        "The badge's dates are in order.",
        "The badge's dates are invalid, or it is not valid yet."),
    "expiry": (
        "The badge has not expired.",
        "The badge has expired."),
    "recipient": (
        "The badge was issued to the email address you gave.",
        "The badge was not issued to the email address you gave."),
    "issuer": (
        "The badge names the organisation that issued it.",
        "The badge does not properly name the organisation that issued it."),
    "issuer profile": (
        "The issuer's profile was found.",
        "The issuer's profile could not be found."),
    "issuer origin": (
        "The badge is published on the issuer's own website.",
        "The badge is published on a website that is not the issuer's."),
    "badge class": (
        "The description of the achievement was found.",
        "The description of the achievement could not be found."),
    "verification type": (
        "The badge says how to confirm it is genuine, in a way Laurel supports.",
        "The badge does not say how to confirm it is genuine in a way Laurel supports."),
    "hosted assertion": (
        "The issuer's website still has this badge on record.",
        "The issuer's website does not have this badge on record."),
    "proof present": (
        "The badge carries a digital signature.",
        "The badge carries no digital signature."),
    "JWT structure": (
        "The signed badge is well formed.",
        "The signed badge is malformed."),
    "JWS structure": (
        "The signed badge is well formed.",
        "The signed badge is malformed."),
    "json-ld context": (
        "It uses the published Open Badges vocabulary.",
        "It does not say it uses the published Open Badges vocabulary, so its fields mean nothing."),
    "signing key": (
        "The issuer's signing key was found.",
        "The issuer's signing key could not be found."),
    "revocation list": (
        "The issuer's list of withdrawn badges was read.",
        "The issuer's list of withdrawn badges could not be read."),
    "algorithm": (
        "The badge is signed with a secure method Laurel accepts.",
        "The badge is signed with a method Laurel does not accept as secure."),
    "verification method": (
        "The signing key the badge names was found.",
        "The signing key the badge names could not be found."),
    "key controlled by issuer": (
        "The signing key belongs to the issuer.",
        "The signing key does not belong to the issuer: someone else may have signed the badge."),
    "signature": (
        "The digital signature is genuine: the badge is unchanged since the issuer signed it.",
        "The digital signature does not match: the badge was altered or not signed by its issuer."),
    "signature (eddsa-rdfc-2022)": (
        "The digital signature is genuine: the badge is unchanged since the issuer signed it.",
        "The digital signature does not match: the badge was altered or not signed by its issuer."),
    "registered claims": (
        "The signed envelope agrees with the badge inside it.",
        "The signed envelope disagrees with the badge inside it."),
    "status list": (
        "The issuer's list of withdrawn badges was read and is genuine.",
        "The issuer's list of withdrawn badges could not be read or trusted."),
    "revocation": (
        "The issuer has not withdrawn (revoked) this badge.",
        "The issuer has withdrawn (revoked) this badge."),
}

# The documents the verifier fetches and reads (`fetch <what>`, `<what> is JSON`),
# named for a reader.
DOCUMENTS: dict[str, str] = {
    "URL": "the badge at that address",
    "credential": "the badge",
    "assertion": "the badge's record",
    "hosted assertion": "the issuer's record of the badge",
    "revocation notice": "the issuer's notice that the badge was withdrawn",
    "revocation": "the issuer's notice that the badge was withdrawn",
    "badge class": "the description of the achievement",
    "issuer": "the issuer's profile",
    "issuer profile": "the issuer's profile",
    "revocation list": "the issuer's list of withdrawn badges",
    "status list": "the issuer's list of withdrawn badges",
    "verification method": "the issuer's signing key",
    "signing key": "the issuer's signing key",
    "issuer key": "the issuer's signing key",
    "key": "the issuer's signing key",
    "key document": "the document holding the issuer's signing key",
    "issuer JWKS": "the issuer's published signing keys",
    "JWKS": "the issuer's published signing keys",
}
SOME_DOCUMENT = "a document the badge points to"

GENERIC = ("This check passed.", "This check failed, so Laurel cannot confirm the badge.")

FETCH = "fetch "
IS_JSON = " is JSON"


def document_words(what: str) -> str:
    return DOCUMENTS.get(what, SOME_DOCUMENT)


def known(name: str) -> bool:
    """Whether `name` has its own words (not only the generic sentence)."""
    if name in WORDS:
        return True
    if name.startswith(FETCH):
        return name[len(FETCH):] in DOCUMENTS
    if name.endswith(IS_JSON):
        return name[: -len(IS_JSON)] in DOCUMENTS
    return False


def says(name: str, ok: bool) -> str:
    """The check `name`'s outcome in plain words."""
    if name in WORDS:
        return WORDS[name][0 if ok else 1]
    if name.startswith(FETCH):
        thing = document_words(name[len(FETCH):])
        return f"Laurel downloaded {thing}." if ok else f"Laurel could not download {thing}."
    if name.endswith(IS_JSON):
        thing = document_words(name[: -len(IS_JSON)])
        return (f"{_capital(thing)} is a readable document." if ok
                else f"{_capital(thing)} is not a readable document.")
    return GENERIC[0 if ok else 1]


VERDICTS = {"valid": "Valid", "expired": "Expired", "revoked": "Revoked", "invalid": "Not valid"}
# the checks whose failure is the verdict itself rather than "invalid" (badge_check.report.Report.result)
VERDICT_CHECKS = {"expired": "expiry", "revoked": "revocation"}


def deciding_check(result: str, checks: list[dict]) -> dict | None:
    """The check that decided `result`: the first failed check for "invalid", the
    expiry or revocation check for "expired"/"revoked", none for "valid"."""
    if result == "valid":
        return None
    wanted = VERDICT_CHECKS.get(result)
    for check in checks:
        if not check.get("ok") and (check.get("check") == wanted if wanted
                                     else check.get("check") not in VERDICT_CHECKS.values()):
            return check
    return None


def verdict_says(result: str, checks: list[dict]) -> str:
    """One sentence for the verdict: what it is and which check decided it."""
    label = VERDICTS.get(result, result)
    if result == "valid":
        return f"{label}: every check passed."
    decided = deciding_check(result, checks)
    if decided is None:
        return f"{label}: Laurel could not check this badge."
    return f"{label}: {says(decided.get('check', ''), False)}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
