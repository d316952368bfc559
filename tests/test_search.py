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


def test_the_index_follows_saves_updates_bulk_creates_and_deletes(client):
    from django.utils import timezone

    article = make_article("Old heading", body="Plain words.", description="A summary.")
    article.title = "Renamed lighthouse"
    article.save()
    assert titles(client, "heading") == []
    assert titles(client, "lighthouse") == ["Renamed lighthouse"]

    Article.objects.filter(pk=article.pk).update(body="Now about harbours.")
    assert titles(client, "harbours") == ["Renamed lighthouse"]
    assert titles(client, "plain") == []

    Article.objects.bulk_create(
        [Article(title="Bulk one", slug="bulk-one", body="kelp forests", author=article.author, draft=False,
                 publish_date=timezone.now())]
    )
    assert titles(client, "kelp") == ["Bulk one"]

    article.delete()
    assert titles(client, "harbours") == []
    assert titles(client, "kelp") == ["Bulk one"]


def test_parts_of_words_and_mixed_short_and_long_terms_are_found(client):
    make_article("Lighthouses of Brittany", body="Granite towers.")
    make_article("東京の記事", body="新しい記事です。")
    make_article("大阪の記事", body="古い話です。")
    assert titles(client, "ghthou") == ["Lighthouses of Brittany"]
    assert titles(client, "東京 記事") == ["東京の記事"]
    assert titles(client, "記事 古い話") == ["大阪の記事"]
    assert titles(client, "の") == ["大阪の記事", "東京の記事"] or titles(client, "の") == ["東京の記事", "大阪の記事"]


def test_query_syntax_characters_are_searched_as_text(client):
    make_article("C++ and \"quotes\"", body="Use 100% of a_b, NOT or OR (here) * ^ : -minus.")
    make_article("Quiet", body="Calm.", description="Calm.")
    for query in ["C++", "100%", "a_b", "NOT", "(here)", "*", "-minus", ":", '"quotes"', "quo\"tes"]:
        found = titles(client, query)
        assert "Quiet" not in found, query
    assert titles(client, "C++") == ['C++ and "quotes"']
    assert titles(client, "100%") == ['C++ and "quotes"']
    assert titles(client, "(here)") == ['C++ and "quotes"']


@pytest.mark.parametrize(
    "query, found",
    [("harbour night", 12), ("arbou", 12), ("go", 12), ("C++", 12), ("大阪", 12), ("42 harbour", 12), ("zzqxw", 0)],
)
def test_the_search_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, settings, query, found):
    """At most 4 on a miss, the page cache's version read included, for every kind of
    query: words, a part of a word, short terms alone, symbols, short with long, nothing found."""
    for i in range(12):
        make_article(f"Harbour story {i}", body="The harbour at night: go, C++ and 大阪, 42 times.")
    settings.READER_CACHE_SECONDS = 600
    client.get("/search/", {"q": "harbour"})  # settle one-time lookups (settings record, version)
    with django_assert_max_num_queries(4):
        response = client.get("/search/", {"q": query})
    assert response.context["page_obj"].paginator.count == found
    assert len(response.context["articles"]) == min(found, 10)


def _at(year, month=1, day=1):
    import datetime as dt

    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)


def page(client, query):
    return client.get("/search/", {"q": query}).content.decode()


def test_below_the_window_every_match_is_shown_and_counted(client, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "WINDOW", 6)
    make_article("Fresh news item", body="Mentions commonword.", publish_date=_at(2025, 6, 1))
    for i in range(5):  # an archive imported after it: higher ids, older dates
        make_article(f"Archive {i}", body="Filler with commonword.", publish_date=_at(2005, 1, i + 1))
    found = titles(client, "commonword")
    assert len(found) == 6 and found[0] == "Fresh news item"
    assert "6 articles found." in page(client, "commonword")


def test_above_the_window_the_newest_by_date_and_title_matches_are_shown_and_the_page_says_so(client, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "WINDOW", 3)
    make_article("Commonword explained", body="Old and named by the query.", publish_date=_at(1999))
    make_article("Fresh news item", body="Mentions commonword.", publish_date=_at(2025, 6, 1))
    make_article("Future item", body="commonword", publish_date=_at(2099))  # scheduled: no place taken
    for i in range(6):  # imported later (higher ids) but older
        make_article(f"Archive {i}", body="Filler with commonword.", publish_date=_at(2005, 1, i + 1))
    found = titles(client, "commonword")
    # The title match, then the three newest body matches by publish date.
    assert found == ["Commonword explained", "Fresh news item", "Archive 5", "Archive 4"]
    html = page(client, "commonword")
    assert "More than 3 articles match; showing the best 4" in html
    assert "articles found" not in html


