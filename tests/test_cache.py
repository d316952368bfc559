"""The reader-page cache (articles/cache.py): served from the cache, fresh at once after a save,
in every process, never past the next scheduled moment, never for staff, and the site keeps
answering when the cache server dies. Redis tests use the real server at TEST_REDIS_URL
(`sh scripts/test.sh` starts one)."""

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.factories import make_article, make_author, make_tag
from tests.staff import make_staff

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, headers=headers)
    return response, len(context)


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (sh scripts/test.sh starts a Redis server and sets it)")
    return url


def use_redis(settings, url, two_level=False):
    settings.CACHES = {"default": {"BACKEND": "publication.rediscache.ResilientRedisCache", "LOCATION": url}}
    if two_level:  # as production configures it with a Redis CACHE_URL
        settings.CACHES["pages"] = {"BACKEND": "publication.twolevelcache.TwoLevelCache", "LOCATION": "default"}
        settings.READER_CACHE_ALIAS = "pages"
    caches["default"].clear()


@pytest.mark.parametrize("url", ["/", "/articles/cached/", "/authors/ada-writer/", "/feed/", "/feed/atom/"])
def test_second_anonymous_request_comes_from_the_cache(client, url):
    make_article("Cached", author=make_author("Ada Writer"))
    first, _ = queries(client, url)
    second, count = queries(client, url)
    assert count == 1  # the content version, nothing else
    assert second.status_code == first.status_code == 200
    assert second.content == first.content


