"""SQL queries per reader page on a cache miss, in one command.

    .venv/bin/python bench/queries.py [--articles 60] [--postgres]

A throwaway site (SQLite, or a throwaway PostgreSQL with --postgres) with articles, authors and
tags; every reader page is requested with the page cache on, right after a save (a new content version) and
again on a steady miss (another page of the same content version). Target: at most 4 on a
steady miss, the page cache's content-version read included.
"""

import argparse
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this tree's code (see bench/in_process.py)
from bench.in_process import start_django, stop_postgres, throwaway_postgres  # noqa: E402

TARGET = 4
WARM_UP = "/search/?q=warm-up"  # a page that reads the settings and matches nothing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="masthead-queries-"))
    try:
        database_url = f"sqlite:///{work}/site.sqlite3"
        if args.postgres:
            database_url = throwaway_postgres(work / "postgres")
        start_django(database_url, cache="queries", media_root=work / "media")
        from django.core.management import call_command

        from articles.cache import shared_cache as page_cache
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from articles.models import Article, Author, Tag

        call_command("migrate", verbosity=0)
        authors = [Author.objects.create(name=f"Writer {i}") for i in range(3)]
        tags = [Tag.objects.create(name=f"Topic {i}") for i in range(4)]
        now = timezone.now()
        for i in range(args.articles):
            article = Article.objects.create(
                title=f"Article number {i}",
                description=f"What article {i} is about.",
                body=f"Paragraph about the harbour and the library, number {i}.\n\n- a list\n- of things\n",
                author=authors[i % 3],
                publish_date=now - timedelta(days=i) + (timedelta(days=2) if i % 20 == 0 else timedelta()),
                draft=i % 17 == 0,
            )
            article.tags.set([tags[i % 4], tags[(i + 1) % 4]])
        published = Article.objects.published().newest_first()
        article = published[3]
        month = timezone.localtime(article.publish_date)
        pages = [
            "/",
            "/?page=2",
            article.get_absolute_url(),
            article.author.get_absolute_url(),
            f"/tags/{tags[0].slug}/",
            "/archive/",
            f"/archive/{month.year}/{month.month}/",
            "/search/?q=harbour+library",
            "/feed/",
            "/feed/atom/",
            "/feed.json",
            f"{article.author.get_absolute_url()}feed/",
            f"/tags/{tags[0].slug}/feed/",
            "/sitemap.xml",
            "/robots.txt",
        ]
        client = Client()
        rows = []
        for url in pages:
            Tag.objects.get(pk=tags[3].pk).save()  # a save: a new content version
            with CaptureQueriesContext(connection) as after_save:
                status = client.get(url).status_code
            worst = len(after_save)
            page_cache().clear()  # the same content version, no page kept: a steady miss
            # Another page of that version: the publication's settings are read and kept again.
            client.get(WARM_UP)
            with CaptureQueriesContext(connection) as steady:
                client.get(url)
            rows.append((url, status, worst, len(steady)))
    finally:
        if args.postgres:
            stop_postgres(work / "postgres")
        subprocess.run(["rm", "-rf", str(work)])

    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"SQL queries per page on a cache miss ({engine}, {args.articles} articles, page cache on)")
    print(f"{'page':40}{'status':>7}{'after a save':>14}{'steady miss':>13}  target <= {TARGET} (steady miss)")
    failed = False
    for url, status, worst, steady in rows:
        ok = steady <= TARGET
        failed |= not ok
        print(f"{url:40}{status:7}{worst:14}{steady:13}  {'ok' if ok else 'MISSED'}")
    print(
        "Both columns count the page cache's content-version read (one query, the next go-live moment\n"
        "and an article page's own token with it). A tag save moves the site token: 'after a save'\n"
        "is every page's first render of a new version."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
