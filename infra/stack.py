"""Laurel's deployment: one CDK stack per stage.

The app (API Gateway + Lambda) comes from `chalice package` through the
`chalice.cdk.Chalice` construct; everything the app uses is declared here:

- the DynamoDB table, built from `chalicelib.store.schema.table_definition()`, the
  same definition local set-up and tests create (one source of truth: the models);
- the asset bucket (private, versioned, encrypted) served only through CloudFront
  with origin access control; CloudFront also caches verification pages by their
  `Cache-Control`;
- the KMS signing key and the Secrets Manager secret for signing material, the SES
  configuration set and sender identity;
- the function's IAM role (least privilege, written here), its log group,
  a CloudWatch dashboard and alarms;
- engagement analytics: a CloudWatch Logs subscription filter on the log group of
  each function that writes engagement lines, delivering them to the
  EngagementAggregator function (chalicelib/services/engagement.py);
- uptime probes from more than one location: the stack's own UptimeProbe (location: its
  region) and, per region of the `probe_regions` context, a `ProbeStack` in that region
  (below), each with an alarm that fires when its probes fall silent.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import (
    aws_apigateway as apigateway,
    aws_cloudwatch as cw,
    aws_dynamodb as dynamodb,
    aws_events as events,
    aws_events_targets as targets,
    aws_iam as iam,
    aws_kms as kms,
    aws_lambda as lambda_,
    aws_logs as logs,
    aws_s3 as s3,
    aws_secretsmanager as secretsmanager,
    aws_ses as ses,
    aws_sqs as sqs,
)
from constructs import Construct

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import access  # noqa: E402  (infra/access.py: every role and what it may do)
from edge import cdn  # noqa: E402  (infra/ is on sys.path: infra/cdk_app.py)
from monitoring import alarm, alarm_topic, burn_rate_alarms  # noqa: E402  (infra/, on the path via cdk_app)

from chalicelib.store.schema import table_definition  # noqa: E402
from mail import mail_events  # noqa: E402 - infra/mail.py (infra/ is on the path, as for `stack` itself)

API_STAGE = "api"  # .chalice/config.json api_gateway_stage
API_HANDLER = "APIHandler"
# Lambda functions Chalice packages besides the API (see chalicelib/routes/jobs.py)
BULK_WORKER, WEBHOOK_WORKER, WEEKLY = "BulkWorker", "DeliverWebhooks", "WeeklyIssuance"
SWEEP, PROBE, MONTHLY = "ExpirySweep", "UptimeProbe", "MonthlySummary"
AGGREGATOR = "EngagementAggregator"
MAIL_EVENTS = "MailEvents"  # SES bounces and complaints from their SNS topic (infra/mail.py)
FUNCTIONS = (API_HANDLER, BULK_WORKER, WEBHOOK_WORKER, WEEKLY, SWEEP, PROBE, MONTHLY, AGGREGATOR, MAIL_EVENTS)
# the functions whose code writes engagement event lines (chalicelib/adapters/event_log.py): page views,
# share clicks and lifecycle events in the API, bulk and weekly issuance, expiries in the sweep
ENGAGEMENT_EMITTERS = (API_HANDLER, BULK_WORKER, SWEEP, WEEKLY)
ENGAGEMENT_PATTERN = "{ $.laurel_engagement = 1 }"
VERIFY_RESOURCE = "/badges/{credential_id}"
# the queue workers' timeouts; each queue's visibility timeout is 6x its consumer's: "set the source
# queue's visibility timeout to at least six times the timeout that you configure on your function"
# (AWS Lambda developer guide, "Using Lambda with Amazon SQS"), so a batch retried after a throttle or
# an error is not received again while an earlier attempt still runs
BULK_TIMEOUT, EVENTS_TIMEOUT = 900, 120
VISIBILITY_FACTOR = 6
# the most bulk workers at once (bulk mail leaves at a bounded rate); SQS event sources accept 2 to 1000
BULK_MAX_CONCURRENCY = 4
# the functions invoked asynchronously (EventBridge schedules, CloudWatch Logs): their failures after
# Lambda's retries land in the stack's "schedules" dead-letter queue
SCHEDULED = (WEEKLY, SWEEP, PROBE, MONTHLY)
# EventBridge's retries of a schedule it could not deliver (not of a failed run: Lambda retries those):
# a probe measures the minute it runs in, a late one measures another minute, so none is retried
SCHEDULE_RETRIES = {WEEKLY: (2, 3600), SWEEP: (2, 3600), MONTHLY: (2, 6 * 3600), PROBE: (0, 60)}
# Placeholder the construct packages with; replaced by the role defined below.
_ROLE_PLACEHOLDER = "arn:aws:iam::000000000000:role/laurel-placeholder"


@dataclass(frozen=True)
class StageSettings:
    stage: str
    public_base_url: str
    mail_from: str
    certificate_arn: str | None = None
    probe_urls: tuple[str, ...] = ()
    # other regions to probe from (context `probe_regions`, comma-separated): a ProbeStack each
    probe_regions: tuple[str, ...] = ()
    # a CLOUDFRONT-scope web ACL made in us-east-1, for a stack elsewhere (infra/edge.py `web_acl`)
    web_acl_arn: str | None = None

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def public_domain(self) -> str:
        return self.public_base_url.split("://", 1)[1].rstrip("/")

    @property
    def mail_domain(self) -> str:
        return self.mail_from.split("@", 1)[1]


def settings_from_chalice_config(stage: str, **overrides) -> StageSettings:
    """Defaults come from the stage in .chalice/config.json; CDK context may override."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = config["stages"][stage]["environment_variables"]
    values = {"public_base_url": env["LAUREL_PUBLIC_BASE_URL"], "mail_from": env["LAUREL_MAIL_FROM"]}
    values.update({k: v for k, v in overrides.items() if v})
    return StageSettings(stage=stage, **values)


