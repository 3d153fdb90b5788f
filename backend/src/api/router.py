"""One routing table: (method, path template) -> route function, with 404 / 405 decided here.

A route function takes the ``Request`` (and the template's path parameters) and returns a
``Response``, or raises a typed ``ApiError`` that ``api.app`` turns into the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from api.errors import MethodNotAllowed, NotFound
from api.http import Response

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[..., Response]

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", self.template) + "$")


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._compiled = [(route, route.pattern) for route in routes]

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for ``method path`` and its path parameters, or NotFound / MethodNotAllowed."""
        for route, pattern in self._compiled:
            match = pattern.match(path)
            if match is not None and route.method == method:
                return route, match.groupdict()
        allowed = self.allowed(path)
        if allowed:
            raise MethodNotAllowed(allowed)
        raise NotFound(f"no route for {path}")

    def allowed(self, path: str) -> list[str]:
        """The methods ``path`` answers, OPTIONS included; empty for a path no route knows."""
        methods = {route.method for route, pattern in self._compiled if pattern.match(path)}
        return [*sorted(methods), "OPTIONS"] if methods else []

    def knows(self, path: str) -> bool:
        return bool(self.allowed(path))
