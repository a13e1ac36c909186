"""The edge (issue 17, items 2 and 3), on the synthesized prod template: the WAF and its
rate rules on the routes' real paths, the origin header from Secrets Manager (never in the
template in clear) and the app's reading of it, CloudFront-Viewer-Address forwarded to the
API, security headers and CORS, the cached behaviours and their policies, the Accept
normaliser agreeing with the app's content negotiation, and prod refusing to synthesize
without a certificate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import CERTIFICATE_ARN as CERTIFICATE
from tests.infra.conftest import ROOT, resources


EDGE_JS = ROOT / "infra" / "edge_accept.js"


def _distribution(tpl: dict) -> dict:
    (dist,) = resources(tpl, "AWS::CloudFront::Distribution").values()
    return dist["Properties"]["DistributionConfig"]


def _behaviors(tpl: dict) -> dict[str, dict]:
    config = _distribution(tpl)
    return {"(default)": config["DefaultCacheBehavior"],
            **{b["PathPattern"]: b for b in config["CacheBehaviors"]}}


def _ref(tpl: dict, value: dict | str) -> dict:
    return tpl["Resources"][value["Ref"]]["Properties"]


def _api_routes() -> set[tuple[str, str]]:
    from app import app

    return {(path, method) for path, methods in app.routes.items() for method in methods}


# ------------------------------------------------------------------ WAF


def test_the_distribution_is_protected_by_a_cloudfront_web_acl_with_managed_rule_groups(synth):
    _, tpl, _ = synth
    (name, acl), = resources(tpl, "AWS::WAFv2::WebACL").items()
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    assert acl["Properties"]["DefaultAction"] == {"Allow": {}}
    assert _distribution(tpl)["WebACLId"] == {"Fn::GetAtt": [name, "Arn"]}
    groups = {r["Statement"]["ManagedRuleGroupStatement"]["Name"]: r for r in acl["Properties"]["Rules"]
              if "ManagedRuleGroupStatement" in r["Statement"]}
    assert set(groups) >= {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                           "AWSManagedRulesAmazonIpReputationList"}
    for rule in groups.values():
        assert rule["OverrideAction"] == {"None": {}}  # the groups block (not merely count)
    # uploads and badge images are bigger than the common set's 8 KB body limit: counted, not blocked
    common = groups["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]


def _rate_rules(tpl: dict) -> dict[str, dict]:
    (acl,) = resources(tpl, "AWS::WAFv2::WebACL").values()
    return {r["Name"]: r for r in acl["Properties"]["Rules"] if "RateBasedStatement" in r["Statement"]}


def _prefixes_and_methods(statement: dict) -> tuple[set[str], set[str]]:
    prefixes, methods = set(), set()

    def walk(node: dict) -> None:
        for key, value in node.items():
            if key == "ByteMatchStatement":
                if "UriPath" in value["FieldToMatch"]:
                    assert value["PositionalConstraint"] == "STARTS_WITH"
                    prefixes.add(value["SearchString"])
                else:
                    assert "Method" in value["FieldToMatch"] and value["PositionalConstraint"] == "EXACTLY"
                    methods.add(value["SearchString"])
            elif key in ("AndStatement", "OrStatement"):
                for child in value["Statements"]:
                    walk(child)

    walk(statement)
    return prefixes, methods


def test_rate_rules_cover_sign_in_post_verify_imports_and_the_lms_hooks_on_the_real_routes(synth):
    _, tpl, _ = synth
    rules = _rate_rules(tpl)
    assert set(rules) == {"RateSignIn", "RateVerify", "RateImports", "RateLmsHooks"}
    routes = _api_routes()
    expected = {
        # every POST that asks for a sign-in mail or signs in (earner wallet, console, SSO)
        "RateSignIn": [("/signin", "POST"), ("/signin/{login_id}", "POST"), ("/console/signin", "POST"),
                       ("/console/signin/{login_id}", "POST"), ("/console/sso", "POST"), ("/console/choose", "POST")],
        "RateVerify": [("/verify", "POST")],
        "RateImports": [("/imports", "POST"), ("/imports/{import_id}", "POST"), ("/imports/{import_id}/verify", "POST")],
        "RateLmsHooks": [(p, m) for p, m in routes if p.startswith("/hooks/lms/")],
    }
    for name, rule in rules.items():
        statement = rule["Statement"]["RateBasedStatement"]
        assert rule["Action"] == {"Block": {}}, name
        assert statement["AggregateKeyType"] == "IP" and statement["EvaluationWindowSec"] == 300, name
        assert 10 <= statement["Limit"] <= 2000, name
        prefixes, methods = _prefixes_and_methods(statement["ScopeDownStatement"])
        assert expected[name], name
        for path, method in expected[name]:
            assert (path, method) in routes, (name, path, method)  # the rule names a route that exists
            assert any(path.startswith(p) for p in prefixes), (name, path)
            assert not methods or method in methods, (name, method)
    # a path is matched URL-decoded: `/%73ignin` reaches the /signin route, so it counts against the same limit
    for name, rule in rules.items():
        text = json.dumps(rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"])
        matches = text.lower().count('"uripath"')
        assert matches and text.count('"URL_DECODE"') == matches, name
    # POST /verify is limited; the verification form and public pages (GET) are not
    assert _prefixes_and_methods(rules["RateVerify"]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]) == (
        {"/verify"}, {"POST"})


def test_prod_outside_us_east_1_without_a_web_acl_arn_refuses_to_synthesize():
    sys.path.insert(0, str(ROOT / "infra"))
    from cdk_app import build

    with pytest.raises(ValueError, match="web ACL can only be created in us-east-1"):
        build("prod", context={"region": "eu-west-1", "certificate_arn": CERTIFICATE})


# ------------------------------------------------------------------ only through CloudFront


def test_cloudfront_adds_the_origin_header_from_secrets_manager_never_in_clear(synth):
    _, tpl, path = synth
    config = _distribution(tpl)
    api = next(o for o in config["Origins"] if "execute-api" in json.dumps(o["DomainName"]))
    (header,) = api["OriginCustomHeaders"]
    from chalicelib.http import ORIGIN_HEADER

    assert header["HeaderName"] == ORIGIN_HEADER
    value = json.dumps(header["HeaderValue"])
    secrets = resources(tpl, "AWS::SecretsManager::Secret")
    (secret_id,) = [k for k, v in secrets.items() if v["Properties"]["Name"] == "laurel/prod/origin-header"]
    assert "{{resolve:secretsmanager:" in value and secret_id in value and ":SecretString:value::}}" in value
    generated = secrets[secret_id]["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "value" and generated["PasswordLength"] >= 32
    # the API function reads the same secret (and may), and refuses requests without the header (app.py)
    api_fn = tpl["Resources"]["APIHandler"]["Properties"]
    assert api_fn["Environment"]["Variables"]["LAUREL_ORIGIN_SECRET_ID"] == {"Ref": secret_id}
    policies = [p for p in resources(tpl, "AWS::IAM::Policy").values()
                if p["Properties"]["Roles"] == [{"Ref": api_fn["Role"]["Fn::GetAtt"][0]}]]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": secret_id},
            "Sid": "OriginHeader"} in statements


def test_the_api_behaviour_forwards_cloudfront_viewer_address_and_what_the_app_reads(synth):
    _, tpl, _ = synth
    default = _behaviors(tpl)["(default)"]
    request = _ref(tpl, default["OriginRequestPolicyId"])["OriginRequestPolicyConfig"]
    headers = request["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist"
    assert "CloudFront-Viewer-Address" in headers["Headers"]
    # Accept-Language: the wallet and sign-in pages answer in the visitor's language (issue 19)
    for needed in ("Accept", "Accept-Language", "Content-Type", "Laurel-Signature", "User-Agent", "If-None-Match",
                   "Referer"):
        assert needed in headers["Headers"], needed
    assert "Host" not in headers["Headers"]  # API Gateway answers only its own host name
    assert request["CookiesConfig"]["CookieBehavior"] == "all"
    assert request["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    # Authorization travels in the cache key (CloudFront refuses it in an origin request policy)
    cache = _ref(tpl, default["CachePolicyId"])["CachePolicyConfig"]
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"]["Headers"] == ["Authorization"]
    assert key["CookiesConfig"]["CookieBehavior"] == "all" and key["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert cache["DefaultTTL"] == 0 and cache["MaxTTL"] <= 1
    assert default["AllowedMethods"] == ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]


def test_the_probe_reaches_the_api_through_the_distribution(synth):
    """The uptime probe is the one internal caller of the API over HTTP: its URLs are the
    public base URL's (CloudFront adds the origin header), never the execute-api address."""
    _, tpl, _ = synth
    urls = tpl["Resources"]["UptimeProbe"]["Properties"]["Environment"]["Variables"]["LAUREL_PROBE_URLS"]
    base = tpl["Resources"]["UptimeProbe"]["Properties"]["Environment"]["Variables"]["LAUREL_PUBLIC_BASE_URL"]
    assert all(u.startswith(base + "/") for u in urls.split(",")), urls
    assert "execute-api" not in json.dumps(tpl["Resources"]["UptimeProbe"]["Properties"]["Environment"])


