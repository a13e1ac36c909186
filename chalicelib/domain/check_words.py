"""What each verification check means, in words a recruiter understands.

The verifier (services/badge_check) names its checks for people who know the Open
Badges specifications ("key controlled by issuer", "registered claims") and keeps the
technical `detail` of each. A recruiter checking a candidate's badge needs the same
verdict in plain words: what was checked, and if it failed, what that means for the
badge. Issue 18, rule 7: "The report says which check failed for each verdict, in
words a recruiter understands, with the technical detail folded."

Pure: a table and two lookups, no I/O. The words are marked for the catalogs (`N_`) and
translated when asked for (`_`: the language of the page being rendered, issue 19); the
report an API client gets is made outside any page, so in English. A name missing from the table still gets a
sentence (`GENERIC`), so a new check never shows a blank; tests/unit/test_check_words.py
collects every name the verifier can emit from its source and fails for any that
only gets the generic sentence.
"""

from __future__ import annotations

from ..i18n import N_, _

# check name -> (words when it passed, words when it failed)
WORDS: dict[str, tuple[str, str]] = {
    "recognised input": (
        N_("Laurel recognised this as an Open Badge."),
        N_("This is not something Laurel can read as a badge: not an Open Badge file, link or text.")),
    "URL answers": (
        N_("The badge's web address is online."),
        N_("The badge's web address did not answer with a badge.")),
    "baked image": (
        N_("The badge image carries its badge data, as the Open Badges rules require."),
        N_("The image does not carry its badge data the way the Open Badges rules require.")),
    "matches hosted copy": (
        N_("The badge matches the issuer's own record of it."),
        N_("The badge differs from the issuer's own record of it: it may have been altered.")),
    "document structure": (
        N_("The badge data is complete and well formed."),
        N_("The badge data is incomplete or malformed.")),
    "type": (
        N_("It says it is an Open Badge."),
        N_("It does not say it is an Open Badge.")),
    "contexts": (
        N_("It uses the published Open Badges vocabulary."),
        N_("It uses vocabulary that is not part of the published Open Badges standard.")),
    "terms defined": (
        N_("Every field in the badge is defined by the standard it follows."),
        N_("The badge contains fields its standard does not define, so it cannot be checked reliably.")),
    "dates": (
        N_("The badge's dates are in order."),
        N_("The badge's dates are invalid, or it is not valid yet.")),
    "expiry": (
        N_("The badge has not expired."),
        N_("The badge has expired.")),
    "recipient": (
        N_("The badge was issued to the email address you gave."),
        N_("The badge was not issued to the email address you gave.")),
    "issuer": (
        N_("The badge names the organisation that issued it."),
        N_("The badge does not properly name the organisation that issued it.")),
    "issuer profile": (
        N_("The issuer's profile was found."),
        N_("The issuer's profile could not be found.")),
    "issuer origin": (
        N_("The badge is published on the issuer's own website."),
        N_("The badge is published on a website that is not the issuer's.")),
    "badge class": (
        N_("The description of the achievement was found."),
        N_("The description of the achievement could not be found.")),
    "verification type": (
        N_("The badge says how to confirm it is genuine, in a way Laurel supports."),
        N_("The badge does not say how to confirm it is genuine in a way Laurel supports.")),
    "hosted assertion": (
        N_("The issuer's website still has this badge on record."),
        N_("The issuer's website does not have this badge on record.")),
    "proof present": (
        N_("The badge carries a digital signature."),
        N_("The badge carries no digital signature.")),
    "JWT structure": (
        N_("The signed badge is well formed."),
        N_("The signed badge is malformed.")),
    "JWS structure": (
        N_("The signed badge is well formed."),
        N_("The signed badge is malformed.")),
    "json-ld context": (
        N_("It uses the published Open Badges vocabulary."),
        N_("It does not say it uses the published Open Badges vocabulary, so its fields mean nothing.")),
    "signing key": (
        N_("The issuer's signing key was found."),
        N_("The issuer's signing key could not be found.")),
    "revocation list": (
        N_("The issuer's list of withdrawn badges was read."),
        N_("The issuer's list of withdrawn badges could not be read.")),
    "algorithm": (
        N_("The badge is signed with a secure method Laurel accepts."),
        N_("The badge is signed with a method Laurel does not accept as secure.")),
    "verification method": (
        N_("The signing key the badge names was found."),
        N_("The signing key the badge names could not be found.")),
    "key controlled by issuer": (
        N_("The signing key belongs to the issuer."),
        N_("The signing key does not belong to the issuer: someone else may have signed the badge.")),
    "signature": (
        N_("The digital signature is genuine: the badge is unchanged since the issuer signed it."),
        N_("The digital signature does not match: the badge was altered or not signed by its issuer.")),
    "signature (eddsa-rdfc-2022)": (
        N_("The digital signature is genuine: the badge is unchanged since the issuer signed it."),
        N_("The digital signature does not match: the badge was altered or not signed by its issuer.")),
    "registered claims": (
        N_("The signed envelope agrees with the badge inside it."),
        N_("The signed envelope disagrees with the badge inside it.")),
    "status list": (
        N_("The issuer's list of withdrawn badges was read and is genuine."),
        N_("The issuer's list of withdrawn badges could not be read or trusted.")),
    "revocation": (
        N_("The issuer has not withdrawn (revoked) this badge."),
        N_("The issuer has withdrawn (revoked) this badge.")),
}

