"""Feeds: RSS 2.0 and Atom 1.0 (Django's syndication framework), for the site, an author or a tag.

Every item is the whole article with absolute URLs, the hero image first and the call to
action last; its id is the article's UUID, so an edited or renamed article never comes back
as new. Every feed answers conditional requests from one aggregate query (see `Freshness`)
and is cached briefly, never past the moment the next scheduled article goes live.
The JSON Feed siblings (articles/jsonfeed.py) share `FeedScope` and `FeedEntry`.
"""

import hashlib
import math
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from functools import cached_property
from html import escape as html_escape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import feedgenerator, timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.html import escape
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .cache import shared_cache
from .markdown import strip_control_characters
from .models import Article, Author, ContentVersion, Tag
from .publication_settings import current as current_publication
from .visibility import public_authors, public_tags
from .websub.links import link_header, write_hub_links

# Bump when the feeds' markup changes, so validators (ETags) and stored entries change with it.
FEED_MARKUP_VERSION = 3
# How long an entry's finished content is kept: it is stored per content version, so it can
# never be stale; the bound only lets superseded versions' entries go.
ENTRY_CACHE_SECONDS = 3600

def xml_text(value) -> str:
    """`value` as text that any XML 1.0 (and JSON) consumer accepts.

    XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF; C1 controls are
    "discouraged". None of them carries meaning in an article, so they are dropped.
    """
    return strip_control_characters(str(value or ""))


# Attributes holding one URL, and `srcset`, which holds a list of "URL descriptor" pairs.
_URL_ATTRIBUTES = {"href", "src", "cite", "poster", "action", "longdesc"}


class _AbsoluteURLs(HTMLParser):
    """Re-emits HTML with every URL-bearing attribute resolved against a base URL.

    Text, entities and tag structure pass through untouched; only attribute values are
    rewritten (and re-escaped), so odd but valid input cannot be mangled the way a regular
    expression would mangle it.
    """

    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=False)
        self.base_url, self.out = base_url, []

    def _resolve(self, url: str) -> str | None:
        try:
            return urljoin(self.base_url, url.strip())
        except ValueError:  # e.g. a malformed IPv6 host: drop the attribute rather than fail the feed
            return None

    def _srcset(self, value: str) -> str | None:
        candidates = []
        for candidate in value.split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            if url:
                resolved = self._resolve(url)
                if resolved is None:
                    return None
                candidates.append(f"{resolved} {descriptor.strip()}".strip())
        return ", ".join(candidates)

    def _tag(self, tag, attrs, close):
        parts = [tag]
        for name, value in attrs:
            if value is not None and name in _URL_ATTRIBUTES:
                value = self._resolve(value)
            elif value is not None and name == "srcset":
                value = self._srcset(value)
            if value is None and name in _URL_ATTRIBUTES | {"srcset"}:
                continue
            parts.append(name if value is None else f'{name}="{html_escape(value, quote=True)}"')
        return "<" + " ".join(parts) + close

    def handle_starttag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs, ">"))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs, " />"))

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    # Comments, declarations and processing instructions have no place in feed content.


def absolute_urls(html: str, base_url: str) -> str:
    """`html` with every link, image and srcset URL made absolute against `base_url`."""
    parser = _AbsoluteURLs(base_url)
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


@dataclass(frozen=True)
class FeedImage:
    url: str
    mime_type: str
    length: int | None  # bytes, when known (uploaded files)


@dataclass(frozen=True)
class FeedEntry:
    """One article as every feed format shows it: plain text fields, absolute URLs."""

    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    author_name: str
    author_url: str
    tags: tuple[str, ...]
    image: FeedImage | None


def _hero_image(article: Article, absolute) -> FeedImage | None:
    src = article.hero_src
    if not src:
        return None
    url = absolute(src)
    mime_type, _ = mimetypes.guess_type(urlsplit(url).path)
    if not mime_type or not mime_type.startswith("image/"):
        return None  # an enclosure without a known type misleads readers; the image is still in the content
    length = None
    if article.hero_image:
        try:
            length = article.hero_image.size
        except (OSError, ValueError):  # the file went missing from storage
            length = None
    return FeedImage(url=url, mime_type=mime_type, length=length)


