"""Files in the reference format -> articles, with one report.

The `import_articles` command and the admin's import page both call `import_files`.
A file is validated whole before anything is written: a bad file writes nothing and
does not stop the others. Valid files are written in batches (one transaction per batch,
bulk inserts and updates, authors and tags looked up once), so tens of thousands of files
import in seconds with memory that does not grow with their number.

An article is matched by its `uuid` when the file has one (files written by
`export_articles` do), else by its slug.
"""

import datetime as dt
import gc
import re
import uuid as uuid_lib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_unicode_slug
from django.db import IntegrityError, reset_queries, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from . import frontmatter
from .images import check_image, store_image
from .models import Article, Author, Tag

KNOWN_KEYS = {
    "title", "subtitle", "description", "author", "read_time", "publish_date", "created_date",
    "heroImage", "heroImageAlt", "heroImageUrl", "cta", "slug", "tags", "draft", "uuid",
}
TEXT_KEYS = {
    "title": "title", "subtitle": "subtitle", "description": "description",
    "heroImageAlt": "hero_image_alt", "cta": "cta",
}
READ_TIME = re.compile(r"^\s*(\d{1,4})\s*(?:m|min|mins|minute|minutes)?\.?\s*$", re.IGNORECASE)
# A target that is a relative path: no scheme, not absolute, not a fragment.
RELATIVE = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")
MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt"}
BATCH_SIZE = 500
is_web_url = URLValidator(schemes=["http", "https"])

# Given a relative path as written in a file, return the image's bytes (or None if absent).
ImageLoader = Callable[[str], bytes | None]


@dataclass
class SourceFile:
    name: str
    text: str
    load_image: ImageLoader = lambda path: None


@dataclass
class FileResult:
    name: str
    action: str  # "created", "updated" or "failed"
    slug: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def __str__(self):
        if self.errors:
            return f"{self.name}: failed: " + "; ".join(self.errors)
        action = f"would be {self.action}" if self.dry_run else self.action
        line = f"{self.name}: {action} /articles/{self.slug}/"
        return line + ("".join(f" (warning: {w})" for w in self.warnings))


@dataclass
class ImportReport:
    """Counts of every outcome; the results themselves unless `keep_results` is off.

    The command turns it off for bulk imports (it prints each result as it comes), so
    memory stays flat; failures are always kept.
    """

    dry_run: bool = False
    keep_results: bool = True
    results: list[FileResult] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    failed: list[FileResult] = field(default_factory=list)

    def add(self, result: FileResult):
        self.counts[result.action] += 1
        if result.action == "failed":
            self.failed.append(result)
        if self.keep_results:
            self.results.append(result)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def of(self, action: str) -> list[FileResult]:
        return [result for result in self.results if result.action == action]

    def summary(self) -> str:
        counts = self.counts
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.total} file(s): {counts['created']} created, "
            f"{counts['updated']} updated, {counts['failed']} failed."
        )


class InvalidArticle(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def _as_datetime(key: str, value) -> dt.datetime:
    """A date means the start of that day in the site's time zone; a naive time is in that zone too.

    `exporting.date_text` writes the inverse: a date when the moment is a local midnight.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{key}: {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 date and time)") from None
    try:
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else local_moment(value)
        if isinstance(value, dt.date):
            return local_moment(dt.datetime.combine(value, dt.time.min))
    except ValueError as error:
        raise ValueError(f"{key}: {value}: {error}") from None
    raise ValueError(f"{key}: {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 date and time)")


def local_moment(naive: dt.datetime) -> dt.datetime:
    """A wall-clock time in the site's time zone, refused when daylight saving skips or repeats it."""
    zone = timezone.get_current_timezone()
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        gap = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive
        what = "does not exist" if gap else "happens twice"
        raise ValueError(f"{what} in {zone.key} (daylight saving); write it with its UTC offset, e.g. 2031-10-26T02:30:00+01:00")
    return first


def _read_time(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10000:
        return value
    match = READ_TIME.match(value) if isinstance(value, str) else None
    if match and int(match.group(1)) > 0:
        return int(match.group(1))
    raise ValueError(f"read_time: {value!r} is not a number of minutes (e.g. '8 mins')")


def _tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValueError("tags: must be a list of names, e.g. ['Publishing', 'Design']")
    tags = list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))
    if any(len(tag) > Tag._meta.get_field("name").max_length for tag in tags):
        raise ValueError("tags: a tag name is longer than 100 characters")
    return tags