# ------------------------------------------------------------------ response headers


def test_every_behaviour_sends_hsts_and_the_public_documents_and_assets_allow_any_origin(synth):
    _, tpl, _ = synth
    behaviors = _behaviors(tpl)
    for path, behavior in behaviors.items():
        config = _ref(tpl, behavior["ResponseHeadersPolicyId"])["ResponseHeadersPolicyConfig"]
        security = config["SecurityHeadersConfig"]
        hsts = security["StrictTransportSecurity"]
        assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] and hsts["Override"], path
        assert security["ContentTypeOptions"] == {"Override": False}, path  # the app's own nosniff stays
        assert security["FrameOptions"]["FrameOption"] == "DENY", path
        assert "ReferrerPolicy" in security, path
        cors = config.get("CorsConfig")
        if path in ("/assets/*", "/ob/*", "/.well-known/jwks.json"):
            assert cors["AccessControlAllowOrigins"] == {"Items": ["*"]}, path
            assert cors["AccessControlAllowCredentials"] is False, path
            assert set(cors["AccessControlAllowMethods"]["Items"]) == {"GET", "HEAD", "OPTIONS"}, path
        else:
            assert cors is None, path  # sessions and keys: no cross-origin reads


# ------------------------------------------------------------------ caching


def test_documents_jwks_status_lists_and_pages_are_cached_by_the_origins_cache_control(synth):
    _, tpl, _ = synth
    behaviors = _behaviors(tpl)
    for path in ("/badges/*", "/ob/*", "/.well-known/jwks.json", "/status", "/status/feed.atom"):
        behavior = behaviors[path]
        cache = _ref(tpl, behavior["CachePolicyId"])["CachePolicyConfig"]
        # no Cache-Control: not cached; the app's max-age (60 s for documents) rules, at most a day
        assert cache["DefaultTTL"] == 0 and cache["MinTTL"] == 0 and cache["MaxTTL"] == 86400, path
        assert behavior["AllowedMethods"][:2] == ["GET", "HEAD"] and "POST" not in behavior["AllowedMethods"], path
        key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
        # normalised: a few values each (edge_accept.js); pages also by their language (issue 19)
        pages = path in ("/badges/*", "/status", "/status/feed.atom")
        assert key["HeadersConfig"]["Headers"] == (["Accept", "Accept-Language"] if pages else ["Accept"]), path
        assert key["CookiesConfig"]["CookieBehavior"] == "none", path
    ob = _ref(tpl, behaviors["/ob/*"]["CachePolicyId"])["CachePolicyConfig"]
    assert ob["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    # status lists live under /assets/status/ (store/object_keys.py) and carry max-age=300: the managed
    # CachingOptimized policy honours an object's Cache-Control
    assets = behaviors["/assets/*"]
    assert assets["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"  # Managed-CachingOptimized
    from chalicelib.store.object_keys import status_list_key

    assert status_list_key("t", 0).startswith("assets/")


def test_the_accept_header_is_normalised_on_viewer_request_where_it_is_in_the_cache_key(synth):
    _, tpl, _ = synth
    (fn_id, fn), = resources(tpl, "AWS::CloudFront::Function").items()
    assert fn["Properties"]["FunctionCode"] == EDGE_JS.read_text()
    assert fn["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    for path, behavior in _behaviors(tpl).items():
        if behavior.get("CachePolicyId") and isinstance(behavior["CachePolicyId"], dict):
            key = _ref(tpl, behavior["CachePolicyId"])["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
            if "Accept" in key["HeadersConfig"].get("Headers", []):
                (association,) = behavior["FunctionAssociations"]
                assert association["EventType"] == "viewer-request", path
                assert association["FunctionARN"] == {"Fn::GetAtt": [fn_id, "FunctionARN"]}, path


BROWSER_ACCEPTS = [
    None, "", "*/*",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7",  # Chrome
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # Firefox
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
    "application/json", "application/ld+json", "application/vc+ld+json", "application/vc+jwt",
    "application/ld+json, application/vc+ld+json, application/json;q=0.9, */*;q=0.5",  # Laurel's own verifier
    "application/json;q=0.5, application/ld+json;q=0.4, text/html;q=0.3",
    "text/html;q=0, */*", "application/*", "application/*;q=0.2, text/html;q=0.1", "TEXT/HTML",
    "application/json; q=1.0, application/vc+jwt; q=0.99", "text/html, application/ld+json;q=0.9",
    "application/vc+jwt;q=0.1, application/ld+json", "image/png", "application/json;q=abc, text/html;q=0.1",
    "application/json;q=2, text/html", "text/*, application/json;q=0.8", ",,;;", "application/json;level=1",
]


def _node_normalised(cases: list[tuple[str, str | None]]) -> list[str]:
    """Run the function's file as CloudFront would (its `handler` on viewer-request events), under node."""
    script = ("const src = require('fs').readFileSync(process.argv[1], 'utf8');"
              "const handler = new Function(src + '; return handler;')();"
              "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(cases.map(([uri, accept]) => handler({request: {uri,"
              " headers: accept === null ? {} : {accept: {value: accept}}}}).headers.accept.value)));")
    out = subprocess.run(["node", "-e", script, str(EDGE_JS)], input=json.dumps(cases), capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_the_normalised_accept_gets_the_same_answer_from_the_app_as_the_browsers_own():
    """The CloudFront Function's value, given to the app's own negotiation, picks what the
    original header would have: the cache is keyed by a few values and nobody gets another
    representation than they asked for."""
    from chalicelib.openbadges import media

    cases = [(uri, accept) for uri in ("/badges/abc", "/badges/abc.json", "/ob/v3/credentials/abc",
                                       "/ob/v2/assertions/abc", "/.well-known/jwks.json")
             for accept in BROWSER_ACCEPTS]
    values = _node_normalised(cases)
    assert len(set(values)) <= 6  # one cache entry per representation, not per browser
    for (uri, accept), value in zip(cases, values, strict=True):
        if uri.startswith("/badges/"):
            offers = media.JSON_OFFERS if uri.endswith(".json") else media.PAGE_OFFERS
            assert media.preferred(value, offers) == media.preferred(accept, offers), (uri, accept, value)
        elif uri.startswith("/ob/v3/credentials/"):  # routes/public.py ob3_credential
            assert ("application/vc+jwt" in value) == ("application/vc+jwt" in (accept or "")), (accept, value)
        else:
            assert value == "*/*"


# ------------------------------------------------------------------ languages (issue 19)


def test_credential_and_status_pages_are_cached_per_language_and_ref(synth):
    """`?lang=` and the (normalised) Accept-Language choose the page's language: both are in
    the cache key, and `lang` reaches the origin with `ref`."""
    _, tpl, _ = synth
    behaviors = _behaviors(tpl)
    for path in ("/badges/*", "/status"):
        key = _ref(tpl, behaviors[path]["CachePolicyId"])["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
        assert "Accept-Language" in key["HeadersConfig"]["Headers"], path
        assert key["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist", "QueryStrings": ["ref", "lang"]}, path
    visitor = _ref(tpl, behaviors["/badges/*"]["OriginRequestPolicyId"])["OriginRequestPolicyConfig"]
    assert visitor["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist", "QueryStrings": ["ref", "lang"]}


ACCEPT_LANGUAGES = [
    None, "", "*", "de", "de-DE,de;q=0.9,en;q=0.8", "ja,en-US;q=0.9,en;q=0.8", "fr-CA,fr;q=0.9", "fr-CA",
    "pt", "pt-PT", "pt-BR,pt;q=0.9", "PT-br", "pt_BR", "es-419,es;q=0.9", "es-US", "en-GB,en;q=0.9",
    "ko-KR,ko;q=0.9,pt-BR;q=0.5,en;q=0.3", "zh-CN", "zh-CN,zh;q=0.9", "en;q=0.2, de;q=0.8", "fr;q=0, es",
    "de;q=abc, es;q=0.5", "de;q=2, ja", "ja;q=0.5, de;q=0.5", "ja; q=0.5 , fr ;q=0.7", "x-klingon, de;q=0.1",
    "*;q=0.5, ja;q=0.4", "de-CH-1901, ja", ",,;;", "not a tag, ja", "en-US", "ko", "de;Q=0.3, es;q=0.2",
    "ja;q=.5, de;q=0.45", "ja;q=0.5e0, es;q=0.4", "ja;q=1.0, de", "de;q=-1, ja;q=0.1",
]


def _node_languages(cases: list[str | None]) -> list[str]:
    """The function's Accept-Language for /badges/ requests, run under node as CloudFront would."""
    script = ("const src = require('fs').readFileSync(process.argv[1], 'utf8');"
              "const handler = new Function(src + '; return handler;')();"
              "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(cases.map((value) => handler({request: {uri: '/badges/abc',"
              " headers: value === null ? {} : {'accept-language': {value}}}}).headers['accept-language'].value)));")
    out = subprocess.run(["node", "-e", script, str(EDGE_JS)], input=json.dumps(cases), capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_the_normalised_accept_language_is_one_shipped_tag_the_app_picks_like_the_browsers_own():
    """edge_accept.js follows chalicelib/i18n.py `from_accept_language`: the cache holds one
    entry per shipped language, and each visitor gets the language the raw header gets."""
    from chalicelib import i18n

    values = _node_languages(ACCEPT_LANGUAGES)
    assert set(values) <= {i18n.html_lang(locale) for locale in i18n.LOCALES}, values
    assert set(values) == {"en", "es", "fr", "de", "pt-BR", "ja"}  # the corpus reaches every one
    for raw, value in zip(ACCEPT_LANGUAGES, values, strict=True):
        expected = i18n.html_lang(i18n.from_accept_language(raw) or i18n.DEFAULT)
        assert value == expected, (raw, value, expected)
        assert i18n.resolve(accept_language=value) == i18n.resolve(accept_language=raw), (raw, value)


def test_the_normalised_accept_language_gets_the_same_page_from_the_app(client):
    values = _node_languages(ACCEPT_LANGUAGES)
    for raw, value in zip(ACCEPT_LANGUAGES, values, strict=True):
        pages = [client.http.get("/verify", headers={} if header is None else {"Accept-Language": header})
                 for header in (raw, value)]
        langs = [(p.headers["Content-Language"], p.body.decode().split('<html lang="')[1].split('"')[0]) for p in pages]
        assert langs[0] == langs[1] == (value, value), (raw, value, langs)


def test_an_invalidation_covers_every_language_and_ref_variant_the_cache_keys_on(synth):
    """CloudFront invalidates every header variant of a path (Accept, Accept-Language) and,
    with a trailing `*`, every query string: the pages' wildcard must match each
    `?lang=`/`?ref=` URL the cache key makes."""
    from fnmatch import fnmatchcase

    from chalicelib.services.cdn import paths_for

    _, tpl, _ = synth
    key = _ref(tpl, _behaviors(tpl)["/badges/*"]["CachePolicyId"])["CachePolicyConfig"]
    names = key["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]["QueryStrings"]
    assert "lang" in names
    for credentials in ([("t1", "t1-abc", 0)], [("t1", f"t1-{i}", 0) for i in range(40)]):
        wildcards = [p for p in paths_for(credentials) if p.endswith("*")]
        for page in ("/badges/t1-abc", "/badges/t1-abc.json", "/badges/t1-abc/image"):
            for query in ("", "?lang=ja", "?lang=pt-BR&ref=linkedin", "?ref=mail&lang=de",
                          *(f"?{name}=x" for name in names)):
                url = page + query
                assert any(fnmatchcase(url, w) for w in wildcards), (url, wildcards)


# ------------------------------------------------------------------ invalidations


def test_the_events_worker_may_invalidate_the_distribution_and_writers_queue_invalidations(synth):
    _, tpl, _ = synth
    (dist_id,) = resources(tpl, "AWS::CloudFront::Distribution")
    worker = tpl["Resources"]["DeliverWebhooks"]["Properties"]
    assert worker["Environment"]["Variables"]["LAUREL_DISTRIBUTION_ID"] == {"Ref": dist_id}
    for writer in ("APIHandler", "BulkWorker"):
        variables = tpl["Resources"][writer]["Properties"]["Environment"]["Variables"]
        assert variables["LAUREL_CDN_INVALIDATE"] == "1", writer
        assert "LAUREL_DISTRIBUTION_ID" not in variables, writer  # Distribution -> RestApi -> API: no cycle
    role = worker["Role"]["Fn::GetAtt"][0]
    statements = [s for p in resources(tpl, "AWS::IAM::Policy").values() if p["Properties"]["Roles"] == [{"Ref": role}]
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (invalidate,) = [s for s in statements if s.get("Sid") == "InvalidateCdn"]
    assert invalidate["Action"] == "cloudfront:CreateInvalidation"
    assert dist_id in json.dumps(invalidate["Resource"]) and "*" not in json.dumps(invalidate["Resource"])


# ------------------------------------------------------------------ prod needs a certificate


def test_prod_refuses_to_synthesize_without_a_certificate():
    sys.path.insert(0, str(ROOT / "infra"))
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from cdk_app import build

    with pytest.raises(ValueError, match="prod needs its own domain's certificate: pass -c certificate_arn="):
        build("prod", context={"region": "us-east-1"})


def test_prod_with_its_certificate_serves_its_own_domain(synth):
    _, tpl, _ = synth
    config = _distribution(tpl)
    assert config["ViewerCertificate"]["AcmCertificateArn"] == CERTIFICATE
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["Aliases"] == ["laurel.example"]

