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
import re
import reprlib
import unicodedata
import uuid as uuid_lib
from dataclasses import dataclass, field

from dateutil import parser as dateutil_parser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_unicode_slug
from django.utils import timezone

from ..images import check_image, store_image
from ..markdown import removed_elements, removed_elements_message, size_error as too_large
from ..dates import date_range_problem, local_moment
from ..models import Article, Author, Tag
from ..text import CONTROL, SURROGATE, slug_for
from ..reading import MAX_MINUTES
from . import frontmatter, mdx
from .dialects import map_keys
from .report import ImageLoader, SourceFile

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
is_web_url = URLValidator(schemes=["http", "https"])
# Values are quoted in reasons with a bounded repr: a YAML alias bomb must not be spelled out.
_repr = reprlib.Repr()
_repr.maxstring, _repr.maxother, _repr.maxlist, _repr.maxdict, _repr.maxlevel = 80, 80, 5, 5, 2


def shown(value) -> str:
    return _repr.repr(value)


class InvalidArticle(Exception):
    def __init__(self, errors: list[str], warnings: list[str] | None = None, unknown: list[str] | None = None):
        self.errors, self.warnings, self.unknown = errors, warnings or [], unknown or []
        super().__init__("; ".join(errors))


class ImageNotFound(ValueError):
    """No file at the path an article gives for an image."""


# Two defaults that differ in every part: a text that lacks its year, month or day parses
# differently with each, and is refused instead of being completed with today's.
_DEFAULTS = (dt.datetime(2000, 1, 1), dt.datetime(2004, 12, 28))
DATE_HELP = "use YYYY-MM-DD, an ISO 8601 date and time, or a date such as 'Jul 08 2022'"


def _parse_date_text(text: str) -> dt.date | dt.datetime:
    """ISO 8601 first, then the human forms static-site tools accept ('Jul 08 2022', '22 Feb 2023',
    '2013-11-04 21:46:02 -0600'), through python-dateutil; ValueError when it is not a whole date."""
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    if len(text) > 64 or not any(char.isdigit() for char in text):
        raise ValueError(text)
    try:
        first, second = (dateutil_parser.parse(text, default=default) for default in _DEFAULTS)
    except (ValueError, OverflowError, TypeError) as error:  # dateutil's ParserError is a ValueError
        raise ValueError(text) from error
    if first.date() != second.date():
        raise ValueError(text)
    if first.time() == dt.time.min and first.tzinfo is None and not re.search(r"\d:\d", text):
        return first.date()
    return first


def _as_datetime(key: str, value) -> dt.datetime:
    """A date means the start of that day in the site's time zone; a naive time is in that zone too.

    `export.date_text` writes the inverse: a date when the moment is a local midnight.
    """
    if isinstance(value, str):
        try:
            value = _parse_date_text(value.strip())
        except ValueError:
            raise ValueError(f"{key}: {shown(value)} is not a date ({DATE_HELP})") from None
    try:
        if isinstance(value, dt.datetime):
            moment = value if timezone.is_aware(value) else local_moment(value)
        elif isinstance(value, dt.date):
            moment = local_moment(dt.datetime.combine(value, dt.time.min))
        else:
            moment = None
    except (ValueError, OverflowError) as error:
        raise ValueError(f"{key}: {value}: {error}") from None
    if moment is not None:
        if problem := date_range_problem(moment):
            raise ValueError(f"{key}: {value}: {problem}")
        return moment
    raise ValueError(f"{key}: {shown(value)} is not a date ({DATE_HELP})")


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
    raise ValueError(f"read_time: {shown(value)} is not a number of minutes from 1 to {MAX_MINUTES} (e.g. '8 mins')")


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
        raise ValueError(f"{key}: {shown(value)} is not an address (letters, numbers, hyphens; at most {max_length})") from None
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
            raise ValueError(f"tagSlugs: {shown(name)} is not one of the article's tags")
        slugs[by_name[name.casefold()]] = _slug("tagSlugs", slug, Tag._meta.get_field("slug").max_length)
    return author_slug or None, slugs


