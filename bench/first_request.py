"""How long a new gunicorn worker takes to answer its first request, against its next ones.

    .venv/bin/python bench/first_request.py [--workers-started 5] [--port 8107] [--app publication.wsgi:application]

gunicorn recycles a worker after `max_requests` (gunicorn.conf.py); whatever the new worker
loads on its first request, the requests queued behind it wait for. This starts gunicorn
(gunicorn.conf.py, one worker) on a throwaway site (SQLite, Redis, the demo articles) several
times and times the first three requests for a cached article page each time. `--app
bench.plain_wsgi:application` serves Django's plain WSGI handler instead, to compare.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.throughput import PYTHON, load_demo, site_env, start_services, stop_services  # noqa: E402


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def booted(log: Path, count: int, seconds: float = 30):
    """Wait until gunicorn has booted its `count`-th worker in this log, and a moment more."""
    deadline = time.time() + seconds
    while log.read_text().count("Booting worker") < count:
        if time.time() > deadline:
            sys.exit(f"no worker booted within {seconds} s: see {log}")
        time.sleep(0.1)
    time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers-started", type=int, default=5, help="how many times a worker is started (default 5)")
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--app", default="publication.wsgi:application")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="masthead-first-request-"))
    env = {**site_env(work, args.port, "publication.settings"), "WEB_CONCURRENCY": "1"}
    base = f"http://127.0.0.1:{args.port}"
    timings = []
    try:
        start_services(env, work, postgres=False)
        slug = load_demo(env)
        page = f"{base}/articles/{slug}/"
        for _ in range(args.workers_started):
            with open(work / "gunicorn.log", "a") as log:
                server = subprocess.Popen(
                    [PYTHON, "-m", "gunicorn", args.app], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                )
                try:
                    # No request before the timed ones: the worker's first request is the page's.
                    booted(work / "gunicorn.log", count=len(timings) + 1)
                    timings.append([timed_get(page) for _ in range(3)])
                finally:
                    server.terminate()
                    server.wait(timeout=30)
    finally:
        stop_services(work)

    print(f"\n{args.app}, gunicorn.conf.py with 1 worker, SQLite, Redis; a cached article page, {len(timings)} workers started")
    for n, label in enumerate(("first request", "second", "third")):
        values = sorted(t[n] for t in timings)
        print(f"{label:14} median {statistics.median(values):7.1f} ms   max {values[-1]:7.1f} ms")


if __name__ == "__main__":
    main()
