"""Search: ranked, every language, drafts never found, the query always shown escaped."""

import pytest

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Measure the views themselves, not the whole-page cache in front of them (articles/cache.py)."""
    settings.READER_CACHE_SECONDS = 0


def titles(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return [article.title for article in response.context["articles"]]


def test_title_hits_rank_above_subtitle_description_and_body_hits(client):
    make_article("Body Hit", body="A long text about lighthouses and the sea.")
    make_article("Description Hit", description="All about lighthouses.")
    make_article("Subtitle Hit", subtitle="Lighthouses of the north")
    make_article("Lighthouses", body="Nothing else.")
    make_article("Unrelated", body="Trees and rivers.")
    assert titles(client, "lighthouses") == ["Lighthouses", "Subtitle Hit", "Description Hit", "Body Hit"]


def test_every_word_must_match_and_case_does_not_matter(client):
    make_article("Red Apples", body="Fruit.")
    make_article("Red Cars", body="Engines.")
    assert titles(client, "RED apples") == ["Red Apples"]
    assert titles(client, "red") == ["Red Apples", "Red Cars"] or titles(client, "red") == ["Red Cars", "Red Apples"]


def test_quoted_phrase_keeps_its_words_together(client):
    make_article("Kept", body="The plain text format wins.")
    make_article("Split", body="Text that is plain, in a format.")
    assert titles(client, '"plain text"') == ["Kept"]


def test_japanese_and_chinese_substrings_are_found(client):
    make_article("日本語の記事", body="静かなウェブについての長い文章です。")
    make_article("中文文章", body="我们喜欢阅读独立网站的长篇文章。")
    make_article("English Only", body="Nothing to see.")
    assert titles(client, "ウェブ") == ["日本語の記事"]
    assert titles(client, "独立网站") == ["中文文章"]
    assert titles(client, "記事") == ["日本語の記事"]


def test_accented_words_are_found(client):
    make_article("Café culture", body="Über die Straße.")
    assert titles(client, "café") == ["Café culture"]
    assert titles(client, "Straße") == ["Café culture"]


def test_drafts_and_scheduled_articles_are_never_found(client):
    import datetime as dt

    make_article("Public Needle")
    make_article("Draft Needle", draft=True)
    make_article("Future Needle", publish_in=dt.timedelta(days=2))
    assert titles(client, "needle") == ["Public Needle"]


def test_no_query_shows_a_friendly_form(client):
    for url in ("/search/", "/search/?q=", "/search/?q=%20%20"):
        html = client.get(url).content.decode()
        assert '<input id="search-query" type="search" name="q" value=""' in html
        assert "Type a word or a phrase" in html


def test_no_results_says_so(client):
    make_article("Something")
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "No article matches “zebra”" in html


@pytest.mark.parametrize(
    "query",
    ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "it's \"quoted\" & <b>bold</b>"],
)
def test_query_is_shown_escaped(client, query):
    make_article("Anything")
    html = client.get("/search/", {"q": query}).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;" in html
    assert 'value="' in html


def test_long_and_many_term_queries_are_bounded(client):
    make_article("Bounded")
    assert client.get("/search/", {"q": "word " * 500}).status_code == 200


def test_search_is_one_queryset_method():
    make_article("Method Match", body="needle")
    make_article("Method Miss", draft=True, body="needle")
    assert [a.title for a in Article.objects.published().search("needle")] == ["Method Match"]
    assert not Article.objects.published().search("   ").exists()
