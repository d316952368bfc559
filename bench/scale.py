"""The reader pages with 100,000 articles: in-process time and SQL queries per page.

    .venv/bin/python bench/scale.py [--articles 100000] [--runs 30] [--postgres | --database-url URL] [--fresh] [--only WORD...]

Generates the articles once (bulk_create; each distinct body rendered once through
articles.markdown.render_markdown) into bench/out/scale-N.sqlite3, kept for the next run
(--fresh remakes it), or into a throwaway PostgreSQL with --postgres. Then times each page
in-process with Django's test Client, DEBUG=False, on a cache miss (the page cache off) and
on a hit, and counts the SQL queries of a miss. Prints median and p99 per page.
Targets on a miss: the article, `/`, author and tag pages under 30 ms median; every other
page under 200 ms on SQLite, 100 ms on PostgreSQL; at most 4 SQL queries.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this tree's code (see bench/in_process.py)
from bench.in_process import start_django, stop_postgres, throwaway_postgres  # noqa: E402

OUT = ROOT / "bench" / "out"
MEDIAN_TARGET_MS = 30  # the article, `/`, author and tag pages
OTHER_TARGET_MS = {"SQLite": 200, "PostgreSQL": 100}
FAST_PAGES = ("/", "article", "author", "tag")
QUERY_TARGET = 4
WORDS = (
    "archive reader editor column measure paper press story source draft proof headline lede "
    "kicker byline masthead subscriber newsletter essay report review interview feature notebook "
    "edition deadline morning evening city river harbour market garden library theatre"
).split()


def body(seed: int) -> str:
    """A long-form Markdown body: headings, paragraphs, a list, a quote, a link."""
    rnd = random.Random(seed)

    def paragraph():
        return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(60, 110))).capitalize() + "."

    parts = []
    for section in range(4):
        parts.append(f"## Section {section + 1}: the {rnd.choice(WORDS)}")
        parts += [paragraph() for _ in range(3)]
        parts.append("\n".join(f"- {rnd.choice(WORDS)} and {rnd.choice(WORDS)}" for _ in range(4)))
        parts.append(f"> {paragraph()}")
        parts.append(f"See [the {rnd.choice(WORDS)}](https://example.org/{seed}/{section}).")
    return "\n\n".join(parts)


def generate(count: int):
    from django.db import transaction
    from django.utils import timezone

    from articles.markdown import render_markdown
    from articles.models import Article, Author, Tag
    from articles.reading import reading_time

    started = time.perf_counter()
    authors = Author.objects.bulk_create([Author(name=f"Writer {i}", slug=f"writer-{i}") for i in range(50)])
    tags = Tag.objects.bulk_create([Tag(name=f"Topic {i}", slug=f"topic-{i}") for i in range(30)])
    bodies = [body(seed) for seed in range(25)]
    rendered = [(text, render_markdown(text), reading_time(text)) for text in bodies]  # once per body
    now = timezone.now()
    through = Article.tags.through
    batch = 5000
    for start in range(0, count, batch):
        articles = []
        for i in range(start, min(start + batch, count)):
            text, html, minutes = rendered[i % len(rendered)]
            articles.append(
                Article(
                    title=f"{WORDS[i % len(WORDS)].capitalize()} number {i}: a {WORDS[(i * 7) % len(WORDS)]} story",
                    slug=f"article-{i}",
                    description=f"What article {i} is about, in one sentence for lists and feeds.",
                    author=authors[i % len(authors)],
                    body=text,
                    body_html=html,
                    read_time=minutes,
                    # Ten years of articles, newest first; a few drafts and scheduled ones.
                    publish_date=now - timedelta(minutes=53 * (count - i)) + (timedelta(days=3) if i % 997 == 0 else timedelta()),
                    draft=i % 50 == 0,
                )
            )
        with transaction.atomic():
            created = Article.objects.bulk_create(articles)
            through.objects.bulk_create(
                [through(article_id=a.pk, tag_id=tags[(a.pk + k * 7) % len(tags)].pk) for a in created for k in range(2)]
            )
        print(f"  {start + len(articles):,} articles", file=sys.stderr)
    print(f"Generated {count:,} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def measure(client, url, runs, before=None):
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="requests per page and mode (default 30)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of SQLite")
    parser.add_argument("--fresh", action="store_true", help="regenerate the SQLite database")
    parser.add_argument(
        "--database-url", help="use this database instead (e.g. a PostgreSQL kept between runs: generated once)"
    )
    parser.add_argument("--only", nargs="+", metavar="WORD", help="measure only the pages whose name contains a WORD")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="masthead-scale-"))
    database = OUT / f"scale-{args.articles}.sqlite3"
    if args.fresh:
        # The rollback journal too: left next to a new file, SQLite would replay it into it.
        for stale in (database, database.with_name(database.name + "-journal")):
            stale.unlink(missing_ok=True)
    try:
        database_url = args.database_url or f"sqlite:///{database}"
        if args.postgres and not args.database_url:
            database_url = throwaway_postgres(work / "postgres")
        start_django(database_url, cache="scale", media_root=work / "media")
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from articles.cache import shared_cache
        from articles.content_version import bump as content_changed
        from articles.models import Article
        from articles.views import FRONT_PAGE_MAX_PAGES, archive_month_url

        call_command("migrate", verbosity=0)
        if Article.objects.count() != args.articles:
            Article.objects.all().delete()
            generate(args.articles)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            else:
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
        published = Article.objects.published().newest_first()
        total = published.count()
        middle = published[total // 2]
        per_page = settings.ARTICLES_PER_PAGE
        # The front page is bounded (articles/views.py); its last page leads to an archive month.
        last_page = min(-(-total // per_page), FRONT_PAGE_MAX_PAGES)
        oldest_shown = timezone.localtime(published[last_page * per_page - 1].publish_date)
        month = archive_month_url(oldest_shown.year, oldest_shown.month)
        month_pages = -(-published.filter(publish_date__year=oldest_shown.year, publish_date__month=oldest_shown.month).count() // per_page)
        pages = {
            "/": "/",
            f"/?page={last_page // 2} (deep)": f"/?page={last_page // 2}",
            f"/?page={last_page} (last)": f"/?page={last_page}",
            "/archive/ (months)": "/archive/",
            "archive month": month,
            f"archive month, last p. {month_pages}": f"{month}?page={month_pages}",
            "article": middle.get_absolute_url(),
            "author": middle.author.get_absolute_url(),
            "tag": "/tags/topic-3/",
            "/feed/": "/feed/",
            "author feed": middle.author.get_absolute_url() + "feed/",
            "tag feed": "/tags/topic-3/feed/",
            # The first miss after a content change: the version's settings and next publish moment unread.
            "/feed/ after a change": "/feed/",
            "tag feed after a change": "/tags/topic-3/feed/",
            "/sitemap.xml": "/sitemap.xml",
            "sitemap: articles p. 2": "/sitemap-articles.xml?p=2",
            "sitemap: authors": "/sitemap-authors.xml",
            "sitemap: tags": "/sitemap-tags.xml",
            "search": "/search/?q=harbour+library",
        }
        if args.only:
            pages = {name: url for name, url in pages.items() if any(word in name for word in args.only)}
        client = Client()
        rows = []
        for name, url in pages.items():
            # Queries of a miss with the page cache on (its content-version read counts): a URL
            # not cached yet, of the same page.
            settings.READER_CACHE_SECONDS = 600
            client.get(url)  # warm: templates, connections, the version's row
            shared_cache().clear()  # the same content version, no page kept: a miss
            client.get("/search/?q=warm-up")  # another page: the publication's settings, read once per version
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            if "after a change" in name:
                content_changed()
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
            count = len(queries)  # now: the log is emptied by the next request
            settings.READER_CACHE_SECONDS = 0
            miss = measure(client, url, args.runs, before=content_changed if "after a change" in name else None)
            settings.READER_CACHE_SECONDS = 600
            client.get(url)
            hit = measure(client, url, args.runs)
            rows.append((name, count, miss, hit))
            print(f"  {name}: {miss[0]:.1f} ms", file=sys.stderr)
    finally:
        if args.postgres and not args.database_url:
            stop_postgres(work / "postgres")
        subprocess.run(["rm", "-rf", str(work)])

    engine = "PostgreSQL" if "postgres" in os.environ["DATABASE_URL"] else "SQLite"
    print(f"\n{total:,} published of {args.articles:,} articles, {engine}, DEBUG=False, in-process, {args.runs} runs each")
    print(f"{'page':24}{'queries':>8}{'miss p50':>10}{'miss p99':>10}{'hit p50':>9}{'hit p99':>9}  targets")
    failed = False
    for name, count, (p50, p99), (hit50, hit99) in rows:
        target = MEDIAN_TARGET_MS if name in FAST_PAGES else OTHER_TARGET_MS[engine]
        ok = p50 < target and count <= QUERY_TARGET
        failed |= not ok
        verdict = "ok" if ok else "MISSED"
        print(f"{name:24}{count:8}{p50:10.1f}{p99:10.1f}{hit50:9.2f}{hit99:9.2f}  {verdict}")
    print(
        f"(ms; targets: miss median < {MEDIAN_TARGET_MS} ms for {', '.join(FAST_PAGES)}, "
        f"< {OTHER_TARGET_MS[engine]} ms for the others; <= {QUERY_TARGET} SQL queries on a miss)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
