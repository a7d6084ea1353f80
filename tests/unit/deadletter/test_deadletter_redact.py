"""Masking secrets in dead-letter payloads, and making payloads storable in any database."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from deadletter.redact import MASK, TOO_DEEP, is_secret_key, redact
from deadletter.storable import storable_json, storable_text


@pytest.mark.parametrize(
    "key",
    [
        "api_token",
        "token",
        "accessToken",
        "refresh_token",
        "client_secret",
        "password",
        "Authorization",
        "X-Auth-Token",
        "x-api-key",
        "apiKey",
        "API_KEY",
        "private_key",
        "Cookie",
        "webhook_signature",
    ],
)
def test_keys_that_look_secret_are_recognised(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["author", "name", "email", "keywords", "tokenizer_name", "id"])
def test_ordinary_keys_are_not_taken_for_secrets(key: str) -> None:
    assert not is_secret_key(key)


def test_secret_values_are_masked_recursively_without_touching_the_input() -> None:
    payload: dict[str, Any] = {
        "id": 7,
        "api_token": "pd-123",
        "meta": {"headers": [{"Authorization": "Bearer abc", "accept": "json"}]},
        "tuple": ({"password": {"nested": "x"}},),
    }
    before = copy.deepcopy(payload)
    assert redact(payload) == {
        "id": 7,
        "api_token": MASK,
        "meta": {"headers": [{"Authorization": MASK, "accept": "json"}]},
        "tuple": [{"password": MASK}],
    }
    assert payload == before


def test_keys_the_caller_names_are_masked_case_insensitively() -> None:
    assert redact({"SSN": "1-23", "name": "Zoë"}, sensitive_keys=["ssn"]) == {
        "SSN": MASK,
        "name": "Zoë",
    }


@pytest.mark.parametrize("payload", [None, 3, "text", [1, "token"], True])
def test_payloads_that_are_not_objects_pass_through(payload: object) -> None:
    assert redact(payload) == payload


def test_very_deep_payloads_are_cut_instead_of_overflowing_the_stack() -> None:
    deep: Any = "bottom"
    for _ in range(10_000):
        deep = {"a": [deep]}
    cut: Any = redact(deep)
    for _ in range(32):
        cut = cut["a"][0]
    assert cut == TOO_DEEP


def test_text_loses_nul_and_lone_surrogates_and_is_cut_to_length() -> None:
    assert storable_text("a\x00b\ud800c") == "a\ufffdb\ufffdc"
    assert storable_text("Zoë 😀") == "Zoë 😀"
    assert storable_text("x" * 10, max_length=5) == "xxxx…"


def test_json_that_a_database_would_refuse_becomes_readable_markers() -> None:
    from datetime import date

    assert storable_json(
        {
            1: float("inf"),
            "big": 10**400,
            "day": date(2024, 1, 2),
            "raw": b"\x00",
            "ok": [1.5, None, True],
        }
    ) == {
        "1": "inf",
        "big": "[integer of 1329 bits]",
        "day": "2024-01-02",
        "raw": "[bytes]",
        "ok": [1.5, None, True],
    }