class LaurelStack(cdk.Stack):
    def __init__(self, scope: Construct, settings: StageSettings, **kwargs) -> None:
        # The construct id is the Chalice stage name: the Chalice construct packages
        # the stage of .chalice/config.json whose name equals its scope's id.
        super().__init__(scope, settings.stage, stack_name=f"laurel-{settings.stage}", **kwargs)
        self.settings = settings
        self.probe_stacks: list[ProbeStack] = []  # infra/cdk_app.py adds one per `probe_regions` region
        stage, prod = settings.stage, settings.is_prod
        removal = cdk.RemovalPolicy.RETAIN if prod else cdk.RemovalPolicy.DESTROY

        self.table = self._table(f"laurel-{stage}", prod, removal)
        self.log_bucket = self._log_bucket(prod, removal)
        self.bucket = s3.Bucket(
            self, "Assets",
            bucket_name=None,
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=removal,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3/assets/",
            lifecycle_rules=[
                s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(90)),
                # data exports hold personal data: their links work an hour, the files go within a day
                s3.LifecycleRule(id="Exports", prefix="exports/", expiration=cdk.Duration.days(1),
                                 noncurrent_version_expiration=cdk.Duration.days(1)),
                # a console upload's file waits for its confirmation; it holds recipients' addresses
                s3.LifecycleRule(id="BulkUploads", prefix="uploads/", expiration=cdk.Duration.days(30),
                                 noncurrent_version_expiration=cdk.Duration.days(1)),
            ],
        )
        self.signing_key = kms.Key(
            self, "SigningKey",
            description=f"Laurel {stage}: signs Open Badges 3.0 credentials (private key never leaves KMS)",
            key_spec=kms.KeySpec.RSA_2048,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            alias=f"alias/laurel-{stage}-signing",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.secret = secretsmanager.Secret(
            self, "SigningMaterial",
            secret_name=f"laurel/{stage}/signing-material",
            description="Session-cookie and webhook signing material",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"purpose": "laurel"}),
                generate_string_key="session_key",
                password_length=64,
                exclude_punctuation=True,
            ),
            removal_policy=removal,
        )
        # Ed25519 (Data Integrity) seeds, one version per key generation (services/signing.py):
        # the app writes generation 1 (migrated from the signing material) and every rotation;
        # the value generated here is a placeholder nobody reads. Retained like the KMS key:
        # the public keys stay in the table, but losing the active seed forces a rotation.
        self.ed25519_secret = secretsmanager.Secret(
            self, "Ed25519Keys",
            secret_name=f"laurel/{stage}/ed25519-keys",
            description="Laurel Ed25519 (Data Integrity) seeds, one version per key generation",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.config_set = ses.ConfigurationSet(
            self, "MailConfig", configuration_set_name=f"laurel-{stage}",
            reputation_metrics=True, sending_enabled=True,
        )
        self.identity = ses.EmailIdentity(
            self, "MailIdentity",
            identity=ses.Identity.domain(settings.mail_domain),
            configuration_set=self.config_set,
        )

        self.bulk_queue, self.bulk_dlq = self._queue("Bulk", f"laurel-{stage}-bulk", consumer_timeout=BULK_TIMEOUT,
                                                     max_age=cdk.Duration.hours(1))
        self.events_queue, self.events_dlq = self._queue("Events", f"laurel-{stage}-events",
                                                         consumer_timeout=EVENTS_TIMEOUT,
                                                         max_age=cdk.Duration.minutes(15))
        self.schedule_dlq = self._dead_letters("Schedules", f"laurel-{stage}-schedules-dlq")
        self.roles = {name: access.function_role(self, name) for name in FUNCTIONS}
        self.role = self.roles[API_HANDLER]
        access.grant(self)
        self.chalice = self._app_shell()
        self._configure_app(self.chalice)
        self.mail_events_topic = mail_events(self, stage, self.config_set, self.chalice)  # infra/mail.py
        self.distribution = cdn(self, API_STAGE)
        self.log_groups = {
            name: logs.LogGroup(
                self, f"{name}Logs",
                log_group_name=cdk.Fn.join("", ["/aws/lambda/", self.chalice.get_resource(name).ref]),
                retention=logs.RetentionDays.THREE_MONTHS if prod else logs.RetentionDays.TWO_WEEKS,
                removal_policy=removal,
            )
            for name in FUNCTIONS
        }
        self.log_group = self.log_groups[API_HANDLER]
        access.grant_logs(self)
        self._engagement()
        self._observability()

        cdk.CfnOutput(self, "PublicBaseUrl", value=settings.public_base_url)
        cdk.CfnOutput(self, "DistributionDomain", value=self.distribution.distribution_domain_name)
        cdk.CfnOutput(self, "TableName", value=self.table.ref)
        cdk.CfnOutput(self, "BucketName", value=self.bucket.bucket_name)

    # ------------------------------------------------------------------ data

    def _table(self, name: str, prod: bool, removal: cdk.RemovalPolicy) -> dynamodb.CfnTable:
        d = table_definition()
        table = dynamodb.CfnTable(
            self, "Table",
            table_name=name,
            billing_mode=d["BillingMode"],
            key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name=k["AttributeName"], key_type=k["KeyType"])
                        for k in d["KeySchema"]],
            attribute_definitions=[
                dynamodb.CfnTable.AttributeDefinitionProperty(attribute_name=a["AttributeName"],
                                                             attribute_type=a["AttributeType"])
                for a in d["AttributeDefinitions"]
            ],
            global_secondary_indexes=[
                dynamodb.CfnTable.GlobalSecondaryIndexProperty(
                    index_name=g["IndexName"],
                    key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name=k["AttributeName"],
                                                                   key_type=k["KeyType"]) for k in g["KeySchema"]],
                    projection=dynamodb.CfnTable.ProjectionProperty(projection_type=g["Projection"]["ProjectionType"]),
                )
                for g in d["GlobalSecondaryIndexes"]
            ],
            point_in_time_recovery_specification=dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                point_in_time_recovery_enabled=True),
            sse_specification=dynamodb.CfnTable.SSESpecificationProperty(sse_enabled=True),
            deletion_protection_enabled=prod,
            # issue 17 (multi-region, README): a global table's replicas need the stream with both images;
            # adding it now is an in-place update that costs nothing until something reads it
            stream_specification=dynamodb.CfnTable.StreamSpecificationProperty(stream_view_type="NEW_AND_OLD_IMAGES"),
            # Powertools Idempotency records (LMS webhooks) carry their expiry here
            time_to_live_specification=dynamodb.CfnTable.TimeToLiveSpecificationProperty(
                attribute_name="expiration", enabled=True),
        )
        table.apply_removal_policy(removal)
        return table

    # ------------------------------------------------------------------ app and IAM

    def _queue(self, name: str, queue_name: str, consumer_timeout: int,
               max_age: cdk.Duration) -> tuple[sqs.Queue, sqs.Queue]:
        """A queue, its dead-letter queue (after 5 receives), an alarm when its oldest message waits
        longer than `max_age` (the worker is stuck or failing) and one on the DLQ's depth."""
        dlq = self._dead_letters(name, f"{queue_name}-dlq")
        queue = sqs.Queue(
            self, f"{name}Queue", queue_name=queue_name,
            visibility_timeout=cdk.Duration.seconds(VISIBILITY_FACTOR * consumer_timeout),
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
        )
        alarm(self, f"{name}QueueAge", f"laurel-{self.settings.stage}-{name.lower()}-queue-age",
              f"the oldest message in {queue_name} waits longer than {int(max_age.to_minutes())} minutes",
              queue.metric_approximate_age_of_oldest_message(period=cdk.Duration.minutes(5), statistic="Maximum"),
              max_age.to_seconds())
        return queue, dlq

    def _dead_letters(self, name: str, queue_name: str) -> sqs.Queue:
        """A dead-letter queue (14 days) and an alarm as soon as anything is in it."""
        dlq = sqs.Queue(self, f"{name}Dlq", queue_name=queue_name, retention_period=cdk.Duration.days(14),
                        encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
        alarm(self, f"{name}DlqDepth", f"laurel-{self.settings.stage}-{name.lower()}-dlq",
              f"messages in the {queue_name} dead-letter queue need attention",
              dlq.metric_approximate_number_of_messages_visible(period=cdk.Duration.minutes(5)), 0)
        return dlq

    def _log_bucket(self, prod: bool, removal: cdk.RemovalPolicy) -> s3.Bucket:
        """Access logs: CloudFront's standard logs (cloudfront/) and the asset bucket's server access
        logs (s3/assets/). CloudFront delivers standard logs with an ACL, so this bucket accepts ACLs
        (object writer); nothing in it is public."""
        return s3.Bucket(
            self, "AccessLogs",
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            removal_policy=removal,
            auto_delete_objects=False,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90 if prod else 14),
                                              noncurrent_version_expiration=cdk.Duration.days(1))],
        )

    def _engagement(self) -> None:
        """Engagement lines leave each emitting function through its log group: a
        subscription filter (the marker key's pattern) hands them to the aggregator.
        CloudWatch Logs invokes it asynchronously: Lambda retries a failed batch, and the
        aggregator counts each event once however often it arrives."""
        aggregator = self.chalice.get_resource(AGGREGATOR)
        aggregator_arn = cdk.Fn.get_att(aggregator.logical_id, "Arn").to_string()
        aggregator.add_property_override("Timeout", 60)
        for name in ENGAGEMENT_EMITTERS:
            group = self.log_groups[name]
            permission = lambda_.CfnPermission(
                self, f"{name}LogsInvokeAggregator", action="lambda:InvokeFunction", function_name=aggregator_arn,
                principal="logs.amazonaws.com", source_arn=group.log_group_arn, source_account=self.account)
            subscription = logs.CfnSubscriptionFilter(
                self, f"{name}EngagementLines", log_group_name=group.log_group_name,
                filter_pattern=ENGAGEMENT_PATTERN, destination_arn=aggregator_arn)
            subscription.add_dependency(permission)  # (the log group: by its Ref)

    def _app_shell(self):
        from chalice.cdk import Chalice
        from lambda_package import compile_into_zip

        class CompiledChalice(Chalice):
            """`chalice package`, then the bytecode compiled into the zip (infra/lambda_package.py):
            a cold container no longer compiles every module it imports."""

            def _package_app(self) -> None:
                super()._package_app()
                compile_into_zip(Path(self._sam_package_dir) / "deployment.zip")

        return CompiledChalice(
            self, "Api", source_dir=str(ROOT),
            # arm64 (Graviton): about 20 % cheaper per GB-second than x86_64; Chalice downloads the
            # manylinux aarch64 wheels of every native dependency for it (tests/infra/test_ops.py checks
            # each shared object in the zip). The runtime is the interpreter's that compiled the bytecode
            # (infra/lambda_package.py): python3.11 on this machine, see the README ("Runtime").
            stage_config={"manage_iam_role": False, "iam_role_arn": _ROLE_PLACEHOLDER, "autogen_policy": False,
                          "lambda_memory_size": 512, "lambda_timeout": 30, "xray": True,
                          "lambda_architecture": "arm64"},
        )

    def _configure_app(self, app):
        stage = self.settings.stage
        env = {
            "LAUREL_STAGE": stage,
            "LAUREL_TABLE": self.table.ref,
            "LAUREL_BUCKET": self.bucket.bucket_name,
            "LAUREL_MAIL_FROM": self.settings.mail_from,
            "LAUREL_PUBLIC_BASE_URL": self.settings.public_base_url,
            "LAUREL_ASSET_BASE_URL": self.settings.public_base_url,
            "LAUREL_SES_CONFIGURATION_SET": self.config_set.configuration_set_name,
            "LAUREL_SIGNING_KEY_ID": self.signing_key.key_arn,
            "LAUREL_SECRET_ID": self.secret.secret_arn,
            "LAUREL_ED25519_SECRET_ID": self.ed25519_secret.secret_arn,
            "LAUREL_BULK_QUEUE": self.bulk_queue.queue_name,
            "LAUREL_EVENTS_QUEUE": self.events_queue.queue_name,
            "LAUREL_EVENTS_DLQ": self.events_dlq.queue_name,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # the probe checks the public site (through the CDN) and the API origin directly; a
            # known verification page can be added with the `probe_urls` context
            "LAUREL_PROBE_URLS": ",".join([f"{self.settings.public_base_url}/health", *self.settings.probe_urls]),
        }
        for name in FUNCTIONS:
            app.get_resource(name).add_property_override("Role", self.roles[name].role_arn)
            for key, value in env.items():
                app.add_environment_variable(key, value, name)
        # named explicitly, so the probe-silence alarm's `location` dimension is the same value
        app.add_environment_variable("LAUREL_PROBE_LOCATION", self.region, PROBE)
        # The workers consume this stack's queues and report partial batch failures
        # (Powertools batch utility); Chalice names the queues only by name.
        for name, queue, timeout in ((BULK_WORKER, self.bulk_queue, BULK_TIMEOUT),
                                     (WEBHOOK_WORKER, self.events_queue, EVENTS_TIMEOUT)):
            fn = app.get_resource(name)
            source = f"Events.{name}SqsEventSource.Properties"
            fn.add_property_override(f"{source}.Queue", queue.queue_arn)
            fn.add_property_override(f"{source}.FunctionResponseTypes", ["ReportBatchItemFailures"])
            fn.add_property_override("Timeout", timeout)
        # Bulk mail leaves at a bounded rate: few concurrent bulk workers. Bounded by the event source's
        # maximum concurrency, not by reserved concurrency: Lambda's SQS poller keeps receiving when the
        # function is throttled, every throttled receive counts towards maxReceiveCount, and messages went
        # to the dead-letter queue without having run once.
        app.get_resource(BULK_WORKER).add_property_override(
            f"Events.{BULK_WORKER}SqsEventSource.Properties.ScalingConfig",
            {"MaximumConcurrency": BULK_MAX_CONCURRENCY})
        # The scheduled functions: EventBridge retries a schedule it could not deliver and keeps it in the
        # dead-letter queue after that; a run that failed after Lambda's own retries is kept there too.
        dead_letters = self.schedule_dlq.queue_arn
        for name in SCHEDULED:
            retries, max_age = SCHEDULE_RETRIES[name]
            event = f"Events.{name}Event.Properties"
            app.get_resource(name).add_property_override(f"{event}.DeadLetterConfig", {"Arn": dead_letters})
            app.get_resource(name).add_property_override(
                f"{event}.RetryPolicy", {"MaximumRetryAttempts": retries, "MaximumEventAgeInSeconds": max_age})
        # (CloudWatch Logs invokes the aggregator asynchronously, SNS the mail events' handler)
        for name in (*SCHEDULED, AGGREGATOR, MAIL_EVENTS):
            app.get_resource(name).add_property_override("DeadLetterQueue", {"Type": "SQS", "TargetArn": dead_letters})
            # (Lambda sends a failed asynchronous invocation there with the function's own role: infra/access.py)
        self.schedule_dlq.add_to_resource_policy(iam.PolicyStatement(
            sid="ScheduleTargets", principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["sqs:SendMessage"], resources=[dead_letters],
            conditions={"ArnLike": {"aws:SourceArn": self.format_arn(service="events", resource="rule",
                                                                     resource_name=f"{self.stack_name}-*")},
                        "StringEquals": {"aws:SourceAccount": self.account}}))
        # The synchronous API and the SQS workers have no use for a function dead-letter queue (checkov
        # CKV_AWS_116): a failed request answers its caller, a failed message goes back to its queue and
        # on to that queue's dead-letter queue (RedrivePolicy).
        for name in (API_HANDLER, BULK_WORKER, WEBHOOK_WORKER):
            app.get_resource(name).add_metadata("checkov", {"skip": [{
                "id": "CKV_AWS_116",
                "comment": "invoked synchronously (API) or by an SQS event source: the queue's RedrivePolicy "
                           "keeps failed messages, a function DLQ only applies to asynchronous invocations"}]})
        # Per-resource API metrics, so the verification path has its own latency series.
        app.get_resource("RestAPI").add_property_override(
            "MethodSettings",
            [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True, "ThrottlingBurstLimit": 2000,
              "ThrottlingRateLimit": 1000}],
        )
        # X-Ray from the edge of the API on: a request's trace starts at API Gateway, not at the function
        app.get_resource("RestAPI").add_property_override("TracingEnabled", True)
        return app

    # ------------------------------------------------------------------ CloudWatch

    def _observability(self) -> None:
        stage = self.settings.stage
        function_name = self.chalice.get_resource(API_HANDLER).ref
        api = {"ApiName": "laurel", "Stage": API_STAGE}
        verify = {**api, "Resource": VERIFY_RESOURCE, "Method": "GET"}
        period = cdk.Duration.minutes(1)

        def api_metric(name, stat, dims=api, label=None):
            return cw.Metric(namespace="AWS/ApiGateway", metric_name=name, dimensions_map=dims, statistic=stat,
                             period=period, label=label or f"{name} {stat}")

        def fn_metric(name, stat="Sum"):
            return cw.Metric(namespace="AWS/Lambda", metric_name=name, dimensions_map={"FunctionName": function_name},
                             statistic=stat, period=period)

        cold_starts = logs.MetricFilter(
            self, "ColdStarts",
            log_group=self.log_group,
            filter_pattern=logs.FilterPattern.literal('"Init Duration"'),
            metric_namespace="Laurel",
            metric_name="ColdStarts",
            dimensions=None,
            metric_value="1",
            default_value=0,
        ).metric(statistic="Sum", period=period)

        dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"laurel-{stage}")
        dashboard.add_widgets(
            cw.GraphWidget(title="Requests", left=[api_metric("Count", "Sum")], width=8),
            cw.GraphWidget(title="4xx / 5xx", left=[api_metric("4XXError", "Sum"), api_metric("5XXError", "Sum")],
                           width=8),
            cw.GraphWidget(title="API latency (ms)", left=[api_metric("Latency", "p50"), api_metric("Latency", "p99")],
                           width=8),
            cw.GraphWidget(title="Verification latency (ms)",
                           left=[api_metric("Latency", "p50", verify, "verify p50"),
                                 api_metric("Latency", "p99", verify, "verify p99")], width=8),
            cw.GraphWidget(title="Lambda errors and throttles", left=[fn_metric("Errors"), fn_metric("Throttles")],
                           width=8),
            cw.GraphWidget(title="Cold starts and duration", left=[cold_starts],
                           right=[fn_metric("Duration", "p99")], width=8),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Availability (probes)", width=12, left=[
                cw.Metric(namespace="Laurel", metric_name="MonthToDateAvailability", statistic="Minimum",
                          dimensions_map={"service": "probes"}, period=cdk.Duration.minutes(5),
                          label="month to date %"),
                *[cw.Metric(namespace="Laurel", metric_name="Availability", statistic="Average",
                            dimensions_map=probe_dimensions(location), period=cdk.Duration.hours(1),
                            region=location, label=f"hourly from {location}")
                  for location in (self.region, *self.settings.probe_regions)],
            ], left_annotations=[cw.HorizontalAnnotation(value=99.9, label="SLA 99.9 %")]),
        )
        self._alarms(api_metric, verify)
        self._access_logs()

    def _alarms(self, api_metric, verify) -> None:
        """Every alarm notifies the alarm topic (monitoring.alarm_topic: an aspect adds the action)."""
        stage = self.settings.stage
        self.alarm_topic = alarm_topic(self, stage)
        five = cdk.Duration.minutes(5)
        probe_silence_alarm(self, stage, self.region)
        burn_rate_alarms(self, stage, cw.Metric(namespace="Laurel", metric_name="Availability",
                                                dimensions_map=probe_dimensions(self.region)))
        alarm(self, "Api5xx", f"laurel-{stage}-Api5xx", "more than 5 server errors in 5 minutes",
              api_metric("5XXError", "Sum").with_(period=five), 5)
        alarm(self, "VerifyLatencyP99", f"laurel-{stage}-VerifyLatencyP99", "verification p99 latency over 1 s",
              api_metric("Latency", "p99", verify).with_(period=five), 1000)
        # each function's failures and throttles: the API tolerates a few failed requests in 5 minutes, a job
        # or a worker none (a failed worker batch is retried, but someone should know why it failed)
        for name in FUNCTIONS:
            function_name = self.chalice.get_resource(name).ref
            for metric, threshold, what in (("Errors", 5 if name == API_HANDLER else 0, "failed"),
                                            ("Throttles", 0, "was throttled")):
                alarm(self, f"{name}{metric}", f"laurel-{stage}-{name}-{metric.lower()}",
                      f"{name} {what} more than {threshold} times in 5 minutes",
                      cw.Metric(namespace="AWS/Lambda", metric_name=metric, statistic="Sum", period=five,
                                dimensions_map={"FunctionName": function_name}), threshold)
        # DynamoDB throttles (on-demand tables throttle too: past the account's table limits, or a hot key)
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
            alarm(self, f"Table{metric}", f"laurel-{stage}-table-{metric.lower()}",
                  f"the table answered {metric} (requests were throttled) in 5 minutes",
                  cw.Metric(namespace="AWS/DynamoDB", metric_name=metric, statistic="Sum", period=five,
                            dimensions_map={"TableName": self.table.ref}), 0)
        # SES reputation (the account's rates; the configuration set enables reputation metrics): SES puts an
        # account under review at a 5 % bounce rate or a 0.1 % complaint rate ("Amazon SES sending review
        # process FAQs"), so these fire at those levels, before sending is paused at 10 % / 0.5 %
        for metric, threshold in (("Reputation.BounceRate", 0.05), ("Reputation.ComplaintRate", 0.001)):
            alarm(self, metric.replace(".", ""), f"laurel-{stage}-ses-{metric.split('.')[1].lower()}",
                  f"SES {metric.split('.')[1]} reached the level at which AWS reviews the account",
                  cw.Metric(namespace="AWS/SES", metric_name=metric, statistic="Maximum",
                            period=cdk.Duration.hours(1)), threshold,
                  comparison=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        # an action that stood but whose audit entry could not be written (services/audit.py _failure_metric)
        alarm(self, "AuditWriteFailed", f"laurel-{stage}-audit-write-failed",
              "an audit entry could not be written (the action stood; the entry is in the error log line)",
              cw.Metric(namespace="Laurel", metric_name="AuditWriteFailed", statistic="Sum", period=five,
                        dimensions_map={"service": "audit"}), 0)
        # mail SES refused (services/notify.py _refused: throttling, a sandbox, a rejected address); more than a
        # few in 5 minutes is SES refusing Laurel, not one bad address
        alarm(self, "MailNotSent", f"laurel-{stage}-mail-not-sent",
              "SES refused more than 5 mails in 5 minutes (throttling, sandbox, sending paused)",
              cw.Metric(namespace="Laurel", metric_name="MailNotSent", statistic="Sum", period=five,
                        dimensions_map={"service": "mail"}), 5)

    def _access_logs(self) -> None:
        """API Gateway access logs (one JSON object a request) and CloudFront standard logs."""
        prod = self.settings.is_prod
        group = logs.LogGroup(
            self, "ApiAccessLogs",
            retention=logs.RetentionDays.THREE_MONTHS if prod else logs.RetentionDays.TWO_WEEKS,
            removal_policy=cdk.RemovalPolicy.RETAIN if prod else cdk.RemovalPolicy.DESTROY,
        )
        # $context variables of API Gateway REST APIs ("Amazon API Gateway developer guide: $context
        # variables for data models, authorizers, mapping templates, and access logging"); no
        # identity.user, no caller, no query string: the log holds no token and no personal data but the IP
        access_format = {
            "requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId",
            "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
            "httpMethod": "$context.httpMethod", "resourcePath": "$context.resourcePath",
            "status": "$context.status", "protocol": "$context.protocol",
            "responseLength": "$context.responseLength", "responseLatency": "$context.responseLatency",
            "integrationLatency": "$context.integrationLatency", "integrationError": "$context.integrationErrorMessage",
            "xrayTraceId": "$context.xrayTraceId", "userAgent": "$context.identity.userAgent",
        }
        rest_api = self.chalice.get_resource("RestAPI")
        rest_api.add_property_override("AccessLogSetting", {"DestinationArn": group.log_group_arn,
                                                            "Format": json.dumps(access_format)})
        # API Gateway writes access logs with the account's CloudWatch role (one per account and region)
        push_role = iam.Role(
            self, "ApiGatewayLogsRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway (account setting): writes the REST APIs' access and execution logs",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs")])
        # One setting per account and region, shared by every stage deployed there: the role is kept when a
        # stack is destroyed, so destroying dev does not silently stop prod's access logs
        push_role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        account = apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=push_role.role_arn)
        account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        rest_api.add_dependency(account)
        # CloudFront standard logs (legacy delivery to S3): the access log bucket's cloudfront/ prefix
        self.distribution.node.default_child.add_property_override("DistributionConfig.Logging", {
            "Bucket": self.log_bucket.bucket_regional_domain_name, "Prefix": "cloudfront/", "IncludeCookies": False})
        self.log_bucket.node.default_child.add_metadata("checkov", {"skip": [{
            "id": "CKV_AWS_18",
            "comment": "this is the access log bucket: logging its own access would log the log deliveries"}]})


# ------------------------------------------------------------------ probes from more than one location


def probe_dimensions(location: str) -> dict[str, str]:
    """The Availability metric's dimensions (chalicelib/services/probes.py `_publish`)."""
    return {"service": "probes", "location": location}


def probe_silence_alarm(scope: Construct, stage: str, location: str) -> cw.Alarm:
    """Fires when a location's probes stop: fewer than one Availability sample in 5 minutes
    (a probe publishes one a minute, before its table write, so only a probe that did not
    run is missing). No data counts as breaching: silence is exactly what this watches."""
    return cw.Alarm(
        scope, "ProbesSilent", alarm_name=f"laurel-{stage}-probes-silent-{location}",
        alarm_description=f"no uptime probe ran from {location} for 5 minutes: those minutes are not measured",
        metric=cw.Metric(namespace="Laurel", metric_name="Availability", statistic="SampleCount",
                         dimensions_map=probe_dimensions(location), period=cdk.Duration.minutes(5)),
        threshold=1, evaluation_periods=1, comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        treat_missing_data=cw.TreatMissingData.BREACHING,
    )


class ProbeStack(cdk.Stack):
    """The uptime probe from another region: the same code (the package the Chalice
    construct built for `primary`) and handler as the primary's UptimeProbe, every minute,
    with `LAUREL_PROBE_LOCATION` set to this region.

    Where its minutes go: straight into the primary's table, across regions
    (`LAUREL_TABLE_REGION`), not a global-table replica. The probe store's writes are
    idempotent set ADDs that commute (store/ops.py), so one table needs no replication,
    no conflict rules and no change to the table's resource (turning the existing table
    into a global table would replace it); the write crosses a region once a minute. If
    the primary region is down the write fails, and the metric still goes out (it is
    published first, in this region's CloudWatch): the minute is missing from the ledger,
    not counted as up."""

    def __init__(self, scope: Construct, primary: LaurelStack, region: str, **kwargs) -> None:
        settings = primary.settings
        if cdk.Token.is_unresolved(primary.region):
            raise ValueError("probe_regions needs the primary stack's region (CDK_DEFAULT_REGION or context `region`)")
        if region == primary.region:
            raise ValueError(f"{region} is the primary region: it is probed by the primary stack")
        account = None if cdk.Token.is_unresolved(primary.account) else primary.account
        super().__init__(scope, f"{settings.stage}-probe-{region}",
                         stack_name=f"laurel-{settings.stage}-probe-{region}",
                         env=cdk.Environment(account=account, region=region), **kwargs)
        stage = settings.stage
        table_name = f"laurel-{stage}"  # the primary's table has this fixed name (LaurelStack._table)
        table_arn = cdk.Stack.of(self).format_arn(service="dynamodb", region=primary.region, resource="table",
                                                  resource_name=table_name)
        role = access.probe_role(self, region, table_name, table_arn)  # its minutes, in the primary's table
        env = {
            "LAUREL_STAGE": stage,
            "LAUREL_TABLE": table_name,
            "LAUREL_TABLE_REGION": primary.region,
            "LAUREL_PROBE_LOCATION": region,
            # the primary region's prober publishes the status page; this one has no S3 access
            "LAUREL_STATUS_PUBLISHER": "0",
            "LAUREL_PUBLIC_BASE_URL": settings.public_base_url,
            "LAUREL_ASSET_BASE_URL": settings.public_base_url,
            "LAUREL_MAIL_FROM": settings.mail_from,
            "LAUREL_PROBE_URLS": ",".join([f"{settings.public_base_url}/health", *settings.probe_urls]),
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        # the primary's package, handler and runtime, as `chalice package` wrote them
        packaged = Path(primary.chalice._sam_package_dir)
        sam = json.loads((packaged / "sam.json").read_text())["Resources"][PROBE]["Properties"]
        fn = lambda_.Function(
            self, PROBE, code=lambda_.Code.from_asset(str(packaged / "deployment.zip")), handler=sam["Handler"],
            runtime=lambda_.Runtime(sam["Runtime"], lambda_.RuntimeFamily.PYTHON), memory_size=512,
            architecture=lambda_.Architecture.ARM_64,  # the package's native wheels are aarch64 ones
            timeout=cdk.Duration.seconds(30),
            role=role, environment=env, tracing=lambda_.Tracing.ACTIVE,
            description=f"Laurel {stage}: uptime probe from {region}",
        )
        group = logs.LogGroup(
            self, f"{PROBE}Logs", log_group_name=f"/aws/lambda/{fn.function_name}",
            retention=logs.RetentionDays.THREE_MONTHS if settings.is_prod else logs.RetentionDays.TWO_WEEKS,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        access.probe_logs(self, role, group)
        # CDK makes the function wait for its role explicitly as well as by its GetAtt (cfn-lint W3005): the
        # role's default policy is the one wait that matters
        policy = role.node.try_find_child("DefaultPolicy")
        if policy is not None:
            fn.node.default_child.add_override("DependsOn", [self.get_logical_id(policy.node.default_child)])
        fn.node.default_child.add_metadata("checkov", {"skip": [{
            "id": "CKV_AWS_116", "comment": "a probe minute that failed is not retried: a late probe measures another "
                                            "minute; the silence alarm watches runs that did not happen"}]})
        role.add_to_policy(iam.PolicyStatement(sid="Tracing", actions=["xray:PutTraceSegments",
                                                                       "xray:PutTelemetryRecords"], resources=["*"]))
        events.Rule(self, "EveryMinute", schedule=events.Schedule.rate(cdk.Duration.minutes(1)),
                    targets=[targets.LambdaFunction(fn, retry_attempts=0)])
        self.function = fn
        self.alarm = probe_silence_alarm(self, stage, region)
        # an alarm notifies only a topic of its own region: this region's topic, mailed to its own AlarmEmail
        self.alarm_topic = alarm_topic(self, stage)