def test_short_terms_with_a_longer_term_search_every_article(client, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "WINDOW", 2)
    make_article("Old CJK", body="大阪の話。zq と記事", publish_date=_at(2002))
    for i in range(4):
        make_article(f"Newer {i}", body="東京の話と記事")
    assert titles(client, "大阪 大阪の話") == ["Old CJK"]
    assert titles(client, "zq 東京の話") == [] and titles(client, "zq 大阪の話") == ["Old CJK"]


def test_short_terms_alone_search_every_title_and_say_which_texts_were_searched(client, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "WINDOW", 2)
    make_article("大阪の旅", body="Old.", publish_date=_at(2001))
    make_article("Learning Go", body="Old.", publish_date=_at(2002))
    make_article("Old body only", body="大阪 and Go in the text.", publish_date=_at(2003))
    for i in range(3):
        make_article(f"Newer {i}", body="Nothing here.")
    assert titles(client, "大阪") == ["大阪の旅"]
    assert titles(client, "go") == ["Learning Go"]
    html = page(client, "大阪")
    assert "in the text of the newest 2 articles only" in html
    monkeypatch.setattr(search, "WINDOW", 10)
    assert set(titles(client, "大阪")) == {"大阪の旅", "Old body only"}


def test_terms_with_symbols_match_as_written_on_every_database(client):
    make_article("Vitamin guide", body="Vitamin C and the letter F, in a sentence.")
    make_article("Languages", body="We write C++, C# and F# here.")
    for query in ("C++", "c#", "F#"):
        assert titles(client, query) == ["Languages"], query


def test_a_shortened_query_is_announced(client):
    make_article("Axolotl facts", body="axolotl")
    html = page(client, "axolotl " * 30 + "nonexistentword")
    assert "Only the first 1 word of your search was used" in html
    html = page(client, " ".join(f"w{i}x" for i in range(12)))
    assert "Only the first 10 words of your search were used" in html
    assert "Only the first" not in page(client, "axolotl")


def test_the_index_follows_a_new_publish_date(client, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "WINDOW", 1)
    moved = make_article("Moved", body="quokka", publish_date=_at(2001))
    make_article("Stays", body="quokka", publish_date=_at(2010))
    assert titles(client, "quokka") == ["Stays"]
    Article.objects.filter(pk=moved.pk).update(publish_date=_at(2020))
    assert titles(client, "quokka") == ["Moved"]
    moved.refresh_from_db()
    moved.publish_date = _at(2000)
    moved.save()
    assert titles(client, "quokka") == ["Stays"]
    Article.objects.filter(title="Stays").delete()
    assert titles(client, "quokka") == ["Moved"]


def test_the_sqlite_index_survives_a_table_rebuild():
    """Django's SQLite migrations remake a table to alter it, which drops its triggers: the
    post-migrate step makes them again and rebuilds the index from the articles."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's triggers only")
    from articles.search.sqlite import TRIGGERS

    make_article("Before", body="walrus")
    with connection.cursor() as cursor:
        for trigger in TRIGGERS:
            cursor.execute(f"DROP TRIGGER {trigger}")
    make_article("Unindexed", body="walrus too")
    call_command("migrate", verbosity=0)
    make_article("After", body="walrus three")
    found = {a.title for a in Article.objects.published().search("walrus")}
    assert found == {"Before", "Unindexed", "After"}


def test_text_in_decomposed_unicode_is_found_by_the_composed_query_and_back(client):
    """macOS often pastes "é" as "e" plus a combining accent (NFD); readers type the composed form."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Café crème à Zürich")
    make_article(decomposed, body=unicodedata.normalize("NFD", "Un résumé of the zebracafé scene."))
    make_article("Unrelated", body="Nothing to see.")
    for query in ("café", "Zürich", "résumé", "zebracafé", unicodedata.normalize("NFD", "zebracafé")):
        html = client.get("/search/", {"q": query}).content.decode()
        assert "Café crème à Zürich" in html and "Unrelated" not in html, query


def test_updates_of_any_field_and_of_visibility_are_searched_at_once(client):
    """The index follows `Article.objects.update()` (no save(), no signal): new words of the body,
    parts of words of the title, subtitle and description; drafts and scheduled never show."""
    import datetime as dt

    article = make_article("Plain title", body="Plain body.", description="Plain summary.")
    rows = Article.objects.filter(pk=article.pk)
    rows.update(subtitle="Notes from Zanzibar")
    assert titles(client, "zibar") == ["Plain title"]  # part of a word of the subtitle
    rows.update(description="A walk past the okapis")
    assert titles(client, "okapi") == ["Plain title"]
    assert titles(client, "zanzibar okapi") == ["Plain title"]
    rows.update(body="Now the quokka.")
    assert titles(client, "quokka") == ["Plain title"] and titles(client, "body") == []
    rows.update(draft=True)
    assert titles(client, "quokka") == []
    rows.update(draft=False, publish_date=dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc))
    assert titles(client, "quokka") == []
    rows.update(publish_date=dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc))
    assert titles(client, "quokka") == ["Plain title"]


