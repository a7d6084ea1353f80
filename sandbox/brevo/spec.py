"""Brevo's OpenAPI 3.0.1 spec, loaded once per process, and request validation against it.

The spec file is ~860 kB of YAML; it is parsed on first use and cached at module level, so
starting several fakes in one process costs one parse. Requests are validated as if sent to
the spec's own server (`https://api.brevo.com/v3`), whatever port the fake listens on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.validation.request.exceptions import RequestBodyValidationError
from starlette.datastructures import Headers, QueryParams

SPEC_FILE = Path(__file__).parent / "spec" / "brevo-v3-openapi.yml"
SPEC_HOST_URL = "https://api.brevo.com"
MAX_MESSAGE_CHARS = 2000

#: Request bodies that are a `oneOf` whose branches overlap: no branch requires its own field
#: or forbids the others', so `{"emails": [...]}` is "valid under each of" them and a strict
#: check rejects a body Brevo accepts (spec/SOURCE.md, "Known defect"). A plain `anyOf` would
#: accept anything instead (`{"emails": [151 items]}` is a valid "by ids" body), so each branch
#: is made to require the field it is about (as its description says), then joined by `anyOf`.
ONE_OF_READ_AS_ANY_OF: tuple[tuple[str, str], ...] = (
    ("/contacts/lists/{listId}/contacts/add", "post"),
    ("/contacts/lists/{listId}/contacts/remove", "post"),
)


class _NoTimestampsLoader(yaml.CSafeLoader):
    """YAML loader that keeps dates as strings, as JSON Schema expects."""


_NoTimestampsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


#: `event.event_properties` values: the schema allows string, integer, object and array of
#: objects, while its own description ("string, number, boolean (true/false), date") and its
#: own example (`"autoplayed": false`) use numbers and booleans; brevo-python types list items
#: as any. The schema is widened to what the description says (spec/SOURCE.md).
EVENT_PROPERTY_VALUE: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "object"},
        {"type": "array"},
    ]
}


@functools.cache
def brevo_openapi() -> OpenAPI:
    """The parsed spec as an `openapi_core.OpenAPI`, built once per process."""
    with SPEC_FILE.open("rb") as handle:
        document = yaml.load(handle, Loader=_NoTimestampsLoader)  # noqa: S506 (a safe loader)
    _read_one_of_as_any_of(document)
    event = document["components"]["schemas"].get("event")
    if event is not None:
        event["properties"]["event_properties"]["additionalProperties"] = EVENT_PROPERTY_VALUE
    # The spec itself is not re-validated at start (slow, and it is a vendor file we do not
    # fix); requests are validated against it as it is.
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


def _read_one_of_as_any_of(document: dict[str, Any]) -> None:
    for path, method in ONE_OF_READ_AS_ANY_OF:
        operation = document["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        for media in operation["requestBody"]["content"].values():
            schema = media["schema"]
            if "oneOf" in schema:
                branches = schema.pop("oneOf")
                schema["anyOf"] = [_requiring_its_fields(document, b) for b in branches]


def _requiring_its_fields(document: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = branch
    reference = branch.get("$ref")
    if isinstance(reference, str):
        schema = document
        for part in reference.removeprefix("#/").split("/"):
            schema = schema[part]
    return {"allOf": [branch, {"required": sorted(schema.get("properties", {}))}]}


@dataclass(frozen=True)
class SpecViolation:
    #: "unknown_route" when the spec has no such path or method, else "invalid"
    kind: str
    message: str


class _SpecRequest:
    """A request in the shape openapi-core reads (its `Request` protocol)."""

    def __init__(
        self,
        method: str,
        path: str,
        query: QueryParams,
        headers: Headers,
        body: bytes | None,
        content_type: str,
    ) -> None:
        self.host_url = SPEC_HOST_URL
        self.path = path
        self.method = method.lower()
        self.body = body
        self.content_type = content_type
        self.parameters = RequestParameters(query=query, header=headers)


def spec_violation(
    method: str,
    path: str,
    query: QueryParams,
    headers: Headers,
    body: bytes | None,
    content_type: str,
) -> SpecViolation | None:
    """None when the request is one Brevo's spec allows, else why not."""
    request = _SpecRequest(method, path, query, headers, body or None, content_type)
    try:
        brevo_openapi().validate_request(request)
    except (PathNotFound, OperationNotFound) as exc:
        return SpecViolation("unknown_route", f"{method.upper()} {path}: {exc}")
    except Exception as exc:  # openapi-core raises many unrelated classes; all mean "invalid"
        return SpecViolation("invalid", describe(exc))
    return None


def describe(exc: BaseException) -> str:
    """A short reason naming the offending fields (`$.jsonBody[0].email: ...`).

    openapi-core's own message repeats the whole body, which can be megabytes: the body's
    schema errors are listed instead, each cut to a readable length.
    """
    cause = exc.__cause__
    schema_errors = getattr(cause, "schema_errors", None) if cause is not None else None
    if not schema_errors:
        reason = str(exc) if cause is None or str(cause) in str(exc) else f"{exc}: {cause}"
        return _cut(reason, MAX_MESSAGE_CHARS)
    lead = "Request body is invalid" if isinstance(exc, RequestBodyValidationError) else str(exc)
    details = []
    for error in schema_errors:
        # anyOf/oneOf failures say little by themselves; their branches' errors say why.
        for detail in getattr(error, "context", None) or [error]:
            details.append(_schema_error_line(detail))
    return _cut(f"{lead}: {'; '.join(details)}", MAX_MESSAGE_CHARS)


def _schema_error_line(error: Any) -> str:
    message = str(getattr(error, "message", error))
    if len(message) > 200 and hasattr(error, "validator"):
        # "['a@x.com', ... 150 more] is too long" -> "fails maxItems=150"
        message = f"fails {error.validator}={error.validator_value!r}"
    return _cut(f"{getattr(error, 'json_path', '$')}: {message}", 300)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
