"""Static tests for the SAM template and its deployment configuration files.

The template is parsed with cfn-lint's CloudFormation-aware YAML loader, which turns
short tags into their long form (``!Ref X`` -> ``{"Ref": "X"}``, ``!Sub s`` ->
``{"Fn::Sub": s}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``).
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode import decode

from bootstrap import build_app
from config import load_settings
from models.registry import ModelRegistry

BACKEND = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = BACKEND / "template.yaml"
PARAMETERS_EXAMPLE_PATH = BACKEND / "parameters.example.json"
SAMCONFIG_PATH = BACKEND / "samconfig.toml"
DEPLOY_WEB_SCRIPT = BACKEND.parent / "scripts" / "deploy-web.sh"

FUNCTION = "PixelPromptFunction"
SELF_NAME_SUB = "${AWS::StackName}-pixel-prompt"
SELF_ARN_SUB = (
    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + SELF_NAME_SUB
)
# The one prefix the web client lives under: the bucket policy, the CloudFront origin path
# and the upload output must all agree on it.
WEB_PREFIX = "web/"
PRIVATE_PREFIXES = ("jobs/", "gallery-index/", "rate-limit/")
# AWS managed CloudFront policies (ids are fixed across accounts):
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
SIMPLE_CORS = "60669652-455b-4ae9-85a4-c4c02393f86c"
LAMBDA_ENV_LIMIT_BYTES = 4096
SECRET_STRING_LIMIT_BYTES = 65536
MODEL_SLOTS = range(1, 21)
EXPECTED_ENV_VARS = {
    "ENVIRONMENT",
    "MODEL_COUNT",
    *(f"MODEL_{i}_NAME" for i in MODEL_SLOTS),
    "PROMPT_MODEL_INDEX",
    "MODEL_TIMEOUT_SECONDS",
    "GLOBAL_LIMIT",
    "IP_LIMIT",
    "IP_INCLUDE",
    "S3_BUCKET",
    "CLOUDFRONT_DOMAIN",
    "MODEL_KEYS_SECRET_ARN",
    "WORKER_FUNCTION_NAME",
}

# Realistic upper bounds (characters) for values that AWS generates at deploy time.
# They are deliberately generous but not absurd (e.g. not 2048 for an ARN):
# - the bucket is auto-named by CloudFormation and S3 caps names at 63 characters;
# - a CloudFront domain looks like d111111abcdef8.cloudfront.net (29 characters);
# - a Secrets Manager ARN is arn:<partition>:secretsmanager:<region>:<account>:secret:
#   <CloudFormation-generated name>-<6 random characters>; about 100 in practice, 200 here.
AWS_GENERATED_MAX = {
    ("Ref", "PixelPromptBucket"): 63,
    ("Fn::GetAtt", "CloudFrontDistribution.DomainName"): 64,
    ("Ref", "ModelKeysSecret"): 200,
}
# Pseudo parameters. The stack name is bounded by the function name (64 characters
# max, FunctionName is "<stack name>-pixel-prompt"), so at most 51 characters.
PSEUDO_MAX = {
    "AWS::StackName": 64 - len("-pixel-prompt"),
    "AWS::Region": 20,
    "AWS::AccountId": 12,
    "AWS::Partition": 15,
    "AWS::URLSuffix": 20,
}


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    tpl, matches = decode(str(TEMPLATE_PATH))
    assert not matches, [str(m) for m in matches]
    assert tpl is not None
    return tpl


@pytest.fixture(scope="module")
def params(template: dict[str, Any]) -> dict[str, Any]:
    return template["Parameters"]


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


@pytest.fixture(scope="module")
def fn_props(resources: dict[str, Any]) -> dict[str, Any]:
    assert resources[FUNCTION]["Type"] == "AWS::Serverless::Function"
    return resources[FUNCTION]["Properties"]


@pytest.fixture(scope="module")
def env_vars(fn_props: dict[str, Any]) -> dict[str, Any]:
    return fn_props["Environment"]["Variables"]


@pytest.fixture(scope="module")
def policy_statements(fn_props: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in fn_props["Policies"]:
        if isinstance(policy, dict) and "Statement" in policy:
            statements.extend(policy["Statement"])
    return statements


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def sub_variables(text: str) -> set[str]:
    """Names referenced by ${...} in a Fn::Sub string (ignores ${!literal})."""
    return {m for m in re.findall(r"\$\{([^}!][^}]*)\}", text)}


def references(node: Any) -> set[str]:
    """Every logical ID / parameter referenced by Ref, GetAtt or Sub inside node."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found |= {v.split(".")[0] for v in sub_variables(str(text))}
                if isinstance(value, list):
                    found |= references(value[1])
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def parameter_max_len(name: str, params: dict[str, Any]) -> int:
    """Longest string a parameter can resolve to, from its declared constraints."""
    p = params[name]
    if "AllowedValues" in p:
        return max(len(str(v)) for v in p["AllowedValues"])
    if p["Type"] == "Number":
        assert "MaxValue" in p and "MinValue" in p, f"{name} needs MinValue/MaxValue"
        return max(len(str(p["MinValue"])), len(str(p["MaxValue"])))
    assert "MaxLength" in p, f"{name} must declare MaxLength to bound the Lambda environment"
    return int(p["MaxLength"])


