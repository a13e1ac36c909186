"""Who may do what: each Lambda function's own IAM role and its policy (issue 17, item 4).

`LaurelStack` calls `function_role`, `grant` and `grant_logs` in that order; `ProbeStack`
calls `probe_role` for the prober in another region. What each function may do is the
tables below, derived from what its code calls (tests/infra/test_access.py checks them
against the synthesized template, and against the calls each function's entry points
were seen to make: tests/infra/job_calls.py, tests/infra/observed_calls.json):

- DynamoDB: the actions each function uses, and on the table the partition keys it
  touches (`dynamodb:LeadingKeys`, patterns named after store/keys.py): the probe
  only its probe items, the aggregator only engagement counters ... Queries on an index
  get the index's own ARN (only the indexes the function queries) and no key condition:
  AWS documents `dynamodb:LeadingKeys` as "the partition key" of the table, and an
  index's partition key values (by_tenant `AUDIT#<day>`, by_expiry `X#<day>` ...) are
  not what the table's patterns describe;
- audit entries (`T#<tenant>#AUDIT`, `OPS#AUDIT`) can be appended, never changed or
  deleted: an explicit Deny of UpdateItem, DeleteItem and BatchWriteItem on those keys
  in every role and in the permissions boundary. Only the API appends them (the request
  guards), so every other function is denied PutItem on them too. An overwriting PutItem
  by the API itself cannot be told from an append in IAM (there is no condition key for a
  ConditionExpression): store/audit.py's `attribute_not_exists` condition is the guard;
- S3: objects by prefix, and listing (ListBucket, ListBucketVersions) only with an
  `s3:prefix` condition naming the prefixes the code lists;
- SQS: send only to the queues a function sends to (by name: so also GetQueueUrl),
  consume (the event source mapping: Receive, Delete, GetQueueAttributes) only its own;
- a permissions boundary (one managed policy per stack) on every role: the union of the
  grants without their key conditions, and the audit Deny. A statement added to a role
  later that reaches beyond Laurel's resources has no effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk
import stack as _names  # the function names (a module import: stack.py imports this one too)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

if TYPE_CHECKING:
    from stack import LaurelStack

# ------------------------------------------------------------------ DynamoDB: actions and leading keys

READS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query")  # (nothing calls ConditionCheckItem)
WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
# `dynamodb:LeadingKeys` patterns (StringLike), from the key table in chalicelib/store/keys.py
TENANT = "T#*"  # every tenant-owned partition: T#<tenant>, T#<tenant>#C#..., #R#, #REVOKED, #LMSEV#, #JOB# ...
CREDENTIALS = "T#*#C#*"
WEBHOOK_DELIVERIES = "T#*#WHD#*"
SCHEDULED_ROWS = "T#*#SCHED#*"
AUDIT_KEYS = ("T#*#AUDIT", "OPS#AUDIT")
PLATFORM = "PLATFORM"  # signing keys, operator keys, the canary pointer, the sweep and summary markers
PROBE_ITEMS = ("PROBE#*", "PROBEDAY#*", "PROBELOC#*")
STATUS_ITEMS = ("MAINT", "INCIDENT", "STATUSSUB")
ENGAGEMENT_TENANT = ("T#*#ENGD", "T#*#ENGT", "T#*#ENGC")
ENGAGEMENT_PLATFORM = ("ENGPLATFORM", "ENGEV#*")
# (NAME#: the public profiles' vanity names, issue 19)
EARNER_ITEMS = ("EARNER#*", "EMAIL#*", "IMPORT#*", "IMPORTSLOT#*", "LOGIN#*", "SESSION#*", "NAME#*")
CONSOLE_ITEMS = ("MEMBEREMAIL#*", "CSESSION#*", "SSODOMAIN#*", "SSOSTATE#*")
RATE = "RATE#*"
# issue 20 talent search: per-skill index of opted-in earners (`TALENT#<skill key>/<earner>`)
TALENT_INDEX = "TALENT#*"
# the suppression list every mail sender reads before sending (issue 17 item 6: `SUPPRESS#<emailhash>`)
SUPPRESSED = "SUPPRESS#*"
# the language an address's owner chose (issue 19: copied onto `EMAIL#<hash>/OWNER`), read by every
# function that mails an earner about a credential
OWNERS = "EMAIL#*"
# addresses that declined reminders with a mail's one-click link (issue 19: `MAILOPTOUT#<emailhash>`): set
# and removed by the API's link page, read by the events worker before an expiry reminder goes out
OPTED_OUT = "MAILOPTOUT#*"
# the per-skill aggregates of insights (issue 20: `SKILLSTAT#<skill key>`), moved by the API's write paths
SKILL_STATS = "SKILLSTAT#*"
ANY_KEY = (TENANT, "OPS#AUDIT", PLATFORM, *PROBE_ITEMS, *STATUS_ITEMS, *ENGAGEMENT_PLATFORM, *EARNER_ITEMS,
           *CONSOLE_ITEMS, RATE, SUPPRESSED, OPTED_OUT, SKILL_STATS, TALENT_INDEX)
INDEXES = ("by_tenant", "by_email", "by_expiry")


@dataclass(frozen=True)
class TableUse:
    """What one function does to the table: `reads` on `read_keys`, `writes` on
    `write_keys` (leading-key patterns), Query on `indexes`."""

    reads: tuple[str, ...]
    read_keys: tuple[str, ...]
    writes: tuple[str, ...] = ()
    write_keys: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()


def table_uses() -> dict[str, TableUse]:
    """Per function, from its code paths (routes/jobs.py -> services/work.py -> services -> store)
    and the calls its entry points were seen to make (tests/infra/observed_calls.json)."""
    n = _names
    get, query = "dynamodb:GetItem", "dynamodb:Query"
    put, update = "dynamodb:PutItem", "dynamodb:UpdateItem"
    return {
        # every route: issuers, console, wallet, public pages, operators; it appends the audit log. It
        # reads the probes' minutes (/status, the SLA pages) and the engagement counters, never writes them
        n.API_HANDLER: TableUse(READS, ANY_KEY, WRITES,
                                tuple(k for k in ANY_KEY if k not in PROBE_ITEMS + ENGAGEMENT_PLATFORM), INDEXES),
        # bulk chunks (issue: recipient slots, counters, status lists, webhook deliveries), org exports,
        # offboarding continued (deletes the tenant's partitions, its engagement counters included);
        # PLATFORM: the signing keys
        # PLATFORM written too: the first signer of a container may register the deployed KMS key or
        # migrate Ed25519 generation 1 (services/signing.py)
        # EARNER#* written (deletes only): an offboarding continued here deletes the earners' links to the
        # leaving organization (issue 20, `EARNER#<earner>/EMPLOYER#<tenant>`, found through by_tenant)
        n.BULK_WORKER: TableUse(READS, (TENANT, PLATFORM, SUPPRESSED, OWNERS), WRITES, (TENANT, PLATFORM, "EARNER#*"),
                                ("by_tenant", "by_email")),
        # one delivery attempt (services/events.deliver): the delivery and its endpoint, the attempt recorded;
        # an expiry mail the sweep queued (services/expiry.deliver_mail): the credential and its issuer's
        # branding read, the credential's mail claimed and logged (UpdateItem), the suppression list read
        # and whether the address declined reminders (issue 19)
        n.WEBHOOK_WORKER: TableUse((get,), (TENANT, SUPPRESSED, OPTED_OUT, OWNERS), (update,),
                                   (WEBHOOK_DELIVERIES, CREDENTIALS)),
        # the completions queued for today's weekday (by_expiry SCHED#<weekday>) become a bulk job (PutItem
        # on T#<tenant>) and leave the queue (BatchWriteItem deletes); the chunks go to the bulk worker
        n.WEEKLY: TableUse((get, query), (TENANT,), (put, "dynamodb:BatchWriteItem"), (TENANT,), ("by_expiry",)),
        # what expires on a day (by_expiry X#<day>): each credential marked once (UpdateItem), its webhook
        # deliveries (services/events.emit: the tenant's endpoints, PutItem of a delivery), the issuer's
        # profile for the mail; the PLATFORM marker of the last day swept
        n.SWEEP: TableUse((get, query), (TENANT, PLATFORM, SUPPRESSED, OWNERS), (put, update),
                          (CREDENTIALS, WEBHOOK_DELIVERIES, PLATFORM), ("by_expiry",)),
        # probe runs and minutes (store/ops.record_probe); the canary pointer; the status page's snapshot
        # reads incidents, maintenance windows and the month's minutes
        n.PROBE: TableUse((get, query), (PLATFORM, *PROBE_ITEMS, *STATUS_ITEMS), (put, update), PROBE_ITEMS),
        # every issuer (by_tenant ISSUERS), its members and last month's counters; the month's PLATFORM marker
        n.MONTHLY: TableUse((get, query), (TENANT, SUPPRESSED), (put,), (PLATFORM,), ("by_tenant",)),
        # counters only (store/engagement.apply: one transaction of counter updates and event markers), and
        # which tenants are gone (BatchGetItem of issuer profiles)
        n.AGGREGATOR: TableUse(("dynamodb:BatchGetItem",), (TENANT,), (put, update),
                               (*ENGAGEMENT_TENANT, *ENGAGEMENT_PLATFORM)),
        # SES's bounce and complaint events (services/mail_feedback.py): the suppression list (a conditional
        # PutItem of SUPPRESS#<hash>) and the credential's bounced/complained mark (a conditional UpdateItem);
        # it reads nothing (IAM checks a conditional write's condition as part of the write)
        n.MAIL_EVENTS: TableUse((), (), (put, update), (SUPPRESSED, CREDENTIALS)),
    }


def _table_statements(table_arn: str, index_arns: dict[str, str], use: TableUse,
                      audit_appender: bool) -> list[iam.PolicyStatement]:
    keyed = {"Null": {"dynamodb:LeadingKeys": "false"}}  # no key, no grant (ForAllValues holds for an empty set)
    statements = []
    if use.reads:
        statements.append(iam.PolicyStatement(
            sid="TableRead", actions=list(use.reads), resources=[table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(use.read_keys)}, **keyed}))
    if use.writes:
        statements.append(iam.PolicyStatement(
            sid="TableWrite", actions=list(use.writes), resources=[table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(use.write_keys)}, **keyed}))
    if use.indexes:
        statements.append(iam.PolicyStatement(
            sid="IndexQuery", actions=["dynamodb:Query"],
            resources=[index_arns[index] for index in use.indexes]))
    statements.append(audit_deny(table_arn, appender=audit_appender))
    return statements


def audit_deny(table_arn: str, *, appender: bool) -> iam.PolicyStatement:
    """Audit entries are append-only: no role changes or deletes one; only an appender puts."""
    actions = ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]
    return iam.PolicyStatement(
        sid="AuditAppendOnly", effect=iam.Effect.DENY, actions=actions + ([] if appender else ["dynamodb:PutItem"]),
        resources=[table_arn], conditions={"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": list(AUDIT_KEYS)}})


# ------------------------------------------------------------------ roles


def function_role(stack: LaurelStack, name: str) -> iam.Role:
    return iam.Role(stack, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                    description=f"Laurel {name}: least privilege for what its code calls")


def grant(stack: LaurelStack) -> None:
    """Each function gets exactly the calls its code makes, on exactly our resources."""
    n = _names
    api, bulk, webhooks, weekly, sweep, probe, monthly = (n.API_HANDLER, n.BULK_WORKER, n.WEBHOOK_WORKER, n.WEEKLY,
                                                          n.SWEEP, n.PROBE, n.MONTHLY)
    table_arn = stack.table.attr_arn
    objects = stack.bucket.arn_for_objects
    mail = [stack.format_arn(service="ses", resource="identity", resource_name=stack.settings.mail_domain),
            stack.format_arn(service="ses", resource="configuration-set",
                             resource_name=stack.config_set.configuration_set_name)]
    consume = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]  # the event source mapping's
    # sid -> (actions, resources, functions, conditions)
    grants: dict[str, tuple[list[str], list[str], tuple[str, ...], dict | None]] = {
        # images, baked files, status lists
        "Assets": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [objects("assets/*")], (api, bulk), None),
        # data rights: exports (private, presigned), and erasure removes every version; earners' profile
        # photos (issue 19: private, served by the app while the profile is public)
        "PersonalData": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                         [objects("assets/baked/*"), objects("exports/*"), objects("photos/*")], (api,), None),
        # a credential's baked files go, every version, when its state changes (services/openbadges.forget_baked);
        # erasure (services/rights.erase) lists the same, a person's exports and their organizations' exports
        "ListForErasure": (["s3:ListBucketVersions"], [stack.bucket.bucket_arn], (api,),
                           {"StringLike": {"s3:prefix": ["assets/baked/*", "exports/*", "photos/*"]}}),
        # offboarding lists a tenant's template images, logos, bulk reports, uploads and exports (nothing else)
        # to delete them; a job's error report is found by listing its prefix
        "ListTenantImages": (["s3:ListBucket"], [stack.bucket.bucket_arn], (api, bulk),
                             {"StringLike": {"s3:prefix": ["assets/templates/*", "assets/issuers/*", "reports/*",
                                                           "uploads/*", "exports/org/*"]}}),
        # the public status page's snapshot (issue 16): the probe publishes it every minute, the
        # API reads it for /status and republishes it on incident and maintenance changes
        "StatusPage": (["s3:GetObject", "s3:PutObject"], [objects("statuspage/*")], (api, probe), None),
        # an organization's exports (issue 15): the worker writes the parts and the file, reads the
        # parts back and presigns the mailed link; the API presigns the job page's link; offboarding
        # (in either) deletes the tenant's
        "OrgExports": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [objects("exports/org/*")], (api, bulk),
                       None),
        # bulk jobs: full row-error reports (the API writes the rejected rows, the worker the final
        # report, the API hands out presigned links) and the console's uploads kept for their confirm
        "BulkFiles": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [objects("reports/*"), objects("uploads/*")],
                      (api, bulk), None),
        # console single sign-on: each organization's client secret (services/sso.secret_name);
        # offboarding deletes it, in the API or in the bulk worker that continues a long one
        "SsoSecrets": (["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
                        "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecretVersionStage",
                        "secretsmanager:DeleteSecret"],
                       [stack.format_arn(service="secretsmanager", resource="secret",
                                         resource_name=f"laurel/{stack.settings.stage}/sso/*",
                                         arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)], (api, bulk), None),
        # VC-JWT: the private key never leaves KMS
        "SignCredentials": (["kms:Sign", "kms:GetPublicKey"], [stack.signing_key.key_arn], (api, bulk), None),
        # session material (HKDF; generation 1 of the Ed25519 key is migrated from it once) and
        # the Ed25519 seeds: read the active generation's, write a new one on rotation
        # (the operator route and the first signer's migration run in the API and the worker)
        # (the events worker: a reminder's one-click unsubscribe link is signed with a key derived from it, issue 19)
        "SigningMaterial": (["secretsmanager:GetSecretValue"], [stack.secret.secret_arn], (api, bulk, webhooks),
                            None),
        "Ed25519Keys": (["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
                         "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecretVersionStage"],
                        [stack.ed25519_secret.secret_arn], (api, bulk), None),
        # (the events worker sends the expiry sweep's queued mails, services/expiry.deliver_mail)
        # (the sweep queues its mails since issue 17: it sends none itself)
        "Mail": (["ses:SendEmail"], mail, (api, bulk, monthly, webhooks), None),
        # by name (LAUREL_BULK_QUEUE): the URL is looked up once (adapters/queue.queue_url). The bulk
        # worker re-queues an offboarding that one invocation could not finish, and an export's next step
        "QueueBulk": (["sqs:SendMessage", "sqs:GetQueueUrl"], [stack.bulk_queue.queue_arn], (api, weekly, bulk), None),
        # webhook events (services/events.emit) from every function that changes a credential
        "QueueEvents": (["sqs:SendMessage", "sqs:GetQueueUrl"], [stack.events_queue.queue_arn],
                        (api, bulk, webhooks, sweep), None),
        # a delivery that ran out of attempts goes to the dead-letter queue (services/events.deliver)
        "QueueEventsDlq": (["sqs:SendMessage", "sqs:GetQueueUrl"], [stack.events_dlq.queue_arn], (webhooks,), None),
        # Lambda sends a failed asynchronous invocation (schedules, the log subscription) to the schedules'
        # dead-letter queue with the function's own role
        "DeadLetters": (["sqs:SendMessage"], [stack.schedule_dlq.queue_arn], (*n.SCHEDULED, n.AGGREGATOR, n.MAIL_EVENTS),
                        None),
        "ConsumeBulk": (consume, [stack.bulk_queue.queue_arn], (bulk,), None),
        "ConsumeEvents": (consume, [stack.events_queue.queue_arn], (webhooks,), None),
    }
    index_arns = {index: cdk.Fn.join("", [table_arn, f"/index/{index}"]) for index in INDEXES}
    allowed: list[tuple[list[str], list[str]]] = []  # (actions, resources) of every Allow: the boundary's
    for name, use in table_uses().items():
        for statement in _table_statements(table_arn, index_arns, use, audit_appender=name == api):
            stack.roles[name].add_to_policy(statement)
        allowed += [(list(use.reads + use.writes), [table_arn])]
        allowed += [(["dynamodb:Query"], [index_arns[i] for i in use.indexes])]
    for sid, (actions, resources, functions, conditions) in grants.items():
        for name in functions:
            stack.roles[name].add_to_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources,
                                                                conditions=conditions))
        allowed.append((actions, resources))
    allowed.append(_lambda_log_groups(stack))
    boundary = boundary_policy(stack, allowed, audit_deny(table_arn, appender=True))
    for role in stack.roles.values():
        iam.PermissionsBoundary.of(role).apply(boundary)
    stack.boundary = boundary


def allow(stack: LaurelStack, sid: str, actions: list[str], resources: list[str], functions: tuple[str, ...],
          boundary_resources: list[str] | None = None) -> None:
    """A grant declared after `grant` (by a resource built later, e.g. the CDN in infra/edge.py):
    into each function's role AND into the permissions boundary, or it would have no effect.
    `boundary_resources`: what the boundary names instead, where naming the resource itself
    would make a cycle (the boundary is on the API's role, which the distribution waits for)."""
    for name in functions:
        stack.roles[name].add_to_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources))
    stack.boundary.add_statements(iam.PolicyStatement(sid=f"Allow{sid}", actions=actions,
                                                      resources=boundary_resources or resources))


