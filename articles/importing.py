"""Files in the reference format -> articles, with one report.

The `import_articles` command and the admin's import page both call `import_files`.
A file is validated whole before anything is written: a bad file writes nothing and
does not stop the others. Valid files are written in batches (one transaction per batch,
bulk inserts and updates, authors and tags looked up once), so tens of thousands of files
import in seconds with memory that does not grow with their number.

An article is matched by its `uuid` when the file has one (files written by
`export_articles` do), else by its slug. Within one run an article comes from one file:
a second file with the same slug, uuid or target article is refused, naming the first.

What a file may hold:
- No control characters (C0 except tab and line ends, DEL, C1) and no unpaired surrogates,
  anywhere: the reason names the field or the file's line ("body: line 12 contains the
  control character U+0000 (NUL)"). The same on every database, and in a dry run.
- One-line fields (title, subtitle, author, heroImageAlt and each tag) have line breaks and
  runs of whitespace collapsed to single spaces, with a warning; description, cta and the
  body keep theirs.
- Tags are one tag when their names differ only by case or give the same slug ('C++' and
  'C' both give /tags/c/): merged within a file, and matched to existing tags by name
  ignoring case, then by slug; every such merge is a warning. A name with nothing to slug
  ('🚀', '!!!') gets a stable slug from its hash, e.g. 'tag-3f2a9c'.

A file identical to its article (fields, author and tags) is reported "unchanged" and not
written. If the database refuses a batch, each of its files is written again on its own, in
its own savepoint: the file it refuses is reported with the database's reason and the others
are written.
"""

import datetime as dt
import gc
import re
import time
import unicodedata
import uuid as uuid_lib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_unicode_slug
from django.db import DatabaseError, reset_queries, transaction
from django.db.models import F, Q
from django.utils import timezone
import reversion

from .markdown import body_size_error, removed_elements, removed_elements_message
from . import frontmatter
from .images import check_image, store_image
from .models import Article, Author, Tag, date_range_problem, slug_for
from .reading import MAX_MINUTES

KNOWN_KEYS = {
    "title", "subtitle", "description", "author", "read_time", "publish_date", "created_date",
    "heroImage", "heroImageAlt", "heroImageUrl", "cta", "slug", "tags", "draft", "uuid",
    "authorSlug", "tagSlugs",
}
TEXT_KEYS = {
    "title": "title", "subtitle": "subtitle", "description": "description",
    "heroImageAlt": "hero_image_alt", "cta": "cta",
}
# Fields shown on one line (headings, bylines, tags, alt text): a line break has no place there.
ONE_LINE_KEYS = {"title", "subtitle", "heroImageAlt"}
# A run of two or more whitespace characters, or a single tab or line break: one space.
LOOSE_WHITESPACE = re.compile(r"\s{2,}|[\t\n\r\x0b\x0c\x85\u2028\u2029]")
# A front matter line that starts a key, to name the field a bad character is in.
KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:")
READ_TIME = re.compile(r"^\s*(\d+)\s*(?:m|min|mins|minute|minutes)?\.?\s*$", re.IGNORECASE)
# A target that is a relative path: no scheme, not absolute, not a fragment.
RELATIVE = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")
MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt"}


