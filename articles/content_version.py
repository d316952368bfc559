"""The content version the page cache keys pages by, and the writes that move it.

Writing content is an event: this module listens to the model signals (and to the one the
article queryset sends for update()/bulk_create()), and moves only what readers can see:

- an article that is public neither before nor after the write (a draft, a scheduled one)
  moves nothing; only the next go-live moment is kept up to date;
- a public article (before or after) moves `token`: the lists, feeds, search and sitemaps;
  and `site_token` as well when what changed shows beyond its own page (title, summary,
  dates, visibility, author, hero, reading time, tags), since neighbours and related
  articles show it. Its own page is keyed by its `updated`, which every save moves;
- authors and tags with public articles, the publication settings, update()/bulk_create()
  of reader-visible fields, a deleted public article and a migration move both.

The move happens in the writer's transaction: no process sees the new content with the old
token. Connected by publication/apps.py, so every process (web worker, command) has it.
"""

import functools
import time
import uuid
from collections import namedtuple

from django.db import connections
from django.db.models import Subquery
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save
from django.utils import timezone

from .models import Article, Author, ContentVersion, PublicationSettings, Tag, bulk_written

# What an article shows beyond its own page: in cards, lists, neighbours and related articles.
SHOWN_ELSEWHERE = (
    "title", "subtitle", "description", "slug", "author_id", "publish_date", "draft",
    "hero_image", "hero_image_url", "read_time",
)
# Written by update() without changing what readers see (the admin's edit lock).
UNSEEN_FIELDS = {"version"}


class State(namedtuple("State", "token site_token settings_token next_publish page")):
    """`page`: an article page's own token ('' for other pages, None for no such article)."""

    @property
    def version(self) -> str:
        return f"{self.site_token}.{self.page}" if self.page else self.token


_SLUG = "\x00the article's slug\x00"  # its place in the compiled query


@functools.cache
def _state_query(for_article: bool):
    """The state's query, built by the ORM once per process: a cached page costs its SQL only
    (building it took longer than running it)."""
    rows = ContentVersion.objects.filter(pk=1)
    fields = ["token", "site_token", "settings_token", "next_publish"]
    if for_article:
        rows = rows.annotate(page=Subquery(Article.objects.filter(slug=_SLUG).values("updated")[:1]))
        fields.append("page")
    return rows.values_list(*fields).query.sql_with_params()


def read_state(article_slug: str | None = None) -> State:
    """The committed version, in one query (with the article's own token for its page).

    A scheduled moment that has passed is a content change: the first reader after it moves
    the tokens (once: the update is conditional on the token it read)."""
    sql, params = _state_query(article_slug is not None)
    with connections[ContentVersion.objects.db].cursor() as cursor:
        cursor.execute(sql, [article_slug if param == _SLUG else param for param in params])
        row = cursor.fetchone()
    if row is None or row[3] is None or 0 < row[3] <= time.time():
        bump(expected=row[0] if row else None)
        return read_state(article_slug)
    *tokens, page = row if article_slug is not None else (*row, "")
    # The article's own token: its `updated` as the database gives it back (None: no such article).
    return State(*tokens, page=page if page is None or page == "" else str(page).replace(" ", "T"))


def next_publish_moment(using=None) -> float:
    """When the next scheduled article goes public (a Unix time), 0 when none is scheduled."""
    moment = Article.objects.using(using).scheduled().order_by("publish_date").values_list("publish_date", flat=True).first()
    return moment.timestamp() if moment else 0.0


def bump(using=None, site=True, settings=False, expected=None):
    """New tokens (`site`: the site's too; `settings`: the settings record's too), with the next
    go-live moment. `expected`: only if the token is still that one (another process may have
    moved it already)."""
    values = {"token": uuid.uuid4().hex, "changed": timezone.now(), "next_publish": next_publish_moment(using)}
    if site:
        values["site_token"] = values["token"]
    if settings:
        values["settings_token"] = values["token"]
    rows = ContentVersion.objects.using(using).filter(pk=1)
    if expected is not None:
        rows = rows.filter(token=expected)
    if not rows.update(**values):
        ContentVersion.objects.using(using).get_or_create(pk=1, defaults=values)


def _refresh_next_publish(using):
    ContentVersion.objects.using(using).filter(pk=1).update(next_publish=next_publish_moment(using))


def _is_public(values: dict) -> bool:
    return bool(values) and not values["draft"] and values["publish_date"] <= timezone.now()


def _article_before(sender, instance, raw=False, using=None, **kwargs):
    before = Article.objects.using(using).filter(pk=instance.pk).values(*SHOWN_ELSEWHERE).first() if instance.pk else None
    instance._shown_before = before or {}


def _article_saved(sender, instance, using=None, **kwargs):
    before = instance.__dict__.pop("_shown_before", {})
    # As stored: the instance may still hold what it was given (a date as text).
    after = Article.objects.using(using).filter(pk=instance.pk).values(*SHOWN_ELSEWHERE).first()
    if _is_public(before) or _is_public(after):
        bump(using, site=before != after)
    elif (before.get("draft"), before.get("publish_date")) != (after["draft"], after["publish_date"]):
        _refresh_next_publish(using)


def _article_deleted(sender, instance, using=None, **kwargs):
    if instance.is_public:
        bump(using)
    else:
        _refresh_next_publish(using)


def _tags_changed(sender, instance, action, using=None, **kwargs):
    if action.startswith("post_") and (not isinstance(instance, Article) or instance.is_public):
        bump(using)


def _shown_if_published(sender, instance, using=None, **kwargs):
    published = Article.objects.using(using).published()
    scope = {"author": instance} if sender is Author else {"tags": instance}
    if published.filter(**scope).exists():
        bump(using)


def _bulk_written(sender, using=None, fields=None, **kwargs):
    if fields is None or set(fields) - UNSEEN_FIELDS:
        bump(using)


def _always(sender, using=None, **kwargs):
    bump(using, settings=sender is PublicationSettings)


def connect():
    pre_save.connect(_article_before, sender=Article, dispatch_uid="page-cache-article-before")
    post_save.connect(_article_saved, sender=Article, dispatch_uid="page-cache-article")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="page-cache-article-delete")
    m2m_changed.connect(_tags_changed, sender=Article.tags.through, dispatch_uid="page-cache-tags")
    for model in (Author, Tag):
        post_save.connect(_shown_if_published, sender=model, dispatch_uid=f"page-cache-{model.__name__}")
    post_delete.connect(_always, sender=Tag, dispatch_uid="page-cache-tag-delete")
    post_save.connect(_always, sender=PublicationSettings, dispatch_uid="page-cache-settings")
    bulk_written.connect(_bulk_written, sender=Article, dispatch_uid="page-cache-bulk")
    # A deploy runs migrate: pages cached by the previous release (templates) go stale.
    post_migrate.connect(lambda using=None, **kwargs: bump(using), weak=False, dispatch_uid="page-cache-migrate")
