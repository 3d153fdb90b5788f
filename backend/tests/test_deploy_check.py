"""The deployment rehearsal's own logic, without the emulator (``make deploy-check`` runs it):
which function serves each route, which parameters reach the deployment, and the check that
the built artifact ships Python 3.12 bytecode."""

from __future__ import annotations

import compileall
import json
from pathlib import Path

import pytest

from deploy_check.run import (
    NAME_LIMIT,
    StepFailed,
    check_artifacts,
    load_template,
    parameter_overrides,
    routes,
)

BACKEND = Path(__file__).resolve().parent.parent
URLS = {"openai": "http://127.0.0.1:40001/v1"}


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template(BACKEND / "template.yaml")


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads((BACKEND / "deploy_check" / "parameters.json").read_text())


def test_every_route_of_the_readme_session_is_served_by_a_function_of_the_template(template):
    table = routes(template)
    functions = {k for k, v in template["Resources"].items() if v["Type"].endswith("Function")}
    for route in (
        ("POST", "/generate"),
        ("GET", "/status/{jobId}"),
        ("POST", "/enhance"),
        ("GET", "/gallery"),
        ("GET", "/gallery/{target}"),
    ):
        assert table[route] in functions


def test_the_deployment_is_the_largest_configuration_and_only_declared_parameters(template, spec):
    values, _ = parameter_overrides(template, spec, URLS)
    assert set(values) <= set(template["Parameters"])
    count = int(values["ModelCount"])
    assert count == 20
    names = [values[f"Model{i}Name"] for i in range(1, count + 1)]
    fillers = names[int(spec["FillerModels"]["FirstIndex"]) - 1 :]
    assert fillers and all(len(name) == NAME_LIMIT for name in fillers)
    assert all(len(name) <= NAME_LIMIT for name in names)


def test_a_model_needing_options_is_replaced_when_the_template_cannot_take_them(template, spec):
    without = {**template, "Parameters": dict(template["Parameters"])}
    without["Parameters"].pop("Model3Options", None)
    values, notes = parameter_overrides(without, spec, URLS)
    assert "local preview" in values["Model3Name"].lower()
    assert any("model 3" in note for note in notes)


def test_per_model_options_carry_the_fake_servers_url_when_the_template_takes_them(template, spec):
    declared = {**template["Parameters"], "Model3Options": {"Type": "String"}}
    values, _ = parameter_overrides({**template, "Parameters": declared}, spec, URLS)
    options = dict(pair.split("=", 1) for pair in values["Model3Options"].split("; "))
    assert options["base_url"] == URLS["openai"]
    assert options == {k: str(v).format(**URLS) for k, v in spec["ModelOptions"]["3"].items()}
    assert values["Model3Name"] == spec["Parameters"]["Model3Name"]
    assert all(len(v) <= NAME_LIMIT for k, v in values.items() if k.endswith("Name"))


def _built(tmp_path: Path, compile_it: bool, with_boto3: bool = True) -> dict:
    code = tmp_path / "Fn"
    code.mkdir()
    (code / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    if with_boto3:
        (code / "boto3").mkdir()
        (code / "boto3" / "__init__.py").write_text("")
    if compile_it:
        mode = compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH
        assert compileall.compile_dir(code, quiet=1, invalidation_mode=mode)
    return {
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "Fn"}}}
    }


def test_a_compiled_artifact_passes(tmp_path):
    assert "all compiled" in check_artifacts(_built(tmp_path, compile_it=True), tmp_path)[0]


def test_an_artifact_without_bytecode_fails(tmp_path):
    with pytest.raises(StepFailed, match=r"without a 3\.12 \.pyc"):
        check_artifacts(_built(tmp_path, compile_it=False), tmp_path)


def test_an_artifact_without_boto3_fails(tmp_path):
    with pytest.raises(StepFailed, match="boto3"):
        check_artifacts(_built(tmp_path, compile_it=True, with_boto3=False), tmp_path)


def test_timestamp_checked_bytecode_fails(tmp_path):
    built = _built(tmp_path, compile_it=False)
    mode = compileall.py_compile.PycInvalidationMode.TIMESTAMP
    assert compileall.compile_dir(tmp_path / "Fn", quiet=1, invalidation_mode=mode)
    with pytest.raises(StepFailed, match="unchecked-hash"):
        check_artifacts(built, tmp_path)