def worst_case_len(value: Any, params: dict[str, Any]) -> int:
    if isinstance(value, (str, int, float)):
        return len(str(value))
    assert isinstance(value, dict) and len(value) == 1, value
    ((fn, arg),) = value.items()
    if fn == "Ref":
        if arg in params:
            return parameter_max_len(arg, params)
        if arg in PSEUDO_MAX:
            return PSEUDO_MAX[arg]
        return AWS_GENERATED_MAX[("Ref", arg)]
    if fn == "Fn::GetAtt":
        target = ".".join(arg) if isinstance(arg, list) else arg
        return AWS_GENERATED_MAX[("Fn::GetAtt", target)]
    if fn == "Fn::Sub":
        assert isinstance(arg, str), "only the one-argument form of Fn::Sub is used here"
        total = len(re.sub(r"\$\{[^}]*\}", "", arg))
        for var in re.findall(r"\$\{([^}]*)\}", arg):
            nested = {"Fn::GetAtt": var} if "." in var else {"Ref": var}
            total += worst_case_len(nested, params)
        return total
    raise AssertionError(f"unsupported intrinsic in environment: {fn}")


def render_sub(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{([^}]*)\}", lambda m: values[m.group(1)], text)


def distribution_config(resources: dict[str, Any]) -> dict[str, Any]:
    return resources["CloudFrontDistribution"]["Properties"]["DistributionConfig"]


def origin_by_id(config: dict[str, Any], origin_id: str) -> dict[str, Any]:
    (origin,) = [o for o in config["Origins"] if o["Id"] == origin_id]
    return origin


def behavior_for(config: dict[str, Any], path: str) -> dict[str, Any]:
    """The cache behavior CloudFront picks for a request path: first matching pattern wins."""
    for behavior in config.get("CacheBehaviors", []):
        pattern = "/" + behavior["PathPattern"].lstrip("/")
        if re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), path):
            return behavior
    return config["DefaultCacheBehavior"]


def s3_key_for(config: dict[str, Any], path: str) -> str:
    """The S3 key CloudFront reads for a request path (origin path + request path)."""
    if path == "/" and config.get("DefaultRootObject"):
        path = "/" + config["DefaultRootObject"]
    origin = origin_by_id(config, behavior_for(config, path)["TargetOriginId"])
    return (origin.get("OriginPath", "") + path).lstrip("/")


def policy_allows(resources: list[Any], key: str) -> bool:
    """Whether a bucket policy Resource list (${PixelPromptBucket.Arn}/<pattern>) covers key."""
    for resource in resources:
        pattern = resource["Fn::Sub"].removeprefix("${PixelPromptBucket.Arn}/")
        if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), key):
            return True
    return False


EXPIRING_ACTIONS = {
    "ExpirationInDays",
    "ExpirationDate",
    "ExpiredObjectDeleteMarker",
    "NoncurrentVersionExpiration",
    "NoncurrentVersionExpirationInDays",
    "Transitions",
    "Transition",
}


