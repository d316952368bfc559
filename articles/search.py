"""Ranked search over an article's title, subtitle, description and body.

Every term (a word, or a "quoted phrase") must appear in the article, as a substring, so
words of languages written without spaces (Japanese, Chinese) are found like any other, and
`C++` means those three characters on every database. Ranking: a term in the title counts 8,
in the subtitle 4, in the description 2 (in the body only: 0); ties go to the newest article.

Indexes keep it fast with 100,000 articles (bench/scale.py):
- SQLite: two FTS5 tables with the trigram tokenizer (substring matching for terms of 3+
  characters, any script), kept in step with articles_article by SQL triggers.
  `articles_search` indexes the four fields without a copy of them (contentless);
  `articles_search_head` indexes the three short ones, stored as one text in the plain table
  `articles_search_head_text` (a small copy that a scan for 1-2 character terms reads instead
  of the articles' long rows). Their
  rowid is the article's publish minute and id (`SQLITE_KEY`), so reading an index backwards
  from "now" gives the newest matching articles by publish date, and stops there.
- PostgreSQL: a search table, `articles_search_entry` (migration 0015), one row per article
  kept in step by a trigger like SQLite's: the words of the four fields (a tsvector) and the
  title, subtitle and description lowered as one text (`head`), each with a GIN index.
  Checking a substring in a long body costs ~0.1 ms a row there (reading and case-folding ~10 KB;
  a trigram index must recheck every candidate), far too much for a common word; so a term made
  only of ASCII letters and digits is looked for in bodies as the start of a word ("harbour"
  finds "harbours", not "theharbour") through the stored words, which answer exactly with no
  recheck (computing them per row instead costs ~0.8 ms a row). Titles, subtitles and
  descriptions match as substrings: the head's index holds its 1- and 2-character pieces, so a
  term of any length, script or symbols finds the heads holding all its pieces, then `strpos`
  confirms. Every other term (symbols as in C++, phrases, Japanese, Chinese, accented words)
  matches bodies as a substring, through a trigram index (pg_trgm) on the four fields, as on
  SQLite; but a "quoted phrase" is checked only in the bodies of the newest WINDOW articles
  holding its words, folding ASCII letters only (a phrase of common words was checked in every
  body: 5.8 s at 100,000, now ~25 ms), and the page says so.

A common word can match nearly every article, and counting or ranking 100,000 rows costs a
second whatever the index. So when more than WINDOW articles match, the candidates are the
WINDOW newest matches by publish date plus the WINDOW newest whose title, subtitle or
description match (an old article named after the query is still found), and the page says
the results were limited (`SearchNotes`). Below that every match is shown and counted.
Terms shorter than 3 characters (e.g. two kanji, "Go") cannot use a trigram index (nor, on
PostgreSQL, terms without 3 letters or digits in a row, such as C++): alongside a longer term
they filter its matches; alone, they are looked for in the title, subtitle and description of
every public article and in the text of the newest WINDOW (the page says so), where only ASCII
letters are folded on both databases (SQLite's LIKE; PostgreSQL reads those 500 texts in ~10 ms,
folding every letter as ILIKE does would add ~20).

`ArticleQuerySet.search()` calls `search_articles`: views use that, never this module's parts.
The results queryset carries `search_notes` (what the page should tell the reader).
"""

import re
import sqlite3
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Case, F, IntegerField, Lookup, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

FIELDS = ("title", "subtitle", "description", "body")
HEAD_FIELDS = ("title", "subtitle", "description")
# How much a term found in each short field counts; the body is where the rest match.
WEIGHTS = {"title": 8, "subtitle": 4, "description": 2}
MAX_TERMS = 10
MAX_QUERY_LENGTH = 200
# At most this many candidates per index (see the module's docstring).
WINDOW = 500
TRIGRAM = 3  # the shortest term a trigram index can find
TERM = re.compile(r'"([^"]+)"|(\S+)')

