"""`make outage MINUTES=3`: pause the API server of a running `make run` for a while, and
only it (moto, the probers, the queue workers and the scheduler keep running), so the
uptime probes record an outage: "Under make run, stopping the app's local server for
three minutes shows as an outage" (issue 16).

The server's process group (its pid is in run_local's state file, `server_pid`) gets
SIGSTOP, then SIGCONT after the pause (also on Ctrl-C). A paused server still accepts
connections (the kernel does) and never answers: the probes time out, as they would on a
hung server. Usage: outage.py [--minutes N | --seconds S] [--state FILE].
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, default=3.0)
    length.add_argument("--seconds", type=float)
    parser.add_argument("--state", default=os.environ.get("LAUREL_LOCAL_STATE", str(ROOT / ".laurel-local.json")))
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    if seconds <= 0:
        parser.error("the pause must be longer than 0")
    try:
        pid = int(json.loads(Path(args.state).read_text())["server_pid"])
    except (OSError, ValueError, KeyError) as exc:
        print(f"no running `make run` found ({args.state}: {exc.__class__.__name__}); start it first",
              file=sys.stderr)
        return 1
    try:
        os.killpg(pid, signal.SIGSTOP)
    except ProcessLookupError:
        print(f"the API server (process group {pid}) is not running; is `make run` still up?", file=sys.stderr)
        return 1
    started = datetime.now(UTC)
    print(f"{started:%H:%M:%S} UTC: API server paused for {seconds:.0f} s (process group {pid})", flush=True)
    try:
        time.sleep(seconds)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    finally:
        try:
            os.killpg(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    print(f"{datetime.now(UTC):%H:%M:%S} UTC: API server running again; the outage minutes are on /ops/sla",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
