"""Django's built-in Redis cache, made so that a dead Redis is a cache miss, not an error page.

`django.core.cache.backends.redis.RedisCache` raises on every connection error. Here each
operation that fails is logged and answered as a miss (reads) or a no-op (writes); after a
failure the server is left alone for `RETRY_SECONDS` so that each request does not pay for a
connection attempt, and the site keeps serving from the database.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("masthead.cache")


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client makes a new redis.Redis per operation, and redis-py builds ~170 response
    callbacks in each: a tenth of a millisecond per cache hit. One client per pool is enough
    (redis.Redis is thread-safe: each command takes a connection from the pool)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if id(pool) not in clients:
            clients[id(pool)] = self._client(connection_pool=pool)
        return clients[id(pool)]


class ResilientRedisCache(RedisCache):
    RETRY_SECONDS = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._down_until = 0.0

    def _call(self, name, fallback, *args, **kwargs):
        if self._down_until:
            if time.monotonic() < self._down_until:
                return fallback
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except RedisError as error:
            if not self._down_until:
                logger.error("Cache server %s unavailable (%s): serving from the database.", self._servers[0], error)
            self._down_until = time.monotonic() + self.RETRY_SECONDS
            return fallback
        if self._down_until:
            logger.warning("Cache server %s is back.", self._servers[0])
            self._down_until = 0.0
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
