"""Issue 13.8: rate-limit counters are named by an HMAC of the address with a secret key (the
deployed secret's ``rateLimitKey``, ``RATE_LIMIT_KEY``, or a key the local server generates and
keeps), never by a plain SHA-256 that anyone reading the bucket can reverse over IPv4."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import boto3

from bootstrap import RATE_LIMIT_KEY_FILE, build_app
from jobs.dispatch import LambdaDispatcher
from testkit.dispatch import FakeLambda
from testkit.events import http_event

ADDRESS = "203.0.113.7"
MODELS = {"MODEL_COUNT": "1", "MODEL_1_NAME": "Local One", "MODEL_1_PROVIDER": "local"}


def ip_digests(environ: dict[str, str]) -> list[str]:
    """Make one request from ADDRESS; the digests naming per-address counters afterwards."""
    app = build_app({**MODELS, **environ}, dispatcher=LambdaDispatcher(FakeLambda(), "fn"))
    response = app.handle_http(http_event("POST", "/generate", {"prompt": "a kite"}, ip=ADDRESS))
    assert response["statusCode"] == 202, response["body"]
    s3 = boto3.client("s3", region_name="us-east-1")
    if "S3_BUCKET" in environ:
        listing = s3.list_objects_v2(Bucket=environ["S3_BUCKET"], Prefix="rate-limit/ip/")
        keys = [item["Key"] for item in listing.get("Contents", [])]
    else:
        root = environ["DATA_DIR"]
        keys = [str(path) for path in Path(root, "rate-limit", "ip").rglob("*.json")]
    return [key.rsplit("/", 1)[-1].removesuffix(".json") for key in keys]


def hmac_hex(secret: bytes) -> str:
    return hmac.new(secret, ADDRESS.encode(), hashlib.sha256).hexdigest()


def test_the_key_comes_from_the_deployed_secret(moto_s3):
    secret = "generated-at-deploy-0123456789abcdef"
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(
        Name="pixel-prompt-keys", SecretString=json.dumps({"1": "N/A", "rateLimitKey": secret})
    )["ARN"]
    digests = ip_digests({"S3_BUCKET": "test-bucket", "MODEL_KEYS_SECRET_ARN": arn})
    assert digests == [hmac_hex(secret.encode())]
    assert hashlib.sha256(ADDRESS.encode()).hexdigest() not in digests


def test_rate_limit_key_variable_wins_over_nothing(moto_s3):
    digests = ip_digests({"S3_BUCKET": "test-bucket", "RATE_LIMIT_KEY": "x" * 24})
    assert digests == [hmac_hex(b"x" * 24)]


def test_the_local_server_generates_a_private_key_once_and_keeps_it(tmp_path):
    data = tmp_path / "data"
    first = ip_digests({"DATA_DIR": str(data)})
    key_file = data / RATE_LIMIT_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = bytes.fromhex(key_file.read_text())
    assert len(key) == 32 and first == [hmac_hex(key)]
    assert ip_digests({"DATA_DIR": str(data)}) == first  # a restart counts the same address


def test_without_any_key_on_s3_the_address_is_still_not_a_plain_hash(moto_s3, caplog):
    digests = ip_digests({"S3_BUCKET": "test-bucket"})
    assert len(digests) == 1 and hashlib.sha256(ADDRESS.encode()).hexdigest() not in digests
    assert "rate-limit key" in caplog.text
