"""The archive's months: how many articles each calendar month holds, kept on write.

/archive/ lists the months that have published articles, newest first, with their counts.
Counting them from the articles on every page read each month's index entries (~1,600 a month
at 100,000 articles: 176 ms a page). Here a small table holds, per month in the site's time
zone, the number of *non-draft* articles dated in it, and every write keeps it exact:

- months entirely in the past: every non-draft article in them is public, so the stored count is
  the published count;
- the current month may still hold scheduled articles: its published count is its stored count
  less its articles not public yet, counted live (`Article.objects.scheduled()`: the non-drafts
  that `published()` leaves out, an index range from now to the month's end). A scheduled article
  appears at its moment with no job to run, and the cost is what remains scheduled this month,
  not how many articles the month holds (an import without dates puts them all in it);
- future months are never listed.
This rests on the visibility rule being "not a draft and dated up to now": were
`ArticleQuerySet.published()` to gain a condition, these counts would have to follow it.

How each write keeps the table exact (each subtracts what the rows were and adds what they became,
in the writer's transaction, with the rows' old values read under a row lock):
- `Article.save()` (the admin, its bulk actions, `create()`) and `loaddata`'s raw saves: the
  pre_save / post_save signals below;
- deletes, one article or a queryset: post_delete;
- `ArticleQuerySet.update()` (so `bulk_update()` and the importer's updates too) and
  `bulk_create()` (the importer's new articles): `counting_update()` / `count_created()`, called
  from articles/models.py.
Raw SQL written outside Django is not seen: `manage.py rebuild_archive` counts everything again.

Time zone: months are as readers see dates, in `TIME_ZONE`. The table records the zone it was
counted in; when it differs from the setting (or the record is missing, e.g. after `flush`), the
next archive page or write counts every month again (one grouped query) before going on. (While
a TIME_ZONE change rolls out, processes with the old and the new zone each recount on their
next archive page or write: it settles once all run with the new one.)
"""

import datetime as dt
from collections import Counter
from contextlib import contextmanager

from django.apps import apps as django_apps
from django.db import connections, models, transaction
from django.db.models import Count, F, Func, Subquery
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

# The article fields a month count depends on.
COUNTED_FIELDS = {"draft", "publish_date"}
# Rows read per query when finding where updated articles now stand.
CHUNK = 500


class ArchiveMonth(models.Model):
    """One calendar month of the site's time zone and how many non-draft articles are dated in it."""

    month = models.DateField(primary_key=True, help_text="The first day of the month.")
    articles = models.IntegerField(default=0)

    class Meta:
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m}: {self.articles}"


class ArchiveZone(models.Model):
    """One row: the time zone the months were counted in."""

    name = models.CharField(max_length=100)


# ---- months -------------------------------------------------------------------------------


