"""Who may do what: each Lambda function's own IAM role and its policy (issue 4 of #17).

Moved out of infra/stack.py so the stack's other sections can change without touching
this one; `LaurelStack` calls `function_role`, `grant` and `grant_logs` in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

import stack as _names  # the function names (import as a module: stack.py imports this one too)

if TYPE_CHECKING:
    from stack import LaurelStack


def function_role(stack: LaurelStack, name: str) -> iam.Role:
    return iam.Role(stack, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                    description=f"Laurel {name}: least privilege for what its code calls")


def grant(stack: LaurelStack) -> None:
    """Each function gets exactly the calls its code makes, on exactly our resources."""
    table_arn = stack.table.attr_arn
    table = [table_arn, cdk.Fn.join("", [table_arn, "/index/*"])]
    table_rw = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"]
    mail = [stack.format_arn(service="ses", resource="identity", resource_name=stack.settings.mail_domain),
            stack.format_arn(service="ses", resource="configuration-set",
                            resource_name=stack.config_set.configuration_set_name)]
    grants = {
        "Table": (table_rw, table, _names.FUNCTIONS),
        # images, baked files, status lists
        "Assets": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [stack.bucket.arn_for_objects("assets/*")],
                   (_names.API_HANDLER, _names.BULK_WORKER)),
        # data rights: exports (private, presigned), and erasure removes every version
        "PersonalData": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                         [stack.bucket.arn_for_objects("assets/baked/*"), stack.bucket.arn_for_objects("exports/*")],
                         (_names.API_HANDLER,)),
        "ListForErasure": (["s3:ListBucket", "s3:ListBucketVersions"], [stack.bucket.bucket_arn], (_names.API_HANDLER,)),
        # an organization's exports (issue 15): the worker writes the parts and the file, reads the
        # parts back and presigns the mailed link; the API presigns the job page's link; offboarding
        # (in either) deletes the tenant's
        # the public status page's snapshot (issue 16): the probe publishes it every minute, the
        # API reads it for /status and republishes it on incident and maintenance changes
        "StatusPage": (["s3:GetObject", "s3:PutObject"], [stack.bucket.arn_for_objects("statuspage/*")],
                       (_names.API_HANDLER, _names.PROBE)),
        "OrgExports": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                       [stack.bucket.arn_for_objects("exports/org/*")], (_names.API_HANDLER, _names.BULK_WORKER)),
        # bulk jobs: full row-error reports (the API writes the rejected rows, the worker the final
        # report, the API hands out presigned links) and the console's uploads kept for their confirm
        "BulkFiles": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                      [stack.bucket.arn_for_objects("reports/*"), stack.bucket.arn_for_objects("uploads/*")],
                      (_names.API_HANDLER, _names.BULK_WORKER)),
        # console single sign-on: each organization's client secret (services/sso.secret_name);
        # offboarding deletes it, in the API or in the bulk worker that continues a long one
        "SsoSecrets": (["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
                        "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
                        "secretsmanager:UpdateSecretVersionStage", "secretsmanager:DeleteSecret"],
                       [stack.format_arn(service="secretsmanager", resource="secret",
                                        resource_name=f"laurel/{stack.settings.stage}/sso/*",
                                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)],
                       (_names.API_HANDLER, _names.BULK_WORKER)),
        # VC-JWT: the private key never leaves KMS
        "SignCredentials": (["kms:Sign", "kms:GetPublicKey"], [stack.signing_key.key_arn], (_names.API_HANDLER, _names.BULK_WORKER)),
        # Ed25519 (Data Integrity) seed material
        "SigningMaterial": (["secretsmanager:GetSecretValue"], [stack.secret.secret_arn], (_names.API_HANDLER, _names.BULK_WORKER)),
        "Mail": (["ses:SendEmail"], mail, (_names.API_HANDLER, _names.BULK_WORKER, _names.SWEEP, _names.MONTHLY)),
        # (the bulk worker re-queues an offboarding that one invocation could not finish)
        "QueueBulk": (["sqs:SendMessage", "sqs:GetQueueUrl"], [stack.bulk_queue.queue_arn],
                      (_names.API_HANDLER, _names.WEEKLY, _names.BULK_WORKER)),
        "QueueEvents": (["sqs:SendMessage", "sqs:GetQueueUrl"],
                        [stack.events_queue.queue_arn, stack.events_dlq.queue_arn],
                        (_names.API_HANDLER, _names.BULK_WORKER, _names.WEBHOOK_WORKER, _names.SWEEP)),
        "ConsumeBulk": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                         "sqs:ChangeMessageVisibility"], [stack.bulk_queue.queue_arn], (_names.BULK_WORKER,)),
        "ConsumeEvents": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                           "sqs:ChangeMessageVisibility"], [stack.events_queue.queue_arn], (_names.WEBHOOK_WORKER,)),
    }
    for sid, (actions, resources, functions) in grants.items():
        for name in functions:
            stack.roles[name].add_to_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources))
    # offboarding lists a tenant's template images, logos, bulk reports, uploads and exports (nothing else) to
    # delete them; a job's error report is found by listing its prefix
    for name in (_names.API_HANDLER, _names.BULK_WORKER):
        stack.roles[name].add_to_policy(iam.PolicyStatement(
            sid="ListTenantImages", actions=["s3:ListBucket"], resources=[stack.bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": ["assets/templates/*", "assets/issuers/*", "reports/*",
                                                     "uploads/*", "exports/org/*"]}}))


def grant_logs(stack: LaurelStack) -> None:
    for name, role in stack.roles.items():
        role.add_to_policy(iam.PolicyStatement(
            sid="Logs",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[stack.log_groups[name].log_group_arn],
        ))
        # Lambda active tracing; X-Ray has no resource-level permissions.
        role.add_to_policy(iam.PolicyStatement(
            sid="Tracing",
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            resources=["*"],
        ))

