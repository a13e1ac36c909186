"""What each Lambda function's code really calls: AWS actions and DynamoDB leading keys.

A pytest plugin (opt-in) that, while other test files run, attributes every botocore call
to the Lambda function whose entry point is running (innermost wins: a bulk chunk run
inline inside a request is the BulkWorker's call) and writes what it saw to
tests/infra/observed_calls.json. `tests/infra/test_access.py` then checks that every
observed call is allowed by that function's synthesized policy. Regenerate with

    .venv/bin/python -m pytest -q -p no:cacheprovider -p tests.infra.job_calls \
        tests/integration/test_expiry.py tests/integration/test_lms.py ...   (see OBSERVED_FROM)

Calls made outside any entry point, or in a thread the entry point did not start on (a test's web
server answering the probe; fixtures creating tables; `scan_table()`), are not
attributed to anyone. The mapping from an API call to its IAM action is `iam_actions`;
a DynamoDB call's leading keys (partition key values) are read from its parameters.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

OUT = Path(__file__).with_name("observed_calls.json")
# the integration files whose runs the committed observed_calls.json was recorded from
OBSERVED_FROM = ("test_expiry.py", "test_lms.py", "test_monthly_summary.py", "test_bulk.py", "test_bulk_reports.py",
                 "test_exports.py", "test_offboarding.py", "test_webhooks.py", "test_engagement.py",
                 "test_probes.py", "test_probe_store.py", "test_status.py", "test_sla_ledger.py",
                 "test_data_rights.py", "test_queue.py", "test_events_wiring.py",
                 # issue 17: the expiry mails and CDN invalidations on the events queue, SES's mail events
                 "test_expiry_queue.py", "test_cdn_invalidation.py", "test_mail_feedback.py")

# entry point (module, attribute) -> the Lambda function (infra/stack.py names) it runs in
ENTRY_POINTS = {
    ("chalicelib.services.probes", "run"): "UptimeProbe",
    ("chalicelib.services.work", "probe"): "UptimeProbe",
    ("chalicelib.services.expiry", "sweep"): "ExpirySweep",
    ("chalicelib.services.bulk", "issue_scheduled"): "WeeklyIssuance",
    ("chalicelib.services.summary", "send_monthly"): "MonthlySummary",
    ("chalicelib.services.work", "bulk_message"): "BulkWorker",
    ("chalicelib.services.exports", "process_step"): "BulkWorker",
    ("chalicelib.services.offboarding", "continue_from_queue"): "BulkWorker",
    ("chalicelib.services.bulk", "process_chunk"): "BulkWorker",
    ("chalicelib.services.work", "webhook_message"): "DeliverWebhooks",
    ("chalicelib.services.events", "deliver"): "DeliverWebhooks",
    ("chalicelib.services.engagement", "aggregate"): "EngagementAggregator",
    ("chalicelib.services.mail_feedback", "handle"): "MailEvents",
}

_S3_ACTIONS = {"ListObjectsV2": "ListBucket", "ListObjects": "ListBucket", "ListObjectVersions": "ListBucketVersions",
               "HeadObject": "GetObject", "DeleteObjects": "DeleteObject"}
_BATCHES = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage"}
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def _pk_of(item_or_key: dict) -> str | None:
    value = item_or_key.get("pk")
    return value.get("S") if isinstance(value, dict) else value


def _query_pk(params: dict) -> str | None:
    """The partition key value of a Query: the `#n = :v` term whose name is a partition key."""
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for name, value in re.findall(r"(#\w+|\w+) = (:\w+)", params.get("KeyConditionExpression", "")):
        attribute = names.get(name, name)
        if attribute == "pk" or re.fullmatch(r"gsi\dpk", attribute):
            return values[value]["S"]
    return None


def iam_actions(name: str, params: dict) -> Iterator[tuple[str, str, str | None]]:
    """(IAM action, target, detail) of one recorded call: target is `table`, `index:<name>`,
    an S3 key or list prefix, or "" ; detail the DynamoDB leading key."""
    service, _, op = name.partition(".")
    if service == "dynamodb":
        if op in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
            yield f"dynamodb:{op}", "table", _pk_of(params.get("Key") or params.get("Item") or {})
        elif op == "Query":
            target = f"index:{params['IndexName']}" if params.get("IndexName") else "table"
            yield "dynamodb:Query", target, _query_pk(params)
        elif op in ("BatchWriteItem", "BatchGetItem"):
            for requests in params["RequestItems"].values():
                if op == "BatchGetItem":
                    for key in requests["Keys"]:
                        yield "dynamodb:BatchGetItem", "table", _pk_of(key)
                    continue
                for request in requests:
                    put, delete = request.get("PutRequest"), request.get("DeleteRequest")
                    yield "dynamodb:BatchWriteItem", "table", _pk_of(put["Item"] if put else delete["Key"])
        elif op == "TransactWriteItems":
            for entry in params["TransactItems"]:
                ((kind, body),) = entry.items()
                yield f"dynamodb:{_TRANSACT[kind]}", "table", _pk_of(body.get("Key") or body.get("Item") or {})
        elif op == "TransactGetItems":
            for entry in params["TransactItems"]:
                yield "dynamodb:GetItem", "table", _pk_of(entry["Get"]["Key"])
        else:
            yield f"dynamodb:{op}", "table", None
    elif service == "s3":
        if op in ("ListObjectsV2", "ListObjects", "ListObjectVersions"):
            yield f"s3:{_S3_ACTIONS[op]}", "list:" + params.get("Prefix", ""), None
        elif op == "DeleteObjects":
            for obj in params["Delete"]["Objects"]:
                yield ("s3:DeleteObjectVersion" if obj.get("VersionId") else "s3:DeleteObject"), obj["Key"], None
        elif op == "DeleteObject" and params.get("VersionId"):
            yield "s3:DeleteObjectVersion", params["Key"], None
        elif op == "CopyObject":
            yield "s3:GetObject", str(params["CopySource"]), None
            yield "s3:PutObject", params["Key"], None
        else:
            yield f"s3:{_S3_ACTIONS.get(op, op)}", params.get("Key", ""), None
    else:
        iam_service = {"sesv2": "ses"}.get(service, service)
        # one IAM action authorizes a batch: SendMessageBatch is sqs:SendMessage
        yield f"{iam_service}:{_BATCHES.get(op, op)}", "", None


# ------------------------------------------------------------------ the plugin

_local = threading.local()  # per thread: a request served by a test's web server thread is not the probe's
_seen: dict[str, set[tuple[str, str, str]]] = defaultdict(set)


def _active() -> list[str]:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def _wrap(function_name: str, target):
    def wrapper(*args, **kwargs):
        _active().append(function_name)
        try:
            return target(*args, **kwargs)
        finally:
            _active().pop()
    wrapper.__wrapped__ = target  # type: ignore[attr-defined]
    return wrapper


def shape(text: str) -> str:
    """A key with its random parts (ids, hashes, tokens: 12 or more letters and digits) as `<id>`:
    what the policies' patterns see is the shape (`T#<id>#C#<id>`), and the file stays small."""
    return re.sub(r"[A-Za-z0-9_]{12,}", "<id>", text)