# SQLite 3.34 brought FTS5's trigram tokenizer; older SQLite searches the bounded window only.
SQLITE_FTS = sqlite3.sqlite_version_info >= (3, 34, 0)
# The tables, in the order they are made, with the statement making each.
SQLITE_TABLES = {
    "articles_search": f"CREATE VIRTUAL TABLE articles_search USING fts5({', '.join(FIELDS)}, content='', tokenize='trigram')",
    "articles_search_head_text": "CREATE TABLE articles_search_head_text (key INTEGER PRIMARY KEY, head TEXT NOT NULL)",
    "articles_search_head": "CREATE VIRTUAL TABLE articles_search_head USING fts5(head, "
    "content='articles_search_head_text', content_rowid='key', tokenize='trigram')",
}
# An index row's rowid: publish minute * 2**31 + id, so rowid order is publish-date order (to
# the minute, then id). Ids below 2**31 and any year from 1 to 9999 fit in SQLite's 64 bits.
ID_BITS = 31
ID_MASK = (1 << ID_BITS) - 1


def sqlite_key(row: str) -> str:
    return f"((CAST(strftime('%s', {row}.publish_date) AS INTEGER) / 60) * {1 << ID_BITS} + {row}.id)"


def sqlite_head(row: str) -> str:
    """Title, subtitle and description as one text; char(31) cannot occur in a search term."""
    return " || char(31) || ".join(f"{row}.{field}" for field in HEAD_FIELDS)


# PostgreSQL: the searched text of the four fields, written once for the trigram index
# (migration 0008) and the queries using it; chr(31) cannot occur in a search term, so no match
# spans two fields.
PG_TEXT = "(title || chr(31) || subtitle || chr(31) || description || chr(31) || body)"
# The search entries (migration 0015): one row per article, kept in step by a trigger.
PG_TABLE = "articles_search_entry"
# A text's pieces are every 1- and 2-character piece of it; a term is looked up by its
# 2-character pieces (itself if it has one character): when a text contains the term, they are
# all among the text's pieces, so a GIN index on these finds terms of any length, script or
# symbols (pg_trgm keeps only letters and digits, 3 in a row).
PG_FUNCTIONS = (
    "CREATE FUNCTION articles_search_grams(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT ARRAY(SELECT DISTINCT substr($1, i, n) FROM generate_series(1, char_length($1)) i, generate_series(1, 2) n) $$",
    "CREATE FUNCTION articles_search_pairs(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, greatest(char_length($1) - 1, 1)) i) $$",
)


def _pg_entry(row: str) -> str:
    """The search entry of an article row: its id, its lowered title, subtitle and description
    (`head`), the head's pieces (`grams`) and the words of all four fields (`words`, a tsvector
    without positions: nothing ranks by them)."""
    head = f"lower({row}.title || chr(31) || {row}.subtitle || chr(31) || {row}.description)"
    text = f"{row}.title || chr(31) || {row}.subtitle || chr(31) || {row}.description || chr(31) || {row}.body"
    return f"SELECT {row}.id, {head}, articles_search_grams({head}), strip(to_tsvector('simple'::regconfig, {text}))"


