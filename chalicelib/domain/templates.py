"""Badge template rules: lifecycle states and the expiry policy."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from .errors import Conflict

KINDS = ("certification", "micro-credential", "badge")
STATES = ("draft", "active", "archived")
EXPIRY_UNITS = ("never", "days", "months", "years")


@dataclass(frozen=True)
class ExpiryPolicy:
    unit: str = "never"
    amount: int | None = None

    def expires_at(self, issued_at: datetime) -> datetime | None:
        """When a credential issued at `issued_at` expires under this policy."""
        if self.unit == "never" or not self.amount:
            return None
        if self.unit == "days":
            from datetime import timedelta

            return issued_at + timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "years" else 1)
        return add_months(issued_at, months)

    def to_dict(self) -> dict:
        return {"unit": self.unit} if self.unit == "never" else {"unit": self.unit, "amount": self.amount}

    @classmethod
    def from_dict(cls, data: dict | None) -> ExpiryPolicy:
        data = data or {}
        return cls(unit=data.get("unit", "never"), amount=data.get("amount"))


def add_months(dt: datetime, months: int) -> datetime:
    """Calendar months; the day is clamped to the target month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = dt.month - 1 + months
    year, month = dt.year + index // 12, index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


_TRANSITIONS = {"draft": {"active", "archived"}, "active": {"archived"}, "archived": set()}


def check_transition(current: str, target: str) -> None:
    if target not in _TRANSITIONS[current]:
        raise Conflict(f"a {current} template cannot become {target}", code="invalid_state")


def check_editable(state: str) -> None:
    if state == "archived":
        raise Conflict("archived templates cannot be edited", code="invalid_state")


def check_can_issue(state: str) -> None:
    if state != "active":
        raise Conflict(f"only active templates issue credentials; this one is {state}", code="template_not_active")