@dataclass(frozen=True)
class Freshness:
    """What validators and cache lifetimes are computed from: one query of index lookups.

    `version` is the content version (articles.models.ContentVersion), which changes with every
    write: any edit, deletion, unpublishing or retagging. `last_modified` is the later of its
    change time and the newest go-live in scope (a scheduled article going live writes nothing),
    so If-Modified-Since sees every change that If-None-Match sees, deletions included.
    """

    version: str
    last_modified: datetime | None
    next_due: datetime | None

    @classmethod
    def of(cls, stats: dict | None) -> "Freshness":
        if stats is None:
            return cls(version="", last_modified=None, next_due=None)
        stamps = [stamp for stamp in (stats["live"], stats["content_changed"]) if stamp is not None]
        return cls(version=stats["content_version"] or "", last_modified=max(stamps, default=None), next_due=stats["next_due"])

    def max_age(self) -> int:
        """Seconds a cache may keep the feed: short, and never past the next scheduled article."""
        max_age = settings.FEED_MAX_AGE
        if self.next_due is not None:
            max_age = min(max_age, math.ceil((self.next_due - timezone.now()).total_seconds()))
        return max(0, max_age)


def _in_scope(queryset, kind: str, subject):
    """`queryset` narrowed to an author's or tag's articles (`subject`: one, or an OuterRef to one).

    A tag's is an EXISTS on the link table, not a join: newest-first walks of the reader-order
    index then stop after the first few articles carrying the tag instead of sorting all of them.
    """
    if kind == FeedScope.AUTHOR:
        return queryset.filter(author=subject)
    if kind == FeedScope.TAG:
        if isinstance(subject, OuterRef):
            subject = OuterRef(subject)  # one level deeper: inside the link subquery
        return queryset.filter(Exists(Article.tags.through.objects.filter(article=OuterRef("pk"), tag=subject)))
    return queryset


def _freshness_fields(kind: str, subject) -> dict:
    """Scalar subqueries for `Freshness`: each an index lookup (an aggregate over the whole scope
    would read every row of it)."""

    def first(queryset, order):
        return Subquery(queryset.order_by(order).values(order.lstrip("-"))[:1])

    version = ContentVersion.objects.filter(pk=1)
    return {
        "content_version": Subquery(version.values("token")),
        "content_changed": Subquery(version.values("changed")),
        "live": first(_in_scope(Article.objects.published(), kind, subject), "-publish_date"),
        "next_due": first(_in_scope(Article.objects.scheduled(), kind, subject), "publish_date"),
    }


