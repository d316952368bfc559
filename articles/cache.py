"""Whole-page caching of the reader site in the shared cache, with exact go-live.

Every anonymous GET/HEAD of a reader page (any URL outside `READER_CACHE_EXCLUDE`: the
index, articles, authors, tags, archive, search, sitemaps, feeds, and whatever reader page
comes next, with no per-view work) is answered from the shared cache when it can be.

- Freshness across workers: page keys carry a *content version* kept in the shared cache.
  Saving or deleting any model of the apps in `CACHE_INVALIDATING_APPS` (articles, authors,
  tags, the publication's settings...) sets a new version, so every worker's next request
  misses and renders from the database.
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
- A dead cache server is a miss (see publication/rediscache.py): pages come from the database.
"""

import time
import uuid
from hashlib import sha256

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, get_max_age, patch_cache_control, set_response_etag
from django.utils.http import http_date, parse_http_date_safe

VERSION_KEY = "masthead:content-version"
UNCACHEABLE = ("private", "no-store", "no-cache")


def shared_cache():
    return caches[settings.READER_CACHE_ALIAS]


def content_version() -> str:
    """The current content version; a new random one when the cache has none (new or flushed)."""
    cache = shared_cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY) or version
    return version


def bump_content_version(**kwargs):
    """Make every cached page stale at once, in every worker: pages are keyed by this version."""
    shared_cache().set(VERSION_KEY, uuid.uuid4().hex, None)


def content_changed(using=None):
    """Content was written: stale pages now, and once more at commit (a page rendered between
    the write and the commit saw the old rows)."""
    bump_content_version()
    transaction.on_commit(bump_content_version, using=using)


def _model_changed(sender, **kwargs):
    if sender._meta.app_label in settings.CACHE_INVALIDATING_APPS:
        content_changed(kwargs.get("using"))


post_save.connect(_model_changed, dispatch_uid="masthead-cache-save")
post_delete.connect(_model_changed, dispatch_uid="masthead-cache-delete")
m2m_changed.connect(_model_changed, dispatch_uid="masthead-cache-m2m")


def next_publish_time(version: str) -> float | None:
    """When the next scheduled article goes public (a Unix time), or None: cached per version."""
    from .models import Article

    cache = shared_cache()
    key = f"masthead:next-publish:{version}"
    now = time.time()
    moment = cache.get(key)
    if moment is None or (moment and moment <= now):
        date = Article.objects.scheduled().order_by("publish_date").values_list("publish_date", flat=True).first()
        moment = date.timestamp() if date else 0.0
        # Kept until that moment at most: then the next one is looked up.
        cache.set(key, moment, int(moment - now) if moment else settings.READER_CACHE_SECONDS)
    return moment or None


class ReaderCacheMiddleware:
    """Serves reader pages from the shared cache; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.excluded = tuple(settings.READER_CACHE_EXCLUDE)

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD")
            or not settings.READER_CACHE_SECONDS
            or request.path.startswith(self.excluded)
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or "HTTP_AUTHORIZATION" in request.META
        ):
            return self.get_response(request)

        version = content_version()
        key = f"masthead:page:{version}:{sha256(request.build_absolute_uri().encode()).hexdigest()}"
        entry = shared_cache().get(key)
        if entry is not None and "vary" in entry:
            # The page differs by request headers (e.g. the feeds by Accept): one entry per variant.
            entry = shared_cache().get(self._variant_key(key, entry["vary"], request))
        if entry is not None:
            response = HttpResponse(entry["content"], status=entry["status"])
            for name, value in entry["headers"]:
                response[name] = value
            self._set_max_age(response, entry["expires"], entry["max_age"])
            return self._conditional(request, response)

        response = self.get_response(request)
        if not self._cacheable(response):
            return response
        now = time.time()
        expires = now + settings.READER_CACHE_SECONDS
        moment = next_publish_time(version)
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
            headers = [(k, v) for k, v in response.items() if k.lower() != "cache-control"]
            entry = {"status": response.status_code, "headers": headers, "content": response.content}
            entry.update(expires=expires, max_age=max_age)
            vary = sorted(self._vary(response) - {"cookie", "accept-encoding"})
            if vary:
                shared_cache().set(key, {"vary": vary}, timeout)
                key = self._variant_key(key, vary, request)
            shared_cache().set(key, entry, timeout)
        self._set_max_age(response, expires, max_age)
        return self._conditional(request, response)

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
        response = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )
        if request.method == "HEAD" and response.status_code == 200:
            # Headers only, Content-Length included (WSGI servers complain about a HEAD body).
            length = response.get("Content-Length", str(len(response.content)))
            response.content = b""
            response["Content-Length"] = length
        return response

