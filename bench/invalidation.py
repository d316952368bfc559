"""Reads while editors write: what each kind of write costs the page cache.

    .venv/bin/python bench/invalidation.py [--articles 400] [--seconds 20] [--rounds 2] [--connections 16]
                                           [--port 8106] [--postgres]

A throwaway site (SQLite, or a throwaway PostgreSQL with --postgres; a throwaway Redis as the
shared cache) with `--articles` published articles, served by gunicorn (DEBUG=False,
gunicorn.conf.py). wrk reads random reader pages (every article, the first list pages, the
authors, tags and feeds) in three conditions, taking turns in each round:

- no writes;
- an editor saving a draft every 2 s (its body changes each time);
- a published article edited every 10 s (a sentence of its body changes).

Each write is a separate process's `save()`, as the admin does it. Targets: reads hold at least
90% of the no-write rate while drafts are saved, at least 50% while a published article is edited.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.throughput import PYTHON, served_by, sh, site_env, start_services, stop_services, wait_until_up, wrk  # noqa: E402

TARGETS = {"draft saved every 2 s": 0.9, "published article edited every 10 s": 0.5}

SETUP = """
import datetime as dt, random, sys
from django.utils import timezone
from articles.models import Article, Author, Tag
n = int(sys.argv[2])  # argv[1] is this script
random.seed(7)
authors = [Author.objects.create(name=f"Writer {i}") for i in range(12)]
tags = [Tag.objects.create(name=f"Topic {i}") for i in range(30)]
words = "harbour library river market garden station bridge tower field school".split()
now = timezone.now()
for i in range(n):
    body = "\\n\\n".join(" ".join(random.choice(words) for _ in range(90)) for _ in range(12))
    article = Article.objects.create(
        title=f"Article {i}: the {random.choice(words)}", description=f"What article {i} is about.",
        body=body, author=authors[i % 12], publish_date=now - dt.timedelta(hours=7 * i + 1), draft=False,
        # A hero, as most articles have: no share card to draw on a page's first render.
        hero_image_url=f"https://images.example.org/hero-{i}.jpg", hero_image_alt="A photograph.",
    )
    article.tags.set(random.sample(tags, 3))
Article.objects.create(title="A draft in progress", body="Started.", author=authors[0], draft=True)
paths = [a.get_absolute_url() for a in Article.objects.published()]
from django.conf import settings
pages = -(-Article.objects.published().count() // settings.ARTICLES_PER_PAGE)  # the list pages that exist
paths += ["/"] + [f"/?page={p}" for p in range(2, min(pages, 5) + 1)]
from articles.visibility import public_authors, public_tags  # pages that exist: no 404 among the reads
paths += [a.get_absolute_url() for a in public_authors()] + [t.get_absolute_url() for t in public_tags()]
paths += ["/feed/", "/feed/atom/", "/archive/"]
print("\\n".join(paths))
"""

WRITER = """
import sys, time
from articles.models import Article
kind, interval = sys.argv[2], float(sys.argv[3])  # argv[1] is this script
if kind == "draft":
    article = Article.objects.get(title="A draft in progress")
else:
    article = Article.objects.published().newest_first()[5]
print("ready", flush=True)
n = 0
while True:  # a save at once, then one every `interval`
    n += 1
    article = Article.objects.get(pk=article.pk)
    # The same length each time: the reading time stays, as with most corrections.
    article.body = article.body.rsplit("\\n\\n", 1)[0] + f"\\n\\nA corrected closing sentence, revision {n % 10}."
    article.save()
    time.sleep(interval)
"""


def warm(base: str, paths: list[str]):
    """Every page once, so that each condition starts with the whole site in the cache."""

    def get(path):
        with urllib.request.urlopen(base + path, timeout=60) as response:
            response.read()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(get, paths))


def lua_for(paths: list[str]) -> str:
    listed = ",\n".join(f'  "{path}"' for path in paths)
    return (
        f"local paths = {{\n{listed}\n}}\n"
        "math.randomseed(os.time())\n"
        "request = function()\n"
        "  return wrk.format('GET', paths[math.random(#paths)])\n"
        "end\n"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seconds", type=int, default=20, help="per condition (default 20: two published edits)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="masthead-invalidation-"))
    env = site_env(work, args.port, "publication.settings")
    server, results = None, {name: [] for name in ("no writes", *TARGETS)}
    try:
        start_services(env, work, args.postgres)
        paths = sh(PYTHON, "-c", "import django, sys; django.setup(); exec(sys.argv[1])", SETUP, str(args.articles), env=env)
        paths = [line for line in paths.splitlines() if line.startswith("/")]
        (work / "reads.lua").write_text(lua_for(paths))
        log = open(work / "gunicorn.log", "w")
        server = subprocess.Popen([PYTHON, "-m", "gunicorn", "publication.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{args.port}"
        wait_until_up(base + "/healthz")
        reads = ["-s", str(work / "reads.lua")]
        writers = {"no writes": None, "draft saved every 2 s": ("draft", "2"), "published article edited every 10 s": ("published", "10")}
        for _ in range(args.rounds):
            for name, writer in writers.items():
                process = None
                warm(base, paths)
                if writer:
                    code = "import django, sys; django.setup(); exec(sys.argv[1])"
                    process = subprocess.Popen([PYTHON, "-c", code, WRITER, *writer], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
                    assert process.stdout.readline().strip() == "ready"
                try:
                    results[name].append(wrk(base + "/", args.seconds, args.connections, *reads))
                finally:
                    if process:
                        process.terminate()
                        process.wait(timeout=30)
                print(f"{name:40} {results[name][-1]['rps']:8.0f} req/s", file=sys.stderr)
                time.sleep(1)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        stop_services(work)

    print(
        f"\n{served_by(args.postgres)}; {args.articles} articles, {len(paths)} pages read at "
        f"random; wrk -t2 -c{args.connections} -d{args.seconds}s x {args.rounds} rounds ({os.cpu_count()} CPUs shared with wrk)"
    )
    print(f"{'condition':40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x none':>8}  target")
    baseline = sum(r["rps"] for r in results["no writes"]) / len(results["no writes"])
    failed = False
    for name, runs in results.items():
        rps = sum(r["rps"] for r in runs) / len(runs)
        p50 = sorted(r["p50_ms"] for r in runs)[len(runs) // 2]
        p99 = sorted(r["p99_ms"] for r in runs)[len(runs) // 2]
        ratio = rps / baseline if baseline else 0.0
        target = TARGETS.get(name)
        verdict = "" if target is None else f">= {target}  " + ("ok" if ratio >= target else "MISSED")
        failed |= target is not None and ratio < target
        errors = sum(r["non_2xx"] for r in runs)
        print(f"{name:40}{rps:9.0f}{p50:9.2f}{p99:9.2f}{ratio:8.2f}  {verdict}" + (f"  non-2xx {errors}" if errors else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
