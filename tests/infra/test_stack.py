"""The deployment, synthesised offline and checked: schema from the models, private
encrypted storage behind CloudFront, least-privilege IAM, observability, cfn-lint clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.infra.conftest import PACKAGES, PROBE_STACKS, resources

# `synth` comes from conftest.py: importing it into a module would make pytest build that module its own copy

ROOT = Path(__file__).resolve().parents[2]
DATA_SERVICES = {"dynamodb", "s3", "kms", "secretsmanager", "ses", "sqs", "sns", "events", "scheduler"}


def _assets_bucket(tpl: dict) -> str:
    """The asset bucket's logical id (the other bucket holds access logs)."""
    (name,) = [n for n in resources(tpl, "AWS::S3::Bucket") if n.startswith("Assets")]
    return name


def test_table_keys_and_indexes_equal_the_models(synth):
    from chalicelib.store.schema import table_definition

    _, tpl, _ = synth
    (table,) = resources(tpl, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    expected = table_definition()
    assert props["KeySchema"] == expected["KeySchema"]
    assert props["AttributeDefinitions"] == expected["AttributeDefinitions"]
    assert [
        {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
        for g in props["GlobalSecondaryIndexes"]
    ] == expected["GlobalSecondaryIndexes"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_bucket_is_private_versioned_and_encrypted(synth):
    template, _, _ = synth
    template.has_resource_properties("AWS::S3::Bucket", {
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "VersioningConfiguration": {"Status": "Enabled"},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    })


def test_bucket_is_read_only_by_cloudfront(synth):
    _, tpl, _ = synth
    (policy,) = [p for p in resources(tpl, "AWS::S3::BucketPolicy").values()
                 if p["Properties"]["Bucket"] == {"Ref": _assets_bucket(tpl)}]
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows and all(s["Principal"] == {"Service": "cloudfront.amazonaws.com"} for s in allows)
    assert all("AWS:SourceArn" in s["Condition"]["StringEquals"] for s in allows)


def test_every_queue_has_a_dead_letter_queue(synth):
    _, tpl, _ = synth
    queues = resources(tpl, "AWS::SQS::Queue")
    dlqs = {
        json.dumps(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in queues.values() if "RedrivePolicy" in q.get("Properties", {})
    } | {  # the scheduled functions' dead letters (issue 17): their functions' and schedules' DLQ
        json.dumps(f["Properties"]["DeadLetterQueue"]["TargetArn"])
        for f in resources(tpl, "AWS::Serverless::Function").values() if "DeadLetterQueue" in f["Properties"]
    }
    for name, queue in queues.items():
        is_dlq = json.dumps({"Fn::GetAtt": [name, "Arn"]}) in dlqs
        assert is_dlq or "RedrivePolicy" in queue.get("Properties", {}), name


def _statements(tpl):
    for kind in ("AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
        for name, res in resources(tpl, kind).items():
            docs = [res["Properties"].get("PolicyDocument")] + [
                p["PolicyDocument"] for p in res["Properties"].get("Policies", [])
            ]
            for doc in filter(None, docs):
                for statement in doc["Statement"]:
                    yield name, statement


def test_no_wildcards_on_data_services(synth):
    _, tpl, _ = synth
    checked = 0
    for name, st in _statements(tpl):
        if st["Effect"] != "Allow" or "Action" not in st:
            continue
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources_ = st.get("Resource", [])
        resources_ = resources_ if isinstance(resources_, list) else [resources_]
        for action in actions:
            assert action != "*", (name, st)
            service, _, op = action.partition(":")
            if service in DATA_SERVICES:
                checked += 1
                assert "*" not in op, (name, action)
                assert "*" not in resources_, (name, st)
    assert checked >= 8


FUNCTIONS = ("APIHandler", "BulkWorker", "DeliverWebhooks", "WeeklyIssuance", "ExpirySweep", "UptimeProbe",
             "MonthlySummary", "EngagementAggregator")


def test_each_function_has_its_own_least_privilege_role_and_the_stack_resources(synth):
    _, tpl, _ = synth
    roles = set(resources(tpl, "AWS::IAM::Role"))
    used = set()
    table_id = next(iter(resources(tpl, "AWS::DynamoDB::Table")))
    bucket_id = _assets_bucket(tpl)
    for name in FUNCTIONS:
        fn = tpl["Resources"][name]["Properties"]
        role = fn["Role"]["Fn::GetAtt"][0]
        assert role in roles and role not in used, name
        used.add(role)
        env = fn["Environment"]["Variables"]
        assert env["LAUREL_TABLE"] == {"Ref": table_id} and env["LAUREL_BUCKET"] == {"Ref": bucket_id}
        assert env["LAUREL_STAGE"] == "prod" and fn["Tracing"] == "Active"
    # only the functions that sign can sign
    signers = {n for n, st in _statements(tpl) if "kms:Sign" in str(st.get("Action"))
               and resources(tpl, "AWS::IAM::Policy").get(n)}  # (the boundary, a managed policy, bounds them all)
    assert len(signers) == 2


def test_workers_consume_the_stacks_queues_and_report_partial_failures(synth):
    _, tpl, _ = synth
    queues = resources(tpl, "AWS::SQS::Queue")
    for name in ("BulkWorker", "DeliverWebhooks"):
        (source,) = tpl["Resources"][name]["Properties"]["Events"].values()
        props = source["Properties"]
        assert props["Queue"]["Fn::GetAtt"][0] in queues
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    dlq_alarms = [a for a in resources(tpl, "AWS::CloudWatch::Alarm").values()
                  if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"]
    assert len(dlq_alarms) == 3  # bulk, events, and the scheduled functions' (issue 17)
    schedule = tpl["Resources"]["WeeklyIssuance"]["Properties"]["Events"]
    assert next(iter(schedule.values()))["Type"] == "Schedule"
    (table,) = resources(tpl, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_public_verification_path_is_behind_cloudfront(synth):
    _, tpl, _ = synth
    (dist,) = resources(tpl, "AWS::CloudFront::Distribution").values()
    config = dist["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    verify = behaviors["/badges/*"]
    api_origin = origins[verify["TargetOriginId"]]
    assert api_origin["OriginPath"] == "/api"
    assert "execute-api" in json.dumps(api_origin["DomainName"])
    assert verify["ViewerProtocolPolicy"] == "redirect-to-https"
    assets = origins[behaviors["/assets/*"]["TargetOriginId"]]
    assert "OriginAccessControlId" in assets
    # the verification cache policy honours the origin's Cache-Control and varies by Accept and language
    policy = tpl["Resources"][verify["CachePolicyId"]["Ref"]]
    cfg = policy["Properties"]["CachePolicyConfig"]
    assert cfg["DefaultTTL"] == 0 and cfg["MaxTTL"] > 0
    assert cfg["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"] == ["Accept", "Accept-Language"]
    # the engagement counters' inputs reach the origin (CloudFront sends "Amazon CloudFront" as the user
    # agent and drops the Referer and the query unless told): `ref` is also part of the cache key, with
    # `lang` (the visitor's choice of language, issue 19)
    assert cfg["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"] == {
        "QueryStringBehavior": "whitelist", "QueryStrings": ["ref", "lang"]}
    origin_policy = tpl["Resources"][verify["OriginRequestPolicyId"]["Ref"]]
    forwarded = origin_policy["Properties"]["OriginRequestPolicyConfig"]["HeadersConfig"]
    assert forwarded["HeaderBehavior"] == "whitelist" and sorted(forwarded["Headers"]) == ["Referer", "User-Agent"]
    assert verify["OriginRequestPolicyId"]


def test_observability(synth):
    template, tpl, _ = synth
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 90})
    # one per function (MailEvents too), API Gateway's access logs
    template.resource_count_is("AWS::Logs::LogGroup", 10)
    # the SLA alarm is burn-rate based (issue 17; tests/infra/test_ops.py checks its windows)
    template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 2)
    (dashboard,) = resources(tpl, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for needle in ["5XXError", "4XXError", "Latency", "p99", "Throttles", "Errors", "ColdStarts", "/badges/",
                   "MonthToDateAvailability"]:
        assert needle in body, needle
    alarms = resources(tpl, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 4


def test_signing_key_secret_and_mail(synth):
    template, _, _ = synth
    template.has_resource_properties("AWS::KMS::Key", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
    # (the count of secrets grows with issue 17: the origin header's, infra/edge.py)
    template.has_resource_properties("AWS::SecretsManager::Secret", {"Name": "laurel/prod/signing-material"})
    template.resource_count_is("AWS::SES::ConfigurationSet", 1)


def test_template_passes_cfn_lint(synth):
    _, _, path = synth
    lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(lint), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_lambda_package_ships_compiled_bytecode_and_no_working_tree_cache(synth):
    """Lambda unpacks the zip into a read-only directory: without bytecode in the zip
    every cold container compiled every module it imported (0.83 s vs 0.39 s for the
    first verification page). The `.pyc` files must be unchecked-hash ones (the zip
    keeps no source mtimes) of the runtime's Python, next to every module."""
    import importlib.util
    import zipfile

    assert len(PACKAGES) == 1
    with zipfile.ZipFile(PACKAGES[0]) as z:
        names = set(z.namelist())
        tag = sys.implementation.cache_tag
        for module in ("app", "chalicelib/services/verification", "chalicelib/web/__init__", "pynamodb/models",
                       "botocore/client", "jinja2/environment"):
            folder, _, stem = module.rpartition("/")
            pyc = f"{folder + '/' if folder else ''}__pycache__/{stem}.{tag}.pyc"
            assert f"{module}.py" in names and pyc in names, pyc
            header = z.read(pyc)[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER
            flags = int.from_bytes(header[4:8], "little")
            assert flags == 0b01, f"{pyc}: flags {flags:#b} (1 = hash-based, unchecked)"
        # every module has its bytecode; none comes from another interpreter's cache
        sources = {n[:-3] for n in names if n.endswith(".py")}
        compiled = {n.replace(f"__pycache__/", "").rsplit(".", 2)[0] for n in names if n.endswith(".pyc")}
        assert sources - compiled == set()
        assert all(f".{tag}." in n for n in names if n.endswith(".pyc"))
        # the Jinja templates ship compiled to modules: no template is compiled on a cold start
        templates = [n for n in names if n.startswith("chalicelib/web/templates/") and n.endswith((".html", ".txt"))]
        modules = [n for n in names if n.startswith("chalicelib/web/compiled/tmpl_") and n.endswith(".py")]
        assert templates and len(modules) == len(templates)
        # the ESCO index the skills search reads (issue 20, scripts/esco_index.py)
        assert [n for n in names if n.startswith("chalicelib/data/esco-") and n.endswith(".json.gz")]


def _granted(tpl, function: str) -> list[tuple[set, str]]:
    """(actions, resources as text) of every statement on `function`'s role."""
    role = tpl["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    found = []
    for _, res in resources(tpl, "AWS::IAM::Policy").items():
        if {"Ref": role} not in res["Properties"].get("Roles", []):
            continue
        for st in res["Properties"]["PolicyDocument"]["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            found.append((set(actions), json.dumps(st.get("Resource")) + json.dumps(st.get("Condition"))))
    return found


def _allowed(tpl, function: str, action: str, resource_part: str) -> bool:
    return any(action in actions and resource_part in text for actions, text in _granted(tpl, function))


def test_bulk_reports_uploads_and_sso_secrets_are_granted_where_the_code_uses_them(synth):
    """What the code stores outside assets/ and exports/: bulk row-error reports
    (reports/), the console's kept uploads (uploads/) and each organization's SSO client
    secret. Without these grants a deployed stack answers 503 where moto answers 200."""
    _, tpl, _ = synth
    for function in ("APIHandler", "BulkWorker"):
        for prefix in ("reports/*", "uploads/*"):
            for action in ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"):
                assert _allowed(tpl, function, action, prefix), (function, action, prefix)
            assert _allowed(tpl, function, "s3:ListBucket", prefix), (function, "list", prefix)
        for action in ("secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
                       "secretsmanager:UpdateSecretVersionStage", "secretsmanager:DeleteSecret"):
            assert _allowed(tpl, function, action, "laurel/prod/sso/*"), (function, action)
    assert not _allowed(tpl, "DeliverWebhooks", "secretsmanager:GetSecretValue", "sso/*")


def test_organization_exports_are_granted_where_the_code_uses_them(synth):
    """Issue 15: the bulk worker writes an export's parts and file under exports/org/,
    reads the parts back, deletes them and presigns the mailed link; the API presigns
    the job page's link; offboarding (API or worker) lists and deletes the tenant's."""
    _, tpl, _ = synth
    for function, actions in (("BulkWorker", ("s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket")),
                              ("APIHandler", ("s3:GetObject", "s3:DeleteObject", "s3:ListBucket"))):
        for action in actions:
            assert _allowed(tpl, function, action, "exports/org/*"), (function, action)
    assert not _allowed(tpl, "BulkWorker", "s3:GetObject", "exports/*"), "the worker reads no person's export"


EMITTERS = ("APIHandler", "BulkWorker", "ExpirySweep", "WeeklyIssuance")


def test_engagement_lines_of_every_emitting_function_reach_the_aggregator(synth):
    """Each function that writes engagement lines has a subscription filter on its log
    group (pattern on the marker key) to the EngagementAggregator, which CloudWatch Logs
    may invoke; the aggregator writes counters and reads issuer profiles, nothing else."""
    _, tpl, _ = synth
    filters = resources(tpl, "AWS::Logs::SubscriptionFilter").values()
    groups = resources(tpl, "AWS::Logs::LogGroup")
    subscribed = set()
    for f in filters:
        props = f["Properties"]
        assert props["FilterPattern"] == "{ $.laurel_engagement = 1 }"
        assert props["DestinationArn"] == {"Fn::GetAtt": ["EngagementAggregator", "Arn"]}
        (group,) = [k for k, g in groups.items() if {"Ref": k} == props["LogGroupName"]]
        subscribed.add(json.dumps(groups[group]["Properties"]["LogGroupName"]))
    assert subscribed == {json.dumps({"Fn::Join": ["", ["/aws/lambda/", {"Ref": name}]]}) for name in EMITTERS}
    permissions = [p["Properties"] for p in resources(tpl, "AWS::Lambda::Permission").values()
                   if p["Properties"]["Principal"] == "logs.amazonaws.com"]
    assert len(permissions) == len(EMITTERS)
    assert all(p["FunctionName"] == {"Fn::GetAtt": ["EngagementAggregator", "Arn"]} and
               p["Action"] == "lambda:InvokeFunction" for p in permissions)
    for action in ("dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:BatchGetItem"):
        assert _allowed(tpl, "EngagementAggregator", action, "Table"), action
    # (store/engagement.apply writes in one transaction; `departed` is one BatchGetItem: no Query)
    assert not _allowed(tpl, "EngagementAggregator", "dynamodb:Query", "")
    assert not _allowed(tpl, "EngagementAggregator", "ses:SendEmail", "")
    assert not _allowed(tpl, "EngagementAggregator", "kms:Sign", "")


# ------------------------------------------------------------------ probes (issue 16)


def _silence_alarms(tpl: dict) -> list[dict]:
    return [a["Properties"] for a in resources(tpl, "AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("MetricName") == "Availability"]


def test_an_alarm_fires_when_the_probes_of_a_location_stop(synth):
    _, tpl, _ = synth
    (alarm,) = _silence_alarms(tpl)
    assert alarm["Statistic"] == "SampleCount" and alarm["Period"] == 300
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "LessThanThreshold")
    assert alarm["TreatMissingData"] == "breaching"  # no samples at all is the silence it watches for
    assert sorted(alarm["Dimensions"], key=lambda d: d["Name"]) == [
        {"Name": "location", "Value": "us-east-1"}, {"Name": "service", "Value": "probes"}]
    # the UptimeProbe publishes under that same location
    env = tpl["Resources"]["UptimeProbe"]["Properties"]["Environment"]["Variables"]
    assert env["LAUREL_PROBE_LOCATION"] == "us-east-1"


def test_a_second_region_probes_every_minute_into_the_one_table(synth):
    _, tpl, _ = synth
    probe = PROBE_STACKS["eu-west-1"]
    (fn,) = resources(probe, "AWS::Lambda::Function").values()
    props = fn["Properties"]
    primary = tpl["Resources"]["UptimeProbe"]["Properties"]
    assert props["Handler"] == primary["Handler"] == "chalicelib.routes.jobs.uptime_probe"
    assert props["Runtime"] == primary["Runtime"]
    env = props["Environment"]["Variables"]
    assert env["LAUREL_PROBE_LOCATION"] == "eu-west-1"
    assert env["LAUREL_STATUS_PUBLISHER"] == "0"  # it only probes: the primary region publishes the status page
    assert (env["LAUREL_TABLE"], env["LAUREL_TABLE_REGION"]) == ("laurel-prod", "us-east-1")
    (table,) = resources(tpl, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["TableName"] == "laurel-prod"  # the name the prober writes to
    (rule,) = resources(probe, "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"]["Fn::GetAtt"][0] in resources(probe, "AWS::Lambda::Function")
    # its role reaches only the primary's table (in the primary's region), and only with what the probe calls
    statements = [st for name, st in _statements(probe) if st["Effect"] == "Allow" and "dynamodb" in str(st["Action"])
                  and name in resources(probe, "AWS::IAM::Policy")]
    assert statements  # (what they may write: tests/infra/test_access.py)
    for statement in statements:
        assert "us-east-1" in json.dumps(statement["Resource"]) and "table/laurel-prod" in json.dumps(
            statement["Resource"])
        assert not any("Delete" in a or "Scan" in a for a in statement["Action"])
    (alarm,) = _silence_alarms(probe)
    assert {"Name": "location", "Value": "eu-west-1"} in alarm["Dimensions"]
    assert alarm["TreatMissingData"] == "breaching"


def test_the_status_page_snapshot_is_granted_and_the_page_is_cached_at_the_edge(synth):
    """Issue 16, found in review: the probe publishes statuspage/snapshot.json every minute and
    the API reads it for /status; without the grants a deployed page could never be served
    from S3 (the table-down fallback) and every view rebuilt it from the table. /status and
    its feed are "cacheable by the CDN"; a prober in another region only probes."""
    _, tpl, _ = synth
    for function in ("APIHandler", "UptimeProbe"):
        for action in ("s3:GetObject", "s3:PutObject"):
            assert _allowed(tpl, function, action, "statuspage/*"), (function, action)
    assert not _allowed(tpl, "UptimeProbe", "s3:GetObject", "exports/*")
    (dist,) = resources(tpl, "AWS::CloudFront::Distribution").values()
    behaviors = {b["PathPattern"]: b for b in dist["Properties"]["DistributionConfig"]["CacheBehaviors"]}
    for path in ("/status", "/status/feed.atom"):
        assert behaviors[path]["CachePolicyId"] == behaviors["/badges/*"]["CachePolicyId"], path
        assert behaviors[path]["AllowedMethods"] == ["GET", "HEAD"], path
    assert "/status/*" not in behaviors  # the subscription forms (POST) stay uncached


def test_ed25519_seeds_are_their_own_secret_read_and_rotated_where_the_code_signs(synth):
    """Issue 17 item 7: the Ed25519 seeds are a secret of their own (not derived from the
    session material), named to the functions that sign and granted what rotation and
    the one-time migration of generation 1 do (services/signing.py)."""
    _, tpl, _ = synth
    (logical,) = [name for name, res in resources(tpl, "AWS::SecretsManager::Secret").items()
                  if res["Properties"].get("Name") == "laurel/prod/ed25519-keys"]
    for function in ("APIHandler", "BulkWorker"):
        env = tpl["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert env["LAUREL_ED25519_SECRET_ID"] == {"Ref": logical}, env
        for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
                       "secretsmanager:UpdateSecretVersionStage", "secretsmanager:DescribeSecret"):
            assert _allowed(tpl, function, action, logical), (function, action)
    assert not _allowed(tpl, "DeliverWebhooks", "secretsmanager:GetSecretValue", logical)


def test_the_events_worker_may_send_the_expiry_sweeps_queued_mails(synth):
    """Issue 17 item 5: the sweep queues its mails on the events queue; its worker sends them."""
    _, tpl, _ = synth
    assert _allowed(tpl, "DeliverWebhooks", "ses:SendEmail", "identity")
    assert _allowed(tpl, "ExpirySweep", "sqs:SendMessage", "EventsQueue")
