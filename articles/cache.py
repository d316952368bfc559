"""The reader page cache: Django's cache framework, keyed by the content version.

Interface for views: `PageCacheMiddleware` (in MIDDLEWARE after ConditionalGetMiddleware, which
answers 304s for cached and fresh pages alike), `content_token()` (the token of what readers see
now, for a view's own validators) and `content_changed()` (for a writer Django sends no signal
for: raw SQL, a recount). Views do nothing else; a view's own max-age is kept, capped.

- Keys: the host, the path, the query parameters in `READER_CACHE_QUERY_PARAMS` (others are
  not part of the key) and the request headers the response varies on, besides Cookie. The
  cache version is the content token (`ContentVersion`, one row read per request), so a write
  makes pages stale at once in every process, whatever the cache backend.
- Two tokens: `token` moves with every change a reader can see (lists, feeds, search,
  sitemaps use it), `site_token` only with what shows beyond an article's own page (titles,
  dates, visibility, authors, tags, settings). An article's page is keyed by `site_token` and
  its own `updated`, so an edit of its body costs its page, the lists and the feeds. A draft
  that stays unpublished moves neither (articles/content_version.py listens to the writes).
- Go-live: the row holds the next scheduled moment; the first request after it moves the tokens
  (a go-live is a content change), and no max-age reaches past it.
- Never cached: paths in `READER_CACHE_EXCLUDE`, requests with a session that exists or with
  credentials (a made-up session cookie counts as none), responses that are not 200, set a
  cookie, or say private/no-store/no-cache or `Vary: *`.
- The database down: a cached page is served as it is, marked stale; otherwise 503.
"""

import contextvars
import time
from hashlib import sha256
from importlib import import_module

from django.conf import settings
from django.core.cache import caches
from django.db import InterfaceError, OperationalError
from django.urls import Resolver404, resolve
from django.utils.cache import get_max_age, patch_cache_control, set_response_etag
from django.utils.http import http_date

from publication.health import database_unavailable, unavailable_response

from .content_version import bump, read_state
from .publication_settings import serving_version

UNCACHEABLE = ("private", "no-store", "no-cache")
IGNORED_VARY = {"cookie", "accept-encoding"}
STALE_MAX_AGE = 10


def shared_cache():
    return caches[settings.READER_CACHE_ALIAS]


_serving = contextvars.ContextVar("masthead_serving_state", default=None)


def content_token() -> str:
    """The token of the content readers see now: it changes with every reader-visible write."""
    return (_serving.get() or read_state()).token


def content_changed(using=None):
    """Every cached page is stale from the moment the caller's transaction commits."""
    bump(using)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.sessions = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        key = self._key(request)
        try:
            state = read_state(self._article_slug(request))
        except (OperationalError, InterfaceError) as error:
            database_unavailable(error)
            return self._stale(request, key) or unavailable_response()
        if state.page is None:  # a page of an article that does not exist (or moved): not kept
            return self.get_response(request)
        version = state.version
        response = self._find(request, key, version)
        if response is None:
            tokens = _serving.set(state), serving_version.set(state.settings_token)
            try:
                response = self.get_response(request)
            finally:
                _serving.reset(tokens[0])
                serving_version.reset(tokens[1])
            if not self._cacheable_response(response):
                return response
            base = get_max_age(response)
            patch_cache_control(response, public=True, max_age=settings.READER_CACHE_MAX_AGE if base is None else base)
            if not response.has_header("ETag"):
                set_response_etag(response)
            response.setdefault("Last-Modified", http_date())
            self._store(request, key, version, response)
        if state.next_publish:
            patch_cache_control(response, max_age=max(0, int(state.next_publish - time.time())))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            database_unavailable(exception)
            return unavailable_response()
        return None

    def _cacheable_request(self, request) -> bool:
        if (
            request.method not in ("GET", "HEAD")
            or not settings.READER_CACHE_SECONDS
            or request.path.startswith(tuple(settings.READER_CACHE_EXCLUDE))
            or "HTTP_AUTHORIZATION" in request.META
        ):
            return False
        session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        return not session or not self.sessions().exists(session)

    @staticmethod
    def _article_slug(request) -> str | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return match.kwargs.get("slug") if match.url_name == "article_detail" else None

    @staticmethod
    def _key(request) -> str:
        params = sorted((name, request.GET.getlist(name)) for name in settings.READER_CACHE_QUERY_PARAMS if name in request.GET)
        return "page:" + sha256(repr((request.get_host(), request.path, params)).encode()).hexdigest()

    @staticmethod
    def _variant(key, names, request) -> str:
        return key + ":" + sha256(repr([request.headers.get(name) for name in names]).encode()).hexdigest()

    def _find(self, request, key, version):
        found = shared_cache().get(key, version=version)
        if isinstance(found, list):  # the names of the headers this page varies on
            found = shared_cache().get(self._variant(key, found, request), version=version)
        if found is not None and request.method == "HEAD":
            found.content = b""  # Content-Length stays the page's
        return found

    def _store(self, request, key, version, response):
        vary = sorted({name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()} - IGNORED_VARY)
        entries = {key: response}
        if vary:
            entries = {key: vary, self._variant(key, vary, request): response}
        shared_cache().set_many(entries, settings.READER_CACHE_SECONDS, version=version)
        # What to serve, as it is, while the database cannot say which version is current.
        shared_cache().set(key + ":latest", version, settings.READER_CACHE_SECONDS)

    def _stale(self, request, key):
        version = shared_cache().get(key + ":latest")
        response = self._find(request, key, version) if version else None
        if response is not None:
            response["Cache-Control"] = f"public, max-age={STALE_MAX_AGE}"
            response["Cache-Status"] = "masthead; hit; detail=stale"
        return response

    @staticmethod
    def _cacheable_response(response) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        return not any(word in cache_control for word in UNCACHEABLE) and response.get("Vary", "").strip() != "*"

