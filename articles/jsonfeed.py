"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1): the same articles as the RSS and Atom feeds."""

import json

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from .feeds import FeedEntry, FeedScope, conditional_feed_response, xml_text
from .websub.links import hub_urls

CONTENT_TYPE = "application/feed+json; charset=utf-8"


def _rfc3339(moment) -> str:
    return moment.isoformat(timespec="seconds")


def _item(entry: FeedEntry) -> dict:
    item = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "content_html": entry.content_html,
        "date_published": _rfc3339(entry.published),
        "date_modified": _rfc3339(entry.updated),
        "authors": [{"name": entry.author_name, "url": entry.author_url}],
    }
    if entry.summary:
        item["summary"] = entry.summary
    if entry.image:
        item["image"] = entry.image.url
        attachment = {"url": entry.image.url, "mime_type": entry.image.mime_type}
        if entry.image.length:
            attachment["size_in_bytes"] = entry.image.length
        item["attachments"] = [attachment]
    if entry.tags:
        item["tags"] = list(entry.tags)
    return item


def json_feed_document(scope: FeedScope) -> dict:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": scope.title,
        "home_page_url": scope.home_url,
        "feed_url": scope.feed_url("json"),
        "description": scope.description,
        "language": settings.LANGUAGE_CODE,
        "items": [_item(entry) for entry in scope.entries()],
        "hubs": [{"type": "WebSub", "url": hub} for hub in hub_urls(scope.feed_url("json"))],
    }
    if scope.icon_url:
        document["icon"] = document["favicon"] = scope.icon_url
    if scope.kind == FeedScope.AUTHOR:
        document["authors"] = [{"name": xml_text(scope.subject.name), "url": scope.home_url}]
    return document


@require_safe
def json_feed(request, scope_kind=FeedScope.SITE, slug=None):
    scope = FeedScope.resolve(request, scope_kind, slug)

    def render():
        body = json.dumps(json_feed_document(scope), ensure_ascii=False, indent=1)
        return HttpResponse(body, content_type=CONTENT_TYPE)

    return conditional_feed_response(request, scope, "json", render)
