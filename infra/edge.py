"""Laurel's edge (issue 17, items 2 and 3): the CloudFront distribution in front of the API
and the asset bucket, the WAF that protects it, and what the app needs to trust it.

- **Only through CloudFront.** Every request CloudFront sends to the API carries the origin
  header `X-Laurel-Origin` (chalicelib/http.ORIGIN_HEADER) whose value is a generated
  Secrets Manager secret: the template holds a `{{resolve:secretsmanager:...}}` reference,
  never the value. The API function reads the same secret (`LAUREL_ORIGIN_SECRET_ID`) and
  refuses any request without it (app.py), so the execute-api address answers nobody
  directly; only then does it trust `CloudFront-Viewer-Address`, which the API behaviour's
  own origin request policy forwards (the managed "all viewer headers except Host" policy
  cannot carry CloudFront's headers, and "all viewer headers" would send the Host that API
  Gateway refuses, so the headers the app reads are listed: `API_HEADERS`).
- **WAF.** A CLOUDFRONT-scope web ACL: AWS managed rule groups and rate-based rules on
  sign-in, `POST /verify`, `/imports` and the LMS hooks. CloudFormation can create a
  CLOUDFRONT-scope web ACL only in us-east-1, so: a stack in us-east-1 creates it; a stack
  elsewhere takes the ARN of one created in us-east-1 (context `web_acl_arn`); prod refuses
  to synthesize with neither, dev synthesizes without a WAF and says so (a warning).
- **Headers.** HSTS and the other security headers through a response-headers policy; CORS
  on the public documents, status lists and assets.
- **Caching.** `/badges/*`, `/ob/*`, `/.well-known/jwks.json`, the status page and the
  assets (status lists under `/assets/status/`) are cached as long as the origin's
  Cache-Control says; the Accept and Accept-Language headers are normalised by a CloudFront
  Function (infra/edge_accept.js) so browsers do not split the cache; the pages are keyed by
  language too (Accept-Language and `?lang=`, issue 19). Writes that change what a
  cached URL shows queue an invalidation; the events worker sends them
  (`LAUREL_DISTRIBUTION_ID`: the worker, not the API, whose function the distribution
  already depends on through the RestApi).
- **Prod** refuses to synthesize without `certificate_arn` (`check_settings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import (
    aws_certificatemanager as acm,
    aws_cloudfront as cloudfront,
    aws_cloudfront_origins as origins,
    aws_secretsmanager as secretsmanager,
    aws_wafv2 as wafv2,
)

import access  # (infra/access.py, on the path: a grant made here goes into the role and its boundary)

if TYPE_CHECKING:
    from stack import LaurelStack, StageSettings

ORIGIN_HEADER = "X-Laurel-Origin"  # chalicelib/http.py ORIGIN_HEADER
# What the app reads from a request (grep `headers.get` in chalicelib): forwarded on the API
# behaviour, with CloudFront's viewer address. Authorization cannot be in an origin request
# policy (CloudFront answers 400): it is in the API behaviour's cache key instead.
API_HEADERS = ("Accept", "Accept-Language", "Content-Type", "HX-Request", "If-None-Match", "Laurel-Signature",
               "Referer", "User-Agent", "CloudFront-Viewer-Address")
# What a cached page's answer depends on besides its path (issue 19: its language comes from an explicit
# `?lang=`, else Accept-Language, normalised by edge_accept.js to one shipped tag): in the pages' cache key
PAGE_HEADERS = ("Accept", "Accept-Language")
PAGE_QUERY = ("ref", "lang")
# Rate-based rules (requests per source address in 5 minutes, WAF's default window): the paths
# are the routes' own (chalicelib/routes: wallet.py, console/signin.py, public.py, hooks.py).
RATE_RULES = (
    # name, limit, methods (None: any), path prefixes
    ("SignIn", 100, ("POST",), ("/signin", "/console/signin", "/console/sso", "/console/choose")),
    ("Verify", 100, ("POST",), ("/verify",)),
    ("Imports", 100, None, ("/imports",)),
    # an LMS posts completions in bursts from a few servers: a higher ceiling
    ("LmsHooks", 2000, None, ("/hooks/lms/",)),
)
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
# Common rule set rules that would block what Laurel accepts by design: bodies over 8 KB
# (console uploads up to 10 MB, POST /verify with a badge image, bulk CSVs) are counted, not
# blocked; the app bounds every body itself (chalicelib/http.py).
COUNTED_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
CLOUDFRONT_WAF_REGION = "us-east-1"


def check_settings(settings: StageSettings, region: str | None) -> None:
    """Refuse what cannot be deployed safely, before anything is built (packaging the app
    takes a minute). Issue 17: "prod refuses to synthesize without a certificate"."""
    if settings.is_prod and not settings.certificate_arn:
        raise ValueError(
            "prod needs its own domain's certificate: pass -c certificate_arn=arn:aws:acm:us-east-1:... "
            "(an ACM certificate in us-east-1 for " + settings.public_domain + "); without it CloudFront "
            "would serve the site only on its *.cloudfront.net name")
    if settings.is_prod and not settings.web_acl_arn and region != CLOUDFRONT_WAF_REGION:
        raise ValueError(NO_WAF_FOR_PROD)


NO_WAF_FOR_PROD = ("a CloudFront web ACL can only be created in us-east-1: deploy prod there (-c region=us-east-1) "
                   "or pass the ARN of a CLOUDFRONT-scope web ACL made in us-east-1 (-c web_acl_arn=...)")


def _statement_for_paths(prefixes: tuple[str, ...], methods: tuple[str, ...] | None) -> dict:
    def starts(prefix: str) -> dict:
        return {"byteMatchStatement": {
            # URL-decoded first: `/%73ignin` reaches the `/signin` route and must count against its limit
            "fieldToMatch": {"uriPath": {}}, "positionalConstraint": "STARTS_WITH", "searchString": prefix,
            "textTransformations": [{"priority": 0, "type": "URL_DECODE"}]}}

    paths = starts(prefixes[0]) if len(prefixes) == 1 else {"orStatement": {"statements": [starts(p) for p in prefixes]}}
    if not methods:
        return paths
    method = {"byteMatchStatement": {"fieldToMatch": {"method": {}}, "positionalConstraint": "EXACTLY",
                                     "searchString": methods[0], "textTransformations": [{"priority": 0,
                                                                                          "type": "NONE"}]}}
    return {"andStatement": {"statements": [paths, method]}}


def _visibility(name: str) -> dict:
    return {"cloudWatchMetricsEnabled": True, "metricName": name, "sampledRequestsEnabled": True}


def web_acl(stack: LaurelStack) -> str | None:
    """The ARN of the web ACL the distribution is associated with (None: no WAF, dev only)."""
    settings = stack.settings
    if settings.web_acl_arn:
        return settings.web_acl_arn
    if stack.region != CLOUDFRONT_WAF_REGION:  # another region, or not known at synthesis
        if settings.is_prod:
            raise ValueError(NO_WAF_FOR_PROD)
        cdk.Annotations.of(stack).add_warning_v2(
            "laurel:no-waf", "no WAF on the distribution: the stack is not in us-east-1 and no web_acl_arn was given")
        return None
    rules: list[dict] = []
    for priority, group in enumerate(MANAGED_RULE_GROUPS):
        statement: dict = {"vendorName": "AWS", "name": group}
        if group in COUNTED_RULES:
            statement["ruleActionOverrides"] = [{"name": rule, "actionToUse": {"count": {}}}
                                                for rule in COUNTED_RULES[group]]
        rules.append({"name": group, "priority": priority, "overrideAction": {"none": {}},
                      "statement": {"managedRuleGroupStatement": statement}, "visibilityConfig": _visibility(group)})
    for offset, (name, limit, methods, prefixes) in enumerate(RATE_RULES):
        rules.append({
            "name": f"Rate{name}", "priority": len(MANAGED_RULE_GROUPS) + offset, "action": {"block": {}},
            "statement": {"rateBasedStatement": {
                "limit": limit, "aggregateKeyType": "IP", "evaluationWindowSec": 300,
                "scopeDownStatement": _statement_for_paths(prefixes, methods)}},
            "visibilityConfig": _visibility(f"Rate{name}"),
        })
    acl = wafv2.CfnWebACL(
        stack, "WebAcl", name=f"laurel-{settings.stage}", scope="CLOUDFRONT", default_action={"allow": {}},
        description=f"Laurel {settings.stage}: managed rule groups and rate limits on sign-in, verify, imports, LMS",
        rules=rules, visibility_config=_visibility(f"laurel-{settings.stage}"),
    )
    return acl.attr_arn


def origin_secret(stack: LaurelStack) -> secretsmanager.Secret:
    """The origin header's value: generated by Secrets Manager, read by the API function."""
    secret = secretsmanager.Secret(
        stack, "OriginHeader",
        secret_name=f"laurel/{stack.settings.stage}/origin-header",
        description="The header value CloudFront adds to every request to the API (the API refuses others)",
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template="{}", generate_string_key="value", password_length=48, exclude_punctuation=True),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    from stack import API_HANDLER

    access.allow(stack, "OriginHeader", ["secretsmanager:GetSecretValue"], [secret.secret_arn], (API_HANDLER,))
    stack.chalice.add_environment_variable("LAUREL_ORIGIN_SECRET_ID", secret.secret_arn, API_HANDLER)
    return secret