# The documents the verifier fetches and reads (`fetch <what>`, `<what> is JSON`),
# named for a reader.
DOCUMENTS: dict[str, str] = {
    "URL": N_("the badge at that address"),
    "credential": N_("the badge"),
    "assertion": N_("the badge's record"),
    "hosted assertion": N_("the issuer's record of the badge"),
    "revocation notice": N_("the issuer's notice that the badge was withdrawn"),
    "revocation": N_("the issuer's notice that the badge was withdrawn"),
    "badge class": N_("the description of the achievement"),
    "issuer": N_("the issuer's profile"),
    "issuer profile": N_("the issuer's profile"),
    "revocation list": N_("the issuer's list of withdrawn badges"),
    "status list": N_("the issuer's list of withdrawn badges"),
    "verification method": N_("the issuer's signing key"),
    "signing key": N_("the issuer's signing key"),
    "issuer key": N_("the issuer's signing key"),
    "key": N_("the issuer's signing key"),
    "key document": N_("the document holding the issuer's signing key"),
    "issuer JWKS": N_("the issuer's published signing keys"),
    "JWKS": N_("the issuer's published signing keys"),
}
SOME_DOCUMENT = N_("a document the badge points to")

GENERIC = (N_("This check passed."), N_("This check failed, so Laurel cannot confirm the badge."))

FETCH = "fetch "
IS_JSON = " is JSON"


def document_words(what: str) -> str:
    return _(DOCUMENTS.get(what, SOME_DOCUMENT))


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
        return _(WORDS[name][0 if ok else 1])
    if name.startswith(FETCH):
        thing = document_words(name[len(FETCH):])
        return _("Laurel downloaded %(thing)s.", thing=thing) if ok else _("Laurel could not download %(thing)s.",
                                                                            thing=thing)
    if name.endswith(IS_JSON):
        thing = _capital(document_words(name[: -len(IS_JSON)]))
        return (_("%(thing)s is a readable document.", thing=thing) if ok
                else _("%(thing)s is not a readable document.", thing=thing))
    return _(GENERIC[0 if ok else 1])


VERDICTS = {"valid": N_("Valid"), "expired": N_("Expired"), "revoked": N_("Revoked"), "invalid": N_("Not valid")}
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


def verdict_label(result: str) -> str:
    """The verdict's one word ("Valid", "Not valid") in the current language."""
    return _(VERDICTS[result]) if result in VERDICTS else result


def verdict_says(result: str, checks: list[dict]) -> str:
    """One sentence for the verdict: what it is and which check decided it."""
    label = verdict_label(result)
    if result == "valid":
        return _("%(verdict)s: every check passed.", verdict=label)
    decided = deciding_check(result, checks)
    if decided is None:
        return _("%(verdict)s: Laurel could not check this badge.", verdict=label)
    return _("%(verdict)s: %(reason)s", verdict=label, reason=says(decided.get("check", ""), False))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