def rules_expiring(rules: list[dict[str, Any]], key: str) -> list[str]:
    """Ids of enabled lifecycle rules that would expire (or move) the object at key.

    A rule without a prefix (no Prefix, no Filter.Prefix) applies to every key.
    """
    hits = []
    for rule in rules:
        prefix = rule.get("Prefix", (rule.get("Filter") or {}).get("Prefix", ""))
        enabled = rule.get("Status") == "Enabled"
        if enabled and key.startswith(prefix) and EXPIRING_ACTIONS & set(rule):
            hits.append(rule.get("Id", "?"))
    return hits


# --------------------------------------------------------------------------- lint gate


def test_cfn_lint_reports_no_findings() -> None:
    """cfn-lint (errors, warnings AND informational checks) must be completely clean."""
    matches = lint_file(TEMPLATE_PATH, ManualArgs(include_checks=["I"]))
    assert [str(m) for m in matches] == []


def test_cfn_lint_gate_detects_problems(tmp_path: Path) -> None:
    """Guard against a vacuous lint test: a broken copy of the template must be flagged."""
    broken = tmp_path / "template.yaml"
    text = TEMPLATE_PATH.read_text()
    assert "Runtime: python3.12" in text
    broken.write_text(text.replace("Runtime: python3.12", "Runtime: python2.7"))
    assert lint_file(broken, ManualArgs(include_checks=["I"]))


def test_template_header(template: dict[str, Any]) -> None:
    assert str(template["AWSTemplateFormatVersion"]) == "2010-09-09"
    assert template["Transform"] == "AWS::Serverless-2016-10-31"


# --------------------------------------------------------------------------- parameters


def test_model_count_parameter(params: dict[str, Any]) -> None:
    p = params["ModelCount"]
    assert p["Type"] == "Number"
    assert (p["MinValue"], p["MaxValue"], p["Default"]) == (1, 20, 9)


def test_twenty_model_name_and_key_pairs(params: dict[str, Any]) -> None:
    for i in MODEL_SLOTS:
        name, key = params[f"Model{i}Name"], params[f"Model{i}Key"]
        assert name["Type"] == "String"
        assert 0 < int(name["MaxLength"]) <= 64
        assert len(name["Default"]) <= int(name["MaxLength"])
        assert key["Type"] == "String"
        assert key["NoEcho"] is True
        assert key["Default"] == ""


def test_default_model_names_are_current(params: dict[str, Any]) -> None:
    defaults = [params[f"Model{i}Name"]["Default"] for i in MODEL_SLOTS]
    assert all(defaults[:9]), "models 1-9 need default names"
    assert not any(defaults[9:]), "models 10-20 are unused by default"
    assert len(set(defaults[:9])) == 9
    assert defaults[0] == "GPT Image 2.6"
    # Every default resolves, through the catalogue, to a model that is not retired today.
    environ = {f"MODEL_{i}_NAME": name for i, name in enumerate(defaults[:9], start=1)}
    registry = ModelRegistry.from_settings(load_settings(environ))
    assert len(registry.get_all_models()) == 9
    assert registry.warnings == (), registry.warnings


def test_other_parameters(params: dict[str, Any]) -> None:
    assert params["PromptModelIndex"]["Default"] == 1
    assert params["GlobalRateLimit"]["Default"] == 1000
    assert params["IPRateLimit"]["Default"] == 50
    assert params["IPWhitelist"]["Type"] == "String"
    assert params["IPWhitelist"]["Default"] == ""
    assert params["IPWhitelist"]["MaxLength"] == 1000
    assert params["Environment"]["AllowedValues"] == ["dev", "staging", "prod"]
    assert params["ModelTimeoutSeconds"]["Default"] == 60
    assert params["ModelTimeoutSeconds"]["MaxValue"] < 900, "must stay below function timeout"


def test_parameter_groups_cover_every_parameter_once(
    template: dict[str, Any], params: dict[str, Any]
) -> None:
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert sorted(grouped) == sorted(params)
    assert len(grouped) == len(set(grouped))


# --------------------------------------------------------------------------- function


