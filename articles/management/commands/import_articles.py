from django.core.management.base import BaseCommand, CommandError

from articles.importing import files_from_paths, import_files
from articles.progress import Progress


class Command(BaseCommand):
    help = (
        "Import articles from Markdown files with YAML front matter (files or directories). "
        "Articles are matched by uuid, else by slug: existing ones are updated, identical ones are "
        "reported unchanged. One-line fields (title, subtitle, author, heroImageAlt, tags) have line "
        "breaks and runs of spaces collapsed to one space; control characters are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Markdown files, or directories searched recursively.")
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Validate every file and report what would be created, updated or refused; write nothing.",
        )

    def handle(self, *args, paths, dry_run, **options):
        files = files_from_paths(paths)
        # The raw stream: the bar redraws its line with "\r" and must not get a newline added.
        progress = Progress(getattr(self.stdout, "_out", self.stdout), total=len(files))
        verbosity = options["verbosity"]

        def show(result):
            if result.errors:
                progress.message(self.style.ERROR(str(result)))
            elif verbosity >= 1:
                progress.message(str(result))
            progress.advance()

        # Results are printed as they come, not kept: memory stays flat however many files.
        report = import_files(files, dry_run=dry_run, on_result=show, keep_results=False)
        progress.finish()
        self.stdout.write(report.summary() + (" Nothing was written (dry run)." if dry_run else ""))
        if report.failed:
            raise CommandError(f"{len(report.failed)} file(s) failed to import.")
