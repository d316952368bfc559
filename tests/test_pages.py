"""Every reader page through the HTTP client: content, edge cases, constant query counts."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import make_article, make_author, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Measure the views themselves, not the whole-page cache in front of them (articles/cache.py)."""
    settings.READER_CACHE_SECONDS = 0


def at(year, month, day=15):
    return dt.datetime(year, month, day, 12, tzinfo=dt.timezone.utc)


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


@pytest.mark.parametrize("url", ["/", "/archive/", "/search/", "/search/?q=anything"])
def test_empty_site_pages_say_so(client, url):
    html = page(client, url)
    assert "<h1" in html and "<main" in html


def test_home_features_the_latest_article_and_hides_drafts(client):
    make_article("Old One", publish_date=at(2023, 1))
    make_article("Newest One", publish_date=at(2024, 5))
    make_article("Secret Draft", draft=True)
    make_article("Scheduled", publish_in=dt.timedelta(days=3))
    html = page(client, "/")
    assert html.index("card--featured") < html.index("Newest One") < html.index("Old One")
    assert html.count("card--featured") == 1
    assert "Secret Draft" not in html and "Scheduled" not in html


@pytest.mark.parametrize("url", ["/", "/authors/ada-writer/", "/tags/essays/", "/archive/2024/3/", "/search/?q=piece"])
def test_lists_paginate_and_404_past_the_end(client, settings, url):
    settings.ARTICLES_PER_PAGE = 2
    for i in range(5):
        make_article(f"Piece {i}", author=make_author("Ada Writer"), tags=["Essays"], publish_date=at(2024, 3, i + 1))
    sep = "&" if "?" in url else "?"
    assert 'rel="next"' in page(client, url)
    last = page(client, f"{url}{sep}page=3")
    assert 'rel="prev"' in last and 'rel="next"' not in last
    page(client, f"{url}{sep}page=4", status=404)
    page(client, f"{url}{sep}page=nonsense", status=404)


def test_article_shows_tags_related_and_neighbours(client):
    older = make_article("Older Neighbour", tags=["Typography"], publish_date=at(2024, 1))
    article = make_article("Middle Article", tags=["Typography", "Editing"], publish_date=at(2024, 2))
    newer = make_article("Newer Neighbour", publish_date=at(2024, 3))
    best = make_article("Shares Two Tags", tags=["Typography", "Editing"], publish_date=at(2023, 1))
    make_article("Shares No Tag", tags=["Cooking"], publish_date=at(2022, 1))
    make_article("Draft With Tag", tags=["Typography"], draft=True)
    html = page(client, article.get_absolute_url())
    assert 'href="/tags/typography/" rel="tag"' in html and 'href="/tags/editing/"' in html
    related = html[html.index('id="related-title"'):]
    assert related.index(best.title) < related.index(older.title)
    assert "Shares No Tag" not in related and "Draft With Tag" not in html
    assert f'href="{older.get_absolute_url()}" rel="prev"' in html
    assert f'href="{newer.get_absolute_url()}" rel="next"' in html


def test_neighbours_with_the_same_publish_date_are_ordered_by_id(client):
    when = at(2024, 4)
    first, second, third = (make_article(f"Same Time {i}", publish_date=when) for i in range(3))
    html = page(client, second.get_absolute_url())
    assert f'href="{first.get_absolute_url()}" rel="prev"' in html
    assert f'href="{third.get_absolute_url()}" rel="next"' in html


def test_first_and_only_article_has_no_neighbours_or_related(client):
    article = make_article("Alone")
    html = page(client, article.get_absolute_url())
    assert 'rel="prev"' not in html and 'rel="next"' not in html and "related-title" not in html


def test_tag_page_lists_only_published_articles_with_the_tag(client):
    make_article("Tagged Public", tags=["Open Web"])
    make_article("Tagged Draft", tags=["Open Web"], draft=True)
    make_article("Untagged")
    html = page(client, "/tags/open-web/")
    assert "<h1>Open Web</h1>" in html
    assert "Tagged Public" in html and "Tagged Draft" not in html and "Untagged" not in html


def test_tag_without_published_articles_is_an_empty_list(client):
    make_tag("Lonely")
    assert "Nothing tagged Lonely has been published yet." in page(client, "/tags/lonely/")


def test_unknown_tag_author_and_article_are_404(client):
    page(client, "/tags/no-such-tag/", status=404)
    page(client, "/authors/nobody/", status=404)
    page(client, "/articles/nothing-here/", status=404)


def test_author_without_articles(client):
    make_author("Quiet Person")
    assert "Quiet Person has not published anything yet." in page(client, "/authors/quiet-person/")


def test_archive_counts_months_and_lists_a_month(client):
    make_article("March A", publish_date=at(2024, 3, 2))
    make_article("March B", publish_date=at(2024, 3, 20))
    make_article("July", publish_date=at(2023, 7))
    make_article("Draft in March", publish_date=at(2024, 3, 5), draft=True)
    html = page(client, "/archive/")
    assert html.index("2024") < html.index("2023")
    assert '<a href="/archive/2024/3/">March 2024</a> <span class="count">2 articles</span>' in html
    assert '<a href="/archive/2023/7/">July 2023</a> <span class="count">1 article</span>' in html
    month = page(client, "/archive/2024/3/")
    assert "March A" in month and "March B" in month and "July" not in month and "Draft in March" not in month
    assert "Nothing was published in" in page(client, "/archive/2022/1/")


@pytest.mark.parametrize("url", ["/archive/2024/13/", "/archive/2024/0/", "/archive/0/1/", "/archive/2024/x/"])
def test_impossible_months_are_404(client, url):
    page(client, url, status=404)


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "User-agent: *" in body and "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the caches (publication settings, image renditions)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


LIST_URLS = ["/", "/authors/ada-writer/", "/tags/essays/", "/archive/", "/archive/2024/3/", "/search/?q=piece"]


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_pages_run_a_fixed_number_of_queries(client, settings, url, django_assert_num_queries):
    settings.ARTICLES_PER_PAGE = 10
    author = make_author("Ada Writer")
    make_article("Piece zero", author=author, tags=["Essays"], publish_date=at(2024, 3, 1))
    few = queries(client, url)
    for i in range(30):
        make_article(f"Piece {i}", author=author, tags=["Essays", "More"], publish_date=at(2024 - i % 3, 3, 2))
    cache.clear()
    client.get(url)
    with django_assert_num_queries(few):
        assert client.get(url).status_code == 200


def test_article_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    small = make_article("Small", tags=["One"], publish_date=timezone.now() - dt.timedelta(days=5))
    few = queries(client, small.get_absolute_url())
    big = make_article("Big", tags=["One", "Two", "Three"], publish_date=timezone.now() - dt.timedelta(days=4))
    for i in range(15):
        make_article(f"Other {i}", tags=["One", "Two"])
    client.get(big.get_absolute_url())
    with django_assert_num_queries(few):
        client.get(big.get_absolute_url())
