"""Indexes for reader search (articles/search.py).

SQLite: FTS5 trigram tables kept in step by triggers (built from the existing articles here:
about 1.5 minutes for 100,000 long articles). PostgreSQL: a GIN index on the weighted tsvector,
and a trigram GIN index when the pg_trgm extension can be created (it needs the privilege to;
without it, search stays correct, substring matches are just not indexed).
"""

from django.db import migrations

from articles import search

PG_TRGM_INDEX = "article_search_trgm_idx"
PG_VECTOR_INDEX = "article_search_vector_idx"


def create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and search.SQLITE_FTS:
            search.create_sqlite_index(cursor)
        elif connection.vendor == "postgresql":
            cursor.execute(f"CREATE INDEX {PG_VECTOR_INDEX} ON articles_article USING gin ({search.PG_VECTOR})")
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
            (trgm,) = cursor.fetchone()
            if not trgm:
                cursor.execute("SAVEPOINT pg_trgm")
                try:
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    cursor.execute("RELEASE SAVEPOINT pg_trgm")
                    trgm = True
                except Exception:  # no privilege, or contrib not installed: unindexed substrings
                    cursor.execute("ROLLBACK TO SAVEPOINT pg_trgm")
            if trgm:
                cursor.execute(
                    f"CREATE INDEX {PG_TRGM_INDEX} ON articles_article USING gin ({search.PG_TEXT} gin_trgm_ops)"
                )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            search.drop_sqlite_index(cursor)
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_TRGM_INDEX}")
            cursor.execute(f"DROP INDEX IF EXISTS {PG_VECTOR_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_reader_page_indexes")]

    operations = [migrations.RunPython(create, drop)]
