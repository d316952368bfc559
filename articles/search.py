"""Ranked search over an article's title, subtitle, description and body.

On PostgreSQL: full-text search (weighted `SearchVector`, `SearchRank`), plus substring
matches so words that full-text parsers do not split (Japanese, Chinese) are found too.
Elsewhere (SQLite): every term must appear in one of the fields, and a hit in the title
ranks above one in the subtitle, the description, then the body.

`ArticleQuerySet.search()` calls `search_articles`: views use that, never this module's parts.
"""

import re

from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.functions import Cast

FIELDS = ("title", "subtitle", "description", "body")
# How much a hit in each field counts: title hits first, body hits last.
WEIGHTS = {"title": 8, "subtitle": 4, "description": 2, "body": 1}
PG_WEIGHTS = {"title": "A", "subtitle": "B", "description": "C", "body": "D"}
MAX_TERMS = 10
MAX_QUERY_LENGTH = 200
TERM = re.compile(r'"([^"]+)"|(\S+)')


def search_terms(query: str) -> list[str]:
    """The words and "quoted phrases" of a query, without duplicates, at most MAX_TERMS."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    terms = []
    for phrase, word in TERM.findall(query):
        term = " ".join((phrase or word).split()).strip("\"'")
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def _substring_match(term: str) -> Q:
    match = Q()
    for field in FIELDS:
        match |= Q(**{f"{field}__icontains": term})
    return match


def _substring_rank(terms: list[str]):
    rank = Value(0)
    for term in terms:
        for field in FIELDS:
            rank = rank + Case(
                When(**{f"{field}__icontains": term}, then=Value(WEIGHTS[field])),
                default=Value(0),
                output_field=IntegerField(),
            )
    return rank


def search_articles(queryset, query: str):
    """Articles of `queryset` matching every term of `query`, best first; none for an empty query."""
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    substring_matches = Q()
    for term in terms:
        substring_matches &= _substring_match(term)
    if connection.vendor == "postgresql":
        return _postgres_search(queryset, terms, substring_matches)
    return (
        queryset.filter(substring_matches)
        .annotate(rank=_substring_rank(terms))
        .order_by("-rank", "-publish_date", "-id")
    )


def _postgres_search(queryset, terms, substring_matches):
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    # The 'simple' configuration: no language's stemming, so every language is searched alike.
    vector = None
    for field in FIELDS:
        part = SearchVector(field, weight=PG_WEIGHTS[field], config="simple")
        vector = part if vector is None else vector + part
    text_query = None
    for term in terms:
        part = SearchQuery(term, search_type="phrase", config="simple")
        text_query = part if text_query is None else text_query & part
    return (
        queryset.annotate(search_vector=vector)
        .filter(Q(search_vector=text_query) | substring_matches)
        .annotate(
            rank=SearchRank(F("search_vector"), text_query)
            + Cast(_substring_rank(terms), FloatField()) / Value(100.0)
        )
        .order_by("-rank", "-publish_date", "-id")
    )
