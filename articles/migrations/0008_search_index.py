"""Indexes for reader search (articles/search/).

SQLite: FTS5 trigram tables kept in step by triggers (built from the existing articles here:
about 1.5 minutes for 100,000 long articles). PostgreSQL: a GIN index on the weighted tsvector,
and a trigram GIN index when the pg_trgm extension can be created (it needs the privilege to;
without it, search stays correct, substring matches are just not indexed).
"""

import sqlite3

from django.db import migrations

# The SQL as it was when this migration was written (migrations never import live code).
# SQLite 3.34 brought FTS5's trigram tokenizer; older SQLite has no index.
SQLITE_FTS = sqlite3.sqlite_version_info >= (3, 34, 0)
PG_TEXT = '(title || chr(31) || subtitle || chr(31) || description || chr(31) || body)'
PG_HEAD_TEXT = '(title || chr(31) || subtitle || chr(31) || description)'
PG_WORDS = "to_tsvector('simple'::regconfig, (title || chr(31) || subtitle || chr(31) || description || chr(31) || body))"
PG_VECTOR = "(setweight(to_tsvector('simple'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, subtitle), 'B') || setweight(to_tsvector('simple'::regconfig, description), 'C') || setweight(to_tsvector('simple'::regconfig, body), 'D'))"

SQLITE_CREATE = [
    'DROP TRIGGER IF EXISTS insert_articles_search',
    'DROP TRIGGER IF EXISTS delete_articles_search',
    'DROP TRIGGER IF EXISTS update_articles_search',
    'DROP TRIGGER IF EXISTS update_articles_search_head',
    'DROP TABLE IF EXISTS articles_search_head',
    'DROP TABLE IF EXISTS articles_search_head_text',
    'DROP TABLE IF EXISTS articles_search',
    "CREATE VIRTUAL TABLE articles_search USING fts5(title, subtitle, description, body, content='', tokenize='trigram')",
    'CREATE TABLE articles_search_head_text (key INTEGER PRIMARY KEY, head TEXT NOT NULL)',
    "CREATE VIRTUAL TABLE articles_search_head USING fts5(head, content='articles_search_head_text', content_rowid='key', tokenize='trigram')",
    "INSERT INTO articles_search(rowid, title, subtitle, description, body) SELECT ((CAST(strftime('%s', articles_article.publish_date) AS INTEGER) / 60) * 2147483648 + articles_article.id), title, subtitle, description, body FROM articles_article",
    "INSERT INTO articles_search_head_text(key, head) SELECT ((CAST(strftime('%s', articles_article.publish_date) AS INTEGER) / 60) * 2147483648 + articles_article.id), articles_article.title || char(31) || articles_article.subtitle || char(31) || articles_article.description FROM articles_article",
    "INSERT INTO articles_search_head(articles_search_head) VALUES ('rebuild')",
    "CREATE TRIGGER insert_articles_search AFTER INSERT ON articles_article BEGIN INSERT INTO articles_search(rowid, title, subtitle, description, body) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title, new.subtitle, new.description, new.body); INSERT INTO articles_search_head_text(key, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description); INSERT INTO articles_search_head(rowid, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description);  END",
    "CREATE TRIGGER delete_articles_search AFTER DELETE ON articles_article BEGIN INSERT INTO articles_search(articles_search, rowid, title, subtitle, description, body) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title, old.subtitle, old.description, old.body); INSERT INTO articles_search_head(articles_search_head, rowid, head) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title || char(31) || old.subtitle || char(31) || old.description); DELETE FROM articles_search_head_text WHERE key = ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id);  END",
    "CREATE TRIGGER update_articles_search AFTER UPDATE OF title, subtitle, description, body, publish_date ON articles_article WHEN old.title IS NOT new.title OR old.subtitle IS NOT new.subtitle OR old.description IS NOT new.description OR old.body IS NOT new.body OR old.publish_date IS NOT new.publish_date BEGIN INSERT INTO articles_search(articles_search, rowid, title, subtitle, description, body) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title, old.subtitle, old.description, old.body); INSERT INTO articles_search_head(articles_search_head, rowid, head) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title || char(31) || old.subtitle || char(31) || old.description); DELETE FROM articles_search_head_text WHERE key = ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id); INSERT INTO articles_search(rowid, title, subtitle, description, body) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title, new.subtitle, new.description, new.body); INSERT INTO articles_search_head_text(key, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description); INSERT INTO articles_search_head(rowid, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description);  END",
]

SQLITE_DROP = [
    'DROP TRIGGER IF EXISTS insert_articles_search',
    'DROP TRIGGER IF EXISTS delete_articles_search',
    'DROP TRIGGER IF EXISTS update_articles_search',
    'DROP TRIGGER IF EXISTS update_articles_search_head',
    'DROP TABLE IF EXISTS articles_search_head',
    'DROP TABLE IF EXISTS articles_search_head_text',
    'DROP TABLE IF EXISTS articles_search',
]


def _run(cursor, statements):
    for statement in statements:
        cursor.execute(statement)

PG_TRGM_INDEX = "article_search_trgm_idx"
PG_VECTOR_INDEX = "article_search_vector_idx"


def create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and SQLITE_FTS:
            _run(cursor, SQLITE_CREATE)
        elif connection.vendor == "postgresql":
            cursor.execute(f"CREATE INDEX {PG_VECTOR_INDEX} ON articles_article USING gin ({PG_VECTOR})")
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
                    f"CREATE INDEX {PG_TRGM_INDEX} ON articles_article USING gin ({PG_TEXT} gin_trgm_ops)"
                )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _run(cursor, SQLITE_DROP)
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_TRGM_INDEX}")
            cursor.execute(f"DROP INDEX IF EXISTS {PG_VECTOR_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_reader_page_indexes")]

    operations = [migrations.RunPython(create, drop)]
