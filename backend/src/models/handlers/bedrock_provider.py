"""Amazon Bedrock image handlers: Nova Canvas (``bedrock_nova``) and Stable Diffusion 3.5 Large
(``bedrock_sd``), both through ``bedrock-runtime`` ``InvokeModel``.

Credentials come from boto3's default chain (the Lambda role), never from ``model.key``
(Bedrock models are configured with key "N/A"). The region is ``model.region`` or the usual
home of the model family; ``model.base_url`` is boto3's ``endpoint_url``. Retries are off
(``total_max_attempts=1``: botocore's ``max_attempts`` counts *retries*, so ``max_attempts=1``
would send a timed-out request twice and blow the model budget).

Wire protocol relied on (checked November 2026):

* InvokeModel is rest-json ``POST /model/{modelId}/invoke`` signed with SigV4 for service
  ``bedrock``; errors carry ``x-amzn-ErrorType`` and ``{"message"}``: AccessDenied 403,
  ResourceNotFound 404, Throttling 429, ModelTimeout 408, InternalServer 500,
  ServiceUnavailable 503, Validation 400, ServiceQuotaExceeded 400, ModelNotReady 429,
  ModelError 424 (botocore's bundled ``bedrock-runtime`` 2023-09-30 model; "Troubleshooting
  Amazon Bedrock API Error Codes",
  https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html).
* Model access: AccessDeniedException "You don't have access to the model with the specified
  model ID." (https://repost.aws/knowledge-center/bedrock-invokemodel-api-error); Legacy and
  retired models answer ResourceNotFoundException "Access denied. This Model is marked by
  provider as Legacy ..." / "This model version has reached the end of its life."
  (aws-samples/amazon-bedrock-workshop#386, awsdocs/aws-doc-sdk-examples#6403).
* Nova Canvas request/response and moderation: "Image generation access and usage" and
  "Error handling" in the Amazon Nova user guide
  (https://docs.aws.amazon.com/nova/latest/userguide/image-gen-access.html,
  .../image-gen-errors.html): blocked prompts are a ValidationException "This request has been
  blocked by our content filters. ..."; blocked output is HTTP 200 with ``"error": "All of the
  generated images have been blocked by our content filters."``.
  ``amazon.nova-canvas-v1:0`` is Legacy since 2026-03-30 with EOL 2026-09-30 (us-east-1,
  eu-west-1, ap-northeast-1; Bedrock "Model lifecycle",
  https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html).
* SD 3.5 Large (``stability.sd3-5-large-v1:0``, us-west-2): "Stability.ai Stable Diffusion 3.5
  Large" (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-3-5-large.html):
  body ``prompt, mode, aspect_ratio, output_format, seed, negative_prompt``; response
  ``{"seeds", "finish_reasons": [null | "Filter reason: prompt|output image|input image" |
  "Inference error"], "images": [b64]}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from models.handlers.common import (
    http_timeout,
    image_result,
    kind_for_status,
    nearest_ratio,
    shared_client,
)
from models.types import ErrorKind, GenerationParams, ImageResult, ModelConfig, ProviderError

DEFAULT_REGIONS = {"bedrock_nova": "us-east-1", "bedrock_sd": "us-west-2"}
"""Where each family is served when MODEL_N_REGION is unset (Nova Canvas: us-east-1,
eu-west-1, ap-northeast-1; SD 3.5 Large: us-west-2)."""

_NOVA_MAX_TEXT = 1024  # Nova Canvas rejects text/negativeText longer than this
_SD_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
_BLOCKED = re.compile(r"(?i)content filter|blocked|filtered|moderation|responsible ai")


# --- handlers ---------------------------------------------------------------------------------


def generate_nova_image(model: ModelConfig, prompt: str, params: GenerationParams) -> ImageResult:
    """Amazon Nova Canvas TEXT_IMAGE: one image at ``params.size`` (snapped to Nova's grid).

    Nova accepts at most 1,024 characters of prompt and of negative prompt: longer text is cut
    rather than refused. ``guidance`` is ``cfgScale`` (1.1-10, default 8); steps are ignored.
    """
    width, height = _nova_size(params.size)
    text_params: dict[str, Any] = {"text": prompt[:_NOVA_MAX_TEXT]}
    if params.negative_prompt:
        text_params["negativeText"] = params.negative_prompt[:_NOVA_MAX_TEXT]
    cfg = 8.0 if params.guidance is None else min(max(float(params.guidance), 1.1), 10.0)
    body = {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": text_params,
        "imageGenerationConfig": {
            "numberOfImages": 1,
            "height": height,
            "width": width,
            "cfgScale": cfg,
            "seed": 0,
        },
    }
    payload = _invoke(model, body, params)
    error = payload.get("error")
    images = payload.get("images")
    if error and not images:
        kind = (
            ErrorKind.CONTENT_BLOCKED if _BLOCKED.search(str(error)) else ErrorKind.PROVIDER_ERROR
        )
        raise ProviderError(kind, f"Nova Canvas: {error}")
    return _decode_first(images)


def generate_sd_image(model: ModelConfig, prompt: str, params: GenerationParams) -> ImageResult:
    """Stable Diffusion 3.5 Large text-to-image as PNG; ``size`` picks the nearest aspect ratio.

    Bedrock's SD 3.5 Large schema has no steps or guidance, so those parameters are ignored.
    """
    body: dict[str, Any] = {
        "prompt": prompt,
        "mode": "text-to-image",
        "aspect_ratio": _sd_aspect_ratio(params.size),
        "output_format": "png",
        "seed": 0,
    }
    if params.negative_prompt:
        body["negative_prompt"] = params.negative_prompt
    payload = _invoke(model, body, params)
    reasons = payload.get("finish_reasons")
    reason = str(reasons[0] or "") if isinstance(reasons, list) and reasons else ""
    if reason:
        if reason.lower().startswith("filter reason"):
            raise ProviderError(ErrorKind.CONTENT_BLOCKED, f"Stable Diffusion 3.5: {reason}")
        raise ProviderError(ErrorKind.PROVIDER_ERROR, f"Stable Diffusion 3.5: {reason}")
    return _decode_first(payload.get("images"))


# --- request sizing ---------------------------------------------------------------------------


def _parse_size(size: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{2,5})\s*[xX]\s*(\d{2,5})\s*", size or "")
    if not match:
        return 1024, 1024
    return int(match.group(1)), int(match.group(2))


def _nova_size(size: str) -> tuple[int, int]:
    """Nova Canvas: sides 320-4096 in steps of 16, at most 4.19 MP, ratio within 1:4..4:1."""
    width, height = _parse_size(size)
    ratio = min(max(width / height, 0.25), 4.0)
    pixels = min(width * height, 4_194_304)
    width, height = math.sqrt(pixels * ratio), math.sqrt(pixels / ratio)

    def snap(side: float) -> int:
        return int(min(max(side // 16 * 16, 320), 4096))

    return snap(width), snap(height)


def _sd_aspect_ratio(size: str) -> str:
    return nearest_ratio(*_parse_size(size), _SD_RATIOS)


# --- transport --------------------------------------------------------------------------------


def _region(model: ModelConfig) -> str:
    return (model.region or "").strip() or DEFAULT_REGIONS.get(model.provider, "us-east-1")


def _client(region: str, endpoint: str | None, timeout: float):
    connect, read = http_timeout(timeout)
    return _new_client(region, endpoint, round(connect, 1), round(read, 1))


@shared_client
def _new_client(region: str, endpoint: str | None, connect: float, read: float):
    """A ``bedrock-runtime`` client (see ``shared_client``). Each gets its own boto3 Session:
    sessions are not thread-safe and cache the credentials they resolved."""
    config = Config(
        connect_timeout=connect,
        read_timeout=read,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return boto3.session.Session().client(
        "bedrock-runtime", region_name=region, endpoint_url=endpoint, config=config
    )


def _invoke(model: ModelConfig, body: dict[str, Any], params: GenerationParams) -> dict:
    region = _region(model)
    try:
        client = _client(region, model.base_url or None, params.timeout)
        response = client.invoke_model(
            modelId=model.model_id,
            body=json.dumps(body).encode(),
            contentType="application/json",
            accept="application/json",
        )
        raw = response["body"].read()
    except ClientError as exc:
        raise _client_error(exc, model, region) from exc
    except (ReadTimeoutError, ConnectTimeoutError) as exc:
        raise ProviderError(
            ErrorKind.TIMEOUT, f"Bedrock did not answer in time ({region})"
        ) from exc
    except EndpointConnectionError as exc:
        raise ProviderError(
            ErrorKind.PROVIDER_ERROR, f"could not reach the Bedrock endpoint in {region}"
        ) from exc
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise ProviderError(
            ErrorKind.AUTH, "no AWS credentials for Bedrock (the function role provides them)"
        ) from exc
    except ValueError as exc:  # InvalidRegionError, or an endpoint URL botocore cannot use
        raise ProviderError(
            ErrorKind.CONFIGURATION, f"Bedrock client setup failed: {type(exc).__name__}: {exc}"
        ) from exc
    except BotoCoreError as exc:  # connection closed mid-response and other transport faults
        raise ProviderError(ErrorKind.PROVIDER_ERROR, f"Bedrock call failed: {exc}") from exc
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, "Bedrock returned a body that is not JSON"
        ) from exc
    if not isinstance(payload, dict):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "Bedrock returned an unexpected JSON body")
    return payload


def _decode_first(images: Any) -> ImageResult:
    if not isinstance(images, list) or not images or not isinstance(images[0], str):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "Bedrock returned no image")
    try:
        data = base64.b64decode(images[0], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, "Bedrock returned an image that is not base64"
        ) from exc
    return image_result(data)


# --- error mapping ----------------------------------------------------------------------------

_AUTH_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
    }
)
_RATE_CODES = frozenset({"ThrottlingException", "ServiceQuotaExceededException", "TooManyRequests"})
_SERVER_CODES = frozenset(
    {
        "ModelErrorException",
        "InternalServerException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
        "InternalFailure",
    }
)
_NO_MODEL_ACCESS = re.compile(
    r"(?i)don't have access to the model|not authorized to invoke this api|marketplace"
)
_RETIRED = re.compile(r"(?i)end of its life|marked by provider as legacy|legacy")
_BAD_MODEL_ID = re.compile(
    r"(?i)model identifier is invalid|inference profile|on-demand throughput"
)


def _client_error(exc: ClientError, model: ModelConfig, region: str) -> ProviderError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "")
    message = " ".join(str(error.get("Message") or "").split()) or code or "no message"
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    said = f"Bedrock {code or status}: {message}"
    enable = f"enable access to {model.model_id} in the Bedrock console in {region}"

    if code == "AccessDeniedException":
        if _NO_MODEL_ACCESS.search(message):
            return ProviderError(ErrorKind.CONFIGURATION, f"{said} ({enable})")
        return ProviderError(
            ErrorKind.AUTH, f"{said} (the function role needs bedrock:InvokeModel)"
        )
    if code == "ResourceNotFoundException":
        if _RETIRED.search(message):
            hint = f"{model.model_id} is Legacy or retired in {region}; configure an active model"
        else:
            hint = f"check the model id and region, and {enable}"
        return ProviderError(ErrorKind.CONFIGURATION, f"{said} ({hint})")
    if code == "ValidationException":
        if _BLOCKED.search(message):
            return ProviderError(ErrorKind.CONTENT_BLOCKED, said)
        if _BAD_MODEL_ID.search(message) or _RETIRED.search(message):
            return ProviderError(
                ErrorKind.CONFIGURATION, f"{said} (check MODEL_ID and region {region})"
            )
        return ProviderError(ErrorKind.PROVIDER_ERROR, said)
    if code in _AUTH_CODES:
        return ProviderError(ErrorKind.AUTH, said)
    if code in _RATE_CODES:
        return ProviderError(ErrorKind.RATE_LIMITED, said)
    if code == "ModelTimeoutException":
        return ProviderError(ErrorKind.TIMEOUT, said)
    if code in _SERVER_CODES:
        return ProviderError(ErrorKind.PROVIDER_ERROR, said)
    return ProviderError(kind_for_status(status) if status else ErrorKind.PROVIDER_ERROR, said)
