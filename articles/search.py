"""Ranked search over an article's title, subtitle, description and body.

Every term (a word, or a "quoted phrase") must appear in the article, as a substring, so
words of languages written without spaces (Japanese, Chinese) are found like any other.
Ranking: a term in the title counts 8, in the subtitle 4, in the description 2 (in the body
only: 0); ties go to the newest article.

Indexes keep it fast with 100,000 articles (bench/scale.py):
- SQLite: two FTS5 tables with the trigram tokenizer (substring matching for terms of 3+
  characters, any script), kept in step with articles_article by SQL triggers
  (migration 0008_search_index; `ensure_sqlite_index` re-creates them after Django remakes
  the table). `articles_search` holds the four fields, `articles_search_head` the three short
  ones.
- PostgreSQL: a GIN index on the weighted `simple` tsvector of the four fields (full-text
  search, any language alike) and, when the pg_trgm extension could be created, a trigram GIN
  index for substring matches.

A common word can match nearly every article, and counting or ranking 100,000 rows costs a
second whatever the index. So matching is bounded: the candidates are the newest WINDOW
articles matching every term, plus (on SQLite) the newest WINDOW whose title, subtitle or
description alone match every term, so an old article named after the query is still found.
Terms shorter than 3 characters (e.g. two kanji) cannot use a trigram index: a query made
only of those looks through the newest WINDOW public articles.

`ArticleQuerySet.search()` calls `search_articles`: views use that, never this module's parts.
"""

import re
import sqlite3

from django.db import connection
from django.db.models import BooleanField, Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

FIELDS = ("title", "subtitle", "description", "body")
# How much a term found in each short field counts; the body is where the rest match.
WEIGHTS = {"title": 8, "subtitle": 4, "description": 2}
MAX_TERMS = 10
MAX_QUERY_LENGTH = 200
# At most this many candidates per index (see the module's docstring): results are capped near it.
WINDOW = 500
TRIGRAM = 3  # the shortest term a trigram index can find
TERM = re.compile(r'"([^"]+)"|(\S+)')

# SQLite 3.34 brought FTS5's trigram tokenizer; older SQLite searches the bounded window only.
SQLITE_FTS = sqlite3.sqlite_version_info >= (3, 34, 0)
SQLITE_TABLES = {
    "articles_search": ("title", "subtitle", "description", "body"),
    "articles_search_head": ("title", "subtitle", "description"),
}
# PostgreSQL: one expression, written once, for the GIN index and for the queries that use it.
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, title), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, subtitle), 'B')"
    " || setweight(to_tsvector('simple'::regconfig, description), 'C')"
    " || setweight(to_tsvector('simple'::regconfig, body), 'D'))"
)
# The four fields as one text for the trigram index; chr(31) cannot occur in a search term.
PG_TEXT = "(title || chr(31) || subtitle || chr(31) || description || chr(31) || body)"


