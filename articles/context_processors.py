from django.conf import settings


def publication(request):
    """What every page shares about the publication."""
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
    }
