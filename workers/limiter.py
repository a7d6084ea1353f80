"""The one rate limiter every worker shares: atomic Lua scripts in Redis.

Celery's own `rate_limit` counts per worker process; vendors count per account. So each call asks
Redis first, keyed by (vendor, credential fingerprint, bucket). The fingerprint is a truncated
sha256 of the secret (see tasks.limits), so no key ever holds a credential.

Three kinds of bucket:
- sliding: a log of the grants in the last `window` seconds (a sorted set). Why not GCRA: a GCRA
  (or token bucket) of `limit` per `window` admits `burst + limit` calls in some window of that
  length, so to never exceed the vendor's window it must either run below the rate or give up
  bursts. Brevo's 100-per-hour "other" bucket is polled in bursts, and Pipedrive counts fixed
  2-second windows; a log admits exactly `limit` in every window, bursts included. Buckets that
  use it are small (tens to hundreds of entries), so the log stays cheap.
- fixed: a counter per calendar window (each multiple of `window` since the epoch), for budgets
  that reset at a set time rather than `window` after use: Pipedrive's daily token budget resets
  at midnight UTC. One hash (period, used), however many tokens are spent.

- leaky: Shopify's own algorithm, for vendors that meter a bucket that refills continuously:
  a level (units available) and when it was last computed, in one hash; a request goes when its
  cost is available, and the level restores `limit / window` a second up to `limit`. A log of
  the same shape would lose throughput: it holds each grant for a whole window, so when the
  next request costs more than the oldest grant frees, the log runs below its limit. And Shopify
  charges after the fact (a query's actual cost, below the requested cost it reserved), which a
  grant can be *settled* to once the response says it (`settle`).

One request may take from several buckets at once (a Pipedrive list: one burst slot and 10
tokens of the day): all are granted together or none is, so a refused budget wastes no slot.

The clock is Redis's own (`TIME`), so machines with skewed clocks still share one timeline. A
*pause* key, set from a vendor's response (a spent window, a 429), holds every acquire of the
bucket until it ends, whichever worker set it; a *vendor* pause (a spent daily budget) holds every
bucket of the credential. Refused responses are tallied per bucket for the last hour.

All of a credential's keys share one hash tag, `{vendor:credential}`, so a Redis Cluster keeps
them in one slot and a script may touch any of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from connectors.config import TajoConfig
from tasks import limits
from tasks.runtime import Bucket, Charge, Grant

KEY_PREFIX = "tajo:rl"
MICROS = 1_000_000
#: Added to every sliding window. Grants are on Redis's clock; the vendor counts arrivals, and
#: network and scheduling jitter between the two can otherwise put one request too many into a
#: vendor window (a 429, then a pause of a whole reset). 2.5% of a 2-second window.
WINDOW_MARGIN_SECONDS = 0.05
#: How far back `tajo connectors status` counts refused responses.
THROTTLED_WINDOW_SECONDS = 3600

#: KEYS: vendor pause, then per bucket: state (log, fixed counter or leaky level), pause, sequence.
#: ARGV: dry run (0/1), then per bucket: limit, window (µs), cost, kind (see KINDS).
#: Returns {granted 0/1, wait µs, now µs, ticket per bucket when granted ("seq:cost", "" for a
#: fixed bucket)}. A dry run takes nothing: it says whether it would.
ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local dry = ARGV[1] == '1'
local n = (#KEYS - 1) / 3
local wait = 0
local vendor_pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if vendor_pause > now then wait = vendor_pause - now end
local used = {}
for i = 1, n do
  local k = 1 + (i - 1) * 3
  local a = 1 + (i - 1) * 4
  local limit = tonumber(ARGV[a + 1])
  local window = tonumber(ARGV[a + 2])
  local cost = tonumber(ARGV[a + 3])
  local kind = ARGV[a + 4]
  local paused = tonumber(redis.call('GET', KEYS[k + 2]) or '0')
  if paused - now > wait then wait = paused - now end
  if kind == 'fixed' then
    local period = math.floor(now / window)
    local state = redis.call('HMGET', KEYS[k + 1], 'period', 'used')
    local spent = 0
    if tonumber(state[1]) == period then spent = tonumber(state[2]) end
    used[i] = spent
    if spent + cost > limit then
      local until_reset = (period + 1) * window - now
      if until_reset > wait then wait = until_reset end
    end
  elseif kind == 'leaky' then
    local state = redis.call('HMGET', KEYS[k + 1], 'level', 'at')
    local level = limit
    if state[1] then
      level = math.min(limit, tonumber(state[1]) + (now - tonumber(state[2])) * limit / window)
    end
    used[i] = level
    if cost > level then
      local refill = math.ceil((cost - level) * window / limit)
      if refill > wait then wait = refill end
    end
  else
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now - window)
    local entries = redis.call('ZRANGE', KEYS[k + 1], 0, -1, 'WITHSCORES')
    local spent = 0
    for j = 1, #entries, 2 do
      spent = spent + tonumber(string.match(entries[j], ':(%d+)$'))
    end
    used[i] = spent
    if spent + cost > limit then
      local freed = 0
      local fits = window
      for j = 1, #entries, 2 do
        freed = freed + tonumber(string.match(entries[j], ':(%d+)$'))
        if spent - freed + cost <= limit then
          fits = tonumber(entries[j + 1]) + window - now
          break
        end
      end
      if fits > wait then wait = fits end
    end
  end
end
if wait > 0 then return {0, wait, now} end
if dry then return {1, 0, now} end
local reply = {1, 0, now}
for i = 1, n do
  local k = 1 + (i - 1) * 3
  local a = 1 + (i - 1) * 4
  local window = tonumber(ARGV[a + 2])
  local cost = tonumber(ARGV[a + 3])
  local kind = ARGV[a + 4]
  local ttl = math.floor(window / 1000) + 1000
  if kind == 'fixed' then
    redis.call('HSET', KEYS[k + 1], 'period', string.format('%.0f', math.floor(now / window)),
      'used', used[i] + cost)
    redis.call('PEXPIRE', KEYS[k + 1], ttl)
    reply[3 + i] = ''
  else
    local seq = redis.call('INCR', KEYS[k + 3])
    if kind == 'leaky' then
      redis.call('HSET', KEYS[k + 1], 'level', string.format('%.6f', used[i] - cost),
        'at', string.format('%.0f', now))
    else
      redis.call('ZADD', KEYS[k + 1], now, seq .. ':' .. cost)
    end
    redis.call('PEXPIRE', KEYS[k + 1], ttl)
    redis.call('PEXPIRE', KEYS[k + 3], ttl)
    reply[3 + i] = seq .. ':' .. cost
  end
end
return reply
"""

