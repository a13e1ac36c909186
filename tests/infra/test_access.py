"""Least privilege per function (issue 17, item 4), checked on the synthesized templates:
an allow-list of actions per function and nothing outside it; DynamoDB writes limited to
the partition keys each function's code writes (the probe: only its probe items); audit
entries never changed or deleted by anyone; bucket listing only under named prefixes; no
queue permission the code does not use; a permissions boundary on every role, the
ProbeStack's included. And from behaviour: every AWS call the job functions were seen to
make (tests/infra/job_calls.py) is allowed by that function's synthesized policy, and a
probe run, recorded here, writes only probe items."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from tests.infra.job_calls import iam_actions
from tests.infra.conftest import PROBE_STACKS, resources  # (`synth`: conftest.py, one synthesis a session)

FUNCTIONS = ("APIHandler", "BulkWorker", "DeliverWebhooks", "WeeklyIssuance", "ExpirySweep", "UptimeProbe",
             "MonthlySummary", "EngagementAggregator", "MailEvents")
DYNAMODB_READ = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
DYNAMODB_WRITE = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
SQS_SEND = {"sqs:SendMessage", "sqs:GetQueueUrl"}
SQS_CONSUME = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
S3_RW = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
SIGNING = {"kms:Sign", "kms:GetPublicKey", "secretsmanager:GetSecretValue"}
SSO = {"secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
       "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecretVersionStage", "secretsmanager:DeleteSecret"}
# Lambda puts a failed asynchronous invocation (schedules, the log subscription) on the schedules' DLQ
# with the function's own role
ASYNC_DLQ = {"sqs:SendMessage"}
# Every action a function's role allows: what its code calls (read from routes/jobs.py -> services/work.py
# -> the services, and seen in observed_calls.json), nothing else.
ALLOW_LIST = {
    "APIHandler": DYNAMODB_READ | DYNAMODB_WRITE | LOGS | SQS_SEND | S3_RW | SIGNING | SSO
    | {"s3:DeleteObjectVersion", "s3:ListBucket", "s3:ListBucketVersions", "ses:SendEmail"},
    "BulkWorker": DYNAMODB_READ | DYNAMODB_WRITE | LOGS | SQS_SEND | SQS_CONSUME | S3_RW | SIGNING | SSO
    | {"s3:ListBucket", "ses:SendEmail"},
    # (also the expiry sweep's queued mails, services/expiry.deliver_mail, and the CDN's invalidations)
    # (and a reminder's signed unsubscribe link: the session material, issue 19)
    "DeliverWebhooks": {"dynamodb:GetItem", "dynamodb:UpdateItem"} | LOGS | SQS_SEND | SQS_CONSUME
    | {"ses:SendEmail", "cloudfront:CreateInvalidation", "secretsmanager:GetSecretValue"},
    "WeeklyIssuance": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:BatchWriteItem"} | LOGS
    | SQS_SEND,
    # (it queues its mails for the events worker: no ses:SendEmail)
    "ExpirySweep": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} | LOGS | SQS_SEND
    | ASYNC_DLQ,
    "UptimeProbe": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} | LOGS
    | {"s3:GetObject", "s3:PutObject"} | ASYNC_DLQ,
    "MonthlySummary": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"} | LOGS | {"ses:SendEmail"} | ASYNC_DLQ,
    "EngagementAggregator": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} | LOGS | ASYNC_DLQ,
    # SES's bounce and complaint events: the suppression list and the credential's mark, conditional writes only
    "MailEvents": {"dynamodb:PutItem", "dynamodb:UpdateItem"} | LOGS | ASYNC_DLQ,
}
PROBE_KEYS_WRITTEN = ("PROBE#", "PROBEDAY#", "PROBELOC#")


# ------------------------------------------------------------------ a small evaluator of the synthesized policies


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def role_statements(tpl: dict, role: str) -> list[dict]:
    """Every statement of the inline policies attached to `role` (its logical id)."""
    return [st for res in resources(tpl, "AWS::IAM::Policy").values() if {"Ref": role} in res["Properties"]["Roles"]
            for st in res["Properties"]["PolicyDocument"]["Statement"]]


def function_statements(tpl: dict, function: str) -> list[dict]:
    return role_statements(tpl, tpl["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0])


def _resource_matches(statement: dict, target: str) -> bool:
    """`target`: `table`, `index:<name>`, `list:<prefix>` (the bucket), an S3 object key, or "" (any)."""
    text = json.dumps(statement["Resource"])
    if target == "":
        return True
    if target == "table":
        return any("/index/" not in json.dumps(r) and ("Table" in json.dumps(r) or "table/" in json.dumps(r))
                   for r in _listed(statement["Resource"]))
    if target.startswith("index:"):
        return f"/index/{target[6:]}" in text or "/index/*" in text
    if target.startswith("list:"):
        return any(r == {"Fn::GetAtt": [r["Fn::GetAtt"][0], "Arn"]} and "Assets" in r["Fn::GetAtt"][0]
                   for r in _listed(statement["Resource"]) if isinstance(r, dict) and "Fn::GetAtt" in r)
    # an object key: the literal part after the bucket ARN, e.g. "/assets/*"
    suffixes = [part for r in _listed(statement["Resource"]) if isinstance(r, dict) and "Fn::Join" in r
                for part in r["Fn::Join"][1] if isinstance(part, str) and part.startswith("/")]
    return any(fnmatchcase("/" + target, suffix) for suffix in suffixes)


def _conditions_hold(statement: dict, leading_key: str | None, s3_prefix: str | None) -> bool:
    for operator, entries in statement.get("Condition", {}).items():
        for key, patterns in entries.items():
            value = leading_key if key == "dynamodb:LeadingKeys" else s3_prefix if key == "s3:prefix" else "?"
            patterns = _listed(patterns)
            if operator == "Null":
                if (value is None) != (patterns[0] == "true"):
                    return False
            elif operator in ("ForAllValues:StringLike", "ForAnyValue:StringLike", "StringLike"):
                if value is None:
                    if operator != "ForAllValues:StringLike":  # ForAllValues holds for an empty set
                        return False
                elif not any(fnmatchcase(value, p) for p in patterns):
                    return False
            else:
                raise AssertionError(f"the evaluator does not know {operator}")
    return True


def allows(statements: list[dict], action: str, target: str = "", leading_key: str | None = None) -> bool:
    """What IAM decides for one call (action, resource, leading key) from these statements:
    an explicit Deny wins, else any Allow."""
    s3_prefix = target[5:] if target.startswith("list:") else None

    def applies(st: dict) -> bool:
        return (any(fnmatchcase(action, a) for a in _listed(st["Action"])) and _resource_matches(st, target)
                and _conditions_hold(st, leading_key, s3_prefix))
    if any(st["Effect"] == "Deny" and applies(st) for st in statements):
        return False
    return any(st["Effect"] == "Allow" and applies(st) for st in statements)


def actions_of(statements: list[dict]) -> set[str]:
    return {a for st in statements if st["Effect"] == "Allow" for a in _listed(st["Action"])}


# ------------------------------------------------------------------ the allow-lists


def test_each_function_is_allowed_exactly_its_allow_list(synth):
    _, tpl, _ = synth
    for function in FUNCTIONS:
        granted = actions_of(function_statements(tpl, function))
        assert granted == ALLOW_LIST[function], (function, "extra", granted - ALLOW_LIST[function],
                                                 "missing", ALLOW_LIST[function] - granted)


def test_every_role_has_a_permissions_boundary_that_keeps_it_to_laurels_resources(synth):
    _, tpl, _ = synth
    for template in (tpl, *PROBE_STACKS.values()):
        # the functions' roles (API Gateway's account-wide logging role is AWS's managed policy, not ours)
        roles = {k: r for k, r in resources(template, "AWS::IAM::Role").items()
                 if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service")
                 == "lambda.amazonaws.com"}
        assert len(roles) == (len(FUNCTIONS) if template is tpl else 1)
        for name, role in roles.items():
            boundary = role["Properties"].get("PermissionsBoundary")
            assert boundary, f"{name} has no permissions boundary"
            (policy_id,) = [k for k in resources(template, "AWS::IAM::ManagedPolicy") if boundary == {"Ref": k}]
            statements = template["Resources"][policy_id]["Properties"]["PolicyDocument"]["Statement"]
            allowed = actions_of(statements)
            assert not any(a.startswith(("iam:", "sts:", "lambda:")) or a.endswith("*") for a in allowed), allowed
            # the boundary denies what no role may do either: changing an audit entry
            assert not allows(statements, "dynamodb:UpdateItem", "table", "T#acme#AUDIT")
            assert not allows(statements, "dynamodb:DeleteItem", "table", "OPS#AUDIT")
    # every function's role, and only the stack's function roles, carry it (one policy per stack)
    boundaries = {json.dumps(r["Properties"]["PermissionsBoundary"]) for r in resources(tpl, "AWS::IAM::Role").values()
                  if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service")
                  == "lambda.amazonaws.com"}
    assert len(boundaries) == 1


def test_no_function_changes_or_deletes_an_audit_entry_and_only_the_api_appends_one(synth):
    """store/audit.py: "an entry, once written, is only ever read"; nothing in the code base
    updates or deletes one (offboarding deletes `T#<tenant>` and its other partitions, never
    `T#<tenant>#AUDIT`; erasure touches credentials, imports, earner items and files)."""
    _, tpl, _ = synth
    for function in FUNCTIONS:
        statements = function_statements(tpl, function)
        for key in ("T#acme#AUDIT", "OPS#AUDIT"):
            for action in ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
                assert not allows(statements, action, "table", key), (function, action, key)
            assert allows(statements, "dynamodb:PutItem", "table", key) == (function == "APIHandler"), (function, key)
    # the deny names audit keys only: the API still changes the tenant's other items
    api = function_statements(tpl, "APIHandler")
    assert allows(api, "dynamodb:UpdateItem", "table", "T#acme")
    assert allows(api, "dynamodb:DeleteItem", "table", "T#acme#C#abc")


def test_the_probe_writes_only_probe_items_in_every_region(synth):
    _, tpl, _ = synth
    regional = [role_statements(probe, role) for probe in PROBE_STACKS.values()
                for role in resources(probe, "AWS::IAM::Role")]
    assert regional
    for statements in (function_statements(tpl, "UptimeProbe"), *regional):
        for key in ("PROBE#2026-01", "PROBEDAY#2026-01", "PROBELOC#2026-01"):
            assert allows(statements, "dynamodb:UpdateItem", "table", key) or allows(
                statements, "dynamodb:PutItem", "table", key), key
        for key in ("T#acme", "T#acme#C#abc", "PLATFORM", "EARNER#e", "INCIDENT", "OPS#AUDIT", "RATE#x#y"):
            for action in DYNAMODB_WRITE:
                assert not allows(statements, action, "table", key), (action, key)
        assert allows(statements, "dynamodb:GetItem", "table", "PLATFORM")  # the canary pointer
        assert not allows(statements, "dynamodb:GetItem", "table", "T#acme")
        assert not allows(statements, "dynamodb:Scan", "table")
        assert not allows(statements, "dynamodb:Query", "index:by_email")


def test_item_access_names_its_keys_and_no_role_scans(synth):
    """Every Allow on the table's items carries a LeadingKeys condition that a call without
    a key (Scan) does not meet; only the API reaches the wallet's and console's items."""
    _, tpl, _ = synth
    for function in FUNCTIONS:
        statements = function_statements(tpl, function)
        for st in statements:
            if st["Effect"] == "Allow" and any(a.startswith("dynamodb:") for a in _listed(st["Action"])) \
                    and "/index/" not in json.dumps(st["Resource"]):
                assert st["Condition"]["Null"] == {"dynamodb:LeadingKeys": "false"}, (function, st)
                assert st["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"], (function, st)
        assert not allows(statements, "dynamodb:Scan", "table"), function
        assert not allows(statements, "dynamodb:GetItem", "table", None), function
        reaches_people = allows(statements, "dynamodb:GetItem", "table", "SESSION#abc")
        assert reaches_people == (function == "APIHandler"), function
    # issue 19: the API claims, changes and releases vanity names, and keeps the profile photos
    api = function_statements(tpl, "APIHandler")
    for action in ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                   "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
        assert allows(api, action, "table", "NAME#grace-hopper"), action
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert allows(api, action, "photos/e1/0a1b.jpg"), action
    # issue 20: only the API reads and keeps the talent index (TALENT#<skill key>)
    for action in ("dynamodb:Query", "dynamodb:PutItem", "dynamodb:BatchWriteItem"):
        assert allows(api, action, "table", "TALENT#text:python"), action
    for function in FUNCTIONS:
        if function != "APIHandler":
            assert not allows(function_statements(tpl, function), "dynamodb:Query", "table", "TALENT#text:python")
    aggregator = function_statements(tpl, "EngagementAggregator")
    assert allows(aggregator, "dynamodb:UpdateItem", "table", "T#acme#ENGD")
    assert not allows(aggregator, "dynamodb:UpdateItem", "table", "T#acme#C#abc")


def test_bucket_listing_is_limited_by_prefix_everywhere(synth):
    _, tpl, _ = synth
    for function in FUNCTIONS:
        for st in function_statements(tpl, function):
            if any(a.startswith("s3:List") for a in _listed(st["Action"])):
                assert st["Condition"]["StringLike"]["s3:prefix"], (function, st)
                assert "*" not in [p.rstrip("*") for p in st["Condition"]["StringLike"]["s3:prefix"]]
    api = function_statements(tpl, "APIHandler")
    # what erasure and a changed credential's baked files list (every version), and nothing else
    for prefix in ("assets/baked/acme/acme-abc/", "exports/9f2c/", "exports/org/acme/", "photos/9f2c/"):
        assert allows(api, "s3:ListBucketVersions", f"list:{prefix}"), prefix
    for prefix in ("", "statuspage/", "assets/", "reports/acme/"):
        assert not allows(api, "s3:ListBucketVersions", f"list:{prefix}"), prefix
    assert not allows(api, "s3:ListBucket", "list:")


def test_queue_permissions_are_the_calls_the_code_makes(synth):
    """Sends by queue name (so GetQueueUrl) to the queues a function sends to; the event source
    mapping's three calls on the queue a function consumes; ChangeMessageVisibility is called
    by nobody; only the webhook worker moves a delivery to the events dead-letter queue."""
    _, tpl, _ = synth
    dlq = next(k for k, q in resources(tpl, "AWS::SQS::Queue").items() if q["Properties"]["QueueName"].endswith(
        "-events-dlq"))
    for function in FUNCTIONS:
        statements = function_statements(tpl, function)
        assert "sqs:ChangeMessageVisibility" not in actions_of(statements), function
        to_dlq = [st for st in statements if "sqs:SendMessage" in _listed(st["Action"])
                  and dlq in json.dumps(st["Resource"])]
        assert bool(to_dlq) == (function == "DeliverWebhooks"), function
    schedules_dlq = next(k for k, q in resources(tpl, "AWS::SQS::Queue").items()
                         if q["Properties"]["QueueName"].endswith("-schedules-dlq"))
    for function in ("WeeklyIssuance", "ExpirySweep", "UptimeProbe", "MonthlySummary", "EngagementAggregator"):
        (statement,) = [st for st in function_statements(tpl, function) if st.get("Sid") == "DeadLetters"]
        assert statement["Action"] == "sqs:SendMessage" and schedules_dlq in json.dumps(statement["Resource"])


# ------------------------------------------------------------------ from behaviour

OBSERVED = Path(__file__).with_name("observed_calls.json")


def test_every_call_the_job_functions_were_seen_to_make_is_allowed(synth):
    """tests/infra/observed_calls.json: the AWS calls each function's entry points made while
    the integration tests of jobs ran (tests/infra/job_calls.py): each one is allowed by that
    function's synthesized policy, its DynamoDB leading key included."""
    _, tpl, _ = synth
    observed = json.loads(OBSERVED.read_text())
    assert set(observed) == set(FUNCTIONS)  # every function's entry points ran
    refused = []
    for function, calls in observed.items():
        statements = function_statements(tpl, function)
        for action, target, leading_key in calls:
            if not allows(statements, action, target if not action.startswith(("sqs:", "ses:", "kms:", "secrets"))
                          else "", leading_key or None):
                refused.append((function, action, target, leading_key))
    assert not refused


