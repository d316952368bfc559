"""Four slow clients against gunicorn alone, then against deploy/nginx.conf in front of it.

    .venv/bin/python bench/slow_clients.py [--articles 400] [--load-tool PATH --seconds 60 --connections 64]

Runs the production shape on free loopback ports: a throwaway PostgreSQL and Redis
(scripts/services.sh), gunicorn with gunicorn.conf.py and 4 sync workers, and Debian's real
nginx (apt-get install nginx when it is missing) with deploy/nginx.conf, changed only in its
ports and folders. It imports `--articles` copies of the demo articles, then, for each target,
opens four slowloris connections (request headers sent a line every two seconds, never
finished) and times readers' requests while they hang: straight to gunicorn every worker is
held, through nginx readers are answered. With `--load-tool` (the site tools' load.sh) it
then runs that load test through nginx and prints its figures.
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SLOW_CLIENTS = 4
WORKERS = 4
READS = 6
READ_TIMEOUT = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def ensure_nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx:
        return nginx
    print("Installing Debian's nginx", file=sys.stderr)
    run_root = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*run_root, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*run_root, "apt-get", "install", "-y", "-qq", "nginx"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("nginx") or "/usr/sbin/nginx"


def demo_copies(folder: Path, count: int) -> None:
    """`count` articles: the demo articles again and again, each copy with its own title and slug."""
    demo = ROOT / "demo" / "articles"
    shutil.copytree(demo / "media", folder / "media")
    sources = sorted(demo.glob("*.md"))
    for n in range(count):
        source = sources[n % len(sources)]
        text = source.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith(("slug:", "uuid:"))]
        lines = [line.replace("title: '", f"title: 'No. {n}: ", 1) if line.startswith("title:") else line for line in lines]
        lines = [line.replace("draft: true", "draft: false") for line in lines]
        (folder / f"{n:04d}-{source.name}").write_text("\n".join(lines) + "\n", encoding="utf-8")


def nginx_config(work: Path, nginx_port: int, gunicorn_port: int) -> Path:
    """deploy/nginx.conf with this run's ports and folders, inside a minimal main configuration."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{gunicorn_port};",
        "listen 80;": f"listen 127.0.0.1:{nginx_port};",
        "listen [::]:80;": "",
        "/srv/masthead/staticfiles/": f"{work}/static/",
        "/srv/masthead/media/": f"{work}/media/",
    }.items():
        if old not in site:
            raise SystemExit(f"deploy/nginx.conf no longer has {old!r}: update this bench")
        site = site.replace(old, new)
    (work / "nginx" / "temp").mkdir(parents=True)
    (work / "nginx" / "masthead.conf").write_text(site)
    temp = work / "nginx" / "temp"
    main = f"""
user {"root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")};
worker_processes 2;
pid {work}/nginx/nginx.pid;
error_log {work}/nginx/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {work}/nginx/masthead.conf;
}}
"""
    path = work / "nginx" / "nginx.conf"
    path.write_text(main)
    return path


class Slowloris:
    """Connections that start a request and never finish its headers."""

    def __init__(self, port: int, count: int):
        self.sockets, self.stop = [], threading.Event()
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.sockets.append(s)
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        n = 0
        while not self.stop.wait(2):
            n += 1
            for s in self.sockets:
                try:
                    s.sendall(f"X-Slow-{n}: a\r\n".encode())
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        for s in self.sockets:
            s.close()


def reader_latencies(url: str) -> list[str]:
    results = []
    for _ in range(READS):
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=READ_TIMEOUT) as response:
                response.read()
                results.append(f"{response.status} in {(time.perf_counter() - start) * 1000:.0f} ms")
        except (urllib.error.URLError, OSError) as error:
            results.append(f"no answer after {time.perf_counter() - start:.1f} s ({type(error).__name__})")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--load-tool", help="the site tools' load.sh: run it through nginx afterwards")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    nginx = ensure_nginx()
    work = Path(tempfile.mkdtemp(prefix="masthead-slow-"))
    processes = []
    try:
        services = lambda *a: subprocess.run(["sh", "scripts/services.sh", *a], cwd=ROOT, check=True,
                                             capture_output=True, text=True).stdout.strip()
        database_url = services("postgres", str(work / "postgres"))
        cache_url = services("redis", str(work / "redis"))
        gunicorn_port, nginx_port = free_port(), free_port()
        env = {
            **os.environ,
            "DEBUG": "False", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url, "CACHE_URL": cache_url, "BEHIND_PROXY": "True", "SERVE_MEDIA": "False",
            "MEDIA_ROOT": str(work / "media"), "STATIC_ROOT": str(work / "static"), "LOG_LEVEL": "WARNING",
            "BIND": f"127.0.0.1:{gunicorn_port}", "WEB_CONCURRENCY": str(WORKERS),
        }
        manage = lambda *a: subprocess.run([PYTHON, "manage.py", *a], cwd=ROOT, env=env, check=True,
                                           capture_output=True, text=True)
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        demo_copies(work / "articles", args.articles)
        print(manage("import_articles", str(work / "articles")).stdout.strip().splitlines()[-1])
        gunicorn_log = open(work / "gunicorn.log", "w")
        processes.append(subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                                          stdout=gunicorn_log, stderr=subprocess.STDOUT))
        processes.append(subprocess.Popen([nginx, "-p", str(work / "nginx"), "-c",
                                           str(nginx_config(work, nginx_port, gunicorn_port)), "-g", "daemon off;"]))
        direct, proxied = f"http://127.0.0.1:{gunicorn_port}", f"http://127.0.0.1:{nginx_port}"
        wait_for(direct + "/healthz")
        wait_for(proxied + "/healthz")
        article = "/articles/" + json.loads(urllib.request.urlopen(direct + "/feed.json").read())["items"][0]["url"].split("/articles/")[1]
        print(f"gunicorn {WORKERS} sync workers on :{gunicorn_port}, nginx on :{nginx_port}, {args.articles} articles")
        for name, base in (("gunicorn alone", direct), ("nginx + gunicorn", proxied)):
            reader_latencies(base + article)  # warm the page cache
            slow = Slowloris(int(base.rsplit(":", 1)[1]), SLOW_CLIENTS)
            time.sleep(1)
            try:
                results = reader_latencies(base + article)
            finally:
                slow.close()
            print(f"{name}, {SLOW_CLIENTS} slow clients holding connections; a reader's {READS} requests "
                  f"(timeout {READ_TIMEOUT:.0f} s): " + "; ".join(results))
            wait_for(base + "/healthz", 150)  # gunicorn's workers are free again once the slow clients leave
        if args.load_tool:
            for path in ("/", article):
                run = subprocess.run(["bash", args.load_tool, proxied + path, str(args.seconds), str(args.connections)],
                                     capture_output=True, text=True)
                figures = json.loads(run.stdout.strip().splitlines()[-1])
                keys = ("url", "duration_s", "connections", "requests", "rps", "p50_ms", "p99_ms", "max_ms",
                        "errors", "non2xx", "status_codes")
                print("load through nginx:", json.dumps({k: figures.get(k) for k in keys}))
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["sh", "scripts/services.sh", "stop", str(work / "postgres")], cwd=ROOT)
        subprocess.run(["sh", "scripts/services.sh", "stop", str(work / "redis")], cwd=ROOT)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