#: KEYS: log. ARGV: ticket ("seq:cost"), units. The grant's entry keeps its time and counts
#: `units` instead (none: it is dropped). Returns 1, or 0 when the entry has left the window.
SETTLE_LOG_LUA = """
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
local units = tonumber(ARGV[2])
if units > 0 then
  redis.call('ZADD', KEYS[1], at, string.match(ARGV[1], '^(%d+):') .. ':' .. units)
end
return 1
"""

#: KEYS: leaky level. ARGV: limit, window (µs), units given back (what was charged beyond what
#: the request took; negative when it took more). Returns 1, or 0 when there is no level.
SETTLE_LEAKY_LUA = """
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
if not state[1] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local level = math.min(limit, tonumber(state[1]) + (now - tonumber(state[2])) * limit / window)
level = math.min(limit, level + tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'level', string.format('%.6f', level),
  'at', string.format('%.0f', now))
return 1
"""

#: KEYS: leaky level. ARGV: limit, window (µs), units the vendor says are left. The level comes
#: down to them, never up. Returns 1 when it came down.
CAP_LEAKY_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local reported = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = limit
if state[1] then
  level = math.min(limit, tonumber(state[1]) + (now - tonumber(state[2])) * limit / window)
end
if reported >= level then return 0 end
redis.call('HSET', KEYS[1], 'level', string.format('%.6f', reported),
  'at', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.floor(window / 1000) + 1000)
