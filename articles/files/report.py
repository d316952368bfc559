"""What an import says: each file's result, the run's counts, and the loss report that accounts
for every item a source held (imported, imported with changes, refused, or skipped by kind)."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

# Given a relative path as written in a file, return the image's bytes (or None if absent).
ImageLoader = Callable[[str], bytes | None]


@dataclass
class SourceFile:
    """One article to import: a file's text, or (from a WordPress or Ghost export) its front
    matter and body already read, with notes on what changed on the way and its old addresses."""

    name: str
    text: str = ""
    load_image: ImageLoader = lambda path: None
    document: Any = None  # a frontmatter.Document, instead of `text`
    notes: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    """Items of an export that are not articles (pages, attachments, menus, comments...)."""

    kind: str
    count: int = 1


@dataclass
class FileResult:
    name: str
    action: str  # "created", "updated", "unchanged" or "failed"
    slug: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    state: str = ""  # what readers get: "public now", "scheduled for ...", "draft"
    unknown: list[str] = field(default_factory=list)  # front matter keys ignored
    author_defaulted: bool = False

    def __str__(self):
        notes = "".join(f" (warning: {w})" for w in self.warnings)
        if self.errors:
            return f"{self.name}: failed: " + "; ".join(self.errors) + notes
        action = f"would be {self.action}" if self.dry_run and self.action != "unchanged" else self.action
        state = f", {self.state}" if self.state else ""
        return f"{self.name}: {action} {reverse('article_detail', kwargs={'slug': self.slug})}{state}{notes}"


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
    skipped: Counter = field(default_factory=Counter)  # kind -> items not imported
    unknown_keys: Counter = field(default_factory=Counter)  # key -> files that had it
    with_changes: int = 0  # articles with warnings: what changed or is missing is on their lines
    default_author: str = ""
    default_author_source: str = ""
    defaulted_authors: int = 0

    def add(self, result: FileResult):
        self.counts[result.action] += 1
        self.unknown_keys.update(dict.fromkeys(result.unknown, 1))
        if result.action == "failed":
            self.failed.append(result)
        else:
            self.with_changes += bool(result.warnings)
            self.defaulted_authors += result.author_defaulted
        if self.keep_results:
            self.results.append(result)

    def skip(self, item: Skipped):
        self.skipped[item.kind] += item.count

    def details(self) -> list[str]:
        """The lines after the summary: the default author, unknown keys, the loss report."""
        lines = []
        if self.defaulted_authors:
            lines.append(
                f"Author: {self.defaulted_authors} article(s) name no author and are by "
                f"{self.default_author!r} ({self.default_author_source})."
            )
        if self.unknown_keys:
            keys = ", ".join(f"{key} ({count})" for key, count in sorted(self.unknown_keys.items()))
            lines.append(f"Unknown front matter keys, ignored (files): {keys}.")
        lines.append(self.loss_report())
        return lines

    def loss_report(self) -> str:
        """'Loss report: 12 item(s): 9 imported as they are, 2 imported with changes (listed with
        each), 1 refused; skipped: 2 page(s), 5 attachment(s), 14 comment(s).'"""
        written = self.total - self.counts["failed"]
        verb = "would be imported" if self.dry_run else "imported"
        parts = [
            f"{written - self.with_changes} {verb} as they are",
            f"{self.with_changes} {verb} with changes or warnings (listed with each)",
            f"{self.counts['failed']} refused",
        ]
        if self.not_reached:
            parts.append(f"{len(self.not_reached)} not reached")
        skipped = ", ".join(f"{count} {kind}" for kind, count in sorted(self.skipped.items()))
        items = self.total + len(self.not_reached) + sum(self.skipped.values())
        return f"Loss report: {items} item(s): " + ", ".join(parts) + (f"; skipped: {skipped}." if skipped else "; none skipped.")

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

