"""PostgreSQL: a search table beside the articles (articles/search.py), filled from the existing
articles here (about 1.5 minutes for 100,000 long articles) and kept in step by a trigger.

It holds what the expression indexes of 0012 made PostgreSQL recompute for every row it
walked: the words of each article (a stored tsvector; to_tsvector cost ~0.8 ms a row) and its
lowered title, subtitle and description with their 1- and 2-character pieces. Those two
expression indexes are dropped; 0008's trigram index stays (substrings in whole texts).
SQLite: nothing to do (its FTS5 tables already store what they index).
"""

from django.db import migrations

from articles import search

PG_WORDS_INDEX = "article_search_words_idx"
PG_HEAD_TRGM_INDEX = "article_search_head_trgm_idx"


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {PG_WORDS_INDEX}")
        cursor.execute(f"DROP INDEX IF EXISTS {PG_HEAD_TRGM_INDEX}")
        search.create_postgres_index(cursor)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        search.drop_postgres_index(cursor)
        # 0012's indexes again.
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {PG_WORDS_INDEX} ON articles_article USING gin ({search.PG_WORDS})")
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
        if cursor.fetchone()[0]:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_HEAD_TRGM_INDEX} ON articles_article "
                f"USING gin ({search.PG_HEAD_TEXT} gin_trgm_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_version_next_publish_settings_token")]

    operations = [migrations.RunPython(forward, backward)]