class FeedScope:
    """Which articles a feed carries: the whole site, one author's or one tag's."""

    SITE, AUTHOR, TAG = "site", "author", "tag"
    URL_NAMES = {
        SITE: {"rss": "feed_rss", "atom": "feed_atom", "json": "feed_json"},
        AUTHOR: {"rss": "author_feed_rss", "atom": "author_feed_atom", "json": "author_feed_json"},
        TAG: {"rss": "tag_feed_rss", "atom": "tag_feed_atom", "json": "tag_feed_json"},
    }

    def __init__(self, request: HttpRequest, kind: str, subject: Author | Tag | None = None):
        self.request, self.kind, self.subject = request, kind, subject

    @classmethod
    def resolve(cls, request: HttpRequest, kind: str, slug: str | None = None) -> "FeedScope":
        """The scope named by a URL; 404 for an author or tag that is unknown or has nothing published.

        An author or tag is read with its feed's freshness in the same query."""
        if kind in (cls.AUTHOR, cls.TAG):
            subjects = public_authors() if kind == cls.AUTHOR else public_tags()
            stats = _freshness_fields(kind, OuterRef("pk"))
            subject = get_object_or_404(subjects.annotate(**stats), slug=slug)
            scope = cls(request, kind, subject)
            scope.freshness = Freshness.of({name: getattr(subject, name) for name in stats})
            return scope
        return cls(request, cls.SITE)

    def absolute(self, url: str) -> str:
        return self.request.build_absolute_uri(url)

    @cached_property
    def publication(self):
        """The publication's name, tagline, default call to action and logo (editable in the admin)."""
        return current_publication()

    def _scoped(self, queryset):
        return _in_scope(queryset, self.kind, self.subject)

    # What the feed says about itself.

    @property
    def title(self) -> str:
        site_name = self.publication.site_name
        if self.kind == self.SITE:
            return xml_text(site_name)
        label = "Articles by" if self.kind == self.AUTHOR else "Articles tagged"
        return xml_text(f"{site_name}: {label} {self.subject.name}")

    @property
    def description(self) -> str:
        if self.kind == self.AUTHOR and self.subject.bio:
            return xml_text(self.subject.bio)
        if self.kind == self.TAG:
            return xml_text(f"The newest articles tagged {self.subject.name} on {self.publication.site_name}.")
        return xml_text(self.publication.site_tagline) or self.title

    @property
    def home_url(self) -> str:
        """The HTML page this feed mirrors."""
        if self.kind == self.AUTHOR:
            return self.absolute(self.subject.get_absolute_url())
        if self.kind == self.TAG:
            try:
                return self.absolute(reverse("tag_detail", kwargs={"slug": self.subject.slug}))
            except NoReverseMatch:  # no tag pages on this site: the front page stands in
                pass
        return self.absolute(reverse("article_list"))

    def feed_url(self, fmt: str) -> str:
        kwargs = {"slug": self.subject.slug} if self.subject is not None else {}
        return self.absolute(reverse(self.URL_NAMES[self.kind][fmt], kwargs=kwargs))

    @property
    def icon_url(self) -> str | None:
        """FEED_ICON_URL, else the publication's logo, else none."""
        if settings.FEED_ICON_URL:
            return self.absolute(settings.FEED_ICON_URL)
        logo = self.publication.logo
        return self.absolute(logo.url) if logo else None

    # What the feed carries.

    @cached_property
    def freshness(self) -> "Freshness":
        """The site feed's: one query of four index lookups (an author's or tag's comes with it)."""
        stats = Article.objects.order_by().values(**_freshness_fields(self.kind, self.subject)).first()
        return Freshness.of(stats)  # None: there are no articles at all

    def etag(self, fmt: str) -> str:
        fresh = self.freshness
        parts = (
            FEED_MARKUP_VERSION,
            fmt,
            self.kind,
            self.request.scheme,
            self.request.get_host(),
            self.subject and (self.subject.pk, self.subject.slug, self.subject.name, getattr(self.subject, "bio", "")),
            fresh.version,
            fresh.last_modified and fresh.last_modified.isoformat(),
            settings.FEED_ITEMS,
            settings.FEED_ICON_URL,
            settings.LANGUAGE_CODE,
            self.publication.site_name,
            self.publication.site_tagline,
            self.publication.default_cta,
            self.publication.logo.name,
        )
        return '"%s"' % hashlib.sha256(repr(parts).encode()).hexdigest()[:32]

    def entries(self) -> list[FeedEntry]:
        """The newest published articles in scope: two queries whatever their number."""
        articles = list(
            self._scoped(Article.objects.published())
            .select_related("author")
            .prefetch_related("tags")
            .defer("body")  # the Markdown source: feeds carry the rendered body_html
            .newest_first()[: settings.FEED_ITEMS]
        )
        urls = {article.pk: self.absolute(article.get_absolute_url()) for article in articles}
        contents = self._contents(articles, urls)
        return [self._entry(article, urls[article.pk], contents[article.pk]) for article in articles]

    def _contents(self, articles: list[Article], urls: dict) -> dict:
        """Each article's full content for feeds, by id: made once per content version and article
        address, then shared by every feed carrying it (site, author, tags; RSS, Atom, JSON).

        Making it (the template, then resolving every URL of a ~16 KB body) is most of a feed's
        time; stored under the content version, it is never stale: any write moves the version.
        """
        version = self.freshness.version
        keys = {
            article.pk: "masthead:feed-entry:{}:{}:{}".format(
                FEED_MARKUP_VERSION, version, hashlib.sha256(f"{article.pk} {urls[article.pk]}".encode()).hexdigest()
            )
            for article in articles
        }
        found = shared_cache().get_many(keys.values()) if version else {}
        contents, made = {}, {}
        for article in articles:
            key = keys[article.pk]
            if key not in found:
                found[key] = made[key] = self._content(article, urls[article.pk])
            contents[article.pk] = found[key]
        if made and version:
            shared_cache().set_many(made, ENTRY_CACHE_SECONDS)
        return contents

    def _content(self, article: Article, url: str) -> str:
        """The hero image, the body, then the call to action, every URL absolute."""
        content = render_to_string(
            "feeds/entry_content.html",
            {
                "article": article,
                "body_html": article.body_html,
                "hero_src": article.hero_src,
                "call_to_action": article.cta or self.publication.default_cta,
            },
        )
        return xml_text(absolute_urls(content, url))

    def _entry(self, article: Article, url: str, content_html: str) -> FeedEntry:
        return FeedEntry(
            id=article.uuid.urn,
            url=url,
            title=xml_text(article.title),
            summary=xml_text(article.description or article.subtitle),
            content_html=content_html,
            published=article.publish_date,
            updated=max(article.updated, article.publish_date),
            author_name=xml_text(article.author.name),
            author_url=self.absolute(article.author.get_absolute_url()),
            tags=tuple(xml_text(tag.name) for tag in article.tags.all()),
            image=_hero_image(article, self.absolute),
        )