def _uuid(value) -> uuid_lib.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid_lib.UUID(str(value))
    except ValueError:
        raise ValueError(f"uuid: {shown(value)} is not a UUID") from None


def _web_url(key: str, value: str) -> str:
    try:
        is_web_url(value)
    except ValidationError:
        raise ValueError(f"{key}: {shown(value)} is not an http(s) URL") from None
    return value


def _image_name(path: str, load_image: ImageLoader, folder: str, dry_run: bool) -> str:
    data = load_image(path)
    if data is None and unicodedata.is_normalized("NFC", path):
        # The text was normalised to NFC; a Mac's file system or zip may name the file in NFD.
        data = load_image(unicodedata.normalize("NFD", path))
    if data is None:
        raise ImageNotFound(path)
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
    if not (CONTROL.search(text) or SURROGATE.search(text)):
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
    unknown: list[str] = field(default_factory=list)  # front matter keys ignored
    author_defaulted: bool = False
    # Old addresses of the article on the site it comes from (WordPress permalinks, Ghost slugs).
    redirects: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.fields["slug"]

    @property
    def uuid(self) -> uuid_lib.UUID | None:
        return self.fields.get("uuid")


@dataclass
class ImportOptions:
    """What a whole run decides: the dry run, `--drafts`, the author of files that name none."""

    dry_run: bool = False
    drafts: bool = False
    default_author: str = ""
    # Where the default author's name comes from, for the summary.
    default_author_source: str = "the publication's default author"




def _missing_image(path: str) -> str:
    return f"image {path!r} was not found; the reference is kept as written"


