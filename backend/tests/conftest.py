"""Shared fixtures. Tests never reach the network: AWS is moto, providers are local fakes."""

from __future__ import annotations

import pytest

from testkit.fakes.server import FakeServer


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials that can never reach a real account, and no profile from the host."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(autouse=True)
def _fresh_sdk_clients():
    """No SDK client outlives its test (see ``forget_shared_clients``)."""
    yield
    from models.handlers.common import forget_shared_clients

    forget_shared_clients()


@pytest.fixture
def fake_server():
    """A fresh scriptable HTTP server on 127.0.0.1 (see testkit/fakes/server.py)."""
    with FakeServer() as server:
        yield server


@pytest.fixture
def moto_s3(monkeypatch: pytest.MonkeyPatch):
    """A moto S3 client with the bucket ``test-bucket``, handling one request at a time.

    Real S3 applies each request atomically; moto does not (a conditional put checks the etag,
    then writes, and a concurrent overwrite can close the buffer a get is reading). Serialising
    mocked requests restores S3's per-request atomicity, while get-then-put sequences still
    interleave freely between requests, which is what the concurrency tests exercise.
    """
    import threading

    import boto3
    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    serial = threading.Lock()
    handle = BotocoreStubber.process_request

    def one_request_at_a_time(self, aws_request):
        with serial:
            return handle(self, aws_request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_request_at_a_time)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="test-bucket")
        yield client


@pytest.fixture(params=["s3", "local"])
def store(request: pytest.FixtureRequest, tmp_path):
    """Each object store in turn, for suites that must hold on both: S3 (moto) and local."""
    from utils.object_store import LocalObjectStore, S3ObjectStore

    if request.param == "local":
        return LocalObjectStore(tmp_path / "data")
    return S3ObjectStore(request.getfixturevalue("moto_s3"), "test-bucket")


@pytest.fixture
def serve_locally(tmp_path):
    """Start ``local_server`` (built-in local models, data in tmp_path) with extra variables;
    returns its base URL. Every server started is stopped after the test."""
    import threading
    from http.server import BaseHTTPRequestHandler

    from bootstrap import build_app
    from local_server import LocalHTTPServer, local_environment, make_handler

    servers = []

    def start(**variables: str) -> str:
        server = LocalHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        port = str(server.server_address[1])
        base = {"DATA_DIR": str(tmp_path / port), "PORT": port, **variables}
        environ = local_environment(base, dotenv=None)  # the local models, whatever .env says
        server.RequestHandlerClass = make_handler(build_app(environ))
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(server)
        return f"http://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_api(serve_locally) -> str:
    """The local server with limits high enough never to interfere."""
    return serve_locally(GLOBAL_LIMIT="1000000", IP_LIMIT="1000000")
