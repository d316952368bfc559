"""Django's plain WSGI handler, for bench/first_request.py to compare with publication/wsgi.py."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")

application = get_wsgi_application()
