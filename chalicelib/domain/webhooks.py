"""Webhook rules, pure: event types, payload shape, signatures, retry schedule.

Signature scheme (outbound events, and reusable for inbound LMS webhooks)
------------------------------------------------------------------------
Every delivery carries one header::

    Laurel-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]

where each `v1` is ``HMAC-SHA256(secret, f"{t}." + raw_body)`` as lower-case hex,
computed over the exact bytes of the request body. The HMAC key is the UTF-8 bytes
of the whole secret string as shown at creation (`whsec_...`, prefix included).

A receiver recomputes the HMAC with its secret, compares it in constant time with
every `v1` in the header and accepts the request if any matches and `t` lies within
five minutes of its own clock (replays of an old delivery are refused). Several
`v1` values appear during a secret rotation: for 24 hours after a rotation Laurel
signs with the new secret and the previous one, so receivers can switch secrets
whenever they like within that window (as Stripe does).

Retry schedule
--------------
A failed attempt is retried after 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h,
then every 12 h, the last wait shortened so that retries end exactly 72 hours
after the first failure; then the delivery is given up (`next_delay` is None).
"""

from __future__ import annotations

import hashlib
import hmac

EVENT_TYPES: tuple[str, ...] = (
    "credential.created",
    "credential.accepted",
    "credential.rejected",
    "credential.revoked",
    "credential.expired",
    "template.changed",
)

SIGNATURE_HEADER = "Laurel-Signature"
SIGNATURE_TOLERANCE = 300  # seconds either side of the receiver's clock
ROTATION_GRACE_SECONDS = 24 * 3600

# Waits before attempt 2, 3, ...; after the list, RETRY_TAIL repeats until RETRY_WINDOW.
RETRY_DELAYS: tuple[int, ...] = (30, 120, 600, 1800, 3600, 7200, 14400, 28800)
RETRY_TAIL = 12 * 3600
RETRY_WINDOW = 72 * 3600

_MAX_HEADER = 2048
_MAX_SIGNATURES = 8


def build_event(event_id: str, event_type: str, tenant_id: str, created_at: str, data: dict) -> dict:
    """The body every subscriber receives: the full object under `data`."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    return {"id": event_id, "type": event_type, "created_at": created_at, "tenant_id": tenant_id, "data": data}


def sign(secret: bytes, timestamp: int, raw_body: bytes) -> str:
    """Hex HMAC-SHA256 of `f"{timestamp}." + raw_body` under `secret`."""
    return hmac.new(secret, str(int(timestamp)).encode() + b"." + raw_body, hashlib.sha256).hexdigest()


def signature_header(secrets: list[bytes], timestamp: int, raw_body: bytes) -> str:
    """`t=<ts>,v1=<hex>` with one `v1` per secret, in the order given (current first)."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    return ",".join([f"t={int(timestamp)}"] + [f"v1={sign(s, timestamp, raw_body)}" for s in secrets])


def parse_header(header: str | None) -> tuple[int, list[str]] | None:
    """(timestamp, v1 signatures) of a signature header; None if it is malformed."""
    if not header or not isinstance(header, str) or len(header) > _MAX_HEADER:
        return None
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit() or len(value) > 12:
                return None
            timestamp = int(value)
        elif key == "v1":
            if len(value) != 64 or not value.isascii():
                continue  # not a SHA-256 hex digest: it cannot match
            signatures.append(value.lower())
        # other schemes (v0, future ones) are ignored, as a receiver should
    if timestamp is None or not signatures or len(signatures) > _MAX_SIGNATURES:
        return None
    return timestamp, signatures


def verify(secrets: list[bytes], header: str | None, raw_body: bytes, now: int,
           tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """True if `header` carries a fresh signature of `raw_body` by any of `secrets`.

    Any secret of the list is accepted (receivers rotating their secret keep the old
    one for a while). Comparisons are constant-time and every pair is compared, so
    the answer's timing tells nothing about which part matched.
    """
    parsed = parse_header(header)
    if parsed is None or not secrets:
        return False
    timestamp, signatures = parsed
    if abs(int(now) - timestamp) > tolerance:
        return False
    ok = False
    for secret in secrets:
        expected = sign(secret, timestamp, raw_body)
        for candidate in signatures:
            ok |= hmac.compare_digest(expected, candidate)
    return ok


def next_delay(attempt: int) -> int | None:
    """Seconds to wait after failed attempt number `attempt` (1-based) before the next
    one, or None once the retries have covered RETRY_WINDOW (give up: dead letter)."""
    if attempt < 1:
        raise ValueError("attempts are numbered from 1")
    elapsed = 0
    for n in range(1, attempt + 1):
        if elapsed >= RETRY_WINDOW:
            return None
        delay = min(RETRY_DELAYS[n - 1] if n <= len(RETRY_DELAYS) else RETRY_TAIL, RETRY_WINDOW - elapsed)
        if n == attempt:
            return delay
        elapsed += delay
    return None  # unreachable


def max_attempts() -> int:
    """How many attempts a delivery gets in all (the first one plus its retries)."""
    attempt = 1
    while next_delay(attempt) is not None:
        attempt += 1
    return attempt


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
