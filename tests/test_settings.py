"""Configuration by environment (publication/settings.py): each variable parsed, every bad value
stopped at start-up with a message naming it, and `check --deploy` clean in production.

Each case starts a fresh Python process: settings are read once, at start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "k3y-" + "x7Yq9vLw2Rt" * 6,
    "ALLOWED_HOSTS": "news.example.org",
}


def clean_environment() -> dict:
    """This process's environment without what the test run itself set (its database, cache,
    and the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses)."""
    skip = ("DATABASE_URL", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    return {k: v for k, v in os.environ.items() if k not in skip}


def run(code: str, **env) -> subprocess.CompletedProcess:
    base = clean_environment()
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "publication.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(*names, **env) -> dict:
    code = (
        "import json, sys; from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def start_up_error(**env) -> str:
    result = run("from django.conf import settings; settings.DEBUG", **env)
    assert result.returncode != 0, f"{env} was accepted"
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("DATABASE_URL", "nonsense", "DATABASE_URL='nonsense' is not valid"),
        ("DATABASE_URL", "mysql://user@host/db", "postgres://"),
        ("DATABASE_URL", "postgres://user@127.0.0.1:5432/", "name the database"),
        ("CACHE_URL", "memcache://127.0.0.1:11211", "CACHE_URL='memcache://127.0.0.1:11211' is not valid"),
        ("TIME_ZONE", "Mars/Base", "TIME_ZONE='Mars/Base' is not valid"),
        ("LANGUAGE_CODE", "klingon", "LANGUAGE_CODE='klingon' is not valid"),
        ("FEED_ITEMS", "ten", "FEED_ITEMS='ten' is not valid: expected a whole number"),
        ("FEED_ITEMS", "0", "FEED_ITEMS=0 is not valid: expected a whole number of at least 1"),
        ("ARTICLES_PER_PAGE", "-3", "ARTICLES_PER_PAGE=-3 is not valid"),
        ("CONN_MAX_AGE", "1.5", "CONN_MAX_AGE='1.5' is not valid"),
        ("PAGE_CACHE_SECONDS", "soon", "PAGE_CACHE_SECONDS='soon' is not valid"),
        ("DEBUG", "flase", "DEBUG='flase' is not valid: expected True or False"),
        ("HTTPS", "maybe", "HTTPS='maybe' is not valid: expected True or False"),
        ("BEHIND_PROXY", "sure", "BEHIND_PROXY='sure' is not valid"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not valid"),
        ("CSRF_TRUSTED_ORIGINS", "news.example.org", "CSRF_TRUSTED_ORIGINS='news.example.org' is not valid"),
        ("SITE_URL", "example.org", "SITE_URL='example.org' is not valid"),
    ],
)
def test_bad_value_stops_start_up_with_a_clear_message(name, value, says):
    message = start_up_error(**{name: value})
    assert "ImproperlyConfigured" in message and says in message


def test_short_secret_key_in_production_is_refused():
    message = start_up_error(**{**PRODUCTION, "SECRET_KEY": "short"})
    assert "SECRET_KEY must be a random string of 50 or more characters" in message


def test_defaults_are_sqlite_and_local_memory():
    found = settings_with("DATABASES", "CACHES", "READER_CACHE_SECONDS", "HTTPS", "SECURE_SSL_REDIRECT")
    assert found["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert found["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["READER_CACHE_SECONDS"] > 0
    assert found["HTTPS"] is False and found["SECURE_SSL_REDIRECT"] is False


def test_postgres_url_uses_psycopg_with_persistent_checked_connections():
    found = settings_with("DATABASES", DATABASE_URL="postgres://writer:s3cret@db.internal:6432/news", CONN_MAX_AGE="120")
    db = found["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], int(db["PORT"])) == (
        "news", "writer", "s3cret", "db.internal", 6432,
    )
    assert db["CONN_MAX_AGE"] == 120 and db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["connect_timeout"] == 5


def test_redis_url_uses_djangos_built_in_redis_cache():
    code = (
        "from django.core.cache import caches\n"
        "from django.core.cache.backends.redis import RedisCache\n"
        "cache = caches['default']\n"
        "print(isinstance(cache, RedisCache), type(cache).__module__, cache._servers)"
    )
    result = run(code, CACHE_URL="redis://127.0.0.1:6390/2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "publication.rediscache", "['redis://127.0.0.1:6390/2']"]


def test_https_turns_on_redirect_hsts_and_secure_cookies():
    names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    on = settings_with(*names, "CONTENT_SECURITY_POLICY", HTTPS="True")
    assert on["SECURE_SSL_REDIRECT"] and on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    assert on["SECURE_HSTS_SECONDS"] >= 31536000
    assert "upgrade-insecure-requests" in on["CONTENT_SECURITY_POLICY"]
    off = settings_with(*names, **PRODUCTION)  # DEBUG=False without HTTPS: plain HTTP still served
    assert not any([off["SECURE_SSL_REDIRECT"], off["SECURE_HSTS_SECONDS"], off["SESSION_COOKIE_SECURE"]])


def test_behind_proxy_trusts_forwarded_proto_and_origins():
    found = settings_with(
        "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS", BEHIND_PROXY="True", CSRF_TRUSTED_ORIGINS="https://news.example.org"
    )
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["CSRF_TRUSTED_ORIGINS"] == ["https://news.example.org"]
    # Off by default: a forged X-Forwarded-Proto must not count without a proxy in front.
    assert settings_with("SECURE_PROXY_SSL_HEADER")["SECURE_PROXY_SSL_HEADER"] is None


def test_s3_bucket_selects_the_object_store_or_says_what_to_install():
    env = {"S3_BUCKET": "news-media", "S3_ENDPOINT_URL": "https://s3.example.org", "S3_CUSTOM_DOMAIN": "media.example.org"}
    result = run("from django.conf import settings; import json; print(json.dumps(settings.STORAGES['default']))", **env)
    try:
        import boto3  # noqa: F401
        import storages  # noqa: F401
    except ImportError:
        assert result.returncode != 0
        assert "pip install 'masthead[s3]'" in result.stderr
    else:
        storage = json.loads(result.stdout)
        assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
        assert storage["OPTIONS"]["bucket_name"] == "news-media"
        assert storage["OPTIONS"]["custom_domain"] == "media.example.org"


@pytest.mark.parametrize("package,variable,url,extra", [
    ("redis", "CACHE_URL", "redis://127.0.0.1:6379/0", "redis"),
    ("psycopg", "DATABASE_URL", "postgres://u:p@127.0.0.1:5432/news", "postgres"),
])
def test_a_url_whose_client_package_is_missing_stops_start_up_saying_what_to_install(package, variable, url, extra):
    """Without redis-py every page would answer 500 while /healthz, which needs no cache, said 200."""
    result = run(f"import sys; sys.modules[{package!r}] = None; from django.conf import settings; settings.CACHES", **{variable: url})
    assert result.returncode != 0
    assert f"{variable}=" in result.stderr and f"pip install 'masthead[{extra}]'" in result.stderr


def test_check_deploy_reports_nothing_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        env={**clean_environment(), **PRODUCTION, "HTTPS": "True", "DJANGO_SETTINGS_MODULE": "publication.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("workers, expected", [("", None), ("3", 3)])
def test_gunicorn_config_takes_workers_from_the_cpu_count_or_web_concurrency(workers, expected):
    code = (
        "import os, runpy; c = runpy.run_path('gunicorn.conf.py')\n"
        "print(c['workers'], c['timeout'], c['accesslog'], c['bind'], len(os.sched_getaffinity(0)))"
    )
    result = run(code, WEB_CONCURRENCY=workers)
    assert result.returncode == 0, result.stderr
    count, timeout, accesslog, bind, cpus = result.stdout.split()
    assert int(count) == (expected or 2 * int(cpus) + 1)
    assert int(timeout) > 0 and accesslog == "-" and bind == "127.0.0.1:8000"


def test_gunicorn_config_refuses_a_bad_worker_count():
    result = run("import runpy; runpy.run_path('gunicorn.conf.py')", WEB_CONCURRENCY="many")
    assert result.returncode != 0 and "WEB_CONCURRENCY='many' is not valid" in result.stderr
