"""/healthz: for load balancers and uptime checks."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("masthead.health")


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 otherwise; never cached anywhere."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("Health check failed: the database does not answer (%s).", error)
        # Drop the broken connection: the next request opens a new one.
        connection.close()
        return HttpResponse("database unavailable\n", content_type="text/plain", status=503)
    return HttpResponse("ok\n", content_type="text/plain")
