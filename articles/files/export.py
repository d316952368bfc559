"""Articles -> files in the reference format, the inverse of the import (articles/files/validation.py).

One `<slug>.md` per article, images beside them under `media/`. What is written is what
`import_articles` reads back to the same article, field for field, and exporting that again
gives the same bytes:

- Front-matter keys in the reference order (title, subtitle, description, author, read_time,
  publish_date, created_date, heroImage, cta), with heroImageAlt after heroImage; then slug,
  tags, draft and uuid. Keys outside the reference set are written only when they carry
  information: read_time only for an editor's override (otherwise it is computed), slug only
  when the title would not give it, tags when there are some, draft when true, authorSlug and
  tagSlugs (a tag's name -> its address) only when a rename left them different from what the
  names would give.
- Dates in the site's time zone: a date (2024-02-16) when the moment is exactly midnight
  there, else ISO 8601 with the offset (2024-02-16T09:30:00+01:00).
- Uploaded images are written to `media/heroes/` and `media/body/` under their content-hash
  name (the name `store_image` gives them) and referenced by that relative path; external
  URLs stay as they are.
- The body as stored (LF line ends), after a blank line, with a final newline.
"""

import datetime as dt
import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import reset_queries
from django.utils import timezone

from ..images import check_image
from ..models import Article, Author, Tag
from ..text import slug_for
from . import frontmatter
from ..dates import local_moment
from .validation import RELATIVE, tag_slug

MEDIA_FOLDER = "media"
# The longest file name Linux and macOS file systems take is 255 bytes (a slug of 150 CJK characters
# is 450), less room for the `.<name>.partial` a file is written as before it is renamed.
MAX_NAME_BYTES = 255 - len("..partial")


def file_name(slug: str) -> str:
    """`<slug>.md`, or when that is too long for a file system, the slug cut to fit plus a hash of
    the whole slug (names stay unique and stable). The import reads the slug from the front
    matter or the title, never from the file name."""
    name = f"{slug}.md"
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(slug.encode()).hexdigest()[:12]
    room = MAX_NAME_BYTES - len(f"-{digest}.md")
    return f"{slug.encode()[:room].decode('utf-8', 'ignore').rstrip('-')}-{digest}.md"


def date_text(value: dt.datetime) -> str:
    """The inverse of `validation._as_datetime`, in the site's time zone."""
    local = timezone.localtime(value)
    if local.time() == dt.time.min:
        try:
            local_moment(dt.datetime.combine(local.date(), dt.time.min))
            return local.date().isoformat()
        except ValueError:
            pass  # a midnight that daylight saving skips or repeats: the offset says which
    return local.isoformat()


def read_time_text(minutes: int) -> str:
    return f"{minutes} min" if minutes == 1 else f"{minutes} mins"


@dataclass
class ExportedFile:
    name: str  # relative to the output folder
    slug: str
    warnings: list[str] = field(default_factory=list)
    changed: bool = True  # False: the file was there already with the same bytes

    def __str__(self):
        line = f"{self.name}: {'written' if self.changed else 'unchanged'}"
        return line + "".join(f" (warning: {w})" for w in self.warnings)


@dataclass
class ExportReport:
    articles: int = 0
    written: int = 0
    images: int = 0
    warnings: int = 0

    def summary(self) -> str:
        return (
            f"Exported {self.articles} article(s) ({self.written} file(s) written, "
            f"{self.articles - self.written} unchanged), {self.images} image(s), {self.warnings} warning(s)."
        )


