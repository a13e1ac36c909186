"""Run the DCC verifier harness (tests/interop/dcc_verify.mjs) on one credential."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chalicelib.openbadges import jsonld
from tests.interop.laurel_web import LaurelWeb

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "interop" / "dcc_verify.mjs"


def verify(credential: dict, web: LaurelWeb, now: str | None = None) -> dict[str, Any]:
    """{"verified", "errors", "log": [{id, valid}], "status": [...], "loaded": [urls]}."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@digitalcredentials" / "vc").exists():
        pytest.fail("the DCC verifier needs node and `npm ci` (make install runs it)")
    loader = jsonld.default_loader()
    contexts = {url: loader(url)["document"] for url in sorted(loader.urls)}
    payload = {"credential": credential, "documents": web.documents_for(credential), "contexts": contexts}
    if now:
        payload["now"] = now
    done = subprocess.run([node, str(SCRIPT)], input=json.dumps(payload), capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def checks(result: dict) -> dict[str, bool]:
    """The verifier's log as {check id: passed}."""
    return {entry["id"]: entry["valid"] for entry in result["log"]}
