"""Laurel's one logger (Powertools, service "laurel"), with a redacting filter.

No log line may carry an email address, a claim or confirmation token, an API key,
a webhook secret or a cookie. Code should never pass them, but error texts from
outside often quote them (SES: "... failed the check in region US-EAST-1:
grace@example.com"), and LMS payloads are whatever the LMS sends. So the filter sits
on the underlying `logging.getLogger("laurel")`, which Powertools and Chalice's own
`app.log` both write through, and rewrites every string in the message and in the
extra keys before any handler formats the record.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Powertools loads with the first line logged
    from aws_lambda_powertools import Logger

SERVICE = "laurel"

_PATTERNS = (
    (re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[email]"),
    (re.compile(r"\b(?:lrl_[a-z0-9]+_[0-9a-z]+_[a-z2-7]+|whsec_[a-z2-7]+|ofb_[a-z2-7]+)\b"), "[secret]"),
    (re.compile(r"(?i)\b(token=)[^&\s\"'<>]+"), r"\1[token]"),
    (re.compile(r"(?i)\b(bearer\s+)[^\s\"']+"), r"\1[secret]"),
    (re.compile(r"(?i)\b((?:set-)?cookie[\"']?\s*[:=]\s*[\"']?)[^\"'\n]+"), r"\1[cookie]"),
)
# LogRecord's own attributes: everything else on a record came from `extra=`
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact(value: Any) -> Any:
    if isinstance(value, str):
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.args:
            try:
                record.msg, record.args = record.getMessage(), ()
            except (TypeError, ValueError):
                pass
        record.msg = redact(record.msg)
        for name, value in list(vars(record).items()):
            if name not in _RESERVED and isinstance(value, (str, dict, list, tuple)):
                setattr(record, name, redact(value))
        return True


def install() -> None:
    """Put the filter on the service's logger once (idempotent)."""
    base = logging.getLogger(SERVICE)
    if not any(isinstance(f, RedactingFilter) for f in base.filters):
        base.addFilter(RedactingFilter())


def logger() -> Logger:
    """The Powertools logger every module uses (instances of one service share the
    underlying logger, its handler and this filter)."""
    from aws_lambda_powertools import Logger

    log = Logger(service=SERVICE)
    install()
    return log
