"""Settings for bench/throughput.py: the site's own, plus the framework's floor (bench/floor_urls.py).

    DJANGO_SETTINGS_MODULE=bench.floor_settings gunicorn publication.wsgi
"""

from publication.settings import *  # noqa: F403
from publication.settings import READER_CACHE_EXCLUDE

ROOT_URLCONF = "bench.floor_urls"
# The floor is the framework's cost with no cache in front of it.
READER_CACHE_EXCLUDE = [*READER_CACHE_EXCLUDE, "/bench/"]
