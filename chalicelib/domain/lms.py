"""LMS completions: normalise the payload formats, decide what a completion earns.

Pure: no I/O. The service records every decision with the event that caused it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

DEFAULT_THRESHOLD = Decimal("80")
COMPLETION_EVENTS = {"course.completed", "course_completed", "completion"}


class PayloadError(ValueError):
    """The body is JSON but not a completion this format can read. `field` names the
    value at fault (as a path in the body); `wrong_type` says it has the wrong JSON type
    (a string where a number belongs), rather than a wrong value."""

    def __init__(self, message: str, *, field: str | None = None, wrong_type: bool = False):
        super().__init__(message)
        self.field = field
        self.wrong_type = wrong_type


@dataclass(frozen=True)
class Completion:
    event_key: str  # the sender's event id, or a hash of the body when it has none
    email: str
    first_name: str
    last_name: str
    course_id: str
    score: Decimal  # percent, 0..100
    completed_at: str | None


@dataclass(frozen=True)
class Ignored:
    event_key: str
    event_type: str


def _text(value: object, field: str, max_len: int = 200) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise PayloadError(f"{field} is missing", field=field)
    value = str(value).strip()
    if len(value) > max_len:
        raise PayloadError(f"{field} is too long", field=field)
    return value


def _number(data: dict, name: str, prefix: str) -> Decimal:
    """A JSON number, never a string that looks like one (`"99"`) or a boolean."""
    raw = data[name]
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise PayloadError(f"{prefix}{name} must be a JSON number", field=prefix + name, wrong_type=True)
    return Decimal(str(raw))


def _score(data: dict, prefix: str = "") -> Decimal:
    """`score` or `percent` as a percentage; a fraction in [0, 1] given as `score` with
    `max_score` is scaled. Anything outside 0..100 is refused. `prefix`: where `data`
    sits in the body (to name the field)."""
    name = "percent" if "percent" in data else "score"
    if data.get(name) is None:
        raise PayloadError("score or percent is missing", field=prefix + name)
    value = _number(data, name, prefix)
    if data.get("max_score") is not None:
        maximum = _number(data, "max_score", prefix)
        if not maximum.is_finite() or maximum <= 0:
            raise PayloadError("max_score must be above 0", field=prefix + "max_score")
        try:
            value = value * 100 / maximum
        except (InvalidOperation, ArithmeticError):
            raise PayloadError(f"{prefix}{name} is not a usable number", field=prefix + name) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise PayloadError("score must be between 0 and 100 percent", field=prefix + name)
    return value


def _key(explicit: object, raw_body: bytes) -> str:
    if isinstance(explicit, (str, int)) and not isinstance(explicit, bool) and str(explicit).strip():
        return "id:" + str(explicit).strip()[:200]
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


def parse_generic(body: dict, raw_body: bytes) -> Completion | Ignored:
    """Laurel's documented format:
    {"event": "course.completed", "event_id": "...", "email": "...", "first_name": "...",
     "last_name": "...", "course_id": "...", "score": 92, "completed_at": "2026-11-02T10:00:00Z"}"""
    event = str(body.get("event", ""))
    key = _key(body.get("event_id"), raw_body)
    if event not in COMPLETION_EVENTS:
        return Ignored(key, event[:100])
    return Completion(key, _text(body.get("email"), "email", 320), _text(body.get("first_name"), "first_name", 100),
                      _text(body.get("last_name"), "last_name", 100), _text(body.get("course_id"), "course_id"),
                      _score(body), body.get("completed_at") if isinstance(body.get("completed_at"), str) else None)


def parse_thought_industries(body: dict, raw_body: bytes) -> Completion | Ignored:
    """A Thought Industries-style envelope:
    {"event": "course.completed", "id": "...", "timestamp": ..., "data": {"learner": {"email", "firstName",
     "lastName"} | "email"/"firstName"/"lastName", "courseId", "score" | "percent", "completedAt"}}"""
    event = str(body.get("event", ""))
    key = _key(body.get("id") or body.get("event_id"), raw_body)
    if event not in COMPLETION_EVENTS:
        return Ignored(key, event[:100])
    data = body.get("data")
    if not isinstance(data, dict):
        raise PayloadError("data is missing", field="data")
    learner = data["learner"] if isinstance(data.get("learner"), dict) else data
    completed = data.get("completedAt") or data.get("completed_at")
    return Completion(
        key,
        _text(learner.get("email"), "email", 320),
        _text(learner.get("firstName") or learner.get("first_name"), "firstName", 100),
        _text(learner.get("lastName") or learner.get("last_name"), "lastName", 100),
        _text(data.get("courseId") or data.get("course_id"), "courseId"),
        _score(data, "data."),
        completed if isinstance(completed, str) else None,
    )


PARSERS = {"generic": parse_generic, "thought_industries": parse_thought_industries}


@dataclass(frozen=True)
class Decision:
    outcome: str  # issue | schedule | retake | no_rule
    rule: dict | None
    reason: str


def decide(completion: Completion, rules: dict) -> Decision:
    """At or above the rule's threshold the credential is earned, below it the learner
    is asked to retake; a course without a rule earns nothing."""
    rule = rules.get(completion.course_id)
    if rule is None:
        return Decision("no_rule", None, f"no rule maps course {completion.course_id}")
    threshold = Decimal(str(rule.get("threshold", DEFAULT_THRESHOLD)))
    if completion.score >= threshold:
        outcome = "schedule" if rule.get("schedule_weekday") else "issue"
        return Decision(outcome, rule, f"score {completion.score} >= threshold {threshold}")
    return Decision("retake", rule, f"score {completion.score} < threshold {threshold}")
