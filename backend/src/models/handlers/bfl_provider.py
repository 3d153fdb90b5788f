"""Black Forest Labs (FLUX) REST API: submit a task, poll its ``polling_url``, fetch the image.

Wire protocol (checked late 2026):

* ``POST {base}/v1/{model_id}`` with header ``x-key: <key>`` and a JSON body; the model id
  is the endpoint name: ``flux-2-pro``, ``flux-2-max``, ``flux-2-flex``, ``flux-2-klein-4b``,
  ``flux-2-klein-9b``, ``flux-kontext-pro``, ``flux-kontext-max``, ``flux-pro-1.1``,
  ``flux-pro-1.1-ultra``, ``flux-dev`` (plus preview ids such as ``flux-2-pro-preview``).
  Default base ``https://api.bfl.ai`` (global, routes across clusters); ``api.eu.bfl.ai``
  and ``api.us.bfl.ai`` are the regional multi-cluster hosts, ``api.eu1``/``api.us1`` the
  legacy single-cluster ones (finetunes only). ``MODEL_N_BASE_URL`` takes any of them.
* Body: ``prompt``, ``output_format=png``, ``safety_tolerance`` (0 strict .. 6, default 2);
  ``width``/``height`` (multiples of 32; FLUX.1 256-1440, FLUX.2 up to 4 MP; about a
  megapixel in the requested ratio, else 1024x1024) except Kontext and 1.1 Ultra, which take
  ``aspect_ratio`` (21:9 .. 9:21: the requested ratio, else 1:1); ``seed`` (any model);
  ``steps``/``guidance`` only on
  the models that accept them (``flux-dev``, ``flux-pro``: guidance 1.5-5; ``flux-2-flex``:
  guidance 1.5-10; steps 1-50). BFL has no negative prompt.
* Answer ``{"id", "polling_url", ...}``. The global endpoint may hand the task to another
  cluster, so the ``polling_url`` must be polled exactly as returned (GET, same ``x-key``).
  The key goes only to an ``https`` polling URL on a BFL host (``bfl.ai`` or a subdomain), or
  to the origin of MODEL_N_BASE_URL, where the operator already sends it; any other URL
  (plain ``http``, another host) is a ``bad_response`` and is never requested.
* Poll answer ``{"id", "status", "result", "details", "progress"}`` with status
  ``Pending`` | ``Ready`` (``result.sample`` is a signed delivery URL, valid ~10 min, fetched
  without the key) | ``Request Moderated`` / ``Content Moderated`` (-> ``content_blocked``)
  | ``Task not found`` | ``Error``.
* HTTP errors: 400/422 bad request (FastAPI ``{"detail": [{"loc", "msg", "type"}]}``),
  402 no credits (-> ``provider_error``: the key works, retrying will not help), 403 key not
  allowed (-> ``auth``), 429 too many active tasks (-> ``rate_limited``), 500/503.

Sources: docs.bfl.ai/quick_start/generating_images and /api_integration/integration_guidelines
(endpoints, regional hosts, "must use the polling_url"); docs.bfl.ai/api_integration/errors and
help.bfl.ai "Why did my request fail?" (2026-06: status codes, poll statuses, moderation);
docs.bfl.ai/api-reference "Generate an image with FLUX.1 [dev]" (steps, guidance, sizes);
help.bfl.ai "Aspect Ratios and Output Dimensions" (2026-04: FLUX.2 sizes, Kontext ratios);
github.com/black-forest-labs/skills skills/bfl-api (endpoints.md, rate-limiting.md: model
paths, flex steps/guidance, 429 body); api-evangelist/black-forest-labs OpenAPI (get_result
status enum, HTTPValidationError).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import requests

from models.handlers.common import Deadline, download_image, error_detail, size_for_ratio
from models.handlers.http_json import is_http_url, json_object, send
from models.providers import PROVIDERS, Provider
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError

ROW = PROVIDERS[Provider.BFL]
PROVIDER = ROW.label
BFL_DOMAIN = "bfl.ai"
POLL_INTERVAL_SECONDS = 0.5
SAFETY_TOLERANCE = 2
ASPECT_RATIO_MODELS = ("flux-kontext", "flux-pro-1.1-ultra")
ASPECT_RATIO = "1:1"
SIDE = 1024
SIZE_MULTIPLE = 32
GUIDANCE_RANGES = {"flux-dev": (1.5, 5.0), "flux-pro": (1.5, 5.0), "flux-2-flex": (1.5, 10.0)}
STEPS_RANGE = (1, 50)
MODERATED = ("Request Moderated", "Content Moderated")


def _clamp(value, low, high):
    return min(max(value, low), high)


def build_request(model_id: str, prompt: str, params: GenerationParams) -> dict[str, Any]:
    """The JSON body for ``POST /v1/{model_id}``."""
    body: dict[str, Any] = {
        "prompt": prompt,
        "output_format": "png",
        "safety_tolerance": SAFETY_TOLERANCE,
    }
    ratio = params.aspect_ratio
    if model_id.startswith(ASPECT_RATIO_MODELS):
        body["aspect_ratio"] = ratio or ASPECT_RATIO  # every API ratio is within 21:9..9:21
    elif ratio:
        body["width"], body["height"] = size_for_ratio(ratio, SIDE * SIDE, SIZE_MULTIPLE)
    else:
        body["width"] = body["height"] = SIDE
    if params.seed is not None:
        body["seed"] = params.seed
    guidance_range = GUIDANCE_RANGES.get(model_id)
    if guidance_range:
        if params.steps is not None:
            body["steps"] = _clamp(int(params.steps), *STEPS_RANGE)
        if params.guidance is not None:
            body["guidance"] = _clamp(float(params.guidance), *guidance_range)
    return body


def applied_parameters(body: dict[str, Any], params: GenerationParams) -> dict[str, Any]:
    """What of the user's parameters ``body`` carries, in the API's names."""
    size = f"{body['width']}x{body['height']}" if params.aspect_ratio and "width" in body else None
    return {
        "aspectRatio": params.aspect_ratio,
        "size": size,
        "seed": body.get("seed"),
        "steps": body.get("steps"),
        "guidance": body.get("guidance"),
    }


def _details(task: dict[str, Any]) -> str:
    """What a finished task says about itself: ``details`` (any keys) or ``error``."""
    details = task.get("details")
    if isinstance(details, dict):
        details = list(details.values())
    return error_detail(details) or error_detail(task.get("error"))


def _sample_url(task: dict[str, Any]) -> str:
    result = task.get("result")
    sample = result.get("sample") if isinstance(result, dict) else None
    if not is_http_url(sample):
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"{PROVIDER} said Ready but gave no image URL")
    return sample


def _wait_for_sample(
    session: requests.Session, polling_url: str, headers: dict[str, str], deadline: Deadline
) -> str:
    """Poll until the task is Ready and return its sample URL; raise on any end state."""
    while True:
        task = json_object(send(session, "GET", polling_url, deadline, headers=headers), PROVIDER)
        status = task.get("status")
        if status == "Ready":
            return _sample_url(task)
        if status in MODERATED:
            why = _details(task)
            message = f"{PROVIDER}: {status.lower()}" + (f" ({why})" if why else "")
            raise ProviderError(ErrorKind.CONTENT_BLOCKED, message)
        if status == "Error":
            why = _details(task) or "no details given"
            raise ProviderError(ErrorKind.PROVIDER_ERROR, f"{PROVIDER} generation failed: {why}")
        if status == "Task not found":
            raise ProviderError(ErrorKind.PROVIDER_ERROR, f"{PROVIDER} lost the task (not found)")
        if not isinstance(status, str):
            raise ProviderError(
                ErrorKind.BAD_RESPONSE, f"{PROVIDER} returned a task without status"
            )
        # "Pending" (or a newer in-progress status): wait, bounded by the budget.
        time.sleep(min(POLL_INTERVAL_SECONDS, deadline.remaining()))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def may_receive_key(url: str, base: str) -> bool:
    """Whether the ``x-key`` may be sent to a provider-named ``url``: https on a BFL host, or
    the configured base URL's own origin (where the submit call already sent it)."""
    scheme, _ = _origin(url)
    host = (urlsplit(url).hostname or "").lower()
    on_bfl = host == BFL_DOMAIN or host.endswith("." + BFL_DOMAIN)
    return (scheme == "https" and on_bfl) or _origin(url) == _origin(base)


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    """Generate one PNG with a FLUX model through the BFL API."""
    deadline = Deadline(params.timeout)
    base = (model.base_url or ROW.default_base_url or "").rstrip("/").removesuffix("/v1")
    headers = {"x-key": model.key, "accept": "application/json"}
    body = build_request(model.model_id, prompt, params)
    with requests.Session() as session:
        submitted = send(
            session, "POST", f"{base}/v1/{model.model_id}", deadline, headers=headers, json=body
        )
        polling_url = json_object(submitted, PROVIDER).get("polling_url")
        if not is_http_url(polling_url):
            raise ProviderError(ErrorKind.BAD_RESPONSE, f"{PROVIDER} returned no polling_url")
        if not may_receive_key(polling_url, base):
            raise ProviderError(
                ErrorKind.BAD_RESPONSE,
                f"{PROVIDER} named a polling URL outside its https hosts; the key was not sent",
            )
        sample = _wait_for_sample(session, polling_url, headers, deadline)
        image = download_image(session, sample, deadline)
    return image.with_applied(**applied_parameters(body, params))
