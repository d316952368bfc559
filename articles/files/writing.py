"""Sources -> articles, with one report: the `import_articles` command and the admin's import
page both call `import_files`.

A file is validated whole before anything is written (articles/files/validation.py): a bad file
writes nothing and does not stop the others, and nothing a file holds can stop the run (any
failure is that file's reason). Valid files are written in batches (one transaction per batch,
bulk inserts and updates, authors and tags looked up once), so tens of thousands of files import
in seconds with memory that does not grow with their number.

An article is matched by its `uuid` when the file has one (files written by `export_articles`
do), else by its slug. Within one run an article comes from one file: a second file with the
same slug, uuid or target article is refused, naming the first. A file identical to its article
(fields, author and tags) is reported "unchanged" and not written. If the database refuses a
batch, each of its files is written again on its own, in its own savepoint: the file it refuses
is reported with the database's reason and the others are written.
"""

import datetime as dt
import gc
import logging
import time
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import DatabaseError, reset_queries, transaction
from django.db.models import F, Q
from django.utils import timezone
import reversion

from .. import publication_settings
from ..models import Article, Author, Redirect, Tag
from .report import FileResult, ImportReport, Skipped, SourceFile
from .validation import Cleaned, ImportOptions, InvalidArticle, clean, tag_slug

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


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
                        f"updates the same article ({article.get_absolute_url()}) as {first}, imported earlier "
                        "in this run; each article must come from one file"
                    )
            except ValueError as error:
                results.append(FileResult(source.name, "failed", errors=[str(error)], warnings=cleaned.warnings,
                                          unknown=cleaned.unknown))
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
                results.append(FileResult(source.name, "failed", errors=problems, warnings=cleaned.warnings,
                                          unknown=cleaned.unknown))
                continue
            if not created:
                claims[article.pk] = source.name
            results.append(FileResult(source.name, "created" if created else "updated", slug=cleaned.slug,
                                      warnings=list(cleaned.warnings), dry_run=self.dry_run,
                                      state=state_text(article, now), unknown=cleaned.unknown,
                                      author_defaulted=cleaned.author_defaulted))
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
            self._write_redirects([(article, cleaned) for _, article, cleaned, _ in valid if cleaned.redirects])
            if reversion.is_active():  # the admin import: a revision per article, as an admin save makes
                for article, _, _ in to_write:
                    reversion.add_to_revision(article)
        self.claimed.update(claims)  # only once the batch is through
        return results

    def _write_redirects(self, found: list[tuple[Article, Cleaned]]):
        """The articles' addresses on the site they come from answer 301 to them (articles/redirects.py)."""
        rows = {}
        for article, cleaned in found:
            own = article.get_absolute_url()
            rows.update((path[:500], article) for path in cleaned.redirects if path != own)
        if rows:
            Redirect.objects.filter(old_path__in=rows).delete()
            Redirect.objects.bulk_create(Redirect(old_path=path, article=article) for path, article in rows.items())

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


def state_text(article: Article, now: dt.datetime) -> str:
    """What readers get: 'public now', 'scheduled for 2 Dec 2026 09:30 Europe/Paris' or 'draft'."""
    if article.draft:
        return "draft"
    if article.publish_date <= now:
        return "public now"
    local = timezone.localtime(article.publish_date)
    return f"scheduled for {local.day} {local:%b %Y %H:%M} {timezone.get_current_timezone_name()}"


def default_options(dry_run: bool = False, drafts: bool = False) -> ImportOptions:
    """The run's options, with the author of files that name none: the publication's default
    author when one is set, else an author named after the publication."""
    record = publication_settings.PublicationSettings.objects.select_related("default_author").filter(pk=1).first()
    if record is not None and record.default_author is not None:
        return ImportOptions(dry_run, drafts, record.default_author.name, "the publication's default author")
    name = (record or publication_settings.PublicationSettings()).site_name
    return ImportOptions(
        dry_run, drafts, name, "the publication's name; set a default author in the publication settings"
    )


def _clean_or_fail(source: SourceFile, options: ImportOptions) -> Cleaned | FileResult:
    try:
        return clean(source, options)
    except InvalidArticle as invalid:
        return FileResult(source.name, "failed", errors=invalid.errors, warnings=invalid.warnings, unknown=invalid.unknown)
    except Exception as error:  # noqa: BLE001 - whatever a file holds, the run goes on and says why
        logger.exception("Importing %s failed", source.name)
        return FileResult(source.name, "failed", errors=[f"could not be read ({type(error).__name__}: {error})"])


def import_files(
    sources: Iterable[SourceFile | FileResult | Skipped],
    dry_run: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    keep_results: bool = True,
    batch_size: int = BATCH_SIZE,
    deadline: float | None = None,
    options: ImportOptions | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
) -> ImportReport:
    """Validate each source, write the valid ones in batches, report every file in order.

    With a `deadline` (a `time.monotonic()` value), files not started by then are left out and
    named in `report.not_reached`: what was written is whole, and importing the same files
    again finds those unchanged and goes on with the rest.
    """
    options = options or default_options(dry_run)
    dry_run = options.dry_run
    report = ImportReport(dry_run=dry_run, keep_results=keep_results)
    report.default_author, report.default_author_source = options.default_author, options.default_author_source
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
        if isinstance(source, Skipped):
            report.skip(source)
            if on_skip:
                on_skip(source)
            continue
        if deadline is not None and time.monotonic() > deadline:
            rest = [source] + list(sources)
            report.not_reached = [item.name for item in rest if not isinstance(item, Skipped)]
            for item in rest:
                if isinstance(item, Skipped):
                    report.skip(item)
            break
        if isinstance(source, FileResult):
            pending.append(source)
            continue
        cleaned = _clean_or_fail(source, options)
        if isinstance(cleaned, FileResult):
            pending.append(cleaned)
            continue
        for key, value in (("slug", cleaned.slug), ("uuid", cleaned.uuid)):
            if value is not None and value in first_file:
                reason = f"{key}: '{value}' is also the {key} of {first_file[value]}, imported earlier in this run"
                pending.append(FileResult(source.name, "failed", errors=[reason], warnings=cleaned.warnings))
                break
        else:
            first_file.update((value, source.name) for value in (cleaned.slug, cleaned.uuid) if value is not None)
            pending.append((source, cleaned))
        if len(pending) >= batch_size:
            flush()
    flush()
    return report
