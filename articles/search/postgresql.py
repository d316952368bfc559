"""PostgreSQL search, over `articles_search_entry` (made by a migration, kept in step by a
trigger): one row per article with the words of its four fields (a tsvector) and its title,
subtitle and description lowered as one text (`head`) with that text's 1- and 2-character
pieces (`grams`), each with a GIN index; and a trigram index (pg_trgm) on the four fields.

- A term of ASCII letters and digits is looked for in bodies as the start of a word ("harbour"
  finds "harbours", not "theharbour") through the stored words, which answer exactly with no
  recheck: checking a substring in a long body costs ~0.1 ms a row.
- Titles, subtitles and descriptions match as substrings: the grams index finds the heads
  holding all a term's pieces, whatever its length, script or symbols; `strpos` confirms.
- Every other term (C++, phrases, Japanese, accented words) matches bodies as a substring
  through the trigram index; a "quoted phrase" is checked only in the newest WINDOW bodies
  holding its words, folding ASCII letters only, and the page says so.
"""

import re

from django.db.models import BooleanField, F, Lookup, Q, Value
from django.db.models.expressions import RawSQL

from .. import search as base

# The searched text of the four fields, as the trigram index holds it; chr(31) cannot occur in
# a search term, so no match spans two fields.
TEXT = "(title || chr(31) || subtitle || chr(31) || description || chr(31) || body)"
TEXT_MATCHES = TEXT + " ILIKE %s"
TEXT_MATCHES_ASCII = TEXT + ' COLLATE "C" ILIKE %s'
WORDS = "SELECT article_id FROM articles_search_entry WHERE words @@ to_tsquery('simple'::regconfig, %s)"
HEAD = "SELECT article_id FROM articles_search_entry WHERE "
HEAD_TERM = "grams @> articles_search_pairs(lower(%s)) AND strpos(head, lower(%s)) > 0"
ALNUM_RUN = re.compile(r"[^\W_]{3,}")
ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def _text_has(term: str, ascii_only=False) -> RawSQL:
    return RawSQL(TEXT_MATCHES_ASCII if ascii_only else TEXT_MATCHES, [base.like_pattern(term)], output_field=BooleanField())


def _words(terms) -> Q:
    """Plain ASCII words as the starts of words of the four fields: exact, no recheck."""
    return Q(pk__in=RawSQL(WORDS, [" & ".join(f"{term.lower()}:*" for term in terms)]))


def _head(terms) -> Q:
    """Every term a substring of the title, subtitle or description."""
    sql = HEAD + " AND ".join([HEAD_TERM] * len(terms))
    return Q(pk__in=RawSQL(sql, [value for term in terms for value in (term, term)]))


class _AnyOf(Lookup):
    """`pk = ANY(%s)`: the candidates as one array parameter, where `pk__in` would send ~1000
    that Django, psycopg and PostgreSQL each handle one by one (~3 ms a query, twice a page)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return lhs + " = ANY(%s)", [*params, self.rhs]


def _windows(queryset, body, head):
    """The WINDOW + 1 newest of each side by publish date, in one query."""
    sides = [
        side.order_by("-publish_date", "-id").annotate(head=Value(index)).values_list("pk", "head")[: base.WINDOW + 1]
        for index, side in enumerate((body, head))
    ]
    rows = list(sides[0].union(sides[1], all=True))
    bodies = [pk for pk, is_head in rows if not is_head]
    heads = [pk for pk, is_head in rows if is_head]
    candidates = bodies[:base.WINDOW] + heads[:base.WINDOW]
    capped = len(bodies) > base.WINDOW or len(heads) > base.WINDOW
    return (queryset.filter(_AnyOf(F("pk"), candidates)) if candidates else queryset.none()), capped


def matches(queryset, terms):
    """(matches, notes for SearchNotes)."""
    if not any(ALNUM_RUN.search(term) for term in terms):
        # No term a trigram index can find (pg_trgm keeps only runs of 3+ letters or digits, so
        # C++ would be the trigrams of "c"): every head, and the newest WINDOW bodies.
        body = queryset.filter(pk__in=base.newest(queryset)).filter(*(_text_has(term, ascii_only=True) for term in terms))
        found, capped = _windows(queryset, body, queryset.filter(_head(terms)))
        return found, {"capped": capped, "short_terms_bounded": True}
    words = [term for term in terms if term.isascii() and term.isalnum()]
    phrases = [term for term in terms if " " in term]
    if not phrases:
        checked = [_text_has(term) for term in terms if term not in words]
        body = queryset.filter(_words(words) if words else Q(), *checked)
        found, capped = _windows(queryset, body, queryset.filter(_head(terms)))
        return found, {"capped": capped}
    # A phrase of common words matches nearly every article word by word, and checking it in
    # every body takes seconds: it is checked in the newest WINDOW bodies holding its words (all
    # but the first, which may start mid-word). COLLATE "C" keeps the planner off the trigram
    # index (it would check every body); ASCII letters are folded.
    inner = [word for phrase in phrases for word in ASCII_WORD.findall(phrase.split(" ", 1)[1])]
    holding = queryset.filter(_words(words + inner)) if words or inner else queryset
    checked = [_text_has(term, ascii_only=True) for term in terms if term not in words]
    body = queryset.filter(pk__in=base.newest(holding)).filter(*checked)
    found, capped = _windows(queryset, body, queryset.filter(_head(terms)))
    return found, {"capped": capped, "phrases_bounded": True}
