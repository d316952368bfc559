"""Whole-page caching of the reader site in the shared cache, with exact go-live.

Every anonymous GET/HEAD of a reader page (any URL outside `READER_CACHE_EXCLUDE`: the
index, articles, authors, tags, archive, search, sitemaps, feeds, and whatever reader page
comes next, with no per-view work) is answered from the shared cache when it can be.

- Freshness across processes: each cached page records the *content version* it was
  rendered for. The version is one row in the database (`ContentVersion`), read with one
  small query per request, so it holds for any cache (even per-process memory) and any
  number of workers, machines and management commands. Saving or deleting any model of the
  apps in `CACHE_INVALIDATING_APPS` (articles, authors, tags, the publication's settings...),
  and `update()`/`bulk_create()` on articles, set a new version in the same transaction, so
  every worker's next request after the commit misses and renders from the database.
- Exact go-live: no page is kept past the next scheduled publish moment (looked up once per
  content version and cached with it), so a scheduled article appears everywhere at its moment.
- Never cached: requests carrying a session cookie (staff, previews), paths under
  `READER_CACHE_EXCLUDE` (admin, /healthz, media), and responses that set a cookie, are not
  200, or say `private`/`no-store`/`no-cache` (e.g. through `never_cache`).
- Cookie-less requests all get the same page (a Vary: Cookie is moot); a page that varies by
  other request headers (the feeds, by Accept) is kept once per variant.
- CDNs and browsers get `Cache-Control: public, max-age` (capped by the next publish moment),
  `ETag` and `Last-Modified`; conditional requests are answered 304 from the cache, and a 304
  made by a view itself (the feeds) passes through untouched.
- Each worker also keeps its last `READER_CACHE_LOCAL_PAGES` pages in memory, used only while
  the version matches: a hit then costs the version query and no cache round trip.
- A dead cache server is a miss (see publication/rediscache.py): pages come from the database.
"""

import contextvars
import threading
import time
from collections import OrderedDict
from hashlib import sha256

from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, get_max_age, patch_cache_control, set_response_etag
from django.utils.http import http_date, parse_http_date_safe

UNCACHEABLE = ("private", "no-store", "no-cache")


def shared_cache():
    return caches[settings.READER_CACHE_ALIAS]


class _RequestVersion:
    """The version read once for the request being served (on first use): the page and all it
    shows, the publication settings included, then belong to that one version."""

    state = None

    def get(self):
        from .models import ContentVersion

        if self.state is None:
            self.state = ContentVersion.current()
        return self.state


_request_version = contextvars.ContextVar("masthead_content_version", default=None)


def content_state():
    """The content version as committed now: token, next publish moment, settings token."""
    from .models import ContentVersion

    request_version = _request_version.get()
    return request_version.get() if request_version else ContentVersion.current()


def content_version() -> str:
    """The token of the content as committed now (articles.models.ContentVersion)."""
    return content_state().token


def content_changed(using=None, settings_changed=False):
    """Content was written: every cached page is stale from the moment the write commits.

    The token changes in the writer's own transaction, so no process can see the new token
    with the old content, nor keep serving old pages once the new content is visible.
    """
    from .models import ContentVersion

    ContentVersion.bump(using, settings_changed=settings_changed)


def _model_changed(sender, **kwargs):
    if sender._meta.app_label in settings.CACHE_INVALIDATING_APPS and sender.__name__ != "ContentVersion":
        content_changed(kwargs.get("using"), settings_changed=sender.__name__ == "PublicationSettings")


post_save.connect(_model_changed, dispatch_uid="masthead-cache-save")
post_delete.connect(_model_changed, dispatch_uid="masthead-cache-delete")
m2m_changed.connect(_model_changed, dispatch_uid="masthead-cache-m2m")


def next_publish_time(state) -> float | None:
    """When the next scheduled article goes public (a Unix time), or None.

    The writer stored it with the version; once that moment has passed (or for a row written
    before it was stored) the next one is looked up, once per version."""
    if state.next_publish is not None and (state.next_publish == 0 or state.next_publish > time.time()):
        return state.next_publish or None
    version = state.token
    moment = shared_cache().get(f"masthead:next-publish:{version}")
    if moment is None or (moment and moment <= time.time()):
        moment = _store_next_publish_time(version)
    return moment or None


def _store_next_publish_time(version: str) -> float:
    from .models import Article

    now = time.time()
    date = Article.objects.scheduled().order_by("publish_date").values_list("publish_date", flat=True).first()
    moment = date.timestamp() if date else 0.0
    # Kept until that moment at most: then the next one is looked up.
    timeout = int(moment - now) if moment else settings.READER_CACHE_SECONDS
    shared_cache().set(f"masthead:next-publish:{version}", moment, timeout)
    return moment