def clean(source: SourceFile, options: ImportOptions | bool = False) -> Cleaned:
    """Validate a file; return its fields, or raise InvalidArticle listing every problem once
    (with the warnings found so far, so a refused file still says everything)."""
    if isinstance(options, bool):
        options = ImportOptions(dry_run=options)
    dry_run = options.dry_run
    warnings = list(source.notes)
    if problem := too_large(len(source.text) if source.document is None else len(source.document.body)):
        raise InvalidArticle([problem], warnings)
    if source.document is not None:
        document = source.document  # an export's post: its text was never a file to check by line
        if what := frontmatter.forbidden_character(document.body):
            raise InvalidArticle([f"body: contains {what}"], warnings)
    else:
        text = frontmatter.normalise_file(source.text)
        if problems := _control_characters(text):
            raise InvalidArticle(problems, warnings)
        try:
            document = frontmatter.parse(text)
        except frontmatter.FrontMatterError as error:
            raise InvalidArticle([str(error)], warnings) from None
    if not isinstance(document.meta, dict):
        raise InvalidArticle(["front matter must be a mapping of keys to values"], warnings)
    body = document.body
    if mdx.is_mdx(source.name):
        body, removed = mdx.to_markdown(body)
        if removed:
            warnings.append(f"MDX: removed {removed}")
    mapped = map_keys(document.meta, body, source.name)
    meta, body, errors, fields = mapped.meta, mapped.body, [], {}
    warnings += mapped.notes
    if problems := _escaped_control_characters(meta):
        raise InvalidArticle(problems, warnings)
    unknown = [key for key in meta if key not in KNOWN_KEYS]
    collapsed = []  # one-line fields whose line breaks or repeated spaces were collapsed

    for key, field_name in TEXT_KEYS.items():
        value = meta.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "title":
            value = str(value)  # `title: 1984`
        if value is not None and not isinstance(value, str):
            errors.append(f"{key}: must be text, not {type(value).__name__}")
            continue
        value = (value or "").strip()
        if key in ONE_LINE_KEYS and (flat := one_line(value)) != value:
            value = flat
            collapsed.append(key)
        fields[field_name] = value
    if fields.get("title") == "":  # blank; a title of the wrong type is reported above
        errors.append("title: required")

    author = meta.get("author")
    author_defaulted = False
    if author is None or (isinstance(author, str) and not author.strip()):
        author, author_defaulted = options.default_author, True
    if not isinstance(author, str) or not author.strip():
        errors.append("author: must be the author's name as text" if not author_defaulted else
                      "author: missing, and there is no default author (set one in the publication settings)")
    else:
        if (flat := one_line(author)) != author.strip():
            collapsed.append("author")
        author = flat
        if len(author) > Author._meta.get_field("name").max_length:
            errors.append("author: the name is longer than 200 characters")

    draft = meta.get("draft", False)
    if isinstance(draft, str) and draft.strip().lower() in ("true", "false", "yes", "no"):
        draft = draft.strip().lower() in ("true", "yes")
    if not isinstance(draft, bool):
        errors.append(f"draft: must be true or false, not {shown(draft)}")
    fields["draft"] = draft is True or options.drafts

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
    if "publish_date" not in fields and not any(e.startswith("publish_date") for e in errors):
        if mapped.date_from_name:
            try:
                fields["publish_date"] = _as_datetime("publish_date", mapped.date_from_name)
                warnings.append(f"publish_date: missing, taken from the file name ({mapped.date_from_name})")
            except ValueError as error:
                errors.append(f"{error} (from the file name)")
        else:
            warnings.append("publish_date: missing, so the moment of the first import (kept when imported again)")

    slug = meta.get("slug")
    if slug is not None:
        try:
            validate_unicode_slug(str(slug))
            if len(str(slug)) > Article._meta.get_field("slug").max_length:
                raise ValidationError("")
            fields["slug"] = str(slug)
        except ValidationError:
            errors.append(f"slug: {shown(slug)} may hold only letters, numbers, hyphens and underscores")
    elif fields.get("title"):
        fields["slug"] = slug_for(fields["title"], Article._meta.get_field("slug").max_length, prefix="article")

    hero, hero_url = meta.get("heroImage"), meta.get("heroImageUrl")
    fields["hero_image_url"], fields["hero_image"] = "", ""
    try:
        if hero not in (None, ""):
            if not isinstance(hero, str):
                raise ValueError(f"heroImage: must be text, not {type(hero).__name__}")
            if hero.startswith(("http://", "https://")):
                fields["hero_image_url"] = _web_url("heroImage", hero)
            elif not RELATIVE.match(hero) and not hero.startswith("/") or hero.startswith("//"):
                raise ValueError(f"heroImage: {hero!r} must be an http(s) URL or a path to an image file")
            else:
                try:
                    fields["hero_image"] = _image_name(hero, source.load_image, "heroes", dry_run)
                except ImageNotFound:
                    warnings.append(f"heroImage: image {hero!r} was not found, so the article has no hero image")
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
        if (not RELATIVE.match(target) and not target.startswith("/")) or target.startswith("//"):
            return target
        try:
            return settings.MEDIA_URL + _image_name(target, source.load_image, "body", dry_run)
        except ImageNotFound:
            if target not in missing:
                missing.append(target)
            return target

    missing: list[str] = []
    try:
        fields["body"] = frontmatter.replace_images(body, store_body_image)
    except ValueError as error:
        errors.append(f"body: {error}")
    warnings += [f"body: {_missing_image(path)}" for path in missing]
    if removed := removed_elements(body):
        warnings.append(f"body: {removed_elements_message(removed)}")

    if collapsed:
        warnings.append(f"{', '.join(collapsed)}: line breaks and repeated spaces collapsed to single spaces")
    if errors:
        raise InvalidArticle(errors, warnings, unknown)
    if (fields["hero_image"] or fields["hero_image_url"]) and not fields.get("hero_image_alt"):
        warnings.append("heroImageAlt: missing, so screen readers get nothing for the hero image")
    if author_defaulted:
        warnings.append(f"author: missing, so {author!r} ({options.default_author_source})")
    return Cleaned(fields, author, tags, warnings, author_slug, tag_slugs, unknown, author_defaulted,
                   redirects=list(source.redirects))
