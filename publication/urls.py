from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from articles import preview, sitemaps, views
from articles.admin import editor, importing
from articles.feeds import AtomFeed, AuthorFeed, JsonFeed, SiteFeed, TagFeed, feed_view
from articles.websub import hub
from publication import admin_shortcut, health

urlpatterns = [
    # The markdownx editor's endpoints, staff only (see articles/admin/editor.py).
    path(settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.markdownify, name="markdownx_markdownify"),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload_image, name="markdownx_upload"),
    # Markdown import, before the admin's own URLs (articles/admin/importing.py checks the rights).
    path("admin/articles/import/", admin.site.admin_view(importing.import_view), name="article_import"),
    # "View on site", only for objects the user may view (before the admin's own shortcut).
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(admin_shortcut.view_on_site)),
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
    path("feed/", feed_view(SiteFeed), name="feed_rss"),
    path("feed/atom/", feed_view(SiteFeed, AtomFeed), name="feed_atom"),
    path("feed.json", feed_view(SiteFeed, JsonFeed), name="feed_json"),
    path("authors/<str:slug>/feed/", feed_view(AuthorFeed), name="author_feed_rss"),
    path("authors/<str:slug>/feed/atom/", feed_view(AuthorFeed, AtomFeed), name="author_feed_atom"),
    path("authors/<str:slug>/feed.json", feed_view(AuthorFeed, JsonFeed), name="author_feed_json"),
    path("tags/<str:slug>/feed/", feed_view(TagFeed), name="tag_feed_rss"),
    path("tags/<str:slug>/feed/atom/", feed_view(TagFeed, AtomFeed), name="tag_feed_atom"),
    path("tags/<str:slug>/feed.json", feed_view(TagFeed, JsonFeed), name="tag_feed_json"),
    path("healthz", health.healthz, name="healthz"),
    # The WebSub hub every feed advertises (articles/websub/hub.py).
    path("hub/", hub.hub, name="websub_hub"),
]

if settings.SERVE_MEDIA:
    # Uploaded images, when no proxy or object store serves them.
    urlpatterns.append(
        re_path(r"^%s(?P<path>.*)$" % settings.MEDIA_URL.lstrip("/"), serve, {"document_root": settings.MEDIA_ROOT})
    )
