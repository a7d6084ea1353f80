"""The limiter's pure parts: fingerprints, keys, buckets from the config, signals from pages."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from pydantic import SecretStr, ValidationError

from connectors.brevo.settings import BrevoSettings
from connectors.config import TajoConfig
from connectors.core.ratelimit import RateLimitSignal
from connectors.pipedrive.settings import PipedriveSettings
from tasks import limits
from tasks.runtime import Bucket
from workers.limiter import bucket_keys, configured_buckets, is_redis_url

SECRET = "s3cret-pipedrive-token"


def test_a_fingerprint_is_short_stable_and_not_the_secret() -> None:
    first = limits.fingerprint(SecretStr(SECRET))
    assert first == limits.fingerprint(SecretStr(SECRET))
    assert len(first) == limits.FINGERPRINT_LENGTH
    assert SECRET not in first
    assert first != limits.fingerprint(SecretStr(SECRET + "x"))


def test_bucket_keys_share_one_hash_tag_and_name_no_secret() -> None:
    keys = bucket_keys("pipedrive", limits.fingerprint(SecretStr(SECRET)), "burst")
    tags = {key[key.index("{") : key.index("}") + 1] for key in keys}
    assert len(tags) == 1
    assert all(SECRET not in key for key in keys)


def test_pipedrive_defaults_to_80_requests_per_2_seconds() -> None:
    settings = PipedriveSettings(api_token=SecretStr(SECRET))
    assert limits.pipedrive_bucket(settings) == Bucket("burst", 80, 2.0)


def test_brevo_has_a_contacts_bucket_per_second_and_an_other_bucket_per_hour() -> None:
    settings = BrevoSettings.model_validate({"rate_limit": {"contacts_per_second": 5}})
    assert limits.brevo_contacts_bucket(settings) == Bucket("contacts", 5, 1.0)
    assert limits.brevo_other_bucket(settings) == Bucket("other", 100, 3600.0)


def test_a_rate_limit_of_zero_requests_is_a_config_error() -> None:
    with pytest.raises(ValidationError):
        PipedriveSettings.model_validate(
            {"api_token": SECRET, "rate_limit": {"requests": 0, "per_seconds": 2}}
        )


def test_only_configured_connectors_are_metered_for_reads() -> None:
    bare = TajoConfig()
    assert limits.source_budget(bare, "pipedrive") is None
    assert [vendor for vendor, _ in configured_buckets(bare)] == ["brevo", "brevo"]


def test_a_page_s_rate_limit_info_reads_back_as_the_signal_it_was() -> None:
    signal = RateLimitSignal(limit=80, remaining=0, reset_seconds=1.5, retry_after=None)
    assert limits.signal_of({"rate_limit": asdict(signal)}) == signal
    assert limits.signal_of({}) == RateLimitSignal()
    assert limits.signal_of({"rate_limit": "garbled"}) == RateLimitSignal()


@pytest.mark.parametrize(
    ("url", "redis"),
    [
        ("redis://localhost:6379/0", True),
        ("rediss://host/1", True),
        ("redis+socket://var/redis.sock", True),
        ("amqp://guest@localhost//", False),
    ],
)
def test_the_limiter_is_only_installed_on_a_redis_broker(url: str, redis: bool) -> None:
    assert is_redis_url(url) is redis
