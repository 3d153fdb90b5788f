"""The model providers for the benchmark: the project's fake servers (testkit/fakes), each
speaking its provider's wire protocol, in a child process on 127.0.0.1.

They run apart from the measured process, as real providers do, so their work (encoding
images, parsing requests) does not compete for the measured process's GIL. Each answers its
generation call (a POST) after ``seconds``; with ``stagger=N`` the k-th call waits
``seconds * (k mod N + 1) / N`` instead, so the N answers of one job arrive spread over
``seconds``, as real providers' do. With ``image_kb`` every answer carries a noise-like PNG
of about that size (``noise_png``), as real generations do: a flat colour compresses to
nothing and costs nothing to decode.

``python -m bench.providers SECONDS [STAGGER IMAGE_KB]`` (from backend/) serves and prints the
URLs as JSON; ``FakeProviders`` starts it and turns the URLs into MODEL_N_* variables.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import subprocess
import sys
import threading
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

    def __init__(self, seconds: float, stagger: int = 0, image_kb: int = 0) -> None:
        self.seconds = seconds
        self.stagger = stagger
        self.image_kb = image_kb

    def __enter__(self) -> FakeProviders:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.providers",
                str(self.seconds),
                str(self.stagger),
                str(self.image_kb),
            ],
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


def noise_png(kilobytes: int, seed: int = 7) -> bytes:
    """A PNG of about ``kilobytes`` KB that looks like a photograph to the encoder: every pixel
    differs from its neighbours by low-amplitude noise (two bits per channel), so it neither
    compresses to nothing nor decodes for free. 896 x 896 gives about 1 MB."""
    from PIL import Image

    side = max(16, int(896 * (kilobytes / 1024) ** 0.5))
    noise = random.Random(seed).randbytes(side * side * 3)
    pixels = noise.translate(bytes((b & 3) + 96 for b in range(256)))
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def main(seconds: float, stagger: int = 0, image_kb: int = 0) -> None:
    import base64

    from testkit.fakes import stability_api
    from testkit.fakes.bedrock_api import FakeBedrock, ok_reply
    from testkit.fakes.google_api import FakeGoogle, image_content
    from testkit.fakes.openai_api import FakeOpenAI
    from testkit.fakes.server import FakeServer, Reply, Request

    image = noise_png(image_kb) if image_kb else None
    calls = itertools.count()
    lock = threading.Lock()

    def delay() -> float:
        if not stagger:
            return seconds
        with lock:
            k = next(calls)
        return seconds * (k % stagger + 1) / stagger

    with ExitStack() as stack:
        servers = {
            kind: stack.enter_context(FakeServer(record=False))
            for kind in ("openai", "google", "stability", "bedrock")
        }
        for server in servers.values():
            _delay_posts(server, delay)
        FakeOpenAI(servers["openai"], image=image)
        google = FakeGoogle(servers["google"], key=_KINDS[1][1])
        if image is not None:
            google.generate = image_content(image)
            stability_api.install(servers["stability"], lambda: stability_api.image(body=image))
        else:
            stability_api.install(servers["stability"])
        bedrock = FakeBedrock(servers["bedrock"], region="us-west-2")
        if image is not None:
            big = ok_reply(
                {
                    "seeds": [1],
                    "finish_reasons": [None],
                    "images": [base64.b64encode(image).decode()],
                }
            )
            invoke = bedrock._invoke

            def invoke_big(request: Request) -> Reply:
                reply = invoke(request)  # the fake's checks (signature, region, body)
                return big if reply.status == 200 else reply

            servers["bedrock"].route("POST", "/model/", invoke_big)
        urls = {kind: server.url for kind, server in servers.items()}
        urls["openai"] += "/v1"
        print(json.dumps(urls), flush=True)
        sys.stdin.read()


def _delay_posts(server, delay) -> None:
    """Hold each POST (a generation call) back ``delay()`` seconds before answering."""
    dispatch = server._dispatch

    def delayed(request):
        if request.method == "POST":
            threading.Event().wait(delay())
        return dispatch(request)

    server._dispatch = delayed


if __name__ == "__main__":
    main(float(sys.argv[1]), *(int(arg) for arg in sys.argv[2:4]))
