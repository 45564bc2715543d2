"""Django's Redis cache, answering a miss while Redis is unreachable instead of raising.

Everything the project keeps in the cache (API rate-limit counters, the Last-Modified memory) can be
lost without harm, so an outage should cost speed, never pages: while Redis is down, refused, frozen
past its socket timeout or out of memory, a read is a miss, a write is dropped and `incr` raises
`ValueError` as for a missing key. Each failure is logged through an `OutageLog`, one warning a minute.

After a failure the backend does not ask Redis again for `retry_interval` seconds, so a Redis that
times out costs one timeout per interval per process, not one per cache call.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, OutOfMemoryError, ReadOnlyError, TimeoutError

from core.outages import OutageLog

# Unreachable (refused, reset, DNS, authentication, loading), too slow, or unable to write.
UNAVAILABLE = (ConnectionError, TimeoutError, OutOfMemoryError, ReadOnlyError)

_MISSING = object()


class _Outages:
    """The outage state of each Redis location, shared by every thread of the process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._logs: dict[str, OutageLog] = {}
        self._resting_until: dict[str, float] = {}

    def resting(self, location: str) -> bool:
        return time.monotonic() < self._resting_until.get(location, 0.0)

    def failed(self, location: str, error: BaseException, *, rest: float) -> None:
        with self._lock:
            self._resting_until[location] = time.monotonic() + rest
            log = self._logs.setdefault(location, OutageLog(f"cache {location}"))
        log.failed(error)


OUTAGES = _Outages()


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache that answers a miss, not an exception, while Redis is unavailable."""

    retry_interval = 1.0  # seconds

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = ",".join(self._servers)

    def _guarded(self, miss: Any, operation: Callable[..., Any], *args: Any) -> Any:
        if OUTAGES.resting(self._location):
            return miss
        try:
            return operation(*args)
        except UNAVAILABLE as error:
            OUTAGES.failed(self._location, error, rest=self.retry_interval)
            return miss

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guarded(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        value = self._guarded(_MISSING, super().incr, key, delta, version)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found: the cache is unavailable.")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._guarded(None, super().delete_many, keys, version)

    def clear(self):
        return self._guarded(False, super().clear)
