"""Settings read once from the environment.

Every stage (local, dev, prod) sets these through `.chalice/config.json`; tests set
them in `tests/conftest.py`. Nothing else in the code reads `os.environ`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

MIB = 1024 * 1024
# JSON-LD context publishers the verifier may fetch from (LAUREL_JSONLD_CONTEXT_ALLOW overrides; comma-separated
# URL prefixes). purl.imsglobal.org redirects to imsglobal.org, so both are named.
DEFAULT_CONTEXT_ALLOW = ",".join([
    "https://purl.imsglobal.org/spec/", "https://www.imsglobal.org/spec/", "https://imsglobal.github.io/",
    "https://www.w3.org/ns/", "https://www.w3.org/2018/credentials/", "https://w3id.org/", "https://w3c.github.io/",
    "https://w3c-ccg.github.io/",
])


@dataclass(frozen=True)
class Settings:
    stage: str
    table_name: str
    bucket_name: str
    region: str
    mail_from: str
    # Base URL of the public site (verification pages, claim links). No trailing slash.
    public_base_url: str
    # Base URL images are served from: the bucket locally, CloudFront in a deployment.
    asset_base_url: str
    # SES configuration set (bounce/complaint tracking) in a deployment; none locally.
    ses_configuration_set: str = ""
    claim_token_days: int = 30
    # KMS key (RSA, SIGN_VERIFY): the VC-JWT signing key this deployment names; registered
    # (and the previous one retired, still published) the first time it is seen.
    signing_key_id: str = ""
    # Secrets Manager secret holding session-cookie and webhook material (HKDF-derived keys).
    secret_id: str = ""
    # Secrets Manager secret holding the Ed25519 (Data Integrity) seeds, one version per
    # generation (services/signing.py); the table names each generation's version.
    ed25519_secret_id: str = ""
    bulk_mail_per_second: float = 10.0
    bulk_queue: str = ""
    # the SNS topic SES publishes bounce and complaint events to (infra/mail.py, issue 17)
    mail_events_topic: str = ""
    # webhook deliveries and their dead-letter queue (routes/jobs.py names the first at import)
    events_queue: str = ""
    events_dlq: str = ""
    # public endpoints the uptime probe checks every minute (comma-separated in the env)
    probe_urls: tuple[str, ...] = ()
    # where this prober runs (a region in a deployment); an outage minute is one no location saw up
    probe_location: str = "local"
    # whether this prober publishes the status page's snapshot after its run (the primary region's
    # does; a prober in another region only probes: infra/stack.py ProbeStack sets it to 0)
    status_publisher: bool = True
    # the region of the table: the function's own, except for a prober in another region (infra/stack.py
    # ProbeStack), which writes its minutes across regions into the one table
    table_region: str = ""
    support_email: str = ""
    # the weekly overnight maintenance window opens on this weekday (0 = Monday .. 6 = Sunday;
    # issue 16: configurable, it was fixed to Sunday), 18:00 to 02:00 America/Chicago
    overnight_weekday: int = 6
    max_body_bytes: int = MIB
    max_image_bytes: int = MIB
    max_image_side: int = 2048
    # Only set on the local stage: where the embedded AWS (moto server) listens.
    local_aws_endpoint: str = ""
    # Engagement event lines go to this file instead of stdout (the local stage: no CloudWatch
    # Logs to subscribe to; scripts/run_local.py feeds the file to the aggregator)
    engagement_spool: str = ""
    # where the verifier may fetch JSON-LD contexts it does not vendor (URL prefixes; issue 18, rule 5:
    # "anything else is fetched through the SSRF-safe fetcher, size-capped, cached, and only from an
    # allow-list"); the publishers of the Open Badges, VC, DID and security vocabularies
    jsonld_context_allow: tuple[str, ...] = ()
    # Behind CloudFront (issue 17, item 2): the Secrets Manager secret whose `value` CloudFront sends as
    # the origin header (http.ORIGIN_HEADER). When set, a request without it is refused (403) and only
    # then is CloudFront-Viewer-Address trusted; unset locally and in tests (no CloudFront).
    origin_secret_id: str = ""
    # Writers (revocation, privacy changes, erasure) queue CDN invalidations (LAUREL_CDN_INVALIDATE=1 in a
    # deployment); the events worker sends them to this distribution (infra/edge.py sets both).
    cdn_invalidate: bool = False
    distribution_id: str = ""

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def api_key_prefix(self) -> str:
        """Keys name their stage so a dev key is refused by prod (and the reverse)."""
        return f"lrl_{self.stage}_"


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"missing required setting {name}")
    return value


def _weekday(value: str) -> int:
    if value.strip() not in {"0", "1", "2", "3", "4", "5", "6"}:
        raise RuntimeError(f"LAUREL_OVERNIGHT_WEEKDAY must be 0 (Monday) .. 6 (Sunday), not {value!r}")
    return int(value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage = _env("LAUREL_STAGE")  # required: a deployment must never fall back to the local stage
    public = _env("LAUREL_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    bucket = _env("LAUREL_BUCKET", f"laurel-{stage}-assets")
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "") if stage == "local" else ""
    # an empty value counts as unset (infra/stack.py always sets both; tests and `make run` rely on the defaults)
    events_queue = os.environ.get("LAUREL_EVENTS_QUEUE") or f"laurel-{stage}-events"
    return Settings(
        stage=stage,
        table_name=_env("LAUREL_TABLE", f"laurel-{stage}"),
        bucket_name=bucket,
        region=_env("AWS_DEFAULT_REGION", "us-east-1"),
        mail_from=_env("LAUREL_MAIL_FROM", "badges@laurel.example"),
        public_base_url=public,
        asset_base_url=_env(
            "LAUREL_ASSET_BASE_URL", f"https://{bucket}.s3.amazonaws.com"
        ).rstrip("/"),
        ses_configuration_set=os.environ.get("LAUREL_SES_CONFIGURATION_SET", ""),
        claim_token_days=int(_env("LAUREL_CLAIM_TOKEN_DAYS", "30")),
        signing_key_id=os.environ.get("LAUREL_SIGNING_KEY_ID", ""),
        bulk_mail_per_second=float(_env("LAUREL_BULK_MAIL_PER_SECOND", "10")),
        bulk_queue=_env("LAUREL_BULK_QUEUE", f"laurel-{stage}-bulk"),
        mail_events_topic=f"laurel-{stage}-mail-events",
        events_queue=events_queue,
        events_dlq=os.environ.get("LAUREL_EVENTS_DLQ") or f"{events_queue}-dlq",
        probe_urls=tuple(u.strip() for u in os.environ.get("LAUREL_PROBE_URLS", f"{public}/health").split(",")
                         if u.strip()),
        probe_location=os.environ.get("LAUREL_PROBE_LOCATION") or _env("AWS_DEFAULT_REGION", "us-east-1"),
        status_publisher=os.environ.get("LAUREL_STATUS_PUBLISHER", "1") != "0",
        table_region=os.environ.get("LAUREL_TABLE_REGION") or _env("AWS_DEFAULT_REGION", "us-east-1"),
        support_email=os.environ.get("LAUREL_SUPPORT_EMAIL", ""),
        overnight_weekday=_weekday(os.environ.get("LAUREL_OVERNIGHT_WEEKDAY") or "6"),
        secret_id=_env("LAUREL_SECRET_ID", f"laurel/{stage}/signing-material"),
        ed25519_secret_id=_env("LAUREL_ED25519_SECRET_ID", f"laurel/{stage}/ed25519-keys"),
        local_aws_endpoint=endpoint,
        engagement_spool=os.environ.get("LAUREL_ENGAGEMENT_SPOOL", ""),
        jsonld_context_allow=tuple(u.strip() for u in os.environ.get(
            "LAUREL_JSONLD_CONTEXT_ALLOW", DEFAULT_CONTEXT_ALLOW).split(",") if u.strip()),
        origin_secret_id=os.environ.get("LAUREL_ORIGIN_SECRET_ID", ""),
        cdn_invalidate=os.environ.get("LAUREL_CDN_INVALIDATE", "") == "1",
        distribution_id=os.environ.get("LAUREL_DISTRIBUTION_ID", ""),
    )