class LocalPages:
    """This worker's copies of the pages it served lately, trusted only while the shared content
    version still matches: a hit costs one small read of the version instead of a whole page
    from the shared cache."""

    def __init__(self, size: int):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry["version"] != version or entry["expires"] <= time.time():
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict):
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class ReaderCacheMiddleware:
    """Serves reader pages from the shared cache; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.local = LocalPages(settings.READER_CACHE_LOCAL_PAGES)
        self.excluded = tuple(settings.READER_CACHE_EXCLUDE)

    def __call__(self, request):
        token = _request_version.set(_RequestVersion())
        try:
            return self._respond(request)
        finally:
            _request_version.reset(token)

    def _respond(self, request):
        if (
            request.method not in ("GET", "HEAD")
            or not settings.READER_CACHE_SECONDS
            or request.path.startswith(self.excluded)
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or "HTTP_AUTHORIZATION" in request.META
        ):
            return self.get_response(request)

        key = f"masthead:page:{sha256(request.build_absolute_uri().encode()).hexdigest()}"
        version = content_version()
        entry = self._find(key, version, request)
        if entry is not None:
            response = HttpResponse(entry["content"], status=entry["status"])
            # The stored headers were checked when first set: copied as they are (the hot path).
            response.headers._store.update(entry["headers"])
            max_age = max(0, min(entry["max_age"], int(entry["expires"] - time.time())))
            response.headers["Cache-Control"] = f"public, max-age={max_age}"
            return self._conditional(request, response)

        response = self.get_response(request)
        if not self._cacheable(response):
            return response
        now = time.time()
        expires = now + settings.READER_CACHE_SECONDS
        moment = next_publish_time(content_state())
        if moment:
            expires = min(expires, moment)
        # A view's own max-age (the feeds') is kept, capped like ours.
        max_age = get_max_age(response)
        max_age = settings.READER_CACHE_MAX_AGE if max_age is None else max_age
        if not response.has_header("ETag"):
            set_response_etag(response)
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(now)
        timeout = int(expires - time.time())  # rounded down: never kept past the moment
        if timeout >= 1:
            headers = {k.lower(): (k, v) for k, v in response.items() if k.lower() != "cache-control"}
            entry = {"status": response.status_code, "headers": headers, "content": response.content}
            entry.update(version=version, expires=expires, max_age=max_age)
            vary = sorted(self._vary(response) - {"cookie", "accept-encoding"})
            if vary:
                marker = {"version": version, "expires": expires, "vary": vary}
                shared_cache().set(key, marker, timeout)
                self.local.put(key, marker)
                key = self._variant_key(key, vary, request)
            shared_cache().set(key, entry, timeout)
            self.local.put(key, entry)
        self._set_max_age(response, expires, max_age)
        return self._conditional(request, response)

    def _find(self, key: str, version: str, request):
        """The page under `key` rendered for `version`: from this worker's memory, else the shared cache."""
        entry = self.local.get(key, version)
        if entry is None:
            entry = shared_cache().get(key)
            if entry is None or entry["version"] != version or entry["expires"] <= time.time():
                return None
            self.local.put(key, entry)
        if "vary" in entry:
            # The page differs by request headers (e.g. the feeds by Accept): one entry per variant.
            return self._find(self._variant_key(key, entry["vary"], request), version, request)
        return entry

    @staticmethod
    def _vary(response) -> set[str]:
        return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}

    @staticmethod
    def _variant_key(key: str, names: list[str], request) -> str:
        values = "\n".join(request.headers.get(name, "") for name in names)
        return f"{key}:{sha256(values.encode()).hexdigest()}"

    @classmethod
    def _cacheable(cls, response) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        # Vary: * means the response cannot be reused at all.
        return not any(word in cache_control for word in UNCACHEABLE) and "*" not in cls._vary(response)

    @staticmethod
    def _set_max_age(response, expires: float, max_age: int):
        patch_cache_control(response, public=True, max_age=max(0, min(max_age, int(expires - time.time()))))

    @staticmethod
    def _conditional(request, response):
        if "HTTP_IF_NONE_MATCH" not in request.META and "HTTP_IF_MODIFIED_SINCE" not in request.META:
            return ReaderCacheMiddleware._head(request, response)
        response = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )
        return ReaderCacheMiddleware._head(request, response)

    @staticmethod
    def _head(request, response):
        if request.method == "HEAD" and response.status_code == 200:
            # Headers only, Content-Length included (WSGI servers complain about a HEAD body).
            length = response.get("Content-Length", str(len(response.content)))
            response.content = b""
            response["Content-Length"] = length
        return response