def test_a_probe_run_writes_only_probe_items_and_only_calls_what_its_role_allows(synth, client, monkeypatch):
    from chalicelib.adapters import fetch
    from chalicelib.services import probes, work
    from tests.aws_calls import requests

    monkeypatch.setattr(probes, "_policy", lambda: fetch.Policy(allow_http=True, allow_private=True, timeout=1))
    with requests() as calls:
        work.probe()
    made = [(action, target, key) for call in calls for action, target, key in iam_actions(call.name, call.params)]
    writes = [key for action, _, key in made if action in DYNAMODB_WRITE]
    assert writes and all(key.startswith(PROBE_KEYS_WRITTEN) for key in writes), writes
    _, tpl, _ = synth
    statements = function_statements(tpl, "UptimeProbe")
    refused = [c for c in made if not allows(statements, c[0], c[1] if c[0].startswith(("dynamodb", "s3")) else "",
                                             c[2])]
    assert not refused


def test_an_offboarding_continued_by_the_bulk_worker_may_delete_the_earners_links_to_it(synth):
    """Issue 20: an organization that leaves takes its employees' links (`EARNER#<earner>/
    EMPLOYER#<tenant>`) with it, and the bulk worker continues offboardings from the queue."""
    _, tpl, _ = synth
    bulk = function_statements(tpl, "BulkWorker")
    assert allows(bulk, "dynamodb:BatchWriteItem", "table", "EARNER#e1")
    assert allows(bulk, "dynamodb:Query", "index:by_tenant")
    assert not allows(bulk, "dynamodb:GetItem", "table", "SESSION#abc")
