"""Pipedrive's error bodies: `success: false` plus `error`, `errorCode` and `error_info`.

https://pipedrive.readme.io/docs/core-api-concepts-responses
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse

ERROR_INFO = "Please check developers.pipedrive.com for more information about Pipedrive API."

MESSAGES: dict[int, str] = {
    400: "Bad request",
    401: "unauthorized access",
    403: "You do not have permissions to perform this action",
    404: "Not found",
    429: "Request over limit",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def pipedrive_error(
    status: int, message: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {
        "success": False,
        "error": message or MESSAGES.get(status, "Error"),
        "errorCode": status,
        "error_info": ERROR_INFO,
        "data": None,
        "additional_data": None,
    }
    return JSONResponse(body, status_code=status, headers=headers)
