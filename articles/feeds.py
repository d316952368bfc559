"""Feeds of the site, an author or a tag: RSS 2.0, Atom 1.0 and JSON Feed 1.1.

One `Feed` class per scope (Django's syndication framework); the format is its generator
(`feed_type`). Every item is the whole article with absolute URLs, the hero image first and the
call to action last; its id is the article's UUID, so an edited or renamed article never comes
back as new. `feed_view()` adds conditional GET (`condition`) and a short, public cache lifetime.
"""

import contextvars
import hashlib
import json
import math
import mimetypes
from datetime import datetime
from datetime import timezone as dt_timezone
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.views.decorators.http import condition, require_safe

from .addresses import absolute_html, absolute_url
from .text import strip_control_characters
from .models import Article, ContentVersion
from .publication_settings import current as current_publication
from .visibility import public_authors, public_tags
from .websub.links import hub_urls, link_header, write_hub_links


def xml_text(value) -> str:
    """`value` as text that any XML 1.0 (and JSON) consumer accepts: XML forbids most control
    characters, and none of them carries meaning in an article."""
    return strip_control_characters(str(value or ""))


# The epoch stands in for "never changed", so an empty feed's dates are stable.
EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)


class LastModifiedMixin:
    """The feed's date is the scope's last change (see `Scope`), not its newest item's:
    a deletion changes the feed without adding a newer item."""

    def latest_post_date(self):
        return self.feed["last_modified"] or EPOCH


class RssFeed(LastModifiedMixin, feedgenerator.Rss201rev2Feed):
    """Django's RSS plus the whole article (content:encoded) and the feed's icon."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed["icon_url"]:
            handler.startElement("image", {})
            handler.addQuickElement("url", self.feed["icon_url"])
            handler.addQuickElement("title", self.feed["title"])
            handler.addQuickElement("link", self.feed["link"])
            handler.endElement("image")
        write_hub_links(handler, self.feed["feed_url"], "atom:link")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


class AtomFeed(LastModifiedMixin, feedgenerator.Atom1Feed):
    """Django's Atom plus the whole article, the feed's icon, and no length for an enclosure of
    unknown size (RSS requires one, where 0 means unknown; Atom has it optional)."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed["icon_url"]:
            handler.addQuickElement("icon", self.feed["icon_url"])
            handler.addQuickElement("logo", self.feed["icon_url"])
        write_hub_links(handler, self.feed["feed_url"], "link")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "enclosures": []})
        handler.addQuickElement("content", item["content_html"], {"type": "html"})
        for enclosure in item["enclosures"]:
            attrs = {"rel": "enclosure", "href": enclosure.url, "type": enclosure.mime_type}
            if enclosure.length != "0":
                attrs["length"] = enclosure.length
            handler.addQuickElement("link", "", attrs)


def _rfc3339(moment) -> str:
    return moment.isoformat(timespec="seconds")