PG_STATEMENTS = (
    f"CREATE TABLE {PG_TABLE} (article_id bigint PRIMARY KEY, head text NOT NULL, grams text[] NOT NULL, words tsvector NOT NULL)",
    *PG_FUNCTIONS,
    # Like SQLite's triggers: every INSERT, UPDATE and DELETE, whoever makes it (save,
    # bulk_create, update, the importer, the admin, raw SQL). A TRUNCATE (a test's flush) leaves
    # entries of gone articles: never found (the queries join the articles), replaced when an id
    # is used again.
    f"""CREATE FUNCTION articles_search_entry_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {PG_TABLE} WHERE article_id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN  -- save() writes every column: recompute only what changed
        IF (OLD.title, OLD.subtitle, OLD.description, OLD.body) IS NOT DISTINCT FROM
                (NEW.title, NEW.subtitle, NEW.description, NEW.body) THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO {PG_TABLE} (article_id, head, grams, words) {_pg_entry("NEW")}
    ON CONFLICT (article_id) DO UPDATE SET head = excluded.head, grams = excluded.grams, words = excluded.words;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER articles_search_entry_sync AFTER INSERT OR DELETE OR UPDATE OF title, subtitle, description, body "
    "ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_search_entry_sync()",
    # The existing articles (about 1.5 minutes for 100,000 long ones), then the indexes.
    f"INSERT INTO {PG_TABLE} (article_id, head, grams, words) {_pg_entry('articles_article')} FROM articles_article",
    f"CREATE INDEX {PG_TABLE}_grams_idx ON {PG_TABLE} USING gin (grams)",
    f"CREATE INDEX {PG_TABLE}_words_idx ON {PG_TABLE} USING gin (words)",
    f"ANALYZE {PG_TABLE}",
)


def create_postgres_index(cursor):
    for statement in PG_STATEMENTS:
        cursor.execute(statement)


def drop_postgres_index(cursor):
    cursor.execute("DROP TRIGGER IF EXISTS articles_search_entry_sync ON articles_article")
    cursor.execute("DROP FUNCTION IF EXISTS articles_search_entry_sync()")
    cursor.execute(f"DROP TABLE IF EXISTS {PG_TABLE}")
    cursor.execute("DROP FUNCTION IF EXISTS articles_search_grams(text)")
    cursor.execute("DROP FUNCTION IF EXISTS articles_search_pairs(text)")


# What migrations 0008 and 0012 indexed (they use these); 0012 and 0015 dropped those indexes.
PG_HEAD_TEXT = "(title || chr(31) || subtitle || chr(31) || description)"
PG_WORDS = f"to_tsvector('simple'::regconfig, {PG_TEXT})"
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, title), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, subtitle), 'B')"
    " || setweight(to_tsvector('simple'::regconfig, description), 'C')"
    " || setweight(to_tsvector('simple'::regconfig, body), 'D'))"
)


@dataclass(frozen=True)
class SearchNotes:
    """What the results page tells the reader besides the results."""

    terms: tuple = ()
    shortened: bool = False  # the query was cut to MAX_QUERY_LENGTH characters or MAX_TERMS terms
    capped: bool = False  # more than WINDOW articles match: the newest WINDOW (and title matches) are shown
    short_terms_bounded: bool = False  # only short terms: bodies of the newest WINDOW articles searched
    phrases_bounded: bool = False  # PostgreSQL: a phrase is checked in the newest WINDOW bodies holding its words
    window: int = WINDOW


def search_terms(query: str) -> list[str]:
    """The words and "quoted phrases" of a query, without duplicates, at most MAX_TERMS."""
    return _parse(query)[0]


def _parse(query: str) -> tuple[list[str], bool]:
    query = query or ""
    shortened = len(query) > MAX_QUERY_LENGTH
    terms = []
    for phrase, word in TERM.findall(query[:MAX_QUERY_LENGTH]):
        term = " ".join((phrase or word).split()).strip("\"'")
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS], shortened or len(terms) > MAX_TERMS


def search_articles(queryset, query: str):
    """Articles of `queryset` matching every term of `query`, best first; none for an empty query.
    The queryset's `search_notes` say whether the query was shortened or the results limited."""
    terms, shortened = _parse(query)
    if not terms:
        results = queryset.none()
        results.search_notes = SearchNotes(shortened=shortened)
        return results
    long_terms = [term for term in terms if _indexable(term)]
    notes = {}
    if not long_terms:
        notes["short_terms_bounded"] = True
        if connection.vendor == "sqlite" and SQLITE_FTS:
            matches, notes["capped"] = _sqlite_short_matches(queryset, terms)
        elif connection.vendor == "postgresql":
            matches, notes["capped"] = _postgres_short_matches(queryset, terms)
        else:
            matches = _short_terms_matches(queryset, terms)
    elif connection.vendor == "sqlite" and SQLITE_FTS:
        matches, notes["capped"] = _sqlite_matches(queryset, terms, long_terms)
    elif connection.vendor == "postgresql":
        matches, notes["capped"], notes["phrases_bounded"] = _postgres_matches(queryset, terms)
    else:
        matches = _short_terms_matches(queryset, terms)
        notes["short_terms_bounded"] = True
    results = matches.annotate(rank=_rank(terms)).order_by("-rank", "-publish_date", "-id")
    results.search_notes = SearchNotes(terms=tuple(terms), shortened=shortened, window=WINDOW, **notes)
    return results


ALNUM_RUN = re.compile(r"[^\W_]{3,}")


def _indexable(term: str) -> bool:
    """Whether a trigram index can find the term. pg_trgm only keeps letters and digits, so on
    PostgreSQL `C++` is the trigram of "c" (every article): such a term is searched like a
    short one there."""
    if connection.vendor == "postgresql":
        return bool(ALNUM_RUN.search(term))
    return len(term) >= TRIGRAM


def _contains(term: str, fields=FIELDS) -> Q:
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": term})
    return match


def _contains_all(terms, fields=FIELDS) -> Q:
    match = Q()
    for term in terms:
        match &= _contains(term, fields)
    return match


def _short_terms_matches(queryset, terms):
    """No index can find terms of 1-2 characters: every public title, subtitle and description
    is scanned, and the text of the newest WINDOW articles (bounded, the page says so)."""
    newest = queryset.order_by("-publish_date", "-id").values("pk")[:WINDOW]
    return queryset.filter(Q(pk__in=newest) & _contains_all(terms) | _contains_all(terms, HEAD_FIELDS))


def _sqlite_below_now() -> int:
    """The rowids of articles published up to this minute are below this: scheduled articles
    do not take places in a window."""
    return ((int(timezone.now().timestamp()) // 60) + 1) << ID_BITS


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _sqlite_short_matches(queryset, terms):
    """Terms of 1-2 characters: a scan of the head table's small copy of every title, subtitle
    and description (newest first, WINDOW + 1 at most), and the text of the newest WINDOW."""
    sql = (
        f"SELECT key & {ID_MASK} FROM articles_search_head_text WHERE key < %s AND "
        + " AND ".join("head LIKE %s ESCAPE '\\'" for _ in terms)
        + " ORDER BY key DESC LIMIT %s"
    )
    params = [_sqlite_below_now(), *(_like(term) for term in terms), WINDOW + 1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        head = [pk for (pk,) in cursor.fetchall()]
    newest = queryset.order_by("-publish_date", "-id").values("pk")[:WINDOW]
    matches = queryset.filter(Q(pk__in=head[:WINDOW]) | Q(pk__in=newest) & _contains_all(terms))
    return matches, len(head) > WINDOW


def _split(rows, window):
    """Candidate ids of the body and head indexes; capped when either had more than `window`."""
    body = [pk for pk, head in rows if not head]
    head = [pk for pk, head in rows if head]
    return body[:window] + head[:window], len(body) > window or len(head) > window


def _sqlite_matches(queryset, terms, long_terms):
    # FTS5 query syntax: "a" "b" means both strings (a trigram string matches as a substring).
    fts_query = " ".join('"' + term.replace('"', '""') + '"' for term in long_terms)
    below = _sqlite_below_now()
    # Each index is read backwards from now, newest publish date first, and stops after
    # WINDOW + 1 rows (the extra one tells that there are more).
    sql = " UNION ALL ".join(
        f"SELECT rowid & {ID_MASK}, {head} FROM (SELECT rowid FROM {table} WHERE {table} MATCH %s"
        " AND rowid < %s ORDER BY rowid DESC LIMIT %s)"
        for head, table in enumerate(("articles_search", "articles_search_head"))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [fts_query, below, WINDOW + 1] * 2)
        candidates, capped = _split(cursor.fetchall(), WINDOW)
    matches = queryset.filter(pk__in=candidates)
    short = [term for term in terms if len(term) < TRIGRAM]
    if short:
        matches = matches.filter(_contains_all(short))
    return matches, capped


def _ilike(text: str, term: str, collation: str = "") -> RawSQL:
    return RawSQL(f"{text}{collation} ILIKE %s", [_like(term)], output_field=BooleanField())


def _pg_words(terms) -> Q:
    """Plain ASCII words of letters and digits as the starts of words of the four fields, through
    the words index: exact, no recheck of the text."""
    query = " & ".join(f"{term.lower()}:*" for term in terms)
    return Q(pk__in=RawSQL(f"SELECT article_id FROM {PG_TABLE} WHERE words @@ to_tsquery('simple'::regconfig, %s)", [query]))


def _pg_head(terms) -> Q:
    """Every term a substring of the title, subtitle or description: the grams index finds the
    heads holding all the term's pieces, `strpos` confirms (both sides lowered by PostgreSQL)."""
    found = "grams @> articles_search_pairs(lower(%s)) AND strpos(head, lower(%s)) > 0"
    sql = f"SELECT article_id FROM {PG_TABLE} WHERE " + " AND ".join([found] * len(terms))
    return Q(pk__in=RawSQL(sql, [value for term in terms for value in (term, term)]))


class _AnyOf(Lookup):
    """`pk = ANY(%s)`: the candidates as one array parameter, where `pk__in` would send ~1000
    that Django, psycopg and PostgreSQL each handle one by one (~3 ms a query, twice a page)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, self.rhs]


def _pg_windows(queryset, body, head):
    """The WINDOW + 1 newest of each side by publish date, in one query (see the docstring)."""
    sides = [
        side.order_by("-publish_date", "-id").annotate(head=Value(index)).values_list("pk", "head")[: WINDOW + 1]
        for index, side in enumerate((body, head))
    ]
    candidates, capped = _split(list(sides[0].union(sides[1], all=True)), WINDOW)
    return (queryset.filter(_AnyOf(F("pk"), candidates)) if candidates else queryset.none()), capped


ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def _postgres_matches(queryset, terms):
    """Returns the matches, whether they were capped, and whether phrases were bounded."""
    words = [term for term in terms if term.isascii() and term.isalnum()]
    checked = [_ilike(PG_TEXT, term) for term in terms if term not in words]
    phrases = [term for term in terms if " " in term]
    if not phrases:
        body = queryset.filter(_pg_words(words) if words else Q(), *checked)
        return (*_pg_windows(queryset, body, queryset.filter(_pg_head(terms))), False)
    # A phrase of common words matches nearly every article word by word, and checking it in
    # every body takes seconds: it is checked in the newest WINDOW bodies holding its words (all
    # but the first, which may start mid-word), as the page says. Titles are searched whole.
    inner = [word for phrase in phrases for word in ASCII_WORD.findall(phrase.split(" ", 1)[1])]
    holding = queryset.filter(_pg_words(words + inner)) if words or inner else queryset
    newest = holding.order_by("-publish_date", "-id").values("pk")[:WINDOW]
    # COLLATE "C", as for short terms: the planner cannot take the trigram index (it would check
    # every body), and ASCII letters are folded.
    checked = [_ilike(PG_TEXT, term, ' COLLATE "C"') for term in terms if term not in words]
    body = queryset.filter(pk__in=newest).filter(*checked)
    return (*_pg_windows(queryset, body, queryset.filter(_pg_head(terms))), True)


def _postgres_short_matches(queryset, terms):
    """Terms no trigram index can find: every head through its pieces' index, and the text of
    the newest WINDOW, folding ASCII letters only (see the module's docstring)."""
    newest = queryset.order_by("-publish_date", "-id").values("pk")[:WINDOW]
    body = queryset.filter(pk__in=newest).filter(*(_ilike(PG_TEXT, term, ' COLLATE "C"') for term in terms))
    return _pg_windows(queryset, body, queryset.filter(_pg_head(terms)))


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


# SQLite: these triggers keep the search tables in step with every INSERT, UPDATE and DELETE
# on articles_article, whoever makes it (save, bulk_create, update, the importer, the admin,
# raw SQL). FTS5 forgets a row of a table without its own copy when told the values it indexed.
def _sqlite_remove(row="old") -> str:
    key = sqlite_key(row)
    values = ", ".join(f"{row}.{field}" for field in FIELDS)
    return (
        f"INSERT INTO articles_search(articles_search, rowid, {', '.join(FIELDS)}) VALUES ('delete', {key}, {values}); "
        f"INSERT INTO articles_search_head(articles_search_head, rowid, head) VALUES ('delete', {key}, {sqlite_head(row)}); "
        f"DELETE FROM articles_search_head_text WHERE key = {key}; "
    )


def _sqlite_add(row="new") -> str:
    key = sqlite_key(row)
    values = ", ".join(f"{row}.{field}" for field in FIELDS)
    return (
        f"INSERT INTO articles_search(rowid, {', '.join(FIELDS)}) VALUES ({key}, {values}); "
        f"INSERT INTO articles_search_head_text(key, head) VALUES ({key}, {sqlite_head(row)}); "
        f"INSERT INTO articles_search_head(rowid, head) VALUES ({key}, {sqlite_head(row)}); "
    )


# The publish date is part of the key: a new date moves the rows.
WATCHED = (*FIELDS, "publish_date")
SQLITE_TRIGGERS = {
    "insert_articles_search": f"AFTER INSERT ON articles_article BEGIN {_sqlite_add()} END",
    "delete_articles_search": f"AFTER DELETE ON articles_article BEGIN {_sqlite_remove()} END",
    "update_articles_search": f"AFTER UPDATE OF {', '.join(WATCHED)} ON articles_article "
    f"WHEN {' OR '.join(f'old.{column} IS NOT new.{column}' for column in WATCHED)} "
    f"BEGIN {_sqlite_remove()}{_sqlite_add()} END",
}
# Made by earlier versions of this module (migration 0008): dropped with the others.
OLD_SQLITE_TRIGGERS = ("update_articles_search_head",)


def create_sqlite_index(cursor):
    drop_sqlite_index(cursor)
    for statement in SQLITE_TABLES.values():
        cursor.execute(statement)
    cursor.execute(
        f"INSERT INTO articles_search(rowid, {', '.join(FIELDS)}) "
        f"SELECT {sqlite_key('articles_article')}, {', '.join(FIELDS)} FROM articles_article"
    )
    cursor.execute(
        "INSERT INTO articles_search_head_text(key, head) "
        f"SELECT {sqlite_key('articles_article')}, {sqlite_head('articles_article')} FROM articles_article"
    )
    cursor.execute("INSERT INTO articles_search_head(articles_search_head) VALUES ('rebuild')")
    for name, body in SQLITE_TRIGGERS.items():
        cursor.execute(f"CREATE TRIGGER {name} {body}")


def drop_sqlite_index(cursor):
    for trigger in (*SQLITE_TRIGGERS, *OLD_SQLITE_TRIGGERS):
        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in reversed(SQLITE_TABLES):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def ensure_sqlite_index(using=None):
    """After migrate: Django's SQLite migrations rebuild a table to alter it, dropping its
    triggers; then the triggers are made again and the index rebuilt from the articles."""
    from django.db import connections

    db = connections[using or "default"]
    if db.vendor != "sqlite" or not SQLITE_FTS:
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = dict(cursor.fetchall())
        if "articles_article" not in present or "articles_search" not in present:
            return  # not migrated that far (or migrated back): the migration makes the index
        made_otherwise = any(present.get(table) != statement for table, statement in SQLITE_TABLES.items())
        if made_otherwise or not set(SQLITE_TRIGGERS) <= set(present):
            create_sqlite_index(cursor)