def test_pages_carry_validators_and_a_public_max_age(client):
    make_article("Cached")
    for response in (client.get("/"), client.get("/")):  # a miss, then a hit
        assert response["ETag"]
        assert response["Last-Modified"]
        assert "public" in response["Cache-Control"]
        assert 0 < int(response["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 60


def test_conditional_requests_get_304_from_the_cache(client):
    make_article("Cached")
    page = client.get("/")
    not_modified, count = queries(client, "/", if_none_match=page["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b"" and count == 1
    assert client.get("/", headers={"if_modified_since": page["Last-Modified"]}).status_code == 304


def test_feed_conditional_get_survives_the_cache(client):
    make_article("Fed")
    feed = client.get("/feed/")
    assert client.get("/feed/", headers={"if_none_match": feed["ETag"]}).status_code == 304
    make_article("Newer")
    fresh = client.get("/feed/", headers={"if_none_match": feed["ETag"]})
    assert fresh.status_code == 200 and b"Newer" in fresh.content


def test_head_is_answered_from_the_cache_without_a_body(client):
    make_article("Cached")
    get = client.get("/")
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(get.content))


@pytest.mark.parametrize("backend", ["locmem", "redis", "two-level"])
def test_saving_article_author_or_tag_makes_pages_fresh_at_once(client, settings, backend):
    if backend != "locmem":
        url = os.environ.get("TEST_REDIS_URL") or pytest.skip("TEST_REDIS_URL is not set")
        use_redis(settings, url, two_level=backend == "two-level")
    author = make_author("Ada Writer")
    article = make_article("Old Title", author=author, tags=["Essays"])
    for url in ("/", article.get_absolute_url()):
        client.get(url)

    article.title = "New Title"
    article.save()
    assert b"New Title" in client.get("/").content

    author.name = "Ada Renamed"
    author.save()
    assert b"Ada Renamed" in client.get(article.get_absolute_url()).content

    tag = make_tag("Essays")
    client.get(article.get_absolute_url())
    tag.name = "Long Essays"
    tag.save()
    assert b"Long Essays" in client.get(article.get_absolute_url()).content

    article.tags.clear()  # many-to-many changes count too
    assert b"Long Essays" not in client.get(article.get_absolute_url()).content

    article.delete()
    assert client.get(article.get_absolute_url()).status_code == 404
    assert b"New Title" not in client.get("/").content


def test_queryset_update_makes_pages_fresh(client):
    article = make_article("Visible")
    assert b"Visible" in client.get("/").content
    Article.objects.filter(pk=article.pk).update(draft=True)  # as the admin's "revert to draft"
    assert b"Visible" not in client.get("/").content


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_scheduled_article_appears_exactly_at_its_moment_with_caching_on(client, settings, backend):
    if backend == "redis":
        use_redis(settings, os.environ.get("TEST_REDIS_URL") or pytest.skip("TEST_REDIS_URL is not set"))
    make_article("Already Out")
    soon = make_article("Coming Soon", publish_in=timedelta(seconds=2))
    moment = soon.publish_date.timestamp()

    before = client.get("/")
    assert b"Already Out" in before.content and b"Coming Soon" not in before.content
    # Cached meanwhile, and no cache (ours, a CDN's) is told to keep it past the moment.
    _, count = queries(client, "/")
    assert count == 1  # the content version
    assert int(before["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 2
    while time.time() < moment - 0.05:  # the moment has not come: still hidden
        assert b"Coming Soon" not in client.get("/").content
        time.sleep(0.1)

    time.sleep(max(0.0, moment - time.time()) + 0.01)
    for url in ("/", soon.get_absolute_url(), "/feed/"):
        response = client.get(url)
        assert response.status_code == 200 and b"Coming Soon" in response.content, url


def test_logged_in_staff_is_never_served_or_stored(client):
    make_article("Public")
    staff = make_staff("Editor", "editor")
    client.force_login(staff)
    for _ in range(2):
        _, count = queries(client, "/")
        assert count > 0
    # Nor did the staff's pages fill the cache for readers.
    client.logout()
    _, count = queries(client, "/")
    assert count > 0


def test_admin_healthz_and_never_cache_views_are_not_cached(client, admin_client):
    make_article("Public")
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
    _, count = queries(client, "/healthz")
    assert count == 1
    response, count = queries(client, "/admin/login/")
    assert count >= 0 and "public" not in response.get("Cache-Control", "")
    assert "public" not in admin_client.get("/admin/").get("Cache-Control", "")


def test_cache_off_renders_every_time(client, settings):
    settings.READER_CACHE_SECONDS = 0
    make_article("Uncached")
    client.get("/")
    _, count = queries(client, "/")
    assert count > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["locmem", "redis", "two-level"])
def test_a_save_in_another_process_makes_this_process_fresh(client, settings, backend):
    """Another process (a second worker, a management command) saves; this one's next page is
    fresh, whether the cache is shared (Redis) or each process's own memory."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database two processes share: runs in the PostgreSQL pass of scripts/test.sh")
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    if backend != "locmem":
        use_redis(settings, redis_url or pytest.skip("TEST_REDIS_URL is not set"), two_level=backend == "two-level")
    article = make_article("Before The Edit", description="The edit test article.")
    assert b"Before The Edit" in client.get(article.get_absolute_url()).content
    _, count = queries(client, article.get_absolute_url())
    assert count == 1  # the content version; the page came from the cache

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CACHE_URL": redis_url if backend != "locmem" else "locmemcache://other-process",
        "DJANGO_SETTINGS_MODULE": "publication.settings",
    }
    script = (
        "import django, sys; django.setup()\n"
        "from articles.models import Article\n"
        "a = Article.objects.get(slug=sys.argv[1]); a.title = 'After The Edit'; a.save()\n"
    )
    subprocess.run([sys.executable, "-c", script, article.slug], env=env, cwd=ROOT, check=True, timeout=60)

    response = client.get(article.get_absolute_url())
    assert b"After The Edit" in response.content and b"Before The Edit" not in response.content


@pytest.mark.django_db(transaction=True)
def test_publication_settings_saved_in_another_process_show_at_once(client):
    """The settings record is cached per content version: no worker keeps showing old ones."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database two processes share: runs in the PostgreSQL pass of scripts/test.sh")
    article = make_article("Settings Test")
    for url in ("/", article.get_absolute_url()):
        client.get(url)  # cached, with the settings of this version
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CACHE_URL": "locmemcache://other-process",
        "DJANGO_SETTINGS_MODULE": "publication.settings",
    }
    script = (
        "import django; django.setup()\n"
        "from articles.models import PublicationSettings\n"
        "record = PublicationSettings.objects.filter(pk=1).first() or PublicationSettings()\n"
        "record.tagline = 'A Brand New Tagline'; record.cta_text = 'A brand new call.'; record.save()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, timeout=60)
    assert b"A Brand New Tagline" in client.get("/").content
    assert b"A brand new call." in client.get(article.get_absolute_url()).content


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_site_answers_from_the_database_when_redis_stops(client, settings, redis_url, tmp_path, caplog):
    server = shutil.which("redis-server")
    assert server, "TEST_REDIS_URL is set, so redis-server must be installed"
    port = free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        use_redis(settings, url)
        article = make_article("Still Served")
        client.get("/")
        _, count = queries(client, "/")
        assert count == 1  # the content version; the page came from the cache
    finally:
        process.terminate()
        process.wait(timeout=10)

    with caplog.at_level(logging.ERROR, logger="masthead.cache"):
        response, count = queries(client, "/")
        assert response.status_code == 200 and b"Still Served" in response.content and count > 0
        article.title = "Edited While Redis Is Down"
        article.save()
        assert b"Edited While Redis Is Down" in client.get(article.get_absolute_url()).content
        assert client.get("/healthz").status_code == 200
    assert any("unavailable" in record.getMessage() for record in caplog.records)


def test_pages_that_vary_by_header_are_cached_per_variant(client):
    make_article("Fed")
    browser = {"accept": "text/html,application/xhtml+xml"}
    for _ in range(2):
        assert client.get("/feed/", headers=browser)["Content-Type"].startswith("application/xml")
        assert client.get("/feed/")["Content-Type"].startswith("application/rss+xml")
    _, count = queries(client, "/feed/", **browser)
    assert count == 1  # the content version


@pytest.mark.parametrize(
    "url", ["/", "/articles/first/", "/authors/ada-writer/", "/tags/essays/", "/feed/", "/tags/essays/feed/", "/sitemap.xml"]
)
def test_the_first_miss_after_a_save_is_at_most_four_queries(client, url):
    """The next publish moment and the settings token come with the version read: a save
    costs readers no extra queries (at most 4 on a miss)."""
    author = make_author("Ada Writer")
    make_article("First", author=author, tags=["Essays"])
    make_article("Later", author=author, tags=["Essays"], publish_in=timedelta(days=2))
    client.get(url)
    make_article("Second", author=author, tags=["Essays"])  # a new content version
    response, count = queries(client, url)
    assert response.status_code == 200
    assert count <= 4, count


# Invalidate what changed for readers, and only that.


def test_saving_a_draft_leaves_readers_pages_cached(client):
    article = make_article("Public Piece", tags=["Essays"])
    draft = make_article("Work In Progress", draft=True, tags=["Essays"])
    urls = ("/", article.get_absolute_url(), "/feed/", "/tags/essays/")
    for url in urls:
        client.get(url)
    draft.body = "A second paragraph, saved as the editor types."
    draft.save()
    draft.tags.add(make_tag("Drafts only"))
    for url in urls:
        _, count = queries(client, url)
        assert count == 1, url  # still the cached page: the version read only
    scheduled = make_article("Later", publish_in=timedelta(days=3))
    scheduled.body = "Edited before it goes out."
    scheduled.save()
    for url in urls:
        response, count = queries(client, url)
        assert count == 1 and b"Work In Progress" not in response.content, url


def test_a_body_edit_costs_its_own_page_and_the_lists_not_other_articles(client):
    author = make_author("Ada Writer")
    edited = make_article("Edited Piece", author=author)
    other = make_article("Other Piece", author=author, publish_date=edited.publish_date - timedelta(days=3))
    for url in ("/", edited.get_absolute_url(), other.get_absolute_url(), "/feed/"):
        client.get(url)
    edited.body = "A corrected sentence that readers must see."
    edited.save()
    assert b"A corrected sentence" in client.get(edited.get_absolute_url()).content
    assert b"A corrected sentence" in client.get("/feed/").content
    _, count = queries(client, "/")
    assert count > 1  # the lists render again: they carry the article's modification date
    _, count = queries(client, other.get_absolute_url())
    assert count == 1  # nothing of the edited article's body shows there


def test_a_title_edit_reaches_the_pages_that_show_it(client):
    author = make_author("Ada Writer")
    first = make_article("First Title", author=author, tags=["Essays"], description="A summary.")
    second = make_article("Neighbour", author=author, tags=["Essays"], publish_date=first.publish_date - timedelta(days=1))
    client.get(second.get_absolute_url())
    first.title = "A Better Title"
    first.save()
    page = client.get(second.get_absolute_url()).content
    assert b"A Better Title" in page and b"First Title" not in page  # its neighbour and related links


def test_unpublishing_through_update_reaches_every_page(client):
    author = make_author("Ada Writer")
    pulled = make_article("Pulled Piece", author=author, tags=["Essays"])
    kept = make_article("Kept Piece", author=author, tags=["Essays"], publish_date=pulled.publish_date - timedelta(days=1))
    for url in ("/", kept.get_absolute_url(), pulled.get_absolute_url()):
        client.get(url)
    Article.objects.filter(pk=pulled.pk).update(draft=True)
    assert b"Pulled Piece" not in client.get(kept.get_absolute_url()).content
    assert client.get(pulled.get_absolute_url()).status_code == 404


# Keys hold what a page depends on.


def test_query_parameters_a_page_does_not_use_are_not_part_of_its_key(client):
    make_article("Cached")
    first = client.get("/feed/")
    for n in range(5):
        response, count = queries(client, f"/feed/?v={n}&utm_source=newsletter")
        assert count == 1 and response.content == first.content
    # The parameters pages do use make pages of their own.
    for n in range(12):
        make_article(f"Filler {n}")
    assert client.get("/").content != client.get("/?page=2").content
    assert b"Cached" in client.get("/search/?q=cached").content
    assert b"Cached" not in client.get("/search/?q=nothing+like+it").content


def test_distinct_query_strings_do_not_grow_the_shared_cache(client, settings, redis_url):
    import redis

    use_redis(settings, redis_url)
    server = redis.Redis.from_url(redis_url)
    make_article("Cached")
    client.get("/feed/")
    before = server.dbsize()
    for n in range(50):
        client.get(f"/feed/?v={n}")
    assert server.dbsize() == before


# Scheduling does not leak.


def test_a_made_up_session_cookie_is_served_like_no_cookie(client):
    make_article("Public")
    make_article("Coming", author=make_author("Bob Scribe"), publish_in=timedelta(minutes=3))
    plain = client.get("/authors/ada-writer/feed/")
    client.cookies["sessionid"] = "made-up-session-key-0123456789"
    response, count = queries(client, "/authors/ada-writer/feed/")
    assert response.content == plain.content
    assert count == 2  # whether the session exists, then the version: the page came from the cache
    assert response["Cache-Control"] == plain["Cache-Control"]


# The database down: readers still read.


def http_get(url):
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_with_postgresql_stopped_cached_pages_are_served_and_others_answer_503(tmp_path):
    """A real gunicorn on a throwaway PostgreSQL, which is then stopped."""
    pytest.importorskip("psycopg")
    if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)) and not shutil.which("gunicorn"):
        pytest.skip("gunicorn is not installed")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL is not installed (sh scripts/test.sh installs it)")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="masthead-outage-")) / "postgres"  # a parent PostgreSQL's user can enter
    database_url = subprocess.run(
        ["sh", "scripts/services.sh", "postgres", str(folder)], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "publication.settings",
        "DEBUG": "False",
        "SECRET_KEY": "outage-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_URL": "locmemcache://outage",  # the one worker's own memory
        "MEDIA_ROOT": str(tmp_path / "media"),
        "WEB_CONCURRENCY": "1",
        "BIND": f"127.0.0.1:{port}",
        "CONN_MAX_AGE": "60",
    }
    log = tmp_path / "gunicorn.log"
    server = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
        script = (
            "import django; django.setup()\n"
            "from tests.factories import make_article\n"
            "print(make_article('Read Through The Outage').get_absolute_url())\n"
        )
        path = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=60
        ).stdout.split()[-1]
        with open(log, "w") as out:
            server = subprocess.Popen([sys.executable, "-m", "gunicorn", "publication.wsgi"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if http_get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, _, page = http_get(base + path)
        assert status == 200 and b"Read Through The Outage" in page

        subprocess.run(["sh", "scripts/services.sh", "stop", str(folder)], cwd=ROOT, check=True)
        for _ in range(5):
            status, headers, body = http_get(base + path)
            assert status == 200 and body == page
            assert headers["Cache-Control"] == "public, max-age=10" and "stale" in headers["Cache-Status"]
            status, headers, body = http_get(base + "/archive/")  # never cached
            assert status == 503 and b"Temporarily unavailable" in body and headers["Cache-Control"] == "no-store"
            assert http_get(base + "/healthz")[0] == 503
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        subprocess.run(["sh", "scripts/services.sh", "stop", str(folder)], cwd=ROOT)
        shutil.rmtree(folder.parent, ignore_errors=True)
    output = log.read_text()
    assert output.count("the database does not answer") == 1, output  # once a minute per worker
    assert "Traceback" not in output and '" 500 ' not in output, output


def test_a_hit_comes_from_the_workers_memory_and_an_edit_is_seen_at_once(client, settings, redis_url):
    """Redis behind each worker's copy: a hit makes no round trip to Redis, and the copy never
    outlives the content version it was kept under."""
    import redis

    use_redis(settings, redis_url, two_level=True)
    server = redis.Redis.from_url(redis_url)
    article = make_article("Kept Close", description="The two-level test article.")
    client.get(article.get_absolute_url())  # stored in Redis and in this process's memory

    def commands():
        return server.info("stats")["total_commands_processed"]

    before = commands()
    hit = client.get(article.get_absolute_url())
    assert commands() - before == 1  # the INFO command itself: the page came from memory
    assert b"Kept Close" in hit.content

    article.title = "Kept Close, Edited"
    article.save()
    assert b"Kept Close, Edited" in client.get(article.get_absolute_url()).content
    caches["pages"].clear()  # this process's copy and Redis: the page is made again
    assert b"Kept Close, Edited" in client.get(article.get_absolute_url()).content
