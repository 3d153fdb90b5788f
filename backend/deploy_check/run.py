"""``make deploy-check``: deploy the real template to a local AWS emulator and use it.

Nothing else proves that the template's parameters, conditions and intrinsic functions
resolve into resources that work together: that the built artifact imports and answers inside
a Lambda service, that ``POST /generate`` reaches the worker through the asynchronous
invocation, and that the images land in the bucket the outputs name. Every step is named; the
first that fails is printed and the command exits 1, after tearing everything down.

The emulator is MiniStack (its own virtualenv, ``deploy_check/requirements-emulator.txt``), on
a free port of 127.0.0.1, with its state in a temporary folder. The SAM CLI lives in another
virtualenv. This script runs in the project's test virtualenv (boto3, and the fake provider
servers of ``testkit``), from ``backend/``::

    python -m deploy_check --sam PATH/TO/sam --emulator PATH/TO/ministack [--template FILE]

MiniStack does not create the routes of an HTTP API from its OpenAPI body (SAM's implicit
``HttpApi`` events), so the requests are made through the Lambda API with API Gateway
payload-2.0 events built as API Gateway builds them (``testkit.events``), each sent to the
function the template attaches to that route. The output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import boto3
import yaml  # type: ignore[import-untyped]

from testkit.events import http_event

BACKEND = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
ENVIRONMENT_LIMIT = 4096  # Lambda: all keys and values of the environment together
NAME_LIMIT = 64  # the template's MaxLength on Model<N>Name
CLIENT_IP = "203.0.113.7"


class StepFailed(Exception):
    """One check did not hold; the message says what was seen."""


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------- processes and ports
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(command: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 600) -> str:
    """Run a CLI step; on failure its output becomes the step's error."""
    result = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        tail = "\n".join(line for line in output.splitlines() if "WARNING: Location" not in line)
        raise StepFailed(f"{' '.join(command[:3])} exited {result.returncode}:\n{tail[-4000:]}")
    return output


