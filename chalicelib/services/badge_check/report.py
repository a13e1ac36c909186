"""The verdict of one verification and every check that ran."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail})
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
        return {"result": self.result, "format": self.format, "checked_at": iso(clock.utcnow()),
                "credential": self.summary, "checks": self.checks}


class Failed(Exception):
    """A check failed hard enough that nothing after it can run."""