def _lambda_log_groups(scope: cdk.Stack) -> tuple[list[str], list[str]]:
    """The boundary's logs: Lambda log groups of this account and region. A log group is named
    after its function, which needs its role, which needs the boundary: the boundary cannot name
    the groups themselves (a cycle); each role's own policy names its function's group."""
    return (["logs:CreateLogStream", "logs:PutLogEvents"],
            [scope.format_arn(service="logs", resource="log-group", resource_name="/aws/lambda/*",
                              arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)])


def boundary_policy(scope: cdk.Stack, allowed: list[tuple[list[str], list[str]]],
                    *denies: iam.PolicyStatement) -> iam.ManagedPolicy:
    """The most any Laurel function of this stack may do: the union of the roles' Allow
    statements per service (actions and resources, their key conditions dropped), X-Ray,
    and the Denies. Applied to every role as its permissions boundary."""
    merged: dict[str, tuple[set[str], list[str]]] = {}
    for actions, resources in allowed:
        if not resources:
            continue
        acts, res = merged.setdefault(actions[0].split(":")[0], (set(), []))
        acts.update(actions)
        res.extend(r for r in resources if r not in res)
    statements = [iam.PolicyStatement(sid=f"Allow{service.title()}", actions=sorted(acts), resources=res)
                  for service, (acts, res) in sorted(merged.items())]
    statements.append(iam.PolicyStatement(sid="Tracing", actions=["xray:PutTraceSegments",
                                                                  "xray:PutTelemetryRecords"], resources=["*"]))
    return iam.ManagedPolicy(scope, "FunctionBoundary", statements=[*statements, *denies],
                             description="Laurel functions' permissions boundary: Laurel's own resources only")


