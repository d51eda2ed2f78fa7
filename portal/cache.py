"""The Redis cache, degraded rather than failing while Redis is unreachable.

Rule: a cache error is a miss. Reads return the default, writes are dropped, ``add`` reports success (allauth
takes its rate-limit lock with ``add`` in a loop) and ``incr`` raises ``ValueError`` as for a missing key. So
rate limits (allauth's login and sign-up limits) fail open for the length of an outage: during a cut-off rush,
locking every applicant out is worse than a minute without counters; they count again as soon as Redis is back.
After one error the cache is skipped for a few seconds, so a request pays for at most one failed connection.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
SKIP_SECONDS = 5.0
_MISSING = object()


class ResilientRedisCacheClient(RedisCacheClient):
    down_until = 0.0  # class-wide: one process, one Redis

    def _guard(self, method: str, *args, fallback=None):
        if time.monotonic() < ResilientRedisCacheClient.down_until:
            return fallback
        try:
            return getattr(super(), method)(*args)
        except UNAVAILABLE as exc:
            ResilientRedisCacheClient.down_until = time.monotonic() + SKIP_SECONDS
            logger.warning("cache unavailable, treated as empty for %s s: %s", SKIP_SECONDS, exc)
            return fallback

    def add(self, key, value, timeout):
        return self._guard("add", key, value, timeout, fallback=True)

    def get(self, key, default):
        return self._guard("get", key, default, fallback=default)

    def set(self, key, value, timeout):
        return self._guard("set", key, value, timeout)

    def touch(self, key, timeout):
        return self._guard("touch", key, timeout, fallback=False)

    def delete(self, key):
        return self._guard("delete", key, fallback=False)

    def get_many(self, keys):
        return self._guard("get_many", keys, fallback={})

    def has_key(self, key):
        return self._guard("has_key", key, fallback=False)

    def incr(self, key, delta):
        value = self._guard("incr", key, delta, fallback=_MISSING)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return value

    def set_many(self, data, timeout):
        return self._guard("set_many", data, timeout)

    def delete_many(self, keys):
        return self._guard("delete_many", keys)

    def clear(self):
        return self._guard("clear", fallback=False)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache with :class:`ResilientRedisCacheClient`: see the module's rule."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
