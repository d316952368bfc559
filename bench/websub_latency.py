"""Delivery latency of the WebSub hub: from an article's scheduled moment to its subscriber
receiving the feed, on a running site with its worker and nobody reading the site.

A throwaway site (SQLite file, or PostgreSQL with --postgres) is served by gunicorn, with one
`manage.py db_worker` as production runs it (default --interval 1: it looks for due tasks
once a second). A subscriber (an HTTP server in this process) subscribes to /feed/ through
the hub, with a secret; then articles are scheduled a few seconds apart and the seconds from
each moment to the POST reaching the subscriber are printed.

    .venv/bin/python bench/websub_latency.py [--articles 10] [--gap 2] [--postgres]
"""

import argparse
import hashlib
import hmac
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.in_process import stop_postgres, throwaway_postgres  # noqa: E402

SECRET = secrets.token_urlsafe(24)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Subscriber:
    def __init__(self):
        self.posts, self.verified = [], threading.Event()
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                body = query.get("hub.challenge", [""])[0].encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                subscriber.verified.set()

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received = time.time()
                self.send_response(204)
                self.end_headers()
                subscriber.posts.append((received, dict(self.headers), body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between scheduled moments")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of an SQLite file")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="websub-bench-"))
    database_url = throwaway_postgres(work / "pg") if options.postgres else f"sqlite:///{work / 'site.sqlite3'}"
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(work / "media"),
        "LOG_LEVEL": "WARNING",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WEBSUB_ALLOW_PRIVATE_CALLBACKS": "True",  # the subscriber is on loopback
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    python = sys.executable
    processes = []
    try:
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        processes.append(subprocess.Popen([python, "-m", "gunicorn", "publication.wsgi"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=open(work / "web.log", "w")))
        processes.append(subprocess.Popen([python, "manage.py", "db_worker", "--no-reload"], cwd=ROOT, env=env,
                                          stdout=open(work / "worker.log", "w"), stderr=subprocess.STDOUT))
        os.environ.update({k: env[k] for k in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "MEDIA_ROOT")})
        os.environ["DJANGO_SETTINGS_MODULE"] = "publication.settings"
        import django

        django.setup()
        from django.utils import timezone

        from articles.models import Article, Author, Delivery

        site = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(site + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        subscriber = Subscriber()
        asked = time.time()
        data = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.topic": site + "/feed/",
                                       "hub.callback": subscriber.url, "hub.secret": SECRET}).encode()
        with urllib.request.urlopen(site + "/hub/", data, timeout=10) as response:
            assert response.status == 202, response.status
        assert subscriber.verified.wait(30), "the subscription was not verified"
        print(f"subscription verified {time.time() - asked:.2f} s after the request")

        author = Author.objects.create(name="Bench Writer")
        start = timezone.now() + timedelta(seconds=3)
        for n in range(options.articles):
            Article.objects.create(title=f"Bench article {n}", author=author, draft=False, body="Words. " * 300,
                                   publish_date=start + timedelta(seconds=n * options.gap))
        deadline = time.time() + 3 + options.articles * options.gap + 60
        while len(subscriber.posts) < options.articles and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # anything sent twice would arrive now

        latencies, signed = [], 0
        for received, headers, body in subscriber.posts:
            delivery = Delivery.objects.select_related("event").get(uuid=headers["X-Hub-Delivery"])
            latencies.append(received - delivery.event.due_at.timestamp())
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            signed += hmac.compare_digest(headers.get("X-Hub-Signature", ""), expected)
        backend = "PostgreSQL" if options.postgres else "SQLite"
        print(f"{backend}, gunicorn + 1 db_worker (--interval 1), {options.articles} articles {options.gap:g} s apart")
        print(f"deliveries received: {len(subscriber.posts)} (expected {options.articles}), signature valid: {signed}")
        if latencies:
            ordered = sorted(latencies)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(f"moment -> subscriber: median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s, "
                  f"min {ordered[0]:.2f} s, max {ordered[-1]:.2f} s")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if options.postgres:
            stop_postgres(work / "pg")


if __name__ == "__main__":
    main()
