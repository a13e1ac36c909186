"""Offline synthesis of the prod stack: wall time (fresh interpreter, includes `chalice
package`) and the size of the CloudFormation template. Prints `synth_seconds` last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    outdir = tempfile.mkdtemp(prefix="laurel-synth-")
    env = {**os.environ, "LAUREL_DEPLOY_STAGE": "prod", "CDK_OUTDIR": outdir,
           "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "infra" / "cdk_app.py")], cwd=outdir, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    template = Path(outdir) / "prod.template.json"
    print(f"template_bytes {template.stat().st_size}")
    resources = json.loads(template.read_text())["Resources"]
    print(f"template_resources {len(resources)}")
    print(f"synth_seconds {seconds:.1f}")


if __name__ == "__main__":
    main()
