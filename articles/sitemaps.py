"""sitemap.xml through Django's sitemaps framework: published articles, authors and tags.

While every section fits in one page of `PAGE_SIZE` URLs, /sitemap.xml is one urlset; past
that it is Django's sitemap index of the sections' numbered pages. The protocol allows 50,000
URLs a page; Django's template takes about 70 µs a URL, so pages are kept small.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Exists, Func, OuterRef, Subquery, Value
from django.http import Http404
from django.urls import reverse

from .addresses import origin_parts
from .models import Article
from .visibility import public_authors, public_tags

PAGE_SIZE = 500


def _newest(queryset, field):
    """The newest `field` in `queryset`: one step down an index in that order."""
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def _count(queryset):
    return Subquery(queryset.order_by().values(n=Func("pk", function="COUNT")))


def _lastmod(edited, went_live):
    """A page is new to readers when its newest article went live or was last edited."""
    return max((stamp for stamp in (edited, went_live) if stamp is not None), default=None)


class Section(Sitemap):
    """A sitemap section whose URLs follow the site's public origin (articles/addresses.py)."""

    limit = PAGE_SIZE
    # Set by `sitemap()` from one query for every section: the count (so the paginator runs no
    # count query), the items already read, the site's latest change (the index's lastmod).
    known_count = preloaded = latest = None

    def get_urls(self, page=1, site=None, protocol=None):
        protocol, domain = origin_parts(protocol or "https", site.domain)
        return super().get_urls(page, site=_Domain(domain), protocol=protocol)

    def items(self):
        return self.preloaded if self.preloaded is not None else self.rows()

    def rows(self):
        return []

    @property
    def paginator(self):
        paginator = super().paginator
        if self.known_count is not None:
            paginator.count = self.known_count
        return paginator

    def get_latest_lastmod(self):
        return self.latest


class _Domain:
    def __init__(self, domain):
        self.domain = domain


class ArticleSitemap(Section):
    changefreq = "monthly"

    def rows(self):
        return Article.objects.published().newest_first().only("slug", "updated", "publish_date")

    def lastmod(self, article):
        # A scheduled article is new to readers when it goes live, whenever it was last saved.
        return max(article.updated, article.publish_date)


class _PageSitemap(Section):
    """Author or tag pages by slug, each with its published articles' newest edit and go-live."""

    changefreq = "weekly"
    url_name = None

    def location(self, row):
        return reverse(self.url_name, kwargs={"slug": row["slug"]})

    def lastmod(self, row):
        return _lastmod(row["edited"], row["went_live"])

    @classmethod
    def rows(cls):
        published = cls.published_of_outer()
        return (
            cls.pages()
            .annotate(edited=_newest(published, "updated"), went_live=_newest(published, "publish_date"))
            .order_by("slug")
            .values("slug", "edited", "went_live")
        )


class AuthorSitemap(_PageSitemap):
    url_name = "author_detail"
    pages = staticmethod(public_authors)

    @staticmethod
    def published_of_outer():
        return Article.objects.published().filter(author=OuterRef("pk"))


class TagSitemap(_PageSitemap):
    url_name = "tag_detail"
    pages = staticmethod(public_tags)

    @staticmethod
    def published_of_outer():
        # EXISTS on the link table, not a join: the database walks the articles in date order and
        # stops at the first one carrying the tag, instead of reading every article of the tag.
        link = Article.tags.through.objects.filter(article=OuterRef("pk"), tag=OuterRef(OuterRef("pk")))
        return Article.objects.published().filter(Exists(link))


class HomeSitemap(Section):
    changefreq = "daily"

    def items(self):
        return ["article_list", "archive_index"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"home": HomeSitemap, "articles": ArticleSitemap, "authors": AuthorSitemap, "tags": TagSitemap}


def summary() -> dict:
    """How many articles, authors and tags are public, and when any of them last changed: one
    query of counts and index lookups. Drafts count for the change: unpublishing one is a change."""
    published = Article.objects.published()
    row = (
        Article.objects.order_by()
        .values(
            articles_count=_count(published),
            authors_count=_count(public_authors()),
            tags_count=_count(public_tags()),
            edited=_newest(Article.objects.all(), "updated"),
            went_live=_newest(published, "publish_date"),
        )
        .first()
    )
    return row or {"edited": None, "went_live": None}


def _without_last_modified(response):
    # A deletion moves no article's date: a crawler revalidating with If-Modified-Since would
    # keep a removed URL. The page cache dates the response when it renders it, after any change.
    response.headers.pop("Last-Modified", None)
    return response


def sitemap(request):
    """One urlset while every section fits in one page (three queries); a sitemap index beyond."""
    known = summary()
    sections = {name: cls() for name, cls in SITEMAPS.items()}
    for name, section in sections.items():
        section.known_count = known.get(f"{name}_count")
        section.latest = _lastmod(known["edited"], known["went_live"])
    if any(section.known_count and section.known_count > section.limit for section in sections.values()):
        return _without_last_modified(
            sitemap_views.index(request, sections, sitemap_url_name="sitemap_section")
        )
    # Authors and tags in one query (a union).
    people = AuthorSitemap.rows().annotate(kind=Value("authors")).order_by()
    topics = TagSitemap.rows().annotate(kind=Value("tags")).order_by()
    rows = list(people.union(topics, all=True).order_by("kind", "slug"))
    for name in ("authors", "tags"):
        sections[name].preloaded = [row for row in rows if row["kind"] == name]
    return _without_last_modified(sitemap_views.sitemap(request, sections))


def sitemap_section(request, section):
    """One page (`?p=`) of one section; 404 for an unknown section or page."""
    if section not in SITEMAPS:
        raise Http404(f"No sitemap section {section!r}.")
    return _without_last_modified(sitemap_views.sitemap(request, {section: SITEMAPS[section]()}, section=section))
