"""Start-up: settings from the environment, keys from the one secret, misconfiguration logged."""

from __future__ import annotations

import json
import logging

import boto3
from moto import mock_aws

import lambda_function
from bootstrap import build_app, build_service, read_secret
from config import load_settings


def test_settings_warn_about_bad_values_and_fall_back():
    settings = load_settings(
        {
            "MODEL_COUNT": "3",
            "MODEL_1_NAME": "GPT Image 2.6",
            "MODEL_3_NAME": "Flux 2 Pro",
            "MODEL_4_NAME": "Beyond the count",
            "GLOBAL_LIMIT": "lots",
            "MODEL_TIMEOUT_SECONDS": "5000",
            "IP_INCLUDE": " 1.2.3.4, ,5.6.7.8 ",
        }
    )
    assert [m.index for m in settings.models] == [1, 3]
    assert settings.global_limit == 1000 and settings.model_timeout_seconds == 840
    assert settings.ip_include == frozenset({"1.2.3.4", "5.6.7.8"})
    text = "\n".join(settings.warnings)
    for variable in ("MODEL_2_NAME", "MODEL_4_NAME", "GLOBAL_LIMIT", "MODEL_TIMEOUT_SECONDS"):
        assert variable in text


def test_an_environment_key_wins_over_the_secret():
    settings = load_settings(
        {"MODEL_1_NAME": "a", "MODEL_2_NAME": "b", "MODEL_2_KEY": "from-env"},
        {"keys": {"1": "from-secret", "2": "also-secret"}},
    )
    assert [m.key for m in settings.models] == ["from-secret", "from-env"]
    assert "from-secret" not in repr(settings)


def test_keys_and_options_are_read_from_the_secrets_manager_secret(moto_s3):
    document = {
        "keys": {"1": "sk-one", "2": ""},
        "options": {"1": "base_url=https://gateway.example/v1; model_id=gpt-image-2.6-flare"},
    }
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="keys", SecretString=json.dumps(document))["ARN"]
        assert read_secret(arn, client) == document
        app = build_app(
            {
                "S3_BUCKET": "test-bucket",
                "MODEL_KEYS_SECRET_ARN": arn,
                "MODEL_1_NAME": "GPT Image 2.6",
            }
        )
    (model,) = app.registry.get_all_models()
    assert model.key == "sk-one"
    assert (model.base_url, model.model_id) == ("https://gateway.example/v1", "gpt-image-2.6-flare")


def test_an_unreadable_secret_is_logged_not_fatal(caplog):
    with mock_aws(), caplog.at_level(logging.WARNING):
        client = boto3.client("secretsmanager", region_name="us-east-1")
        assert (
            read_secret("arn:aws:secretsmanager:us-east-1:123456789012:secret:nope", client) == {}
        )
    assert "MODEL_KEYS_SECRET_ARN" in caplog.text


def test_a_missing_extra_terms_file_is_logged_and_the_shipped_list_used(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = build_app(
            {
                "DATA_DIR": str(tmp_path),
                "CONTENT_FILTER_EXTRA_TERMS_FILE": str(tmp_path / "nope.txt"),
            }
        )
        # the filter is built on the first prompt it checks, and says so then
        assert "CONTENT_FILTER_EXTRA_TERMS_FILE" not in caplog.text
        assert app.content_filter.check("nsfw picture").blocked
    assert "CONTENT_FILTER_EXTRA_TERMS_FILE" in caplog.text


def test_a_worker_event_for_an_unknown_or_malformed_job_does_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(lambda_function, "_service", build_service({"DATA_DIR": str(tmp_path)}))
    for job_id in ("not-a-uuid", "6f1c3a52-9a57-4d2e-8c9e-2f0f4f5b8a11"):
        result = lambda_function.lambda_handler({"action": "run_job", "jobId": job_id}, None)
        assert result["status"] == "missing"


def test_jobs_are_dispatched_to_the_worker_function_named_by_the_environment(tmp_path):
    """The API function starts jobs on WORKER_FUNCTION_NAME, never on itself; without it (the
    local server, or the worker function, which never dispatches) a thread runs the job."""
    from jobs.dispatch import LambdaDispatcher, ThreadDispatcher

    deployed = build_app(
        {
            "DATA_DIR": str(tmp_path),
            "WORKER_FUNCTION_NAME": "stack-worker",
            "AWS_LAMBDA_FUNCTION_NAME": "stack-pixel-prompt",
        }
    )
    assert isinstance(deployed.dispatcher, LambdaDispatcher)
    assert deployed.dispatcher._function_name == "stack-worker"
    local = build_app({"DATA_DIR": str(tmp_path), "AWS_LAMBDA_FUNCTION_NAME": "stack-worker"})
    assert isinstance(local.dispatcher, ThreadDispatcher)


def test_the_spend_ledger_spreads_over_as_many_shards_as_the_ceiling_allows(tmp_path):
    from jobs.budget import MAX_SHARDS

    model = {"MODEL_COUNT": "1", "MODEL_1_NAME": "Local", "MODEL_1_PROVIDER": "local"}
    priced = {**model, "MODEL_1_PRICE_USD": "0.25"}
    for environ, shards in (
        ({**priced}, MAX_SHARDS),  # no ceiling
        ({**priced, "DAILY_SPEND_LIMIT_USD": "1"}, 1),  # four jobs a day: one shard
        ({**priced, "DAILY_SPEND_LIMIT_USD": "20"}, 20),  # $1 a shard: four jobs each
    ):
        app = build_app({"DATA_DIR": str(tmp_path), **environ})
        assert app.ledger.shards == shards
