"""The rows behind publish events and deliveries: each is the one record of its piece of work.

The task queue only wakes the worker up; whether a piece of work is due, taken, done or
cancelled is decided here, with conditional UPDATEs (`Job.claim`), so a duplicate task, a
retry or a restarted worker can never do it twice.
"""

import datetime as dt
import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone


def digest(*parts: str) -> str:
    """A fixed-length key for long values (URLs up to 2,000 characters do not fit in a unique index)."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def claim_seconds() -> float:
    """How long a worker owns a piece of work it took: room for a slow callback (each request
    is bounded by WEBSUB_TIMEOUT, and a delivery makes one), after which the work is taken again
    by whichever worker is alive."""
    return 2 * settings.WEBSUB_TIMEOUT + 5


class Job(models.Model):
    """A piece of work due at `due_at`, taken by one worker at a time."""

    PENDING, DONE, FAILED, CANCELLED = "pending", "done", "failed", "cancelled"
    STATUSES = [(PENDING, "pending"), (DONE, "done"), (FAILED, "failed"), (CANCELLED, "cancelled")]

    status = models.CharField(max_length=16, choices=STATUSES, default=PENDING, db_index=True)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @classmethod
    def claim(cls, pk, task) -> str | None:
        """Take the work if it is due and nobody holds it: a token for `finish`, else None.

        In the same transaction the same task is enqueued again for when the claim runs out:
        if this worker dies (killed, restarted, out of memory), that copy resumes the work;
        if the work is finished by then, it finds nothing to do.
        """
        now = timezone.now()
        until = now + dt.timedelta(seconds=claim_seconds())
        token = uuid.uuid4().hex
        with transaction.atomic():
            taken = (
                cls.objects.filter(pk=pk, status=cls.PENDING, due_at__lte=now)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .update(claimed_until=until, claim_token=token, attempts=F("attempts") + 1)
            )
            if taken:
                task.using(run_after=until).enqueue(pk)
        return token if taken else None

    @classmethod
    def finish(cls, pk, token: str, **values) -> bool:
        """Record the outcome, if the claim is still this worker's and the work still pending."""
        values.setdefault("claimed_until", None)
        values.setdefault("claim_token", "")
        return bool(cls.objects.filter(pk=pk, claim_token=token, status=cls.PENDING).update(**values))


class PublishEvent(Job):
    """Something that happened to an article, fired once: `key` is unique per article, kind and moment."""

    PUBLISHED, UPDATED, UNPUBLISHED = "article.published", "article.updated", "article.unpublished"
    KINDS = [(PUBLISHED, PUBLISHED), (UPDATED, UPDATED), (UNPUBLISHED, UNPUBLISHED)]

    key = models.CharField(max_length=200, unique=True, help_text="One event per article, kind and moment.")
    kind = models.CharField(max_length=32, choices=KINDS)
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="publish_events"
    )
    article_uuid = models.UUIDField(db_index=True)
    # What webhooks receive; for a published event it is taken when the event fires.
    payload = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        verbose_name = "publish event"
        indexes = [models.Index(fields=["article_uuid", "kind", "status"], name="websub_event_article_idx")]

    def __str__(self):
        return f"{self.kind} {self.payload.get('title') or self.article_uuid} at {self.due_at:%Y-%m-%d %H:%M:%S}"


class Subscription(models.Model):
    """A verified WebSub subscriber of one topic (a feed of this site)."""

    ACTIVE, DROPPED = "active", "dropped"

    key = models.CharField(max_length=64, unique=True, editable=False)
    topic = models.URLField(max_length=2000, help_text="The feed's address, as the subscriber gave it.")
    topic_path = models.CharField(max_length=500, db_index=True, editable=False)
    callback = models.URLField(max_length=2000)
    # Used to sign deliveries; never shown.
    secret = models.CharField(max_length=200, blank=True, editable=False)
    lease_seconds = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=[(ACTIVE, "active"), (DROPPED, "dropped")], default=ACTIVE)
    failing_since = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["topic_path", "callback"]

    def __str__(self):
        return f"{self.callback} → {self.topic_path}"

    @staticmethod
    def key_for(topic: str, callback: str) -> str:
        return digest(topic, callback)

    @property
    def is_live(self) -> bool:
        return self.status == self.ACTIVE and self.expires_at > timezone.now()


class SubscriptionRequest(Job):
    """A subscribe or unsubscribe request, waiting for its verification of intent (WebSub 5.3)."""

    SUBSCRIBE, UNSUBSCRIBE = "subscribe", "unsubscribe"

    mode = models.CharField(max_length=16, choices=[(SUBSCRIBE, SUBSCRIBE), (UNSUBSCRIBE, UNSUBSCRIBE)])
    topic = models.URLField(max_length=2000)
    callback = models.URLField(max_length=2000)
    lease_seconds = models.PositiveIntegerField(null=True, blank=True)
    secret = models.CharField(max_length=200, blank=True, editable=False)
    challenge = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.mode} {self.callback} → {self.topic}"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """An address editors want told about articles: a JSON POST, signed with HMAC-SHA256."""

    url = models.URLField("URL", max_length=2000, help_text="Where the JSON POSTs go (http or https).")
    description = models.CharField(max_length=200, blank=True)
    on_published = models.BooleanField("article.published", default=True)
    on_updated = models.BooleanField("article.updated", default=False)
    on_unpublished = models.BooleanField("article.unpublished", default=False)
    active = models.BooleanField(default=True)
    # Signs every delivery; shown once, when the webhook is made.
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.description or self.url

    @classmethod
    def wanting(cls, kind: str):
        field = {
            PublishEvent.PUBLISHED: "on_published",
            PublishEvent.UPDATED: "on_updated",
            PublishEvent.UNPUBLISHED: "on_unpublished",
        }[kind]
        return cls.objects.filter(active=True, **{field: True})


class Delivery(Job):
    """One POST of one event to one subscriber's topic, webhook or external hub, with its retries."""

    WEBSUB, WEBHOOK, HUB_PING = "websub", "webhook", "hub-ping"
    TARGETS = [(WEBSUB, "WebSub subscriber"), (WEBHOOK, "webhook"), (HUB_PING, "external hub")]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(PublishEvent, on_delete=models.CASCADE, related_name="deliveries")
    target = models.CharField(max_length=16, choices=TARGETS)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    webhook = models.ForeignKey(Webhook, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField("to", max_length=2000)
    topic = models.URLField(max_length=2000, blank=True)
    destination = models.CharField(max_length=64, editable=False)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            # Exactly one delivery of an event to each destination, whatever runs twice.
            models.UniqueConstraint(fields=["event", "destination"], name="websub_one_delivery"),
        ]
        indexes = [models.Index(fields=["status", "-created"], name="websub_delivery_status_idx")]

    def __str__(self):
        return f"{self.event.kind} → {self.url}"

    def save(self, *args, **kwargs):
        self.destination = digest(self.target, self.url, self.topic, str(self.webhook_id or ""))
        super().save(*args, **kwargs)
