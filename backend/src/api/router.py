"""One routing table: (method, path template) -> route function, with 404 / 405 decided here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.errors import MethodNotAllowed, NotFound

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[..., Any]

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", self.template) + "$")


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._compiled = [(route, route.pattern) for route in routes]

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for ``method path`` and its path parameters, or NotFound / MethodNotAllowed."""
        allowed = []
        for route, pattern in self._compiled:
            match = pattern.match(path)
            if match is None:
                continue
            if route.method == method:
                return route, match.groupdict()
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed([*sorted(set(allowed)), "OPTIONS"])
        raise NotFound(f"no route for {path}")

    def knows(self, path: str) -> bool:
        return any(pattern.match(path) for _, pattern in self._compiled)
