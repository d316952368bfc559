"""Files in the reference format -> articles, with one report.

The `import_articles` command and the admin's import page both call `import_files`.
A file is validated whole before anything is written: a bad file writes nothing and
does not stop the others.
"""

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_unicode_slug
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import frontmatter
from .images import check_image, store_image
from .models import Article, Author, Tag

KNOWN_KEYS = {
    "title", "subtitle", "description", "author", "read_time", "publish_date", "created_date",
    "heroImage", "heroImageAlt", "cta", "slug", "tags", "draft",
}
TEXT_KEYS = {
    "title": "title", "subtitle": "subtitle", "description": "description",
    "heroImageAlt": "hero_image_alt", "cta": "cta",
}
READ_TIME = re.compile(r"^\s*(\d{1,4})\s*(?:m|min|mins|minute|minutes)?\.?\s*$", re.IGNORECASE)
# A Markdown image whose target is a relative path: ![alt](path "optional title")
RELATIVE_IMAGE = re.compile(r'(!\[[^\]]*\]\()(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^)\s]+)((?:\s+"[^"]*")?\))')
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

    def __str__(self):
        if self.errors:
            return f"{self.name}: failed: " + "; ".join(self.errors)
        line = f"{self.name}: {self.action} /articles/{self.slug}/"
        return line + ("".join(f" (warning: {w})" for w in self.warnings))


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def counts(self) -> Counter:
        return Counter(result.action for result in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [result for result in self.results if result.action == "failed"]

    def summary(self) -> str:
        counts = self.counts
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {len(self.results)} file(s): {counts['created']} created, "
            f"{counts['updated']} updated, {counts['failed']} failed."
        )


class InvalidArticle(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def _as_datetime(key: str, value) -> dt.datetime:
    """A date means the start of that day in the site's time zone; a naive time is in that zone too."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{key}: {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 date and time)") from None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time.min))
    raise ValueError(f"{key}: {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 date and time)")


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


def _image_name(path: str, load_image: ImageLoader, folder: str, dry_run: bool) -> str:
    data = load_image(path)
    if data is None:
        raise ValueError(f"image {path!r} was not found beside the article")
    try:
        return f"{folder}/(checked)" if dry_run and check_image(data) else store_image(data, folder)
    except ValidationError as error:
        raise ValueError(f"image {path!r}: {' '.join(error.messages)}") from None


def _clean(source: SourceFile, dry_run: bool) -> tuple[dict, dict, list[str]]:
    """Validate a file; return (article fields, relations, warnings) or raise InvalidArticle."""
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
    ]:
        try:
            fields[field_name or key] = parse(meta.get(key))
        except ValueError as error:
            errors.append(str(error))

    for key, field_name in [("publish_date", "publish_date"), ("created_date", "created_date")]:
        if meta.get(key) in (None, ""):
            continue
        try:
            fields[field_name] = _as_datetime(key, meta[key])
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

    hero = meta.get("heroImage")
    fields["hero_image_url"], fields["hero_image"] = "", ""
    if hero not in (None, ""):
        try:
            if not isinstance(hero, str):
                raise ValueError(f"heroImage: must be text, not {type(hero).__name__}")
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", hero) or hero.startswith("//"):
                try:
                    is_web_url(hero)
                except ValidationError:
                    raise ValueError(f"heroImage: {hero!r} is not an http(s) URL") from None
                fields["hero_image_url"] = hero
            elif hero.startswith("/"):
                raise ValueError(f"heroImage: {hero!r} must be an http(s) URL or a path relative to the article")
            else:
                try:
                    fields["hero_image"] = _image_name(hero, source.load_image, "heroes", dry_run)
                except ValueError as error:
                    raise ValueError(f"heroImage: {error}") from None
        except ValueError as error:
            errors.append(str(error))

    def store_body_image(match: re.Match) -> str:
        name = _image_name(match.group(2), source.load_image, "body", dry_run)
        return f"{match.group(1)}{settings.MEDIA_URL}{name}{match.group(3)}"

    try:
        fields["body"] = RELATIVE_IMAGE.sub(store_body_image, document.body)
    except ValueError as error:
        errors.append(f"body: {error}")

    if errors:
        raise InvalidArticle(errors)
    relations = {"author": author.strip(), "tags": fields.pop("tags")}
    return fields, relations, warnings


def _author(name: str) -> Author:
    author = Author.objects.filter(name=name).first()
    return author or Author.objects.create(name=name)


def _tag(name: str) -> Tag:
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name)


def import_file(source: SourceFile, dry_run: bool = False) -> FileResult:
    try:
        fields, relations, warnings = _clean(source, dry_run)
    except InvalidArticle as invalid:
        return FileResult(source.name, "failed", errors=invalid.errors)

    with transaction.atomic():
        article = Article.objects.filter(slug=fields["slug"]).first()
        action = "updated" if article else "created"
        article = article or Article()
        for name, value in fields.items():
            setattr(article, name, value)
        if action == "created" and "created_date" not in fields:
            article.created_date = fields.get("publish_date") or timezone.now()
        if "publish_date" not in fields and action == "created":
            article.publish_date = timezone.now()
        article.author = _author(relations["author"])
        try:
            article.full_clean(exclude=["hero_image"])
        except ValidationError as error:
            transaction.set_rollback(True)
            problems = [f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items()]
            return FileResult(source.name, "failed", errors=problems)
        article.save()
        article.tags.set([_tag(name) for name in relations["tags"]])
        if dry_run:
            transaction.set_rollback(True)
    return FileResult(source.name, action, slug=article.slug, warnings=warnings)


def _directory_loader(base: Path, root: Path) -> ImageLoader:
    """Images are read relative to the article's folder, and never from outside `root`."""

    def load(relative: str) -> bytes | None:
        target = (base / PurePosixPath(relative)).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target.read_bytes()

    return load


def files_from_paths(paths: Iterable[str | Path]) -> Iterable[SourceFile | FileResult]:
    """Each Markdown file named or inside a named directory; a FileResult for what cannot be read."""
    for path in map(Path, paths):
        if path.is_dir():
            root = path.resolve()
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in {".md", ".markdown", ".txt"} and p.is_file())
        elif path.is_file():
            root, found = path.resolve().parent, [path]
        else:
            yield FileResult(str(path), "failed", errors=["no such file or directory"])
            continue
        for file in found:
            try:
                text = file.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as error:
                yield FileResult(str(file), "failed", errors=[f"cannot be read as UTF-8 text: {error}"])
                continue
            yield SourceFile(str(file), text, _directory_loader(file.resolve().parent, root))


def import_files(sources: Iterable[SourceFile | FileResult], dry_run: bool = False, on_result=None) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    for source in sources:
        result = source if isinstance(source, FileResult) else import_file(source, dry_run=dry_run)
        report.results.append(result)
        if on_result:
            on_result(result)
    return report
