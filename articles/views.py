from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Article, Author


class PublishedArticlesMixin:
    """Readers see only what `Article.objects.published()` allows."""

    def get_queryset(self):
        return Article.objects.published().select_related("author").newest_first()


class ArticleListView(PublishedArticlesMixin, ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE


class ArticleDetailView(PublishedArticlesMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"


class AuthorDetailView(ListView):
    template_name = "articles/author_detail.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return Article.objects.published().filter(author=self.author).select_related("author").newest_first()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


def healthz(request):
    """200 when the database answers, 503 otherwise; never cached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status, body = 200, "ok"
    except Exception:  # any database failure means unhealthy
        status, body = 503, "database unavailable"
    response = HttpResponse(body, content_type="text/plain", status=status)
    response["Cache-Control"] = "no-store"
    return response