@contextmanager
def emulator(ministack: str, workdir: Path) -> Iterator[str]:
    """MiniStack on a free loopback port, its state under ``workdir``; yields its URL."""
    port = free_port()
    env = {
        **_plain_environment(),
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_HOST": "127.0.0.1",
        "MINISTACK_REGION": REGION,
        "S3_DATA_DIR": str(workdir / "s3"),
        "STATE_DIR": str(workdir / "state"),
        "TMPDIR": str(workdir / "tmp"),
    }
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    logfile = open(workdir / "emulator.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [ministack], env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise StepFailed(f"the emulator exited {process.returncode}; see its log")
            try:
                urllib.request.urlopen(f"{url}/_ministack/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise StepFailed("the emulator did not answer within 60 s") from None
                time.sleep(0.3)
        yield url
    finally:
        # Its Lambda workers are children in its session: end the whole group.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        logfile.close()


@contextmanager
def fake_providers() -> Iterator[dict[str, str]]:
    """The project's fake provider servers on 127.0.0.1 (``bench.providers``), URLs by kind."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.providers", "0"],
        cwd=BACKEND,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        if process.stdin:
            process.stdin.close()
        process.wait(timeout=10)


def _plain_environment() -> dict[str, str]:
    """This environment without anything that could point a tool at a real AWS account."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "SAM_", "MODEL_")) and k not in {"VIRTUAL_ENV"}
    }
    env.update(
        AWS_ACCESS_KEY_ID="deploycheck",
        AWS_SECRET_ACCESS_KEY="deploycheck",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        SAM_CLI_TELEMETRY="0",
    )
    return env


# ---------------------------------------------------------------- the template
def load_template(path: Path) -> dict[str, Any]:
    """The template as data; CloudFormation's short tags (!Ref, !Sub, ...) become plain dicts."""

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return {suffix: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {suffix: loader.construct_sequence(node, deep=True)}
        return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", any_tag)
    return yaml.load(path.read_text(), Loader=Loader)  # a SafeLoader subclass


def routes(template: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(method, path) -> logical id of the function the template attaches to that route."""
    table: dict[tuple[str, str], str] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                props = event.get("Properties", {})
                table[(props["Method"].upper(), props["Path"])] = logical_id
    return table


def parameter_overrides(
    template: dict[str, Any], spec: dict[str, Any], urls: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The parameters to deploy with, and notes on what this template could not take.

    Slots from ``FillerModels.FirstIndex`` to ``ModelCount`` get local preview models whose
    names are as long as the template allows, so the environment is at its largest. A model
    with per-model options is deployed only when the template has a way to take them (a
    ``Model<N>Options`` parameter); otherwise it is replaced by a local model, since without
    its base URL it would call the real provider.
    """
    declared = template.get("Parameters", {})
    values: dict[str, Any] = dict(spec["Parameters"])
    notes: list[str] = []
    count = int(values["ModelCount"])
    filler = spec["FillerModels"]
    for index in range(int(filler["FirstIndex"]), count + 1):
        values[f"Model{index}Name"] = _longest(filler["Name"].format(index=index))
        values[f"Model{index}Key"] = "N/A"
    for index, options in spec.get("ModelOptions", {}).items():
        rendered = {k: str(v).format(**urls) for k, v in options.items()}
        if f"Model{index}Options" in declared:
            # The template's options syntax: "provider=generic; base_url=...; model_id=...".
            values[f"Model{index}Options"] = "; ".join(f"{k}={v}" for k, v in rendered.items())
        else:
            notes.append(
                f"model {index} ({values[f'Model{index}Name']}) needs per-model options that "
                "this template cannot take; a local preview model stands in for it"
            )
            values[f"Model{index}Name"] = _longest(filler["Name"].format(index=int(index)))
            values[f"Model{index}Key"] = "N/A"
    unknown = sorted(set(values) - set(declared))
    if unknown:
        notes.append(f"parameters this template does not declare, left out: {unknown}")
    return {k: str(v) for k, v in values.items() if k in declared}, notes


def _longest(name: str) -> str:
    padded = (name + " " + "x" * NAME_LIMIT)[:NAME_LIMIT]
    return padded


# ---------------------------------------------------------------- the deployed stack
class Stack:
    """The deployed stack's resources and clients pointed at the emulator."""

    def __init__(self, endpoint: str, name: str) -> None:
        self.name = name
        session = boto3.session.Session(
            aws_access_key_id="deploycheck", aws_secret_access_key="deploycheck"
        )

        def client(service: str) -> Any:
            return session.client(service, region_name=REGION, endpoint_url=endpoint)

        self.client = client
        self.cloudformation = client("cloudformation")
        self.lambda_ = client("lambda")
        self.s3 = client("s3")

    def resources(self) -> dict[str, dict[str, str]]:
        pages = self.cloudformation.get_paginator("list_stack_resources").paginate(
            StackName=self.name
        )
        return {r["LogicalResourceId"]: r for page in pages for r in page["StackResourceSummaries"]}

    def outputs(self) -> dict[str, str]:
        stack = self.cloudformation.describe_stacks(StackName=self.name)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        answer = self.lambda_.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        payload = json.loads(answer["Payload"].read() or b"null")
        if answer.get("FunctionError"):
            raise StepFailed(f"{function} raised: {json.dumps(payload)[:1500]}")
        return payload


def _exists(stack: Stack, resource_type: str, physical_id: str) -> bool:
    """Ask the resource's own service whether it exists (not CloudFormation's bookkeeping)."""
    calls: dict[str, Callable[[], object]] = {
        "AWS::S3::Bucket": lambda: stack.s3.head_bucket(Bucket=physical_id),
        "AWS::Lambda::Function": lambda: stack.lambda_.get_function(FunctionName=physical_id),
        "AWS::CloudFront::Distribution": lambda: stack.client("cloudfront").get_distribution(
            Id=physical_id
        ),
        "AWS::SecretsManager::Secret": lambda: stack.client("secretsmanager").describe_secret(
            SecretId=physical_id
        ),
        "AWS::ApiGatewayV2::Api": lambda: stack.client("apigatewayv2").get_api(ApiId=physical_id),
        "AWS::SNS::Topic": lambda: stack.client("sns").get_topic_attributes(TopicArn=physical_id),
        "AWS::SQS::Queue": lambda: stack.client("sqs").get_queue_attributes(QueueUrl=physical_id),
        "AWS::Logs::LogGroup": lambda: (
            stack.client("logs").describe_log_groups(logGroupNamePrefix=physical_id)["logGroups"]
            or (_ for _ in ()).throw(LookupError(physical_id))
        ),
    }
    try:
        calls[resource_type]()
    except Exception:
        return False
    return True


def check_outputs(stack: Stack) -> list[str]:
    """Every output names a resource of the stack (by its physical id, or a CloudFront
    distribution by its domain) and that resource exists in its service."""
    resources = stack.resources()
    cloudfront = stack.client("cloudfront")
    domains = {}
    for logical_id, resource in resources.items():
        if resource["ResourceType"] == "AWS::CloudFront::Distribution":
            config = cloudfront.get_distribution(Id=resource["PhysicalResourceId"])
            domains[config["Distribution"]["DomainName"]] = logical_id
    lines = []
    outputs = stack.outputs()
    if not outputs:
        raise StepFailed("the stack has no outputs")
    for key, value in sorted(outputs.items()):
        named = [
            logical_id
            for logical_id, r in resources.items()
            if r.get("PhysicalResourceId") and r["PhysicalResourceId"] in value
        ]
        named += [logical_id for domain, logical_id in domains.items() if domain in value]
        found = [
            n
            for n in dict.fromkeys(named)
            if _exists(stack, resources[n]["ResourceType"], resources[n]["PhysicalResourceId"])
        ]
        if not found:
            raise StepFailed(f"output {key}={value} names no existing resource of the stack")
        lines.append(f"  {key} = {value}  -> {', '.join(found)}")
    return lines


def check_environments(stack: Stack) -> list[str]:
    lines = []
    functions = [
        r["PhysicalResourceId"]
        for r in stack.resources().values()
        if r["ResourceType"] == "AWS::Lambda::Function"
    ]
    if not functions:
        raise StepFailed("the stack has no Lambda function")
    for name in functions:
        config = stack.lambda_.get_function_configuration(FunctionName=name)
        variables = config.get("Environment", {}).get("Variables", {})
        size = sum(len(k.encode()) + len(v.encode()) for k, v in variables.items())
        lines.append(
            f"  {name}: {len(variables)} variables, {size} bytes (limit {ENVIRONMENT_LIMIT})"
        )
        if size >= ENVIRONMENT_LIMIT:
            raise StepFailed(f"{name}'s environment is {size} bytes, over Lambda's 4 KB")
    return lines


# ---------------------------------------------------------------- the README's session
def curl_session(
    stack: Stack, route_functions: dict[tuple[str, str], str], bucket: str
) -> list[str]:
    """The README's curl session, each request sent to the function serving its route."""
    transcript: list[str] = []

    def call(method: str, path: str, template_path: str, body: Any = None, **kw: Any) -> tuple:
        function = route_functions.get((method, template_path))
        if function is None:
            raise StepFailed(f"the template routes no function to {method} {template_path}")
        event = http_event(method, path, body, ip=CLIENT_IP, **kw)
        answer = stack.invoke(function, event)
        status = int(answer.get("statusCode", 0))
        text = answer.get("body") or ""
        payload = json.loads(text) if text.startswith(("{", "[")) else text
        headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
        query = (
            f"?{'&'.join(f'{k}={v}' for k, v in kw['query'].items())}" if kw.get("query") else ""
        )
        shown = json.dumps(payload)[:160]
        transcript.append(f"  {method} {path}{query} -> {status} {shown}")
        return status, payload, headers

    def expect(condition: bool, message: str) -> None:
        if not condition:
            raise StepFailed(message)

    prompt = {"prompt": "a lighthouse at dusk, oil painting", "steps": 30, "guidance": 7}
    status, job, _ = call("POST", "/generate", "/generate", prompt)
    expect(status == 202 and "jobId" in job, f"POST /generate answered {status} {job}")
    job_id = job["jobId"]

    deadline = time.monotonic() + 180
    while True:
        status, state, _ = call("GET", f"/status/{job_id}", "/status/{jobId}")
        expect(status == 200, f"GET /status answered {status} {state}")
        if state.get("status") in ("completed", "failed", "partial"):
            break
        expect(time.monotonic() < deadline, f"job still {state.get('status')} after 180 s")
        transcript.pop()  # keep one line per state change, not per poll
        time.sleep(1)
    expect(state["status"] == "completed", f"the job ended {state['status']}: {state}")
    results = state.get("results", [])
    expect(len(results) == job["totalModels"], "not every model has a result")
    failed = [r for r in results if r.get("status") != "completed"]
    expect(not failed, f"models failed: {json.dumps(failed)[:800]}")

    for result in results:
        key = re.sub(r"^https://[^/]+/", "", result["imageUrl"])
        body = stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        expect(body.startswith(b"\x89PNG") or body[:3] == b"\xff\xd8\xff", f"{key} is no image")
    transcript.append(f"  fetched {len(results)} images from s3://{bucket}/group-images/...")
    providers = Counter(str(r.get("provider", "?")) for r in results)
    transcript.append(f"  providers that answered: {dict(providers)}")

    # The spend ceiling: the job's cost (the priced gateway model; local models are free) is
    # settled into today's spend.
    # The worker settles just after its last document write: allow it a moment.
    settle_by = time.monotonic() + 15
    while True:
        status, usage, _ = call("GET", "/usage", "/usage")
        expect(status == 200, f"GET /usage answered {status} {usage}")
        if usage.get("reservedUsd") == 0 or time.monotonic() > settle_by:
            break
        transcript.pop()
        time.sleep(1)
    expect(
        usage.get("limitUsd") == 5 and usage.get("reservedUsd") == 0,
        f"the ceiling or the settlement is off: {usage}",
    )
    expect(
        usage.get("spentUsd") == state.get("costUsd") == 0.04,
        f"today's spend {usage.get('spentUsd')} is not the job's cost {state.get('costUsd')}",
    )

    status, enhanced, _ = call("POST", "/enhance", "/enhance", {"prompt": "cat"})
    expect(status == 200 and enhanced.get("enhanced"), f"POST /enhance answered {status}")

    status, blocked, _ = call("POST", "/generate", "/generate", {"prompt": "n.u.d.e portrait"})
    expect(
        status == 400 and blocked.get("code") == "CONTENT_BLOCKED",
        f"a blocked prompt answered {status} {blocked}",
    )

    status, limited, headers = call("POST", "/generate", "/generate", {"prompt": "a cat"})
    expect(
        status == 429 and "retry-after" in headers,
        f"past the per-IP limit: {status} {limited} (headers {headers})",
    )

    status, gallery, _ = call("GET", "/gallery", "/gallery", query={"limit": "5"})
    expect(status == 200, f"GET /gallery answered {status} {gallery}")
    entries = gallery.get("galleries") or []
    expect(
        any(e.get("imageCount") == len(results) for e in entries),
        f"the gallery does not list the completed job: {gallery}",
    )
    target = entries[0]["target"]
    status, detail, _ = call("GET", f"/gallery/{target}", "/gallery/{target}")
    expect(status == 200, f"GET /gallery/{target} answered {status} {detail}")
    return transcript


# ---------------------------------------------------------------- the steps
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sam", required=True, help="the SAM CLI of the deploy venv")
    parser.add_argument("--emulator", required=True, help="the ministack command")
    parser.add_argument("--template", default=str(BACKEND / "template.yaml"))
    parser.add_argument("--parameters", default=str(HERE / "parameters.json"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)

    template_path = Path(args.template).resolve()
    sam = str(Path(args.sam).resolve())
    started = time.monotonic()
    current = "set-up"
    workdir = Path(tempfile.mkdtemp(prefix="deploy-check-"))
    env = _plain_environment()
    # The makefile build compiles with the SAM venv's Python 3.12.
    env["PATH"] = f"{Path(sam).parent}{os.pathsep}{env.get('PATH', '')}"

    def step(name: str) -> None:
        nonlocal current
        current = name
        log(f"[{time.monotonic() - started:6.1f}s] {name}")

    try:
        with ExitStack() as stack_of:
            step("validate: sam validate --lint")
            run([sam, "validate", "--lint", "--template", str(template_path)], env=env, cwd=workdir)

            step("build: sam build (backend/Makefile, bytecode for Python 3.12)")
            build_dir = workdir / "build"
            run(
                [
                    sam,
                    "build",
                    "--template",
                    str(template_path),
                    "--build-dir",
                    str(build_dir),
                ],
                env=env,
                cwd=template_path.parent,
            )
            built = build_dir / "template.yaml"
            for line in check_artifacts(load_template(built), build_dir):
                log(line)

            step("emulator: MiniStack on a free loopback port")
            endpoint = stack_of.enter_context(emulator(args.emulator, workdir))
            log(f"  {endpoint}")
            urls = stack_of.enter_context(fake_providers())
            log(f"  fake OpenAI-compatible provider: {urls['openai']}")

            step("deploy: sam deploy of the built template")
            template = load_template(template_path)
            spec = json.loads(Path(args.parameters).read_text())
            overrides, notes = parameter_overrides(template, spec, urls)
            for note in notes:
                log(f"  note: {note}")
            overrides_file = workdir / "parameters.yaml"
            overrides_file.write_text(yaml.safe_dump(overrides, default_style='"'))
            stack = Stack(endpoint, f"pixel-prompt-check-{os.getpid()}")
            deploy_env = {**env, "AWS_ENDPOINT_URL": endpoint}
            artifacts_bucket = "deploy-check-artifacts"
            stack.s3.create_bucket(Bucket=artifacts_bucket)
            stack_of.callback(teardown, stack, sam, deploy_env, workdir)
            run(
                [
                    sam,
                    "deploy",
                    "--template-file",
                    str(built),
                    "--stack-name",
                    stack.name,
                    "--s3-bucket",
                    artifacts_bucket,
                    "--capabilities",
                    "CAPABILITY_IAM",
                    "CAPABILITY_AUTO_EXPAND",
                    "--no-confirm-changeset",
                    "--no-fail-on-empty-changeset",
                    "--no-progressbar",
                    "--region",
                    REGION,
                    # From a file: values with spaces or JSON need no shell-style quoting.
                    "--parameter-overrides",
                    f"file://{overrides_file}",
                ],
                env=deploy_env,
                cwd=workdir,  # no samconfig.toml here: nothing implies --resolve-s3
                timeout=900,
            )

            step("outputs: each names a resource that exists")
            for line in check_outputs(stack):
                log(line)

            step("environment: every function's variables under 4 KB")
            for line in check_environments(stack):
                log(line)

            step("session: the README's curl session against the deployed stack")
            log(
                "  through the Lambda API with API Gateway payload-2.0 events: MiniStack "
                "does not create an HTTP API's routes from its OpenAPI body"
            )
            resources = stack.resources()
            route_functions = {
                route: resources[logical]["PhysicalResourceId"]
                for route, logical in routes(template).items()
            }
            bucket = next(
                r["PhysicalResourceId"]
                for r in resources.values()
                if r["ResourceType"] == "AWS::S3::Bucket"
            )
            for line in curl_session(stack, route_functions, bucket):
                log(line)

            step("teardown: delete the stack, stop the emulator")
    except StepFailed as exc:
        log(f"deploy-check FAILED at step '{current}':\n{exc}")
        return 1
    except Exception as exc:  # an unexpected error is a failure of that step too
        log(f"deploy-check FAILED at step '{current}': {type(exc).__name__}: {exc}")
        return 1
    finally:
        if args.keep:
            log(f"  work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log(f"deploy-check passed in {time.monotonic() - started:.0f} s")
    return 0


def check_artifacts(built: dict[str, Any], build_dir: Path) -> list[str]:
    """Every built function ships a Python 3.12 .pyc beside each .py, checked unchecked-hash
    (so a read-only /var/task never compiles at run time), and boto3 is in the artifact."""
    import importlib.util

    lines = []
    for logical_id, resource in built.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        root = build_dir / str(resource["Properties"]["CodeUri"])
        sources = list(root.rglob("*.py"))
        missing = [
            p
            for p in sources
            if not (p.parent / "__pycache__" / f"{p.stem}.cpython-312.pyc").is_file()
        ]
        if missing:
            raise StepFailed(
                f"{logical_id}: {len(missing)} .py without a 3.12 .pyc, e.g. {missing[0]}"
            )
        sample = root / "__pycache__" / "lambda_function.cpython-312.pyc"
        header = sample.read_bytes()[:8]
        if header[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(header[4:8], "little") != 1:
            raise StepFailed(f"{sample} is not an unchecked-hash Python 3.12 .pyc")
        if not (root / "boto3" / "__init__.py").is_file():
            raise StepFailed(f"{logical_id}: boto3 is not in the artifact")
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
        lines.append(
            f"  {logical_id}: {len(sources)} modules, all compiled; {size:.0f} MB unzipped"
        )
    if not lines:
        raise StepFailed("the built template has no function")
    return lines


def teardown(stack: Stack, sam: str, env: dict[str, str], workdir: Path) -> None:
    try:
        stack.cloudformation.delete_stack(StackName=stack.name)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = stack.cloudformation.describe_stacks(StackName=stack.name)["Stacks"][0][
                "StackStatus"
            ]
            if status.endswith("COMPLETE") and "DELETE" in status:
                return
            time.sleep(1)
    except Exception:
        return  # the stack is gone (describe fails) or the emulator stops next anyway


if __name__ == "__main__":
    sys.exit(main())