def _uuid(value) -> uuid_lib.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid_lib.UUID(str(value))
    except ValueError:
        raise ValueError(f"uuid: {value!r} is not a UUID") from None


def _web_url(key: str, value: str) -> str:
    try:
        is_web_url(value)
    except ValidationError:
        raise ValueError(f"{key}: {value!r} is not an http(s) URL") from None
    return value


def _image_name(path: str, load_image: ImageLoader, folder: str, dry_run: bool) -> str:
    data = load_image(path)
    if data is None:
        raise ValueError(f"image {path!r} was not found beside the article")
    try:
        if dry_run:  # validated, never stored
            return f"{folder}/{check_image(data).file_name}"
        return store_image(data, folder)
    except ValidationError as error:
        raise ValueError(f"image {path!r}: {' '.join(error.messages)}") from None


@dataclass
class Cleaned:
    """A file that passed validation: the article's fields and its relations by name."""

    fields: dict
    author: str
    tags: list[str]
    warnings: list[str]

    @property
    def slug(self) -> str:
        return self.fields["slug"]

    @property
    def uuid(self) -> uuid_lib.UUID | None:
        return self.fields.get("uuid")


def _clean(source: SourceFile, dry_run: bool) -> Cleaned:
    """Validate a file; return its fields, or raise InvalidArticle listing every problem."""
    try:
        document = frontmatter.parse(source.text)
    except frontmatter.FrontMatterError as error:
        raise InvalidArticle([str(error)]) from None
    meta, errors, fields = document.meta, [], {}
    warnings = [f"unknown key {key!r} ignored" for key in meta if key not in KNOWN_KEYS]

    for key, field_name in TEXT_KEYS.items():
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            errors.append(f"{key}: must be text, not {type(value).__name__}")
        else:
            fields[field_name] = (value or "").strip()
    if not fields.get("title"):
        errors.append("title: required")

    author = meta.get("author")
    if not isinstance(author, str) or not author.strip():
        errors.append("author: required, the author's name as text")
    elif len(author.strip()) > Author._meta.get_field("name").max_length:
        errors.append("author: the name is longer than 200 characters")

    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        errors.append(f"draft: must be true or false, not {draft!r}")
    fields["draft"] = draft is True

    for parse, key, field_name in [
        (_read_time, "read_time", "read_time_override"),
        (_tags, "tags", None),
        (_uuid, "uuid", None),
    ]:
        try:
            fields[field_name or key] = parse(meta.get(key))
        except ValueError as error:
            errors.append(str(error))
    if fields.get("uuid") is None:
        fields.pop("uuid", None)

    for key in ("publish_date", "created_date"):
        if meta.get(key) in (None, ""):
            continue
        try:
            fields[key] = _as_datetime(key, meta[key])
        except ValueError as error:
            errors.append(str(error))
    if "publish_date" not in fields and not fields["draft"] and not any(e.startswith("publish_date") for e in errors):
        errors.append("publish_date: required unless the article is a draft")

    slug = meta.get("slug")
    if slug is not None:
        try:
            validate_unicode_slug(str(slug))
            fields["slug"] = str(slug)
        except ValidationError:
            errors.append(f"slug: {slug!r} may hold only letters, numbers, hyphens and underscores")
    elif fields.get("title"):
        fields["slug"] = slugify(fields["title"], allow_unicode=True)[:200].strip("-")
        if not fields["slug"]:
            errors.append("slug: the title gives no usable slug; add a 'slug' key")

    hero, hero_url = meta.get("heroImage"), meta.get("heroImageUrl")
    fields["hero_image_url"], fields["hero_image"] = "", ""
    try:
        if hero not in (None, ""):
            if not isinstance(hero, str):
                raise ValueError(f"heroImage: must be text, not {type(hero).__name__}")
            if not RELATIVE.match(hero) or hero.startswith("//"):
                if hero.startswith("/"):
                    raise ValueError(f"heroImage: {hero!r} must be an http(s) URL or a path relative to the article")
                fields["hero_image_url"] = _web_url("heroImage", hero)
            else:
                try:
                    fields["hero_image"] = _image_name(hero, source.load_image, "heroes", dry_run)
                except ValueError as error:
                    raise ValueError(f"heroImage: {error}") from None
        # The external image kept beside an uploaded one (used when the upload is removed).
        if hero_url not in (None, ""):
            if not isinstance(hero_url, str):
                raise ValueError(f"heroImageUrl: must be text, not {type(hero_url).__name__}")
            fields["hero_image_url"] = _web_url("heroImageUrl", hero_url)
    except ValueError as error:
        errors.append(str(error))

    def store_body_image(target: str) -> str:
        if not RELATIVE.match(target) or target.startswith("//"):
            return target
        return settings.MEDIA_URL + _image_name(target, source.load_image, "body", dry_run)

    try:
        fields["body"] = frontmatter.replace_images(document.body, store_body_image)
    except ValueError as error:
        errors.append(f"body: {error}")

    if errors:
        raise InvalidArticle(errors)
    return Cleaned(fields, author.strip(), fields.pop("tags"), warnings)


