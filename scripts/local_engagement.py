"""What CloudWatch Logs' subscription filters do in a deployment, for `make run`.

`chalice local` has no log groups to subscribe to, so the local stage writes the
engagement lines to a spool file (`LAUREL_ENGAGEMENT_SPOOL`, chalicelib/adapters/
event_log.py). Every few seconds this thread takes the file (renamed aside, so the
app starts a new one), wraps its lines the way CloudWatch Logs delivers them
(`{"awslogs": {"data": base64(gzip(json))}}`) and calls the very handler Lambda
calls, `EngagementAggregator`. If the handler raises, the taken file stays and is
delivered again on the next tick, as Lambda retries a failed asynchronous
invocation: the aggregator counts each event once however often it arrives.

Used by scripts/run_local.py; tests can drive `feed_once` directly.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AGGREGATOR = "EngagementAggregator"
INTERVAL_SECONDS = 5.0
# a request that opened the spool just before it was renamed finishes its one write() in this time
SETTLE_SECONDS = 0.2


def feed_once(spool: Path, handler: Callable[[dict, Any], Any]) -> int:
    """Deliver what the spool holds (and what an earlier failed delivery left); the
    number of lines delivered."""
    from chalicelib.adapters.event_log import awslogs_event

    taken = spool.with_name(spool.name + ".delivering")
    if not taken.exists():
        if not spool.exists():
            return 0
        os.replace(spool, taken)
        time.sleep(SETTLE_SECONDS)
    lines = [line for line in taken.read_text(encoding="utf-8").splitlines() if line.strip()]
    if lines:
        handler(awslogs_event(lines, log_group="/aws/lambda/laurel-local-api"), None)
    taken.unlink()
    return len(lines)


def start(app: Any, spool: Path, interval: float = INTERVAL_SECONDS) -> threading.Thread:
    handler = app.handler_map[AGGREGATOR]

    def loop() -> None:
        while True:
            try:
                feed_once(spool, handler)
            except Exception as exc:  # noqa: BLE001 - keep the local runner alive, say what failed
                print(f"engagement feeder: {exc.__class__.__name__}: {exc}", file=sys.stderr)
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="engagement-feeder", daemon=True)
    thread.start()
    return thread
