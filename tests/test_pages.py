"""Every reader page through the HTTP client: content, edge cases, constant query counts."""

import datetime as dt
import time

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


@pytest.mark.parametrize("url", ["/", "/authors/ada-writer/", "/tags/essays/", "/archive/2024/03/", "/search/?q=piece"])
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


def test_unpublished_articles_are_never_neighbours_related_or_counted(client):
    article = make_article("Visible", tags=["Shared"], publish_date=at(2024, 3, 10))
    make_article("Draft Before", tags=["Shared"], draft=True, publish_date=at(2024, 3, 5))
    make_article("Scheduled After", tags=["Shared"], publish_in=dt.timedelta(days=2))
    html = page(client, article.get_absolute_url())
    assert 'rel="prev"' not in html and 'rel="next"' not in html and "related-title" not in html
    assert "Draft Before" not in html and "Scheduled After" not in html
    assert '<span class="count">1 article</span>' in page(client, "/archive/")


def test_first_and_only_article_has_no_neighbours_or_related(client):
    article = make_article("Alone")
    html = page(client, article.get_absolute_url())
    assert 'rel="prev"' not in html and 'rel="next"' not in html and "related-title" not in html


def test_tag_page_lists_only_published_articles_with_the_tag(client):
    make_article("Tagged Public", tags=["Open Web"])
    make_article("Tagged Draft", tags=["Open Web"], draft=True)
    make_article("Untagged")
    html = page(client, "/tags/open-web/")
    assert "<h1 dir=\"auto\">Open Web</h1>" in html
    assert "Tagged Public" in html and "Tagged Draft" not in html and "Untagged" not in html


@pytest.mark.parametrize("hidden", [{"draft": True}, {"publish_in": dt.timedelta(days=30)}, None])
def test_author_or_tag_with_nothing_published_is_404_like_an_unknown_one(client, hidden):
    """Otherwise anyone could probe for an embargoed tag's or an unannounced author's name."""
    if hidden is None:
        make_author("Secret Author"), make_tag("Embargoed Merger")  # no article at all
    else:
        make_article("Hidden", author=make_author("Secret Author"), tags=["Embargoed Merger"], **hidden)
    for url in ["/authors/secret-author/", "/tags/embargoed-merger/", "/tags/embargoed-merger/?page=2"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Secret" not in response.content.decode() and "Embargoed" not in response.content.decode()


def test_author_and_tag_pages_appear_when_their_first_article_goes_live(client):
    from articles.models import Article

    article = make_article("Soon", author=make_author("New Voice"), tags=["Fresh"], publish_in=dt.timedelta(days=1))
    page(client, "/authors/new-voice/", status=404)
    page(client, "/tags/fresh/", status=404)
    Article.objects.filter(pk=article.pk).update(publish_date=timezone.now() - dt.timedelta(seconds=1))
    assert "Soon" in page(client, "/authors/new-voice/") and "Soon" in page(client, "/tags/fresh/")


def test_every_author_and_tag_link_on_an_article_leads_to_a_page(client):
    article = make_article("Linked", author=make_author("Ada Writer"), tags=["Essays", "Craft"])
    make_article("Drafted too", author=make_author("Ada Writer"), tags=["Craft", "Secret"], draft=True)
    html = page(client, article.get_absolute_url())
    assert "/tags/secret/" not in html
    for url in ["/authors/ada-writer/", "/tags/essays/", "/tags/craft/"]:
        assert url in html
        assert "Linked" in page(client, url) and "Drafted too" not in page(client, url)


def test_unknown_tag_author_and_article_are_404(client):
    page(client, "/tags/no-such-tag/", status=404)
    page(client, "/authors/nobody/", status=404)
    page(client, "/articles/nothing-here/", status=404)


def test_archive_counts_months_and_lists_a_month(client):
    make_article("March A", publish_date=at(2024, 3, 2))
    make_article("March B", publish_date=at(2024, 3, 20))
    make_article("July", publish_date=at(2023, 7))
    make_article("Draft in March", publish_date=at(2024, 3, 5), draft=True)
    html = page(client, "/archive/")
    assert html.index("2024") < html.index("2023")
    assert '<a href="/archive/2024/03/">March 2024</a> <span class="count">2 articles</span>' in html
    assert '<a href="/archive/2023/07/">July 2023</a> <span class="count">1 article</span>' in html
    month = page(client, "/archive/2024/03/")
    assert "March A" in month and "March B" in month and "July" not in month and "Draft in March" not in month
    assert '<link rel="canonical" href="http://testserver/archive/2024/03/">' in month


def test_archive_has_no_page_for_a_month_without_published_articles(client):
    make_article("Published", publish_date=at(2024, 3))
    make_article("Draft", publish_date=at(2024, 4), draft=True)
    make_article("Scheduled", publish_in=dt.timedelta(days=40))
    later = timezone.now() + dt.timedelta(days=40)
    for url in ["/archive/1990/01/", "/archive/2099/01/", "/archive/2024/04/", later.strftime("/archive/%Y/%m/")]:
        page(client, url, status=404)
    page(client, "/archive/2024/03/")


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("/archive/2024/3/", "/archive/2024/03/"),
        ("/archive/2024/003/", "/archive/2024/03/"),
        ("/archive/02024/03/", "/archive/2024/03/"),
        ("/archive/2024/3/?page=1", "/archive/2024/03/?page=1"),
    ],
)
def test_archive_months_have_one_address(client, url, canonical):
    make_article("Published", publish_date=at(2024, 3))
    response = client.get(url)
    assert response.status_code == 301 and response["Location"] == canonical
    assert client.get(canonical).status_code == 200


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


