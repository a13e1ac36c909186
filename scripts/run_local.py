"""`make run`: the whole system on this machine.

Starts moto server (the embedded AWS) on 127.0.0.1:5000, creates the table, bucket
and SES sender, seeds demo data, starts `chalice local` on 127.0.0.1:8000, runs the
scheduled jobs (as EventBridge would) and consumes the SQS queues with the same
handlers Lambda runs (scripts/local_queues.py: bulk jobs, webhook deliveries), feeds
the engagement lines to the aggregator as CloudWatch Logs would
(scripts/local_engagement.py), runs two uptime probers (locations local-a and
local-b) every minute, prints what a newcomer needs and writes it to `.laurel-local.json`. Ctrl-C stops all.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# Other ports (and another state file) for a second instance, e.g. the browser tests.
AWS_PORT = int(os.environ.get("LAUREL_LOCAL_AWS_PORT", "5000"))
APP_PORT = int(os.environ.get("LAUREL_LOCAL_APP_PORT", "8000"))
STATE_FILE = Path(os.environ.get("LAUREL_LOCAL_STATE", str(ROOT / ".laurel-local.json")))


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gave up waiting for {url}")


def local_stage_env() -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"]["local"]["environment_variables"])
    # the configuration names the default ports; a second instance moves them
    env = {k: v.replace("127.0.0.1:5000", f"127.0.0.1:{AWS_PORT}").replace("127.0.0.1:8000", f"127.0.0.1:{APP_PORT}")
           for k, v in env.items()}
    # engagement lines: one spool per instance, wherever the runner was started from
    spool = ROOT / env["LAUREL_ENGAGEMENT_SPOOL"].replace("-8000.", f"-{APP_PORT}.")
    spool.parent.mkdir(parents=True, exist_ok=True)
    env["LAUREL_ENGAGEMENT_SPOOL"] = str(spool)
    return env


# Two probe locations, as a deployment has a prober per region (infra/stack.py `probe_regions`):
# "an outage minute is one where no web server answered any location" (issue 16).
PROBE_LOCATIONS = ("local-a", "local-b")


def prober(location: str) -> None:
    """One probe location: every minute, the uptime probe (services/probes.py) as the
    UptimeProbe function runs it (then the status page's snapshot is published), with its
    own location. It runs here, not in the app's server, so pausing that server
    (`make outage`) shows as an outage."""
    from chalicelib.services import work

    while True:
        time.sleep(60 - time.time() % 60)
        try:
            work.probe(location)
        except Exception as exc:  # noqa: BLE001 - keep probing, say what failed
            print(f"prober {location}: {exc.__class__.__name__}: {exc}", file=sys.stderr)


def scheduler() -> None:
    """What EventBridge does in a deployment (the probes: prober() above): the sweep daily
    (and the weekly issuance check with it, and on the 1st the monthly summary)."""
    from chalicelib.services import bulk, expiry, summary
    from chalicelib.services.clock import utcnow

    last_day = None
    while True:
        try:
            today = utcnow().date()
            if today != last_day:
                expiry.sweep()
                bulk.issue_scheduled(("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[today.weekday()])
                if today.day == 1:  # EventBridge's cron(0 7 1 * ? *): last month's summary mails
                    summary.send_monthly()
                last_day = today
        except Exception as exc:  # noqa: BLE001 - keep the local runner alive, say what failed
            print(f"scheduler: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        time.sleep(60 - time.time() % 60)


def main() -> int:
    for port in (AWS_PORT, APP_PORT):
        if port_busy(port):
            print(f"port {port} on 127.0.0.1 is in use; stop whatever runs there and try again", file=sys.stderr)
            return 1
    children: list[subprocess.Popen] = []

    def stop(*_):
        # Each child leads its own process group (chalice local forks a reloading worker).
        for child in reversed(children):
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                    os.killpg(child.pid, signal.SIGCONT)  # a server paused by `make outage` must see it
                except ProcessLookupError:
                    pass
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    signal.signal(signal.SIGHUP, lambda *a: (stop(), sys.exit(0)))
    try:
        print(f"starting the embedded AWS (moto server) on 127.0.0.1:{AWS_PORT} ...")
        children.append(
            subprocess.Popen(
                [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(AWS_PORT)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        wait_for(f"http://127.0.0.1:{AWS_PORT}/moto-api/data.json")

        env = local_stage_env()
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        from chalicelib.cli import init_resources
        from chalicelib.demo import seed

        init_resources()
        demo = seed()
        from chalicelib.services import canary, ops

        canary_view = canary.ensure()  # what the probes verify: a platform-owned, public, accepted credential

        operator_key = ops.create_operator_key("make run")

        base = f"http://127.0.0.1:{APP_PORT}"
        info = {
            "api_url": base,
            "api_key": demo["api_key"],
            "tenant_id": demo["tenant_id"],
            "template_id": demo["template_id"],
            "credential_id": demo["credential_id"],
            "verification_url": demo["verification_url"],
            "outbox_url": f"{base}/_local/outbox",
            "aws_endpoint": f"http://127.0.0.1:{AWS_PORT}",
            "operator_key": operator_key,
            "ops_url": f"{base}/ops/sla",
            "console_url": f"{base}/console",
            "console_admin": demo["console_admin"],
            "canary_url": canary_view["page_url"],
            "probe_locations": list(PROBE_LOCATIONS),
        }
        print(f"starting the API (chalice's local server) on 127.0.0.1:{APP_PORT} ...")
        children.append(
            subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "serve_local.py"), "127.0.0.1", str(APP_PORT)],
                cwd=ROOT,
                env={**os.environ, **env},
                start_new_session=True,
            )
        )
        # `make outage` pauses this process group (scripts/outage.py): the rest keeps running
        info["server_pid"] = children[-1].pid
        wait_for(f"{base}/health", 60)
        threading.Thread(target=scheduler, daemon=True).start()
        for location in PROBE_LOCATIONS:
            threading.Thread(target=prober, args=(location,), daemon=True, name=f"prober-{location}").start()
        from app import app
        from chalicelib.adapters.aws import client
        from chalicelib.config import get_settings

        import local_queues

        workers = local_queues.start(app, client("sqs"), get_settings().region)
        import local_engagement

        local_engagement.start(app, Path(get_settings().engagement_spool))
        # Written once the API answers and queues are read, and whole: the file appears by a
        # rename, so a reader waiting for it (the tests' fixture, scripts/outage.py) never reads
        # it empty or half written (CI read it between its creation and its write).
        partial = STATE_FILE.with_name(STATE_FILE.name + ".partial")
        partial.write_text(json.dumps(info, indent=2) + "\n")
        os.replace(partial, STATE_FILE)
        print(
            "\nLaurel is running.\n"
            f"  API:               {base}\n"
            f"  demo API key:      {demo['api_key']}\n"
            f"  demo template id:  {demo['template_id']}\n"
            f"  verification page: {demo['verification_url']}  (answers 404 until the credential is claimed)\n"
            f"  local outbox:      {info['outbox_url']}  (open the claim mail and accept)\n"
            f"  operator key:      {operator_key}\n"
            f"  SLA / ops page:    {info['ops_url']}  (send the operator key as a Bearer token)\n"
            f"  uptime probes:     every minute from {' and '.join(PROBE_LOCATIONS)}: /health, the canary's page,\n"
            f"                     OB 3.0 document and badge image ({canary_view['page_url']})\n"
            "                     `make outage MINUTES=3` pauses the API server to show an outage\n"
            "  scheduled jobs:    expiry sweep daily (local runner)\n"
            f"  queue workers:     {', '.join(f'{w.name} <- {w.queue}' for w in workers)}\n"
            "                     (bulk jobs and webhook deliveries run here, with Lambda's handlers)\n"
            f"  engagement:        events spooled to {Path(get_settings().engagement_spool).name}, counted every "
            f"{local_engagement.INTERVAL_SECONDS:.0f} s by the EngagementAggregator handler\n"
            f"  issuer console:    {base}/console  (sign in as {demo['console_admin']}: the code is in the outbox)\n"
            f"  earner wallet:     {base}/signin  (sign in as ada.lovelace@example.com; the mail is in the outbox)\n"
            f"  written to {STATE_FILE.name}. Ctrl-C stops everything.\n"
            "\nIssue a credential with curl:\n"
            f"  curl -s -X POST {base}/credentials -H 'Authorization: Bearer {demo['api_key']}' \\\n"
            "    -H 'Content-Type: application/json' \\\n"
            f"    -d '{{\"template_id\": \"{demo['template_id']}\", \"email\": \"alan@example.com\", "
            "\"first_name\": \"Alan\", \"last_name\": \"Turing\"}'\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("a child process stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...")
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
