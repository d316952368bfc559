"""The search indexes that articles/search/ reads, kept in step with articles_article by triggers.

SQLite: two FTS5 tables with the trigram tokenizer (SQLite 3.34 or later; older SQLite has no
index and search reads a bounded window), their rowid the publish minute * 2**31 + the id.
PostgreSQL: a search table filled by a trigger, with GIN indexes on its words and its 1- and
2-character pieces, and a trigram index on the four fields when the pg_trgm extension exists or
can be created (creating it needs the privilege; without it substring matches are unindexed).

The SQL is written out here: a migration never imports live code. Applying it indexes the
articles already in the table.
"""

import sqlite3

from django.db import migrations

SQLITE_FTS = sqlite3.sqlite_version_info >= (3, 34, 0)

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE articles_search USING fts5(title, subtitle, description, body, content='', tokenize='trigram')",
    "CREATE TABLE articles_search_head_text (key INTEGER PRIMARY KEY, head TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE articles_search_head USING fts5(head, content='articles_search_head_text', content_rowid='key', tokenize='trigram')",
    "INSERT INTO articles_search(rowid, title, subtitle, description, body) SELECT ((CAST(strftime('%s', articles_article.publish_date) AS INTEGER) / 60) * 2147483648 + articles_article.id), title, subtitle, description, body FROM articles_article",
    "INSERT INTO articles_search_head_text(key, head) SELECT ((CAST(strftime('%s', articles_article.publish_date) AS INTEGER) / 60) * 2147483648 + articles_article.id), articles_article.title || char(31) || articles_article.subtitle || char(31) || articles_article.description FROM articles_article",
    "INSERT INTO articles_search_head(articles_search_head) VALUES ('rebuild')",
    "CREATE TRIGGER insert_articles_search AFTER INSERT ON articles_article BEGIN INSERT INTO articles_search(rowid, title, subtitle, description, body) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title, new.subtitle, new.description, new.body); INSERT INTO articles_search_head_text(key, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description); INSERT INTO articles_search_head(rowid, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description);  END",
    "CREATE TRIGGER delete_articles_search AFTER DELETE ON articles_article BEGIN INSERT INTO articles_search(articles_search, rowid, title, subtitle, description, body) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title, old.subtitle, old.description, old.body); INSERT INTO articles_search_head(articles_search_head, rowid, head) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title || char(31) || old.subtitle || char(31) || old.description); DELETE FROM articles_search_head_text WHERE key = ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id);  END",
    "CREATE TRIGGER update_articles_search AFTER UPDATE OF title, subtitle, description, body, publish_date ON articles_article WHEN old.title IS NOT new.title OR old.subtitle IS NOT new.subtitle OR old.description IS NOT new.description OR old.body IS NOT new.body OR old.publish_date IS NOT new.publish_date BEGIN INSERT INTO articles_search(articles_search, rowid, title, subtitle, description, body) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title, old.subtitle, old.description, old.body); INSERT INTO articles_search_head(articles_search_head, rowid, head) VALUES ('delete', ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id), old.title || char(31) || old.subtitle || char(31) || old.description); DELETE FROM articles_search_head_text WHERE key = ((CAST(strftime('%s', old.publish_date) AS INTEGER) / 60) * 2147483648 + old.id); INSERT INTO articles_search(rowid, title, subtitle, description, body) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title, new.subtitle, new.description, new.body); INSERT INTO articles_search_head_text(key, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description); INSERT INTO articles_search_head(rowid, head) VALUES (((CAST(strftime('%s', new.publish_date) AS INTEGER) / 60) * 2147483648 + new.id), new.title || char(31) || new.subtitle || char(31) || new.description);  END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS insert_articles_search",
    "DROP TRIGGER IF EXISTS delete_articles_search",
    "DROP TRIGGER IF EXISTS update_articles_search",
    "DROP TABLE IF EXISTS articles_search_head",
    "DROP TABLE IF EXISTS articles_search_head_text",
    "DROP TABLE IF EXISTS articles_search",
]

