import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.dates import local_moment
from articles.files.export import articles_to_export, export_articles
from articles.models import Author
from articles.files.progress import Progress


def moment(text: str, end_of_day: bool = False) -> dt.datetime:
    """A date (the start of that day in the site's time zone; with end_of_day, the next day's) or ISO 8601."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text) + dt.timedelta(days=1 if end_of_day else 0)
            return local_moment(dt.datetime.combine(day, dt.time.min))
        value = dt.datetime.fromisoformat(text)
        return value if timezone.is_aware(value) else local_moment(value)
    except ValueError as error:
        reason = str(error) if "daylight saving" in str(error) else "use YYYY-MM-DD or an ISO 8601 date and time"
        raise CommandError(f"{text!r} is not a date: {reason}.") from None


class Command(BaseCommand):
    help = (
        "Export articles as Markdown files in the reference format (one <slug>.md each, images under "
        "media/), ready for import_articles. Exporting twice gives the same files."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="The folder to write into (created if missing).")
        parser.add_argument("--author", help="Only this author's articles (the author's slug).")
        parser.add_argument("--since", help="Only articles published on or after this date (YYYY-MM-DD) or moment.")
        parser.add_argument("--until", help="Only articles published on or before this date (YYYY-MM-DD) or before this moment.")
        parser.add_argument("--published-only", action="store_true", help="Leave out drafts and scheduled articles.")
        parser.add_argument(
            "--overwrite", action="store_true",
            help="Write into a folder that is not empty (files the export writes are replaced; others are left alone).",
        )

    def handle(self, *args, outdir, author, since, until, published_only, overwrite, **options):
        outdir = Path(outdir)
        if outdir.exists() and not outdir.is_dir():
            raise CommandError(f"{outdir} exists and is not a folder.")
        if outdir.is_dir() and any(outdir.iterdir()) and not overwrite:
            raise CommandError(f"{outdir} is not empty: pass --overwrite to export into it (e.g. to update an archive).")
        if author and not Author.objects.filter(slug=author).exists():
            raise CommandError(f"No author with the slug {author!r}.")
        start, end = moment(since) if since else None, moment(until, end_of_day=True) if until else None
        if start and end and start >= end:
            raise CommandError("--since must be before --until.")

        articles = articles_to_export(author=author, since=start, until=end, published_only=published_only)
        progress = Progress(getattr(self.stdout, "_out", self.stdout), total=articles.count(), noun="articles")
        outdir.mkdir(parents=True, exist_ok=True)

        def show(exported):
            if exported.warnings:
                progress.message(self.style.WARNING(str(exported)))
            elif options["verbosity"] >= 2:
                progress.message(str(exported))
            progress.advance()

        try:
            report = export_articles(articles, outdir, on_file=show)
        except OSError as error:  # a full disk, a read-only folder: say so, not a traceback
            progress.finish()
            raise CommandError(f"The export stopped, incomplete: {error}") from None
        progress.finish()
        self.stdout.write(f"{report.summary()} Into {outdir}.")
