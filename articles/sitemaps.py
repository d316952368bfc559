"""sitemap.xml through Django's sitemaps framework: published articles, authors and tags.

Past `Sitemap.limit` URLs (50,000, the protocol's maximum) in any section, /sitemap.xml
becomes a sitemap index pointing at numbered pages of each section.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.urls import reverse

from .models import Article, Author, Tag


class ArticleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Article.objects.published().only("slug", "updated").order_by("-publish_date", "-id")

    def lastmod(self, article):
        return article.updated


class AuthorSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return (
            Author.objects.filter(articles__in=Article.objects.published())
            .annotate(last_published=Max("articles__updated"))
            .order_by("slug")
        )

    def lastmod(self, author):
        return author.last_published


class TagSitemap(Sitemap):
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


def sitemap(request):
    """One sitemap while every section fits in one page; a sitemap index beyond that."""
    sections = {name: cls() for name, cls in SITEMAPS.items()}
    if all(section.paginator.num_pages <= 1 for section in sections.values()):
        return sitemap_views.sitemap(request, sitemaps=sections)
    return sitemap_views.index(request, sitemaps=sections, sitemap_url_name="sitemap_section")


def sitemap_section(request, section):
    return sitemap_views.sitemap(request, sitemaps=SITEMAPS, section=section)
