"""The WSGI application, loaded once in gunicorn's master (preload_app) before it forks workers.

What Django otherwise loads on a worker's first request (the URLconf and every view module,
the cache backends and redis-py) is loaded here, so that a new worker, recycled after
max_requests, serves its first request as fast as its thousandth (bench/RESULTS.md). Nothing
here opens a connection: each worker opens its own.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")

application = get_wsgi_application()


def _load_what_requests_need():
    from django.conf import settings
    from django.core.cache import caches
    from django.urls import get_resolver

    get_resolver().url_patterns  # imports the URLconf and its views
    for alias in settings.CACHES:
        caches[alias]  # imports and builds the backend; its first command connects


_load_what_requests_need()