return 1
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

#: KEYS: tally (sorted set of refusal times), sequence. ARGV: window (µs).
THROTTLED_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], now, seq)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local ttl = math.floor(window / 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return redis.call('ZCARD', KEYS[1])
"""


@dataclass(frozen=True)
class Decision:
    """One acquire's answer: `wait_seconds` 0 means go; `at` is Redis's clock at the decision."""

    wait_seconds: float
    at: float
    #: one per charge when granted: what `settle` names the grant by ("" for a fixed bucket)
    tickets: tuple[str, ...] = ()

    @property
    def granted(self) -> bool:
        return self.wait_seconds <= 0


@dataclass(frozen=True)
class BucketState:
    """What `tajo connectors status` shows for one (vendor, credential, bucket)."""

    vendor: str
    credential: str
    bucket: str
    #: None for a budget that is not metered ahead (only learnt from the vendor's answers)
    limit: int | None
    left: int | None
    paused_until: datetime | None
    throttled_last_hour: int = 0


def _tag(vendor: str, credential: str) -> str:
    return f"{KEY_PREFIX}:{{{vendor}:{credential}}}"


def bucket_keys(vendor: str, credential: str, bucket: str) -> tuple[str, str, str]:
    """The log, pause and sequence keys of a bucket; one hash tag per credential."""
    tag = _tag(vendor, credential)
    return f"{tag}:{bucket}:log", f"{tag}:{bucket}:pause", f"{tag}:{bucket}:seq"


def fixed_key(vendor: str, credential: str, bucket: str) -> str:
    """The (period, used) hash of a calendar-window bucket."""
    return f"{_tag(vendor, credential)}:{bucket}:fixed"


def leaky_key(vendor: str, credential: str, bucket: str) -> str:
    """The (level, at) hash of a leaky bucket."""
    return f"{_tag(vendor, credential)}:{bucket}:leaky"


def kind(bucket: Bucket) -> str:
    """How the scripts count a bucket: `fixed`, `leaky` or `sliding`."""
    return "fixed" if bucket.fixed else "leaky" if bucket.leaky else "sliding"


def vendor_pause_key(vendor: str, credential: str) -> str:
    return f"{_tag(vendor, credential)}:pause"


def throttled_keys(vendor: str, credential: str, bucket: str) -> tuple[str, str]:
    tag = _tag(vendor, credential)
    return f"{tag}:{bucket}:429s", f"{tag}:{bucket}:429seq"


def window_micros(bucket: Bucket) -> int:
    """The window the script counts in: calendar windows exactly, sliding ones with the margin."""
    margin = 0.0 if bucket.fixed else WINDOW_MARGIN_SECONDS
    return int((bucket.per_seconds + margin) * MICROS)


def state_key(vendor: str, credential: str, bucket: Bucket) -> str:
    """The key that holds what a bucket has used: its log, fixed counter or leaky level."""
    if bucket.fixed:
        return fixed_key(vendor, credential, bucket.name)
    if bucket.leaky:
        return leaky_key(vendor, credential, bucket.name)
    return bucket_keys(vendor, credential, bucket.name)[0]


def _bucket_script_keys(vendor: str, credential: str, bucket: Bucket) -> list[str]:
    _, pause, seq = bucket_keys(vendor, credential, bucket.name)
    return [state_key(vendor, credential, bucket), pause, seq]


class RedisLimiter:
    """`tasks.runtime.Limiter` on Redis. The scripts are registered once per client: redis-py
    calls EVALSHA and falls back to loading the script when Redis does not know it (a restart)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._acquire = client.register_script(ACQUIRE_LUA)
        self._pause = client.register_script(PAUSE_LUA)
        self._throttled = client.register_script(THROTTLED_LUA)
        self._settle_log = client.register_script(SETTLE_LOG_LUA)
        self._settle_leaky = client.register_script(SETTLE_LEAKY_LUA)
        self._cap_leaky = client.register_script(CAP_LEAKY_LUA)

    def decide_all(
        self, vendor: str, credential: str, charges: Sequence[Charge], *, dry_run: bool = False
    ) -> Decision:
        """Take every charge now, or none and say how long until all would fit (and any pause
        of the bucket or the vendor has ended)."""
        keys = [vendor_pause_key(vendor, credential)]
        args: list[int | str] = [1 if dry_run else 0]
        for bucket, cost in charges:
            if not 1 <= cost <= bucket.limit:
                raise ValueError(
                    f"cost must be between 1 and the {bucket.name} bucket's limit ({bucket.limit})"
                )
            keys += _bucket_script_keys(vendor, credential, bucket)
            args += [bucket.limit, window_micros(bucket), cost, kind(bucket)]
        reply: Any = self._acquire(keys=keys, args=args)
        granted, wait, now = (int(v) for v in reply[:3])
        tickets = tuple(v.decode() if isinstance(v, bytes) else str(v) for v in reply[3:])
        return Decision(0.0 if granted else max(wait, 1) / MICROS, now / MICROS, tickets)

    def decide(self, vendor: str, credential: str, bucket: Bucket, cost: int = 1) -> Decision:
        """Take `cost` units from the bucket now, or say how long until they would fit."""
        return self.decide_all(vendor, credential, [(bucket, cost)])

    def acquire(self, vendor: str, credential: str, bucket: Bucket, cost: int = 1) -> float:
        """Seconds to wait before the call may go; 0 means it was granted and may go now."""
        return self.decide(vendor, credential, bucket, cost).wait_seconds

    def acquire_all(self, vendor: str, credential: str, charges: Sequence[Charge]) -> float:
        return self.decide_all(vendor, credential, charges).wait_seconds

    def grant_all(self, vendor: str, credential: str, charges: Sequence[Charge]) -> Grant:
        decision = self.decide_all(vendor, credential, charges)
        return Grant(decision.wait_seconds, decision.tickets)

    def settle(self, vendor: str, credential: str, bucket: Bucket, ticket: str, units: int) -> None:
        """Count `units` for the grant `ticket` instead of what it was charged: a log keeps the
        grant's time with the new units; a leaky bucket gets the difference back (or gives
        more, when the request took more). A ticket that has left the window changes nothing."""
        seq, _, charged = ticket.partition(":")
        if not seq.isdigit() or not charged.isdigit() or bucket.fixed:
            raise ValueError(f"{ticket!r} is not a ticket of the {bucket.name} bucket")
        key = state_key(vendor, credential, bucket)
        if bucket.leaky:
            refund = int(charged) - max(0, units)
            self._settle_leaky(keys=[key], args=[bucket.limit, window_micros(bucket), refund])
        else:
            self._settle_log(keys=[key], args=[ticket, max(0, units)])

    def cap_level(self, vendor: str, credential: str, bucket: Bucket, available: float) -> None:
        """The vendor says `available` units are left in a leaky bucket: a level above that
        comes down to it, never up (grants in flight are in our level, not yet in the vendor's
        figure). Our level is a prediction from the grants it made; the vendor's is the truth,
        and it keeps the two together whatever drifts them apart: a request that reached the
        vendor later than its grant (a full bucket restores nothing meanwhile), a lost state."""
        if not bucket.leaky:
            raise ValueError(f"the {bucket.name} bucket has no level to cap")
        key = leaky_key(vendor, credential, bucket.name)
        self._cap_leaky(keys=[key], args=[bucket.limit, window_micros(bucket), max(0.0, available)])

    def has_room(self, vendor: str, credential: str, bucket: Bucket) -> bool:
        return self.decide_all(vendor, credential, [(bucket, 1)], dry_run=True).wait_seconds <= 0

    def pause(self, vendor: str, credential: str, bucket: str, seconds: float) -> float:
        """Hold every worker's calls to the bucket for `seconds`; returns its end (epoch s)."""
        _, pause_key, _ = bucket_keys(vendor, credential, bucket)
        return self._pause_key(pause_key, seconds)

    def pause_vendor(self, vendor: str, credential: str, seconds: float) -> float:
        """Hold every bucket of the credential for `seconds`; returns its end (epoch s)."""
        return self._pause_key(vendor_pause_key(vendor, credential), seconds)

    def _pause_key(self, key: str, seconds: float) -> float:
        until: Any = self._pause(keys=[key], args=[max(1, int(seconds * MICROS))])
        return int(until) / MICROS

    def record_throttled(self, vendor: str, credential: str, bucket: str) -> None:
        self._throttled(
            keys=list(throttled_keys(vendor, credential, bucket)),
            args=[THROTTLED_WINDOW_SECONDS * MICROS],
        )

    def states(self, vendor: str, bucket: Bucket) -> list[BucketState]:
        """Every credential's state in one bucket: units left in the current window, the end of
        any pause (the bucket's or the vendor's), and refusals in the last hour."""
        seconds, micros = self._client.time()
        now = seconds * MICROS + micros
        window = window_micros(bucket)
        prefix = f"{KEY_PREFIX}:{{{vendor}:"
        # Credentials that used the bucket lately, or whose whole vendor is paused.
        patterns = (f"{prefix}*}}:{bucket.name}:*", f"{prefix}*}}:pause")
        credentials = sorted(
            {
                key.decode().removeprefix(prefix).split("}", 1)[0]
                for pattern in patterns
                for key in self._client.scan_iter(match=pattern, count=500)
            }
        )
        return [self._state(vendor, credential, bucket, now, window) for credential in credentials]

    def _state(
        self, vendor: str, credential: str, bucket: Bucket, now: int, window: int
    ) -> BucketState:
        if bucket.fixed:
            found: Any = self._client.hmget(
                fixed_key(vendor, credential, bucket.name), ["period", "used"]
            )
            period, used_raw = found
            current = period is not None and int(period) == now // window
            used = int(used_raw) if current and used_raw is not None else 0
        elif bucket.leaky:
            level: Any = self._client.hmget(
                leaky_key(vendor, credential, bucket.name), ["level", "at"]
            )
            level_raw, at_raw = level
            left = float(bucket.limit)
            if level_raw is not None and at_raw is not None:
                restored = (now - int(at_raw)) * bucket.limit / window
                left = min(left, float(level_raw) + restored)
            used = bucket.limit - int(left)
        else:
            log_key, _, _ = bucket_keys(vendor, credential, bucket.name)
            members: list[bytes] = self._client.zrangebyscore(  # type: ignore[assignment]
                log_key, f"({now - window}", "+inf"
            )
            used = sum(int(member.decode().rsplit(":", 1)[1]) for member in members)
        _, pause_key, _ = bucket_keys(vendor, credential, bucket.name)
        raw: Any = self._client.mget([pause_key, vendor_pause_key(vendor, credential)])
        until = max(int(value) if value is not None else 0 for value in raw)
        tally, _ = throttled_keys(vendor, credential, bucket.name)
        refused: Any = self._client.zcount(tally, now - THROTTLED_WINDOW_SECONDS * MICROS, "+inf")
        return BucketState(
            vendor=vendor,
            credential=credential,
            bucket=bucket.name,
            limit=bucket.limit or None,
            left=max(0, bucket.limit - used) if bucket.limit else None,
            paused_until=datetime.fromtimestamp(until / MICROS, UTC) if until > now else None,
            throttled_last_hour=int(refused),
        )


def configured_buckets(config: TajoConfig) -> list[tuple[str, Bucket]]:
    """Every (vendor, bucket) the config meters, for `tajo connectors status`."""
    found: list[tuple[str, Bucket]] = []
    pipedrive = config.connectors.pipedrive
    if pipedrive is not None:
        found.append(("pipedrive", limits.pipedrive_bucket(pipedrive)))
        daily = limits.pipedrive_daily_bucket(pipedrive)
        # Shown even when not metered ahead (limit 0): a spent budget learnt from Pipedrive's
        # answers still pauses the vendor and counts its 429s.
        day = pipedrive.token_budget.day_seconds
        found.append(("pipedrive", daily or Bucket(limits.DAILY, 0, day, fixed=True)))
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