class _Writer:
    """Writes batches of cleaned files; remembers authors and tags across batches."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.authors: dict[str, Author] = {}
        self.tags: dict[str, Tag] = {}  # by lower-case name: tag names are unique ignoring case
        # A dry run writes nothing, so it remembers what earlier files would have created.
        self.would_create: set = set()
        self.fields = [
            f.name for f in Article._meta.concrete_fields if not f.primary_key and f.name != "uuid"
        ]

    def write(self, batch: list[tuple[SourceFile, Cleaned]]) -> list[FileResult]:
        try:
            with transaction.atomic():
                return self._write(batch)
        except IntegrityError:
            if len(batch) == 1:
                source, cleaned = batch[0]
                return [FileResult(source.name, "failed", errors=["conflicts with an article saved meanwhile; try again"])]
            # Someone else wrote meanwhile: retry one file at a time to find the culprit.
            self.authors.clear(), self.tags.clear()
            return [result for item in batch for result in self.write([item])]

    def _existing(self, batch) -> tuple[dict, dict]:
        slugs = [cleaned.slug for _, cleaned in batch]
        uuids = [cleaned.uuid for _, cleaned in batch if cleaned.uuid]
        found = Article.objects.filter(Q(slug__in=slugs) | Q(uuid__in=uuids))
        by_slug, by_uuid = {}, {}
        for article in found:
            by_slug[article.slug], by_uuid[article.uuid] = article, article
        return by_slug, by_uuid

    def _target(self, cleaned: Cleaned, by_slug: dict, by_uuid: dict) -> Article | None:
        """The article this file updates, None to create one; ValueError on a conflict."""
        on_slug = by_slug.get(cleaned.slug)
        if cleaned.uuid is None:
            return on_slug
        on_uuid = by_uuid.get(cleaned.uuid)
        if on_slug is not None and on_slug is not on_uuid:
            raise ValueError(
                f"slug: {cleaned.slug!r} belongs to another article (uuid {on_slug.uuid}); "
                "change the slug or remove the uuid to update that article"
            )
        return on_uuid

    def _write(self, batch) -> list[FileResult]:
        now = timezone.now()
        by_slug, by_uuid = self._existing(batch)
        results: list[FileResult] = []
        valid: list[tuple[int, Article, Cleaned, bool]] = []
        for source, cleaned in batch:
            try:
                article = self._target(cleaned, by_slug, by_uuid)
            except ValueError as error:
                results.append(FileResult(source.name, "failed", errors=[str(error)]))
                continue
            created = article is None
            if self.dry_run and created and {cleaned.slug, cleaned.uuid} & self.would_create:
                created = False
            fields = dict(cleaned.fields)
            if self.dry_run:
                fields.pop("hero_image")  # a name that was checked, never stored
            article = article or Article()
            for name, value in fields.items():
                setattr(article, name, value)
            if article.pk is None:
                article.created_date = fields.get("created_date") or fields.get("publish_date") or now
                article.publish_date = fields.get("publish_date") or now
            try:
                # Uniqueness is settled above, the author below: no query per file here.
                article.full_clean(exclude=["hero_image", "author"], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                problems = [f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items()]
                results.append(FileResult(source.name, "failed", errors=problems))
                continue
            results.append(FileResult(source.name, "created" if created else "updated", slug=cleaned.slug,
                                      warnings=cleaned.warnings, dry_run=self.dry_run))
            valid.append((len(results) - 1, article, cleaned, created))

        if self.dry_run:
            self.would_create.update(key for _, _, c, new in valid if new for key in (c.slug, c.uuid) if key)
            return results

        self._resolve_authors({cleaned.author for _, _, cleaned, _ in valid})
        self._resolve_tags({name for _, _, cleaned, _ in valid for name in cleaned.tags})
        new, changed = [], []
        for _, article, cleaned, created in valid:
            article.author = self.authors[cleaned.author]
            article.prepare_for_save()
            article.updated = now
            if article.pk is not None:
                article.version = F("version") + 1  # a form opened before the import is now stale
            (new if article.pk is None else changed).append(article)
        Article.objects.bulk_create(new)
        Article.objects.bulk_update(changed, self.fields)

        links = Article.tags.through
        links.objects.filter(article__in=changed).delete()
        links.objects.bulk_create(
            links(article_id=article.pk, tag_id=self.tags[name.lower()].pk)
            for _, article, cleaned, _ in valid
            for name in cleaned.tags
        )
        return results

    def _resolve_authors(self, names: set[str]):
        missing = names - self.authors.keys()
        if missing:
            self.authors.update((a.name, a) for a in Author.objects.filter(name__in=missing))
        for name in sorted(names - self.authors.keys()):
            self.authors[name] = Author.objects.create(name=name)  # save() gives it a unique slug

    def _resolve_tags(self, names: set[str]):
        for name in sorted(names):
            key = name.lower()
            if key not in self.tags:
                self.tags[key] = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)


def import_files(
    sources: Iterable[SourceFile | FileResult],
    dry_run: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    keep_results: bool = True,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Validate each source, write the valid ones in batches, report every file in order."""
    report = ImportReport(dry_run=dry_run, keep_results=keep_results)
    writer = _Writer(dry_run)
    pending: list[FileResult | tuple[SourceFile, Cleaned]] = []
    keys: set = set()

    def flush():
        reset_queries()  # with DEBUG on, Django logs every query: that log would grow with the import
        gc.collect()  # an Article and its ImageFieldFile refer to each other: free the last batch now
        batch = [item for item in pending if isinstance(item, tuple)]
        written = iter(writer.write(batch) if batch else [])
        for item in pending:
            result = next(written) if isinstance(item, tuple) else item
            report.add(result)
            if on_result:
                on_result(result)
        pending.clear(), keys.clear()

    for source in sources:
        if isinstance(source, FileResult):
            pending.append(source)
            continue
        try:
            cleaned = _clean(source, dry_run)
        except InvalidArticle as invalid:
            pending.append(FileResult(source.name, "failed", errors=invalid.errors))
            continue
        # Two files for one article in a batch: the first is written before the second is read.
        if {cleaned.slug, cleaned.uuid} & keys:
            flush()
        keys.update({cleaned.slug, cleaned.uuid} - {None})
        pending.append((source, cleaned))
        if len(pending) >= batch_size:
            flush()
    flush()
    return report


