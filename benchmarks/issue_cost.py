"""What one single issuance (`POST /credentials`) costs Laurel's own process.

The embedded AWS runs as its own process (moto server on a free loopback port), so
the backend's work and latency are not in the figure: CPU time is measured per thread
(`time.thread_time`) around the request, which excludes time spent waiting on
sockets. Every AWS call is counted at the botocore level (the one method every
client, PynamoDB's included, goes through).

The request goes through the whole app (Chalice test client: routing, API key,
validation, service, audit), issuing to a new address each time from a warm
container (the first issuances are discarded: imports and client creation are the
cold-start benchmark's business). Prints per-operation counts, the use case alone
(`issue_service_cpu_ms`: `credentials.issue` without HTTP, key check or audit), then
`issue_aws_calls <median>` and, last, `issue_cpu_ms <median>` for the whole request.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM, RUNS = 5, 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_moto(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/data.json", timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("moto server did not start")


def main() -> None:
    port = _free_port()
    moto = _start_moto(port)
    try:
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
            del os.environ[name]
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                          AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", LAUREL_STAGE="bench",
                          LAUREL_TABLE="laurel-bench", LAUREL_BUCKET="laurel-bench-assets",
                          POWERTOOLS_LOG_LEVEL="ERROR")
        sys.path.insert(0, str(ROOT))
        from chalice.test import Client

        from app import app
        from chalicelib.cli import init_resources
        from chalicelib.demo import seed
        from tests.aws_calls import recording

        init_resources()
        demo = seed()
        headers = {"Authorization": f"Bearer {demo['api_key']}", "Content-Type": "application/json"}
        cpu_ms, calls_per, operations = [], [], Counter()
        with Client(app, project_dir=tempfile.mkdtemp()) as client:
            for n in range(WARM + RUNS):
                body = json.dumps({"template_id": demo["template_id"], "email": f"bench{n}@example.com",
                                   "first_name": "Bench", "last_name": "Mark"})
                with recording() as calls:
                    start = time.thread_time()
                    res = client.http.post("/credentials", headers=headers, body=body)
                    spent = time.thread_time() - start
                assert res.status_code == 201, res.body
                if n >= WARM:
                    cpu_ms.append(spent * 1000)
                    calls_per.append(len(calls))
                    operations.update(calls)
        # the use case alone (what a bulk row or an LMS completion runs): no HTTP, key or audit
        from chalicelib import schemas
        from chalicelib.services import credentials

        service_ms = []
        for n in range(WARM + RUNS):
            data = schemas.IssueIn(template_id=demo["template_id"], email=f"direct{n}@example.com",
                                   first_name="Bench", last_name="Mark")
            start = time.thread_time()
            credentials.issue(demo["tenant_id"], data)
            if n >= WARM:
                service_ms.append((time.thread_time() - start) * 1000)
        for op, count in sorted(operations.items()):
            print(f"  {op}: {count / RUNS:g} per issuance")
        print(f"issue_service_cpu_ms {statistics.median(service_ms):.1f}")
        print(f"issue_cpu_ms_p90 {statistics.quantiles(cpu_ms, n=10)[-1]:.1f}")
        print(f"issue_aws_calls {statistics.median(calls_per):g}")
        print(f"issue_cpu_ms {statistics.median(cpu_ms):.1f}")
    finally:
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    main()