def test_function_configuration(fn_props: dict[str, Any]) -> None:
    assert fn_props["Runtime"] == "python3.12"
    assert fn_props["Handler"] == "lambda_function.lambda_handler"
    assert fn_props["CodeUri"] == "./src"
    assert fn_props["MemorySize"] == 3008
    assert fn_props["Timeout"] == 900
    assert fn_props["FunctionName"] == {"Fn::Sub": SELF_NAME_SUB}
    assert set(fn_props["Tags"]) == {"Project", "Environment", "ManagedBy"}
    assert "ReservedConcurrentExecutions" in fn_props


def test_reserved_concurrency_defaults_to_ten(
    fn_props: dict[str, Any], params: dict[str, Any]
) -> None:
    rce = fn_props["ReservedConcurrentExecutions"]
    assert rce["Fn::If"][1] == {"Ref": "ReservedConcurrency"}
    assert params["ReservedConcurrency"]["Default"] == 10


def test_async_worker_is_never_retried(fn_props: dict[str, Any]) -> None:
    assert fn_props["EventInvokeConfig"]["MaximumRetryAttempts"] == 0


def test_log_group_matches_function_name(
    resources: dict[str, Any], fn_props: dict[str, Any]
) -> None:
    log_group = resources["FunctionLogGroup"]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 7
    assert log_group["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/" + fn_props["FunctionName"]["Fn::Sub"]
    }
    assert fn_props["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}


def test_error_and_duration_alarms(resources: dict[str, Any]) -> None:
    alarms = {
        r["Properties"]["MetricName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert set(alarms) == {"Errors", "Duration"}
    for alarm in alarms.values():
        assert alarm["Namespace"] == "AWS/Lambda"
        assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": FUNCTION}}]


def test_environment_variable_names(env_vars: dict[str, Any]) -> None:
    assert set(env_vars) == EXPECTED_ENV_VARS


def test_environment_variable_sources(env_vars: dict[str, Any]) -> None:
    assert env_vars["MODEL_COUNT"] == {"Ref": "ModelCount"}
    for i in MODEL_SLOTS:
        assert env_vars[f"MODEL_{i}_NAME"] == {"Ref": f"Model{i}Name"}
    assert env_vars["PROMPT_MODEL_INDEX"] == {"Ref": "PromptModelIndex"}
    assert env_vars["GLOBAL_LIMIT"] == {"Ref": "GlobalRateLimit"}
    assert env_vars["IP_LIMIT"] == {"Ref": "IPRateLimit"}
    assert env_vars["IP_INCLUDE"] == {"Ref": "IPWhitelist"}
    assert env_vars["MODEL_TIMEOUT_SECONDS"] == {"Ref": "ModelTimeoutSeconds"}
    assert env_vars["ENVIRONMENT"] == {"Ref": "Environment"}
    assert env_vars["S3_BUCKET"] == {"Ref": "PixelPromptBucket"}
    assert env_vars["CLOUDFRONT_DOMAIN"] == {"Fn::GetAtt": ["CloudFrontDistribution", "DomainName"]}
    assert env_vars["MODEL_KEYS_SECRET_ARN"] == {"Ref": "ModelKeysSecret"}


# --------------------------------------------------------------------------- API


def test_http_api_routes(
    fn_props: dict[str, Any], resources: dict[str, Any], tmp_path: Path
) -> None:
    """API Gateway routes exactly what the app's router routes (and nothing else)."""
    assert resources["HttpApi"]["Type"] == "AWS::Serverless::HttpApi"
    routes = set()
    for event in fn_props["Events"].values():
        assert event["Type"] == "HttpApi"
        assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}
        routes.add((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    router = build_app({"DATA_DIR": str(tmp_path)}).router
    assert routes == {(route.method, route.template) for route in router.routes}
    assert routes, "the function has no HttpApi events"


def test_http_api_cors_and_throttling(resources: dict[str, Any]) -> None:
    props = resources["HttpApi"]["Properties"]
    cors = props["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["*"]
    assert set(cors["AllowMethods"]) == {"GET", "POST", "OPTIONS"}
    assert set(cors["AllowHeaders"]) == {"Content-Type", "Authorization", "X-Requested-With"}
    assert set(cors["ExposeHeaders"]) == {"X-Request-Id", "Retry-After"}
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": 100,
        "ThrottlingRateLimit": 50,
    }


# --------------------------------------------------------------------------- storage + CDN


def test_bucket_security_and_retention(resources: dict[str, Any]) -> None:
    bucket = resources["PixelPromptBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    (cors_rule,) = props["CorsConfiguration"]["CorsRules"]
    assert set(cors_rule["AllowedMethods"]) == {"GET", "HEAD"}


def test_bucket_lifecycle_rules(resources: dict[str, Any]) -> None:
    rules = resources["PixelPromptBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiry = {r["Prefix"]: r["ExpirationInDays"] for r in rules if "Prefix" in r}
    assert expiry == {"group-images/": 30, "jobs/": 30, "gallery-index/": 30, "rate-limit/": 2}
    assert all(r["Status"] == "Enabled" for r in rules)


def test_no_lifecycle_rule_expires_the_web_client(resources: dict[str, Any]) -> None:
    rules = resources["PixelPromptBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    for key in ("web/index.html", "web/assets/index-8oWjwbHM.js", "web/favicon.svg"):
        assert rules_expiring(rules, key) == [], key
    # ...while the rules do expire what they are meant to.
    assert rules_expiring(rules, "group-images/t/01-a.png") == ["ExpireGroupImages"]


def test_lifecycle_matcher_is_not_vacuous() -> None:
    catch_all = [{"Id": "All", "Status": "Enabled", "ExpirationInDays": 1}]
    filtered = [
        {"Id": "Web", "Status": "Enabled", "Filter": {"Prefix": "web/"}, "ExpirationInDays": 1}
    ]
    aborts_only = [{"Id": "Abort", "Status": "Enabled", "AbortIncompleteMultipartUpload": {}}]
    assert rules_expiring(catch_all, "web/index.html") == ["All"]
    assert rules_expiring(filtered, "web/index.html") == ["Web"]
    assert rules_expiring(aborts_only, "web/index.html") == []


def test_cloudfront_distribution(resources: dict[str, Any]) -> None:
    assert resources["CloudFrontOAI"]["Type"] == "AWS::CloudFront::CloudFrontOriginAccessIdentity"
    config = distribution_config(resources)
    assert config["PriceClass"] == "PriceClass_100"
    assert len(config["Origins"]) == 2
    for origin in config["Origins"]:
        # Both origins are the stack's own bucket, read through the one OAI.
        assert origin["DomainName"] == {"Fn::GetAtt": ["PixelPromptBucket", "RegionalDomainName"]}
        assert origin["S3OriginConfig"]["OriginAccessIdentity"] == {
            "Fn::Sub": "origin-access-identity/cloudfront/${CloudFrontOAI}"
        }
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    for behavior in behaviors:
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["Compress"] is True
        assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
        assert "POST" not in behavior["AllowedMethods"]


def test_web_client_is_the_default_behavior(resources: dict[str, Any]) -> None:
    """/ and /assets/* come from web/ in the bucket: an origin with OriginPath /web."""
    config = distribution_config(resources)
    assert config["DefaultRootObject"] == "index.html"
    default = config["DefaultCacheBehavior"]
    web_origin = origin_by_id(config, default["TargetOriginId"])
    assert web_origin["OriginPath"] == "/" + WEB_PREFIX.rstrip("/")
    assert s3_key_for(config, "/") == "web/index.html"
    assert s3_key_for(config, "/assets/index-8oWjwbHM.js") == "web/assets/index-8oWjwbHM.js"
    assert s3_key_for(config, "/favicon.svg") == "web/favicon.svg"


def test_image_urls_still_reach_the_bucket_root(resources: dict[str, Any]) -> None:
    """Every existing imageUrl (https://<domain>/group-images/...) keeps its S3 key."""
    config = distribution_config(resources)
    images = [
        b for b in config["CacheBehaviors"] if b["PathPattern"].lstrip("/") == "group-images/*"
    ]
    assert len(images) == 1
    origin = origin_by_id(config, images[0]["TargetOriginId"])
    assert origin.get("OriginPath", "") == ""
    assert images[0]["ResponseHeadersPolicyId"] == SIMPLE_CORS
    key = "group-images/2026-11-26-14-55-59-fdba25/01-local-preview-sunrise-1.png"
    assert s3_key_for(config, "/" + key) == key


def test_private_prefixes_are_unreachable_through_cloudfront(resources: dict[str, Any]) -> None:
    """A request for /jobs/... lands under web/ (where nothing is), never on jobs/."""
    config = distribution_config(resources)
    for prefix in PRIVATE_PREFIXES:
        key = s3_key_for(config, f"/{prefix}x/status.json")
        assert key.startswith(WEB_PREFIX), key


def test_missing_objects_are_never_rewritten_to_a_page(resources: dict[str, Any]) -> None:
    """Error responses apply to the whole distribution, images included: a missing image
    must stay an error, never a 200 index.html."""
    config = distribution_config(resources)
    for response in config.get("CustomErrorResponses", []):
        assert str(response.get("ResponseCode", response["ErrorCode"]))[0] != "2", response


def test_web_security_headers(resources: dict[str, Any]) -> None:
    config = distribution_config(resources)
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": "WebSecurityHeadersPolicy"
    }
    policy = resources["WebSecurityHeadersPolicy"]
    assert policy["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"
    # One name per account: two stacks of the same name in two regions must not collide.
    name = policy["Properties"]["ResponseHeadersPolicyConfig"]["Name"]["Fn::Sub"]
    assert {"AWS::StackName", "AWS::Region"} <= sub_variables(name)
    assert len(render_sub(name, {k: "x" * v for k, v in PSEUDO_MAX.items()})) <= 128
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp_text = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    csp = render_sub(csp_text, {"AWS::Region": "eu-west-1", "AWS::URLSuffix": "amazonaws.com"})
    directives = {
        name: sources
        for name, *sources in (part.split() for part in csp.split(";") if part.strip())
    }
    # The client fetches the stack's API (ApiEndpoint) and shows images from its own domain.
    assert "https://*.execute-api.eu-west-1.amazonaws.com" in directives["connect-src"]
    assert "'self'" in directives["connect-src"]
    assert "'self'" in directives["img-src"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    # Naming the API itself would close a dependency cycle (API -> function -> CDN -> policy).
    assert "HttpApi" not in references(policy)
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True


# Fix 1: CloudFront may read generated images and the web client only, never jobs/,
# gallery-index/ or rate-limit/.
def test_bucket_policy_exposes_only_images_and_web_client(resources: dict[str, Any]) -> None:
    policy = resources["BucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "PixelPromptBucket"}
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {
        "CanonicalUser": {"Fn::GetAtt": ["CloudFrontOAI", "S3CanonicalUserId"]}
    }
    assert as_list(allow["Action"]) == ["s3:GetObject"]
    granted = as_list(allow["Resource"])
    assert sorted(r["Fn::Sub"] for r in granted) == [
        "${PixelPromptBucket.Arn}/group-images/*",
        "${PixelPromptBucket.Arn}/" + WEB_PREFIX + "*",
    ]
    assert policy_allows(granted, "group-images/t/01-a.png")
    assert policy_allows(granted, "web/index.html")
    for prefix in PRIVATE_PREFIXES:
        assert not policy_allows(granted, f"{prefix}x/status.json"), prefix


def test_policy_matcher_is_not_vacuous() -> None:
    everything = [{"Fn::Sub": "${PixelPromptBucket.Arn}/*"}]
    assert policy_allows(everything, "jobs/x/status.json")
    assert not policy_allows([{"Fn::Sub": "${PixelPromptBucket.Arn}/web/*"}], "jobs/x")


# --------------------------------------------------------------------------- IAM


def test_s3_crud_policy_on_bucket(fn_props: dict[str, Any]) -> None:
    templates = [p for p in fn_props["Policies"] if isinstance(p, dict) and "S3CrudPolicy" in p]
    assert templates == [{"S3CrudPolicy": {"BucketName": {"Ref": "PixelPromptBucket"}}}]


# Fix 2: the IAM action is bedrock:InvokeModel; bedrock-runtime:* actions do not exist.
def test_bedrock_permission_uses_real_action(policy_statements: list[dict[str, Any]]) -> None:
    actions = [a for s in policy_statements for a in as_list(s["Action"])]
    assert not [a for a in actions if a.startswith("bedrock-runtime:")]
    bedrock = [s for s in policy_statements if "bedrock:InvokeModel" in as_list(s["Action"])]
    assert len(bedrock) == 1
    assert bedrock[0]["Effect"] == "Allow"


# Fix 3: async self-invocation without a circular reference.
def test_function_may_invoke_itself(
    policy_statements: list[dict[str, Any]], fn_props: dict[str, Any]
) -> None:
    invoke = [s for s in policy_statements if "lambda:InvokeFunction" in as_list(s["Action"])]
    assert len(invoke) == 1
    (resource,) = as_list(invoke[0]["Resource"])
    assert resource == {"Fn::Sub": SELF_ARN_SUB}
    # The ARN's function segment is exactly the function's explicit FunctionName.
    assert resource["Fn::Sub"].endswith(":function:" + fn_props["FunctionName"]["Fn::Sub"])


def test_worker_function_name_env_var(env_vars: dict[str, Any], fn_props: dict[str, Any]) -> None:
    assert env_vars["WORKER_FUNCTION_NAME"] == fn_props["FunctionName"]


def test_function_never_references_itself(fn_props: dict[str, Any]) -> None:
    assert FUNCTION not in references(fn_props)


# Fix 4: keys live in Secrets Manager, not in the (4 KB) Lambda environment.
def test_no_environment_variable_carries_a_model_key(env_vars: dict[str, Any]) -> None:
    referenced = references(env_vars)
    assert not [r for r in referenced if re.fullmatch(r"Model\d+Key", r)]
    assert not [name for name in env_vars if name.endswith("_KEY")]


def test_model_keys_secret_json(resources: dict[str, Any], params: dict[str, Any]) -> None:
    secret = resources["ModelKeysSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    text = secret["Properties"]["SecretString"]["Fn::Sub"]
    assert sub_variables(text) == {f"Model{i}Key" for i in MODEL_SLOTS}
    sample = {f"Model{i}Key": f"key-{i}" if i % 3 else "" for i in MODEL_SLOTS}
    assert json.loads(render_sub(text, sample)) == {
        str(i): sample[f"Model{i}Key"] for i in MODEL_SLOTS
    }


def test_model_key_pattern_keeps_secret_json_valid(params: dict[str, Any]) -> None:
    """Keys are spliced into JSON by Fn::Sub, so quotes and backslashes are rejected."""
    for i in MODEL_SLOTS:
        pattern = re.compile(params[f"Model{i}Key"]["AllowedPattern"])
        assert pattern.fullmatch("sk-proj-AbC_123.xyz/+=")
        assert pattern.fullmatch("N/A")
        assert pattern.fullmatch("")
        assert not pattern.fullmatch('abc"def')
        assert not pattern.fullmatch("abc\\def")


def test_model_keys_secret_fits_secrets_manager(
    resources: dict[str, Any], params: dict[str, Any]
) -> None:
    text = resources["ModelKeysSecret"]["Properties"]["SecretString"]["Fn::Sub"]
    worst = {f"Model{i}Key": "k" * int(params[f"Model{i}Key"]["MaxLength"]) for i in MODEL_SLOTS}
    assert len(render_sub(text, worst).encode()) < SECRET_STRING_LIMIT_BYTES


def test_secret_permission_is_scoped_to_the_secret(
    policy_statements: list[dict[str, Any]],
) -> None:
    reads = [
        s
        for s in policy_statements
        if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))
    ]
    assert len(reads) == 1
    assert as_list(reads[0]["Action"]) == ["secretsmanager:GetSecretValue"]
    assert as_list(reads[0]["Resource"]) == [{"Ref": "ModelKeysSecret"}]


def test_worst_case_environment_fits_lambda_limit(
    env_vars: dict[str, Any], params: dict[str, Any]
) -> None:
    """Every parameter at its MaxLength/MaxValue, AWS-generated values at realistic maxima.

    Lambda counts keys plus values; we add JSON punctuation on top as extra margin.
    """
    size = 2  # {}
    for name, value in env_vars.items():
        size += len(name) + worst_case_len(value, params) + len('"": "", ')
    assert size < LAMBDA_ENV_LIMIT_BYTES, size


def test_worst_case_calculation_is_not_vacuous(params: dict[str, Any]) -> None:
    assert worst_case_len({"Ref": "Model1Name"}, params) == 64
    assert worst_case_len({"Ref": "IPWhitelist"}, params) == 1000
    assert worst_case_len({"Ref": "GlobalRateLimit"}, params) >= 4
    assert worst_case_len({"Fn::Sub": SELF_NAME_SUB}, params) == 64


# --------------------------------------------------------------------------- outputs


def test_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert {"ApiEndpoint", "CloudFrontDomain", "S3BucketName"} <= set(outputs)
    assert "HttpApi" in references(outputs["ApiEndpoint"]["Value"])
    assert outputs["CloudFrontDomain"]["Value"] == {
        "Fn::GetAtt": ["CloudFrontDistribution", "DomainName"]
    }
    assert outputs["S3BucketName"]["Value"] == {"Ref": "PixelPromptBucket"}


def test_web_client_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["WebUrl"]["Value"] == {
        "Fn::Sub": "https://${CloudFrontDistribution.DomainName}/"
    }
    assert outputs["WebS3Uri"]["Value"] == {"Fn::Sub": "s3://${PixelPromptBucket}/" + WEB_PREFIX}
    assert outputs["CloudFrontDistributionId"]["Value"] == {"Ref": "CloudFrontDistribution"}


def test_deploy_web_script(template: dict[str, Any]) -> None:
    """scripts/deploy-web.sh parses, and reads only outputs the stack has (it never runs here:
    there is no AWS in the tests)."""
    text = DEPLOY_WEB_SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert DEPLOY_WEB_SCRIPT.stat().st_mode & 0o111, "the script must be executable"
    subprocess.run(["bash", "-n", str(DEPLOY_WEB_SCRIPT)], check=True)
    used = set(re.findall(r"\$\(output (\w+)\)", text))
    assert used == {"ApiEndpoint", "WebS3Uri", "CloudFrontDistributionId", "WebUrl"}
    assert used <= set(template["Outputs"])
    assert "max-age=31536000, immutable" in text
    assert "no-cache" in text


# --------------------------------------------------------------------------- config files


def test_parameters_example_matches_template(params: dict[str, Any]) -> None:
    example = json.loads(PARAMETERS_EXAMPLE_PATH.read_text())["Parameters"]
    assert set(example) <= set(params), set(example) - set(params)
    for i in MODEL_SLOTS:
        assert f"Model{i}Name" in example
        assert f"Model{i}Key" in example
    for name, value in example.items():
        spec = params[name]
        if spec["Type"] == "Number":
            assert spec["MinValue"] <= value <= spec["MaxValue"], name
        else:
            assert isinstance(value, str), name
            assert len(value) <= int(spec.get("MaxLength", 4096)), name
            if "AllowedPattern" in spec:
                assert re.fullmatch(spec["AllowedPattern"], value), name
            if "AllowedValues" in spec:
                assert value in spec["AllowedValues"], name
    assert example["Model3Key"] == "YOUR-GOOGLE-API-KEY"  # Gemini 3 Pro Image needs its own key
    assert example["Model6Key"] == "YOUR-STABILITY-KEY"  # Stable Image Ultra: the Stability API


def test_samconfig(params: dict[str, Any]) -> None:
    config = tomllib.loads(SAMCONFIG_PATH.read_text())
    assert config["version"] == 0.1
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["stack_name"] == "pixel-prompt"
    assert "CAPABILITY_IAM" in deploy["capabilities"].split()
    assert deploy["confirm_changeset"] is True
    assert deploy["resolve_s3"] is True
    assert "build" in config["default"]
    for env in ("staging", "prod"):
        env_deploy = config[env]["deploy"]["parameters"]
        assert env_deploy["stack_name"] == f"pixel-prompt-{env}"
        assert f'Environment="{env}"' in env_deploy["parameter_overrides"]
    for section in config.values():
        if not isinstance(section, dict):
            continue
        overrides = section.get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
        assert "Key=" not in overrides, "API keys must never be stored in samconfig.toml"
    # Stack names must leave room for "-pixel-prompt" within Lambda's 64-character limit.
    for section in config.values():
        if isinstance(section, dict) and "deploy" in section:
            assert (
                len(section["deploy"]["parameters"]["stack_name"]) <= PSEUDO_MAX["AWS::StackName"]
            )
