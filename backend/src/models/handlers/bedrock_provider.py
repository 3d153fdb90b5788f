"""Amazon Bedrock image handlers: Nova Canvas (``bedrock_nova``) and the Stability models
(``bedrock_sd``: SD 3.5 Large, Stable Image Core and Ultra), through ``bedrock-runtime``
``InvokeModel``.

Credentials come from boto3's default chain (the Lambda role), never from ``model.key``
(Bedrock models are configured with key "N/A"). The region is ``model.region`` or the
provider row's ``default_region`` (``models.providers``); ``model.base_url`` is boto3's
``endpoint_url``. Retries are off
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
  Its lifecycle is a catalogue row (``models.catalogue``).
* SD 3.5 Large (``stability.sd3-5-large-v1:0``, us-west-2): "Stability.ai Stable Diffusion 3.5
  Large" (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-3-5-large.html):
  body ``prompt, mode, aspect_ratio, output_format, seed, negative_prompt``.
* Stable Image Core and Ultra (``stability.stable-image-core-v1:1``, ``-ultra-v1:1``): body
  ``prompt`` and the optional ``aspect_ratio, output_format, seed`` only; ``mode`` is an SD 3.5
  field ("Stable Image Core request and response", "Stable Image Ultra request and response",
  https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-stable-image-core-text-image-request-response.html,
  .../model-parameters-diffusion-stable-ultra-text-image-request-response.html).
* Every Stability model answers ``{"seeds", "finish_reasons": [null | "Filter reason:
  prompt|output image|input image" | "Inference error"], "images": [b64]}``.
"""

from __future__ import annotations

import base64
import binascii
import json
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

from models.catalogue import capabilities_for
from models.handlers.common import (
    http_timeout,
    image_result,
    kind_for_status,
    nearest_ratio,
    shared_client,
    size_for_ratio,
)
from models.providers import Provider, row_for
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError

_NOVA_MAX_TEXT = 1024  # Nova Canvas rejects text longer than this
_NOVA_SIDE = 1024
_SD_ASPECT_RATIO = "1:1"
_SD_MAX_SEED = 4_294_967_294  # Stability on Bedrock: seed 0-4294967294
_NOVA_MAX_SEED = 2_147_483_646  # Nova Canvas: seed 0-2147483646
_NO_PARAMS = GenerationParams()
_SD35_PREFIX = "stability.sd3"
"""Model ids with the SD 3.5 request schema (``mode``); Stable Image Core/Ultra have none."""
_BLOCKED = re.compile(r"(?i)content filter|blocked|filtered|moderation|responsible ai")


# --- handlers ---------------------------------------------------------------------------------


def generate_nova_image(
    model: ModelConfig, prompt: str, params: GenerationParams
) -> GeneratedImage:
    """Amazon Nova Canvas TEXT_IMAGE: one 1024x1024 image.

    Nova accepts at most 1,024 characters of prompt: longer text is cut rather than refused.
    ``guidance`` is ``cfgScale`` (1.1-10, default 8); steps are ignored.
    """
    cfg = 8.0 if params.guidance is None else min(max(float(params.guidance), 1.1), 10.0)
    width, height = (
        size_for_ratio(params.aspect_ratio, _NOVA_SIDE * _NOVA_SIDE, 64)
        if params.aspect_ratio
        else (_NOVA_SIDE, _NOVA_SIDE)
    )
    seed = 0 if params.seed is None else min(params.seed, _NOVA_MAX_SEED)
    text: dict[str, str] = {"text": prompt[:_NOVA_MAX_TEXT]}
    negative = (params.negative_prompt or "")[:_NOVA_MAX_TEXT]
    if negative:
        text["negativeText"] = negative
    body = {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": text,
        "imageGenerationConfig": {
            "numberOfImages": 1,
            "height": height,
            "width": width,
            "cfgScale": cfg,
            "seed": seed,
        },
    }
    applied = {
        "aspectRatio": params.aspect_ratio,
        "size": f"{width}x{height}" if params.aspect_ratio else None,
        "seed": seed if params.seed is not None else None,
        "negativePrompt": negative or None,
        "guidance": cfg if params.guidance is not None else None,
    }
    payload = _invoke(model, body, params)
    error = payload.get("error")
    images = payload.get("images")
    if error and not images:
        kind = (
            ErrorKind.CONTENT_BLOCKED if _BLOCKED.search(str(error)) else ErrorKind.PROVIDER_ERROR
        )
        raise ProviderError(kind, f"Nova Canvas: {error}")
    return _decode_first(images).with_applied(**applied)


def sd_request(model_id: str, prompt: str, params: GenerationParams = _NO_PARAMS) -> dict[str, Any]:
    """The InvokeModel body for a Stability model: only the fields AWS documents for it (the
    model's ``capabilities``: negative_prompt on SD 3.5 only)."""
    capabilities = capabilities_for(Provider.BEDROCK_SD, model_id)
    ratio = params.aspect_ratio and nearest_ratio(params.aspect_ratio, capabilities.aspect_ratios)
    body: dict[str, Any] = {
        "prompt": prompt,
        "aspect_ratio": ratio or _SD_ASPECT_RATIO,
        "output_format": "png",
        "seed": 0 if params.seed is None else min(params.seed, _SD_MAX_SEED),
    }
    if model_id.startswith(_SD35_PREFIX):
        body["mode"] = "text-to-image"
    if params.negative_prompt and capabilities.negative_prompt:
        body["negative_prompt"] = params.negative_prompt
    return body


def sd_applied(body: dict[str, Any], params: GenerationParams) -> dict[str, Any]:
    """What of the user's parameters ``sd_request`` put in ``body``, in the API's names."""
    return {
        "aspectRatio": body["aspect_ratio"] if params.aspect_ratio else None,
        "seed": body["seed"] if params.seed is not None else None,
        "negativePrompt": body.get("negative_prompt"),
    }


def generate_sd_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    """A Stability model on Bedrock (SD 3.5 Large, Stable Image Core or Ultra), as PNG.

    Their Bedrock schemas have no steps or guidance, so those parameters are ignored.
    """
    body = sd_request(model.model_id, prompt, params)
    payload = _invoke(model, body, params)
    reasons = payload.get("finish_reasons")
    reason = str(reasons[0] or "") if isinstance(reasons, list) and reasons else ""
    if reason:
        if reason.lower().startswith("filter reason"):
            raise ProviderError(ErrorKind.CONTENT_BLOCKED, f"Stability on Bedrock: {reason}")
        raise ProviderError(ErrorKind.PROVIDER_ERROR, f"Stability on Bedrock: {reason}")
    return _decode_first(payload.get("images")).with_applied(**sd_applied(body, params))


# --- transport --------------------------------------------------------------------------------


def _region(model: ModelConfig) -> str:
    return (model.region or "").strip() or row_for(model.provider).default_region or "us-east-1"


def client_for(model: ModelConfig, timeout: float):
    """The cached client a call of ``model`` uses (a worker creates it ahead, at init)."""
    return _client(_region(model), model.base_url or None, timeout)


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
        client = client_for(model, params.timeout)
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


def _decode_first(images: Any) -> GeneratedImage:
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
