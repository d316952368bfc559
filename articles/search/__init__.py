"""Ranked search over an article's title, subtitle, description and body.

Every term (a word, or a "quoted phrase") must appear in the article, as a substring, so words
of languages written without spaces (Japanese, Chinese) are found like any other, and `C++`
means those three characters on every database. Ranking: a term in the title counts 8, in the
subtitle 4, in the description 2 (in the body only: 0); ties go to the newest article.

Each database has its module (`sqlite`, `postgresql`); the indexes they read are made by
migrations and kept in step by triggers, whoever writes to the articles table. A common word
can match nearly every article, and counting or ranking them all costs a second whatever the
index, so when more than WINDOW articles match, the candidates are the WINDOW newest matches
plus the WINDOW newest whose title, subtitle or description match (an old article named after
the query is still found), and the page says the results were limited (`SearchNotes`). Terms
shorter than a trigram alone are looked for in every title, subtitle and description and in the
bodies of the newest WINDOW articles (the page says so).

`ArticleQuerySet.search()` calls `search_articles`: views use that, never this package's parts.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

FIELDS = ("title", "subtitle", "description", "body")
HEAD_FIELDS = ("title", "subtitle", "description")
# How much a term found in each short field counts; the body is where the rest match.
WEIGHTS = {"title": 8, "subtitle": 4, "description": 2}
MAX_TERMS = 10
MAX_QUERY_LENGTH = 200
WINDOW = 500  # at most this many candidates per index
TERM = re.compile(r'"([^"]+)"|(\S+)')


@dataclass(frozen=True)
class SearchNotes:
    """What the results page tells the reader besides the results."""

    terms: tuple = ()
    shortened: bool = False  # the query was cut to MAX_QUERY_LENGTH characters or MAX_TERMS terms
    capped: bool = False  # more than WINDOW articles match: the newest WINDOW (and title matches) are shown
    short_terms_bounded: bool = False  # only short terms: bodies of the newest WINDOW articles searched
    phrases_bounded: bool = False  # PostgreSQL: a phrase is checked in the newest WINDOW bodies holding its words
    window: int = WINDOW  # as the search saw it


def parse(query: str) -> tuple[list[str], bool]:
    """The words and "quoted phrases" of a query without duplicates, at most MAX_TERMS, and
    whether the query was shortened to fit."""
    query = query or ""
    shortened = len(query) > MAX_QUERY_LENGTH
    terms = []
    for phrase, word in TERM.findall(query[:MAX_QUERY_LENGTH]):
        term = " ".join((phrase or word).split()).strip("\"'")
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS], shortened or len(terms) > MAX_TERMS


def _backend():
    from . import postgresql, sqlite

    if connection.vendor == "sqlite" and sqlite.FTS:
        return sqlite
    if connection.vendor == "postgresql":
        return postgresql
    return None


def search_articles(queryset, query: str):
    """Articles of `queryset` matching every term of `query`, best first; none for an empty query.
    The queryset's `search_notes` say whether the query was shortened or the results limited."""
    terms, shortened = parse(query)
    if not terms:
        results = queryset.none()
        results.search_notes = SearchNotes(shortened=shortened)
        return results
    backend = _backend()
    if backend is None:
        matches, notes = bounded_matches(queryset, terms), {"short_terms_bounded": True}
    else:
        matches, notes = backend.matches(queryset, terms)
    results = matches.annotate(rank=_rank(terms)).order_by("-rank", "-publish_date", "-id")
    results.search_notes = SearchNotes(terms=tuple(terms), shortened=shortened, window=WINDOW, **notes)
    return results


def contains(term: str, fields=FIELDS) -> Q:
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": term})
    return match


def contains_all(terms, fields=FIELDS) -> Q:
    match = Q()
    for term in terms:
        match &= contains(term, fields)
    return match


def newest(queryset):
    """The ids of the WINDOW newest articles of `queryset`."""
    return queryset.order_by("-publish_date", "-id").values("pk")[:WINDOW]


def bounded_matches(queryset, terms):
    """Without an index: every public title, subtitle and description is scanned, and the text
    of the newest WINDOW articles (bounded, the page says so)."""
    return queryset.filter(Q(pk__in=newest(queryset)) & contains_all(terms) | contains_all(terms, HEAD_FIELDS))


def like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _rank(terms: list[str]):
    rank = Value(0)
    for term in terms:
        for field, weight in WEIGHTS.items():
            rank = rank + Case(
                When(**{f"{field}__icontains": term}, then=Value(weight)), default=Value(0), output_field=IntegerField()
            )
    return rank
