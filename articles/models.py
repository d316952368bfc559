import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import IntegrityError, models, router, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from markdownx.models import MarkdownxField

from .markdown import render_markdown
from .reading import reading_time
from .renditions import responsive_body_images, responsive_image
from .text import nfc, normalise_newlines, unique_slug


class Author(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    bio = models.TextField("short bio", blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text="The staff account that writes as this author.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name, self.bio = nfc(self.name), nfc(self.bio)
        if not self.slug:
            self.slug = unique_slug(Author, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("author_detail", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        if not self.slug:
            self.slug = unique_slug(Tag, self.name, max_length=100)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("tag_detail", kwargs={"slug": self.slug})


# Sent by update() (`fields`: the names written), bulk_create() (`fields` None, `objs` the
# articles made) and bulk_update() (`objs`, and `before`: each article's public moment before,
# None when it was a draft) in the writer's transaction: what listens to article writes (the page
# cache, publish events) hears these too.
bulk_written = Signal()


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers, feeds, sitemaps and search may see: the one visibility rule.

        A scheduled article becomes public the moment its publish date passes, with no
        job to run: the date is compared on every query.
        """
        return self.filter(draft=False, publish_date__lte=timezone.now())

    def scheduled(self):
        return self.filter(draft=False, publish_date__gt=timezone.now())

    def drafts(self):
        return self.filter(draft=True)

    def newest_first(self):
        return self.order_by("-publish_date", "-id")

    def search(self, query: str):
        """Ranked matches for a reader's query, best first (see articles/search/)."""
        from .search import search_articles

        return search_articles(self, nfc(query))

    # update() and bulk_create() send no per-row signals: they send `bulk_written` instead.
    def update(self, **kwargs):
        rows = super().update(**kwargs)
        bulk_written.send(sender=Article, using=self.db, fields=set(kwargs))
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            bulk_written.send(sender=Article, using=self.db, fields=None, objs=created)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            before = None
            if {"draft", "publish_date"} & set(fields):
                rows = self.model._base_manager.using(self.db).filter(pk__in=[obj.pk for obj in objs])
                before = {pk: None if draft else date for pk, draft, date in rows.values_list("pk", "draft", "publish_date")}
            updated = super().bulk_update(objs, fields, *args, **kwargs)
            if before is not None:
                bulk_written.send(sender=Article, using=self.db, fields=set(fields), objs=objs, before=before)
        return updated


def new_share_secret() -> str:
    return secrets.token_urlsafe(16)


class Article(models.Model):
    DRAFT, SCHEDULED, PUBLISHED = "draft", "scheduled", "published"

    # The feed id: it never changes, whatever happens to the slug or the title.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text="The address of the article: /articles/<slug>/. Changing it after publishing breaks links.",
    )
    description = models.TextField(
        blank=True, help_text="The summary shown in lists and feeds, and the page's meta description."
    )
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    body = MarkdownxField(blank=True)
    body_html = models.TextField(editable=False, blank=True)
    hero_image = models.ImageField(
        upload_to="heroes/", blank=True, width_field="hero_width", height_field="hero_height"
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_image_url = models.URLField(
        "hero image URL", max_length=500, blank=True, help_text="An external image, used when none is uploaded."
    )
    hero_image_alt = models.CharField("hero image alt text", max_length=300, blank=True)
    cta = models.TextField(
        "call to action", blank=True, help_text="Shown in a footer under the article. Empty: the site default."
    )
    read_time_override = models.PositiveSmallIntegerField(
        "reading time (minutes)",
        null=True,
        blank=True,
        help_text="Leave empty to compute it from the body (265 words a minute, plus time for images).",
    )
    read_time = models.PositiveSmallIntegerField(editable=False, default=1)
    publish_date = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        help_text="The article goes public at this moment unless it is a draft. A future date schedules it.",
    )
    created_date = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    draft = models.BooleanField(default=True, help_text="Drafts are never public, whatever their date.")
    # The moment it first went (or goes, when scheduled) public; None while it never was: "Publish
    # now" dates such an article now, and its slug changes leave no redirect.
    first_published = models.DateTimeField(null=True, blank=True, editable=False)
    # A contributor asked an editor to look at this draft; cleared when it is published.
    review_requested = models.DateTimeField(null=True, blank=True, editable=False)
    # Optimistic locking: a save based on an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Signed into every share link of the preview (articles/preview.py): a new one revokes them all.
    share_secret = models.CharField(max_length=32, default=new_share_secret, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_date", "-id"]
        indexes = [
            models.Index(fields=["draft", "-publish_date"], name="article_public_idx"),
            # Lists in reader order over non-drafts: filter, order and the author join come from the
            # index alone, so a deep page skips index entries, not 8 KB table rows (bench/scale.py).
            models.Index(
                fields=["-publish_date", "-id", "author"],
                condition=models.Q(draft=False),
                name="article_reader_order_idx",
            ),
            # An author's page and feed: count and page in reader order without reading other authors' rows.
            models.Index(
                fields=["author", "-publish_date", "-id"],
                condition=models.Q(draft=False),
                name="article_author_order_idx",
            ),
            # The newest edit (feeds' Last-Modified, sitemap lastmod): one step down this index.
            models.Index(fields=["-updated"], name="article_updated_idx"),
            # Visibility and dates by id without reading the wide row (body first, dates after it):
            # a tag's articles come through the link table by id, so its page counts and sorts here.
            models.Index(fields=["id", "draft", "publish_date", "updated"], name="article_by_id_dates_idx"),
            # An author's newest edit, public (sitemap lastmod) or any (feed Last-Modified): one
            # step down this index, not a sort of all their rows.
            models.Index(fields=["author", "-updated", "draft", "publish_date"], name="article_author_edit_idx"),
        ]
        # Editors and administrators hold it (articles/roles.py); contributors do not.
        permissions = [("publish_article", "Can publish, schedule and unpublish articles")]

    def __str__(self):
        return self.title

    def prepare_for_save(self):
        """Set the derived fields; save() and the bulk importer (which bypasses save()) both call it."""
        # The admin and the importer refuse NUL with a message; this is the last guard for any
        # other writer: PostgreSQL cannot store it, SQLite would keep it.
        for field in ("title", "subtitle", "description", "body", "cta", "hero_image_alt"):
            text = nfc(getattr(self, field) or "")
            setattr(self, field, text.replace("\x00", "") if "\x00" in text else text)
        if not self.slug:
            self.slug = unique_slug(Article, self.title)
        self.hero_image_url = iri_to_uri(self.hero_image_url)  # valid in src="…", same address
        self.body = normalise_newlines(self.body or "")
        # Uploaded body images become responsive <picture>s once, here, not per request.
        self.body_html = responsive_body_images(render_markdown(self.body))
        self.read_time = self.read_time_override or reading_time(self.body)
        if not self.draft and (self.first_published is None or self.first_published > timezone.now()):
            self.first_published = self.publish_date  # not yet public: its (scheduled) moment
        if not self.draft:
            self.review_requested = None
        self.make_hero_renditions()

    def make_hero_renditions(self):
        """The hero's responsive copies, made by the writer: readers' requests only find them."""
        if self.hero_image and getattr(self.hero_image, "_committed", True):
            responsive_image(self.hero_image.name)

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        article._loaded_state = (article.__dict__.get("draft"), article.__dict__.get("publish_date"))
        return article

    def _pulled_since_loaded(self) -> bool:
        """Reverted to draft or unpublished since it was read: links shared before must stop."""
        was_draft, was_date = getattr(self, "_loaded_state", (None, None))
        if was_draft is None or was_date is None:
            return False
        was_public = not was_draft and was_date <= timezone.now()
        return (self.draft and not was_draft) or (was_public and not self.is_public)

    def revoke_share_links(self):
        self.share_secret = new_share_secret()

    def save(self, *args, **kwargs):
        self.prepare_for_save()
        if self._pulled_since_loaded():
            self.revoke_share_links()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "share_secret"}
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html", "read_time"}
        # One transaction with what the save signals keep in step (the content version).
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(Article, instance=self), savepoint=False):
            super().save(*args, **kwargs)
        self._loaded_state = (self.draft, self.publish_date)
        self.make_hero_renditions()  # a hero uploaded with this save is in storage only now

    def get_absolute_url(self):
        return reverse("article_detail", kwargs={"slug": self.slug})

    @property
    def status(self) -> str:
        if self.draft:
            return self.DRAFT
        return self.SCHEDULED if self.publish_date > timezone.now() else self.PUBLISHED

    @property
    def is_public(self) -> bool:
        return self.status == self.PUBLISHED

    @property
    def was_public(self) -> bool:
        """Readers have seen it (it may be a draft again now)."""
        return self.first_published is not None and self.first_published <= timezone.now()

    @property
    def hero_src(self) -> str:
        """The hero image's address: the uploaded file, else the external URL."""
        return self.hero_image.url if self.hero_image else self.hero_image_url


class RedirectQuerySet(models.QuerySet):
    def record(self, old_path: str, article: "Article"):
        """Remember that `old_path` (a path, optionally with its query string) led to `article`.

        Redirects point at the article, not at a path: a chain of slug changes collapses by
        itself, and an address that becomes the article's own again is forgotten (no loop).
        """
        if old_path == article.get_absolute_url():
            return None
        redirect, _ = self.update_or_create(old_path=old_path[:500], defaults={"article": article})
        return redirect

    def target_for(self, path: str) -> "Article | None":
        """The public article an old address leads to, or None."""
        redirect = self.select_related("article").filter(old_path=path[:500]).first()
        if redirect and redirect.article.is_public:
            return redirect.article
        return None


class Redirect(models.Model):
    """An old address of an article (its slug before a change, or its URL on another platform)
    that answers 301 to the article's current page."""

    old_path = models.CharField(
        max_length=500, unique=True, help_text="A path on this site, e.g. /articles/old-slug/ or /?p=123."
    )
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="redirects")
    created = models.DateTimeField(auto_now_add=True)

    objects = RedirectQuerySet.as_manager()

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return self.old_path


class Autosave(models.Model):
    """The editor's unsaved work on one article (or on a new one), kept every few seconds by the
    change form: private to that editor, never public, offered back after a crash or a closed tab."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autosaves")
    article = models.ForeignKey("Article", null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves")
    fields = models.JSONField(default=dict)
    # The article version the form was loaded with: restoring it is an edit of that version.
    base_version = models.PositiveIntegerField(null=True, blank=True)
    saved = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="autosave_per_user_article"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(article__isnull=True), name="autosave_per_user_new_article"
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.article or 'a new article'}"


class PreviewRenderQuerySet(models.QuerySet):
    def claim(self, user, stale_after: float):
        """The editor's turn to render a preview, or None while another render of theirs runs.

        The row is the turn: inserting it is atomic in the database, so it holds across every
        worker and machine whatever cache is configured. A claim older than `stale_after`
        seconds was left by a worker that died mid-render and is taken over.
        """
        now = timezone.now()
        token = uuid.uuid4().hex
        try:
            with transaction.atomic(using=self.db):
                self.create(user=user, token=token, started=now)
            return token
        except IntegrityError:
            stale = now - dt.timedelta(seconds=stale_after)
            if self.filter(user=user, started__lt=stale).update(token=token, started=now):
                return token
            return None

    def release(self, user, token: str) -> None:
        # By token: a claim taken over from this render is the new holder's, not ours to free.
        self.filter(user=user, token=token).delete()


class PreviewRender(models.Model):
    """An editor's live preview being rendered: one at a time per editor (articles/admin/editor.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32)
    started = models.DateTimeField()

    objects = PreviewRenderQuerySet.as_manager()

    def __str__(self):
        return f"{self.user} since {self.started}"


class ContentVersion(models.Model):
    """One row: the version of what readers see, which cached pages are keyed by.

    It lives in the database, not in the cache, so every process sees a change exactly when
    the content commits, whatever cache is configured. Written by articles/content_version.py.
    """

    # Changes with every write a reader can see.
    token = models.CharField(max_length=32)
    # Changes with what shows beyond an article's own page (titles, dates, authors, tags,
    # settings): an article's page is kept under it and the article's own `updated`.
    site_token = models.CharField(max_length=32, default="")
    # When `token` last changed: feeds' Last-Modified never falls behind it, so a deletion
    # (which moves no article's dates) still answers If-Modified-Since with the new content.
    changed = models.DateTimeField(null=True)
    # When the next scheduled article goes public (a Unix time; 0 when none is scheduled).
    next_publish = models.FloatField(null=True)
    # Changes only when the publication settings are saved: the record is cached under it.
    settings_token = models.CharField(max_length=32, default="")


# The publication's settings record lives in its own module; imported here so Django sees the model.
from .publication_settings import PublicationSettings, current as current_publication  # noqa: E402,F401

# Publish events, the WebSub hub's subscriptions and deliveries, webhooks (articles/websub/).
from .websub.models import Delivery, PublishEvent, Subscription, SubscriptionRequest, Webhook  # noqa: E402,F401
