"""PostgreSQL: a search table beside the articles (articles/search/), filled from the existing
articles here (about 1.5 minutes for 100,000 long articles) and kept in step by a trigger.

It holds what the expression indexes of 0012 made PostgreSQL recompute for every row it
walked: the words of each article (a stored tsvector; to_tsvector cost ~0.8 ms a row) and its
lowered title, subtitle and description with their 1- and 2-character pieces. Those two
expression indexes are dropped; 0008's trigram index stays (substrings in whole texts).
SQLite: nothing to do (its FTS5 tables already store what they index).
"""

from django.db import migrations

# The SQL as it was when this migration was written (migrations never import live code).
PG_TEXT = '(title || chr(31) || subtitle || chr(31) || description || chr(31) || body)'
PG_HEAD_TEXT = '(title || chr(31) || subtitle || chr(31) || description)'
PG_WORDS = "to_tsvector('simple'::regconfig, (title || chr(31) || subtitle || chr(31) || description || chr(31) || body))"
PG_VECTOR = "(setweight(to_tsvector('simple'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, subtitle), 'B') || setweight(to_tsvector('simple'::regconfig, description), 'C') || setweight(to_tsvector('simple'::regconfig, body), 'D'))"

PG_CREATE = [
    'CREATE TABLE articles_search_entry (article_id bigint PRIMARY KEY, head text NOT NULL, grams text[] NOT NULL, words tsvector NOT NULL)',
    'CREATE FUNCTION articles_search_grams(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ARRAY(SELECT DISTINCT substr($1, i, n) FROM generate_series(1, char_length($1)) i, generate_series(1, 2) n) $$',
    'CREATE FUNCTION articles_search_pairs(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, greatest(char_length($1) - 1, 1)) i) $$',
    "CREATE FUNCTION articles_search_entry_sync() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP = 'DELETE' THEN\n        DELETE FROM articles_search_entry WHERE article_id = OLD.id;\n        RETURN NULL;\n    END IF;\n    IF TG_OP = 'UPDATE' THEN  -- save() writes every column: recompute only what changed\n        IF (OLD.title, OLD.subtitle, OLD.description, OLD.body) IS NOT DISTINCT FROM\n                (NEW.title, NEW.subtitle, NEW.description, NEW.body) THEN\n            RETURN NULL;\n        END IF;\n    END IF;\n    INSERT INTO articles_search_entry (article_id, head, grams, words) SELECT NEW.id, lower(NEW.title || chr(31) || NEW.subtitle || chr(31) || NEW.description), articles_search_grams(lower(NEW.title || chr(31) || NEW.subtitle || chr(31) || NEW.description)), strip(to_tsvector('simple'::regconfig, NEW.title || chr(31) || NEW.subtitle || chr(31) || NEW.description || chr(31) || NEW.body))\n    ON CONFLICT (article_id) DO UPDATE SET head = excluded.head, grams = excluded.grams, words = excluded.words;\n    RETURN NULL;\nEND $$",
    'CREATE TRIGGER articles_search_entry_sync AFTER INSERT OR DELETE OR UPDATE OF title, subtitle, description, body ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_search_entry_sync()',
    "INSERT INTO articles_search_entry (article_id, head, grams, words) SELECT articles_article.id, lower(articles_article.title || chr(31) || articles_article.subtitle || chr(31) || articles_article.description), articles_search_grams(lower(articles_article.title || chr(31) || articles_article.subtitle || chr(31) || articles_article.description)), strip(to_tsvector('simple'::regconfig, articles_article.title || chr(31) || articles_article.subtitle || chr(31) || articles_article.description || chr(31) || articles_article.body)) FROM articles_article",
    'CREATE INDEX articles_search_entry_grams_idx ON articles_search_entry USING gin (grams)',
    'CREATE INDEX articles_search_entry_words_idx ON articles_search_entry USING gin (words)',
    'ANALYZE articles_search_entry',
]

PG_DROP = [
    'DROP TRIGGER IF EXISTS articles_search_entry_sync ON articles_article',
    'DROP FUNCTION IF EXISTS articles_search_entry_sync()',
    'DROP TABLE IF EXISTS articles_search_entry',
    'DROP FUNCTION IF EXISTS articles_search_grams(text)',
    'DROP FUNCTION IF EXISTS articles_search_pairs(text)',
]


def _run(cursor, statements):
    for statement in statements:
        cursor.execute(statement)

PG_WORDS_INDEX = "article_search_words_idx"
PG_HEAD_TRGM_INDEX = "article_search_head_trgm_idx"


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {PG_WORDS_INDEX}")
        cursor.execute(f"DROP INDEX IF EXISTS {PG_HEAD_TRGM_INDEX}")
        _run(cursor, PG_CREATE)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        _run(cursor, PG_DROP)
        # 0012's indexes again.
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {PG_WORDS_INDEX} ON articles_article USING gin ({PG_WORDS})")
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
        if cursor.fetchone()[0]:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_HEAD_TRGM_INDEX} ON articles_article "
                f"USING gin ({PG_HEAD_TEXT} gin_trgm_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_version_next_publish_settings_token")]

    operations = [migrations.RunPython(forward, backward)]
