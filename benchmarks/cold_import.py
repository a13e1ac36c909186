"""Cold import cost of the app relative to its unavoidable dependencies.

In fresh interpreters, alternately: `import app` and `import boto3, chalice, pynamodb`.
Prints both medians and, last, `cold_import_ratio <app / deps>` (target <= 1.3).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 15
ENV = {**os.environ, "LAUREL_STAGE": "bench", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "0"}


def timed(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], cwd=ROOT, env=ENV, check=True)
    return time.perf_counter() - start


def main() -> None:
    app_stmt, deps_stmt = "import app", "import boto3, chalice, pynamodb"
    timed(app_stmt), timed(deps_stmt)  # warm the file cache and .pyc files
    app_times, deps_times = [], []
    for _ in range(RUNS):
        app_times.append(timed(app_stmt))
        deps_times.append(timed(deps_stmt))
    app_med, deps_med = statistics.median(app_times), statistics.median(deps_times)
    # For honesty: what the first verification request adds on top (services imported lazily).
    verify_stmt = "import app, chalicelib.services.verification, chalicelib.web as w; w._env()"
    verify_med = statistics.median(timed(verify_stmt) for _ in range(5))
    print(f"import_verify_path_median_s {verify_med:.3f}")
    print(f"import_app_median_s {app_med:.3f}")
    print(f"import_deps_median_s {deps_med:.3f}")
    print(f"cold_import_ratio {app_med / deps_med:.2f}")


if __name__ == "__main__":
    main()