def is_article_file(relative: str | PurePosixPath) -> bool:
    """A Markdown file inside a folder or zip being imported, not what an OS leaves beside it
    (macOS's __MACOSX/ and ._ copies, .DS_Store, other dot files)."""
    path = PurePosixPath(relative)
    return path.suffix.lower() in MARKDOWN_SUFFIXES and not any(
        part == "__MACOSX" or part.startswith(".") for part in path.parts
    )
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
    action: str  # "created", "updated", "unchanged" or "failed"
    slug: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def __str__(self):
        if self.errors:
            return f"{self.name}: failed: " + "; ".join(self.errors)
        action = f"would be {self.action}" if self.dry_run and self.action != "unchanged" else self.action
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
    # Files left for another run when the import stopped at its deadline (see import_files).
    not_reached: list[str] = field(default_factory=list)

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
        """'Imported 5 file(s): 1 created, 1 updated, 2 unchanged, 1 failed.' ("unchanged" only when some are)."""
        counts = self.counts
        verb = "Would import" if self.dry_run else "Imported"
        unchanged = f"{counts['unchanged']} unchanged, " if counts["unchanged"] else ""
        return (
            f"{verb} {self.total} file(s): {counts['created']} created, "
            f"{counts['updated']} updated, {unchanged}{counts['failed']} failed."
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
            moment = value if timezone.is_aware(value) else local_moment(value)
        elif isinstance(value, dt.date):
            moment = local_moment(dt.datetime.combine(value, dt.time.min))
        else:
            moment = None
    except ValueError as error:
        raise ValueError(f"{key}: {value}: {error}") from None
    if moment is not None:
        if problem := date_range_problem(moment):
            raise ValueError(f"{key}: {value}: {problem}")
        return moment
    raise ValueError(f"{key}: {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 date and time)")


def local_moment(naive: dt.datetime) -> dt.datetime:
    """A wall-clock time in the site's time zone, refused when daylight saving skips or repeats it."""
    zone = timezone.get_current_timezone()
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        gap = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive
        what = "does not exist" if gap else "happens twice"
        # The file's own time with each offset the zone has around it: either is an exact moment.
        examples = " or ".join(naive.replace(tzinfo=dt.timezone(m.utcoffset())).isoformat() for m in (first, second))
        raise ValueError(f"{what} in {zone.key} (daylight saving); write it with its UTC offset, e.g. {examples}")
    return first


def one_line(text: str) -> str:
    """Text for a one-line field: line breaks and runs of whitespace become one space."""
    return LOOSE_WHITESPACE.sub(" ", text).strip()


def tag_slug(name: str) -> str:
    """A tag's address: its slug (letters of any script kept), or a stable hash when it has none."""
    return slug_for(name, Tag._meta.get_field("slug").max_length, prefix="tag")


def _read_time(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_MINUTES:
        return value
    match = READ_TIME.match(value) if isinstance(value, str) else None
    if match and 0 < int(match.group(1)) <= MAX_MINUTES:
        return int(match.group(1))
    raise ValueError(f"read_time: {value!r} is not a number of minutes from 1 to {MAX_MINUTES} (e.g. '8 mins')")


def _tags(value) -> tuple[list[str], list[str], bool]:
    """The file's tag names, one per tag; warnings for names merged; whether whitespace was collapsed."""
    if value is None:
        return [], [], False
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValueError("tags: must be a list of names, e.g. ['Publishing', 'Design']")
    names, warnings, collapsed = [], [], False
    first_by_key: dict[str, str] = {}  # casefolded name or slug -> the name that came first
    for raw in value:
        name = one_line(raw)
        collapsed = collapsed or name != raw.strip()
        if not name:
            continue
        if len(name) > Tag._meta.get_field("name").max_length:
            raise ValueError(f"tags: {name[:40]!r}... is longer than 100 characters")
        keys = (name.casefold(), tag_slug(name))
        first = first_by_key.get(keys[0]) or first_by_key.get(keys[1])
        if first is None:
            names.append(name)
            first_by_key.setdefault(keys[0], name), first_by_key.setdefault(keys[1], name)
        elif first.casefold() == name.casefold():
            if first != name:
                warnings.append(f"tags: {name!r} and {first!r} are one tag (tags ignore case)")
        else:
            warnings.append(f"tags: {name!r} and {first!r} are one tag (both have the address /tags/{keys[1]}/)")
    return names, warnings, collapsed


def _slug(key: str, value, max_length: int) -> str:
    try:
        if not isinstance(value, str) or len(value) > max_length:
            raise ValidationError("")
        validate_unicode_slug(value)
    except ValidationError:
        raise ValueError(f"{key}: {value!r} is not an address (letters, numbers, hyphens; at most {max_length})") from None
    return value


def _addresses(meta: dict, tags: list[str]) -> tuple[str | None, dict[str, str]]:
    """`authorSlug` and `tagSlugs` (a tag's name -> its address), both optional."""
    author_slug = meta.get("authorSlug")
    if author_slug not in (None, ""):
        author_slug = _slug("authorSlug", author_slug, Author._meta.get_field("slug").max_length)
    tag_slugs = meta.get("tagSlugs") or {}
    if not isinstance(tag_slugs, dict):
        raise ValueError("tagSlugs: must map tag names to addresses, e.g. {'Design': 'design-notes'}")
    by_name = {name.casefold(): name for name in tags}
    slugs = {}
    for name, slug in tag_slugs.items():
        if not isinstance(name, str) or name.casefold() not in by_name:
            raise ValueError(f"tagSlugs: {name!r} is not one of the article's tags")
        slugs[by_name[name.casefold()]] = _slug("tagSlugs", slug, Tag._meta.get_field("slug").max_length)
    return author_slug or None, slugs


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
    if data is None and unicodedata.is_normalized("NFC", path):
        # The text was normalised to NFC; a Mac's file system or zip may name the file in NFD.
        data = load_image(unicodedata.normalize("NFD", path))
    if data is None:
        raise ValueError(f"image {path!r} was not found beside the article")
    try:
        if dry_run:  # validated, never stored
            return f"{folder}/{check_image(data).file_name}"
        return store_image(data, folder)
    except ValidationError as error:
        raise ValueError(f"image {path!r}: {' '.join(error.messages)}") from None


def _control_characters(text: str) -> list[str]:
    """A reason for each line holding a character no article text may hold (the first few).

    Lines are counted in the file, as an editor shows them; a front matter line is named by
    its key. Checked before the YAML is read: YAML refuses most of them with a vaguer message.
    """
    if not (frontmatter.CONTROL.search(text) or frontmatter.SURROGATE.search(text)):
        return []
    lines = text.split("\n")
    try:
        end = frontmatter.closing_line(lines)
    except frontmatter.FrontMatterError:
        end = len(lines)
    problems = []
    for index, line in enumerate(lines):
        what = frontmatter.forbidden_character(line)
        if what is None:
            continue
        key = KEY_LINE.match(line) if index < end else None
        where = "body" if index > end else key.group(1) if key and key.group(1) in KNOWN_KEYS else "front matter"
        problems.append(f"{where}: line {index + 1} contains {what}")
    if len(problems) > 3:
        problems[3:] = [f"and {len(problems) - 3} more line(s) with control characters"]
    return problems


def _escaped_control_characters(meta: dict) -> list[str]:
    """Control characters written as YAML escapes ("\\0", "\\x01") in the fields that are kept."""
    problems = []
    for key, value in meta.items():
        values = value if isinstance(value, list) else [value]
        if key not in KNOWN_KEYS:
            continue
        what = next((found for v in values if isinstance(v, str) and (found := frontmatter.forbidden_character(v))), None)
        if what:
            problems.append(f"{key}: contains {what}")
    return problems


@dataclass
class Cleaned:
    """A file that passed validation: the article's fields and its relations by name."""

    fields: dict
    author: str
    tags: list[str]
    warnings: list[str]
    # Addresses the file gives for its author and tags (an export writes them when a rename left
    # them different from the names' own): a new author or tag gets that address, not a new one.
    author_slug: str | None = None
    tag_slugs: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.fields["slug"]

    @property
    def uuid(self) -> uuid_lib.UUID | None:
        return self.fields.get("uuid")


def _clean(source: SourceFile, dry_run: bool) -> Cleaned:
    """Validate a file; return its fields, or raise InvalidArticle listing every problem once."""
    text = frontmatter.normalise_newlines(source.text)
    if problems := _control_characters(text):
        raise InvalidArticle(problems)
    try:
        document = frontmatter.parse(text)
    except frontmatter.FrontMatterError as error:
        raise InvalidArticle([str(error)]) from None
    meta, errors, fields = document.meta, [], {}
    if problems := _escaped_control_characters(meta):
        raise InvalidArticle(problems)
    warnings = [f"unknown key {key!r} ignored" for key in meta if key not in KNOWN_KEYS]
    collapsed = []  # one-line fields whose line breaks or repeated spaces were collapsed

    for key, field_name in TEXT_KEYS.items():
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            errors.append(f"{key}: must be text, not {type(value).__name__}")
            continue
        value = (value or "").strip()
        if key in ONE_LINE_KEYS and (flat := one_line(value)) != value:
            value = flat
            collapsed.append(key)
        fields[field_name] = value
    if fields.get("title") == "":  # absent or blank; a title of the wrong type is reported above
        errors.append("title: required")

    author = meta.get("author")
    if not isinstance(author, str) or not author.strip():
        errors.append("author: required, the author's name as text")
    else:
        if (flat := one_line(author)) != author.strip():
            collapsed.append("author")
        author = flat
        if len(author) > Author._meta.get_field("name").max_length:
            errors.append("author: the name is longer than 200 characters")

    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        errors.append(f"draft: must be true or false, not {draft!r}")
    fields["draft"] = draft is True

    tags = []
    try:
        tags, tag_warnings, tags_collapsed = _tags(meta.get("tags"))
        warnings += tag_warnings
        if tags_collapsed:
            collapsed.append("tags")
    except ValueError as error:
        errors.append(str(error))
    author_slug, tag_slugs = None, {}
    try:
        author_slug, tag_slugs = _addresses(meta, tags)
    except ValueError as error:
        errors.append(str(error))
    for parse, key, field_name in [(_read_time, "read_time", "read_time_override"), (_uuid, "uuid", "uuid")]:
        try:
            fields[field_name] = parse(meta.get(key))
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
        fields["slug"] = slug_for(fields["title"], Article._meta.get_field("slug").max_length, prefix="article")

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

    if size_error := body_size_error(document.body):
        errors.append(f"body: {size_error}")
    else:
        try:
            fields["body"] = frontmatter.replace_images(document.body, store_body_image)
        except ValueError as error:
            errors.append(f"body: {error}")
        if removed := removed_elements(document.body):
            warnings.append(f"body: {removed_elements_message(removed)}")

    if errors:
        raise InvalidArticle(errors)
    if collapsed:
        warnings.append(f"{', '.join(collapsed)}: line breaks and repeated spaces collapsed to single spaces")
    if (fields["hero_image"] or fields["hero_image_url"]) and not fields.get("hero_image_alt"):
        warnings.append("heroImageAlt: missing, so screen readers get nothing for the hero image")
    return Cleaned(fields, author, tags, warnings, author_slug, tag_slugs)


class _Writer:
    """Writes batches of cleaned files; remembers authors and tags across batches.

    A dry run looks authors and tags up the same way but creates none: None stands for one
    it would create, so both runs report the same thing.
    """

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.authors: dict[str, Author | None] = {}
        self.tags: dict[str, Tag | None] = {}  # by casefolded name
        self.tag_keys: dict[str, tuple[str, str]] = {}  # slug -> (casefolded name, tag name) of its tag
        self.tag_notes: dict[str, str] = {}  # casefolded name -> a warning: filed under another name
        self.claimed: dict[int, str] = {}  # article pk -> the file that wrote it in this run
        self.fields = [
            f.name for f in Article._meta.concrete_fields if not f.primary_key and f.name != "uuid"
        ]

    def write(self, batch: list[tuple[SourceFile, Cleaned]]) -> list[FileResult]:
        try:
            with transaction.atomic():
                return self._write(batch)
        except (DatabaseError, UnicodeError) as error:
            # Rolled back: what this batch created is gone, so forget it.
            self.authors.clear(), self.tags.clear(), self.tag_keys.clear()
            if len(batch) == 1:
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                return [FileResult(batch[0][0].name, "failed", errors=[f"the database refused it: {reason}"])]
            # Find the file the database refuses: each one alone, in its own savepoint.
            return [result for item in batch for result in self.write([item])]

    def _existing(self, batch) -> tuple[dict, dict]:
        slugs = [cleaned.slug for _, cleaned in batch]
        uuids = [cleaned.uuid for _, cleaned in batch if cleaned.uuid]
        found = Article.objects.filter(Q(slug__in=slugs) | Q(uuid__in=uuids))
        by_slug, by_uuid = {}, {}
        for article in found.select_related("author").prefetch_related("tags"):
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
        # (index in results, article, cleaned, its tag ids before if its other fields are unchanged)
        valid: list[tuple[int, Article, Cleaned, set | None]] = []
        claims: dict[int, str] = {}
        for source, cleaned in batch:
            try:
                article = self._target(cleaned, by_slug, by_uuid)
                first = article and (self.claimed.get(article.pk) or claims.get(article.pk))
                if first:
                    raise ValueError(
                        f"updates the same article (/articles/{article.slug}/) as {first}, imported earlier "
                        "in this run; each article must come from one file"
                    )
            except ValueError as error:
                results.append(FileResult(source.name, "failed", errors=[str(error)]))
                continue
            fields = dict(cleaned.fields)
            same_tags = None
            if article is not None and article.author.name == cleaned.author and all(
                getattr(article, name) == value for name, value in fields.items()
            ):
                same_tags = {tag.pk for tag in article.tags.all()}
            if self.dry_run:
                fields.pop("hero_image")  # a name that was checked, never stored
            created = article is None
            article = article or Article()
            for name, value in fields.items():
                setattr(article, name, value)
            if created:
                article.created_date = fields.get("created_date") or fields.get("publish_date") or now
                article.publish_date = fields.get("publish_date") or now
            try:
                # Uniqueness is settled above, the author below: no query per file here.
                article.full_clean(exclude=["hero_image", "author"], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                problems = [f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items()]
                results.append(FileResult(source.name, "failed", errors=problems))
                continue
            if not created:
                claims[article.pk] = source.name
            results.append(FileResult(source.name, "created" if created else "updated", slug=cleaned.slug,
                                      warnings=list(cleaned.warnings), dry_run=self.dry_run))
            valid.append((len(results) - 1, article, cleaned, same_tags))

        self._resolve_authors({cleaned.author: cleaned.author_slug for _, _, cleaned, _ in valid})
        self._resolve_tags({name: cleaned.tag_slugs.get(name) for _, _, cleaned, _ in valid for name in cleaned.tags})
        to_write = []
        for index, article, cleaned, same_tags in valid:
            keys = [name.casefold() for name in cleaned.tags]
            results[index].warnings += [self.tag_notes[key] for key in keys if key in self.tag_notes]
            tags = [self.tags[key] for key in keys]
            results[index].warnings += _moved_addresses(cleaned, self.authors[cleaned.author], tags)
            if same_tags is not None and None not in tags and {tag.pk for tag in tags} == same_tags:
                results[index].action = "unchanged"
            else:
                to_write.append((article, cleaned, tags))

        if not self.dry_run:
            new, changed = [], []
            for article, cleaned, _ in to_write:
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
                links(article_id=article.pk, tag_id=tag_id)
                for article, _, tags in to_write
                for tag_id in dict.fromkeys(tag.pk for tag in tags)
            )
            if reversion.is_active():  # the admin import: a revision per article, as an admin save makes
                for article, _, _ in to_write:
                    reversion.add_to_revision(article)
        self.claimed.update(claims)  # only once the batch is through
        return results

    def _resolve_authors(self, slugs: dict[str, str | None]):
        """Each name's author: the one of that name, else the one at the file's address, else a new
        one (at that address when the file gives a free one)."""
        missing = slugs.keys() - self.authors.keys()
        if missing:
            self.authors.update((a.name, a) for a in Author.objects.filter(name__in=missing))
        for name in sorted(slugs.keys() - self.authors.keys()):
            slug = slugs[name]
            author = Author.objects.filter(slug=slug).first() if slug else None
            if author is None and not self.dry_run:
                free = slug and not Author.objects.filter(slug=slug).exists()
                author = Author.objects.create(name=name, slug=slug if free else "")  # save() makes one
            self.authors[name] = author

    def _resolve_tags(self, slugs: dict[str, str | None]):
        """Each name's tag: the one of that name ignoring case, else the one with its address (the
        file's, or the name's own), else a new one there."""
        for name in sorted(slugs):
            key, slug = name.casefold(), slugs[name] or tag_slug(name)
            if key in self.tags:
                continue
            if slug in self.tag_keys:  # an earlier file's tag (in a dry run, perhaps one to create)
                holder, holder_name = self.tag_keys[slug]
                if holder_name.casefold() != key:
                    self.tag_notes[key] = f"tags: {name!r} is filed under the tag {holder_name!r} (same address /tags/{slug}/)"
                self.tags[key] = self.tags[holder]
                continue
            # SQLite ignores case for ASCII letters only: 'écriture' is then found by its slug.
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.filter(slug=slug).first()
            if tag is not None and tag.name.casefold() != key:
                self.tag_notes[key] = f"tags: {name!r} is filed under the tag {tag.name!r} (same address /tags/{slug}/)"
            if tag is None and not self.dry_run:
                tag = Tag.objects.create(name=name, slug=slug)
            self.tags[key] = tag
            self.tag_keys.setdefault(tag.slug if tag else slug, (key, tag.name if tag else name))


def _moved_addresses(cleaned: Cleaned, author: Author | None, tags: list[Tag | None]) -> list[str]:
    """Warnings for addresses the file gives that its author or tags, found by name, do not have."""
    found = [("authorSlug", cleaned.author, cleaned.author_slug, author)]
    found += [("tagSlugs", tag.name, cleaned.tag_slugs.get(name), tag) for name, tag in zip(cleaned.tags, tags) if tag]
    return [
        f"{key}: {name!r} was found by name, at /{'authors' if key == 'authorSlug' else 'tags'}/{held.slug}/, "
        f"not at the file's address {slug!r}"
        for key, name, slug, held in found
        if slug and held is not None and held.slug != slug
    ]


def import_files(
    sources: Iterable[SourceFile | FileResult],
    dry_run: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    keep_results: bool = True,
    batch_size: int = BATCH_SIZE,
    deadline: float | None = None,
) -> ImportReport:
    """Validate each source, write the valid ones in batches, report every file in order.

    With a `deadline` (a `time.monotonic()` value), files not started by then are left out and
    named in `report.not_reached`: what was written is whole, and importing the same files
    again finds those unchanged and goes on with the rest.
    """
    report = ImportReport(dry_run=dry_run, keep_results=keep_results)
    writer = _Writer(dry_run)
    pending: list[FileResult | tuple[SourceFile, Cleaned]] = []
    # Every slug and uuid read in this run -> its file: a second file for one article is refused.
    first_file: dict = {}

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
        pending.clear()

    sources = iter(sources)
    for source in sources:
        if deadline is not None and time.monotonic() > deadline:
            report.not_reached = [source.name] + [rest.name for rest in sources]
            break
        if isinstance(source, FileResult):
            pending.append(source)
            continue
        try:
            cleaned = _clean(source, dry_run)
        except InvalidArticle as invalid:
            pending.append(FileResult(source.name, "failed", errors=invalid.errors))
            continue
        for key, value in (("slug", cleaned.slug), ("uuid", cleaned.uuid)):
            if value is not None and value in first_file:
                reason = f"{key}: '{value}' is also the {key} of {first_file[value]}, imported earlier in this run"
                pending.append(FileResult(source.name, "failed", errors=[reason]))
                break
        else:
            first_file.update((value, source.name) for value in (cleaned.slug, cleaned.uuid) if value is not None)
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
                    (p, root) for p in sorted(path.rglob("*")) if is_article_file(p.relative_to(path).as_posix()) and p.is_file()
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
