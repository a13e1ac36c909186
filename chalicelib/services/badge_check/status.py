"""Status lists (Bitstring Status List) that say whether a credential was revoked."""

from __future__ import annotations

from ...openbadges import ob3
from .fetching import get, json_object
from .report import Failed, Report


def check_status(vc: dict, report: Report) -> None:
    status = vc.get("credentialStatus")
    if not status:
        report.check("revocation", True, "no status list declared")
        return
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if entry.get("type") != "BitstringStatusListEntry" or entry.get("statusPurpose") != "revocation":
            continue
        code, body = get(entry.get("statusListCredential", ""), report, "status list")
        listing = json_object(body, report, "status list") if code == 200 else {}
        try:
            bits = ob3.decode_bits(listing["credentialSubject"]["encodedList"])
            revoked = ob3.bit_is_set(bits, int(entry["statusListIndex"]))
        except (KeyError, ValueError, TypeError, IndexError, OSError, EOFError):
            report.check("status list", False, "the status list cannot be read")
            raise Failed from None
        report.revoked = revoked
        report.check("revocation", not revoked,
                     "revoked (status list bit set)" if revoked else "status list: not revoked")
