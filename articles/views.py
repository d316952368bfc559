"""The readers' pages. Each list paginates and runs a fixed number of SQL queries."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.db import connection
from django.db.models.functions import Substr, TruncMonth
from django.views.generic import DetailView, ListView, TemplateView, dates

from .models import Article, Redirect
from .visibility import public_authors, public_tags

RELATED_ARTICLES = 3
# How many of the newest articles sharing a tag compete for "related" (see related_articles).
RELATED_CANDIDATES = 300
MONTHS_PER_PAGE = 60
# The front page lists the newest articles this many pages deep; older ones are in the archive
# by month. Deeper pages would be OFFSET scans that grow with the page number.
FRONT_PAGE_MAX_PAGES = 100


class PublishedArticlesMixin:
    """Readers see only what `Article.objects.published()` allows."""

    def get_queryset(self):
        return Article.objects.published().select_related("author").newest_first()


class ArticlePageMixin(PublishedArticlesMixin):
    """A paginated list of published articles."""

    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE


class BoundedPaginator(Paginator):
    """Pages over at most `max_pages` pages of the list: the count stops there too, so neither it
    nor any page's OFFSET grows with the archive. `truncated` says there is more beyond."""

    def __init__(self, *args, max_pages: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = max_pages * self.per_page

    @cached_property
    def counted(self) -> int:
        return self.object_list[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.limit)

    @property
    def truncated(self) -> bool:
        return self.counted > self.limit


class ArticleListView(ArticlePageMixin, ListView):
    """The newest articles, `FRONT_PAGE_MAX_PAGES` pages deep; the last one leads to the archive
    month where it stops."""

    template_name = "articles/article_list.html"
    paginator_class = BoundedPaginator

    def get_paginator(self, queryset, per_page, **kwargs):
        return super().get_paginator(queryset, per_page, max_pages=FRONT_PAGE_MAX_PAGES, **kwargs)

    def get(self, request, *args, **kwargs):
        # WordPress's address for a post is the home page with ?p=ID: it is a page, not a 404, so
        # the redirect middleware never sees it; an imported post's ID answers 301 here.
        if "p" in request.GET and (article := Redirect.objects.target_for(f"/?p={request.GET['p']}")):
            return HttpResponsePermanentRedirect(article.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page, articles = context["page_obj"], context["articles"]
        if page and page.paginator.truncated and not page.has_next() and articles:
            # Continue in the archive: the month of the oldest article shown, as readers see dates.
            oldest = timezone.localtime(articles[len(articles) - 1].publish_date)
            context["older_url"] = archive_month_url(oldest.year, oldest.month)
        return context


@dataclass(frozen=True)
class Neighbour:
    """The previous or next article, as much as its link needs."""

    slug: str
    title: str

    def get_absolute_url(self):
        return reverse("article_detail", kwargs={"slug": self.slug})


def _neighbour_fields(older: bool) -> dict:
    """Correlated subqueries for the slug and title of the published article just older (or
    newer) than the outer one in reader order: each is one step along the reader-order index."""
    # The date bound stands alone (not only inside the OR) so the database walks the index from there.
    date = OuterRef("publish_date")
    if older:
        side = Q(publish_date__lte=date) & (Q(publish_date__lt=date) | Q(id__lt=OuterRef("id")))
        order = ("-publish_date", "-id")
    else:
        side = Q(publish_date__gte=date) & (Q(publish_date__gt=date) | Q(id__gt=OuterRef("id")))
        order = ("publish_date", "id")
    nearest = Article.objects.filter(side).published().order_by(*order)
    name = "previous" if older else "next"
    return {f"{name}_{field}": Subquery(nearest.values(field)[:1]) for field in ("slug", "title")}


class ArticleDetailView(PublishedArticlesMixin, DetailView):
    """Three queries: the article with its author and neighbours, its tags, related articles."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return (
            super().get_queryset().prefetch_related("tags").annotate(**_neighbour_fields(True), **_neighbour_fields(False))
        )

    def get_context_data(self, **kwargs):
        article = self.object
        neighbours = {
            name: Neighbour(slug, getattr(article, f"{name}_title"))
            for name in ("previous", "next")
            if (slug := getattr(article, f"{name}_slug")) is not None
        }
        return super().get_context_data(
            related_articles=related_articles(article, [tag.id for tag in article.tags.all()]),
            previous_article=neighbours.get("previous"),
            next_article=neighbours.get("next"),
            **kwargs,
        )


def related_articles(article: Article, tag_ids: list[int]) -> list[Article]:
    """Published articles sharing the most tags with `article`, newest first among equals.

    Bounded: only the newest `RELATED_CANDIDATES` published articles carrying any of the tags
    compete, so the query costs the same with 100 articles or 100,000 (without the bound it
    counted shared tags over every published article of the tag).
    """
    if not tag_ids:
        return []
    published = Article.objects.published()
    candidates = published.filter(tags__in=tag_ids).newest_first().values("pk")[:RELATED_CANDIDATES]
    related = (
        published.filter(pk__in=candidates, tags__in=tag_ids)
        .exclude(pk=article.pk)
        .select_related("author")
        .defer("body", "body_html")  # grouped by every selected column: the long ones are not needed
        .annotate(shared_tags=Count("tags"))
        .order_by("-shared_tags", "-publish_date", "-id")
    )
    return list(related[:RELATED_ARTICLES])


class AuthorDetailView(ArticlePageMixin, ListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self):
        self.author = get_object_or_404(public_authors(), slug=self.kwargs["slug"])
        return super().get_queryset().filter(author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class ReaderOrderPages:
    """A list in reader order, counted and paginated over ids alone, loaded whole one page at a time.

    For lists reached through the tag link table: the count and the page's ids come from
    indexes (link table, then `article_by_id_dates_idx` for visibility and dates), so the wide
    article rows are read only for the page shown, in one query: the page of ids is a subquery.
    """

    def __init__(self, ids):
        self.ids = ids.newest_first().values("pk")

    def count(self):
        return self.ids.count()

    def __getitem__(self, page):
        ids = self.ids[page]
        return list(Article.objects.filter(pk__in=ids).select_related("author").newest_first())


class TagDetailView(ArticlePageMixin, ListView):
    template_name = "articles/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(public_tags(), slug=self.kwargs["slug"])
        return ReaderOrderPages(Article.objects.published().filter(tags=self.tag))

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArchiveIndexView(dates.ArchiveIndexView):
    """The months that have published articles, newest first, with how many each has,
    `MONTHS_PER_PAGE` months a page: the months are this view's list, from one grouped query."""

    template_name = "articles/archive_index.html"
    date_field = "publish_date"
    context_object_name = "months"
    paginate_by = MONTHS_PER_PAGE
    allow_empty = True

    def get_queryset(self):
        return Article.objects.published()

    def get_dated_items(self):
        months = month_counts(self.get_dated_queryset())
        return months, months, {}


def month_counts(articles) -> list[dict]:
    """[{"month": first day, "count": n}] of the months holding `articles`, newest first, in
    the site's time zone (as readers see dates).

    One TruncMonth + Count query, except on SQLite, where TruncMonth is a Python function
    called per row (see bench/RESULTS.md): there the months are grouped in SQL as stored (UTC
    text), then the articles dated within 14 hours of a UTC month's end (the widest UTC offset),
    read in a second query, are moved to the month they fall in locally.
    """
    if connection.vendor != "sqlite":
        grouped = articles.annotate(month=TruncMonth("publish_date")).order_by().values("month").annotate(count=Count("pk"))
        counts = Counter({row["month"].date(): row["count"] for row in grouped})
    else:
        stored = articles.annotate(month=Substr("publish_date", 1, 7)).order_by().values("month").annotate(count=Count("pk"))
        counts = Counter({dt.date(int(row["month"][:4]), int(row["month"][5:]), 1): row["count"] for row in stored})
        zone = timezone.get_current_timezone()
        if timezone.get_current_timezone_name() != "UTC":
            day, hour = Substr("publish_date", 9, 2), Substr("publish_date", 12, 2)
            near_an_end = articles.annotate(day=day, hour=hour).filter(
                Q(day="01", hour__lt="14") | Q(day__gte="28", hour__gte="10")
            )
            for moment in near_an_end.order_by().values_list("publish_date", flat=True):
                local = timezone.localtime(moment, zone).date().replace(day=1)
                stored_month = moment.astimezone(dt.UTC).date().replace(day=1)
                if local != stored_month:
                    counts[stored_month] -= 1
                    counts[local] += 1
    return [{"month": month, "count": n} for month, n in sorted(counts.items(), reverse=True) if n > 0]


def archive_month_url(year: int, month: int) -> str:
    """The one address of a month's archive: /archive/2024/03/ (not /2024/3/ nor /2024/003/)."""
    return reverse("archive_month", kwargs={"year": f"{year:04d}", "month": f"{month:02d}"})


class MonthArchiveView(ArticlePageMixin, dates.MonthArchiveView):
    """A month with published articles; 404 for any other, so the archive is a finite set of pages."""

    template_name = "articles/archive_month.html"
    date_field = "publish_date"
    month_format = "%m"
    # An empty month is a 404 all the same (its first page does not exist: `get_paginator`), without
    # the generic view's extra queries for an empty month and its neighbours.
    allow_empty = True

    def get(self, request, *args, **kwargs):
        year, month = self.kwargs["year"], self.kwargs["month"]
        if not 1 <= month <= 12 or not dt.MINYEAR < year < dt.MAXYEAR:
            raise Http404("No such month.")
        canonical = archive_month_url(year, month)
        if request.path != canonical:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{canonical}?{query}" if query else canonical)
        return super().get(request, *args, **kwargs)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return super().get_paginator(queryset, per_page, orphans, allow_empty_first_page=False, **kwargs)

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        return None  # the page lists articles, not the days that have some


class SearchView(ArticlePageMixin, ListView):
    template_name = "articles/search.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        return super().get_queryset().search(self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


class SubscribeView(TemplateView):
    """What a feed is and the site's feed addresses: where the site's "Subscribe" links lead,
    rather than to raw XML (browsers are dropping the XSLT that once dressed feeds up)."""

    template_name = "articles/subscribe.html"


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"

