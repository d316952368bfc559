"""gunicorn settings for Masthead: `gunicorn publication.wsgi` picks this file up from the project folder.

Environment (all optional): BIND (default 127.0.0.1:8000), WEB_CONCURRENCY (workers; default
2 per CPU + 1), GUNICORN_TIMEOUT (seconds, default 120). Other gunicorn options can be given on
the command line or in GUNICORN_CMD_ARGS.

Run it behind a buffering proxy (deploy/nginx.conf): sync workers serve one connection each,
so a client sending or reading slowly holds a whole worker, and a handful of them hold all.
"""

import os


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name}={raw!r} is not valid: expected a whole number of at least 1.")
    return int(raw)


def _cpus() -> int:
    # The CPUs this process may use (a container's limit), not the machine's count.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


wsgi_app = "publication.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: pages are CPU-bound and mostly cached; 2 per CPU + 1 covers I/O waits.
workers = _whole_number("WEB_CONCURRENCY", 2 * _cpus() + 1)
# Reader requests take milliseconds; the admin's import (one article may bring dozens of large
# photos to resize) is what needs the room. A stuck worker is still restarted.
timeout = _whole_number("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 5000
max_requests_jitter = 500
# Load the application once in the master: a configuration error stops start-up with one clear
# message instead of every worker crashing in turn.
preload_app = True
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The heartbeat file on tmpfs: a slow disk must not get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
