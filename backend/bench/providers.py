"""The model providers for the benchmark: the project's fake servers (testkit/fakes), each
speaking its provider's wire protocol, in a child process on 127.0.0.1.

They run apart from the measured process, as real providers do, so their work (encoding
images, parsing requests) does not compete for the measured process's GIL. Each answers its
generation call (a POST) after ``seconds``.

``python -m bench.providers SECONDS`` (from backend/) serves and prints the URLs as JSON;
``FakeProviders`` starts it and turns the URLs into MODEL_N_* variables.
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack

from bench.harness import BACKEND

# One row per provider kind: model name (detected as in production), key, server, variables.
_KINDS = (
    ("GPT Image 2.6", "sk-bench-openai", "openai", {}),
    ("Nano Banana 2.1", "AIza-bench-google-key", "google", {}),
    ("Stable Image Core", "sk-bench-stability", "stability", {}),
    ("Stable Diffusion 3.5 Large", "N/A", "bedrock", {}),
    ("Gateway Image", "sk-bench-generic", "openai", {"MODEL_ID": "gw-image"}),
)


class FakeProviders:
    """``with FakeProviders(seconds) as providers:`` the servers run until the block ends."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> FakeProviders:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.providers", str(self.seconds)],
            cwd=BACKEND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.urls: dict[str, str] = json.loads(self._process.stdout.readline())
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.stdin.close()  # the child serves until its stdin closes
        self._process.wait(timeout=10)

    def model_environment(self, count: int) -> dict[str, str]:
        """``count`` models cycling through the provider kinds, as MODEL_N_* variables."""
        env = {"MODEL_COUNT": str(count)}
        for index in range(1, count + 1):
            name, key, kind, extra = _KINDS[(index - 1) % len(_KINDS)]
            env[f"MODEL_{index}_NAME"] = name
            env[f"MODEL_{index}_KEY"] = key
            env[f"MODEL_{index}_BASE_URL"] = self.urls[kind]
            env.update({f"MODEL_{index}_{field}": value for field, value in extra.items()})
        return env


def main(seconds: float) -> None:
    from testkit.fakes import stability_api
    from testkit.fakes.bedrock_api import FakeBedrock
    from testkit.fakes.google_api import FakeGoogle
    from testkit.fakes.openai_api import FakeOpenAI
    from testkit.fakes.server import FakeServer

    with ExitStack() as stack:
        servers = {
            kind: stack.enter_context(FakeServer(post_delay=seconds, record=False))
            for kind in ("openai", "google", "stability", "bedrock")
        }
        FakeOpenAI(servers["openai"])
        FakeGoogle(servers["google"], key=_KINDS[1][1])
        stability_api.install(servers["stability"])
        FakeBedrock(servers["bedrock"], region="us-west-2")
        urls = {kind: server.url for kind, server in servers.items()}
        urls["openai"] += "/v1"
        print(json.dumps(urls), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main(float(sys.argv[1]))
