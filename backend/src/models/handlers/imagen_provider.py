"""Imagen on the Gemini Developer API: ``POST {base}/v1beta/models/{model_id}:predict``.

Transport: plain ``requests``. The installed google-genai (3.3.0) raises ``ValueError("This
method is only supported in Gemini Enterprise Agent Platform mode, not in Gemini Developer API
mode")`` from ``models.generate_images`` when the client holds an API key (see
``Models._generate_images``), so the SDK cannot send this call any more; the REST body is small.

Request: header ``x-goog-api-key``; body ``{"instances": [{"prompt"}], "parameters":
{"sampleCount": 1, "aspectRatio", "includeRaiReason": true}}``, where ``aspectRatio`` is the one
of ``1:1, 3:4, 4:3, 9:16, 16:9`` (the requested ratio or the nearest; ``1:1`` by default).
``negativePrompt`` is not sent: the Gemini API rejects it for every Imagen after
``imagen-3.0-generate-002``; steps and guidance have no Imagen equivalent.

Response: ``{"predictions": [{"bytesBase64Encoded", "mimeType"}]}``. A filtered image comes back
as ``{"raiFilteredReason": "..."}`` instead of bytes, and when every image is filtered the body
may be ``{}``; both mean content_blocked, as in Google's own Firebase SDKs. A prompt refused up
front is a ``400`` that cites Responsible AI (mapped in ``google_common``).

Retirement: Imagen is shut down on the Gemini API; the catalogue (``models.catalogue``) holds
the dates and maps the ids to Gemini models, so this handler only serves ids Google (or a
gateway at ``base_url``) still answers on ``:predict``; a retired id answers ``404 NOT_FOUND``,
reported as configuration.

Sources: https://ai.google.dev/gemini-api/docs/imagen ("now shut down"),
https://firebase.google.com/docs/ai-logic/imagen-models-migration (dates, successors),
https://ai.google.dev/gemini-api/docs/deprecations,
https://docs.cloud.google.com/vertex-ai/generative-ai/docs/deprecations,
firebase-android-sdk ``firebase-vertexai/.../GenerateImageResponse.kt`` and ``ImagenModel``
(``raiFilteredReason``, all-filtered handling), the react-native-firebase ImagenGenerationConfig
reference (negativePrompt unsupported on the Gemini Developer API).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import requests

from models.catalogue import capabilities_for
from models.handlers import google_common
from models.handlers.common import http_timeout, image_result, nearest_ratio
from models.handlers.http_json import json_or_none
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError

ASPECT_RATIO = "1:1"


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    ratio = params.aspect_ratio and nearest_ratio(
        params.aspect_ratio, capabilities_for(model.provider, model.model_id).aspect_ratios
    )
    url = (
        f"{google_common.base_url(model)}/{google_common.API_VERSION}"
        f"/models/{model.model_id}:predict"
    )
    body: dict[str, Any] = {
        "instances": [{"prompt": prompt}],
        "parameters": {
            "sampleCount": 1,
            "aspectRatio": ratio or ASPECT_RATIO,
            "includeRaiReason": True,
        },
    }
    headers = {"x-goog-api-key": model.key.strip()}
    response = google_common.call(
        model,
        lambda: requests.post(
            url, json=body, headers=headers, timeout=http_timeout(params.timeout)
        ),
    )
    payload = json_or_none(response)
    if response.status_code != 200:
        raise google_common.api_error(response.status_code, payload, model.model_id)
    if payload is None:
        raise ProviderError(ErrorKind.BAD_RESPONSE, "Imagen answered with something not JSON")
    return _image(payload).with_applied(aspectRatio=ratio)


def _image(payload: object) -> GeneratedImage:
    if not isinstance(payload, dict):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "Imagen answered with an unexpected shape")
    predictions = payload.get("predictions")
    if not predictions:
        raise ProviderError(
            ErrorKind.CONTENT_BLOCKED, "Imagen returned no image: all were filtered by its safety"
        )
    if not isinstance(predictions, list):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "Imagen answered with an unexpected shape")
    reasons = []
    for prediction in predictions:
        if not isinstance(prediction, dict):
            continue
        if prediction.get("bytesBase64Encoded"):
            try:
                data = base64.b64decode(prediction["bytesBase64Encoded"], validate=True)
            except (binascii.Error, ValueError, TypeError) as exc:
                raise ProviderError(
                    ErrorKind.BAD_RESPONSE, "Imagen returned image data that is not base64"
                ) from exc
            return image_result(data)
        if prediction.get("raiFilteredReason"):
            reasons.append(str(prediction["raiFilteredReason"]))
    if reasons:
        raise ProviderError(ErrorKind.CONTENT_BLOCKED, f"Imagen filtered the image: {reasons[0]}")
    raise ProviderError(ErrorKind.BAD_RESPONSE, "Imagen returned predictions without an image")