def conditional_feed_response(request: HttpRequest, scope: FeedScope, fmt: str, render_feed) -> HttpResponse:
    """304 when the client's copy is current, else `render_feed()`; validators and max-age on both."""
    fresh = scope.freshness
    etag = scope.etag(fmt)
    last_modified = int(fresh.last_modified.timestamp()) if fresh.last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = render_feed()
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified)
    else:
        response.headers.pop("Last-Modified", None)
    patch_cache_control(response, public=True, max_age=fresh.max_age())
    response.headers["Link"] = link_header(scope.feed_url(fmt))  # WebSub discovery
    return response


# RSS and Atom generators: Django's, plus full content, the hero image and the feed's icon.


class RssFeedGenerator(feedgenerator.Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def latest_post_date(self):
        return self.feed["last_modified"] or super().latest_post_date()

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        write_hub_links(handler, self.feed["feed_url"], "atom:link")
        if self.feed["icon_url"]:
            handler.startElement("image", {})
            handler.addQuickElement("url", self.feed["icon_url"])
            handler.addQuickElement("title", self.feed["title"])
            handler.addQuickElement("link", self.feed["link"])
            handler.endElement("image")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])
        image = item["image"]
        if image:
            # RSS requires a length; 0 is the RSS Advisory Board's "unknown".
            attrs = {"url": image.url, "type": image.mime_type, "length": str(image.length or 0)}
            handler.addQuickElement("enclosure", "", attrs)


class AtomFeedGenerator(feedgenerator.Atom1Feed):
    def latest_post_date(self):
        return self.feed["last_modified"] or super().latest_post_date()

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        write_hub_links(handler, self.feed["feed_url"], "link")
        if self.feed["icon_url"]:
            handler.addQuickElement("icon", self.feed["icon_url"])
            handler.addQuickElement("logo", self.feed["icon_url"])

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})
        image = item["image"]
        if image:
            attrs = {"rel": "enclosure", "href": image.url, "type": image.mime_type}
            if image.length:
                attrs["length"] = str(image.length)
            handler.addQuickElement("link", "", attrs)


# The epoch stands in for "never updated" so an empty feed's dates are stable.
EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)


class ArticlesFeed(Feed):
    """RSS 2.0 of the newest public articles in a scope (the site, an author, a tag)."""

    feed_type = RssFeedGenerator
    format = "rss"

    def __init__(self, scope_kind: str = FeedScope.SITE):
        self.scope_kind = scope_kind

    @method_decorator(require_safe)
    def __call__(self, request, slug=None):
        scope = FeedScope.resolve(request, self.scope_kind, slug)
        return conditional_feed_response(request, scope, self.format, lambda: self.render(scope, request))

    def render(self, scope: FeedScope, request: HttpRequest) -> HttpResponse:
        feed = self.get_feed(scope, request)
        content_type = feed.content_type
        if "text/html" in request.headers.get("Accept", ""):
            # A browser: generic XML makes it show the document instead of downloading the file.
            # People who follow the site's own links land on /subscribe/, an HTML page.
            content_type = "application/xml; charset=utf-8"
        response = HttpResponse(content_type=content_type)
        patch_vary_headers(response, ["Accept"])
        feed.write(response, "utf-8")
        return response

    # The feed.

    def title(self, scope):
        return scope.title

    def description(self, scope):
        return scope.description

    subtitle = description

    def link(self, scope):
        return scope.home_url

    def feed_url(self, scope):
        return scope.feed_url(self.format)

    def feed_guid(self, scope):
        return scope.feed_url(self.format)

    def feed_extra_kwargs(self, scope):
        return {"icon_url": scope.icon_url, "last_modified": scope.freshness.last_modified or EPOCH}

    # Its items.

    def items(self, scope):
        return scope.entries()

    def item_title(self, entry):
        # Plain text, escaped once by the XML writer: readers show `Q&A: Don't <panic>` as written
        # (escaping it here too made them show `Q&amp;A: Don&#x27;t`).
        return entry.title

    def item_description(self, entry):
        # The summary is plain text; escaped, no reader can take it for markup.
        return escape(entry.summary)

    def item_link(self, entry):
        return entry.url

    def item_guid(self, entry):
        return entry.id

    item_guid_is_permalink = False

    def item_pubdate(self, entry):
        return entry.published

    def item_updateddate(self, entry):
        return entry.updated

    def item_author_name(self, entry):
        return entry.author_name

    def item_author_link(self, entry):
        return entry.author_url

    def item_categories(self, entry):
        return entry.tags

    def item_extra_kwargs(self, entry):
        return {"content_html": entry.content_html, "image": entry.image}


class ArticlesAtomFeed(ArticlesFeed):
    """Atom 1.0 of the same articles."""

    feed_type = AtomFeedGenerator
    format = "atom"
