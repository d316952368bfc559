"""sitemap.xml: published articles only, with lastmod; authors and tags; an index past the limit."""

import datetime as dt
import time
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.sitemaps import ArticleSitemap
from tests.factories import make_article, make_author, make_tag

pytestmark = pytest.mark.django_db
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def urls(client, url="/sitemap.xml"):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return root, {
        node.findtext("s:loc", namespaces=NS): node.findtext("s:lastmod", namespaces=NS)
        for node in root.findall("s:url", NS) + root.findall("s:sitemap", NS)
    }


def test_lists_published_articles_with_lastmod_authors_and_tags(client):
    writer = make_author("Public Writer")
    public = make_article("Public", author=writer, tags=["Shown"])
    make_article("Draft", author=make_author("Draft Only"), draft=True, tags=["Hidden"])
    make_article("Later", publish_in=dt.timedelta(days=1), tags=["Hidden"])
    make_tag("Unused")
    root, found = urls(client)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    assert found[f"http://testserver{public.get_absolute_url()}"] == public.updated.date().isoformat()
    assert "http://testserver/" in found
    assert f"http://testserver{writer.get_absolute_url()}" in found
    assert "http://testserver/tags/shown/" in found
    listed = " ".join(found)
    assert "/articles/draft/" not in listed and "/articles/later/" not in listed
    assert "draft-only" not in listed and "/tags/hidden/" not in listed and "/tags/unused/" not in listed


def test_becomes_an_index_past_the_limit(client, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)  # stands for the protocol's 50,000
    for i in range(5):
        make_article(f"Many {i}")
    root, found = urls(client)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    pages = sorted(loc for loc in found if "sitemap-articles" in loc)
    assert pages == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-articles.xml?p=3",
    ]
    listed = []
    for page in pages:
        listed += list(urls(client, page.removeprefix("http://testserver"))[1])
    assert len([loc for loc in listed if "/articles/" in loc]) == 5


def test_unknown_section_and_page_are_404(client):
    make_article("Only")
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-articles.xml?p=9").status_code == 404


def test_empty_site_has_a_valid_sitemap(client):
    root, found = urls(client)
    assert set(found) == {"http://testserver/", "http://testserver/archive/"}


def test_sitemap_and_its_index_run_a_fixed_number_of_queries(client, settings, monkeypatch, django_assert_max_num_queries):
    settings.READER_CACHE_SECONDS = 0
    for i in range(3):
        make_article(f"Counted {i}", tags=["One", "Two"])
    client.get("/sitemap.xml")  # warm the publication settings' cache
    with django_assert_max_num_queries(4):  # the counts, then the articles, authors and tags
        client.get("/sitemap.xml")
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    with django_assert_max_num_queries(1):  # the index: counts and the latest change only
        root, found = urls(client)
    assert root.tag.endswith("sitemapindex") and len(found) == 5  # home, 2 article pages, authors, tags
    assert len(set(found.values())) == 1 and None not in found.values()


def test_a_small_site_sitemap_is_four_queries_with_the_page_cache_on(client, settings, django_assert_max_num_queries):
    """The page cache's content-version read, the counts, the articles, authors and tags together."""
    settings.READER_CACHE_SECONDS = 600
    for i in range(3):
        make_article(f"Counted {i}", author=make_author(f"Writer {i}"), tags=["One", "Two"])
    client.get("/subscribe/")  # another page: the version's row, the publication's settings
    with django_assert_max_num_queries(4):
        root, found = urls(client)
    assert sum("/authors/" in loc for loc in found) == 3 and sum("/tags/" in loc for loc in found) == 2


@pytest.mark.parametrize("section", ["articles", "authors", "tags"])
def test_each_section_page_is_at_most_four_queries(client, settings, section, django_assert_max_num_queries):
    settings.READER_CACHE_SECONDS = 600
    for i in range(3):
        make_article(f"Counted {i}", author=make_author(f"Writer {i}"), tags=["One", "Two"])
    client.get("/subscribe/")  # another page: the version's row, the publication's settings
    with django_assert_max_num_queries(4):
        root, found = urls(client, f"/sitemap-{section}.xml")
    assert len(found) in (2, 3)


def at(days_ago):
    return timezone.now() - dt.timedelta(days=days_ago)


def test_author_and_tag_lastmod_is_their_newest_public_change(client):
    old_writer, busy_writer = make_author("Old Writer"), make_author("Busy Writer")
    make_article("Old", author=old_writer, tags=["Quiet"], publish_date=at(300))
    Article.objects.filter(title="Old").update(updated=at(200))  # last edited 200 days ago
    make_article("Fresh", author=busy_writer, tags=["Loud"], publish_date=at(10))
    Article.objects.filter(title="Fresh").update(updated=at(9))
    edited = make_article("Edited", author=busy_writer, tags=["Loud"], publish_date=at(50))
    Article.objects.filter(pk=edited.pk).update(updated=at(3))  # an old article edited 3 days ago
    # Neither drafts nor scheduled articles move a lastmod: readers cannot see them.
    make_article("Secret", author=old_writer, tags=["Quiet"], draft=True)
    make_article("Soon", author=old_writer, tags=["Quiet"], publish_in=dt.timedelta(days=2))
    Article.objects.filter(title__in=["Secret", "Soon"]).update(updated=at(0))
    _, found = urls(client)

    def day(value):
        return value.date().isoformat()

    assert found["http://testserver/authors/old-writer/"] == day(at(200))
    assert found["http://testserver/tags/quiet/"] == day(at(200))
    assert found["http://testserver/authors/busy-writer/"] == day(at(3))
    assert found["http://testserver/tags/loud/"] == day(at(3))
    for section in ("authors", "tags"):  # the section pages agree with the one-page sitemap
        _, page = urls(client, f"/sitemap-{section}.xml")
        assert page == {loc: mod for loc, mod in found.items() if f"/{section}/" in loc}


def test_locations_are_the_pages_own_addresses(client):
    """Built without a reverse() per URL: still exactly what reverse() gives, unicode slugs included."""
    article = make_article("Ünïcode and spaces", tags=["Café crème"], author=make_author("Zoë Writer"))
    _, found = urls(client)
    assert f"http://testserver{article.get_absolute_url()}" in found
    assert f"http://testserver{article.author.get_absolute_url()}" in found
    tag = article.tags.get()
    assert f"http://testserver{reverse('tag_detail', kwargs={'slug': tag.slug})}" in found
    assert any("%C3%BC" in loc for loc in found)  # percent-encoded like reverse() does


def test_a_deleted_article_is_not_kept_by_a_revalidating_crawler(client):
    from articles.models import Article
    from tests.factories import make_article

    keep, gone = make_article("Kept Piece"), make_article("Removed Piece")
    first = client.get("/sitemap.xml")
    assert gone.get_absolute_url().encode() in first.content
    time.sleep(1.1)  # HTTP dates count whole seconds
    Article.objects.filter(pk=gone.pk).delete()
    again = client.get("/sitemap.xml", headers={"If-Modified-Since": first.get("Last-Modified", "")})
    assert again.status_code == 200
    assert gone.get_absolute_url().encode() not in again.content
    assert keep.get_absolute_url().encode() in again.content
