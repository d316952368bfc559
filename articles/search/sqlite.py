"""SQLite search: two FTS5 tables with the trigram tokenizer (substring matching for terms of 3+
characters, any script), made by migrations and kept in step with articles_article by triggers.

`articles_search` indexes the four fields without a copy of them (contentless);
`articles_search_head` indexes title, subtitle and description, stored as one text in
`articles_search_head_text` (a small copy that a scan for 1-2 character terms reads instead of
the articles' long rows). Their rowid is the article's publish minute * 2**31 + its id, so
reading an index backwards from "now" gives the newest matches by publish date, and stops after
WINDOW + 1 (bench/RESULTS.md says why the date is stored there).
"""

import sqlite3
from importlib import import_module

from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

from .. import search as base

# SQLite 3.34 brought FTS5's trigram tokenizer; older SQLite searches the bounded window only.
FTS = sqlite3.sqlite_version_info >= (3, 34, 0)
TRIGRAM = 3  # the shortest term a trigram index can find
ID_BITS = 31

# Each index read backwards from now, newest publish date first, WINDOW + 1 rows at most (the
# extra one tells that there are more); 1 marks the head index's rows.
MATCHES = (
    "SELECT rowid & 2147483647, 0 FROM (SELECT rowid FROM articles_search WHERE articles_search MATCH %s"
    " AND rowid < %s ORDER BY rowid DESC LIMIT %s)"
    " UNION ALL "
    "SELECT rowid & 2147483647, 1 FROM (SELECT rowid FROM articles_search_head WHERE articles_search_head MATCH %s"
    " AND rowid < %s ORDER BY rowid DESC LIMIT %s)"
)
HEAD_SCAN = "SELECT key & 2147483647 FROM articles_search_head_text WHERE key < %s AND "
HEAD_LIKE = "head LIKE %s ESCAPE '\\'"
HEAD_SCAN_END = " ORDER BY key DESC LIMIT %s"


def _below_now() -> int:
    """Rowids of articles published up to this minute are below this: scheduled articles take
    no places in a window."""
    return ((int(timezone.now().timestamp()) // 60) + 1) << ID_BITS


def _split(rows):
    """Candidate ids of the body and head indexes; capped when either had more than WINDOW."""
    body = [pk for pk, head in rows if not head]
    head = [pk for pk, head in rows if head]
    return body[:base.WINDOW] + head[:base.WINDOW], len(body) > base.WINDOW or len(head) > base.WINDOW


def matches(queryset, terms):
    """(matches, notes for SearchNotes)."""
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    if not long_terms:
        return _short_matches(queryset, terms)
    # FTS5 query syntax: "a" "b" means both strings (a trigram string matches as a substring).
    fts_query = " ".join('"' + term.replace('"', '""') + '"' for term in long_terms)
    below = _below_now()
    with connection.cursor() as cursor:
        cursor.execute(MATCHES, [fts_query, below, base.WINDOW + 1] * 2)
        candidates, capped = _split(cursor.fetchall())
    found = queryset.filter(pk__in=candidates)
    short = [term for term in terms if len(term) < TRIGRAM]
    if short:
        found = found.filter(base.contains_all(short))
    return found, {"capped": capped}


def _short_matches(queryset, terms):
    """Terms of 1-2 characters: a scan of the head table's small copy of every title, subtitle
    and description (newest first, WINDOW + 1 at most), and the text of the newest WINDOW."""
    sql = HEAD_SCAN + " AND ".join([HEAD_LIKE] * len(terms)) + HEAD_SCAN_END
    with connection.cursor() as cursor:
        cursor.execute(sql, [_below_now(), *(base.like_pattern(term) for term in terms), base.WINDOW + 1])
        head = [pk for (pk,) in cursor.fetchall()]
    found = queryset.filter(Q(pk__in=head[:base.WINDOW]) | Q(pk__in=base.newest(queryset)) & base.contains_all(terms))
    return found, {"capped": len(head) > base.WINDOW, "short_terms_bounded": True}


TRIGGERS = ("insert_articles_search", "update_articles_search", "delete_articles_search")


def restore_after_migrate(using=None):
    """Make the search index again, with its migration's own statements, if a migration dropped
    its triggers: Django's SQLite migrations remake a table to alter it, which drops them."""
    db = connections[using or "default"]
    if db.vendor != "sqlite" or not FTS:
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for (name,) in cursor.fetchall()}
        if "articles_article" not in present or "articles_search" not in present:
            return  # not migrated that far (or migrated back): the migration makes the index
        if not set(TRIGGERS) <= present:
            migration = import_module("articles.migrations.0002_search")
            for statement in migration.SQLITE_DROP + migration.SQLITE_CREATE:
                cursor.execute(statement)
