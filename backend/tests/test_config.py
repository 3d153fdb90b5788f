"""Settings from the environment and the deployment's secret (keys and per-model options)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import config
from config import (
    MODEL_OPTIONS,
    MODEL_VARIABLES,
    VARIABLES,
    load_settings,
    parse_model_options,
    parse_secret,
)

SRC = Path(__file__).resolve().parent.parent / "src"


def test_options_set_every_per_model_setting():
    settings = load_settings(
        {"MODEL_1_NAME": "My Gateway Model", "MODEL_2_NAME": "Stable Diffusion 3.5 Large"},
        {
            "keys": {"1": "sk-gateway", "2": "N/A"},
            "options": {
                "1": "provider=generic; model_id=qwen-image; base_url=https://gw.example/v1",
                "2": " REGION = eu-central-1 ;",
            },
        },
    )
    first, second = settings.models
    assert (first.key, first.provider, first.model_id, first.base_url, first.region) == (
        "sk-gateway",
        "generic",
        "qwen-image",
        "https://gw.example/v1",
        None,
    )
    assert (second.key, second.region, second.provider) == ("N/A", "eu-central-1", None)
    assert settings.warnings == ()


def test_an_environment_variable_wins_over_an_option():
    settings = load_settings(
        {"MODEL_1_NAME": "Nova", "MODEL_1_REGION": "us-east-1", "MODEL_1_MODEL_ID": " "},
        {"options": {"1": "region=us-west-2; model_id=amazon.nova-canvas-v1:0"}},
    )
    (model,) = settings.models
    assert model.region == "us-east-1"
    # An empty variable does not hide the option (a blank line in .env is not a setting).
    assert model.model_id == "amazon.nova-canvas-v1:0"


def test_bad_options_are_warnings_naming_the_parameter():
    settings = load_settings(
        {"MODEL_3_NAME": "Flux 2 Pro"},
        {"options": {"3": "colour=blue; no-equals-sign; region=a; region=b", "21": "region=x"}},
    )
    (model,) = settings.models
    assert model.region == "b"
    text = "\n".join(settings.warnings)
    assert text.count("Model3Options") == 3
    assert "unknown option 'colour'" in text and "not name=value" in text and "twice" in text
    assert "model '21'" in text


def test_every_option_name_is_a_model_setting():
    """Options are exactly the per-model settings besides the name and the key."""
    assert set(MODEL_OPTIONS) == set(MODEL_VARIABLES) - {"NAME", "KEY"}
    for option in MODEL_OPTIONS:
        variables, warnings = parse_model_options("7", f"{option.lower()}=v")
        assert variables == {f"MODEL_7_{option}": "v"} and warnings == []


@pytest.mark.parametrize(
    ("secret", "keys", "options"),
    [
        (None, {}, {}),
        (
            {"keys": {"1": "a", "2": ""}, "options": {"2": "region=x"}},
            {"1": "a"},
            {"2": "region=x"},
        ),
        # A stack deployed before options existed: a flat object of keys.
        ({"1": "sk-one", "2": "", "3": 7}, {"1": "sk-one"}, {}),
        ({"keys": "not an object"}, {}, {}),
    ],
)
def test_parse_secret(secret, keys, options):
    assert parse_secret(secret) == (keys, options)


def test_the_secret_key_is_never_in_repr():
    settings = load_settings({"MODEL_1_NAME": "a"}, {"keys": {"1": "sk-very-secret"}})
    assert "sk-very-secret" not in repr(settings)


class _Recording(dict):
    """An environment that records every name read from it."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def test_variables_lists_every_name_config_reads():
    """``VARIABLES`` / ``MODEL_VARIABLES`` are complete, so the template tests that derive from
    them cannot miss a variable."""
    environ = _Recording()
    load_settings(environ)
    declared = {v.name for v in VARIABLES} | {
        f"MODEL_{i}_{suffix}" for i in range(1, config.MAX_MODELS + 1) for suffix in MODEL_VARIABLES
    }
    assert environ.read - declared == set()
    # ...and names nothing config does not read (bootstrap reads the secret's ARN).
    assert {v.name for v in VARIABLES} - environ.read == {"MODEL_KEYS_SECRET_ARN"}
    # Model variables are read only for a configured model: one named model reads them all.
    named = _Recording()
    named["MODEL_4_NAME"] = "x"
    load_settings(named)
    assert {f"MODEL_4_{s}" for s in MODEL_VARIABLES} <= named.read


def test_no_module_reads_a_pruned_or_undeclared_setting():
    """Settings nobody sets or reads are gone: no source reads FUNCTION_TIMEOUT_SECONDS or
    ENVIRONMENT, and the worker's name comes only from WORKER_FUNCTION_NAME."""
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        for gone in ("FUNCTION_TIMEOUT_SECONDS", '"ENVIRONMENT"', "AWS_LAMBDA_FUNCTION_NAME"):
            assert gone not in text, (path, gone)
        for node in ast.walk(ast.parse(text)):  # os.environ / os.getenv only at the edges
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in {("os", "environ"), ("os", "getenv")}
            ):
                assert path.name in {"lambda_function.py", "local_server.py"}, path


def test_the_rate_limit_key_comes_from_the_secret_document_unless_set():
    secret = {"keys": {"1": "sk"}, "rateLimitKey": "k" * 32}
    assert load_settings({}, secret).rate_limit_key == "k" * 32
    assert load_settings({"RATE_LIMIT_KEY": "local-key-0123456789"}, secret).rate_limit_key == (
        "local-key-0123456789"
    )
    assert load_settings({}, {"keys": {}}).rate_limit_key is None
