"""Settings: every variable the Lambda reads, parsed once into one immutable object.

``load_settings(environ, secret)`` is pure (no I/O), so tests and the local server build their
own. ``bootstrap`` reads MODEL_KEYS_SECRET_ARN before settings exist: that secret holds the
model keys and the per-model options of a deployment (``parse_secret``), because Lambda's
environment is capped at 4 KB and is readable by anyone allowed GetFunctionConfiguration.
Misconfiguration never raises: each problem becomes a message in ``Settings.warnings`` naming
the variable, which the entry point logs at start-up, and a safe default is used instead.

``VARIABLES`` and ``MODEL_VARIABLES`` name every variable read here, once; the template tests
derive the environment a deployment must set from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_MODELS = 20

# The worker function's timeout (``Timeout`` of WorkerFunction in template.yaml; a template test
# keeps the two equal). A job its worker has not updated for longer is reported failed.
WORKER_TIMEOUT_SECONDS = 900

API = "api"
WORKER = "worker"


@dataclass(frozen=True)
class Variable:
    """One variable and the deployed functions the SAM template sets it on (none: local only,
    or an optional operator setting the template leaves unset)."""

    name: str
    deployed_on: tuple[str, ...] = ()


VARIABLES: tuple[Variable, ...] = (
    Variable("MODEL_COUNT", (API, WORKER)),
    Variable("PROMPT_MODEL_INDEX", (API, WORKER)),
    Variable("MODEL_TIMEOUT_SECONDS", (API, WORKER)),
    Variable("GLOBAL_LIMIT", (API, WORKER)),
    Variable("IP_LIMIT", (API, WORKER)),
    Variable("IP_INCLUDE", (API, WORKER)),
    Variable("S3_BUCKET", (API, WORKER)),
    Variable("CLOUDFRONT_DOMAIN", (API, WORKER)),
    # Read by bootstrap (the secret is fetched before settings exist), listed here to be named once.
    Variable("MODEL_KEYS_SECRET_ARN", (API, WORKER)),
    # The function POST /generate invokes to run a job; unset means a local background thread.
    Variable("WORKER_FUNCTION_NAME", (API,)),
    # Without one, jobs run on threads of the serving process, at most this many at once: the
    # deployed worker's reserved concurrency (template.yaml, WorkerConcurrency) does that there.
    Variable("WORKER_CONCURRENCY"),
    Variable("S3_ENDPOINT_URL"),
    Variable("DATA_DIR"),
    Variable("PUBLIC_BASE_URL"),
    Variable("CONTENT_FILTER_EXTRA_TERMS_FILE"),
    Variable("CONTENT_FILTER_MODE", (API,)),
    # Local runs; a deployment's comes from the secret's "rateLimitKey".
    Variable("RATE_LIMIT_KEY"),
    # Spend: the day's ceiling (the API reserves against it); the price of an unknown model.
    Variable("DAILY_SPEND_LIMIT_USD", (API,)),
    Variable("DEFAULT_PRICE_USD"),
)

# MODEL_N_<suffix>. In a deployment NAME is an environment variable, KEY comes from the secret's
# "keys" and every MODEL_OPTIONS suffix from the secret's "options" (``parse_model_options``);
# locally all of them are plain variables. A new per-model setting (a price, say) is one more
# suffix here plus its ``ModelSettings`` field, and is deployable at once as an option.
MODEL_OPTIONS: tuple[str, ...] = ("PROVIDER", "MODEL_ID", "BASE_URL", "REGION", "PRICE_USD")
MODEL_VARIABLES: tuple[str, ...] = ("NAME", "KEY", *MODEL_OPTIONS)


def model_variable(index: int | str, suffix: str) -> str:
    return f"MODEL_{index}_{suffix}"


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
    price_usd: float | None = None


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
    worker_concurrency: int = 10
    content_filter_extra_terms_file: str | None = None
    default_price_usd: float = 0.10
    daily_spend_limit_usd: float | None = None
    rate_limit_key: str | None = field(default=None, repr=False)
    content_filter_mode: str = "keyword"
    """"keyword", or "provider": also ask OpenAI's moderation endpoint (see utils.moderation)."""
    warnings: tuple[str, ...] = ()


