"""Masthead settings: the environment is read here, once.

Every variable is documented in `.env.example`. Defaults are safe for local use;
production sets DEBUG=False, SECRET_KEY, ALLOWED_HOSTS and, behind TLS, HTTPS=True.
"""

import datetime as dt
import importlib.util
import logging
import os
import secrets
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

from publication.environment import StrictEnv, invalid

BASE_DIR = Path(__file__).resolve().parent.parent

# Strict: a value that does not parse stops start-up with a message naming the variable.
env = StrictEnv()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)


def installation_secret_key() -> str:
    """A key generated once for this installation and kept beside the code, never a published one.

    Set SECRET_KEY in the environment when several machines serve the site: they must share it.
    """
    path = BASE_DIR / ".secret_key"
    try:
        # O_EXCL: when several workers start at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(64))
    except FileExistsError:
        pass
    except OSError as error:
        raise ImproperlyConfigured(f"Set SECRET_KEY: no key in the environment and {path} cannot be written ({error}).")
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "insecure-local-development-key-do-not-use-in-production" if DEBUG else installation_secret_key()
)
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a random string of 50 or more characters when DEBUG=False.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "markdownx",
    "reversion",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "articles",
    "publication",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "publication.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304s for every page, cached or not; then the page cache, before sessions and auth: a
    # cached page is served without touching them.
    "django.middleware.http.ConditionalGetMiddleware",
    "articles.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the final 404: old article addresses answer 301 (articles/redirects.py).
    "articles.redirects.RedirectFallbackMiddleware",
    # Login throttling: answers a locked-out login with the page below.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "publication.urls"
WSGI_APPLICATION = "publication.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.publication",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections, checked before reuse so a restarted database server costs no error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker write to one file: a transaction takes the write lock
    # when it begins and waits for it (a lock taken midway fails at once: "database is locked"),
    # and readers never wait for a writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if not importlib.util.find_spec("psycopg"):
        raise invalid("DATABASE_URL", env.str("DATABASE_URL"), "PostgreSQL needs psycopg: pip install 'masthead[postgres]'")
    # psycopg 3; a database that does not answer fails fast instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://masthead")}
if "redis" in CACHES["default"]["BACKEND"]:
    # Without the package every page would fail while /healthz (no cache) says all is well: stop here.
    if not importlib.util.find_spec("redis"):
        raise invalid("CACHE_URL", env.str("CACHE_URL"), "the Redis cache needs redis-py: pip install 'masthead[redis]'")
    # Django's built-in Redis cache (not django-redis), where a dead server is a miss.
    CACHES["default"]["BACKEND"] = "publication.rediscache.ResilientRedisCache"
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
        **{k.lower(): v for k, v in CACHES["default"].get("OPTIONS", {}).items()},
    }
    # Pages also kept in each worker's memory: a hit without a round trip (bench/RESULTS.md).
    CACHES["pages"] = {
        "BACKEND": "publication.twolevelcache.TwoLevelCache",
        "LOCATION": "default",
        "OPTIONS": {"MAX_ENTRIES": env.int("PAGE_CACHE_LOCAL_ENTRIES", default=100)},
    }
# Reader pages from the shared cache (articles/cache.py): the longest a page is kept (0: off),
# and how long browsers and CDNs may keep one. Both are capped at the next scheduled article.
READER_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
READER_CACHE_MAX_AGE = env.int("PAGE_MAX_AGE", default=60)
READER_CACHE_ALIAS = "pages" if "pages" in CACHES else "default"
# The query parameters reader pages depend on (lists, search, sitemap sections): the only ones
# in a page's cache key, so `?utm_source=…` or `?v=N` is the same page, not a new entry.
READER_CACHE_QUERY_PARAMS = ["page", "q", "p"]
# Paths never served from the page cache (static files never reach it: whitenoise comes first).
READER_CACHE_EXCLUDE = ["/admin/", "/preview/", "/healthz", "/media/"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): failed logins are counted in the database, so every worker and
# machine sees the same count. A username is locked out from one address at a time (username
# and address together): a guesser is stopped, and cannot lock an editor out from elsewhere.
# Unlock: `manage.py axes_reset_username NAME` (or axes_reset_ip ADDRESS, axes_reset for all).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "publication.clients.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Failed attempts are kept; the log of every successful login is not needed (the admin's own history is).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en-us")
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "publication.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic, whitenoise still finds the files (unhashed) in static/.
WHITENOISE_USE_FINDERS = True
# Media files are served by Django itself unless a proxy or object store takes over.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Uploads in an S3-compatible object store when a bucket is named (pip install 'masthead[s3]').
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    if not (importlib.util.find_spec("storages") and importlib.util.find_spec("boto3")):
        raise invalid("S3_BUCKET", S3_BUCKET, "the S3 store needs django-storages: pip install 'masthead[s3]'")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "custom_domain": env.str("S3_CUSTOM_DOMAIN", default="") or None,
            # Public-read objects with plain URLs: pages are cached, signed URLs would expire.
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
    SERVE_MEDIA = False

