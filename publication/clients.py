"""The address a request comes from, for login throttling (django-axes).

Behind a proxy (BEHIND_PROXY=True) every request reaches Django from the proxy's address;
the client's is the last one in X-Forwarded-For, the entry the proxy itself appended
(deploy/nginx.conf). Entries before it are whatever the client sent, so they are never used.
"""

from django.conf import settings


def client_ip(request) -> str:
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")
