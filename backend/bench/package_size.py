"""Figure 9: the deployment package, unzipped, against Lambda's 250 MB limit.

The package is ``backend/src`` plus every distribution that ``requirements.txt`` needs,
resolved transitively from the installed metadata, boto3 included: the artifact ships its own
compiled boto3 rather than rely on the runtime's, whose version AWS does not fix (see
DEPLOYMENT.md, "What the artifact contains"). Sizes are the installed files as pip recorded
them, its compiled ``.pyc`` files included, as the artifact ships them; no network is
needed. The largest dependencies are listed, since they are what a leaner package would cut
first.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from bench.harness import BACKEND, Figure, at_most

LAMBDA_LIMIT_MB = 250
PROVIDED_BY_RUNTIME: set[str] = set()  # nothing: boto3 ships in the artifact
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-") and (match := _NAME.match(line)):
            names.append(_canonical(match.group()))
    return names


def _dependencies(name: str) -> list[str]:
    requires = metadata.distribution(name).requires or []
    return [
        _canonical(_NAME.match(req).group())
        for req in requires
        if "extra ==" not in req and _marker_applies(req)
    ]


def _marker_applies(requirement: str) -> bool:
    from packaging.requirements import Requirement

    marker = Requirement(requirement).marker
    return marker is None or marker.evaluate({"extra": ""})


def closure(roots: list[str]) -> set[str]:
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending += _dependencies(name)
    return seen


def _installed_bytes(name: str) -> int:
    dist = metadata.distribution(name)
    return sum(
        path.stat().st_size
        for path in (Path(dist.locate_file(f)) for f in dist.files or ())
        if path.is_file()
    )


def measure() -> list[Figure]:
    roots = _requirements(BACKEND / "requirements.txt")
    bundled = closure([r for r in roots if r not in PROVIDED_BY_RUNTIME])
    runtime_only = closure(sorted(PROVIDED_BY_RUNTIME)) - bundled
    sizes = {name: _installed_bytes(name) for name in bundled}
    source = sum(
        p.stat().st_size
        for p in (BACKEND / "src").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    total_mb = (sum(sizes.values()) + source) / 1e6
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    return [
        at_most(
            "deployment package, unzipped",
            round(total_mb, 1),
            "MB",
            LAMBDA_LIMIT_MB,
            distributions=len(bundled),
            excluded=sorted(runtime_only),
            largest_mb={name: round(size / 1e6, 1) for name, size in largest},
        ),
        Figure("deployment package: backend/src", round(source / 1e6, 3), "MB"),
    ]