LIST_URLS = ["/", "/authors/ada-writer/", "/tags/essays/", "/archive/", "/archive/2024/03/", "/search/?q=piece"]


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


def test_article_page_runs_four_queries(client):
    """The content version (which the page cache reads anyway), the article with its author and
    neighbours, its tags, the related articles."""
    make_article("Before", tags=["One"], publish_date=at(2024, 1))
    article = make_article("Middle", tags=["One", "Two"], publish_date=at(2024, 2))
    make_article("After", tags=["Two"], publish_date=at(2024, 3))
    assert queries(client, article.get_absolute_url()) == 4


def pagination(html):
    return html.split('aria-label="Pages"')[1].split("</nav>")[0]


def test_front_page_is_bounded_and_its_last_page_leads_to_the_archive(client, settings, django_assert_num_queries):
    """No OFFSET that grows with the archive. `/` lists the newest 100 pages; the last
    one continues in the archive month where it stops; deeper pages are 404."""
    settings.ARTICLES_PER_PAGE = 1
    for i in range(102):  # 102 published articles: two more than the front page shows
        make_article(f"Piece {i}", publish_date=at(2020, 1, 1) + dt.timedelta(days=10 * i))
    make_article("Hidden draft", draft=True)
    first = page(client, "/")
    assert "Piece 101" in first and "Page 1 of the newest 100" in first and 'href="?page=2" rel="next"' in first
    assert "/archive/" not in pagination(first)

    last = page(client, "/?page=100")
    assert "Piece 2" in last and "Piece 1<" not in last
    oldest_shown = at(2020, 1, 1) + dt.timedelta(days=20)  # Piece 2: 21 January 2020
    assert f'href="/archive/{oldest_shown:%Y/%m}/" rel="next"' in last and 'rel="prev"' in last
    # The month (Pieces 3 to 0) continues the list: its last pages hold the two the front page leaves out.
    month = f"/archive/{oldest_shown:%Y/%m}/"
    assert "Piece 3" in page(client, month) and "Page 1 of 4" in page(client, month)
    assert "Piece 1<" in page(client, f"{month}?page=3") and "Piece 0" in page(client, f"{month}?page=4")
    page(client, "/?page=101", status=404)

    # Deep or not, a page costs the same queries.
    few = queries(client, "/?page=2")
    for number in (50, 100):
        client.get(f"/?page={number}")
        with django_assert_num_queries(few):
            assert client.get(f"/?page={number}").status_code == 200


