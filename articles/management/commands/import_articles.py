from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.files.progress import Progress
from articles.files.sources import files_from_paths
from articles.files.writing import default_options, import_files


class Command(BaseCommand):
    help = (
        "Import articles from Markdown files (YAML or TOML front matter as Masthead, Astro, Hugo, Jekyll, "
        "Eleventy or Obsidian write it; .mdx too), a WordPress export (.xml) or a Ghost export (.json); "
        "files or directories. Articles are matched by uuid, else by slug: existing ones are updated, "
        "identical ones are reported unchanged. Every item is accounted for in the loss report at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files, or directories searched recursively.")
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Validate everything and report what would be created, updated or refused, and each article's state; write nothing.",
        )
        parser.add_argument("--drafts", action="store_true", help="Import every article as a draft.")
        parser.add_argument(
            "--static-dir", metavar="DIR",
            help="Where site-absolute image paths (/images/a.png) are found: a static site's static/ or public/ folder.",
        )

    def handle(self, *args, paths, dry_run, drafts, static_dir, **options):
        if static_dir and not Path(static_dir).is_dir():
            raise CommandError(f"--static-dir {static_dir}: no such directory.")
        files = files_from_paths(paths, static_dir=static_dir)
        # The raw stream: the bar redraws its line with "\r" and must not get a newline added.
        progress = Progress(getattr(self.stdout, "_out", self.stdout), total=len(files), noun=files.noun)
        verbosity = options["verbosity"]

        def show(result):
            if result.errors:
                progress.message(self.style.ERROR(str(result)))
            elif verbosity >= 1:
                progress.message(str(result))
            progress.advance()

        # Results are printed as they come, not kept: memory stays flat however many files.
        report = import_files(
            files, on_result=show, keep_results=False, options=default_options(dry_run, drafts),
            on_skip=lambda skipped: progress.advance(0 if skipped.kind == "comments" else 1),
        )
        progress.finish()
        self.stdout.write(report.summary() + (" Nothing was written (dry run)." if dry_run else ""))
        for line in report.details():
            self.stdout.write(line)
        if report.failed:
            raise CommandError(f"{len(report.failed)} file(s) failed to import.")
