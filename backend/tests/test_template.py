"""Static tests for the SAM template and its deployment configuration files.

The template is parsed with cfn-lint's CloudFormation-aware YAML loader, which turns
short tags into their long form (``!Ref X`` -> ``{"Ref": "X"}``, ``!Sub s`` ->
``{"Fn::Sub": s}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import threading
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode import decode
from cfnlint.template.transforms._sam_globals import merge_globals
from moto import mock_aws

import config
from arena import PREFIX as ARENA_PREFIX
from bootstrap import build_app
from config import (
    MAX_MODELS,
    MODEL_OPTIONS,
    MODEL_VARIABLES,
    VARIABLES,
    WORKER_TIMEOUT_SECONDS,
    load_settings,
)
from jobs.idempotency import PREFIX as IDEMPOTENCY_PREFIX
from jobs.manager import job_key
from jobs.spend import PREFIX as SPEND_PREFIX
from models.registry import ModelRegistry
from utils.rate_limit import PREFIX as RATE_LIMIT_PREFIX
from utils.storage import IMAGE_PREFIX, INDEX_PREFIX

BACKEND = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = BACKEND / "template.yaml"
PARAMETERS_EXAMPLE_PATH = BACKEND / "parameters.example.json"
SAMCONFIG_PATH = BACKEND / "samconfig.toml"
DEPLOY_WEB_SCRIPT = BACKEND.parent / "scripts" / "deploy-web.sh"

FUNCTION = "PixelPromptFunction"  # the API function
WORKER = "WorkerFunction"
# config.py names the functions a variable is set on; these are their logical ids.
FUNCTIONS = {config.API: FUNCTION, config.WORKER: WORKER}
API_NAME_SUB = "${AWS::StackName}-pixel-prompt"
WORKER_NAME_SUB = "${AWS::StackName}-worker"
FUNCTION_ARN_SUB = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
# The one prefix the web client lives under: the bucket policy, the CloudFront origin path
# and the upload output must all agree on it.
WEB_PREFIX = "web/"
PRIVATE_PREFIXES = ("jobs/", "gallery-index/", "rate-limit/")
JOBS_PREFIX = job_key("x").split("x")[0]
# Every prefix the code stores objects under, from the code itself.
DATA_PREFIXES = {
    *(JOBS_PREFIX, IMAGE_PREFIX, INDEX_PREFIX, RATE_LIMIT_PREFIX, ARENA_PREFIX),
    *(SPEND_PREFIX, IDEMPOTENCY_PREFIX),
}
# AWS managed CloudFront policies (ids are fixed across accounts):
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
SIMPLE_CORS = "60669652-455b-4ae9-85a4-c4c02393f86c"
LAMBDA_ENV_LIMIT_BYTES = 4096
SECRET_STRING_LIMIT_BYTES = 65536
MODEL_SLOTS = range(1, MAX_MODELS + 1)
# Per-model settings a deployment puts in the environment: all but the key and the options,
# which travel in the secret.
MODEL_ENV_SUFFIXES = set(MODEL_VARIABLES) - {"KEY"} - set(MODEL_OPTIONS)


def expected_env_vars(role: str) -> set[str]:
    """The variables the template must set on a function, derived from config.py."""
    return {v.name for v in VARIABLES if role in v.deployed_on} | {
        config.model_variable(i, suffix) for i in MODEL_SLOTS for suffix in MODEL_ENV_SUFFIXES
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
    "AWS::StackId": len(
        "arn:aws-iso-b:cloudformation:ap-southeast-5:123456789012:stack/"
        + "x" * 51
        + "/51e2a3c0-8d4c-11ef-8c1d-0a1b2c3d4e5f"
    ),
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
    """The resources as SAM deploys them: the Globals merged in (with cfn-lint's own merge)."""
    merged = copy.deepcopy(template)
    merge_globals(merged)
    return merged["Resources"]


@pytest.fixture(scope="module")
def fn_props(resources: dict[str, Any]) -> dict[str, Any]:
    assert resources[FUNCTION]["Type"] == "AWS::Serverless::Function"
    return resources[FUNCTION]["Properties"]


@pytest.fixture(scope="module")
def worker_props(resources: dict[str, Any]) -> dict[str, Any]:
    assert resources[WORKER]["Type"] == "AWS::Serverless::Function"
    return resources[WORKER]["Properties"]


@pytest.fixture(scope="module")
def env_vars(fn_props: dict[str, Any]) -> dict[str, Any]:
    return fn_props["Environment"]["Variables"]


@pytest.fixture(scope="module")
def worker_env_vars(worker_props: dict[str, Any]) -> dict[str, Any]:
    return worker_props["Environment"]["Variables"]


def statements_of(props: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in props["Policies"]:
        assert isinstance(policy, dict) and "Statement" in policy, (
            "inline statements only: SAM policy templates (S3CrudPolicy...) grant too much"
        )
        statements.extend(policy["Statement"])
    return statements


@pytest.fixture(scope="module")
def policy_statements(fn_props: dict[str, Any]) -> list[dict[str, Any]]:
    return statements_of(fn_props)


@pytest.fixture(scope="module")
def worker_statements(worker_props: dict[str, Any]) -> list[dict[str, Any]]:
    return statements_of(worker_props)


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


def test_twenty_model_name_key_and_options_triples(params: dict[str, Any]) -> None:
    for i in MODEL_SLOTS:
        name, key, options = (
            params[f"Model{i}Name"],
            params[f"Model{i}Key"],
            params[f"Model{i}Options"],
        )
        assert name["Type"] == "String"
        assert 0 < int(name["MaxLength"]) <= 64
        assert len(name["Default"]) <= int(name["MaxLength"])
        assert key["Type"] == "String"
        assert key["NoEcho"] is True
        assert key["Default"] == ""
        assert options["Type"] == "String"
        assert options["Default"] == ""
        assert int(options["MaxLength"]) >= 512, "room for a long base URL and every option"


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
    assert params["ModelTimeoutSeconds"]["MaxValue"] < WORKER_TIMEOUT_SECONDS, (
        "must stay below the worker's timeout"
    )
    assert params["DailySpendLimitUsd"]["Default"] == "10"
    assert "empty" in params["DailySpendLimitUsd"]["Description"]


def test_daily_spend_limit_reaches_the_api_function(
    env_vars: dict[str, Any], params: dict[str, Any]
) -> None:
    import re

    assert env_vars["DAILY_SPEND_LIMIT_USD"] == {"Ref": "DailySpendLimitUsd"}
    allowed = re.compile(params["DailySpendLimitUsd"]["AllowedPattern"])
    for value, limit in (("10", 10.0), ("2.50", 2.5), ("", None)):
        assert allowed.fullmatch(value)
        assert load_settings({"DAILY_SPEND_LIMIT_USD": value}).daily_spend_limit_usd == limit
    assert not allowed.fullmatch("-1") and not allowed.fullmatch("ten")


def test_alarm_email_parameter_is_optional(params: dict[str, Any]) -> None:
    email = params["AlarmEmail"]
    assert email["Default"] == ""
    pattern = re.compile(email["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("ops@example.com")
    assert not pattern.fullmatch("not an address") and not pattern.fullmatch("a@b")


def test_parameter_groups_cover_every_parameter_once(
    template: dict[str, Any], params: dict[str, Any]
) -> None:
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert sorted(grouped) == sorted(params)
    assert len(grouped) == len(set(grouped))


# --------------------------------------------------------------------------- function


def test_every_function_is_built_by_the_makefile_that_compiles_it(
    resources: dict[str, Any],
) -> None:
    """sam build runs backend/Makefile (bytecode for Python 3.12) for every function; a
    function with SAM's default builder would ship .py files that compile at each cold start."""
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    assert functions
    for name, resource in functions.items():
        assert resource.get("Metadata", {}).get("BuildMethod") == "makefile", name
        assert resource["Properties"]["CodeUri"] == ".", name
    makefile = (TEMPLATE_PATH.parent / "Makefile").read_text()
    assert "build-%:" in makefile and "unchecked-hash" in makefile


def test_function_configuration(fn_props: dict[str, Any], worker_props: dict[str, Any]) -> None:
    assert fn_props["Handler"] == "lambda_function.lambda_handler"
    assert worker_props["Handler"] == "worker_function.lambda_handler"  # SDKs imported at init
    for props in (fn_props, worker_props):
        assert props["Runtime"] == "python3.12"
        assert props["CodeUri"] == "."  # backend/: the Makefile, requirements.txt, src/
        assert set(props["Tags"]) == {"Project", "Environment", "ManagedBy"}
    assert fn_props["FunctionName"] == {"Fn::Sub": API_NAME_SUB}
    assert worker_props["FunctionName"] == {"Fn::Sub": WORKER_NAME_SUB}
    # The API answers within API Gateway's 30 s; the worker runs every model of a job.
    assert fn_props["Timeout"] <= 30
    assert fn_props["MemorySize"] == 1024
    assert worker_props["MemorySize"] == 3008
    # GET /status reports a job failed once its worker cannot be running any more.
    assert worker_props["Timeout"] == WORKER_TIMEOUT_SECONDS


def test_function_names_fit_lambda(fn_props: dict[str, Any], worker_props: dict[str, Any]) -> None:
    for props in (fn_props, worker_props):
        name = render_sub(props["FunctionName"]["Fn::Sub"], {"AWS::StackName": "s" * 51})
        assert len(name) <= 64, name


def test_workers_cannot_take_the_apis_capacity(
    template: dict[str, Any],
    fn_props: dict[str, Any],
    worker_props: dict[str, Any],
    env_vars: dict[str, Any],
    params: dict[str, Any],
) -> None:
    """Jobs run in the worker function only, and the worker always has a reservation: Lambda
    never lets a function exceed its reserved concurrency nor lends it to another function, so
    however many jobs run, the API keeps its own reservation or the unreserved pool (which a
    function with a reservation cannot draw from).
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"""
    template_conditions = template["Conditions"]
    # The worker's reservation is unconditional and at least 1 for every allowed value.
    assert worker_props["ReservedConcurrentExecutions"] == {"Ref": "WorkerConcurrency"}
    assert params["WorkerConcurrency"]["MinValue"] >= 1
    # a local server runs as many jobs at once as the deployed worker does by default
    assert params["WorkerConcurrency"]["Default"] == config.load_settings({}).worker_concurrency
    # The API's reservation is its own parameter (or none), never the worker's.
    api = fn_props.get("ReservedConcurrentExecutions")
    assert api == {
        "Fn::If": [
            "HasApiReservedConcurrency",
            {"Ref": "ApiReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert "WorkerConcurrency" not in references(fn_props)
    assert template_conditions["HasApiReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ApiReservedConcurrency"}, "0"]}]
    }
    # Jobs are dispatched to the worker, and HTTP requests reach only the API function.
    assert env_vars["WORKER_FUNCTION_NAME"] == worker_props["FunctionName"]
    assert env_vars["WORKER_FUNCTION_NAME"] != fn_props["FunctionName"]
    assert "Events" not in worker_props
    assert {e["Type"] for e in fn_props["Events"].values()} == {"HttpApi"}


def test_async_worker_is_never_retried_and_failures_end_their_job(
    fn_props: dict[str, Any], worker_props: dict[str, Any], worker_statements: list[dict[str, Any]]
) -> None:
    invoke = worker_props["EventInvokeConfig"]
    assert invoke["MaximumRetryAttempts"] == 0
    assert invoke["MaximumEventAgeInSeconds"] <= WORKER_TIMEOUT_SECONDS
    # A failed (or expired) invocation goes to the API function, whose entry point ends the
    # job (tests/test_job_failure.py runs that path).
    on_failure = invoke["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "Lambda"
    assert on_failure["Destination"] == {"Fn::Sub": FUNCTION_ARN_SUB + API_NAME_SUB}
    assert on_failure["Destination"]["Fn::Sub"].endswith(fn_props["FunctionName"]["Fn::Sub"])
    grants = [s for s in worker_statements if "lambda:InvokeFunction" in as_list(s["Action"])]
    assert [as_list(s["Resource"]) for s in grants] == [[on_failure["Destination"]]]


def test_log_groups_match_function_names(
    resources: dict[str, Any], fn_props: dict[str, Any], worker_props: dict[str, Any]
) -> None:
    for props, group in ((fn_props, "FunctionLogGroup"), (worker_props, "WorkerLogGroup")):
        log_group = resources[group]
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == 7
        assert log_group["Properties"]["LogGroupName"] == {
            "Fn::Sub": "/aws/lambda/" + props["FunctionName"]["Fn::Sub"]
        }
        assert props["LoggingConfig"]["LogGroup"] == {"Ref": group}


def test_alarms_cover_both_functions_and_notify(resources: dict[str, Any]) -> None:
    alarms = {
        (r["Properties"]["Dimensions"][0]["Value"]["Ref"], r["Properties"]["MetricName"]): r[
            "Properties"
        ]
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert set(alarms) == {
        (FUNCTION, "Errors"),
        (WORKER, "Errors"),
        (WORKER, "Duration"),
        (WORKER, "Throttles"),
    }
    for alarm in alarms.values():
        assert alarm["Namespace"] == "AWS/Lambda"
        assert alarm["Dimensions"][0]["Name"] == "FunctionName"
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    # The duration alarm fires at 80% of the worker's timeout.
    assert alarms[(WORKER, "Duration")]["Threshold"] == WORKER_TIMEOUT_SECONDS * 1000 * 0.8
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


def test_environment_variable_names(
    env_vars: dict[str, Any], worker_env_vars: dict[str, Any]
) -> None:
    """Exactly what config.py says each function reads: nothing set that nobody reads, nothing
    read that no deployment could set."""
    assert set(env_vars) == expected_env_vars(config.API)
    assert set(worker_env_vars) == expected_env_vars(config.WORKER)
    assert set(FUNCTIONS) == {role for v in VARIABLES for role in v.deployed_on}


def test_expected_names_are_not_vacuous() -> None:
    api = expected_env_vars(config.API)
    assert {"MODEL_1_NAME", "MODEL_20_NAME", "S3_BUCKET", "WORKER_FUNCTION_NAME"} <= api
    assert not {"MODEL_1_KEY", "MODEL_1_REGION", "DATA_DIR", "ENVIRONMENT"} & api
    assert "WORKER_FUNCTION_NAME" not in expected_env_vars(config.WORKER)


def test_environment_variable_sources(env_vars: dict[str, Any]) -> None:
    assert env_vars["MODEL_COUNT"] == {"Ref": "ModelCount"}
    for i in MODEL_SLOTS:
        assert env_vars[f"MODEL_{i}_NAME"] == {"Ref": f"Model{i}Name"}
    assert env_vars["PROMPT_MODEL_INDEX"] == {"Ref": "PromptModelIndex"}
    assert env_vars["GLOBAL_LIMIT"] == {"Ref": "GlobalRateLimit"}
    assert env_vars["IP_LIMIT"] == {"Ref": "IPRateLimit"}
    assert env_vars["IP_INCLUDE"] == {"Ref": "IPWhitelist"}
    assert env_vars["MODEL_TIMEOUT_SECONDS"] == {"Ref": "ModelTimeoutSeconds"}
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
    assert set(cors["AllowHeaders"]) == {
        "Content-Type",
        "Authorization",
        "X-Requested-With",
        "Idempotency-Key",
    }
    assert set(cors["ExposeHeaders"]) == {"X-Request-Id", "Retry-After"}
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": 100,
        "ThrottlingRateLimit": 50,
    }


def test_http_api_access_logs(resources: dict[str, Any]) -> None:
    settings = resources["HttpApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    log_group = resources["ApiAccessLogGroup"]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 7
    # One JSON object per request (the folded scalar is one line), with the request id API
    # Gateway requires and what tells a gateway error from the function's own answer.
    line = json.loads(settings["Format"])
    assert line["requestId"] == "$context.requestId"
    assert {"$context.status", "$context.integrationErrorMessage", "$context.routeKey"} <= set(
        line.values()
    )
    assert "$context.identity.sourceIp" not in settings["Format"]


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
    assert expiry == {
        "group-images/": 30,
        "jobs/": 30,
        "gallery-index/": 30,
        "rate-limit/": 2,
        "spend/": 3,
        "idempotency/": 2,
    }
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
    config_ = distribution_config(resources)
    assert config_["PriceClass"] == "PriceClass_100"
    assert len(config_["Origins"]) == 2
    for origin in config_["Origins"]:
        # Both origins are the stack's own bucket, reached through the one OAC.
        assert origin["DomainName"] == {"Fn::GetAtt": ["PixelPromptBucket", "RegionalDomainName"]}
        assert origin["OriginAccessControlId"] == {
            "Fn::GetAtt": ["CloudFrontOriginAccessControl", "Id"]
        }
        # An OAC origin keeps an empty S3OriginConfig.OriginAccessIdentity.
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behaviors = [config_["DefaultCacheBehavior"], *config_["CacheBehaviors"]]
    for behavior in behaviors:
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["Compress"] is True
        assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
        assert "POST" not in behavior["AllowedMethods"]


def test_origin_access_control_replaces_the_legacy_identity(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    """The legacy origin access identity does not work in opt-in regions launched after 2022.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html"""
    types = {r["Type"] for r in resources.values()}
    assert "AWS::CloudFront::CloudFrontOriginAccessIdentity" not in types
    assert "origin-access-identity" not in json.dumps(template)
    oac = resources["CloudFrontOriginAccessControl"]
    assert oac["Type"] == "AWS::CloudFront::OriginAccessControl"
    settings = oac["Properties"]["OriginAccessControlConfig"]
    assert settings["OriginAccessControlOriginType"] == "s3"
    assert settings["SigningBehavior"] == "always"
    assert settings["SigningProtocol"] == "sigv4"
    # Names are unique per account: the stack name and the first group of its id's UUID.
    separator, (stack, suffix) = settings["Name"]["Fn::Join"]
    assert stack == {"Ref": "AWS::StackName"}
    assert separator == "-" and "AWS::StackId" in references(suffix)
    assert PSEUDO_MAX["AWS::StackName"] + 1 + len("51e2a3c0") <= 64


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
    # CloudFront's service principal, for this stack's distribution only.
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
                "${CloudFrontDistribution}"
            }
        }
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

BUCKET_ARN = {"Fn::GetAtt": ["PixelPromptBucket", "Arn"]}


class RecordingStore:
    """A function's view of the bucket that notes the IAM action each call needs, by the
    key's top-level prefix (``*``: the bucket, which listing needs)."""

    def __init__(self, store: Any, use: dict[str, set[str]]) -> None:
        self._store, self._use = store, use

    def _note(self, action: str, key: str) -> None:
        self._use.setdefault(action, set()).add(key.split("/", 1)[0] + "/" if key else "*")

    def get(self, key: str) -> Any:
        self._note("s3:GetObject", key)
        return self._store.get(key)

    def put(self, key: str, data: bytes, content_type: str, **conditions: Any) -> str:
        self._note("s3:PutObject", key)
        return self._store.put(key, data, content_type, **conditions)

    def list(self, prefix: str, **options: Any) -> Any:
        self._note("s3:ListBucket", "")
        return self._store.list(prefix, **options)


@pytest.fixture(scope="module")
def s3_use() -> dict[str, dict[str, set[str]]]:
    """What each function does with the bucket, recorded while its code runs every flow it
    serves (not a list kept by hand, which once missed the spend ledger and the idempotency
    records): IAM action -> top-level prefixes, per function.

    The API function: every route, a replayed Idempotency-Key, a cancelled job, a job whose
    worker died after one image (the status poll ends it, settles it and records its gallery
    entry) and a failed worker invocation's destination record. The worker function: a job,
    start to end, and the late writes of the one that died."""
    from datetime import UTC, datetime, timedelta

    import bootstrap
    import lambda_function
    from jobs.dispatch import LambdaDispatcher
    from models.types import GeneratedImage
    from testkit.dispatch import FakeLambda
    from testkit.events import http_event
    from testkit.fakes.server import png_bytes
    from testkit.stores import FreezingStore

    use: dict[str, dict[str, set[str]]] = {FUNCTION: {}, WORKER: {}}

    now = [datetime(2026, 11, 30, 12, 0, tzinfo=UTC)]
    environ = {
        **{"AWS_DEFAULT_REGION": "us-east-1", "S3_BUCKET": "test-bucket", "MODEL_COUNT": "2"},
        **{"MODEL_1_NAME": "Local One", "MODEL_1_PROVIDER": "local", "MODEL_1_PRICE_USD": "0.01"},
        **{"MODEL_2_NAME": "Local Two", "MODEL_2_PROVIDER": "local", "MODEL_2_MODEL_ID": "two"},
        **{"PROMPT_MODEL_INDEX": "1", "DAILY_SPEND_LIMIT_USD": "10"},
    }
    stalled: list[str] = []

    def one_image_persisted(key: str, data: bytes) -> bool:
        return key == job_key(stalled[0]) and data.count(b'"status": "completed"') == 1

    def built(function: str, freezing: bool = False, **options: Any) -> Any:
        real = bootstrap.build_store
        stores: list[Any] = []

        def recording(settings: Any) -> Any:
            store: Any = RecordingStore(real(settings), use[function])
            if freezing:
                store = FreezingStore(store, one_image_persisted)
            stores.append(store)
            return store

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bootstrap, "build_store", recording)
            service = bootstrap.build_service(environ, clock=lambda: now[0], **options)
        return service, stores[0]

    def first_image_only(model: Any, prompt: str, params: Any) -> GeneratedImage:
        if model.index != 1:
            dying_store.frozen.wait(30)  # still generating when its container is gone
        return GeneratedImage(png_bytes(), "image/png")

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="test-bucket")
        api = built(FUNCTION, dispatcher=LambdaDispatcher(FakeLambda(), "worker"))[0].app
        worker = built(WORKER)[0].worker
        dying, dying_store = built(WORKER, freezing=True, handler_for=lambda _: first_image_only)

        def call(method: str, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
            answer = api.handle_http(http_event(method, path, body, **kwargs))
            assert answer["statusCode"] < 300, (method, path, answer)
            return json.loads(answer["body"]) if answer.get("body") else {}

        def generate(key: str) -> str:
            body = {"prompt": "a lighthouse at dusk"}
            return call("POST", "/generate", body, headers={"Idempotency-Key": key})["jobId"]

        job_id = generate("one")
        call("GET", f"/status/{job_id}")
        worker.run(job_id)
        now[0] += timedelta(seconds=1)
        worker.run(generate("two"))  # newer: its gallery entry copies the one after it
        target = call("GET", "/gallery")["galleries"][0]["target"]
        call("GET", f"/gallery/{target}")
        first, second = (run["index"] for run in call("GET", f"/status/{job_id}")["results"])
        call("POST", "/votes", {"jobId": job_id, "winner": first, "loser": second})
        for path in ("/leaderboard", "/usage", "/models"):
            call("GET", path)
        call("POST", "/enhance", {"prompt": "a cat"})
        assert generate("one") == job_id  # a replay reads its record
        call("POST", f"/jobs/{generate('three')}/cancel")
        stalled.append(generate("four"))
        running = threading.Thread(target=dying.worker.run, args=(stalled[0],))
        running.start()
        assert dying_store.frozen.wait(30), "the worker never stored its first image"
        now[0] += timedelta(hours=1)
        assert call("GET", f"/status/{stalled[0]}")["status"] == "partial"
        dying_store.thawed.set()
        running.join(30)
        failed = {
            "requestPayload": {"action": "run_job", "jobId": generate("five")},
            "requestContext": {"condition": "RetriesExhausted"},
            "responsePayload": {"errorType": "Runtime.ExitError"},
        }
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(lambda_function, "_service", type("Service", (), {"app": api}))
            assert lambda_function.lambda_handler(failed, None)["status"] == "failed"
    return use


def s3_grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Action -> object prefixes granted (``*`` for the bucket itself)."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            if not action.startswith("s3:"):
                continue
            for resource in as_list(statement["Resource"]):
                if resource == BUCKET_ARN:
                    grants.setdefault(action, set()).add("*")
                    continue
                text = resource["Fn::Sub"]
                assert text.startswith("${PixelPromptBucket.Arn}/") and text.endswith("/*"), text
                grants.setdefault(action, set()).add(text.split("/", 1)[1].removesuffix("*"))
    return grants


@pytest.mark.parametrize("function", [FUNCTION, WORKER])
def test_s3_rights_are_the_prefixes_and_actions_the_code_uses(
    resources: dict[str, Any], function: str, s3_use: dict[str, dict[str, set[str]]]
) -> None:
    """No SAM policy template (S3CrudPolicy allowed deleting the web client and changing the
    bucket's ACLs and lifecycle): each function may read and write exactly the prefixes its
    code was seen reading and writing, and list the bucket (so a missing key is NoSuchKey,
    not AccessDenied). A right the code lacks would be an AccessDenied in production, which
    no local test meets; a right the code does not use is one too many."""
    grants = s3_grants(statements_of(resources[function]["Properties"]))
    assert grants == s3_use[function], (sorted(grants.items()), sorted(s3_use[function].items()))
    for prefix in set().union(*grants.values()):
        assert prefix == "*" or prefix in DATA_PREFIXES
        assert prefix != WEB_PREFIX


def test_s3_matcher_is_not_vacuous() -> None:
    crud = [
        {
            "Effect": "Allow",
            "Action": ["s3:DeleteObject"],
            "Resource": [{"Fn::Sub": "${PixelPromptBucket.Arn}/*"}],
        }
    ]
    assert s3_grants(crud) == {"s3:DeleteObject": {""}}
    assert {
        *("jobs/", "group-images/", "gallery-index/", "rate-limit/", "arena/"),
        *("spend/", "idempotency/"),
    } == DATA_PREFIXES


def test_no_statement_grants_wildcard_actions(resources: dict[str, Any]) -> None:
    for function in (FUNCTION, WORKER):
        for statement in statements_of(resources[function]["Properties"]):
            for action in as_list(statement["Action"]):
                assert "*" not in action, (function, action)


# Fix 2: the IAM action is bedrock:InvokeModel; bedrock-runtime:* actions do not exist.
def test_bedrock_permission_is_scoped_to_foundation_models(
    policy_statements: list[dict[str, Any]], worker_statements: list[dict[str, Any]]
) -> None:
    actions = [a for s in policy_statements + worker_statements for a in as_list(s["Action"])]
    assert not [a for a in actions if a.startswith("bedrock-runtime:")]
    # Only the worker calls image models; the API's text models are never Bedrock.
    assert not [
        s for s in policy_statements if any(a.startswith("bedrock") for a in as_list(s["Action"]))
    ]
    bedrock = [s for s in worker_statements if "bedrock:InvokeModel" in as_list(s["Action"])]
    assert len(bedrock) == 1
    assert bedrock[0]["Effect"] == "Allow"
    assert as_list(bedrock[0]["Action"]) == ["bedrock:InvokeModel"]
    # Any region (MODEL_N_REGION chooses), foundation models only: no inference profiles.
    assert as_list(bedrock[0]["Resource"]) == [
        {"Fn::Sub": "arn:${AWS::Partition}:bedrock:*::foundation-model/*"}
    ]


# Fix 3: the API invokes the worker without a circular reference.
def test_api_may_invoke_the_worker_only(
    policy_statements: list[dict[str, Any]], worker_props: dict[str, Any]
) -> None:
    invoke = [s for s in policy_statements if "lambda:InvokeFunction" in as_list(s["Action"])]
    assert len(invoke) == 1
    (resource,) = as_list(invoke[0]["Resource"])
    assert resource == {"Fn::Sub": FUNCTION_ARN_SUB + WORKER_NAME_SUB}
    # The ARN's function segment is exactly the worker's explicit FunctionName.
    assert resource["Fn::Sub"].endswith(":function:" + worker_props["FunctionName"]["Fn::Sub"])


def test_worker_function_name_env_var(
    env_vars: dict[str, Any], worker_props: dict[str, Any]
) -> None:
    assert env_vars["WORKER_FUNCTION_NAME"] == worker_props["FunctionName"]


def test_functions_never_reference_each_other(
    fn_props: dict[str, Any], worker_props: dict[str, Any], resources: dict[str, Any]
) -> None:
    """Names and ARNs are built with !Sub: a Ref/GetAtt either way would close a cycle."""
    for props in (fn_props, worker_props):
        assert not {FUNCTION, WORKER} & references(props)
    assert resources[WORKER]["DependsOn"] == FUNCTION


# Fix 4: keys and options live in Secrets Manager, not in the (4 KB) Lambda environment.
def test_no_environment_variable_carries_a_model_key_or_option(
    env_vars: dict[str, Any], worker_env_vars: dict[str, Any]
) -> None:
    for variables in (env_vars, worker_env_vars):
        referenced = references(variables)
        assert not [r for r in referenced if re.fullmatch(r"Model\d+(Key|Options)", r)]
        assert not [name for name in variables if name.endswith("_KEY")]


def secret_text(resources: dict[str, Any]) -> str:
    """The secret's JSON before Secrets Manager adds the generated ``rateLimitKey``."""
    generated = resources["ModelKeysSecret"]["Properties"]["GenerateSecretString"]
    return generated["SecretStringTemplate"]["Fn::Sub"]


def test_the_rate_limit_key_is_generated_into_the_secret(resources: dict[str, Any]) -> None:
    generated = resources["ModelKeysSecret"]["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "rateLimitKey"
    assert generated["PasswordLength"] >= 32
    empty = {name: "" for name in sub_variables(secret_text(resources))}
    document = json.loads(render_sub(secret_text(resources), empty))
    document["rateLimitKey"] = "g" * generated["PasswordLength"]  # what Secrets Manager adds
    settings = load_settings({"MODEL_COUNT": "1", "MODEL_1_NAME": "GPT Image 2"}, document)
    assert settings.rate_limit_key == document["rateLimitKey"]


def test_model_keys_secret_json(resources: dict[str, Any]) -> None:
    secret = resources["ModelKeysSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    text = secret_text(resources)
    assert sub_variables(text) == {
        f"Model{i}{kind}" for i in MODEL_SLOTS for kind in ("Key", "Options")
    }
    sample = {f"Model{i}Key": f"key-{i}" if i % 3 else "" for i in MODEL_SLOTS}
    sample |= {f"Model{i}Options": f"region=r-{i}" if i % 2 else "" for i in MODEL_SLOTS}
    document = json.loads(render_sub(text, sample))
    assert document == {
        "keys": {str(i): sample[f"Model{i}Key"] for i in MODEL_SLOTS},
        "options": {str(i): sample[f"Model{i}Options"] for i in MODEL_SLOTS},
    }
    keys, options = config.parse_secret(document)
    assert keys == {str(i): f"key-{i}" for i in MODEL_SLOTS if i % 3}
    assert options == {str(i): f"region=r-{i}" for i in MODEL_SLOTS if i % 2}


def test_model_key_and_options_pattern_keeps_secret_json_valid(params: dict[str, Any]) -> None:
    """Keys and options are spliced into JSON by Fn::Sub, so quotes and backslashes are rejected."""
    for i in MODEL_SLOTS:
        for kind in ("Key", "Options"):
            pattern = re.compile(params[f"Model{i}{kind}"]["AllowedPattern"])
            assert pattern.fullmatch("sk-proj-AbC_123.xyz/+=")
            assert pattern.fullmatch("N/A")
            assert pattern.fullmatch("")
            assert pattern.fullmatch("provider=generic; base_url=https://gw.example/v1?a=b&c=d")
            assert not pattern.fullmatch('abc"def')
            assert not pattern.fullmatch("abc\\def")


def test_model_keys_secret_fits_secrets_manager(
    resources: dict[str, Any], params: dict[str, Any]
) -> None:
    worst = {
        f"Model{i}{kind}": "k" * int(params[f"Model{i}{kind}"]["MaxLength"])
        for i in MODEL_SLOTS
        for kind in ("Key", "Options")
    }
    generated = resources["ModelKeysSecret"]["Properties"]["GenerateSecretString"]
    rate_limit_key = f', "rateLimitKey": "{"g" * generated["PasswordLength"]}"'
    rendered = render_sub(secret_text(resources), worst) + rate_limit_key
    assert len(rendered.encode()) < SECRET_STRING_LIMIT_BYTES


@pytest.mark.parametrize("function", [FUNCTION, WORKER])
def test_secret_permission_is_scoped_to_the_secret(
    resources: dict[str, Any], function: str
) -> None:
    reads = [
        s
        for s in statements_of(resources[function]["Properties"])
        if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))
    ]
    assert len(reads) == 1
    assert as_list(reads[0]["Action"]) == ["secretsmanager:GetSecretValue"]
    assert as_list(reads[0]["Resource"]) == [{"Ref": "ModelKeysSecret"}]


def environment_size(variables: dict[str, Any], params: dict[str, Any]) -> int:
    """Worst case: every parameter at its MaxLength/MaxValue, AWS-generated values at realistic
    maxima. Lambda counts keys plus values; JSON punctuation is added on top as extra margin."""
    size = 2  # {}
    for name, value in variables.items():
        size += len(name) + worst_case_len(value, params) + len('"": "", ')
    return size


def test_worst_case_environment_fits_lambda_limit(
    env_vars: dict[str, Any], worker_env_vars: dict[str, Any], params: dict[str, Any]
) -> None:
    for variables in (env_vars, worker_env_vars):
        assert environment_size(variables, params) < LAMBDA_ENV_LIMIT_BYTES


def test_worst_case_calculation_is_not_vacuous(params: dict[str, Any]) -> None:
    assert worst_case_len({"Ref": "Model1Name"}, params) == 64
    assert worst_case_len({"Ref": "IPWhitelist"}, params) == 1000
    assert worst_case_len({"Ref": "GlobalRateLimit"}, params) >= 4
    assert worst_case_len({"Fn::Sub": API_NAME_SUB}, params) == 64
    assert environment_size({"X": {"Ref": "Model1Options"}}, params) > 1024


# --------------------------------------------------------------------------- a full deployment

# A 20-model deployment with every per-model setting used, every value at its longest.
FAKE_AWS_VALUES = {
    ("Ref", "PixelPromptBucket"): "b" * AWS_GENERATED_MAX[("Ref", "PixelPromptBucket")],
    ("Fn::GetAtt", "CloudFrontDistribution.DomainName"): "d111111abcdef8.cloudfront.net".rjust(
        AWS_GENERATED_MAX[("Fn::GetAtt", "CloudFrontDistribution.DomainName")], "d"
    ),
    ("Ref", "ModelKeysSecret"): "arn:aws:secretsmanager:us-east-1:123456789012:secret:".ljust(
        AWS_GENERATED_MAX[("Ref", "ModelKeysSecret")], "s"
    ),
    ("Ref", "AWS::StackName"): "s" * PSEUDO_MAX["AWS::StackName"],
}


def padded(text: str, length: int, fill: str) -> str:
    assert len(text) <= length
    return text + fill * (length - len(text))


def full_deployment(params: dict[str, Any]) -> dict[str, str]:
    """Parameter values: 20 models, each with a name, a key and every option, at MaxLength."""
    values: dict[str, str] = {}
    for name, spec in params.items():
        if spec["Type"] == "Number":
            values[name] = str(spec["MaxValue"])
        elif "AllowedValues" in spec:
            values[name] = max(spec["AllowedValues"], key=len)
    values["AlarmEmail"] = "ops@example.com"
    addresses = [f"198.51.{i // 250}.{i % 250}" for i in range(1000)]
    while len(",".join(addresses)) > int(params["IPWhitelist"]["MaxLength"]):
        addresses.pop()
    # Spaces around an address are ignored: they fill the parameter to its MaxLength exactly.
    spare = int(params["IPWhitelist"]["MaxLength"]) - len(",".join(addresses))
    addresses[-1] = " " * spare + addresses[-1]
    values["IPWhitelist"] = ",".join(addresses)
    values["ModelCount"] = str(MAX_MODELS)
    values["DailySpendLimitUsd"] = "999999.99"  # the longest amount its pattern allows
    for i in MODEL_SLOTS:
        values[f"Model{i}Name"] = padded(
            f"Model {i} ", int(params[f"Model{i}Name"]["MaxLength"]), "n"
        )
        values[f"Model{i}Key"] = padded(f"sk-{i}-", int(params[f"Model{i}Key"]["MaxLength"]), "k")
        options = (
            f"provider=generic; model_id=model-{i}; region=eu-central-{i}; "
            f"base_url=https://gateway-{i}.example/v1/"
        )
        values[f"Model{i}Options"] = padded(
            options, int(params[f"Model{i}Options"]["MaxLength"]), "p"
        )
    return values


def resolve(value: Any, values: dict[str, str]) -> str:
    """A deployed value: parameters from ``values``, AWS-generated ones from FAKE_AWS_VALUES."""
    if isinstance(value, (str, int, float)):
        return str(value)
    ((fn, arg),) = value.items()
    if fn == "Ref":
        return values[arg] if arg in values else FAKE_AWS_VALUES[("Ref", arg)]
    if fn == "Fn::GetAtt":
        return FAKE_AWS_VALUES[("Fn::GetAtt", ".".join(arg) if isinstance(arg, list) else arg)]
    if fn == "Fn::Sub":
        return re.sub(
            r"\$\{([^}]*)\}",
            lambda m: resolve(
                {"Fn::GetAtt": m.group(1)} if "." in m.group(1) else {"Ref": m.group(1)}, values
            ),
            arg,
        )
    raise AssertionError(f"unsupported intrinsic in environment: {fn}")


@pytest.mark.parametrize("function", [FUNCTION, WORKER])
def test_a_twenty_model_deployment_with_every_option_loads_through_config(
    resources: dict[str, Any], params: dict[str, Any], function: str
) -> None:
    """Render what the function receives (its environment and the secret) and load it the
    way bootstrap does: every per-model setting arrives, and the environment fits 4 KB."""
    values = full_deployment(params)
    variables = resources[function]["Properties"]["Environment"]["Variables"]
    environ = {name: resolve(value, values) for name, value in variables.items()}
    size = sum(len(name.encode()) + len(value.encode()) for name, value in environ.items())
    assert size < LAMBDA_ENV_LIMIT_BYTES, size
    secret = json.loads(render_sub(secret_text(resources), values))

    settings = load_settings(environ, secret)

    assert settings.warnings == ()
    assert [m.index for m in settings.models] == list(MODEL_SLOTS)
    for model in settings.models:
        i = model.index
        assert model.name == values[f"Model{i}Name"]
        assert model.key == values[f"Model{i}Key"]
        assert model.provider == "generic"
        assert model.model_id == f"model-{i}"
        assert model.region == f"eu-central-{i}"
        assert model.base_url == values[f"Model{i}Options"].split("base_url=")[1]
        assert model.base_url.startswith(f"https://gateway-{i}.example/v1/")
    assert settings.s3_bucket == FAKE_AWS_VALUES[("Ref", "PixelPromptBucket")]
    if function == FUNCTION:
        assert settings.daily_spend_limit_usd == 999999.99
    assert len(environ["IP_INCLUDE"]) == params["IPWhitelist"]["MaxLength"]
    assert len(settings.ip_include) == environ["IP_INCLUDE"].count(",") + 1
    expected_worker = resolve({"Fn::Sub": WORKER_NAME_SUB}, values)
    assert settings.worker_function_name == (expected_worker if function == FUNCTION else None)


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
        assert f"Model{i}Options" in example
    for name in ("WorkerConcurrency", "ApiReservedConcurrency", "AlarmEmail"):
        assert name in example
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


def test_deployment_guide_documents_every_parameter(params: dict[str, Any]) -> None:
    guide = (BACKEND / "DEPLOYMENT.md").read_text()
    for name in params:
        documented = re.sub(r"^Model\d+", "Model1", name)
        assert f"`{documented}`" in guide, name


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
