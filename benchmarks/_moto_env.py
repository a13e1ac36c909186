"""Shared set-up of the benchmarks: the repository on sys.path and an environment for
moto in-process (no AWS endpoint override, fake credentials, the `bench` stage)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      LAUREL_STAGE="bench", LAUREL_TABLE="laurel-bench", LAUREL_BUCKET="laurel-bench-assets",
                      POWERTOOLS_LOG_LEVEL="ERROR")
