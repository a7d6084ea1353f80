"""Dead-letter reason codes and their operator hints."""

from __future__ import annotations

import pytest

from deadletter.reasons import DeadLetterReason, hint
from mapping import Reason


def test_every_mapping_reason_is_a_dead_letter_reason_with_the_same_code() -> None:
    assert {reason.value for reason in Reason} <= {reason.value for reason in DeadLetterReason}
    assert all(DeadLetterReason(reason) == reason.value for reason in Reason)


@pytest.mark.parametrize(
    "code",
    [
        "brevo_rejected",
        "brevo_conflict",
        "auth",
        "forbidden",
        "vendor_unavailable",
        "retries_exhausted",
    ],
)
def test_destination_and_vendor_failures_have_their_own_codes(code: str) -> None:
    assert DeadLetterReason(code).value == code


@pytest.mark.parametrize("reason", list(DeadLetterReason))
def test_every_reason_has_a_one_line_hint(reason: DeadLetterReason) -> None:
    text = hint(reason)
    assert text
    assert "\n" not in text
    assert len(text) <= 100


def test_an_unknown_reason_has_no_hint() -> None:
    with pytest.raises(ValueError, match="nope"):
        hint("nope")
