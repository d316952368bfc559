from django.core.management.base import BaseCommand, CommandError

from articles.importing import files_from_paths, import_files


class Command(BaseCommand):
    help = "Import articles from Markdown files with YAML front matter (files or directories)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Markdown files, or directories searched recursively.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")

    def handle(self, *args, paths, dry_run, **options):
        def show(result):
            if options["verbosity"]:
                style = self.style.ERROR if result.errors else self.style.SUCCESS
                self.stdout.write(style(str(result)))

        report = import_files(files_from_paths(paths), dry_run=dry_run, on_result=show)
        self.stdout.write(report.summary())
        if report.failed:
            raise CommandError(f"{len(report.failed)} file(s) failed to import.")
