"""Engagement events out of band: one JSON line per event, nothing else.

`emit` is all a request pays for an event: it formats one line and writes it to the
function's stdout, which Lambda ships to CloudWatch Logs without a call from the
function (no AWS call, no DynamoDB write on the verification path). In AWS, a
subscription filter on each emitting function's log group (pattern
`{ $.laurel_engagement = 1 }`, infra/stack.py) hands batches of those lines to the
`EngagementAggregator` Lambda as `{"awslogs": {"data": base64(gzip(json))}}`.

Under `make run` (`chalice local`, no CloudWatch) the local stage sets
`LAUREL_ENGAGEMENT_SPOOL`: the lines are appended to that file instead, and
scripts/run_local.py feeds it to the same aggregator every few seconds in the same
awslogs shape (`awslogs_event`).

The line goes straight to stdout, not through the Powertools logger: it must be
written whatever the log level, and it carries no message, no request and nothing
personal that the redacting filter would have to catch (domain/engagement.Event).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import secrets
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..config import get_settings
from ..domain.engagement import Event


def new_event_id() -> str:
    """128 random bits: redeliveries keep it, distinct events never share it."""
    return secrets.token_hex(16)


def emit(kind: str, *, tenant_id: str, template_id: str, credential_id: str, now: datetime,
         event_id: str | None = None, **detail: Any) -> Event:
    """Record one event (see the module's docstring for where the line goes). `event_id`
    names an event that can happen only once (a credential's issuance), so that emitting
    it again, from a redelivered job, is counted once."""
    event = Event(id=event_id or new_event_id(), kind=kind, tenant_id=tenant_id, template_id=template_id,
                  credential_id=credential_id, day=now.date().isoformat(), **detail)
    write(event)
    return event


def write(event: Event) -> None:
    line = json.dumps(event.line(), separators=(",", ":"), ensure_ascii=False) + "\n"
    spool = get_settings().engagement_spool
    if spool:
        # one write() of an O_APPEND file: lines of concurrent requests never interleave
        fd = os.open(spool, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return
    sys.stdout.write(line)
    sys.stdout.flush()


# ------------------------------------------------------------------ CloudWatch Logs' subscription format


def awslogs_event(lines: Iterable[str], log_group: str = "/aws/lambda/laurel-local") -> dict:
    """The event CloudWatch Logs sends a subscribed Lambda for these log lines (used by
    the local feeder, the tests and the benchmark: the aggregator sees one shape)."""
    events = [{"id": str(i), "timestamp": 0, "message": line.rstrip("\n")} for i, line in enumerate(lines)]
    payload = {"messageType": "DATA_MESSAGE", "owner": "000000000000", "logGroup": log_group,
               "logStream": "local", "subscriptionFilters": ["engagement"], "logEvents": events}
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    return {"awslogs": {"data": data}}


def lines_of(event: dict) -> list[dict]:
    """The JSON lines of a subscription delivery (a CONTROL_MESSAGE, which CloudWatch
    sends to check the destination, holds none). A log event may carry Lambda's own
    prefix (`<time>\\t<request id>\\tINFO\\t{...}` when the function logs through
    `logging`): the JSON starts at the first `{`."""
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    if payload.get("messageType") != "DATA_MESSAGE":
        return []
    out = []
    for log_event in payload.get("logEvents", []):
        message = str(log_event.get("message", ""))
        start = message.find("{")
        if start < 0:
            continue
        try:
            data = json.loads(message[start:])
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out
