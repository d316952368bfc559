"""Throughput and latency of the reader pages under gunicorn, against the framework's floor.

    .venv/bin/python bench/throughput.py [--seconds 3] [--rounds 3] [--connections 16] [--port 8105] [--postgres]

Sets up a throwaway site (SQLite, or a throwaway PostgreSQL with --postgres; the demo
articles; a throwaway Redis as the shared cache), then serves it with gunicorn, DEBUG=False and
gunicorn.conf.py (workers from the CPU count), twice: page cache on, then off. Each run measures
with wrk (bounded duration, loopback) a constant-response Django view through the same
middleware (the floor: bench/floor_urls.py), the smallest database page (one ORM query, a
one-line template: the ceiling any page of the site could reach), an article page, /, /feed/
and a search, and prints
requests per second, p50/p99 latency and each page's ratio to the floor measured just before and after it (the machine is shared).
Targets: cached article and / >= 0.8x the floor, uncached >= 0.3x.
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGETS = {"cached": 0.8, "uncached": 0.3}
TARGETED = ("article", "/")


def sh(*args, env=None, capture=True):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=capture, text=True)
    if result.returncode:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip() if capture else ""


def wait_until_up(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not answer {url} within {seconds} s")


def wrk(url, seconds, connections, *options):
    out = sh("wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", *options, url)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p):
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def site_env(work: Path, port: int, settings_module: str) -> dict:
    """The environment of a throwaway site in `work`, served on `port` as production runs it."""
    return {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{work}/site.sqlite3",
        "MEDIA_ROOT": str(work / "media"),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "LOG_LEVEL": "WARNING",
        "BIND": f"127.0.0.1:{port}",
    }


def start_services(env: dict, work: Path, postgres: bool):
    """A throwaway Redis (and PostgreSQL) for the site, then its tables."""
    env["CACHE_URL"] = sh("sh", "scripts/services.sh", "redis", str(work / "redis"))
    if postgres:
        env["DATABASE_URL"] = sh("sh", "scripts/services.sh", "postgres", str(work / "postgres"))
    sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)


def load_demo(env: dict) -> str:
    """The demo articles; the slug of the newest."""
    sh(PYTHON, "manage.py", "load_demo", env=env)
    return sh(
        PYTHON, "manage.py", "shell", "-c",
        "from articles.models import Article; print(Article.objects.published().newest_first()[0].slug)",
        env=env,
    ).splitlines()[-1]


def served_by(postgres: bool) -> str:
    """What served the benchmark, for the heading of its figures."""
    workers = sh(PYTHON, "-c", "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])")
    return f"gunicorn, DEBUG=False, {workers} workers, {'PostgreSQL' if postgres else 'SQLite'}, Redis"


def stop_services(work: Path):
    for service in ("redis", "postgres"):
        subprocess.run(["sh", "scripts/services.sh", "stop", str(work / service)], cwd=ROOT)
    subprocess.run(["rm", "-rf", str(work)])


def median_run(runs):
    """Each figure's median over the runs; errors summed."""
    middle = len(runs) // 2
    merged = {key: sorted(r[key] for r in runs)[middle] for key in ("rps", "p50_ms", "p99_ms")}
    merged["non_2xx"] = sum(r["non_2xx"] for r in runs)
    merged["socket_errors"] = "; ".join(r["socket_errors"] for r in runs if r["socket_errors"])
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration per run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="floor/page rounds per page (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of SQLite")
    args = parser.parse_args()
    if not (1 <= args.seconds <= 60):
        sys.exit("--seconds must be between 1 and 60")

    work = Path(tempfile.mkdtemp(prefix="masthead-throughput-"))
    env = site_env(work, args.port, "bench.floor_settings")
    server = None
    try:
        start_services(env, work, args.postgres)
        slug = load_demo(env)
        base = f"http://127.0.0.1:{args.port}"
        pages = {
            "floor": "/bench/floor/",
            "one-query": f"/bench/one-query/{slug}/",
            "article": f"/articles/{slug}/",
            "/": "/",
            "/feed/": "/feed/",
            "search": "/search/?q=archive",
        }
        results = {}
        for mode, cache_seconds in (("cached", "600"), ("uncached", "0")):
            log = open(work / f"gunicorn-{mode}.log", "w")
            server = subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "publication.wsgi"],
                cwd=ROOT,
                env={**env, "PAGE_CACHE_SECONDS": cache_seconds},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            wait_until_up(base + "/healthz")
            results[mode] = {}
            floors = []
            for name, path in pages.items():
                if name == "floor":
                    continue
                # Warm every worker (first renders, template loading, the first cache fill).
                wrk(base + path, 2, args.connections)
                # The machine is shared: the page and the floor take turns, in short runs, and the
                # page's ratio is its requests over the floor's in the same rounds.
                runs, page_floors = [], []
                for _ in range(args.rounds):
                    page_floors.append(wrk(base + pages["floor"], args.seconds, args.connections))
                    runs.append(wrk(base + path, args.seconds, args.connections))
                results[mode][name] = median_run(runs)
                results[mode][name]["floor_rps"] = sum(f["rps"] for f in page_floors) / len(page_floors)
                results[mode][name]["rps"] = sum(r["rps"] for r in runs) / len(runs)
                floors += page_floors
                print(f"{mode:8} {name:8} {results[mode][name]['rps']:8.0f} req/s", file=sys.stderr)
            results[mode] = {"floor": median_run(floors), **results[mode]}
            server.terminate()
            server.wait(timeout=30)
            server = None
            log.close()
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        stop_services(work)

    print(
        f"\n{served_by(args.postgres)}; "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s x {args.rounds} rounds on loopback ({os.cpu_count()} CPUs shared with wrk)"
    )
    print("floor: median of all floor runs; x floor: a page's mean rate over the floor's mean in the same rounds")
    print(f"{'mode':9}{'page':10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x floor':>9}  target")
    failed = False
    for mode, pages_ in results.items():
        for name, r in pages_.items():
            floor_rps = r.get("floor_rps", r["rps"])
            # A run that served nothing (the machine stalled) has no ratio: say so, do not divide.
            ratio = r["rps"] / floor_rps if floor_rps else 0.0
            target = TARGETS[mode] if name in TARGETED else None
            verdict = "" if target is None else (f">= {target}  " + ("ok" if ratio >= target else "MISSED"))
            failed |= target is not None and ratio < target
            problems = f"  non-2xx {r['non_2xx']}" if r["non_2xx"] else ""
            problems += f"  socket errors: {r['socket_errors']}" if r["socket_errors"] else ""
            print(
                f"{mode:9}{name:10}{r['rps']:9.0f}{r['p50_ms']:9.2f}{r['p99_ms']:9.2f}{ratio:9.2f}  {verdict}{problems}"
            )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "throughput.json").write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