def month_of(moment: dt.datetime) -> dt.date:
    """The month `moment` falls in, as readers see dates (the site's time zone)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def month_start(month: dt.date, later: int = 0) -> dt.datetime:
    """The first moment of `month` (plus `later` months) in the site's time zone."""
    index = month.year * 12 + month.month - 1 + later
    return timezone.make_aware(dt.datetime(index // 12, index % 12 + 1, 1), timezone.get_default_timezone())


def in_month(month: dt.date) -> dict:
    """A filter on `publish_date` for `month`: a range of the date indexes."""
    return {"publish_date__gte": month_start(month), "publish_date__lt": month_start(month, 1)}


# ---- reading ------------------------------------------------------------------------------


class ArchiveMonths:
    """The months with published articles, newest first, as a sequence for the paginator.

    Two queries per page: the count (the stored zone, the current month's stored and scheduled
    counts, the number of earlier months with articles: one statement, so one snapshot), then the
    page's earlier months.
    """

    def __init__(self):
        from .models import Article

        self.current = month_of(timezone.now())
        self.this_month = ArchiveMonth.objects.filter(month=self.current).values("articles")
        self.not_yet_public = Article.objects.scheduled().filter(publish_date__lt=month_start(self.current, 1))
        self.stored = ArchiveMonth.objects.filter(month__lt=self.current, articles__gt=0)
        self.current_count = 0

    def count(self) -> int:
        def counted(queryset):
            count = Func("pk", function="COUNT", output_field=models.IntegerField())
            return Subquery(queryset.order_by().values(n=count))

        state = ArchiveZone.objects.filter(pk=1).values(
            "name",
            this_month=Subquery(self.this_month),
            not_yet_public=counted(self.not_yet_public),
            earlier=counted(self.stored),
        )
        row = state.first()
        if row is None or row["name"] != timezone.get_default_timezone_name():
            rebuild_if_stale()
            row = state.first()
        self.current_count = (row["this_month"] or 0) - row["not_yet_public"]
        return row["earlier"] + (1 if self.current_count > 0 else 0)

    def __getitem__(self, window: slice) -> list[dict]:
        first = [{"month": self.current, "count": self.current_count}] if self.current_count > 0 else []
        start, stop = window.start or 0, window.stop
        skip = len(first)  # the stored months come after the current one
        rows = self.stored.order_by("-month").values_list("month", "articles")
        rows = rows[max(0, start - skip) : None if stop is None else max(0, stop - skip)]
        months = first[start:stop] + [{"month": month, "count": count} for month, count in rows]
        return months


# ---- keeping the counts -------------------------------------------------------------------


def _row(article) -> tuple:
    """(draft, publish_date) of an article in memory, as the database holds them: an instance
    may carry a string or a naive date, which Django converts when it writes the row."""
    draft = article._meta.get_field("draft").to_python(article.draft)
    date = article._meta.get_field("publish_date").to_python(article.publish_date)
    if date is not None and timezone.is_naive(date):
        date = timezone.make_aware(date, timezone.get_default_timezone())  # as Django stores it
    return draft, date


def _months(rows) -> Counter:
    """How many non-draft articles each month holds among `rows` of (draft, publish_date)."""
    return Counter(month_of(date) for draft, date in rows if not draft and date is not None)


def _apply(change: Counter, using: str):
    """Add `change` (month -> articles gained or lost) to the stored counts."""
    change = {month: n for month, n in change.items() if n}
    if not change:
        return
    if rebuild_if_stale(using):
        return  # counted again from the articles, this write included
    months = ArchiveMonth.objects.using(using)
    new = [ArchiveMonth(month=month) for month, n in change.items() if n > 0]
    months.bulk_create(new, ignore_conflicts=True)  # a month's first article
    for month, n in sorted(change.items()):
        # An increment, not a value read and written back: concurrent writers add up.
        months.filter(month=month).update(articles=F("articles") + n)


def _locked(queryset):
    """`queryset` locking its rows until the transaction ends (PostgreSQL; SQLite writes one at a time)."""
    connection = connections[queryset.db]
    if connection.in_atomic_block and not queryset.query.distinct:
        return queryset.select_for_update(of=("self",))
    return queryset


def _stored(sender, instance, raw, using, update_fields, **kwargs):
    """pre_save: what the article's row holds before this save."""
    if update_fields is not None and not COUNTED_FIELDS & set(update_fields):
        instance._archive_before = None
        return
    before = []
    if instance.pk is not None:
        row = sender._base_manager.using(using).filter(pk=instance.pk).order_by()
        before = list(_locked(row).values_list("draft", "publish_date"))
    instance._archive_before = before


def _saved(sender, instance, raw, using, update_fields, **kwargs):
    before = getattr(instance, "_archive_before", None)
    if before is None:
        return
    del instance._archive_before
    change = _months([_row(instance)])
    change.subtract(_months(before))
    _apply(change, using)


def _deleted(sender, instance, using, **kwargs):
    gone = _months([_row(instance)])
    _apply(Counter({month: -n for month, n in gone.items()}), using)


def connect(article_model):
    pre_save.connect(_stored, sender=article_model, dispatch_uid="masthead-archive-pre-save")
    post_save.connect(_saved, sender=article_model, dispatch_uid="masthead-archive-save")
    post_delete.connect(_deleted, sender=article_model, dispatch_uid="masthead-archive-delete")


@contextmanager
def counting_update(queryset, fields):
    """Around `queryset.update(**fields)`: the months of the rows before and after."""
    if not COUNTED_FIELDS & set(fields) or queryset.query.is_sliced:  # (update() refuses a slice)
        yield
        return
    with transaction.atomic(using=queryset.db, savepoint=False):
        rows = list(_locked(queryset.order_by()).values_list("pk", "draft", "publish_date"))
        yield
        model, pks = queryset.model, [pk for pk, _, _ in rows]
        after = []
        for start in range(0, len(pks), CHUNK):
            chunk = model._base_manager.using(queryset.db).filter(pk__in=pks[start : start + CHUNK]).order_by()
            after += chunk.values_list("draft", "publish_date")
        change = _months(after)
        change.subtract(_months((draft, date) for _, draft, date in rows))
        _apply(change, queryset.db)


def count_created(objs, using: str, **options):
    """After `bulk_create(objs)`: the new articles' months. With `ignore_conflicts` or
    `update_conflicts` some rows may not be new: every month is counted again instead."""
    if options.get("ignore_conflicts") or options.get("update_conflicts"):
        rebuild(using)
        return
    _apply(_months(_row(article) for article in objs), using)


# ---- counting from scratch ----------------------------------------------------------------


def rebuild(using: str = "default", apps=django_apps) -> tuple[int, int]:
    """Count every month again from the articles, in the site's time zone (one grouped query).

    Returns (months, articles). `apps` is the migration's app registry when run by the migration.
    """
    articles = apps.get_model("articles", "Article")._base_manager.using(using)
    months = apps.get_model("articles", "ArchiveMonth")._base_manager.using(using)
    zones = apps.get_model("articles", "ArchiveZone")._base_manager.using(using)
    zone, name = timezone.get_default_timezone(), timezone.get_default_timezone_name()
    with transaction.atomic(using=using):
        zones.bulk_create([zones.model(pk=1, name="")], ignore_conflicts=True)
        _locked(zones.filter(pk=1)).first()  # one rebuild at a time
        counts = (
            articles.filter(draft=False)
            .annotate(month=TruncMonth("publish_date", tzinfo=zone))
            .order_by()
            .values("month")
            .annotate(n=Count("pk"))
            .values_list("month", "n")
        )
        rows = [months.model(month=month.date(), articles=n) for month, n in counts]
        with connections[using].cursor() as cursor:
            # Plain SQL: a queryset delete would send a signal (and bump the page cache) per row.
            cursor.execute(f"DELETE FROM {months.model._meta.db_table}")
        months.bulk_create(rows)
        zones.filter(pk=1).update(name=name)
    return len(rows), sum(row.articles for row in rows)


def rebuild_if_stale(using: str = "default") -> bool:
    """Count every month again if they were counted in another time zone (or never). True if so."""
    zone = timezone.get_default_timezone_name()
    if ArchiveZone.objects.using(using).filter(pk=1, name=zone).exists():
        return False
    with transaction.atomic(using=using):
        _locked(ArchiveZone.objects.using(using).filter(pk=1)).first()
        # Another process may have counted them while this one waited for the lock.
        if ArchiveZone.objects.using(using).filter(pk=1, name=zone).exists():
            return False
        rebuild(using)
        from .cache import content_changed

        content_changed(using)  # pages cached with the old months
    return True
