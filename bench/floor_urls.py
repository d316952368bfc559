"""The site's URLs plus two reference views through the same middleware, never cached:

- /bench/floor/: a constant response, the framework's floor;
- /bench/one-query/<slug>/: the smallest real page, one ORM query (`published()`, the article
  and its author) and a one-line template: the ceiling for any page built from the database.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path

from articles.models import Article
from publication.urls import urlpatterns as site_urlpatterns

BODY = b"<!doctype html><title>floor</title><p>A constant response.</p>"
ONE_QUERY_PAGE = engines["django"].from_string(
    "<!doctype html><title>{{ article.title }}</title><h1>{{ article.title }}</h1>"
    "<p>{{ article.author.name }}</p>{{ article.body_html|safe }}"
)


def floor(request):
    return HttpResponse(BODY)


def one_query(request, slug):
    article = get_object_or_404(Article.objects.published().select_related("author"), slug=slug)
    return HttpResponse(ONE_QUERY_PAGE.render({"article": article}))


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/one-query/<str:slug>/", one_query),
    *site_urlpatterns,
]