PG_CREATE = [
    "CREATE TABLE articles_search_entry (article_id bigint PRIMARY KEY, head text NOT NULL, grams text[] NOT NULL, words tsvector NOT NULL)",
    "CREATE FUNCTION articles_search_grams(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ARRAY(SELECT DISTINCT substr($1, i, n) FROM generate_series(1, char_length($1)) i, generate_series(1, 2) n) $$",
    "CREATE FUNCTION articles_search_pairs(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, greatest(char_length($1) - 1, 1)) i) $$",
    """CREATE FUNCTION articles_search_entry_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM articles_search_entry WHERE article_id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN  -- save() writes every column: recompute only what changed
        IF (OLD.title, OLD.subtitle, OLD.description, OLD.body) IS NOT DISTINCT FROM
                (NEW.title, NEW.subtitle, NEW.description, NEW.body) THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO articles_search_entry (article_id, head, grams, words) SELECT NEW.id, lower(NEW.title || chr(31) || NEW.subtitle || chr(31) || NEW.description), articles_search_grams(lower(NEW.title || chr(31) || NEW.subtitle || chr(31) || NEW.description)), strip(to_tsvector('simple'::regconfig, NEW.title || chr(31) || NEW.subtitle || chr(31) || NEW.description || chr(31) || NEW.body))
    ON CONFLICT (article_id) DO UPDATE SET head = excluded.head, grams = excluded.grams, words = excluded.words;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER articles_search_entry_sync AFTER INSERT OR DELETE OR UPDATE OF title, subtitle, description, body ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_search_entry_sync()",
    "INSERT INTO articles_search_entry (article_id, head, grams, words) SELECT articles_article.id, lower(articles_article.title || chr(31) || articles_article.subtitle || chr(31) || articles_article.description), articles_search_grams(lower(articles_article.title || chr(31) || articles_article.subtitle || chr(31) || articles_article.description)), strip(to_tsvector('simple'::regconfig, articles_article.title || chr(31) || articles_article.subtitle || chr(31) || articles_article.description || chr(31) || articles_article.body)) FROM articles_article",
    "CREATE INDEX articles_search_entry_grams_idx ON articles_search_entry USING gin (grams)",
    "CREATE INDEX articles_search_entry_words_idx ON articles_search_entry USING gin (words)",
    "ANALYZE articles_search_entry",
]

PG_HAS_TRGM = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')"
PG_CREATE_TRGM = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
PG_TRGM_INDEX = "CREATE INDEX article_search_trgm_idx ON articles_article USING gin ((title || chr(31) || subtitle || chr(31) || description || chr(31) || body) gin_trgm_ops)"

PG_DROP = [
    "DROP INDEX IF EXISTS article_search_trgm_idx",
    "DROP TRIGGER IF EXISTS articles_search_entry_sync ON articles_article",
    "DROP FUNCTION IF EXISTS articles_search_entry_sync()",
    "DROP TABLE IF EXISTS articles_search_entry",
    "DROP FUNCTION IF EXISTS articles_search_grams(text)",
    "DROP FUNCTION IF EXISTS articles_search_pairs(text)",
]


class RunSQLOn(migrations.RunSQL):
    """RunSQL for one database vendor; the others have no such index (search reads a bounded
    window of the newest articles instead)."""

    def __init__(self, vendor, sql, reverse_sql, enabled=True):
        super().__init__(sql, reverse_sql)
        self.vendor, self.enabled = vendor, enabled

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor], {**kwargs, "enabled": self.enabled}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if self.enabled and schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def pg_trigram_index(apps, schema_editor):
    """The trigram index when pg_trgm is there or this role may create it (inside a savepoint:
    a refusal must not abort the migration's transaction)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(PG_HAS_TRGM)
        if not cursor.fetchone()[0]:
            cursor.execute("SAVEPOINT pg_trgm")
            try:
                cursor.execute(PG_CREATE_TRGM)
            except Exception:  # no privilege, or contrib not installed
                cursor.execute("ROLLBACK TO SAVEPOINT pg_trgm")
                return
            cursor.execute("RELEASE SAVEPOINT pg_trgm")
        cursor.execute(PG_TRGM_INDEX)


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        RunSQLOn("sqlite", SQLITE_CREATE, SQLITE_DROP, enabled=SQLITE_FTS),
        RunSQLOn("postgresql", PG_CREATE, PG_DROP),
        migrations.RunPython(pg_trigram_index, migrations.RunPython.noop),
    ]
