"""The reader page cache: Django's cache framework, its cache version the content version.

A page's key is its host, path, the query parameters in READER_CACHE_QUERY_PARAMS and the
headers it varies on (Cookie aside); its version is read from `ContentVersion` on each request
(articles/content_version.py), so a write makes pages stale at once in every process. An
article's own page is versioned by the site token and its own `updated`: editing its body costs
its page, the lists and the feeds, not the rest of the site. No max-age reaches past the next
go-live. Staff (any real session) and credentials are never served from the cache, and only a
public 200 without cookies is kept. While the database is down, a kept page is served marked
stale; otherwise 503.
"""

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

from .content_version import read_state
from .publication_settings import serving_version

UNCACHEABLE = ("private", "no-store", "no-cache")
IGNORED_VARY = {"cookie", "accept-encoding"}
STALE_MAX_AGE = 10
DATABASE_DOWN = (OperationalError, InterfaceError)


def shared_cache():
    return caches[settings.READER_CACHE_ALIAS]


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.sessions = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        key = _key(request, [])
        try:
            state = read_state(_article_slug(request))
        except DATABASE_DOWN as error:
            database_unavailable(error)
            return _stale(request, key) or unavailable_response()
        if state.page is None:  # an article page with no such article: a 404 or a redirect
            return self.get_response(request)
        response = _find(request, key, state.version)
        if response is None:
            token = serving_version.set(state.settings_token)
            try:
                response = self.get_response(request)
            finally:
                serving_version.reset(token)
            if not _cacheable_response(response):
                return response
            max_age = get_max_age(response)
            patch_cache_control(response, public=True, max_age=settings.READER_CACHE_MAX_AGE if max_age is None else max_age)
            if not response.has_header("ETag"):
                set_response_etag(response)
            response.setdefault("Last-Modified", http_date())
            _store(request, key, state.version, response)
        if state.next_publish:
            patch_cache_control(response, max_age=max(0, int(state.next_publish - time.time())))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
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
        return not session or not self.sessions().exists(session)  # a made-up cookie is no session


def _article_slug(request) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.kwargs.get("slug") if match.url_name == "article_detail" else None


def _key(request, vary: list[str]) -> str:
    params = sorted((name, request.GET.getlist(name)) for name in settings.READER_CACHE_QUERY_PARAMS if name in request.GET)
    headers = [request.headers.get(name) for name in vary]
    return "page:" + sha256(repr((request.get_host(), request.path, params, vary, headers)).encode()).hexdigest()


def _find(request, key, version):
    found = shared_cache().get(key, version=version)
    if isinstance(found, list):  # the names of the headers this page varies on
        found = shared_cache().get(_key(request, found), version=version)
    if found is not None and request.method == "HEAD":
        found.content = b""  # Content-Length stays the page's
    return found


def _store(request, key, version, response):
    vary = sorted({name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()} - IGNORED_VARY)
    entries = {key: vary, _key(request, vary): response} if vary else {key: response}
    shared_cache().set_many(entries, settings.READER_CACHE_SECONDS, version=version)
    # What to serve while the database cannot say which version is current.
    shared_cache().set(key + ":latest", version, settings.READER_CACHE_SECONDS)


def _stale(request, key):
    version = shared_cache().get(key + ":latest")
    response = _find(request, key, version) if version else None
    if response is not None:
        response["Cache-Control"] = f"public, max-age={STALE_MAX_AGE}"
        response["Cache-Status"] = "masthead; hit; detail=stale"
    return response


def _cacheable_response(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in UNCACHEABLE) and response.get("Vary", "").strip() != "*"
