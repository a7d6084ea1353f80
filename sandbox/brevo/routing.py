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
    #: the parsed JSON body, None when there is none (multipart bodies: see `form`)
    body: Any
    #: `http://host:port` the request reached, for URLs the fake hands out (import reports)
    origin: str = ""
    #: the fields of a multipart/form-data body: text fields as str, files as bytes
    form: dict[str, str | bytes] | None = None

    def json_object(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def query_int(self, name: str, default: int) -> int:
        raw = self.query.get(name)
        return default if raw is None or raw == "" else int(raw)


Handler = Callable[[BrevoCall], Response]
#: Why a parsed JSON body is off-spec, or None; for routes Brevo's spec file lacks.
BodyCheck = Callable[[Any], str | None]


@dataclass(frozen=True)
class BrevoRoute:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]
    #: None: validate against the OpenAPI spec; else this check replaces it
    body_check: BodyCheck | None = None
    #: a documented ceiling on the request body, if the endpoint has one
    max_body_bytes: int | None = None

    @classmethod
    def of(
        cls,
        method: str,
        template: str,
        handler: Handler,
        *,
        body_check: BodyCheck | None = None,
        max_body_bytes: int | None = None,
    ) -> BrevoRoute:
        pattern, _, _ = compile_path(template)
        return cls(method, template, handler, pattern, body_check, max_body_bytes)


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