class _Reader:
    """Reads typed values from the environment, collecting a warning per bad variable.

    ``fallback`` supplies a variable the environment leaves unset or empty (the options from
    the secret)."""

    def __init__(self, environ: Mapping[str, str], fallback: Mapping[str, str]) -> None:
        self.environ = environ
        self.fallback = fallback
        self.warnings: list[str] = []

    def text(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip() or self.fallback.get(name, "").strip()
        return value or None

    def number(self, name: str, default: Any, low: float, high: float, kind: type = int) -> Any:
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

    def optional_number(self, name: str, low: float, high: float) -> float | None:
        """A float in ``low``-``high``, or None when unset or unusable (with a warning)."""
        raw = self.text(name)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.warnings.append(f"{name}={raw!r} is not a number; ignored")
            return None
        if not low <= value <= high:  # NaN fails this too
            self.warnings.append(f"{name}={raw} is outside {low}-{high}; ignored")
            return None
        return value


def parse_model_options(index: str, text: str) -> tuple[dict[str, str], list[str]]:
    """One model's options, ``"provider=generic; base_url=https://host/v1; model_id=x"``, as the
    MODEL_N_* variables they stand for (names are MODEL_OPTIONS, any case), plus warnings.

    The form is the ``Model<N>Options`` template parameter's: ``name=value`` pairs separated by
    ``;``, no quotes (the template splices the text into the secret's JSON)."""
    variables: dict[str, str] = {}
    warnings: list[str] = []
    where = f"options of model {index} (Model{index}Options)"
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        option = name.strip().upper()
        if not sep or not option:
            warnings.append(f"{where}: {part[:40]!r} is not name=value; ignored")
        elif option not in MODEL_OPTIONS:
            known = ", ".join(o.lower() for o in MODEL_OPTIONS)
            warnings.append(f"{where}: unknown option {option.lower()!r} (known: {known}); ignored")
        else:
            variable = model_variable(index, option)
            if variable in variables:
                warnings.append(f"{where}: {option.lower()} is given twice; the last one is used")
            variables[variable] = value.strip()
    return variables, warnings


def parse_secret(secret: Mapping[str, Any] | None) -> tuple[dict[str, str], dict[str, str]]:
    """``(keys, options)``, each by model index ("1".."20"), from the secret the SAM template
    assembles: ``{"keys": {"1": "<key>", ...}, "options": {"1": "<options>", ...}}``. A flat
    ``{"1": "<key>", ...}`` (the secret of stacks deployed before options existed) is all keys.
    Empty values are dropped."""

    def strings(value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            return {}
        return {str(k): v.strip() for k, v in value.items() if isinstance(v, str) and v.strip()}

    if not secret:
        return {}, {}
    if "keys" in secret or "options" in secret:
        return strings(secret.get("keys")), strings(secret.get("options"))
    return strings(secret), {}


def load_settings(environ: Mapping[str, str], secret: Mapping[str, Any] | None = None) -> Settings:
    """Build ``Settings`` from environment variables and the deployment's secret.

    ``secret`` is the parsed JSON of the Secrets Manager secret (``parse_secret``). A variable
    set in the environment wins over the secret: MODEL_N_KEY over its key, MODEL_N_REGION over
    the ``region`` option, and so on.
    """
    keys, options = parse_secret(secret)
    from_options: dict[str, str] = {}
    option_warnings: list[str] = []
    for slot, text in sorted(options.items()):
        if not (slot.isdigit() and 1 <= int(slot) <= MAX_MODELS):
            option_warnings.append(f"the secret's options name model {slot[:8]!r}; ignored")
            continue
        variables, warnings = parse_model_options(slot, text)
        from_options.update(variables)
        option_warnings.extend(warnings)
    read = _Reader(environ, from_options)
    read.warnings.extend(option_warnings)
    # Without MODEL_COUNT every MODEL_N_NAME counts; with it, only the first MODEL_COUNT do.
    declared = read.number("MODEL_COUNT", 0, 0, MAX_MODELS)
    limit = declared if read.text("MODEL_COUNT") else MAX_MODELS
    models = []
    for index in range(1, MAX_MODELS + 1):
        name = read.text(model_variable(index, "NAME"))
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
                key=read.text(model_variable(index, "KEY")) or keys.get(str(index), ""),
                provider=(read.text(model_variable(index, "PROVIDER")) or "").lower() or None,
                model_id=read.text(model_variable(index, "MODEL_ID")),
                base_url=read.text(model_variable(index, "BASE_URL")),
                region=read.text(model_variable(index, "REGION")),
                price_usd=read.optional_number(model_variable(index, "PRICE_USD"), 0, 100),
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
        worker_concurrency=read.number("WORKER_CONCURRENCY", 10, 1, 1000),
        content_filter_extra_terms_file=read.text("CONTENT_FILTER_EXTRA_TERMS_FILE"),
        default_price_usd=read.number("DEFAULT_PRICE_USD", 0.10, 0, 100, float),
        daily_spend_limit_usd=read.optional_number("DAILY_SPEND_LIMIT_USD", 0, 10**6),
        # The HMAC secret of the rate-limit keys: the secret's "rateLimitKey" (generated at
        # deploy), or RATE_LIMIT_KEY (local runs); bootstrap makes one when neither is set.
        rate_limit_key=read.text("RATE_LIMIT_KEY")
        or str((secret or {}).get("rateLimitKey", "")).strip()
        or None,
        content_filter_mode=filter_mode,
        warnings=tuple(read.warnings),
    )