def _record(name: str, params: dict) -> None:
    active = _active()
    if not active:
        return
    for action, target, leading_key in iam_actions(name, params):
        _seen[active[-1]].add((action, shape(target), shape(leading_key or "")))


def pytest_configure(config) -> None:
    import importlib

    from botocore.client import BaseClient
    from chalice.app import Chalice

    for (module_name, attribute), function_name in ENTRY_POINTS.items():
        module = importlib.import_module(module_name)
        setattr(module, attribute, _wrap(function_name, getattr(module, attribute)))
    Chalice.__call__ = _wrap("APIHandler", Chalice.__call__)  # type: ignore[method-assign]
    original = BaseClient._make_api_call

    def recorder(self, operation_name, api_params):
        _record(f"{self.meta.service_model.service_name}.{operation_name}", dict(api_params))
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recorder  # type: ignore[method-assign]


def pytest_sessionfinish(session, exitstatus) -> None:
    """One call a line, functions and calls sorted: a re-recording's diff shows what changed."""
    functions = [f' "{fn}": [\n' + ",\n".join("  " + json.dumps(list(call)) for call in sorted(calls)) + "\n ]"
                 for fn, calls in sorted(_seen.items())]
    OUT.write_text("{\n" + ",\n".join(functions) + "\n}\n")
