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
    aws_cloudfront as cloudfront,
    aws_cloudfront_origins as origins,
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
        self.bucket = s3.Bucket(
            self, "Assets",
            bucket_name=None,
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=removal,
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
        self.config_set = ses.ConfigurationSet(
            self, "MailConfig", configuration_set_name=f"laurel-{stage}",
            reputation_metrics=True, sending_enabled=True,
        )
        self.identity = ses.EmailIdentity(
            self, "MailIdentity",
            identity=ses.Identity.domain(settings.mail_domain),
            configuration_set=self.config_set,
        )

        self.bulk_queue, self.bulk_dlq = self._queue("Bulk", f"laurel-{stage}-bulk", visibility=900)
        self.events_queue, self.events_dlq = self._queue("Events", f"laurel-{stage}-events", visibility=720)
        self.roles = {name: self._function_role(name) for name in FUNCTIONS}
        self.role = self.roles[API_HANDLER]
        self._grant()
        self.chalice = self._app_shell()
        self._configure_app(self.chalice)
        self.mail_events_topic = mail_events(self, stage, self.config_set, self.chalice)  # infra/mail.py
        self.distribution = self._cdn()
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
        self._grant_logs()
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
            # Powertools Idempotency records (LMS webhooks) carry their expiry here
            time_to_live_specification=dynamodb.CfnTable.TimeToLiveSpecificationProperty(
                attribute_name="expiration", enabled=True),
        )
        table.apply_removal_policy(removal)
        return table

    # ------------------------------------------------------------------ app and IAM

    def _queue(self, name: str, queue_name: str, visibility: int) -> tuple[sqs.Queue, sqs.Queue]:
        """A queue, its dead-letter queue (after 5 receives) and an alarm on the DLQ's depth."""
        dlq = sqs.Queue(self, f"{name}Dlq", queue_name=f"{queue_name}-dlq", retention_period=cdk.Duration.days(14),
                        encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
        queue = sqs.Queue(
            self, f"{name}Queue", queue_name=queue_name, visibility_timeout=cdk.Duration.seconds(visibility),
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
        )
        cw.Alarm(
            self, f"{name}DlqDepth", alarm_name=f"laurel-{self.settings.stage}-{name.lower()}-dlq",
            alarm_description=f"messages in the {queue_name} dead-letter queue need attention",
            metric=dlq.metric_approximate_number_of_messages_visible(period=cdk.Duration.minutes(5)),
            threshold=0, evaluation_periods=1, comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        return queue, dlq

    def _function_role(self, name: str) -> iam.Role:
        return iam.Role(self, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description=f"Laurel {name}: least privilege for what its code calls")

    def _grant(self) -> None:
        """Each function gets exactly the calls its code makes, on exactly our resources."""
        table_arn = self.table.attr_arn
        table = [table_arn, cdk.Fn.join("", [table_arn, "/index/*"])]
        table_rw = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                    "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"]
        mail = [self.format_arn(service="ses", resource="identity", resource_name=self.settings.mail_domain),
                self.format_arn(service="ses", resource="configuration-set",
                                resource_name=self.config_set.configuration_set_name)]
        grants = {
            "Table": (table_rw, table, FUNCTIONS),
            # images, baked files, status lists
            "Assets": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [self.bucket.arn_for_objects("assets/*")],
                       (API_HANDLER, BULK_WORKER)),
            # data rights: exports (private, presigned), and erasure removes every version
            "PersonalData": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                             [self.bucket.arn_for_objects("assets/baked/*"), self.bucket.arn_for_objects("exports/*")],
                             (API_HANDLER,)),
            "ListForErasure": (["s3:ListBucket", "s3:ListBucketVersions"], [self.bucket.bucket_arn], (API_HANDLER,)),
            # an organization's exports (issue 15): the worker writes the parts and the file, reads the
            # parts back and presigns the mailed link; the API presigns the job page's link; offboarding
            # (in either) deletes the tenant's
            # the public status page's snapshot (issue 16): the probe publishes it every minute, the
            # API reads it for /status and republishes it on incident and maintenance changes
            "StatusPage": (["s3:GetObject", "s3:PutObject"], [self.bucket.arn_for_objects("statuspage/*")],
                           (API_HANDLER, PROBE)),
            "OrgExports": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                           [self.bucket.arn_for_objects("exports/org/*")], (API_HANDLER, BULK_WORKER)),
            # bulk jobs: full row-error reports (the API writes the rejected rows, the worker the final
            # report, the API hands out presigned links) and the console's uploads kept for their confirm
            "BulkFiles": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                          [self.bucket.arn_for_objects("reports/*"), self.bucket.arn_for_objects("uploads/*")],
                          (API_HANDLER, BULK_WORKER)),
            # console single sign-on: each organization's client secret (services/sso.secret_name);
            # offboarding deletes it, in the API or in the bulk worker that continues a long one
            "SsoSecrets": (["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
                            "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
                            "secretsmanager:UpdateSecretVersionStage", "secretsmanager:DeleteSecret"],
                           [self.format_arn(service="secretsmanager", resource="secret",
                                            resource_name=f"laurel/{self.settings.stage}/sso/*",
                                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)],
                           (API_HANDLER, BULK_WORKER)),
            # VC-JWT: the private key never leaves KMS
            "SignCredentials": (["kms:Sign", "kms:GetPublicKey"], [self.signing_key.key_arn], (API_HANDLER, BULK_WORKER)),
            # Ed25519 (Data Integrity) seed material
            "SigningMaterial": (["secretsmanager:GetSecretValue"], [self.secret.secret_arn], (API_HANDLER, BULK_WORKER)),
            "Mail": (["ses:SendEmail"], mail, (API_HANDLER, BULK_WORKER, SWEEP, MONTHLY)),
            # (the bulk worker re-queues an offboarding that one invocation could not finish)
            "QueueBulk": (["sqs:SendMessage", "sqs:GetQueueUrl"], [self.bulk_queue.queue_arn],
                          (API_HANDLER, WEEKLY, BULK_WORKER)),
            "QueueEvents": (["sqs:SendMessage", "sqs:GetQueueUrl"],
                            [self.events_queue.queue_arn, self.events_dlq.queue_arn],
                            (API_HANDLER, BULK_WORKER, WEBHOOK_WORKER, SWEEP)),
            "ConsumeBulk": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                             "sqs:ChangeMessageVisibility"], [self.bulk_queue.queue_arn], (BULK_WORKER,)),
            # SES's bounce and complaint events: the suppression list (PutItem, SUPPRESS#<hash>) and the
            # credential's bounced/complained mark (UpdateItem); its code calls nothing else
            "MailFeedback": (["dynamodb:PutItem", "dynamodb:UpdateItem"], table, (MAIL_EVENTS,)),
            "ConsumeEvents": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                               "sqs:ChangeMessageVisibility"], [self.events_queue.queue_arn], (WEBHOOK_WORKER,)),
        }
        for sid, (actions, resources, functions) in grants.items():
            for name in functions:
                self.roles[name].add_to_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources))
        # offboarding lists a tenant's template images, logos, bulk reports, uploads and exports (nothing else) to
        # delete them; a job's error report is found by listing its prefix
        for name in (API_HANDLER, BULK_WORKER):
            self.roles[name].add_to_policy(iam.PolicyStatement(
                sid="ListTenantImages", actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": ["assets/templates/*", "assets/issuers/*", "reports/*",
                                                         "uploads/*", "exports/org/*"]}}))

    def _grant_logs(self) -> None:
        for name, role in self.roles.items():
            role.add_to_policy(iam.PolicyStatement(
                sid="Logs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_groups[name].log_group_arn],
            ))
            # Lambda active tracing; X-Ray has no resource-level permissions.
            role.add_to_policy(iam.PolicyStatement(
                sid="Tracing",
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"],
            ))

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
            stage_config={"manage_iam_role": False, "iam_role_arn": _ROLE_PLACEHOLDER, "autogen_policy": False,
                          "lambda_memory_size": 512, "lambda_timeout": 30, "xray": True},
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
        for name, queue, timeout in ((BULK_WORKER, self.bulk_queue, 900), (WEBHOOK_WORKER, self.events_queue, 120)):
            fn = app.get_resource(name)
            source = f"Events.{name}SqsEventSource.Properties"
            fn.add_property_override(f"{source}.Queue", queue.queue_arn)
            fn.add_property_override(f"{source}.FunctionResponseTypes", ["ReportBatchItemFailures"])
            fn.add_property_override("Timeout", timeout)
        # Bulk mail leaves at a bounded rate: few concurrent bulk workers.
        app.get_resource(BULK_WORKER).add_property_override("ReservedConcurrentExecutions", 4)
        # Per-resource API metrics, so the verification path has its own latency series.
        app.get_resource("RestAPI").add_property_override(
            "MethodSettings",
            [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True, "ThrottlingBurstLimit": 2000,
              "ThrottlingRateLimit": 1000}],
        )
        return app

    def _cdn(self) -> cloudfront.Distribution:
        rest_api = self.chalice.get_resource("RestAPI")
        api_origin = origins.HttpOrigin(
            cdk.Fn.join("", [rest_api.ref, ".execute-api.", self.region, ".", self.url_suffix]),
            origin_path=f"/{API_STAGE}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        )
        pages = cloudfront.CachePolicy(
            self, "PagesByCacheControl",
            comment="Verification pages: cached as long as the origin's Cache-Control allows",
            default_ttl=cdk.Duration.seconds(0),
            min_ttl=cdk.Duration.seconds(0),
            max_ttl=cdk.Duration.days(1),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Accept"),
            # `ref=` (where Laurel put the link: engagement counters) varies the page's cache entry
            query_string_behavior=cloudfront.CacheQueryStringBehavior.allow_list("ref"),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        # what the engagement counters classify a page view by reaches the origin (without it CloudFront
        # sends "Amazon CloudFront" as the user agent and no Referer); not part of the cache key. A view
        # the CDN answers from its cache (a minute at most) is not counted: see the README.
        visitor = cloudfront.OriginRequestPolicy(
            self, "PageVisitor",
            comment="Verification pages: user agent and referer for the engagement counters (classes only)",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list("User-Agent", "Referer"),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.allow_list("ref"),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )
        api_uncached = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        )
        certificate = None
        domain_names = None
        if self.settings.certificate_arn:
            from aws_cdk import aws_certificatemanager as acm

            certificate = acm.Certificate.from_certificate_arn(self, "Certificate", self.settings.certificate_arn)
            domain_names = [self.settings.public_domain]
        return cloudfront.Distribution(
            self, "Cdn",
            comment=f"Laurel {self.settings.stage}: public pages, documents and badge images",
            default_behavior=api_uncached,
            additional_behaviors={
                "/badges/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=pages,
                    origin_request_policy=visitor,
                    compress=True,
                ),
                # the public status page and its feed (issue 16: "Cacheable by the CDN"); the
                # subscription forms under /status/ stay on the uncached default behaviour
                **{path: cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=pages,
                    compress=True,
                ) for path in ("/status", "/status/feed.atom")},
                "/assets/*": cloudfront.BehaviorOptions(
                    origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    compress=True,
                ),
            },
            certificate=certificate,
            domain_names=domain_names,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )

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
        probe_silence_alarm(self, stage, self.region)
        cw.Alarm(
            self, "AvailabilityBelowSla", alarm_name=f"laurel-{stage}-availability-below-sla",
            alarm_description="month-to-date availability (uptime probes) is below the 99.9 % SLA",
            metric=cw.Metric(namespace="Laurel", metric_name="MonthToDateAvailability", statistic="Minimum",
                             dimensions_map={"service": "probes"}, period=cdk.Duration.minutes(5)),
            threshold=99.9, evaluation_periods=1, comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.BREACHING,
        )
        alarms = [
            ("Api5xx", api_metric("5XXError", "Sum"), 5, "more than 5 server errors in 5 minutes"),
            ("LambdaErrors", fn_metric("Errors"), 5, "the API function failed more than 5 times in 5 minutes"),
            ("LambdaThrottles", fn_metric("Throttles"), 1, "the API function is being throttled"),
            ("VerifyLatencyP99", api_metric("Latency", "p99", verify), 1000, "verification p99 latency over 1 s"),
        ]
        for name, metric, threshold, description in alarms:
            cw.Alarm(
                self, name,
                alarm_name=f"laurel-{stage}-{name}",
                alarm_description=description,
                metric=metric.with_(period=cdk.Duration.minutes(5)),
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )


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
        role = iam.Role(self, "ProbeRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description=f"Laurel uptime probe from {region}: writes its minutes to {table_name}")
        # what services/probes.py calls: the canary pointer (GetItem), the minute (UpdateItem, PutItem),
        # month to date (Query)
        role.add_to_policy(iam.PolicyStatement(
            sid="ProbeTable", actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                       "dynamodb:Query", "dynamodb:DescribeTable"], resources=[table_arn]))
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
            timeout=cdk.Duration.seconds(30),
            role=role, environment=env, tracing=lambda_.Tracing.ACTIVE,
            description=f"Laurel {stage}: uptime probe from {region}",
        )
        group = logs.LogGroup(
            self, f"{PROBE}Logs", log_group_name=f"/aws/lambda/{fn.function_name}",
            retention=logs.RetentionDays.THREE_MONTHS if settings.is_prod else logs.RetentionDays.TWO_WEEKS,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        role.add_to_policy(iam.PolicyStatement(sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                               resources=[group.log_group_arn]))
        role.add_to_policy(iam.PolicyStatement(sid="Tracing", actions=["xray:PutTraceSegments",
                                                                       "xray:PutTelemetryRecords"], resources=["*"]))
        events.Rule(self, "EveryMinute", schedule=events.Schedule.rate(cdk.Duration.minutes(1)),
                    targets=[targets.LambdaFunction(fn, retry_attempts=0)])
        self.function = fn
        self.alarm = probe_silence_alarm(self, stage, region)
