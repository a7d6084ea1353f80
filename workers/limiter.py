"""The one rate limiter every worker shares: atomic Lua scripts in Redis.

Celery's own `rate_limit` counts per worker process; vendors count per account. So each call asks
Redis first, keyed by (vendor, credential fingerprint, bucket). The fingerprint is a truncated
sha256 of the secret (see tasks.limits), so no key ever holds a credential.

Why a sliding-window log and not GCRA: a GCRA (or token bucket) of `limit` per `window` admits
`burst + limit` calls in some window of that length, so to never exceed the vendor's window it must
either run below the rate or give up bursts. Brevo's 100-per-hour "other" bucket is polled in
bursts (an import is followed with polls 1 s, 2 s, 4 s... apart), and Pipedrive counts fixed
2-second windows; a log of the grants in the last `window` seconds admits exactly `limit` in every
window, bursts included. Buckets are small (tens to hundreds of entries), so the log stays cheap.

The clock is Redis's own (`TIME`), so machines with skewed clocks still share one timeline. A
*pause* key, set from a vendor's response (remaining 0, a 429), holds every acquire of the bucket
until it ends, whichever worker set it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from connectors.config import TajoConfig
from tasks import limits
from tasks.runtime import Bucket

KEY_PREFIX = "tajo:rl"
MICROS = 1_000_000

#: KEYS: log (sorted set of "seq:cost" scored by grant time), pause (until, µs), sequence.
#: ARGV: limit, window (µs), cost. Returns {granted 0/1, wait µs, now µs}.
ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  return {0, paused - now, now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], ':(%d+)$'))
end
if used + cost <= limit then
  local seq = redis.call('INCR', KEYS[3])
  redis.call('ZADD', KEYS[1], now, seq .. ':' .. cost)
  local ttl = math.floor(window / 1000) + 1000
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
  return {1, 0, now}
end
local freed = 0
for i = 1, #entries, 2 do
  freed = freed + tonumber(string.match(entries[i], ':(%d+)$'))
  if used - freed + cost <= limit then
    return {0, tonumber(entries[i + 1]) + window - now, now}
  end
end
return {0, window, now}
"""

#: KEYS: pause. ARGV: seconds (µs). A shorter pause never cuts a longer one. Returns the until (µs).
PAUSE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wanted = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if wanted > current then
  redis.call('SET', KEYS[1], string.format('%.0f', wanted), 'PX',
    math.floor((wanted - now) / 1000) + 1)
  return string.format('%.0f', wanted)
end
return string.format('%.0f', current)
"""


@dataclass(frozen=True)
class Decision:
    """One acquire's answer: `wait_seconds` 0 means go; `at` is Redis's clock at the decision."""

    wait_seconds: float
    at: float

    @property
    def granted(self) -> bool:
        return self.wait_seconds <= 0


@dataclass(frozen=True)
class BucketState:
    """What `tajo connectors status` shows for one (vendor, credential, bucket)."""

    vendor: str
    credential: str
    bucket: str
    limit: int
    left: int
    paused_until: datetime | None


def bucket_keys(vendor: str, credential: str, bucket: str) -> tuple[str, str, str]:
    """The log, pause and sequence keys; one hash tag so a Redis Cluster keeps them together."""
    tag = f"{KEY_PREFIX}:{{{vendor}:{credential}:{bucket}}}"
    return f"{tag}:log", f"{tag}:pause", f"{tag}:seq"


class RedisLimiter:
    """`tasks.runtime.Limiter` on Redis. The scripts are registered once per client: redis-py
    calls EVALSHA and falls back to loading the script when Redis does not know it (a restart)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._acquire = client.register_script(ACQUIRE_LUA)
        self._pause = client.register_script(PAUSE_LUA)

    def decide(self, vendor: str, credential: str, bucket: Bucket, cost: int = 1) -> Decision:
        """Take `cost` units from the bucket now, or say how long until they would fit."""
        if not 1 <= cost <= bucket.limit:
            raise ValueError(f"cost must be between 1 and the bucket's limit ({bucket.limit})")
        window = int(bucket.per_seconds * MICROS)
        reply: Any = self._acquire(
            keys=list(bucket_keys(vendor, credential, bucket.name)),
            args=[bucket.limit, window, cost],
        )
        granted, wait, now = (int(v) for v in reply)
        return Decision(0.0 if granted else max(wait, 1) / MICROS, now / MICROS)

    def acquire(self, vendor: str, credential: str, bucket: Bucket, cost: int = 1) -> float:
        """Seconds to wait before the call may go; 0 means it was granted and may go now."""
        return self.decide(vendor, credential, bucket, cost).wait_seconds

    def pause(self, vendor: str, credential: str, bucket: str, seconds: float) -> float:
        """Hold every worker's calls to the bucket for `seconds`; returns its end (epoch s)."""
        _, pause_key, _ = bucket_keys(vendor, credential, bucket)
        until: Any = self._pause(keys=[pause_key], args=[max(1, int(seconds * MICROS))])
        return int(until) / MICROS

    def states(self, vendor: str, bucket: Bucket) -> list[BucketState]:
        """Every credential's state in one bucket: units left in the current window, pause end."""
        seconds, micros = self._client.time()
        now = seconds * MICROS + micros
        window = int(bucket.per_seconds * MICROS)
        pattern = f"{KEY_PREFIX}:{{{vendor}:*:{bucket.name}}}:*"
        credentials = sorted(
            {
                key.decode().split(":")[3]
                for key in self._client.scan_iter(match=pattern, count=500)
                if key.decode().endswith((":log", ":pause"))
            }
        )
        found = []
        for credential in credentials:
            log_key, pause_key, _ = bucket_keys(vendor, credential, bucket.name)
            members: list[bytes] = self._client.zrangebyscore(  # type: ignore[assignment]
                log_key, f"({now - window}", "+inf"
            )
            used = sum(int(member.decode().rsplit(":", 1)[1]) for member in members)
            raw_pause: Any = self._client.get(pause_key)
            until = int(raw_pause) if raw_pause is not None else 0
            found.append(
                BucketState(
                    vendor=vendor,
                    credential=credential,
                    bucket=bucket.name,
                    limit=bucket.limit,
                    left=max(0, bucket.limit - used),
                    paused_until=(
                        datetime.fromtimestamp(until / MICROS, UTC) if until > now else None
                    ),
                )
            )
        return found


def configured_buckets(config: TajoConfig) -> list[tuple[str, Bucket]]:
    """Every (vendor, bucket) the config meters, for `tajo connectors status`."""
    found: list[tuple[str, Bucket]] = []
    if config.connectors.pipedrive is not None:
        found.append(("pipedrive", limits.pipedrive_bucket(config.connectors.pipedrive)))
    found.append(("brevo", limits.brevo_contacts_bucket(config.brevo)))
    found.append(("brevo", limits.brevo_other_bucket(config.brevo)))
    return found


def limiter_states(limiter: RedisLimiter, config: TajoConfig) -> list[BucketState]:
    """The state of every configured bucket, per credential that has used it lately."""
    return [
        state
        for vendor, bucket in configured_buckets(config)
        for state in limiter.states(vendor, bucket)
    ]


def redis_client(url: str) -> redis.Redis:
    """A client for the broker URL, including the embedded Redis's `redis+socket://` form."""
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"))
    return redis.Redis.from_url(url)


def is_redis_url(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "redis+socket://", "unix://"))


def limiter_for(url: str) -> RedisLimiter:
    return RedisLimiter(redis_client(url))
