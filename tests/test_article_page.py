"""The article page as a reader meets it, from an imported reference-format file."""

from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.factories import ARTICLE_TEXT, make_article, make_author

pytestmark = pytest.mark.django_db


class FooterText(HTMLParser):
    """Collects the text inside <footer> elements of the <article>."""

    def __init__(self):
        super().__init__()
        self.depth_article = self.depth_footer = 0
        self.footer_text = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth_article += 1
        if tag == "footer" and self.depth_article:
            self.depth_footer += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth_article -= 1
        if tag == "footer" and self.depth_footer:
            self.depth_footer -= 1

    def handle_data(self, data):
        if self.depth_footer:
            self.footer_text.append(data)


@pytest.fixture
def imported(tmp_path):
    (tmp_path / "reference.md").write_text(ARTICLE_TEXT, encoding="utf-8")
    call_command("import_articles", str(tmp_path), verbosity=0)
    return Article.objects.get()


def test_page_shows_every_reference_field(client, imported):
    response = client.get(imported.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "A Test Article: With a Colon" in page
    assert "A subtitle" in page
    assert "Test Author" in page and imported.author.get_absolute_url() in page
    assert "8 min read" in page
    assert "16 February 2024" in page
    assert '<time datetime="2024-02-16T00:00:00+00:00">' in page
    assert 'src="https://images.example.org/hero.jpg"' in page
    assert "<li>one</li>" in page
    assert "https://images.example.org/body.webp" in page
    assert '<meta name="description" content="A description of the test article.">' in page
    assert f'rel="canonical" href="http://testserver{imported.get_absolute_url()}"' in page
    assert "<title>A Test Article: With a Colon" in page


def test_cta_is_in_a_footer_below_the_body(client, imported):
    page = client.get(imported.get_absolute_url()).content.decode()
    parser = FooterText()
    parser.feed(page)
    assert "Follow us for more." in "".join(parser.footer_text)
    assert page.index("Follow us for more.") > page.index("<li>two</li>")


def test_empty_cta_falls_back_to_the_site_default(client, settings):
    settings.DEFAULT_CTA = "Subscribe to the feed, friend."
    article = make_article(cta="")
    assert "Subscribe to the feed, friend." in client.get(article.get_absolute_url()).content.decode()


def test_index_lists_published_articles_newest_first(client):
    make_article("Older Piece", publish_date="2024-01-01T10:00:00+00:00")
    make_article("Newer Piece", publish_date="2024-06-01T10:00:00+00:00")
    page = client.get("/").content.decode()
    assert page.index("Newer Piece") < page.index("Older Piece")
    assert 'type="application/rss+xml"' in page


def test_index_paginates(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for i in range(5):
        make_article(f"Piece {i}")
    assert client.get("/?page=3").status_code == 200
    assert client.get("/?page=4").status_code == 404


@pytest.mark.parametrize("kind", ["author", "tag"])
def test_author_and_tag_pages_advertise_their_own_feeds(client, kind):
    article = make_article("Tagged", tags=["Essays"])
    obj = article.author if kind == "author" else article.tags.get()
    page = client.get(obj.get_absolute_url() if kind == "author" else f"/tags/{obj.slug}/").content.decode()
    for suffix in ["feed/", "feed/atom/", "feed.json"]:
        assert f'href="/{kind}s/{obj.slug}/{suffix}"' in page


def test_author_page_shows_bio_and_published_articles(client):
    author = make_author("Grace Author", bio="Writes about compilers.")
    make_article("Her Public Piece", author=author)
    make_article("Her Draft", author=author, draft=True)
    page = client.get(author.get_absolute_url()).content.decode()
    assert "Writes about compilers." in page
    assert "Her Public Piece" in page and "Her Draft" not in page


def test_unknown_pages_get_the_friendly_404(client, settings):
    settings.DEBUG = False
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def queries_for(client, url):
    client.get(url)  # warm the caches (publication settings): count only the page's own queries
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize("url", ["/", "/authors/ada-writer/", "/feed/"])
def test_list_pages_run_a_fixed_number_of_queries(client, url):
    author = make_author("Ada Writer")
    make_article("First", author=author, tags=["One"])
    few = queries_for(client, url)
    for i in range(25):
        make_article(f"More {i}", author=author, tags=["One", "Two"])
    assert queries_for(client, url) == few


def test_article_page_runs_a_fixed_number_of_queries(client):
    small = make_article("Small", tags=["One"])
    few = queries_for(client, small.get_absolute_url())
    big = make_article("Big", tags=["One", "Two", "Three"], body="![a](/x.jpg)\n\n" * 50)
    for i in range(20):
        make_article(f"Other {i}", tags=["One"])
    assert queries_for(client, big.get_absolute_url()) == few


def test_links_typed_with_characters_a_url_may_not_hold_are_encoded_once_saved(client):
    from articles.models import PublicationSettings

    PublicationSettings(cta_link='https://example.org/join?a=1&b="x y"', social_links="https://social.example/@zoë").save()
    article = make_article("Encoded", cta="", hero_image_url="https://img.example.org/a b.jpg", hero_image_alt="A")
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="https://example.org/join?a=1&amp;b=%22x%20y%22"' in html
    assert "https://social.example/@zo%C3%AB" in html
    assert "https://img.example.org/a%20b.jpg" in html and "a b.jpg" not in html