def invalidations(stack: LaurelStack, distribution: cloudfront.Distribution) -> None:
    """Writers queue invalidations (the API, and the bulk worker that continues offboardings);
    the events worker sends them to the distribution."""
    from stack import API_HANDLER, BULK_WORKER, WEBHOOK_WORKER

    for name in (API_HANDLER, BULK_WORKER):
        stack.chalice.add_environment_variable("LAUREL_CDN_INVALIDATE", "1", name)
    stack.chalice.add_environment_variable("LAUREL_DISTRIBUTION_ID", distribution.distribution_id, WEBHOOK_WORKER)
    # the boundary names this account's distributions: naming this one would be a cycle (distribution ->
    # API -> its function's role -> the boundary); the worker's own role names this distribution only
    access.allow(stack, "InvalidateCdn", ["cloudfront:CreateInvalidation"],
                 [stack.format_arn(service="cloudfront", region="", resource="distribution",
                                   resource_name=distribution.distribution_id)], (WEBHOOK_WORKER,),
                 boundary_resources=[stack.format_arn(service="cloudfront", region="", resource="distribution",
                                                      resource_name="*")])


def cdn(stack: LaurelStack, api_stage: str) -> cloudfront.Distribution:
    """The CloudFront distribution in front of the API (`api_stage`) and the asset bucket."""
    secret = origin_secret(stack)
    rest_api = stack.chalice.get_resource("RestAPI")
    api_origin = origins.HttpOrigin(
        cdk.Fn.join("", [rest_api.ref, ".execute-api.", stack.region, ".", stack.url_suffix]),
        origin_path=f"/{api_stage}",
        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        # a dynamic reference in the template, resolved by CloudFormation at deploy time
        custom_headers={ORIGIN_HEADER: secret.secret_value_from_json("value").unsafe_unwrap()},
    )
    pages = cloudfront.CachePolicy(
        stack, "PagesByCacheControl",
        comment="Verification pages: cached as long as the origin's Cache-Control allows",
        default_ttl=cdk.Duration.seconds(0),
        min_ttl=cdk.Duration.seconds(0),
        max_ttl=cdk.Duration.days(1),
        # normalised by the viewer-request function (edge_accept.js): a few values, not one per browser
        # (Accept-Language: one of the six shipped languages; the app answers `Vary: Accept-Language`)
        header_behavior=cloudfront.CacheHeaderBehavior.allow_list(*PAGE_HEADERS),
        # `ref=` (where Laurel put the link: engagement counters) and `lang=` (the visitor's choice of
        # language, the pages' footer links) vary the page's cache entry
        query_string_behavior=cloudfront.CacheQueryStringBehavior.allow_list(*PAGE_QUERY),
        cookie_behavior=cloudfront.CacheCookieBehavior.none(),
        enable_accept_encoding_gzip=True,
        enable_accept_encoding_brotli=True,
    )
    documents = cloudfront.CachePolicy(
        stack, "DocumentsByCacheControl",
        comment="Open Badges documents and the JWKS: cached as long as the origin's Cache-Control allows",
        default_ttl=cdk.Duration.seconds(0),
        min_ttl=cdk.Duration.seconds(0),
        max_ttl=cdk.Duration.days(1),
        header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Accept"),  # normalised (edge_accept.js)
        query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
        cookie_behavior=cloudfront.CacheCookieBehavior.none(),
        enable_accept_encoding_gzip=True,
        enable_accept_encoding_brotli=True,
    )
    # The API behaviour: nothing cached in practice (no default TTL, at most a second), but a cache
    # policy is the only way to forward Authorization, so it is in the key with every cookie and query.
    api_pass = cloudfront.CachePolicy(
        stack, "ApiPassThrough",
        comment="The API: not cached (a second at most, keyed by Authorization, cookies and query)",
        default_ttl=cdk.Duration.seconds(0),
        min_ttl=cdk.Duration.seconds(0),
        max_ttl=cdk.Duration.seconds(1),
        header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Authorization"),
        query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
        cookie_behavior=cloudfront.CacheCookieBehavior.all(),
    )
    api_viewer = cloudfront.OriginRequestPolicy(
        stack, "ApiViewer",
        comment="The API: the headers the app reads, every cookie and query, and CloudFront-Viewer-Address",
        header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(*API_HEADERS),
        query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
        cookie_behavior=cloudfront.OriginRequestCookieBehavior.all(),
    )
    # what the engagement counters classify a page view by reaches the origin (without it CloudFront
    # sends "Amazon CloudFront" as the user agent and no Referer); not part of the cache key. A view
    # the CDN answers from its cache (a minute at most) is not counted: see the README.
    visitor = cloudfront.OriginRequestPolicy(
        stack, "PageVisitor",
        comment="Verification pages: user agent and referer for the engagement counters (classes only)",
        header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list("User-Agent", "Referer"),
        query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.allow_list(*PAGE_QUERY),
        cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
    )
    security = cloudfront.ResponseSecurityHeadersBehavior(
        strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
            access_control_max_age=cdk.Duration.days(730), include_subdomains=True, preload=True, override=True),
        content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=False),
        # the app's own answers win where it sets them (pages: frame-ancestors 'none', no-referrer)
        frame_options=cloudfront.ResponseHeadersFrameOptions(
            frame_option=cloudfront.HeadersFrameOption.DENY, override=False),
        referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
            referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=False),
    )
    secure = cloudfront.ResponseHeadersPolicy(
        stack, "SecurityHeaders", comment="HSTS and the other security headers",
        security_headers_behavior=security,
    )
    public_cors = cloudfront.ResponseHeadersPolicy(
        stack, "PublicDocumentsCors",
        comment="Security headers, and CORS: documents, status lists and images are readable from any origin",
        security_headers_behavior=security,
        cors_behavior=cloudfront.ResponseHeadersCorsBehavior(
            access_control_allow_credentials=False,
            access_control_allow_headers=["*"],
            access_control_allow_methods=["GET", "HEAD", "OPTIONS"],
            access_control_allow_origins=["*"],
            access_control_max_age=cdk.Duration.seconds(600),
            origin_override=True,
        ),
    )
    accept = cloudfront.FunctionAssociation(
        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
        function=cloudfront.Function(
            stack, "NormaliseAccept",
            comment="Accept and Accept-Language normalised to what the app picks (one cache entry each)",
            code=cloudfront.FunctionCode.from_file(file_path=str(Path(__file__).with_name("edge_accept.js"))),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        ),
    )
    api_uncached = cloudfront.BehaviorOptions(
        origin=api_origin,
        viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
        cache_policy=api_pass,
        origin_request_policy=api_viewer,
        response_headers_policy=secure,
    )

    def cached_api(policy: cloudfront.ICachePolicy, headers: cloudfront.IResponseHeadersPolicy,
                   request: cloudfront.IOriginRequestPolicy | None = None) -> cloudfront.BehaviorOptions:
        cors = headers is public_cors  # a browser's CORS preflight (OPTIONS) only where CORS is allowed
        return cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=(cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS if cors
                             else cloudfront.AllowedMethods.ALLOW_GET_HEAD),
            cache_policy=policy,
            origin_request_policy=request,
            response_headers_policy=headers,
            function_associations=[accept],
            compress=True,
        )

    certificate = None
    domain_names = None
    if stack.settings.certificate_arn:
        certificate = acm.Certificate.from_certificate_arn(stack, "Certificate", stack.settings.certificate_arn)
        domain_names = [stack.settings.public_domain]
    distribution = cloudfront.Distribution(
        stack, "Cdn",
        comment=f"Laurel {stack.settings.stage}: public pages, documents and badge images",
        default_behavior=api_uncached,
        additional_behaviors={
            "/badges/*": cached_api(pages, secure, visitor),
            # Open Badges documents (2.0 and 3.0, issuer profiles, DID documents, keys, the 2.0
            # revocation list) and the JWKS: public, `max-age=60` from the app (routes/public.py)
            "/ob/*": cached_api(documents, public_cors),
            "/.well-known/jwks.json": cached_api(documents, public_cors),
            # the public status page and its feed (issue 16: "Cacheable by the CDN"); the
            # subscription forms under /status/ stay on the uncached default behaviour
            **{path: cached_api(pages, secure) for path in ("/status", "/status/feed.atom")},
            # images and the status lists (assets/status/, `max-age=300`): CachingOptimized honours
            # the object's Cache-Control (it only fills in a day where an object has none)
            "/assets/*": cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(stack.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=public_cors,
                compress=True,
            ),
        },
        certificate=certificate,
        domain_names=domain_names,
        web_acl_id=web_acl(stack),
        minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        price_class=cloudfront.PriceClass.PRICE_CLASS_100,
    )
    invalidations(stack, distribution)
    return distribution