class Exporter:
    """Writes articles into `outdir`; each image is written once however many articles use it."""

    def __init__(self, outdir: Path):
        self.outdir = Path(outdir)
        self.images: dict[str, str | None] = {}  # storage name -> relative path written (None: unusable)
        self.report = ExportReport()

    def _write(self, relative: str, data: bytes) -> bool:
        path = self.outdir / relative
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False  # same bytes: leave the file (and its time stamp) alone
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.partial")
        temporary.write_bytes(data)
        temporary.replace(path)
        return True

    def image(self, storage_name: str, folder: str, warnings: list[str]) -> str | None:
        """Copy an uploaded image out under its content name; return its relative path."""
        key = f"{folder}:{storage_name}"
        if key not in self.images:
            try:
                with default_storage.open(storage_name, "rb") as file:
                    image = check_image(file.read())
            except (OSError, ValidationError) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else "not found in media storage"
                warnings.append(f"image {storage_name!r} not exported: {reason}")
                self.images[key] = None
                return None
            relative = f"{MEDIA_FOLDER}/{folder}/{image.file_name}"
            self._write(relative, image.data)
            self.images[key] = relative
            self.report.images += 1
        return self.images[key]

    def document(self, article: Article, tags: list[Tag] | None = None) -> tuple[dict, str, list[str]]:
        warnings: list[str] = []
        meta = {
            "title": article.title,
            "subtitle": article.subtitle,
            "description": article.description,
            "author": article.author.name,
        }
        if article.read_time_override:
            meta["read_time"] = read_time_text(article.read_time_override)
        meta["publish_date"] = date_text(article.publish_date)
        meta["created_date"] = date_text(article.created_date)
        hero = self.image(article.hero_image.name, "heroes", warnings) if article.hero_image else None
        meta["heroImage"] = hero or article.hero_image_url
        if article.hero_image_alt:
            meta["heroImageAlt"] = article.hero_image_alt
        if hero and article.hero_image_url:
            meta["heroImageUrl"] = article.hero_image_url
        meta["cta"] = article.cta
        if article.slug != slug_for(article.title, Article._meta.get_field("slug").max_length, prefix="article"):
            meta["slug"] = article.slug
        tags = sorted(article.tags.all() if tags is None else tags, key=lambda tag: tag.name)
        if tags:
            meta["tags"] = [tag.name for tag in tags]
        # Addresses a rename left different from the names' own: kept, so links and feeds survive a move.
        author = article.author
        if author.slug != slug_for(author.name, Author._meta.get_field("slug").max_length, prefix="author"):
            meta["authorSlug"] = author.slug
        if moved := {tag.name: tag.slug for tag in tags if tag.slug != tag_slug(tag.name)}:
            meta["tagSlugs"] = moved
        if article.draft:
            meta["draft"] = True
        meta["uuid"] = str(article.uuid)  # the feed id: subscribers see the same entry after a move

        def relative_image(target: str) -> str:
            if target.startswith(settings.MEDIA_URL):
                name = unquote(target[len(settings.MEDIA_URL) :].split("?")[0].split("#")[0])
                return self.image(name, "body", warnings) or target
            if RELATIVE.match(target) and not target.startswith("//"):
                warnings.append(f"body image {target!r} is a relative path: importing it needs that file beside the article")
            return target

        body = frontmatter.replace_images(article.body, relative_image)
        return meta, body, warnings

    def export(self, article: Article, tags: list[Tag] | None = None) -> ExportedFile:
        meta, body, warnings = self.document(article, tags)
        name = file_name(article.slug)
        changed = self._write(name, frontmatter.dump(meta, body).encode("utf-8"))
        self.report.articles += 1
        self.report.written += changed
        self.report.warnings += len(warnings)
        return ExportedFile(name, article.slug, warnings, changed)


def articles_to_export(author: str | None = None, since=None, until=None, published_only=False):
    """The articles an export covers, in a stable order, read in chunks."""
    articles = Article.objects.published() if published_only else Article.objects.all()
    if author:
        articles = articles.filter(author__slug=author)
    if since:
        articles = articles.filter(publish_date__gte=since)
    if until:
        articles = articles.filter(publish_date__lt=until)
    return articles.select_related("author").defer("body_html").order_by("slug")


def _in_pages(articles, size: int = 500) -> Iterable[tuple[Article, list[Tag]]]:
    """Every article of an ordered-by-slug queryset with its tags, a page at a time.

    Pages follow the slug (keyset pagination), and tags come from one query per page.
    """
    last, links = None, Article.tags.through.objects
    while True:
        reset_queries()  # with DEBUG on, Django's query log would grow with the export
        gc.collect()  # a loaded Article and its ImageFieldFile refer to each other: free the last page now
        page = list((articles if last is None else articles.filter(slug__gt=last))[:size])
        tags = defaultdict(list)
        for link in links.filter(article__in=page).select_related("tag"):
            tags[link.article_id].append(link.tag)
        for article in page:
            yield article, tags[article.pk]
        if len(page) < size:
            return
        last = page[-1].slug


def export_articles(
    articles, outdir: Path, on_file: Callable[[ExportedFile], None] | None = None
) -> ExportReport:
    """Export a queryset from `articles_to_export` (ordered by slug) into `outdir`."""
    exporter = Exporter(outdir)
    for article, tags in _in_pages(articles):
        exported = exporter.export(article, tags)
        if on_file:
            on_file(exported)
    return exporter.report
