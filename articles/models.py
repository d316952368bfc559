import datetime as dt
import hashlib
import unicodedata
import uuid
from collections import namedtuple

from django.conf import settings
from django.db import connection, models, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.text import slugify
from markdownx.models import MarkdownxField

from .markdown import render_markdown
from .reading import reading_time
from .renditions import responsive_body_images, responsive_image


def slug_for(text: str, max_length: int = 200, prefix: str = "item") -> str:
    """Letters of any script are kept; text with none (emoji, punctuation) gets a stable hash."""
    slug = slugify(text, allow_unicode=True)[:max_length].strip("-")
    return slug or f"{prefix}-" + hashlib.sha256(text.casefold().encode()).hexdigest()[:6]


def nfc(text: str) -> str:
    """One form for text that looks the same: "é" as one character, not "e" plus an accent
    (what macOS often pastes), so search, slugs and unique names treat them alike."""
    return unicodedata.normalize("NFC", text) if text and not unicodedata.is_normalized("NFC", text) else text


def unique_slug(model, text: str, max_length: int = 200) -> str:
    """A slug for `text` that no row of `model` uses yet."""
    base = slug_for(text, max_length, prefix=model._meta.model_name)
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug, n = base[: max_length - len(suffix)] + suffix, n + 1
    return slug


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


# The dates an article may carry. Python's datetime stops at year 9999, so a moment near either
# end overflows when shown in another time zone (a 500 on every page listing it); years below
# 1000 are typos ('0204' for 2024) that would stretch the archive over centuries.
EARLIEST_DATE = dt.datetime(1000, 1, 1, tzinfo=dt.UTC)
LATEST_DATE = dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


def date_range_problem(moment: dt.datetime) -> str | None:
    """Why `moment` (aware) cannot be an article's date, or None."""
    try:
        inside = EARLIEST_DATE <= moment.astimezone(dt.UTC) <= LATEST_DATE
    except (OverflowError, ValueError):
        inside = False
    return None if inside else "must be between the years 1000 and 9998 (1000-01-01 and 9998-12-31 in UTC)"


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
        """Ranked matches for a reader's query, best first (see articles/search.py)."""
        from .search import search_articles

        return search_articles(self, nfc(query))

    # update() and bulk_create() send no signals: tell the page cache (articles/cache.py) and the
    # archive's month counts (articles/archive.py) here.
    def update(self, **kwargs):
        from .archive import counting_update
        from .cache import content_changed

        with counting_update(self, kwargs):
            rows = super().update(**kwargs)
        content_changed(self.db)
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        from .archive import count_created
        from .cache import content_changed

        from .websub.events import bulk_created

        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            count_created(created, self.db, **kwargs)
            bulk_created(created, self.db)  # scheduled articles' publish events
        content_changed(self.db)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        from .websub.events import bulk_updated

        objs = list(objs)
        if not {"draft", "publish_date"} & set(fields):
            return super().bulk_update(objs, fields, *args, **kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            rows = self.model._base_manager.using(self.db).filter(pk__in=[obj.pk for obj in objs])
            before = {pk: None if draft else date for pk, draft, date in rows.values_list("pk", "draft", "publish_date")}
            updated = super().bulk_update(objs, fields, *args, **kwargs)
            bulk_updated(objs, before, self.db)  # publish events follow dates and drafts
        return updated


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
    # Optimistic locking: a save based on an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1, editable=False)

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
        # Browsers send textareas with CRLF; one line ending keeps export and import lossless.
        if "\r" in (self.body or ""):
            self.body = self.body.replace("\r\n", "\n").replace("\r", "\n")
        # Uploaded body images become responsive <picture>s once, here, not per request.
        self.body_html = responsive_body_images(render_markdown(self.body))
        self.read_time = self.read_time_override or reading_time(self.body)
        self.make_hero_renditions()

    def make_hero_renditions(self):
        """The hero's responsive copies, made by the writer: readers' requests only find them."""
        if self.hero_image and getattr(self.hero_image, "_committed", True):
            responsive_image(self.hero_image.name)

    def save(self, *args, **kwargs):
        self.prepare_for_save()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html", "read_time"}
        # One transaction with what the save signals keep in step (archive counts, content version).
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(Article, instance=self), savepoint=False):
            super().save(*args, **kwargs)
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
    def hero_src(self) -> str:
        """The hero image's address: the uploaded file, else the external URL."""
        return self.hero_image.url if self.hero_image else self.hero_image_url

    @property
    def call_to_action(self) -> str:
        return self.cta or current_publication().default_cta


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


class ContentVersion(models.Model):
    """One row whose token changes with every write to the site's content.

    Cached pages record the token they were rendered for (articles/cache.py). It lives in the
    database, not in the cache, so every process (each web worker, a management command)
    sees a change exactly when the content itself commits, whatever cache is configured.
    """

    token = models.CharField(max_length=32)
    # When the token last changed: feeds' Last-Modified never falls behind it, so a deletion
    # (which moves no article's dates) still answers If-Modified-Since with the new content.
    changed = models.DateTimeField(null=True)
    # Found by the writer, read with the token: when the next scheduled article goes public
    # (a Unix time; 0 when none is scheduled), so no cached page outlives that moment.
    next_publish = models.FloatField(null=True)
    # Changes only when the publication settings are saved: they are cached under it.
    settings_token = models.CharField(max_length=32, default="")

    State = namedtuple("State", "token next_publish settings_token")

    @classmethod
    def bump(cls, using=None, settings_changed=False):
        upcoming = Article.objects.using(using).scheduled().order_by("publish_date")
        moment = upcoming.values_list("publish_date", flat=True).first()
        values = {
            "token": uuid.uuid4().hex,
            "changed": timezone.now(),
            "next_publish": moment.timestamp() if moment else 0.0,
        }
        if settings_changed:
            values["settings_token"] = uuid.uuid4().hex
        if not cls.objects.using(using).filter(pk=1).update(**values):
            cls.objects.using(using).update_or_create(pk=1, defaults=values)

    @classmethod
    def current(cls) -> "ContentVersion.State":
        # Read on every cached page: plain SQL costs a tenth of the ORM's query building here.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token, next_publish, settings_token FROM {cls._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        return cls.State(*row) if row else cls.State("", None, "")


# The publication's settings record lives in its own module; imported here so Django sees the model.
from .publication_settings import PublicationSettings, current as current_publication  # noqa: E402,F401

# The archive's month counts (articles/archive.py): their models, kept in step with every article write.
from .archive import ArchiveMonth, ArchiveZone, connect as _connect_archive  # noqa: E402,F401

_connect_archive(Article)

# Publish events, the WebSub hub's subscriptions and deliveries, webhooks (articles/websub/),
# and the signals that schedule events from article writes.
from .websub.models import Delivery, PublishEvent, Subscription, SubscriptionRequest, Webhook  # noqa: E402,F401
from .websub.events import connect as _connect_events  # noqa: E402

_connect_events(Article)
