"""The Brevo routes the fake serves, and the call object their handlers receive."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import compile_path

if TYPE_CHECKING:
    from sandbox.brevo.fake import BrevoFake


@dataclass(frozen=True)
class BrevoCall:
    """A request that passed auth, limits and spec validation: handlers trust its shape."""

    fake: BrevoFake
    path_params: dict[str, str]
    query: QueryParams
    #: the parsed JSON body, None when there is none
    body: Any

    def json_object(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def query_int(self, name: str, default: int) -> int:
        raw = self.query.get(name)
        return default if raw is None or raw == "" else int(raw)


Handler = Callable[[BrevoCall], Response]


@dataclass(frozen=True)
class BrevoRoute:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, method: str, template: str, handler: Handler) -> BrevoRoute:
        pattern, _, _ = compile_path(template)
        return cls(method, template, handler, pattern)


@dataclass(frozen=True)
class RouteMatch:
    route: BrevoRoute
    path_params: dict[str, str]


def match_route(routes: Sequence[BrevoRoute], method: str, path: str) -> RouteMatch | None:
    """The first route serving `method path` (literal segments are listed before templates)."""
    for route in routes:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found is not None:
            return RouteMatch(route, dict(found.groupdict()))
    return None
