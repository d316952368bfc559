"""The site's URLs plus /bench/floor/: a constant response through the same middleware."""

from django.http import HttpResponse
from django.urls import path

from publication.urls import urlpatterns as site_urlpatterns

BODY = b"<!doctype html><title>floor</title><p>A constant response.</p>"


def floor(request):
    return HttpResponse(BODY)


urlpatterns = [path("bench/floor/", floor), *site_urlpatterns]
