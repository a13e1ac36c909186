"""The synthesized deployment, shared by every infra test module: one synthesis per session
(it takes about a minute and packages the Lambda zip)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# prod as it is deployed: its own domain, so its ACM certificate (us-east-1); any syntactically valid ARN will do
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="session")
def synth(tmp_path_factory):
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    sys.path.insert(0, str(ROOT / "infra"))
    from aws_cdk.assertions import Template

    from cdk_app import build

    outdir = tmp_path_factory.mktemp("cdk")
    cwd = os.getcwd()
    environ = dict(os.environ)
    os.chdir(outdir)  # the Chalice construct writes chalice.out/ into the working directory
    try:
        # a concrete primary region and a second probe location (issue 16): the prober there is its own
        # stack; prod on its own domain (issue 17: prod does not synthesize without its certificate)
        app, stack = build("prod", outdir=str(outdir / "cdk.out"),
                           context={"region": "us-east-1", "probe_regions": "eu-west-1",
                                    "certificate_arn": CERTIFICATE_ARN})
        assembly = app.synth()
    finally:
        os.chdir(cwd)
        # `chalice package` loads the app with the stage's environment variables (prod's URLs, ...):
        # later tests that read the settings again must see the suite's own
        os.environ.clear()
        os.environ.update(environ)
    template_path = Path(assembly.get_stack_by_name(stack.stack_name).template_full_path)
    PACKAGES.extend((outdir / "chalice.out").glob("*/deployment.zip"))
    for probe_stack in stack.probe_stacks:
        PROBE_STACKS[probe_stack.region] = json.loads(
            Path(assembly.get_stack_by_name(probe_stack.stack_name).template_full_path).read_text())
    return Template.from_stack(stack), json.loads(template_path.read_text()), template_path


PACKAGES: list[Path] = []  # the Lambda deployment zip(s) the synthesis built
PROBE_STACKS: dict[str, dict] = {}  # region -> template of the prober there


def resources(template: dict, kind: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


