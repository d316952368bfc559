"""sitemap.xml through Django's sitemaps framework: published articles, authors and tags.

A section holds at most `PAGE_SIZE` URLs per page (5,000: the protocol allows 50,000, but a
page that size takes seconds to render). While every section fits in one page /sitemap.xml
is one sitemap; past that it is a sitemap index pointing at the numbered pages of each section.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Func, Max, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property

from .models import Article, Author, Tag
from .visibility import public_authors, public_tags

PAGE_SIZE = 5000


class Section(Sitemap):
    limit = PAGE_SIZE
    known_count = None  # set when the number of items is already known (no count query)

    @cached_property
    def paginator(self):
        # Django builds (and counts) a new paginator on every use; once per request is enough.
        paginator = Paginator(self._items(), self.limit)
        if self.known_count is not None:
            paginator.count = self.known_count
        return paginator


class ArticleSitemap(Section):
    changefreq = "monthly"

    def items(self):
        return Article.objects.published().only("slug", "updated", "publish_date").newest_first()

    def lastmod(self, article):
        # A scheduled article is new to readers when it goes live, whenever it was last saved.
        return max(article.updated, article.publish_date)


class AuthorSitemap(Section):
    changefreq = "weekly"

    def items(self):
        return (
            Author.objects.filter(articles__in=Article.objects.published())
            .annotate(last_published=Max("articles__updated"))
            .order_by("slug")
        )

    def lastmod(self, author):
        return author.last_published


class TagSitemap(Section):
    changefreq = "weekly"

    def items(self):
        return (
            Tag.objects.filter(articles__in=Article.objects.published())
            .annotate(last_published=Max("articles__updated"))
            .order_by("slug")
        )

    def location(self, tag):
        return reverse("tag_detail", kwargs={"slug": tag.slug})

    def lastmod(self, tag):
        return tag.last_published


class HomeSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["article_list", "archive_index"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"home": HomeSitemap, "articles": ArticleSitemap, "authors": AuthorSitemap, "tags": TagSitemap}


def _count(queryset):
    return Subquery(queryset.order_by().values(n=Func("pk", function="COUNT")))


def _latest(queryset, field):
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def summary() -> dict:
    """How many articles, authors and tags are public, and when any of them last changed: one
    query of counts and index lookups. Drafts count for the change: unpublishing one is a change."""
    published = Article.objects.published()
    row = (
        Article.objects.order_by()
        .values(
            article_count=_count(published),
            author_count=_count(public_authors()),
            tag_count=_count(public_tags()),
            edited=_latest(Article.objects.all(), "updated"),
            went_live=_latest(published, "publish_date"),
        )
        .first()
    )
    if row is None:  # no articles at all
        return {"article_count": 0, "author_count": 0, "tag_count": 0, "lastmod": None}
    stamps = [stamp for stamp in (row["edited"], row["went_live"]) if stamp is not None]
    return {**row, "lastmod": max(stamps, default=None)}


def sitemap(request):
    """One sitemap while every section fits in one page; a sitemap index beyond that."""
    known = summary()
    sections = {name: cls() for name, cls in SITEMAPS.items()}
    for name, kind in (("articles", "article"), ("authors", "author"), ("tags", "tag")):
        sections[name].known_count = known[f"{kind}_count"]
    if all(section.paginator.num_pages <= 1 for section in sections.values()):
        return sitemap_views.sitemap(request, sitemaps=sections)
    return sitemap_index(request, sections, known["lastmod"])


def sitemap_index(request, sections, lastmod):
    """Every page of every section, each with the site's latest change as its lastmod.

    (Django's own index view reads every item of a section to find its latest lastmod.) Articles
    are listed newest first, so a new article moves every page's contents: the site's latest
    change is each page's own.
    """
    pages = []
    for name, section in sections.items():
        url = request.build_absolute_uri(reverse("sitemap_section", kwargs={"section": name}))
        pages.append(url)
        pages += [f"{url}?p={page}" for page in range(2, section.paginator.num_pages + 1)]
    entries = [sitemap_views.SitemapIndexItem(url, lastmod) for url in pages]
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


def sitemap_section(request, section):
    return sitemap_views.sitemap(request, sitemaps=SITEMAPS, section=section)