def import_file(source: SourceFile, dry_run: bool = False) -> FileResult:
    report = import_files([source], dry_run=dry_run)
    return report.results[0]


def _directory_loader(base: Path, root: Path) -> ImageLoader:
    """Images are read relative to the article's folder, and never from outside `root`."""

    def load(relative: str) -> bytes | None:
        target = (base / PurePosixPath(relative)).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target.read_bytes()

    return load


class FilesFromPaths:
    """Each Markdown file named or inside a named directory, read one at a time.

    `len()` is known before any file is read (for progress); a FileResult stands for
    what cannot be read.
    """

    def __init__(self, paths: Iterable[str | Path]):
        self.entries: list[tuple[Path, Path | None]] = []  # (file, root); root None: missing
        for path in map(Path, paths):
            if path.is_dir():
                root = path.resolve()
                self.entries += [
                    (p, root) for p in sorted(path.rglob("*")) if p.suffix.lower() in MARKDOWN_SUFFIXES and p.is_file()
                ]
            elif path.is_file():
                self.entries.append((path, path.resolve().parent))
            else:
                self.entries.append((path, None))

    def __len__(self):
        return len(self.entries)

    def __iter__(self) -> Iterator[SourceFile | FileResult]:
        for file, root in self.entries:
            if root is None:
                yield FileResult(str(file), "failed", errors=["no such file or directory"])
                continue
            try:
                text = file.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as error:
                yield FileResult(str(file), "failed", errors=[f"cannot be read as UTF-8 text: {error}"])
                continue
            yield SourceFile(str(file), text, _directory_loader(file.resolve().parent, root))


def files_from_paths(paths: Iterable[str | Path]) -> FilesFromPaths:
    return FilesFromPaths(paths)
