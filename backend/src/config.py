"""Settings: every variable the Lambda reads, parsed once into one immutable object.

``load_settings(environ)`` is pure (no I/O), so tests and the local server build their own.
(``bootstrap`` reads the two it needs before settings exist: MODEL_KEYS_SECRET_ARN, whose
secret supplies the keys, and AWS_LAMBDA_FUNCTION_NAME, Lambda's own name for itself.)
Misconfiguration never raises: each problem becomes a message in ``Settings.warnings`` naming
the variable, which the entry point logs at start-up, and a safe default is used instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MAX_MODELS = 20


@dataclass(frozen=True)
class ModelSettings:
    """The raw MODEL_N_* variables of one model; the registry resolves provider and model id."""

    index: int
    name: str
    key: str = field(default="", repr=False)
    provider: str | None = None
    model_id: str | None = None
    base_url: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Settings:
    models: tuple[ModelSettings, ...] = ()
    prompt_model_index: int = 1
    global_limit: int = 1000
    ip_limit: int = 50
    ip_include: frozenset[str] = frozenset()
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    cloudfront_domain: str | None = None
    data_dir: Path = Path(".data")
    public_base_url: str | None = None
    model_timeout_seconds: float = 60.0
    worker_function_name: str | None = None
    function_timeout_seconds: int = 900
    content_filter_extra_terms_file: str | None = None
    rate_limit_key: str | None = field(default=None, repr=False)
    content_filter_mode: str = "keyword"
    """"keyword", or "provider": also ask OpenAI's moderation endpoint (see utils.moderation)."""
    warnings: tuple[str, ...] = ()


class _Reader:
    """Reads typed values from the environment, collecting a warning per bad variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.warnings: list[str] = []

    def text(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def number(self, name: str, default: float, low: float, high: float, kind: type = int):
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = kind(raw)
        except ValueError:
            self.warnings.append(f"{name}={raw!r} is not a number; using {default}")
            return default
        if not low <= value <= high:
            clamped = min(max(value, kind(low)), kind(high))
            self.warnings.append(f"{name}={raw} is outside {low}-{high}; using {clamped}")
            return clamped
        return value


def load_settings(
    environ: Mapping[str, str], secret_keys: Mapping[str, str] | None = None
) -> Settings:
    """Build ``Settings`` from environment variables.

    ``secret_keys`` maps a model index ("1".."20") to its key, as stored in the Secrets
    Manager secret the SAM template assembles; a MODEL_N_KEY variable, when set, wins.
    """
    read = _Reader(environ)
    secret_keys = secret_keys or {}
    # Without MODEL_COUNT every MODEL_N_NAME counts; with it, only the first MODEL_COUNT do.
    declared = read.number("MODEL_COUNT", 0, 0, MAX_MODELS)
    limit = declared if read.text("MODEL_COUNT") else MAX_MODELS
    models = []
    for index in range(1, MAX_MODELS + 1):
        name = read.text(f"MODEL_{index}_NAME")
        if name is None:
            if index <= declared:
                read.warnings.append(f"MODEL_{index}_NAME is not set; model {index} is skipped")
            continue
        if index > limit:
            read.warnings.append(f"MODEL_{index}_NAME is beyond MODEL_COUNT={declared}; ignored")
            continue
        models.append(
            ModelSettings(
                index=index,
                name=name,
                key=read.text(f"MODEL_{index}_KEY") or secret_keys.get(str(index), "").strip(),
                provider=(read.text(f"MODEL_{index}_PROVIDER") or "").lower() or None,
                model_id=read.text(f"MODEL_{index}_MODEL_ID"),
                base_url=read.text(f"MODEL_{index}_BASE_URL"),
                region=read.text(f"MODEL_{index}_REGION"),
            )
        )
    if declared and not models:
        read.warnings.append("MODEL_COUNT is set but no MODEL_N_NAME is; no model will run")
    whitelist = frozenset(
        ip.strip() for ip in (read.text("IP_INCLUDE") or "").split(",") if ip.strip()
    )
    filter_mode = (read.text("CONTENT_FILTER_MODE") or "keyword").lower()
    if filter_mode not in ("keyword", "provider"):
        read.warnings.append(
            f"CONTENT_FILTER_MODE={filter_mode!r} is not keyword or provider; using keyword"
        )
        filter_mode = "keyword"
    return Settings(
        models=tuple(models),
        prompt_model_index=read.number("PROMPT_MODEL_INDEX", 1, 1, MAX_MODELS),
        global_limit=read.number("GLOBAL_LIMIT", 1000, 0, 10**9),
        ip_limit=read.number("IP_LIMIT", 50, 0, 10**9),
        ip_include=whitelist,
        s3_bucket=read.text("S3_BUCKET"),
        s3_endpoint_url=read.text("S3_ENDPOINT_URL"),
        cloudfront_domain=read.text("CLOUDFRONT_DOMAIN"),
        data_dir=Path(read.text("DATA_DIR") or ".data"),
        public_base_url=read.text("PUBLIC_BASE_URL"),
        model_timeout_seconds=read.number("MODEL_TIMEOUT_SECONDS", 60.0, 1, 840, float),
        worker_function_name=read.text("WORKER_FUNCTION_NAME"),
        function_timeout_seconds=read.number("FUNCTION_TIMEOUT_SECONDS", 900, 1, 900),
        content_filter_extra_terms_file=read.text("CONTENT_FILTER_EXTRA_TERMS_FILE"),
        # The HMAC secret of the rate-limit keys: the secret's "rateLimitKey" (generated at
        # deploy), or RATE_LIMIT_KEY (local runs); bootstrap makes one when neither is set.
        rate_limit_key=read.text("RATE_LIMIT_KEY")
        or str(secret_keys.get("rateLimitKey", "")).strip()
        or None,
        content_filter_mode=filter_mode,
        warnings=tuple(read.warnings),
    )
