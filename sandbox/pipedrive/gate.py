"""What every Pipedrive API request passes before its handler: failures, auth, rate limit, log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from sandbox.common.failures import MALFORMED, SLOW, Failure
from sandbox.common.ratelimit import WindowVerdict
from sandbox.pipedrive.budget import Arrival, cost_of
from sandbox.pipedrive.errors import pipedrive_error
from sandbox.pipedrive.fake import PipedriveFake

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallContext:
    #: share of records to corrupt in this response (the "malformed" failure switch)
    malformed_share: float = 0.0


Handler = Callable[[Request, CallContext], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def token_of(request: Request) -> str | None:
    """The API token: Pipedrive takes it as `x-api-token` or `?api_token=`. (An OAuth access
    token comes as `Authorization: Bearer`; see `PipedriveFake.account_of`.)"""
    header = request.headers.get("x-api-token")
    if header:
        return header
    return request.query_params.get("api_token")


def rate_limit_headers(verdict: WindowVerdict | None) -> dict[str, str]:
    # https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting
    if verdict is None:
        return {}
    return {
        "x-ratelimit-limit": str(verdict.limit),
        "x-ratelimit-remaining": str(verdict.remaining),
        "x-ratelimit-reset": str(verdict.reset_seconds),
    }


def guarded(fake: PipedriveFake, route: str, handler: Handler) -> Endpoint:
    """Wrap a handler so the request is checked, counted and answered like Pipedrive would."""

    async def endpoint(request: Request) -> Response:
        arrived = time.time()
        try:
            response = await _through_gate(fake, request, route, handler)
        except Exception:
            logger.exception("pipedrive sandbox handler failed on %s", route)
            response = pipedrive_error(500)
        fake.log.record(request.method, request.url.path, route, response.status_code)
        refused = response.status_code == 429
        daily = refused and response.headers.get(DAILY_REMAINING) == "0"
        reset = response.headers.get("x-ratelimit-reset") if refused else None
        fake.arrivals.record(
            Arrival(
                arrived, route, response.status_code, daily, None if reset is None else float(reset)
            )
        )
        return response

    return endpoint


DAILY_REMAINING = "x-daily-ratelimit-token-remaining"
DAILY_BUDGET_MESSAGE = "Daily token budget exceeded"


async def _through_gate(
    fake: PipedriveFake, request: Request, route: str, handler: Handler
) -> Response:
    failure = fake.failures.next_failure(request.url.path)
    if failure is not None and failure.mode == SLOW:
        await asyncio.sleep(failure.delay_seconds)
        failure = None
    if failure is not None and failure.status == 401:
        return pipedrive_error(401)
    token = fake.account_of(request.headers, token_of(request))
    if token is None:
        return pipedrive_error(401)
    if failure is not None and failure.status == 429:
        return pipedrive_error(429, headers=rate_limit_headers(fake.rate_limit.exhausted(token)))
    verdict = fake.rate_limit.take(token)
    headers = rate_limit_headers(verdict)
    if verdict is not None and not verdict.allowed:
        return pipedrive_error(429, headers=headers)
    # The day's token budget: once spent, every call is refused until it resets.
    budget = fake.budget.take(token, cost_of(route))
    if budget is not None:
        headers.update(budget.headers())
        if not budget.allowed:
            return pipedrive_error(429, DAILY_BUDGET_MESSAGE, headers=headers)
    if failure is not None and failure.status is not None:
        return pipedrive_error(failure.status, headers=headers)
    response = await handler(request, _context(failure))
    response.headers.update(headers)
    return response


def _context(failure: Failure | None) -> CallContext:
    if failure is not None and failure.mode == MALFORMED:
        return CallContext(malformed_share=failure.record_fraction)
    return CallContext()
