from django.conf import settings

from .publication_settings import current


def publication(request):
    """What every page shares about the publication (editable in the admin, cached).

    `site_url` is the absolute origin for canonical links, Open Graph and JSON-LD:
    SITE_URL when set (the public address behind a proxy), else the request's own.
    """
    record = current()
    return {
        "publication": record,
        "site_name": record.site_name,
        "site_tagline": record.site_tagline,
        "site_url": settings.SITE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/"),
    }