def test_bulk_created_drafts_and_scheduled_articles_are_not_found_until_public(client):
    import datetime as dt

    from django.utils import timezone

    author = make_article("Someone's first").author
    now = timezone.now()
    Article.objects.bulk_create(
        [
            Article(title="Bulk public", slug="bulk-public", body="axolotl", author=author, draft=False,
                    publish_date=now - dt.timedelta(hours=1)),
            Article(title="Bulk draft", slug="bulk-draft", body="axolotl", author=author, draft=True, publish_date=now),
            Article(title="Bulk scheduled", slug="bulk-scheduled", body="axolotl", author=author, draft=False,
                    publish_date=now + dt.timedelta(days=3)),
        ]
    )
    assert titles(client, "axolotl") == ["Bulk public"]
    assert titles(client, "draft") == [] and titles(client, "scheduled") == []
    Article.objects.filter(slug__in=["bulk-draft", "bulk-scheduled"]).update(draft=False, publish_date=now - dt.timedelta(days=1))
    assert set(titles(client, "axolotl")) == {"Bulk public", "Bulk scheduled", "Bulk draft"}


def _markdown_file(folder, name, title, body, extra=""):
    path = folder / name
    path.write_text(
        f"---\ntitle: '{title}'\ndescription: 'About {title}.'\nauthor: 'Importer'\n{extra}---\n\n{body}\n",
        encoding="utf-8",
    )
    return path


def test_imported_and_reimported_articles_are_searched_and_imported_drafts_and_scheduled_are_not(client, tmp_path):
    """The importer writes with bulk_create and bulk_update, bypassing save()."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    soon = (timezone.now() + dt.timedelta(days=30)).date().isoformat()
    files = [
        _markdown_file(tmp_path, "public.md", "Imported public", "The narwhal surfaces.", "publish_date: '2024-02-16'\n"),
        _markdown_file(tmp_path, "draft.md", "Imported draft", "The narwhal dives.", "draft: true\n"),
        _markdown_file(tmp_path, "scheduled.md", "Imported scheduled", "The narwhal waits.", f"publish_date: '{soon}'\n"),
    ]
    call_command("import_articles", *map(str, files), verbosity=0)
    assert Article.objects.count() == 3
    assert titles(client, "narwhal") == ["Imported public"]

    _markdown_file(tmp_path, "public.md", "Imported public", "Now a beluga.", "publish_date: '2024-02-16'\n")
    call_command("import_articles", str(files[0]), verbosity=0)
    assert titles(client, "beluga") == ["Imported public"]
    assert titles(client, "narwhal") == []


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_index(client):
    """A flush (TRUNCATE on PostgreSQL: no row trigger sees it) restarts the ids: the old
    article's words must not be found on the new article that takes its id."""
    from django.core.management import call_command

    make_article("Flushed", body="A quagga.", id=1)
    call_command("flush", interactive=False, verbosity=0)  # and restart the ids
    assert make_article("After the flush", body="A zebra.").pk == 1
    assert titles(client, "quagga") == []
    assert titles(client, "zebra") == ["After the flush"]


@pytest.mark.django_db(transaction=True)
def test_the_search_migration_indexes_the_articles_already_there(client):
    """Migration 0002_search fills the search index from the articles already there."""
    from django.core.management import call_command

    call_command("migrate", "articles", "0001_initial", verbosity=0)
    try:
        make_article("Written before", body="An okapi in the body.", subtitle="Zanzibar notes")
    finally:
        call_command("migrate", "articles", verbosity=0)
    assert titles(client, "okapi") == ["Written before"]
    assert titles(client, "zibar") == ["Written before"]
    make_article("Written after", body="Another okapi.")
    assert set(titles(client, "okapi")) == {"Written before", "Written after"}


def test_a_phrase_matches_only_its_words_in_that_order(client):
    make_article("Ports", body="We walked from the harbour library to the old mill.")
    make_article("Libraries", body="The library harbour is another place entirely.")
    html = client.get("/search/", {"q": '"harbour library"'}).content.decode()
    assert "Ports" in html and "Libraries" not in html
    html = client.get("/search/", {"q": '"library harbour" place'}).content.decode()
    assert "Libraries" in html and "Ports" not in html
    from django.db import connection

    # PostgreSQL checks phrases in the newest bodies holding their words, and says so.
    assert ("Phrases in quotes are looked for" in html) == (connection.vendor == "postgresql")
