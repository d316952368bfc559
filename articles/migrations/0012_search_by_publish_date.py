"""Search indexes ordered by publish date, and title/subtitle/description matches on PostgreSQL
(articles/search.py).

SQLite: the FTS5 trigram tables are remade contentless, their rowid the publish minute and the
id, so the newest matches by date are read first (about 1.5 minutes for 100,000 long articles).
PostgreSQL: a trigram GIN index on title, subtitle and description beside the one on all four
fields (0008), and a full-text GIN index on the words of all four (unweighted: it replaces
0008's weighted one, which nothing uses any more).
Without the pg_trgm extension (it needs the privilege to create), search stays correct,
substring matches are just not indexed.
"""

from django.db import migrations

from articles import search

PG_HEAD_TRGM_INDEX = "article_search_head_trgm_idx"
PG_VECTOR_INDEX = "article_search_vector_idx"
PG_WORDS_INDEX = "article_search_words_idx"


def _has_trgm(cursor):
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
    return cursor.fetchone()[0]


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and search.SQLITE_FTS:
            search.drop_sqlite_index(cursor)
            search.create_sqlite_index(cursor)
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_VECTOR_INDEX}")
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {PG_WORDS_INDEX} ON articles_article USING gin ({search.PG_WORDS})")
            if _has_trgm(cursor):
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {PG_HEAD_TRGM_INDEX} ON articles_article "
                    f"USING gin ({search.PG_HEAD_TEXT} gin_trgm_ops)"
                )


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {PG_HEAD_TRGM_INDEX}")
            cursor.execute(f"DROP INDEX IF EXISTS {PG_WORDS_INDEX}")
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {PG_VECTOR_INDEX} ON articles_article USING gin ({search.PG_VECTOR})")
    # SQLite keeps the date-ordered tables: 0008's reverse drops them.


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_author_edit_index")]

    operations = [migrations.RunPython(forward, backward)]
