"""The verdict of one verification and every check that ran.

Each check keeps its technical name and `detail` and gets `says`: what it found in
words a recruiter understands (domain/check_words.py); the report's own `says` is the
verdict in one sentence naming the check that decided it (`decided_by`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ... import i18n
from ...domain import check_words
from ...domain.clock import iso
from .. import clock


@dataclass
class Report:
    format: str = "unknown"
    checks: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    revoked: bool = False
    expired: bool = False
    recipient_hashes: list[tuple[str, str]] = field(default_factory=list)  # (identity hash, salt)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        # the words are kept with the report (stored with an import, answered as JSON): in English, whatever
        # the language of the request; a page says them again in its reader's language (verify_report.html)
        with i18n.using(i18n.DEFAULT):
            says = check_words.says(name, bool(ok))
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail, "says": says})
        return ok

    @property
    def result(self) -> str:
        if not self.checks or not all(c["ok"] for c in self.checks if c["check"] not in ("expiry", "revocation")):
            return "invalid"
        if self.revoked:
            return "revoked"
        if self.expired:
            return "expired"
        return "valid"

    def to_dict(self) -> dict:
        result = self.result
        decided = check_words.deciding_check(result, self.checks)
        with i18n.using(i18n.DEFAULT):
            says = check_words.verdict_says(result, self.checks)
        return {"result": result, "format": self.format, "checked_at": iso(clock.utcnow()),
                "says": says,
                "decided_by": decided["check"] if decided else None,
                "credential": self.summary, "checks": self.checks}


class Failed(Exception):
    """A check failed hard enough that nothing after it can run."""
