"""Publish events from article writes: what became public, when, and what stopped being public.

An article is public from its publish date on, unless it is a draft (`Article.objects.published()`).
Every save compares the row's public moment before and after:

- it gains a public moment (published now, or scheduled): one `article.published` event is
  enqueued with `run_after` at that moment;
- the moment changes before it is reached: that event is cancelled and one for the new moment
  enqueued (rescheduling);
- it stops being public (back to draft, moved into the future, deleted): any pending
  `article.published` event is cancelled and an `article.unpublished` event goes out now;
- a public article is saved and stays public: an `article.updated` event goes out now.

Event keys are unique per article, kind and moment, so repeated saves, a double click, or the
same schedule set twice make one event; when it fires, `tasks.fire_event` checks the article is
still public at exactly that moment.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from ..models import bulk_written
from .models import Job, PublishEvent


def article_url(article) -> str:
    """The article's address: absolute with SITE_URL, else the path (a worker has no request)."""
    return settings.SITE_URL.rstrip("/") + article.get_absolute_url()


def _date(article, name: str):
    """A date of `article` as an aware datetime: one given as text (fixtures, a shell) is saved
    as a datetime but stays text on the instance."""
    value = article._meta.get_field(name).to_python(getattr(article, name))
    return timezone.make_aware(value) if value is not None and timezone.is_naive(value) else value


def article_payload(article) -> dict:
    """What webhooks receive about an article."""
    return {
        "id": article.pk,
        "uuid": str(article.uuid),
        "url": article_url(article),
        "title": article.title,
        "publish_date": _date(article, "publish_date").isoformat(),
        "updated": _date(article, "updated").isoformat(),
        "created": _date(article, "created_date").isoformat(),
    }


def _enqueue(event: PublishEvent, using) -> None:
    from .tasks import fire_event

    run_after = max(event.due_at, timezone.now())
    result = fire_event.using(run_after=run_after).enqueue(event.pk)
    PublishEvent.objects.using(using).filter(pk=event.pk).update(task_id=str(result.id))


def _drop_task(task_ids, using) -> None:
    """Remove cancelled events' waiting tasks from the queue (they would find nothing to do)."""
    from django_tasks_db.models import DBTaskResult

    ids = [task_id for task_id in task_ids if task_id]
    if ids:
        DBTaskResult.objects.using(using).filter(id__in=ids, status="READY").delete()


def cancel_published(article_uuid, using, keep_moment=None) -> int:
    """Cancel the article's pending `article.published` events (all, or all but one moment)."""
    pending = PublishEvent.objects.using(using).filter(
        article_uuid=article_uuid, kind=PublishEvent.PUBLISHED, status=Job.PENDING
    )
    if keep_moment is not None:
        pending = pending.exclude(due_at=keep_moment)
    task_ids = list(pending.values_list("task_id", flat=True))
    cancelled = pending.update(status=Job.CANCELLED, last_error="cancelled: the article's public moment changed")
    _drop_task(task_ids, using)
    return cancelled


def schedule_published(article, moment, using) -> PublishEvent:
    """The one `article.published` event of `article` at `moment`, enqueued for that moment."""
    key = f"{PublishEvent.PUBLISHED}:{article.uuid}:{moment.isoformat()}"
    values = {"kind": PublishEvent.PUBLISHED, "article": article, "article_uuid": article.uuid, "due_at": moment}
    try:
        with transaction.atomic(using=using):
            event, created = PublishEvent.objects.using(using).get_or_create(key=key, defaults=values)
    except IntegrityError:  # made at the same moment by another writer
        return PublishEvent.objects.using(using).get(key=key)
    if not created:
        # Fired already: the same article and moment never fire twice. Cancelled (unpublished,
        # then put back at the same moment): it is due again.
        revived = PublishEvent.objects.using(using).filter(pk=event.pk, status=Job.CANCELLED).update(
            status=Job.PENDING, last_error="", claimed_until=None, claim_token=""
        )
        if not revived:
            return event
    _enqueue(event, using)
    return event


