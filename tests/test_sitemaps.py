"""sitemap.xml: published articles only, with lastmod; authors and tags; an index past the limit."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

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
