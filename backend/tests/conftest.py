"""Shared fixtures. Tests never reach the network: AWS is moto, providers are local fakes."""

from __future__ import annotations

import pytest

from tests.fakes.server import FakeServer


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials that can never reach a real account, and no profile from the host."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def fake_server():
    """A fresh scriptable HTTP server on 127.0.0.1 (see tests/fakes/server.py)."""
    with FakeServer() as server:
        yield server
