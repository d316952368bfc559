from django.utils.functional import SimpleLazyObject, lazy

from .addresses import site_origin
from .publication_settings import current


def publication(request):
    """What every page shares about the publication (editable in the admin, cached), read only
    by the templates that show it (a sitemap shows none). `site_url` is the public origin for
    canonical links, Open Graph and JSON-LD (articles/addresses.py)."""
    record = SimpleLazyObject(current)
    return {
        "publication": record,
        "site_name": lazy(lambda: record.site_name, str)(),
        "site_tagline": lazy(lambda: record.site_tagline, str)(),
        "site_url": lazy(site_origin, str)(request),
    }
