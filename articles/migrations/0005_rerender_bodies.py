"""Re-render every stored body with today's render_markdown.

Bodies are rendered once, on save, into body_html. render_markdown now drops control
characters (forbidden in HTML) and no longer puts `rel` on links (left without an href when
the sanitiser removes an unsafe one, that is invalid HTML): stored HTML gets the same fix.
"""

from django.db import migrations

BATCH = 500


def rerender(apps, schema_editor):
    from articles.markdown import render_markdown
    from articles.renditions import responsive_body_images

    Article = apps.get_model("articles", "Article")
    rows = Article.objects.only("pk", "body", "body_html").order_by("pk")
    changed = []
    for article in rows.iterator(chunk_size=BATCH):
        html = responsive_body_images(render_markdown(article.body))
        if html != article.body_html:
            article.body_html = html
            changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["body_html"])
            changed = []
    Article.objects.bulk_update(changed, ["body_html"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_reader_order_index")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop, elidable=True)]