def search_terms(query: str) -> list[str]:
    """The words and "quoted phrases" of a query, without duplicates, at most MAX_TERMS."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    terms = []
    for phrase, word in TERM.findall(query):
        term = " ".join((phrase or word).split()).strip("\"'")
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def search_articles(queryset, query: str):
    """Articles of `queryset` matching every term of `query`, best first; none for an empty query."""
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    if connection.vendor == "sqlite" and SQLITE_FTS:
        matches = _sqlite_matches(queryset, terms)
    elif connection.vendor == "postgresql":
        matches = _postgres_matches(queryset, terms)
    else:
        matches = _window_matches(queryset, terms)
    return matches.annotate(rank=_rank(terms)).order_by("-rank", "-publish_date", "-id")


def _contains(term: str) -> Q:
    match = Q()
    for field in FIELDS:
        match |= Q(**{f"{field}__icontains": term})
    return match


def _window_matches(queryset, terms):
    """The newest WINDOW articles of `queryset` that contain every term: bounded, no index needed."""
    newest = queryset.order_by("-publish_date", "-id").values("pk")[:WINDOW]
    matches = queryset.filter(pk__in=newest)
    for term in terms:
        matches = matches.filter(_contains(term))
    return matches


def _sqlite_matches(queryset, terms):
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    if not long_terms:
        return _window_matches(queryset, terms)
    # FTS5 query syntax: "a" "b" means both strings (a trigram string matches as a substring).
    fts_query = " ".join('"' + term.replace('"', '""') + '"' for term in long_terms)
    # Each index is read newest row first and stops after WINDOW rows: cost bounded by WINDOW.
    candidates = RawSQL(
        " UNION ".join(
            f"SELECT rowid FROM (SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY rowid DESC LIMIT %s)"
            for table in SQLITE_TABLES
        ),
        [fts_query, WINDOW] * len(SQLITE_TABLES),
    )
    matches = queryset.filter(pk__in=candidates)
    for term in terms:
        if len(term) < TRIGRAM:
            matches = matches.filter(_contains(term))
    return matches


def _postgres_matches(queryset, terms):
    # Each term: a full-text phrase (words of any language the parser splits into words) or a
    # substring of the text (Japanese, Chinese, parts of words). Both expressions are indexed.
    matches = queryset
    for term in terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches = matches.filter(
            RawSQL(
                f"({PG_VECTOR} @@ phraseto_tsquery('simple'::regconfig, %s) OR {PG_TEXT} ILIKE %s)",
                [term, pattern],
                output_field=BooleanField(),
            )
        )
    # Newest first through the primary key, stopping at WINDOW matches: bounded for common words.
    return queryset.filter(pk__in=matches.order_by("-id").values("pk")[:WINDOW])


def _rank(terms: list[str]):
    rank = Value(0)
    for term in terms:
        for field, weight in WEIGHTS.items():
            rank = rank + Case(
                When(**{f"{field}__icontains": term}, then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return rank


# SQLite: the FTS5 tables are "external content" tables (they index articles_article's text
# without a copy of it); these triggers keep them in step with every INSERT, UPDATE and DELETE,
# whoever makes it (save, bulk_create, update, the importer, the admin, raw SQL).
def _sqlite_trigger_sql() -> list[str]:
    statements = []
    for event, old, new in (("INSERT", False, True), ("DELETE", True, False)):
        actions = "".join(_sqlite_actions(table, columns, old, new) for table, columns in SQLITE_TABLES.items())
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {event.lower()}_articles_search AFTER {event} ON articles_article "
            f"BEGIN {actions} END"
        )
    for table, columns in SQLITE_TABLES.items():
        changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in columns)
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS update_{table} AFTER UPDATE OF {', '.join(columns)} ON articles_article "
            f"WHEN {changed} BEGIN {_sqlite_actions(table, columns, True, True)} END"
        )
    return statements


def _sqlite_actions(table, columns, old: bool, new: bool) -> str:
    names = ", ".join(columns)
    sql = ""
    if old:  # an external content table forgets a row when told the values it indexed
        values = ", ".join(f"old.{column}" for column in columns)
        sql += f"INSERT INTO {table}({table}, rowid, {names}) VALUES ('delete', old.id, {values}); "
    if new:
        values = ", ".join(f"new.{column}" for column in columns)
        sql += f"INSERT INTO {table}(rowid, {names}) VALUES (new.id, {values}); "
    return sql


SQLITE_TRIGGERS = ("insert_articles_search", "delete_articles_search", *(f"update_{t}" for t in SQLITE_TABLES))


def create_sqlite_index(cursor):
    for table, columns in SQLITE_TABLES.items():
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({', '.join(columns)}, "
            "content='articles_article', content_rowid='id', tokenize='trigram')"
        )
        cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
    for statement in _sqlite_trigger_sql():
        cursor.execute(statement)


def drop_sqlite_index(cursor):
    for trigger in SQLITE_TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in SQLITE_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def ensure_sqlite_index(using=None):
    """After migrate: Django's SQLite migrations rebuild a table to alter it, dropping its
    triggers; then the triggers are made again and the index rebuilt from the articles."""
    from django.db import connections

    db = connections[using or "default"]
    if db.vendor != "sqlite" or not SQLITE_FTS:
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for (name,) in cursor.fetchall()}
        if "articles_article" not in present or "articles_search" not in present:
            return  # not migrated that far (or migrated back): the migration makes the index
        if not set(SQLITE_TRIGGERS) <= present:
            create_sqlite_index(cursor)
