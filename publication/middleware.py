"""Security headers on every response, the cached and static ones included.

Django's SecurityMiddleware sets Referrer-Policy, X-Content-Type-Options, HSTS and
Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sets X-Frame-Options on views. This adds
the Content-Security-Policy (no 'unsafe-inline' anywhere: pages have no inline scripts or
styles) and frame protection for responses no view made (static files).
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        self.headers = {"Permissions-Policy": settings.PERMISSIONS_POLICY}

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response
