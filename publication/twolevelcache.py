"""A cache backend of two levels: this process's memory in front of a shared cache (Redis).

Only what is stored or read under an explicit `version` is copied into memory. The page
cache's version is the content version (articles/cache.py): an entry under one never changes
meaning, so its copy cannot be stale, and a hit costs no round trip to the shared cache.
Everything else is read from and written to the shared cache alone.

    CACHES["pages"] = {"BACKEND": "publication.twolevelcache.TwoLevelCache", "LOCATION": "default",
                       "OPTIONS": {"MAX_ENTRIES": 100}}   # LOCATION: the shared cache's alias
"""

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache

_MISSING = object()


class TwoLevelCache(BaseCache):
    def __init__(self, server, params):
        super().__init__(params)
        self._shared_alias = server
        options = params.get("OPTIONS", {})
        self._local = LocMemCache(f"two-level:{server}", {"OPTIONS": {"MAX_ENTRIES": options.get("MAX_ENTRIES", 100)}})

    @property
    def _shared(self):
        return caches[self._shared_alias]

    def get(self, key, default=None, version=None):
        if version is None:
            return self._shared.get(key, default)
        found = self._local.get(key, _MISSING, version=version)
        if found is _MISSING:
            found = self._shared.get(key, _MISSING, version=version)
            if found is not _MISSING:
                self._local.set(key, found, self.default_timeout, version=version)
        return default if found is _MISSING else found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._shared.set(key, value, timeout, version=version)
        if version is not None:
            self._local.set(key, value, timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        failed = self._shared.set_many(data, timeout, version=version)
        if version is not None:
            self._local.set_many(data, timeout, version=version)
        return failed

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.delete(key, version=version)
        return self._shared.add(key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._shared.touch(key, timeout, version=version)

    def delete(self, key, version=None):
        self._local.delete(key, version=version)
        return self._shared.delete(key, version=version)

    def clear(self):
        self._local.clear()
        self._shared.clear()
