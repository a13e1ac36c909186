"""CDK app: `python infra/cdk_app.py` synthesises offline into cdk.out/.

Stage: CDK context `stage` (`cdk deploy -c stage=prod`) or LAUREL_DEPLOY_STAGE, default dev.
Optional context per stage: `public_base_url`, `mail_from`, `certificate_arn` (ACM, us-east-1)
to put the public site on its own domain; `region` (else CDK_DEFAULT_REGION); `probe_regions`
(comma-separated, e.g. `-c probe_regions=eu-west-1`): an uptime prober in each of those regions
as well (stack `<stage>-probe-<region>`, infra/stack.py ProbeStack), writing to the one table.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk

if TYPE_CHECKING:
    from stack import LaurelStack

sys.path.insert(0, str(Path(__file__).resolve().parent))


def build(stage: str, outdir: str | None = None, context: dict | None = None) -> tuple[cdk.App, LaurelStack]:
    # `chalice package` imports app.py, which reads its settings; the stack overrides
    # every stage-specific value it needs (queues, table, bucket) with its own resources.
    os.environ.setdefault("LAUREL_STAGE", stage)
    from stack import LaurelStack, ProbeStack, settings_from_chalice_config  # reads the models, which read settings

    # the asset bucket's server access logs are allowed by the log bucket's policy, not by the legacy
    # LogDeliveryWrite ACL (cfn-lint W3045); CloudFront's standard logs still need the bucket to accept ACLs
    flags = {"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True}
    app = cdk.App(outdir=outdir, context={**flags, **(context or {})})
    get = app.node.try_get_context
    settings = settings_from_chalice_config(
        stage,
        public_base_url=get("public_base_url"),
        mail_from=get("mail_from"),
        certificate_arn=get("certificate_arn"),
        probe_urls=tuple(u for u in (get("probe_urls") or "").split(",") if u),
        probe_regions=tuple(r.strip() for r in (get("probe_regions") or "").split(",") if r.strip()),
    )
    stack = LaurelStack(
        app, settings,
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
                            region=get("region") or os.environ.get("CDK_DEFAULT_REGION")),
    )
    stack.probe_stacks[:] = [ProbeStack(app, stack, region) for region in settings.probe_regions]
    return app, stack


def main() -> None:
    probe = cdk.App()
    stage = probe.node.try_get_context("stage") or os.environ.get("LAUREL_DEPLOY_STAGE", "dev")
    if stage not in ("dev", "prod"):
        raise SystemExit(f"unknown stage {stage!r}; use dev or prod")
    app, _ = build(stage, outdir=os.environ.get("CDK_OUTDIR", str(Path(__file__).resolve().parent.parent / "cdk.out")))
    app.synth()


if __name__ == "__main__":
    main()
