"""Laurel's edge: the CloudFront distribution in front of the API and the asset bucket.

Called from infra/stack.py (`LaurelStack`); every construct is created in the stack's scope
with the ids it always had, so moving it here changed nothing in the template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import (
    aws_certificatemanager as acm,
    aws_cloudfront as cloudfront,
    aws_cloudfront_origins as origins,
)

if TYPE_CHECKING:
    from stack import LaurelStack


def cdn(stack: LaurelStack, api_stage: str) -> cloudfront.Distribution:
    """The CloudFront distribution in front of the API (`api_stage`) and the asset bucket."""
    rest_api = stack.chalice.get_resource("RestAPI")
    api_origin = origins.HttpOrigin(
        cdk.Fn.join("", [rest_api.ref, ".execute-api.", stack.region, ".", stack.url_suffix]),
        origin_path=f"/{api_stage}",
        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
    )
    pages = cloudfront.CachePolicy(
        stack, "PagesByCacheControl",
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
        stack, "PageVisitor",
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
    if stack.settings.certificate_arn:
        certificate = acm.Certificate.from_certificate_arn(stack, "Certificate", stack.settings.certificate_arn)
        domain_names = [stack.settings.public_domain]
    return cloudfront.Distribution(
        stack, "Cdn",
        comment=f"Laurel {stack.settings.stage}: public pages, documents and badge images",
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
                origin=origins.S3BucketOrigin.with_origin_access_control(stack.bucket),
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
