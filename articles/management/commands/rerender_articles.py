from django.core.management.base import BaseCommand

from articles.models import Article

BATCH = 500


class Command(BaseCommand):
    help = (
        "Render every stored body again with the current Markdown renderer and sanitiser "
        "(bodies are rendered once, on save). Run it after upgrading Masthead when the release "
        "notes say the renderer changed."
    )

    def handle(self, *args, **options):
        changed, seen = [], 0
        for article in Article.objects.order_by("pk").iterator(chunk_size=BATCH):
            seen += 1
            before = (article.body_html, article.read_time)
            article.prepare_for_save()
            if (article.body_html, article.read_time) != before:
                changed.append(article)
            if len(changed) >= BATCH:
                Article.objects.bulk_update(changed, ["body", "body_html", "read_time"])
                self.stdout.write(f"{seen} articles read…")
                changed = []
        Article.objects.bulk_update(changed, ["body", "body_html", "read_time"])
        self.stdout.write(f"Rendered {seen} article(s) again.")
