"""Redis keys that make the ingress idempotent and cheap: delivery dedupe and hint debounce.

Dedupe: `SET NX EX` on the vendor's delivery id; a delivery seen before is acknowledged and
dropped. Debounce: `SET NX PX` on the object for the window; only the hint that creates the key
enqueues a refetch, due when the window (and so the key) has ended. A hint that finds the key is
covered by that refetch, because it was sent after its change was made and the refetch reads
the vendor after the window closes.
"""

from __future__ import annotations

import hashlib

import redis

PREFIX = "tajo:webhooks"


def _digest(value: str) -> str:
    # Delivery ids are the vendor's strings: hashing bounds the key length and its alphabet.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class Gate:
    def __init__(
        self, client: redis.Redis, *, dedupe_ttl_seconds: int, debounce_seconds: float
    ) -> None:
        self._redis = client
        self.dedupe_ttl_seconds = dedupe_ttl_seconds
        self.debounce_seconds = debounce_seconds

    @staticmethod
    def delivery_key(connector: str, delivery_id: str) -> str:
        return f"{PREFIX}:seen:{connector}:{_digest(delivery_id)}"

    @staticmethod
    def pending_key(connector: str, resource: str, object_id: str) -> str:
        return f"{PREFIX}:pending:{connector}:{resource}:{_digest(object_id)}"

    def first_sight(self, connector: str, delivery_id: str) -> bool:
        """True the first time this delivery id is seen (within the TTL)."""
        key = self.delivery_key(connector, delivery_id)
        return bool(self._redis.set(key, b"1", nx=True, ex=self.dedupe_ttl_seconds))

    def forget_delivery(self, connector: str, delivery_id: str) -> None:
        """Undo `first_sight` when the delivery could not be enqueued, so the vendor's retry of
        it is taken rather than dropped as a duplicate."""
        self._redis.delete(self.delivery_key(connector, delivery_id))

    def open_window(self, connector: str, resource: str, object_id: str) -> bool:
        """True when no refetch of this object is pending: the caller enqueues one."""
        if self.debounce_seconds <= 0:
            return True
        key = self.pending_key(connector, resource, object_id)
        window_ms = max(1, int(self.debounce_seconds * 1000))
        return bool(self._redis.set(key, b"1", nx=True, px=window_ms))

    def close_window(self, connector: str, resource: str, object_id: str) -> None:
        """Undo `open_window` when the refetch could not be enqueued."""
        if self.debounce_seconds > 0:
            self._redis.delete(self.pending_key(connector, resource, object_id))

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except redis.RedisError:
            return False
