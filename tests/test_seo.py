"""What search engines and share previews read: titles, descriptions, canonical, Open Graph, JSON-LD."""

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from tests.factories import image_bytes, make_article, make_author

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self.title = {}, {}, [], ""
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta.setdefault(attrs.get("property") or attrs["name"], []).append(attrs.get("content"))
        elif tag == "link":
            self.links[attrs.get("rel")] = attrs.get("href")
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json"
            self.json_ld.append("")
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "json":
            self.json_ld[-1] += data
        elif self._in == "title":
            self.title += data


def head(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parser = Head()
    parser.feed(response.content.decode())
    return parser


ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def test_article_has_full_social_and_structured_data(client):
    author = make_author("Rosa Parker")
    article = make_article(
        "Structured </script><b>Title</b> & more",
        author=author,
        description="A short summary.",
        tags=["Typography"],
        publish_date=dt.datetime(2024, 2, 16, 9, 30, tzinfo=dt.timezone.utc),
        hero_image_url="https://images.example.org/hero.jpg",
        hero_image_alt="A hero",
    )
    page = head(client, article.get_absolute_url())
    assert page.title == "Structured </script><b>Title</b> & more · Masthead"
    assert page.meta["description"] == ["A short summary."]
    assert page.links["canonical"] == f"http://testserver{article.get_absolute_url()}"
    assert page.meta["og:type"] == ["article"]
    assert page.meta["og:title"] == [article.title]
    assert page.meta["og:url"] == [f"http://testserver{article.get_absolute_url()}"]
    assert page.meta["og:image"] == ["https://images.example.org/hero.jpg"]
    assert page.meta["article:published_time"] == ["2024-02-16T09:30:00+00:00"]
    assert page.meta["article:author"] == [f"http://testserver{author.get_absolute_url()}"]
    assert page.meta["article:tag"] == ["Typography"]
    assert page.meta["twitter:card"] == ["summary_large_image"]
    (raw,) = page.json_ld
    assert "</script>" not in raw and "<b>" not in raw  # escaped inside the data block
    data = json.loads(raw)
    assert data["@type"] == "Article"
    assert data["headline"] == article.title
    assert data["description"] == "A short summary."
    assert data["image"] == ["https://images.example.org/hero.jpg"]
    assert data["author"][0]["name"] == "Rosa Parker"
    assert ISO_WITH_OFFSET.match(data["datePublished"]) and ISO_WITH_OFFSET.match(data["dateModified"])
    assert dt.datetime.fromisoformat(data["datePublished"]) == article.publish_date


def test_dates_follow_the_site_time_zone(client, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    article = make_article("Tokyo", publish_date=dt.datetime(2024, 2, 16, 9, 30, tzinfo=dt.timezone.utc))
    data = json.loads(head(client, article.get_absolute_url()).json_ld[0])
    assert data["datePublished"] == "2024-02-16T18:30:00+09:00"


def test_article_without_hero_gets_a_generated_share_image(client):
    article = make_article("No Hero Here")
    page = head(client, article.get_absolute_url())
    (url,) = page.meta["og:image"]
    assert url.startswith("http://testserver/media/share/") and url.endswith(".png")
    assert page.meta["og:image:width"] == ["1200"] and page.meta["og:image:height"] == ["630"]
    name = url.removeprefix("http://testserver/media/")
    with default_storage.open(name) as file:
        assert Image.open(file).size == (1200, 630)
    # Stored once: the same title gives the same file, another title another file.
    assert head(client, article.get_absolute_url()).meta["og:image"] == [url]
    other = make_article("Another Title")
    assert head(client, other.get_absolute_url()).meta["og:image"] != [url]


def test_share_image_draws_cjk_titles(client):
    article = make_article("静かなウェブ")
    assert head(client, article.get_absolute_url()).meta["og:image"][0].endswith(".png")


def test_a_title_no_installed_font_draws_is_not_drawn_as_empty_boxes(client):
    """Emoji (and CJK without a CJK font) would be rows of boxes: the site's name is drawn instead."""
    rocket = head(client, make_article("🚀🔥", slug="rocket").get_absolute_url()).meta["og:image"]
    party = head(client, make_article("🎉🎉🎉", slug="party").get_absolute_url()).meta["og:image"]
    words = head(client, make_article("Plain words", slug="words").get_absolute_url()).meta["og:image"]
    assert rocket == party != words  # both the site's own card


def test_uploaded_hero_is_the_share_image(client):
    default_storage.save("heroes/h.jpg", ContentFile(image_bytes(size=(1600, 900))))
    article = make_article("With Hero", hero_image="heroes/h.jpg")
    page = head(client, article.get_absolute_url())
    assert page.meta["og:image"] == ["http://testserver/media/heroes/h.jpg"]
    assert page.meta["og:image:width"] == ["1600"]
    assert json.loads(page.json_ld[0])["image"] == ["http://testserver/media/heroes/h.jpg"]


def test_site_url_setting_makes_absolute_urls(client, settings):
    settings.SITE_URL = "https://news.example.org"
    article = make_article("Public Address")
    page = head(client, article.get_absolute_url())
    assert page.links["canonical"] == f"https://news.example.org{article.get_absolute_url()}"
    assert page.meta["og:image"][0].startswith("https://news.example.org/media/share/")


def test_titles_are_unique_across_pages(client, settings):
    settings.ARTICLES_PER_PAGE = 1
    author = make_author("Ada Writer")
    first = make_article("First", author=author, tags=["Essays"])
    make_article("Second", author=author, tags=["Essays"])
    urls = [
        "/", "/?page=2", first.get_absolute_url(), author.get_absolute_url(), f"{author.get_absolute_url()}?page=2",
        "/tags/essays/", "/archive/", "/search/", "/search/?q=first",
    ]
    titles = [head(client, url).title for url in urls]
    assert len(set(titles)) == len(titles), titles


def test_list_pages_have_canonical_with_page_and_website_type(client, settings):
    settings.ARTICLES_PER_PAGE = 1
    make_article("One")
    make_article("Two")
    assert head(client, "/").links["canonical"] == "http://testserver/"
    page_two = head(client, "/?page=2&utm_source=x")
    assert page_two.links["canonical"] == "http://testserver/?page=2"
    assert page_two.meta["og:type"] == ["website"]
    assert head(client, "/search/?q=o").links["canonical"] == "http://testserver/search/?q=o"


def test_no_inline_scripts_or_styles(client):
    article = make_article("Clean Markup", tags=["One"], body="# Heading\n\n<script>alert(1)</script> text")
    make_article("Neighbour", tags=["One"])
    html = client.get(article.get_absolute_url()).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts == [' type="application/ld+json"']
    assert "<style" not in html and " style=" not in html and " onerror=" not in html


@pytest.mark.parametrize(
    "title",
    [
        "Multi\nline",  # YAML `title: |` in an imported file
        "Tabs\tand\r\nCRLF\u2028and a line separator",
        "A" * 300,  # one word far wider than the image
        "https://example.org/" + "a-very-long-path-segment-" * 10,
        "😀🚀🎉",
        "مرحبا بالعالم: عنوان طويل يلتف على عدة أسطر في الصورة",
        "静かなウェブ" * 50,
        "",
        "   \n\t ",
        "Control \x01\x1b\x7f characters",
    ],
)
def test_share_image_is_drawn_for_any_title(client, title):
    article = make_article(title, slug="any-title")
    page = head(client, article.get_absolute_url())
    (url,) = page.meta["og:image"]
    with default_storage.open(url.removeprefix("http://testserver/media/")) as file:
        assert Image.open(file).size == (1200, 630)


def test_share_image_treats_whitespace_runs_as_one_space(client):
    one = head(client, make_article("Two\nLines", slug="one").get_absolute_url()).meta["og:image"]
    other = head(client, make_article("Two  Lines", slug="other").get_absolute_url()).meta["og:image"]
    assert one == other
