"""A fake Amazon Bedrock Runtime speaking the rest-json protocol botocore uses for InvokeModel.

``POST /model/{modelId}/invoke`` (modelId percent-encoded, e.g. ``amazon.nova-canvas-v1%3A0``),
signed with SigV4 (``Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/bedrock/
aws4_request, ...``). Success is a JSON body; errors carry the ``x-amzn-ErrorType`` header
(``<Code>:http://internal.amazon.com/coral/com.amazon.bedrock/``) and ``{"message": ...}``, which
is what botocore's rest-json parser turns into ``ClientError`` codes.

By default the fake answers like the real models: it checks the SigV4 credential scope and the
body schema of the model family named in the path (Nova Canvas, Stable Diffusion 3.5, Stable
Image Core/Ultra, which refuse fields outside their documented schema), and
answers with a PNG. ``script`` replaces the next answer(s) with a scripted ``Reply``.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from urllib.parse import unquote

from testkit.fakes.server import FakeServer, Reply, Request, png_bytes

NOVA_CANVAS = "amazon.nova-canvas-v1:0"
SD35_LARGE = "stability.sd3-5-large-v1:0"
STABLE_IMAGE = ("stability.stable-image-core-v1:1", "stability.stable-image-ultra-v1:1")
STABLE_IMAGE_FIELDS = frozenset(
    {"prompt", "aspect_ratio", "output_format", "seed", "negative_prompt"}
)
"""What AWS documents for Stable Image Core/Ultra text-to-image; anything else is refused."""
SD_ASPECT_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"

NOVA_INPUT_BLOCKED = (
    "This request has been blocked by our content filters. "
    "Please adjust your text prompt to submit a new request."
)
NOVA_OUTPUT_BLOCKED = "All of the generated images have been blocked by our content filters."
NO_MODEL_ACCESS = "You don't have access to the model with the specified model ID."
LEGACY_INACTIVE = (
    "Access denied. This Model is marked by provider as Legacy and you have not been actively "
    "using the model in the last 15 days. Please upgrade to an active model on Amazon Bedrock"
)
INVALID_TOKEN = "The security token included in the request is invalid."

_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<sig>[0-9a-f]{64})"
)
_INVOKE_PATH = re.compile(r"^/model/(?P<model>[^/]+)/invoke$")


def parse_sigv4(authorization: str | None) -> dict[str, str] | None:
    """The parts of a SigV4 ``Authorization`` header, or None when it is not SigV4."""
    match = _SIGV4.fullmatch(authorization or "")
    return match.groupdict() if match else None


def model_id_of(request: Request) -> str | None:
    """The decoded model id of an InvokeModel request path."""
    match = _INVOKE_PATH.match(request.path)
    return unquote(match.group("model")) if match else None


def error_reply(status: int, code: str, message: str) -> Reply:
    """An error exactly as Bedrock Runtime sends it."""
    return Reply.json(
        {"message": message},
        status=status,
        headers={
            "x-amzn-ErrorType": code + ERROR_TYPE_SUFFIX,
            "x-amzn-RequestId": str(uuid.uuid4()),
        },
    )


def ok_reply(payload: dict) -> Reply:
    return Reply.json(
        payload,
        headers={
            "x-amzn-RequestId": str(uuid.uuid4()),
            "X-Amzn-Bedrock-Invocation-Latency": "4210",
        },
    )


def b64_png(size: tuple[int, int] = (8, 8)) -> str:
    return base64.b64encode(png_bytes(size)).decode()


class FakeBedrock:
    """Installs the InvokeModel route on a ``FakeServer`` and answers like Bedrock Runtime."""

    def __init__(
        self,
        server: FakeServer,
        region: str = "us-east-1",
        access_key: str | None = None,
    ) -> None:
        """``access_key``: the only key id accepted (None accepts any signed request)."""
        self.server = server
        self.region = region
        self.access_key = access_key
        self._scripted: list[Reply | Callable[[Request], Reply]] = []
        server.route("POST", "/model/", self._invoke)

    @property
    def endpoint(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Request]:
        return [r for r in self.server.requests if r.path.startswith("/model/")]

    def script(self, *replies: Reply | Callable[[Request], Reply]) -> None:
        """Answer the next requests with these replies (in order) instead of the default."""
        self._scripted.extend(replies)

    def _invoke(self, request: Request) -> Reply:
        scope = parse_sigv4(request.header("authorization"))
        if scope is None or scope["service"] != "bedrock":
            return error_reply(
                403, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        if self.access_key is not None and scope["key"] != self.access_key:
            return error_reply(403, "UnrecognizedClientException", INVALID_TOKEN)
        if scope["region"] != self.region:
            return error_reply(
                403,
                "InvalidSignatureException",
                f"Credential should be scoped to a valid region, not '{scope['region']}'.",
            )
        if self._scripted:
            reply = self._scripted.pop(0)
            return reply(request) if callable(reply) else reply
        model = model_id_of(request)
        try:
            body = request.json()
        except ValueError:
            return error_reply(
                400,
                "ValidationException",
                "Malformed input request, please reformat your input and try again.",
            )
        if model == NOVA_CANVAS:
            return self._nova(body)
        if model == SD35_LARGE:
            return self._sd(body)
        if model in STABLE_IMAGE:
            extra = sorted(set(body) - STABLE_IMAGE_FIELDS)
            if extra:
                message = f"Malformed input request: extraneous key [{extra[0]}] is not permitted"
                return error_reply(400, "ValidationException", message)
            return self._sd(body)
        return error_reply(400, "ValidationException", "The provided model identifier is invalid.")

    @staticmethod
    def _nova(body: dict) -> Reply:
        config = body.get("imageGenerationConfig") or {}
        text = (body.get("textToImageParams") or {}).get("text")
        problems = []
        negative = (body.get("textToImageParams") or {}).get("negativeText", "x")
        if body.get("taskType") != "TEXT_IMAGE" or not isinstance(text, str) or not text:
            problems.append("taskType/textToImageParams.text")
        elif len(text) > 1024 or not 1 <= len(negative) <= 1024:
            problems.append("textToImageParams length")
        width, height = config.get("width", 1024), config.get("height", 1024)
        for side, value in (("width", width), ("height", height)):
            if not isinstance(value, int) or not 320 <= value <= 4096 or value % 16:
                problems.append(f"imageGenerationConfig.{side}")
        if not problems and (width * height > 4_194_304 or not 0.25 <= width / height <= 4):
            problems.append("imageGenerationConfig size/aspect ratio")
        if not 1.1 <= float(config.get("cfgScale", 6.5)) <= 10:
            problems.append("imageGenerationConfig.cfgScale")
        if problems:
            return error_reply(400, "ValidationException", f"Malformed input request: {problems}")
        return ok_reply({"images": [b64_png()], "error": None})

    @staticmethod
    def _sd(body: dict) -> Reply:
        if (
            not isinstance(body.get("prompt"), str)
            or body.get("mode", "text-to-image") != "text-to-image"
        ):
            return error_reply(400, "ValidationException", "Malformed input request: prompt/mode")
        if body.get("aspect_ratio", "1:1") not in SD_ASPECT_RATIOS:
            return error_reply(400, "ValidationException", "Malformed input request: aspect_ratio")
        return ok_reply({"seeds": [2130420379], "finish_reasons": [None], "images": [b64_png()]})
