"""sitemap.xml through Django's sitemaps framework: published articles, authors and tags.

A section holds at most `PAGE_SIZE` URLs per page (the protocol allows 50,000, but a page
that size takes seconds to build; 1,000 take ~15 ms with 100,000 articles). While every section fits in one page /sitemap.xml is one
sitemap; past that it is a sitemap index pointing at the numbered pages of each section.

Measured with 100,000 articles (bench/scale.py): each section reads only what it prints
(`values()`, index walks for lastmod, never every article of an author or tag), and the
urlset is written by `urlset_xml`, not a template: Django's template spent ~70 µs per URL.
"""

from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Exists, Func, OuterRef, Subquery, Value
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from .models import Article
from .visibility import public_authors, public_tags

PAGE_SIZE = 1000
# What reverse() leaves unquoted in a path (django.urls.resolvers).
PATH_SAFE = "!$&'()*+,;=/~:@"


def _newest(queryset, field):
    """The newest `field` in `queryset`: one step down an index in that order."""
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def _lastmod(row) -> object:
    """A page is new to readers when its newest article went live or was last edited."""
    stamps = [stamp for stamp in (row["edited"], row["went_live"]) if stamp is not None]
    return max(stamps, default=None)


def _path_maker(url_name: str):
    """`slug -> path` for a URL pattern with one slug: reverse() once, not once per URL (a third
    of a big page's time). The slug is quoted the way reverse() quotes it."""
    marker = "sitemap-slug-marker"
    head, tail = reverse(url_name, kwargs={"slug": marker}).split(marker)
    return lambda slug: f"{head}{quote(slug, safe=PATH_SAFE)}{tail}"


class Section(Sitemap):
    limit = PAGE_SIZE
    known_count = None  # set when the number of items is already known (no count query)
    preloaded = None  # set when the items were read along with another section's (one query)
    url_name = None

    def items(self):
        return self.preloaded if self.preloaded is not None else self.rows()

    @cached_property
    def paginator(self):
        # Django builds (and counts) a new paginator on every use; once per request is enough.
        paginator = Paginator(self._items(), self.limit)
        if self.known_count is not None:
            paginator.count = self.known_count
        return paginator

    @cached_property
    def _path(self):
        return _path_maker(self.url_name)

    def location(self, row):
        return self._path(row["slug"])

    def lastmod(self, row):
        return _lastmod(row)


class ArticleSitemap(Section):
    changefreq = "monthly"
    url_name = "article_detail"

    def rows(self):
        return Article.objects.published().newest_first().values("slug", "updated", "publish_date")

    def lastmod(self, row):
        # A scheduled article is new to readers when it goes live, whenever it was last saved.
        return max(row["updated"], row["publish_date"])


class AuthorSitemap(Section):
    changefreq = "weekly"
    url_name = "author_detail"

    @staticmethod
    def rows():
        return _with_newest(public_authors(), Article.objects.published().filter(author=OuterRef("pk")))


class TagSitemap(Section):
    changefreq = "weekly"
    url_name = "tag_detail"

    @staticmethod
    def rows():
        # Exists on the link table, not a join: the database walks the articles in date order and
        # stops at the first one carrying the tag, instead of reading every article of the tag.
        link = Article.tags.through.objects.filter(article=OuterRef("pk"), tag=OuterRef(OuterRef("pk")))
        return _with_newest(public_tags(), Article.objects.published().filter(Exists(link)))


def _with_newest(pages, published):
    """Author or tag pages by slug, each with its published articles' newest edit and go-live."""
    return (
        pages.annotate(edited=_newest(published, "updated"), went_live=_newest(published, "publish_date"))
        .order_by("slug")
        .values("slug", "edited", "went_live")
    )


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
    return {**row, "lastmod": _lastmod(row)}


def sitemap(request):
    """One sitemap while every section fits in one page; a sitemap index beyond that."""
    known = summary()
    sections = {name: cls() for name, cls in SITEMAPS.items()}
    counts = {"articles": known["article_count"], "authors": known["author_count"], "tags": known["tag_count"]}
    for name, count in counts.items():
        sections[name].known_count = count
    if any(count > sections[name].limit for name, count in counts.items()):
        return sitemap_index(request, sections, known["lastmod"])
    # Authors and tags in one query (a union): with the counts and the articles, three in all.
    people = AuthorSitemap.rows().annotate(kind=Value("authors")).order_by()
    topics = TagSitemap.rows().annotate(kind=Value("tags")).order_by()
    rows = list(people.union(topics, all=True).order_by("kind", "slug"))
    for name in ("authors", "tags"):
        sections[name].preloaded = [row for row in rows if row["kind"] == name]
    return urlset_response(request, sections.values())


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
    stamp = f"<lastmod>{timezone.localtime(lastmod).isoformat(timespec='seconds')}</lastmod>" if lastmod else ""
    xml = "".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
            *(f"<sitemap><loc>{xml_escape(url)}</loc>{stamp}</sitemap>\n" for url in pages),
            "</sitemapindex>\n",
        ]
    )
    return HttpResponse(xml, content_type="application/xml")


def sitemap_section(request, section):
    if section not in SITEMAPS:
        raise Http404(f"No sitemap available for section: {section!r}")
    return urlset_response(request, [SITEMAPS[section]()], request.GET.get("p", 1))


def urlset_xml(urls) -> str:
    """A sitemap <urlset> of (location, lastmod, changefreq) triples, as Django's sitemap.xml
    template writes it, minus the per-URL template cost."""
    zone = timezone.get_current_timezone()
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for location, lastmod, changefreq in urls:
        parts.append(f"<url><loc>{xml_escape(location)}</loc>")
        if lastmod is not None:
            parts.append(f"<lastmod>{lastmod.astimezone(zone).date().isoformat()}</lastmod>")
        if changefreq:
            parts.append(f"<changefreq>{changefreq}</changefreq>")
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    return "".join(parts)


def urlset_response(request, sections, page=1) -> HttpResponse:
    """Page `page` of each section as one urlset; 404 for a page that does not exist.

    No Last-Modified of its own (unlike Django's view, which takes the newest lastmod): a
    deletion does not move that date, so a revalidating crawler would keep a removed URL. The
    page cache dates the response when it renders it, after any change."""
    origin = f"{request.scheme}://{request.get_host()}"
    urls = []
    for section in sections:
        try:
            items = section.paginator.page(page).object_list
        except PageNotAnInteger:
            raise Http404(f"No page {page!r}") from None
        except EmptyPage:
            raise Http404(f"Page {page} empty") from None
        lastmod = getattr(section, "lastmod", None)
        for item in items:
            urls.append((origin + section.location(item), lastmod(item) if lastmod else None, section.changefreq))
    response = HttpResponse(urlset_xml(urls), content_type="application/xml")
    # Django's sitemap view says the same: the sitemap itself is not a page to show in results.
    response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response
