from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from articles.files.sources import files_from_paths
from articles.files.writing import import_files
from articles.models import Article

DEMO_ARTICLES = Path(settings.BASE_DIR) / "demo" / "articles"


class Command(BaseCommand):
    help = "Import the demo articles into an empty site (does nothing when articles exist)."

    def handle(self, *args, **options):
        if Article.objects.exists():
            self.stdout.write("Articles exist already; demo content not loaded.")
            return
        report = import_files(files_from_paths([DEMO_ARTICLES]))
        self.stdout.write(f"Demo content: {report.summary()}")