def announce(kind: str, article, using, deleted=False) -> PublishEvent:
    """An immediate event (`article.updated`, `article.unpublished`), once per article change."""
    payload = article_payload(article)
    key = f"{kind}:{article.uuid}:{payload['updated']}:{article.version}" + (":deleted" if deleted else "")
    event, created = PublishEvent.objects.using(using).get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "article": None if deleted else article,
            "article_uuid": article.uuid,
            "payload": payload,
        },
    )
    if created:
        _enqueue(event, using)
    return event


def _moment(draft, publish_date):
    return None if draft else publish_date


def _stored(sender, instance, raw, using, **kwargs):
    """pre_save: the public moment the row has before this save."""
    instance._websub_before = None
    if raw or instance.pk is None:
        return
    row = sender._base_manager.using(using).filter(pk=instance.pk).values_list("draft", "publish_date").first()
    instance._websub_before = row and _moment(*row)


def moment_changed(article, before, using, created=False, announce_updates=True) -> None:
    """Schedule, reschedule or cancel `article`'s events; `before` is its public moment before the write."""
    now = timezone.now()
    after = _moment(article.draft, _date(article, "publish_date"))
    was_public = before is not None and before <= now
    is_public = after is not None and after <= now
    if after != before:
        cancel_published(article.uuid, using, keep_moment=after)
        if after is not None and not (was_public and is_public):
            schedule_published(article, after, using)
    if was_public and not is_public:
        announce(PublishEvent.UNPUBLISHED, article, using)
    elif was_public and is_public and not created and announce_updates:
        announce(PublishEvent.UPDATED, article, using)


def _saved(sender, instance, created, raw, using, **kwargs):
    if raw:
        return
    before = getattr(instance, "_websub_before", None)
    instance._websub_before = None
    moment_changed(instance, before, using, created=created)


def bulk_created(articles, using) -> None:
    """`bulk_create()` (the importer): scheduled articles get their event. Articles already
    public when imported (a back catalogue) announce nothing: thousands of old articles are
    not news."""
    now = timezone.now()
    for article in articles:
        moment = _date(article, "publish_date")
        if not article.draft and moment > now:
            schedule_published(article, moment, using)


def bulk_updated(articles, before: dict, using) -> None:
    """`bulk_update()` (the importer updating articles): `before` maps pk to the old public
    moment. Dates and drafts are followed as for a save; content edits announce nothing."""
    for article in articles:
        moment_changed(article, before.get(article.pk), using, announce_updates=False)


def _deleted(sender, instance, using, **kwargs):
    cancel_published(instance.uuid, using)
    if instance.is_public:
        announce(PublishEvent.UNPUBLISHED, instance, using, deleted=True)


def _bulk_written(sender, using=None, objs=None, before=None, **kwargs):
    if objs is None:
        return  # update(): the importer and the admin write dates and drafts through save() or bulk_update()
    if before is None:
        bulk_created(objs, using)
    else:
        bulk_updated(objs, before, using)


def connect(article_model) -> None:
    pre_save.connect(_stored, sender=article_model, dispatch_uid="masthead-websub-pre-save")
    post_save.connect(_saved, sender=article_model, dispatch_uid="masthead-websub-save")
    post_delete.connect(_deleted, sender=article_model, dispatch_uid="masthead-websub-delete")
    bulk_written.connect(_bulk_written, sender=article_model, dispatch_uid="masthead-websub-bulk")


def disconnect(article_model) -> None:
    pre_save.disconnect(sender=article_model, dispatch_uid="masthead-websub-pre-save")
    post_save.disconnect(sender=article_model, dispatch_uid="masthead-websub-save")
    post_delete.disconnect(sender=article_model, dispatch_uid="masthead-websub-delete")
    bulk_written.disconnect(sender=article_model, dispatch_uid="masthead-websub-bulk")