class JsonFeed(LastModifiedMixin, feedgenerator.SyndicationFeed):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from what the Feed class gives every format."""

    content_type = "application/feed+json; charset=utf-8"

    def _item(self, item) -> dict:
        entry = {
            "id": item["unique_id"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item["content_html"],
            "date_published": _rfc3339(item["pubdate"]),
            "date_modified": _rfc3339(item["updateddate"]),
            "authors": [{"name": item["author_name"], "url": item["author_link"]}],
        }
        if item["summary"]:
            entry["summary"] = item["summary"]
        for enclosure in item["enclosures"]:
            entry["image"] = enclosure.url
            attachment = {"url": enclosure.url, "mime_type": enclosure.mime_type}
            if enclosure.length != "0":
                attachment["size_in_bytes"] = int(enclosure.length)
            entry["attachments"] = [attachment]
        if item["categories"]:
            entry["tags"] = list(item["categories"])
        return entry

    def write(self, outfile, encoding):
        feed = self.feed
        document = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed["feed_url"],
            "description": feed["description"],
            "language": feed["language"],
            "hubs": [{"type": "WebSub", "url": hub} for hub in hub_urls(feed["feed_url"])],
            "items": [self._item(item) for item in self.items],
        }
        if feed["icon_url"]:
            document["icon"] = document["favicon"] = feed["icon_url"]
        if feed["author_name"]:
            document["authors"] = [{"name": feed["author_name"], "url": feed["author_link"]}]
        outfile.write(json.dumps(document, ensure_ascii=False, indent=1))


class Scope:
    """Which articles a feed carries (the site's, or one author's or tag's: `subject`) and when
    they last changed, read in one query of index lookups.

    `token` is the content version (articles.models.ContentVersion), which changes with every
    write: an edit, a deletion, an unpublishing, a retagging. `last_modified` is the later of its
    change time and the newest go-live in scope (a scheduled article going live writes nothing),
    so If-Modified-Since sees every change that If-None-Match sees, deletions included.
    `next_due` is the site's next scheduled article, whatever the scope: no cache may keep the
    feed past it, and a feed's lifetime must not tell which author or tag has an article coming.
    """

    def __init__(self, request, subject, stats):
        self.request, self.subject = request, subject
        self.token = stats.get("content_version") or ""
        stamps = [stats.get(name) for name in ("went_live", "content_changed")]
        self.last_modified = max((stamp for stamp in stamps if stamp is not None), default=None)
        self.next_due = stats.get("next_due")

    def absolute(self, url: str) -> str:
        return absolute_url(self.request, url)

    @cached_property
    def publication(self):
        """The publication's name, tagline, call to action and logo: read once per request."""
        return current_publication()

    def max_age(self) -> int:
        max_age = settings.FEED_MAX_AGE
        if self.next_due is not None:
            max_age = min(max_age, math.ceil((self.next_due - timezone.now()).total_seconds()))
        return max(0, max_age)


def _freshness_fields(articles_in_scope) -> dict:
    """Scalar subqueries for `Scope`: each an index lookup (an aggregate over the whole scope
    would read every row of it). `articles_in_scope(queryset)` narrows a queryset to the scope."""

    def first(queryset, order):
        return Subquery(queryset.order_by(order).values(order.lstrip("-"))[:1])

    version = ContentVersion.objects.filter(pk=1)
    return {
        "content_version": Subquery(version.values("token")),
        "content_changed": Subquery(version.values("changed")),
        "went_live": first(articles_in_scope(Article.objects.published()), "-publish_date"),
        "next_due": first(Article.objects.scheduled(), "publish_date"),
    }


# The URL names of every feed, by scope (publication/urls.py): the hub's topics.
FEED_URL_NAMES = {
    "site": ("feed_rss", "feed_atom", "feed_json"),
    "author": ("author_feed_rss", "author_feed_atom", "author_feed_json"),
    "tag": ("tag_feed_rss", "tag_feed_atom", "tag_feed_json"),
}

_current_scope = contextvars.ContextVar("masthead_feed_scope")


class SiteFeed(Feed):
    """The newest published articles of the site, as RSS unless given another generator."""

    feed_type = RssFeed
    item_guid_is_permalink = False

    def __init__(self, feed_type=None):
        if feed_type is not None:
            self.feed_type = feed_type

    # The scope: read once per request, by the validators and then by the feed itself.

    def in_scope(self, queryset, subject):
        return queryset

    def scope(self, request, slug=None) -> Scope:
        scope = getattr(request, "_feed_scope", None)
        if scope is None:
            scope = request._feed_scope = self.read_scope(request, slug)
        # item_* hooks are given only the item: they find the request's scope here.
        _current_scope.set(scope)
        return scope

    def read_scope(self, request, slug) -> Scope:
        fields = _freshness_fields(lambda queryset: self.in_scope(queryset, None))
        stats = Article.objects.order_by().values(**fields).first() or {}  # none: no articles at all
        return Scope(request, None, stats)

    def get_object(self, request, slug=None):
        return self.scope(request, slug)

    def etag(self, request, slug=None) -> str:
        scope = self.scope(request, slug)
        parts = (
            self.feed_type.__name__,
            absolute_url(request, request.path),
            scope.token,
            scope.last_modified and scope.last_modified.isoformat(),
            settings.FEED_ITEMS,
            settings.FEED_ICON_URL,
            settings.LANGUAGE_CODE,
        )
        return '"%s"' % hashlib.sha256(repr(parts).encode()).hexdigest()[:32]

    def last_modified(self, request, slug=None):
        return self.scope(request, slug).last_modified

    # The feed.

    def publication(self):
        return _current_scope.get().publication

    def title(self, scope):
        return xml_text(self.publication().site_name)

    def description(self, scope):
        return xml_text(self.publication().site_tagline) or self.title(scope)

    def subtitle(self, scope):
        return self.description(scope)

    def link(self, scope):
        return scope.absolute(reverse("article_list"))

    def feed_url(self, scope):
        return scope.absolute(scope.request.path)

    def feed_guid(self, scope):
        return self.feed_url(scope)

    def icon_url(self, scope):
        """FEED_ICON_URL, else the publication's logo, else none."""
        if settings.FEED_ICON_URL:
            return scope.absolute(settings.FEED_ICON_URL)
        logo = self.publication().logo
        return scope.absolute(logo.url) if logo else None

    def feed_extra_kwargs(self, scope):
        # Feed-level links (an icon; a WebSub hub) go through here to the generators' root elements.
        return {"icon_url": self.icon_url(scope), "last_modified": scope.last_modified}

    # Its items: articles carrying the scope, for the item_* hooks' absolute URLs.

    def items(self, scope):
        articles = list(
            self.in_scope(Article.objects.published(), scope.subject)
            .select_related("author")
            .prefetch_related("tags")
            .defer("body")  # the Markdown source: feeds carry the rendered body_html
            .newest_first()[: settings.FEED_ITEMS]
        )
        for article in articles:
            article.feed_scope = scope
        return articles

    def item_title(self, article):
        # Plain text, escaped once by the XML writer: readers show `Q&A: Don't <panic>` as written.
        return xml_text(article.title)

    def item_summary(self, article):
        return xml_text(article.description or article.subtitle)

    def item_description(self, article):
        # RSS descriptions and Atom summaries are HTML: the plain summary, escaped, is no markup.
        return escape(self.item_summary(article))

    def item_link(self, article):
        return article.feed_scope.absolute(article.get_absolute_url())

    def item_guid(self, article):
        return article.uuid.urn

    def item_pubdate(self, article):
        return article.publish_date

    def item_updateddate(self, article):
        return max(article.updated, article.publish_date)

    def item_author_name(self, article):
        return xml_text(article.author.name)

    def item_author_link(self, article):
        return article.feed_scope.absolute(article.author.get_absolute_url())

    def item_categories(self, article):
        return [xml_text(tag.name) for tag in article.tags.all()]

    def item_enclosure_url(self, article):
        if article.hero_src and self.item_enclosure_mime_type(article):
            return article.feed_scope.absolute(article.hero_src)
        return None  # an enclosure of no known type misleads readers; the image is still in the content

    def item_enclosure_mime_type(self, article):
        mime_type, _ = mimetypes.guess_type(urlsplit(article.hero_src).path)
        return mime_type if mime_type and mime_type.startswith("image/") else None

    def item_enclosure_length(self, article):
        try:
            return article.hero_image.size if article.hero_image else 0
        except (OSError, ValueError):  # the file went missing from storage
            return 0  # RSS's "unknown"

    def item_content(self, article) -> str:
        """The hero image, the body, then the call to action, every URL absolute."""
        content = render_to_string(
            "feeds/entry_content.html",
            {
                "article": article,
                "hero_src": article.hero_src,
                "call_to_action": article.cta or self.publication().default_cta,
            },
        )
        return xml_text(absolute_html(content, self.item_link(article)))

    def item_extra_kwargs(self, article):
        return {"content_html": self.item_content(article), "summary": self.item_summary(article)}


class AuthorFeed(SiteFeed):
    """One author's articles; 404 for an author unknown or with nothing published."""

    def in_scope(self, queryset, subject):
        return queryset.filter(author=subject)

    def read_scope(self, request, slug) -> Scope:
        fields = _freshness_fields(lambda queryset: self.in_scope(queryset, OuterRef("pk")))
        author = public_authors().annotate(**fields).filter(slug=slug).first()
        if author is None:
            raise Http404("No such author.")
        return Scope(request, author, {name: getattr(author, name) for name in fields})

    def title(self, scope):
        return xml_text(f"{self.publication().site_name}: Articles by {scope.subject.name}")

    def description(self, scope):
        return xml_text(scope.subject.bio) or self.title(scope)

    def link(self, scope):
        return scope.absolute(scope.subject.get_absolute_url())

    def author_name(self, scope):
        return xml_text(scope.subject.name)

    def author_link(self, scope):
        return self.link(scope)


class TagFeed(SiteFeed):
    """One tag's articles; 404 for a tag unknown or with nothing published."""

    def in_scope(self, queryset, subject):
        # EXISTS on the link table, not a join: newest-first walks of the reader-order index stop
        # after the first few articles carrying the tag instead of sorting all of them.
        if isinstance(subject, OuterRef):
            subject = OuterRef(subject)  # one level deeper: inside the link subquery
        return queryset.filter(Exists(Article.tags.through.objects.filter(article=OuterRef("pk"), tag=subject)))

    def read_scope(self, request, slug) -> Scope:
        fields = _freshness_fields(lambda queryset: self.in_scope(queryset, OuterRef("pk")))
        tag = public_tags().annotate(**fields).filter(slug=slug).first()
        if tag is None:
            raise Http404("No such tag.")
        return Scope(request, tag, {name: getattr(tag, name) for name in fields})

    def title(self, scope):
        return xml_text(f"{self.publication().site_name}: Articles tagged {scope.subject.name}")

    def description(self, scope):
        return xml_text(f"The newest articles tagged {scope.subject.name} on {self.publication().site_name}.")

    def link(self, scope):
        return scope.absolute(scope.subject.get_absolute_url())


def feed_view(feed_class, feed_type=RssFeed):
    """The view of a feed: GET and HEAD only, 304 when the client's copy is current, a public
    cache lifetime never past the scope's next scheduled article."""
    feed = feed_class(feed_type)
    conditional = condition(etag_func=feed.etag, last_modified_func=feed.last_modified)(feed)

    @require_safe
    def view(request, slug=None):
        response = conditional(request, slug=slug)
        # One piece: the feed generator writes hundreds, and a WSGI server sends each with a system call.
        response.content = response.content
        patch_cache_control(response, public=True, max_age=feed.scope(request, slug).max_age())
        response.headers["Link"] = link_header(absolute_url(request, request.path))  # WebSub discovery
        if feed_type is not JsonFeed:
            patch_vary_headers(response, ["Accept"])
            if "text/html" in request.headers.get("Accept", "") and response.status_code == 200:
                # A browser: generic XML makes it show the document instead of downloading the
                # file. People who follow the site's own links land on /subscribe/, an HTML page.
                response.headers["Content-Type"] = "application/xml; charset=utf-8"
        return response

    return view
