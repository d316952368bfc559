"""Search at scale: in-process time and SQL queries of /search/ for several kinds of query.

    .venv/bin/python bench/search_scale.py [--articles 100000] [--runs 7] [--database-url URL]

Uses the database bench/scale.py generates (bench/out/scale-N.sqlite3, or --database-url for a
PostgreSQL kept between runs): run that first. Page cache off (a miss every time), DEBUG=False.
Prints the median and slowest time, the query count (with the page cache's version read) and
what the page says about the results.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this tree's code (see bench/in_process.py)
from bench.in_process import start_django  # noqa: E402

QUERIES = {
    "two common words (capped)": "harbour library",
    "one common word (capped)": "harbour",
    "title word + number": "kicker 4242",
    "rare (12 matches)": "number 4242",
    "no match": "zzqxw",
    "symbols": "C++",
    "short only (2 chars)": "大阪",
    "short only, common": "go",
    "short + long": "42 kicker",
    "phrase of common words": '"harbour library"',
    "rare phrase, common words": '"library harbour"',
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    database = ROOT / "bench" / "out" / f"scale-{args.articles}.sqlite3"
    if not args.database_url and not database.exists():
        sys.exit(f"{database} is missing: run bench/scale.py --articles {args.articles} first")
    start_django(args.database_url or f"sqlite:///{database}", cache="search-scale")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    client = Client()
    print(f"{connection.vendor}, {args.runs} runs each, page cache off (misses)")
    print(f"{'query':30}{'queries':>8}{'p50 ms':>9}{'max ms':>9}  page says")
    for name, q in QUERIES.items():
        settings.READER_CACHE_SECONDS = 600
        client.get("/search/", {"q": q, "warm": 1})
        with CaptureQueriesContext(connection) as queries:
            client.get("/search/", {"q": q, "uncached": 1})
        count = len(queries)
        settings.READER_CACHE_SECONDS = 0
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get("/search/", {"q": q})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        said = " ".join(re.findall(r'<p class="(?:result-count|empty)">([^<]{0,60})', response.content.decode()))
        print(f"{name:30}{count:8}{statistics.median(times):9.1f}{max(times):9.1f}  {said}")


if __name__ == "__main__":
    main()