def grant_logs(stack: LaurelStack) -> None:
    for name, role in stack.roles.items():
        role.add_to_policy(iam.PolicyStatement(
            sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[stack.log_groups[name].log_group_arn]))
        # Lambda active tracing; X-Ray has no resource-level permissions.
        role.add_to_policy(iam.PolicyStatement(
            sid="Tracing", actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]))


def probe_role(scope: cdk.Stack, region: str, table_name: str, table_arn: str) -> iam.Role:
    """The prober in another region (`ProbeStack`): what services/probes.py calls there, the
    canary pointer (GetItem on PLATFORM), its minutes (PutItem, UpdateItem on probe items),
    month to date (Query on PROBEDAY#) in the primary's table; no status page (it does not
    publish it). Its logs and tracing are added by the stack, inside this boundary."""
    use = TableUse(("dynamodb:GetItem", "dynamodb:Query"), (PLATFORM, *PROBE_ITEMS),
                   ("dynamodb:PutItem", "dynamodb:UpdateItem"), PROBE_ITEMS)
    boundary = boundary_policy(scope, [(list(use.reads + use.writes), [table_arn]), _lambda_log_groups(scope)],
                               audit_deny(table_arn, appender=False))
    role = iam.Role(scope, "ProbeRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                    description=f"Laurel uptime probe from {region}: writes its minutes to {table_name}",
                    permissions_boundary=boundary)
    for statement in _table_statements(table_arn, {}, use, audit_appender=False):
        role.add_to_policy(statement)
    return role


def probe_logs(scope: cdk.Stack, role: iam.Role, group: logs.LogGroup) -> iam.Policy:
    """The prober's log group, in a policy of its own: in the role's default policy it made a
    cycle (the function waits for its role's default policy, which named the log group, which
    is named after the function) that CloudFormation refuses (cfn-lint F3004)."""
    return iam.Policy(scope, "ProbeLogs", roles=[role], statements=[iam.PolicyStatement(
        sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[group.log_group_arn])])