def test_small_front_page_says_plainly_how_many_pages(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for i in range(5):
        make_article(f"Piece {i}", publish_date=at(2024, 3, i + 1))
    last = page(client, "/?page=3")
    assert "Page 3 of 3" in last and "/archive/" not in pagination(last)


PAGES_SHOWING_IT = ["/", "/authors/ada-writer/", "/tags/essays/", "/archive/", "/archive/2024/03/"]


@pytest.mark.parametrize("change", ["delete", "unpublish", "retag", "new author"])
def test_if_modified_since_sees_an_article_leave_a_page(client, settings, change):
    """With the page cache on (it sets Last-Modified), a client revalidating with
    If-Modified-Since alone gets the new page after a deletion, unpublishing or retagging."""
    settings.READER_CACHE_SECONDS = 600
    kept = make_article("Kept Piece", author=make_author("Ada Writer"), tags=["Essays"], publish_date=at(2024, 3, 2))
    leaving = make_article("Leaving Piece", author=kept.author, tags=["Essays"], publish_date=at(2024, 3, 3))
    urls = [*PAGES_SHOWING_IT, kept.get_absolute_url()]  # the article page: its neighbour leaves
    first = {url: client.get(url) for url in urls}
    for url, response in first.items():
        assert response.status_code == 200 and response["Last-Modified"], url
    time.sleep(1.1)  # HTTP dates have whole seconds: the change happens in a later one
    for url, response in first.items():
        assert client.get(url, headers={"if_modified_since": response["Last-Modified"]}).status_code == 304, url

    if change == "delete":
        leaving.delete()
    elif change == "unpublish":
        leaving.draft = True
        leaving.save()
    elif change == "retag":
        leaving.tags.remove(make_tag("Essays"))
    else:
        leaving.author = make_author("Bob Scribe")
        leaving.save()

    for url, response in first.items():
        again = client.get(url, headers={"if_modified_since": response["Last-Modified"]})
        assert again.status_code == 200, url
        assert client.get(url, headers={"if_modified_since": again["Last-Modified"]}).status_code == 304, url
    assert "Leaving Piece" not in client.get("/tags/essays/" if change == "retag" else "/authors/ada-writer/").content.decode()


def test_archive_index_lists_months_with_articles_and_skips_empty_ones(client, settings):
    """Months with published articles, newest first (60 a page: tests/test_archive.py); months
    without are not listed; counts match the month pages, in the site's time zone."""
    settings.TIME_ZONE = "Europe/Paris"
    make_article("Newest", publish_date=at(2024, 6))
    # 23:30 UTC on 31 March is April in Paris: counted, and listed, under April.
    make_article("Paris April", publish_date=dt.datetime(2024, 3, 31, 23, 30, tzinfo=dt.timezone.utc))
    make_article("March", publish_date=at(2024, 3, 10))
    make_article("Draft March", publish_date=at(2024, 3, 11), draft=True)
    make_article("Old", publish_date=at(2017, 2))  # 89 calendar months back from June 2024
    make_article("Scheduled", publish_in=dt.timedelta(days=400))
    first = page(client, "/archive/")
    assert '<a href="/archive/2024/06/">June 2024</a> <span class="count">1 article</span>' in first
    assert '<a href="/archive/2024/04/">April 2024</a> <span class="count">1 article</span>' in first
    assert '<a href="/archive/2024/03/">March 2024</a> <span class="count">1 article</span>' in first
    assert '<a href="/archive/2017/02/">February 2017</a> <span class="count">1 article</span>' in first
    main = first.split("<main")[1].split("</main>")[0]
    assert "May 2024" not in main and "Scheduled" not in main and 'aria-label="Pages"' not in main
    assert main.index("June 2024") < main.index("April 2024") < main.index("March 2024") < main.index("February 2017")
    assert "Paris April" in page(client, "/archive/2024/04/") and "Paris April" not in page(client, "/archive/2024/03/")
    page(client, "/archive/?page=2", status=404)
