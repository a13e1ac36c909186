"""Cold start of the public verification page, from what Lambda unzips.

1. `chalice package` builds the deployment zip, and `infra/lambda_package.py` compiles
   its bytecode in, exactly as `make synth` / `make deploy` do.
2. The zip is unpacked into a directory (Lambda's /var/task). The floor is the same
   tree with `benchmarks/floor_app/app.py` in place of Laurel's app: one route, one
   PynamoDB GetItem of the same credential item, returned as JSON.
3. The embedded AWS runs as its own process (moto server) with a demo credential
   accepted, so the page answers 200.
4. In fresh interpreters (`python -S -B`: only the standard library and the tree on
   the path, no bytecode written, as on a read-only /var/task), interleaved, each
   run times import + the first request through the app's Lambda handler with an
   API Gateway proxy event, and checks the answer.

Prints the medians, the same ratio from the package without bytecode (what was
shipped before), and last `cold_verify_ratio <laurel / floor>` (target <= 1.1).
"""

from __future__ import annotations

import json
import os
import py_compile
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9

RUNNER = r"""
import json, sys, time
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from app import app
credential_id = sys.argv[2]
event = {
    "resource": "/badges/{credential_id}", "path": f"/badges/{credential_id}", "httpMethod": "GET",
    "headers": {"Accept": "text/html", "Host": "bench.example"},
    "multiValueHeaders": {"Accept": ["text/html"], "Host": ["bench.example"]},
    "queryStringParameters": None, "multiValueQueryStringParameters": None,
    "pathParameters": {"credential_id": credential_id}, "stageVariables": None, "body": None,
    "isBase64Encoded": False,
    "requestContext": {"resourcePath": "/badges/{credential_id}", "httpMethod": "GET", "stage": "api",
                       "path": f"/api/badges/{credential_id}", "requestId": "bench",
                       "identity": {"sourceIp": "192.0.2.1"}},
}

class Context:
    function_name = "bench"; function_version = "$LATEST"; memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"; aws_request_id = "bench"
    log_group_name = "bench"; log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 30000

response = app(event, Context())
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "status": response["statusCode"], "bytes": len(response.get("body") or "")}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _package(out: Path) -> Path:
    env = {**os.environ, "LAUREL_STAGE": "dev", "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run([str(Path(sys.executable).parent / "chalice"), "package", "--stage", "dev", str(out)], cwd=ROOT,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return out / "deployment.zip"


def _unzip(zip_path: Path, tree: Path) -> Path:
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(tree)
    return tree


def _floor_tree(app_tree: Path, floor: Path) -> Path:
    shutil.copytree(app_tree, floor, ignore=shutil.ignore_patterns("chalicelib"))
    for stale in (floor / "app.py", floor / "__pycache__"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    shutil.copy(ROOT / "benchmarks" / "floor_app" / "app.py", floor / "app.py")
    return floor


def _moto(port: int) -> subprocess.Popen:
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


def _seed(env: dict) -> str:
    """A demo credential, accepted: its page answers 200."""
    script = (
        "import re, json\n"
        "from chalicelib.cli import init_resources\n"
        "from chalicelib.demo import seed\n"
        "from chalicelib.services import claims\n"
        "import os, urllib.request\n"
        "init_resources(); demo = seed(); cid = demo['credential_id']\n"
        "state = json.load(urllib.request.urlopen(os.environ['AWS_ENDPOINT_URL'] + '/moto-api/data.json'))\n"
        "body = [m['body'] for m in state['ses']['Message'] if cid in m['body']][-1]\n"
        "token = re.search(r'/claim/' + cid + r'\\?token=([a-z2-7]+)', body).group(1)\n"
        "claims.decide(cid, token, 'accept')\n"
        "print(cid)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def _run(tree: Path, credential_id: str, env: dict) -> float:
    done = subprocess.run([sys.executable, "-S", "-B", "-c", RUNNER, str(tree), credential_id], env=env, check=True,
                          capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != 200:
        raise SystemExit(f"{tree.name}: the page answered {result['status']}")
    return result["seconds"]


def _ratio(app_tree: Path, floor_tree: Path, credential_id: str, env: dict, label: str) -> float:
    _run(app_tree, credential_id, env), _run(floor_tree, credential_id, env)  # file cache warm, as on a warm host
    laurel, floor = [], []
    for _ in range(RUNS):
        laurel.append(_run(app_tree, credential_id, env))
        floor.append(_run(floor_tree, credential_id, env))
    a, f = statistics.median(laurel), statistics.median(floor)
    print(f"{label}_laurel_first_page_s {a:.3f}")
    print(f"{label}_floor_first_page_s {f:.3f}")
    return a / f


def main() -> None:
    sys.path.insert(0, str(ROOT / "infra"))
    from lambda_package import compile_into_zip  # infra/lambda_package.py

    work = Path(tempfile.mkdtemp(prefix="laurel-cold-"))
    port = _free_port()
    moto = _moto(port)
    try:
        raw_zip = _package(work / "package")
        raw_tree = _unzip(raw_zip, work / "raw")
        raw_floor = _floor_tree(raw_tree, work / "raw_floor")
        compiled_zip = work / "compiled.zip"
        shutil.copy(raw_zip, compiled_zip)
        compile_into_zip(compiled_zip)
        app_tree = _unzip(compiled_zip, work / "task")
        floor_tree = _floor_tree(app_tree, work / "floor")
        py_compile.compile(str(floor_tree / "app.py"), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)

        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAUREL_", "PYTHON"))}
        env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                   AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", LAUREL_STAGE="bench", LAUREL_TABLE="laurel-bench",
                   LAUREL_BUCKET="laurel-bench-assets", LAUREL_PUBLIC_BASE_URL="https://bench.example",
                   LAUREL_ASSET_BASE_URL="https://assets.bench.example", POWERTOOLS_LOG_LEVEL="ERROR",
                   POWERTOOLS_SERVICE_NAME="laurel")
        credential_id = _seed(env)
        raw = _ratio(raw_tree, raw_floor, credential_id, env, "no_bytecode")
        print(f"cold_verify_ratio_no_bytecode {raw:.2f}")
        ratio = _ratio(app_tree, floor_tree, credential_id, env, "compiled")
        print(f"cold_verify_ratio {ratio:.2f}")
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
