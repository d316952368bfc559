from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from articles import editor, views
from articles.feeds import LatestArticlesAtomFeed, LatestArticlesFeed

urlpatterns = [
    # The markdownx editor's endpoints, staff only (see articles/editor.py).
    path(settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.markdownify, name="markdownx_markdownify"),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload_image, name="markdownx_upload"),
    path("admin/", admin.site.urls),
    path("", views.ArticleListView.as_view(), name="article_list"),
    path("articles/<str:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("authors/<str:slug>/", views.AuthorDetailView.as_view(), name="author_detail"),
    path("feed/", LatestArticlesFeed(), name="feed_rss"),
    path("feed/atom/", LatestArticlesAtomFeed(), name="feed_atom"),
    path("healthz", views.healthz, name="healthz"),
]

if settings.SERVE_MEDIA:
    # Uploaded images, when no proxy or object store serves them.
    urlpatterns.append(
        re_path(r"^%s(?P<path>.*)$" % settings.MEDIA_URL.lstrip("/"), serve, {"document_root": settings.MEDIA_ROOT})
    )
