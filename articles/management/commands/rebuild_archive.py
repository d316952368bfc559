from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from articles.archive import rebuild
from articles.cache import content_changed


class Command(BaseCommand):
    help = (
        "Count the archive's months again from the articles, in the site's TIME_ZONE "
        "(after raw SQL writes; a TIME_ZONE change is also picked up on its own by the next archive page or write)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to count in.")

    def handle(self, *args, database, **options):
        months, articles = rebuild(database)
        content_changed(database)  # cached pages may show the old counts
        self.stdout.write(
            f"Counted {articles} non-draft article(s) in {months} month(s), time zone {timezone.get_default_timezone_name()}."
        )
