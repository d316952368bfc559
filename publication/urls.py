from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from articles import admin_import, editor, preview, sitemaps, views
from articles.feeds import ArticlesAtomFeed, ArticlesFeed, FeedScope
from articles.jsonfeed import json_feed
from articles.websub import hub
from publication import health

urlpatterns = [
    # The markdownx editor's endpoints, staff only (see articles/editor.py).
    path(settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.markdownify, name="markdownx_markdownify"),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload_image, name="markdownx_upload"),
    # Markdown import, before the admin's own URLs (articles/admin_import.py checks the rights).
    path("admin/articles/import/", admin.site.admin_view(admin_import.import_view), name="article_import"),
    path("admin/", admin.site.urls),
    # A signed, expiring preview link of a draft, for readers without an account (articles/preview.py).
    path("preview/<str:token>/", preview.shared_preview, name="article_share_preview"),
    path("", views.ArticleListView.as_view(), name="article_list"),
    path("articles/<str:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("authors/<str:slug>/", views.AuthorDetailView.as_view(), name="author_detail"),
    path("tags/<str:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("archive/", views.ArchiveIndexView.as_view(), name="archive_index"),
    path("archive/<int:year>/<int:month>/", views.MonthArchiveView.as_view(), name="archive_month"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("subscribe/", views.SubscribeView.as_view(), name="subscribe"),
    path("robots.txt", views.RobotsView.as_view(), name="robots_txt"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-<str:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("feed/", ArticlesFeed(FeedScope.SITE), name="feed_rss"),
    path("feed/atom/", ArticlesAtomFeed(FeedScope.SITE), name="feed_atom"),
    path("feed.json", json_feed, {"scope_kind": FeedScope.SITE}, name="feed_json"),
    path("authors/<str:slug>/feed/", ArticlesFeed(FeedScope.AUTHOR), name="author_feed_rss"),
    path("authors/<str:slug>/feed/atom/", ArticlesAtomFeed(FeedScope.AUTHOR), name="author_feed_atom"),
    path("authors/<str:slug>/feed.json", json_feed, {"scope_kind": FeedScope.AUTHOR}, name="author_feed_json"),
    path("tags/<str:slug>/feed/", ArticlesFeed(FeedScope.TAG), name="tag_feed_rss"),
    path("tags/<str:slug>/feed/atom/", ArticlesAtomFeed(FeedScope.TAG), name="tag_feed_atom"),
    path("tags/<str:slug>/feed.json", json_feed, {"scope_kind": FeedScope.TAG}, name="tag_feed_json"),
    path("healthz", health.healthz, name="healthz"),
    # The WebSub hub every feed advertises (articles/websub/hub.py).
    path("hub/", hub.hub, name="websub_hub"),
]

if settings.SERVE_MEDIA:
    # Uploaded images, when no proxy or object store serves them.
    urlpatterns.append(
        re_path(r"^%s(?P<path>.*)$" % settings.MEDIA_URL.lstrip("/"), serve, {"document_root": settings.MEDIA_ROOT})
    )