# Behind TLS (directly or through a proxy): redirect, HSTS, secure cookies.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (publication/middleware.py): scripts and styles only
# from files of this site, never inline; images also from any web address (external hero
# images, which the importer accepts over http too; an object store) and data: URLs (the
# admin's icons). Over HTTPS, upgrade-insecure-requests fetches http images as https.
_media_origin = "{0.scheme}://{0.netloc}".format(urlsplit(MEDIA_URL)) if "://" in MEDIA_URL else ""
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' https: http: data: {_media_origin}".strip(),
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' https:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    + (["upgrade-insecure-requests"] if HTTPS else [])
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# django-markdownx: the live preview is the body readers get (articles/admin/editor.py).
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.admin.editor.page_body"
# The longest article body, in bytes of UTF-8: the admin form, the importer and the live preview refuse more.
MARKDOWN_MAX_BYTES = env.int("MARKDOWN_MAX_BYTES", default=1024 * 1024)
MARKDOWNX_URLS_PATH = "/admin/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/admin/markdownx/upload/"
MARKDOWNX_MEDIA_PATH = "body/"

# The publication itself.
SITE_NAME = env.str("SITE_NAME", default="Masthead")
SITE_TAGLINE = env.str("SITE_TAGLINE", default="Long-form writing, published well.")
SITE_URL = env.str("SITE_URL", default="")
DEFAULT_CTA = env.str(
    "DEFAULT_CTA",
    default="Enjoyed this article? Subscribe to our feed so you never miss the next one.",
)
ARTICLES_PER_PAGE = env.int("ARTICLES_PER_PAGE", default=10)
FEED_ITEMS = env.int("FEED_ITEMS", default=20)
# Seconds feed readers and proxies may keep a feed (capped at the next scheduled article).
FEED_MAX_AGE = env.int("FEED_MAX_AGE", default=300)
# The feeds' icon/logo (absolute URL or a path on this site); empty: none.
FEED_ICON_URL = env.str("FEED_ICON_URL", default="")
IMAGE_UPLOAD_MAX_BYTES = env.int("IMAGE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=50_000_000)
# The admin's Markdown import: what one upload (files or a .zip) may hold, uncompressed, and how
# many times a zip member may expand (beyond that it is refused as a decompression bomb).
IMPORT_MAX_FILES = env.int("IMPORT_MAX_FILES", default=5000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_RATIO = env.int("IMPORT_MAX_RATIO", default=100)
# The admin import starts no new file after this many seconds; the report names what is left, and
# uploading the same files again imports it. Keep it well under GUNICORN_TIMEOUT.
IMPORT_MAX_SECONDS = env.int("IMPORT_MAX_SECONDS", default=10)
# The largest Markdown body one article may have, in bytes (an imported file past it is refused by name).
MARKDOWN_MAX_BYTES = env.int("MARKDOWN_MAX_BYTES", default=1024 * 1024)
# How long a shared preview link of a draft stays valid, in seconds (default: 7 days).
PREVIEW_LINK_MAX_AGE = env.int("PREVIEW_LINK_MAX_AGE", default=7 * 24 * 3600)

# Background work (publish events, WebSub and webhook deliveries) on django-tasks' database
# backend: the queue is a table, its worker `python manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The WebSub hub (articles/websub/): leases granted to subscribers (default, shortest, longest),
# each outgoing request's timeout, the first retry's wait (doubling each time), the days a
# failing callback is kept, hubs to ping as well, and whether callbacks and webhooks may be on
# loopback or private addresses (off: no server-side request forgery; on for tests, intranets).
WEBSUB_LEASE_SECONDS = env.int("WEBSUB_LEASE_SECONDS", default=10 * 24 * 3600)
WEBSUB_MIN_LEASE_SECONDS = env.int("WEBSUB_MIN_LEASE_SECONDS", default=3600)
WEBSUB_MAX_LEASE_SECONDS = env.int("WEBSUB_MAX_LEASE_SECONDS", default=30 * 24 * 3600)
WEBSUB_TIMEOUT = env.int("WEBSUB_TIMEOUT", default=10)
WEBSUB_RETRY_SECONDS = env.int("WEBSUB_RETRY_SECONDS", default=60)
WEBSUB_DROP_AFTER_DAYS = env.int("WEBSUB_DROP_AFTER_DAYS", default=3)
WEBSUB_EXTERNAL_HUBS = env.list("WEBSUB_EXTERNAL_HUBS", default=[])
WEBSUB_ALLOW_PRIVATE_CALLBACKS = env.bool("WEBSUB_ALLOW_PRIVATE_CALLBACKS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Start-up checks: a value that parses but makes no sense stops the site here, with its name.
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as _error:
    raise invalid("TIME_ZONE", TIME_ZONE, "use a tz database name such as UTC or Europe/Paris") from _error
if LANGUAGE_CODE.lower() not in LANG_INFO and LANGUAGE_CODE.split("-")[0].lower() not in LANG_INFO:
    raise invalid("LANGUAGE_CODE", LANGUAGE_CODE, "use a language code such as en-us or fr")
if not isinstance(logging.getLevelName(LOGGING["root"]["level"].upper()), int):
    raise invalid("LOG_LEVEL", LOGGING["root"]["level"], "use DEBUG, INFO, WARNING, ERROR or CRITICAL")
LOGGING["root"]["level"] = LOGGING["root"]["level"].upper()
for _origin in CSRF_TRUSTED_ORIGINS:
    if not urlsplit(_origin).scheme or not urlsplit(_origin).netloc:
        raise invalid("CSRF_TRUSTED_ORIGINS", _origin, "each origin is a scheme and host, e.g. https://news.example.org")
if SITE_URL and (urlsplit(SITE_URL).scheme not in ("http", "https") or not urlsplit(SITE_URL).netloc):
    raise invalid("SITE_URL", SITE_URL, "use the site's address, e.g. https://news.example.org")
for _hub in WEBSUB_EXTERNAL_HUBS:
    if urlsplit(_hub).scheme not in ("http", "https") or not urlsplit(_hub).netloc:
        raise invalid("WEBSUB_EXTERNAL_HUBS", _hub, "each hub is an http or https URL, e.g. https://pubsubhubbub.appspot.com/")
if not 0 < WEBSUB_MIN_LEASE_SECONDS <= WEBSUB_LEASE_SECONDS <= WEBSUB_MAX_LEASE_SECONDS:
    raise invalid(
        "WEBSUB_LEASE_SECONDS",
        WEBSUB_LEASE_SECONDS,
        "expected WEBSUB_MIN_LEASE_SECONDS (at least 1) <= WEBSUB_LEASE_SECONDS <= WEBSUB_MAX_LEASE_SECONDS",
    )
if not DEBUG and not ALLOWED_HOSTS:
    raise invalid("ALLOWED_HOSTS", "", "name the hosts this site answers to when DEBUG=False")
for _name, _minimum in {
    "ARTICLES_PER_PAGE": 1,
    "FEED_ITEMS": 1,
    "IMAGE_UPLOAD_MAX_BYTES": 1,
    "IMAGE_MAX_PIXELS": 1,
    "MARKDOWN_MAX_BYTES": 1,
    "CONN_MAX_AGE": 0,
    "PAGE_CACHE_SECONDS": 0,
    "PAGE_MAX_AGE": 0,
    "LOGIN_FAILURE_LIMIT": 1,
    "LOGIN_LOCKOUT_MINUTES": 1,
    "SECURE_HSTS_SECONDS": 0,
    "WEBSUB_TIMEOUT": 1,
    "WEBSUB_RETRY_SECONDS": 1,
    "WEBSUB_DROP_AFTER_DAYS": 1,
}.items():
    _value = env.int(_name, default=_minimum)
    if _value < _minimum:
        raise invalid(_name, _value, f"expected a whole number of at least {_minimum}")
