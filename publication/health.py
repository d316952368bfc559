"""/healthz for load balancers and uptime checks, and what readers get while the database is down."""

import logging
import time

from django.db import DatabaseError, InterfaceError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

logger = logging.getLogger("masthead.health")
# An outage is logged once a minute per process, without a traceback: one line per request
# would fill the disk while nothing new is learnt.
REPORT_EVERY_SECONDS = 60
_last_report = -REPORT_EVERY_SECONDS


def database_unavailable(error: Exception, noticed_by: str = "A reader page") -> None:
    """The database does not answer: say so, at most once a minute; drop the broken connection
    so that the next request opens a new one."""
    global _last_report
    if time.monotonic() - _last_report >= REPORT_EVERY_SECONDS:
        _last_report = time.monotonic()
        logger.error(
            "%s failed: the database does not answer (%s). Cached pages are served, others answer 503; "
            "this is said once a minute while it lasts.",
            noticed_by,
            error,
        )
    connection.close()


def unavailable_response() -> HttpResponse:
    """A plain 503 page that needs neither the database nor the cache."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 otherwise; never cached anywhere."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, InterfaceError) as error:
        database_unavailable(error, "Health check")
        return HttpResponse("database unavailable\n", content_type="text/plain", status=503)
    return HttpResponse("ok\n", content_type="text/plain")
