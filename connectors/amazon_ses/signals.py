"""Amazon SES's rate-limit signals. Pure: botocore's parsed error response in, a signal out.

SES v2 refuses a call over the account's request rate with `TooManyRequestsException` (HTTP
429); the v1 API says `Throttling` ("Maximum sending rate exceeded."). Both pass in a second:
the sending rate is per second. A spent *daily sending quota* ("Daily message quota exceeded.")
does not pass until the rolling 24-hour window frees messages: the whole sender waits.
boto3 raises `ClientError` whose `.response` is the mapping read here
(`{"Error": {"Code", "Message"}, "ResponseMetadata": {"HTTPStatusCode", "HTTPHeaders"}}`).
https://docs.aws.amazon.com/ses/latest/APIReference-V2/CommonErrors.html
https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.core.ratelimit import RateLimitSignal, header, parse_retry_after

THROTTLING_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})
#: SES's sending rate is per second: a throttled call may go again after about a second.
RATE_WAIT_SECONDS = 1.0
#: The daily quota is a rolling 24 hours; without a better hint, check again in an hour.
DAILY_QUOTA_WAIT_SECONDS = 3600.0
DAILY_QUOTA_MARKER = "daily message quota"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def error_code(response: Mapping[str, Any]) -> str | None:
    code = _mapping(response.get("Error")).get("Code")
    return code if isinstance(code, str) else None


def is_throttled(response: Mapping[str, Any]) -> bool:
    metadata = _mapping(response.get("ResponseMetadata"))
    return error_code(response) in THROTTLING_CODES or metadata.get("HTTPStatusCode") == 429


def error_signal(response: Mapping[str, Any]) -> RateLimitSignal:
    """The signal of a failed SES call; an empty signal when it was not about rate."""
    if not is_throttled(response):
        return RateLimitSignal()
    message = _mapping(response.get("Error")).get("Message")
    headers = _mapping(_mapping(response.get("ResponseMetadata")).get("HTTPHeaders"))
    retry_after = parse_retry_after(
        header({str(k): str(v) for k, v in headers.items()}, "retry-after")
    )
    if isinstance(message, str) and DAILY_QUOTA_MARKER in message.lower():
        wait = retry_after if retry_after is not None else DAILY_QUOTA_WAIT_SECONDS
        return RateLimitSignal(
            throttled=True,
            retry_after=wait,
            budget_remaining=0,
            budget_reset_seconds=wait,
        )
    return RateLimitSignal(
        throttled=True,
        retry_after=retry_after if retry_after is not None else RATE_WAIT_SECONDS,
    )
