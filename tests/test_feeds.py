"""Feeds as subscribers get them: RSS 2.0, Atom 1.0 and JSON Feed 1.1, for the site, an author, a tag.

Every XML feed is parsed with feedparser, as a feed reader does, and with a strict XML parser.
"""

import email.utils
import html
import time
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import feedparser
import pytest
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.publication_settings import PublicationSettings
from tests.factories import image_bytes, make_article, make_author, make_tag

pytestmark = pytest.mark.django_db

HOST = "news.example.test"
BASE = f"http://{HOST}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$")


@pytest.fixture(autouse=True)
def served_host(settings):
    settings.ALLOWED_HOSTS = [HOST, "testserver"]


def get(client, url, **headers):
    return client.get(url, HTTP_HOST=HOST, headers=headers)


def xml_feed_urls(author_slug="ada-writer", tag_slug="essays"):
    return [
        "/feed/",
        "/feed/atom/",
        f"/authors/{author_slug}/feed/",
        f"/authors/{author_slug}/feed/atom/",
        f"/tags/{tag_slug}/feed/",
        f"/tags/{tag_slug}/feed/atom/",
    ]


def json_feed_urls(author_slug="ada-writer", tag_slug="essays"):
    return ["/feed.json", f"/authors/{author_slug}/feed.json", f"/tags/{tag_slug}/feed.json"]


ALL_FEEDS = xml_feed_urls() + json_feed_urls()


def parse(client, url):
    """A feed as a reader sees it: feedparser's view, with the strict XML parse checked too."""
    response = get(client, url)
    assert response.status_code == 200, url
    ET.fromstring(response.content)  # well-formed XML, not just what lenient feedparser accepts
    # No Content-Location: feedparser must not resolve relative URLs for us.
    parsed = feedparser.parse(response.content, response_headers={"content-type": response["Content-Type"]})
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    return parsed


def items_of(client, url):
    """(id, title, link, content_html, published, updated) per item, in any of the three formats."""
    if url.endswith(".json"):
        document = json.loads(get(client, url).content)
        return [
            {
                "id": item["id"],
                "title": item["title"],
                "link": item["url"],
                "content": item["content_html"],
                "summary": item.get("summary", ""),
                "dates": [item["date_published"], item["date_modified"]],
            }
            for item in document["items"]
        ]
    parsed = parse(client, url)
    is_atom = parsed.version.startswith("atom")
    return [
        {
            "id": entry.id,
            "title": entry.title,
            "link": entry.link,
            "content": "".join(c.value for c in entry.get("content", [])),
            "summary": entry.get("summary", ""),
            # RSS has one date per item (pubDate); Atom has published and updated.
            "dates": [entry.published] + ([entry.updated] if is_atom else []),
            "parsed_dates": [entry.published_parsed] + ([entry.updated_parsed] if is_atom else []),
        }
        for entry in parsed.entries
    ]


class URLCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src"):
                self.urls.append(value)
            elif name == "srcset":
                self.urls += [part.strip().split(" ")[0] for part in value.split(",")]


def urls_in(html):
    collector = URLCollector()
    collector.feed(html)
    return collector.urls


def is_absolute(url):
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) or parts.scheme == "mailto"


@pytest.fixture
def tagged_article():
    return make_article(
        "Tagged Piece",
        author=make_author("Ada Writer"),
        tags=["Essays", "Craft"],
        body=(
            "Intro with a [relative link](/about/), a [sibling](other-page/), a [fragment](#notes),\n"
            "a [protocol-relative](//cdn.example.org/x) one and an [absolute](https://example.org/y).\n\n"
            "![An image](/media/body/picture.jpg)\n\n![Another](images/inline.png)\n\n"
            "Mail [me](mailto:ada@example.org).[^1]\n\n[^1]: A footnote.\n"
        ),
        hero_image_url="https://images.example.org/hero.jpg",
        hero_image_alt="The hero",
        cta="Subscribe for more from Ada.",
    )


# Every feed parses and every item is complete.


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_every_feed_parses_with_complete_items(client, tagged_article, url):
    make_article("Second One", author=tagged_article.author, tags=["Essays"], publish_date=timezone.now() - timedelta(days=2))
    items = items_of(client, url)
    assert [item["title"] for item in items] == ["Tagged Piece", "Second One"]
    for item in items:
        assert item["title"]
        assert item["link"].startswith(f"{BASE}/articles/")
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", item["id"])
        assert "Some <em>Markdown</em> body" in item["content"] or "Intro with a" in item["content"]
        for value in item["dates"]:
            assert value and RFC3339.match(value) or RFC822.match(value), value
        for parsed in item.get("parsed_dates", []):
            assert parsed is not None  # feedparser understood the date (it normalises to UTC)


@pytest.mark.parametrize("url", xml_feed_urls())
def test_feed_carries_title_description_language_and_self_link(client, tagged_article, url):
    parsed = parse(client, url)
    assert parsed.feed.title.startswith("Masthead")
    assert parsed.feed.get("subtitle") or parsed.feed.get("description")
    assert parsed.feed.language == "en-us"
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"{BASE}{url}"]


def test_per_author_and_per_tag_feeds_carry_only_their_articles(client):
    ada, bob = make_author("Ada Writer"), make_author("Bob Scribe")
    make_article("By Ada", author=ada, tags=["Essays"])
    make_article("By Bob", author=bob, tags=["News"])
    assert [e.title for e in parse(client, "/authors/ada-writer/feed/").entries] == ["By Ada"]
    assert [e.title for e in parse(client, "/authors/bob-scribe/feed/atom/").entries] == ["By Bob"]
    assert [e.title for e in parse(client, "/tags/news/feed/").entries] == ["By Bob"]
    assert [i["title"] for i in json.loads(get(client, "/tags/essays/feed.json").content)["items"]] == ["By Ada"]
    assert parse(client, "/tags/news/feed/atom/").feed.title == "Masthead: Articles tagged News"


@pytest.mark.parametrize("url", ["/authors/nobody/feed/", "/authors/nobody/feed.json", "/tags/none/feed/atom/"])
def test_unknown_author_or_tag_feed_is_404(client, url):
    assert get(client, url).status_code == 404


@pytest.mark.parametrize("hidden", [{"draft": True}, {"publish_in": timedelta(days=30)}, None])
def test_author_or_tag_with_nothing_published_has_no_feed_like_an_unknown_one(client, hidden):
    """Otherwise anyone could probe for an embargoed tag's or an unannounced author's name."""
    make_article("Public", author=make_author("Ada Writer"), tags=["Essays"])
    secret = make_author("Secret Author")
    if hidden is None:
        make_tag("Embargoed Merger")  # no article at all
    else:
        make_article("Hidden", author=secret, tags=["Embargoed Merger"], **hidden)
    scoped = xml_feed_urls("secret-author", "embargoed-merger")[2:] + json_feed_urls("secret-author", "embargoed-merger")[1:]
    for url in scoped:
        response = get(client, url)
        assert response.status_code == 404, url
        assert b"Secret" not in response.content and b"Embargoed" not in response.content, url
    for url in xml_feed_urls() + json_feed_urls():
        assert get(client, url).status_code == 200, url


def test_author_and_tag_feeds_appear_when_their_first_article_goes_live(client):
    article = make_article("Soon", author=make_author("New Voice"), tags=["Fresh"], publish_in=timedelta(days=1))
    assert get(client, "/tags/fresh/feed/").status_code == 404
    assert get(client, "/authors/new-voice/feed.json").status_code == 404
    Article.objects.filter(pk=article.pk).update(publish_date=timezone.now() - timedelta(seconds=1))
    assert [e.title for e in parse(client, "/tags/fresh/feed/").entries] == ["Soon"]
    assert get(client, "/authors/new-voice/feed.json").status_code == 200


# Text is escaped exactly once: readers show titles and summaries as written.

AWKWARD = 'Q&A: Don\'t <panic> & "quote"'
SUMMARY = 'Fish & chips <3 \'n\' "peas"'


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_titles_and_summaries_read_as_written(client, url):
    make_article(AWKWARD, author=make_author("Ada Writer"), tags=["Essays"], description=SUMMARY)
    (item,) = items_of(client, url)
    assert item["title"] == AWKWARD
    if url.endswith(".json"):
        assert item["summary"] == SUMMARY  # JSON Feed summaries are plain text
    else:
        entry = parse(client, url).entries[0]
        assert entry.title_detail.type == "text/plain"
        # RSS descriptions and Atom summaries are HTML: the text escaped once for it, no markup.
        assert entry.summary_detail.type == "text/html"
        assert html.unescape(item["summary"]) == SUMMARY
        assert "<" not in item["summary"]


def test_rss_text_elements_are_escaped_once(client):
    make_article(AWKWARD, author=make_author("Smith & Jones <Desk>"), tags=["R&D <Lab>"])
    raw = get(client, "/feed/").content.decode()
    assert "<title>Q&amp;A: Don't &lt;panic&gt; &amp; \"quote\"</title>" in raw
    for url in ["/feed/", "/authors/smith-jones-desk/feed/", "/tags/rd-lab/feed/"]:
        entry = parse(client, url).entries[0]
        assert entry.title == AWKWARD
        assert entry.author == "Smith & Jones <Desk>"
        assert [tag.term for tag in entry.tags] == ["R&D <Lab>"]
    assert parse(client, "/tags/rd-lab/feed/").feed.title == "Masthead: Articles tagged R&D <Lab>"


# Content: whole article, absolute URLs, hero first, call to action last.


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_content_is_whole_article_with_only_absolute_urls(client, tagged_article, url):
    (item,) = items_of(client, url)
    content = item["content"]
    urls = urls_in(content)
    assert urls and all(is_absolute(u) for u in urls), urls
    article_url = f"{BASE}/articles/tagged-piece/"
    for expected in (
        f"{BASE}/about/",
        f"{article_url}other-page/",
        f"{article_url}#user-content-notes",  # body ids and the links to them carry one prefix
        "http://cdn.example.org/x",
        "https://example.org/y",
        f"{BASE}/media/body/picture.jpg",
        f"{article_url}images/inline.png",
        "mailto:ada@example.org",
    ):
        assert expected in urls, expected
    assert "A footnote." in content
    # The hero image comes first, the call to action last.
    assert urls[0] == "https://images.example.org/hero.jpg"
    assert content.index("hero.jpg") < content.index("Intro with a")
    assert content.rstrip().endswith("</aside>")
    assert content.index("A footnote.") < content.index("Subscribe for more from Ada.")


def test_default_call_to_action_ends_content_when_article_has_none(client, settings):
    settings.DEFAULT_CTA = "The site-wide call to action."
    make_article("Plain")
    (entry,) = parse(client, "/feed/").entries
    assert entry.content[0].value.rstrip().endswith("<p>The site-wide call to action.</p></aside>")


def test_stored_entry_content_follows_every_change_at_once(client, settings):
    """Each entry's content is made once per content version and shared by the feeds: an edit,
    a bulk update or a new default call to action shows in every feed on the next request."""
    settings.READER_CACHE_SECONDS = 0  # the feeds themselves, not the page cache in front
    article = make_article("Stored", author=make_author("Ada Writer"), tags=["Essays"], body="First words.")
    urls = ALL_FEEDS
    for url in urls:
        assert "First words." in get(client, url).content.decode(), url

    article.body = "Second words, see [this](/about/)."
    article.save()
    for url in urls:
        content = get(client, url).content.decode()
        assert "Second words" in content and "First words." not in content, url
        assert "/about/" in content and "href=\"/about/\"" not in content, url  # still absolute

    Article.objects.filter(pk=article.pk).update(body_html="<p>Third words.</p>")
    PublicationSettings.objects.create(cta_text="A brand-new call to action.")
    for url in urls:
        content = get(client, url).content.decode()
        assert "Third words." in content and "Second words" not in content, url
        assert "A brand-new call to action." in content, url
    # Another host gets its own absolute URLs, not the first host's stored ones.
    other = client.get("/feed.json", HTTP_HOST="testserver").content.decode()
    assert "http://testserver/articles/stored/" in other and HOST not in other


def test_srcset_urls_are_made_absolute(client):
    article = make_article("Pictures")
    # A body as the responsive-image step writes it: <picture> with srcsets of media URLs.
    Article.objects.filter(pk=article.pk).update(
        body_html='<picture><source type="image/webp" srcset="/media/a-480w.webp 480w, /media/a-960w.webp 960w">'
        '<img src="/media/a.jpg" srcset="/media/a-480w.jpg 480w" alt="A" width="960" height="540"></picture>'
    )
    content = items_of(client, "/feed.json")[0]["content"]
    assert f'srcset="{BASE}/media/a-480w.webp 480w, {BASE}/media/a-960w.webp 960w"' in content
    assert f'src="{BASE}/media/a.jpg" srcset="{BASE}/media/a-480w.jpg 480w"' in content


def test_uploaded_hero_is_an_enclosure_with_type_and_length(client):
    data = image_bytes("PNG", size=(120, 80))
    article = make_article("With Hero", hero_image=SimpleUploadedFile("hero.png", data, content_type="image/png"))
    hero_url = f"{BASE}{article.hero_image.url}"

    rss = ET.fromstring(get(client, "/feed/").content)
    enclosure = rss.find("channel/item/enclosure")
    assert enclosure.attrib == {"url": hero_url, "type": "image/png", "length": str(len(data))}

    atom = parse(client, "/feed/atom/")
    (link,) = [link for link in atom.entries[0].links if link.rel == "enclosure"]
    assert (link.href, link.type, link.length) == (hero_url, "image/png", str(len(data)))
    assert urls_in(atom.entries[0].content[0].value)[0] == hero_url  # the hero comes first

    (item,) = json.loads(get(client, "/feed.json").content)["items"]
    assert item["image"] == hero_url
    assert item["attachments"] == [{"url": hero_url, "mime_type": "image/png", "size_in_bytes": len(data)}]


def test_external_hero_is_an_enclosure_of_unknown_length(client, tagged_article):
    rss = ET.fromstring(get(client, "/feed/").content)
    enclosure = rss.find("channel/item/enclosure")
    assert enclosure.attrib == {"url": "https://images.example.org/hero.jpg", "type": "image/jpeg", "length": "0"}
    atom = parse(client, "/feed/atom/")
    (link,) = [link for link in atom.entries[0].links if link.rel == "enclosure"]
    assert link.type == "image/jpeg" and "length" not in link


def test_categories_come_from_tags(client, tagged_article):
    assert sorted(t.term for t in parse(client, "/feed/").entries[0].tags) == ["Craft", "Essays"]
    assert sorted(t.term for t in parse(client, "/feed/atom/").entries[0].tags) == ["Craft", "Essays"]
    assert sorted(json.loads(get(client, "/feed.json").content)["items"][0]["tags"]) == ["Craft", "Essays"]


def test_author_and_summary_are_on_every_item(client, tagged_article):
    for url in ("/feed/", "/feed/atom/"):
        entry = parse(client, url).entries[0]
        assert entry.author == "Ada Writer"
        assert entry.summary == tagged_article.description
    item = json.loads(get(client, "/feed.json").content)["items"][0]
    assert item["authors"][0]["name"] == "Ada Writer"
    assert item["summary"] == tagged_article.description


def test_icon_appears_when_configured(client, settings, tagged_article):
    assert "image" not in parse(client, "/feed/").feed
    settings.FEED_ICON_URL = "/static/img/icon.png"
    call_command("migrate", verbosity=0)  # a deploy that changes settings runs migrate: pages are fresh
    icon = f"{BASE}/static/img/icon.png"
    assert parse(client, "/feed/").feed.image.href == icon
    atom = parse(client, "/feed/atom/").feed
    assert (atom.icon, atom.logo) == (icon, icon)
    assert json.loads(get(client, "/feed.json").content)["icon"] == icon


# Ids never change; dates are in the right formats.


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_id_is_stable_across_slug_and_title_change(client, tagged_article, url):
    (before,) = items_of(client, url)
    tagged_article.slug, tagged_article.title = "renamed-piece", "Renamed Piece"
    tagged_article.save()
    (after,) = items_of(client, url)
    assert after["id"] == before["id"] == f"urn:uuid:{tagged_article.uuid}"
    assert after["link"] == f"{BASE}/articles/renamed-piece/" != before["link"]
    assert after["title"] == "Renamed Piece"


def test_rss_dates_are_rfc_822_and_atom_dates_rfc_3339(client, tagged_article):
    rss = ET.fromstring(get(client, "/feed/").content)
    dates = [rss.findtext("channel/lastBuildDate"), rss.findtext("channel/item/pubDate")]
    for value in dates:
        assert RFC822.match(value), value
        assert email.utils.parsedate_to_datetime(value).tzinfo is not None
    assert email.utils.parsedate_to_datetime(dates[1]) == tagged_article.publish_date.replace(microsecond=0)

    ns = {"a": "http://www.w3.org/2005/Atom"}
    atom = ET.fromstring(get(client, "/feed/atom/").content)
    values = [atom.findtext("a:updated", namespaces=ns)]
    values += [atom.findtext(f"a:entry/a:{name}", namespaces=ns) for name in ("published", "updated")]
    for value in values:
        assert RFC3339.match(value), value

    item = json.loads(get(client, "/feed.json").content)["items"][0]
    for value in (item["date_published"], item["date_modified"]):
        assert RFC3339.match(value), value


def test_feed_items_setting_limits_the_number_of_items(client, settings):
    for n in range(5):
        make_article(f"Number {n}", publish_date=timezone.now() - timedelta(days=n + 1))
    settings.FEED_ITEMS = 3
    assert [e.title for e in parse(client, "/feed/").entries] == ["Number 0", "Number 1", "Number 2"]
    assert len(json.loads(get(client, "/feed.json").content)["items"]) == 3


# Only what is public.


def test_scheduled_article_enters_every_feed_at_its_moment_and_draft_never(client):
    """Real time passes (with the site's page cache on): nothing runs, nothing is saved."""
    author, _tag = make_author("Ada Writer"), make_tag("Essays")
    make_article("Already Out", author=author, tags=["Essays"])
    make_article("Secret Draft", author=author, tags=["Essays"], draft=True)
    soon = make_article("Coming Soon", author=author, tags=["Essays"], publish_in=timedelta(seconds=2))
    etags = {}
    for url in ALL_FEEDS:
        assert [item["title"] for item in items_of(client, url)] == ["Already Out"], url
        etags[url] = get(client, url)["ETag"]  # served again, from whatever cache there is

    time.sleep(max(0, (soon.publish_date - timezone.now()).total_seconds()) + 0.05)
    for url in ALL_FEEDS:
        assert [item["title"] for item in items_of(client, url)] == ["Coming Soon", "Already Out"], url
        # A reader holding the old copy is told it changed.
        assert get(client, url, **{"If-None-Match": etags[url]}).status_code == 200, url


def test_cache_lifetime_never_outlasts_the_next_scheduled_article(client, settings):
    settings.FEED_MAX_AGE = 300
    make_article("Out")
    assert "max-age=300" in get(client, "/feed/")["Cache-Control"]
    make_article("In a minute", publish_in=timedelta(seconds=60))
    for url in ("/feed/", "/feed/atom/", "/feed.json", "/authors/ada-writer/feed/"):
        max_age = int(re.search(r"max-age=(\d+)", get(client, url)["Cache-Control"]).group(1))
        assert 0 < max_age <= 60, url
    # One rule for every feed: its lifetime does not tell whose article is coming next.
    make_article("Elsewhere", author=make_author("Bob Scribe"), publish_in=timedelta(seconds=30))
    lifetimes = {
        url: int(re.search(r"max-age=(\d+)", get(client, url)["Cache-Control"]).group(1))
        for url in ("/feed/", "/feed.json", "/authors/ada-writer/feed/")
    }
    assert max(lifetimes.values()) <= 30 and max(lifetimes.values()) - min(lifetimes.values()) <= 1, lifetimes


# Conditional GET.


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_conditional_get_answers_304_until_a_new_article_goes_live(client, tagged_article, url):
    first = get(client, url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag and last_modified and "max-age" in first["Cache-Control"]

    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        again = get(client, url, **headers)
        assert again.status_code == 304, headers
        assert again.content == b""
        assert again["ETag"] == etag

    # A scheduled article goes live (its moment passes; nothing else is saved).
    later = make_article(
        "Fresh News", author=tagged_article.author, tags=["Essays"], publish_in=timedelta(hours=1)
    )
    Article.objects.filter(pk=later.pk).update(publish_date=timezone.now() - timedelta(seconds=1))
    fresh = get(client, url, **{"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag
    assert "Fresh News" in fresh.content.decode()


def _take_out(article, change):
    """Take `article` out of the Essays tag's and Ada's feeds (or out of every feed)."""
    if change == "delete":
        article.delete()
    elif change == "unpublish":
        article.draft = True
        article.save()
    elif change == "retag":
        article.tags.remove(make_tag("Essays"))  # a link-table write: no date of the article moves
    elif change == "new author":
        article.author = make_author("Bob Scribe")
        article.save()


CHANGES = ["delete", "unpublish", "retag", "new author"]


@pytest.mark.parametrize("change", CHANGES)
def test_if_modified_since_sees_an_article_leave_a_feed(client, change):
    """Last-Modified moves whenever a feed's content changes, deletions included, so a client
    revalidating with If-Modified-Since alone never keeps an article that is gone."""
    kept = make_article("Kept Piece", author=make_author("Ada Writer"), tags=["Essays"])
    leaving = make_article("Leaving Piece", author=kept.author, tags=["Essays"], publish_date=kept.publish_date)
    first = {url: get(client, url) for url in ALL_FEEDS}
    for url, response in first.items():
        assert "Leaving Piece" in response.content.decode(), url
    time.sleep(1.1)  # HTTP dates have whole seconds: the change happens in a later one
    for url, response in first.items():  # nothing changed: the validators still hold
        assert get(client, url, **{"If-Modified-Since": response["Last-Modified"]}).status_code == 304, url

    _take_out(leaving, change)

    # Where the article stays (the site's feeds after a retag, say), its tags or author shown
    # there changed: every feed answers with its current content.
    stays = {"/feed": change in ("retag", "new author"), "/authors/": change == "retag", "/tags/": change == "new author"}
    for url, response in first.items():
        again = get(client, url, **{"If-Modified-Since": response["Last-Modified"]})
        assert again.status_code == 200, url
        assert again["Last-Modified"] != response["Last-Modified"], url
        expected = next(kept for prefix, kept in stays.items() if url.startswith(prefix))
        assert ("Leaving Piece" in again.content.decode()) == expected, url
        assert get(client, url, **{"If-Modified-Since": again["Last-Modified"]}).status_code == 304, url


def test_feeds_are_deterministic(client, tagged_article):
    for url in ALL_FEEDS:
        assert get(client, url).content == get(client, url).content, url


def test_feeds_refuse_unsafe_methods(client):
    response = client.post("/feed/", HTTP_HOST=HOST)
    assert response.status_code == 405
    assert client.post("/feed.json", HTTP_HOST=HOST).status_code == 405


# Hostile content.


HOSTILE = "<script>alert(1)</script>\x00\x01\x08\x0b\x0c\x1f\x7f ]]> 😀 emoji & ampersand"


@pytest.fixture
def hostile_article():
    author = make_author("Eve\x01 <script>alert('a')</script> 😀")
    article = make_article(
        f"Title {HOSTILE}",
        author=author,
        subtitle=f"Sub {HOSTILE}",
        description=f"Summary {HOSTILE}",
        body=(
            f"Body {HOSTILE}\n\n<script>alert('body')</script>\n\n"
            "[click](javascript:alert(1)) <a href=\"javascript:alert(2)\">two</a> "
            "<img src=x onerror=alert(3)>\n\n```\ncode with ]]> and \x02 inside\n```\n\n"
            "<a href=\"http://[bad\">broken</a>\n"
        ),
        hero_image_url="https://images.example.org/hero.jpg",
        hero_image_alt=f"Alt {HOSTILE}\" onerror=\"alert(4)",
        cta=f"CTA {HOSTILE}",
    )
    # No NUL in a tag name: PostgreSQL cannot store it, and the admin and importer refuse it.
    article.tags.set([make_tag(f"Tag\x03 {HOSTILE}".replace("\x00", "")[:90])])
    return article


def test_hostile_content_yields_feeds_that_parse_and_carry_no_executable_markup(client, hostile_article):
    tag_slug = hostile_article.tags.get().slug
    urls = xml_feed_urls(hostile_article.author.slug, tag_slug) + json_feed_urls(
        hostile_article.author.slug, tag_slug
    )
    for url in urls:
        raw = get(client, url).content.decode()
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", raw), url
        (item,) = items_of(client, url)  # parses: bozo false, well-formed XML
        text = html.unescape(item["content"])
        assert "😀" in item["title"] and "😀 emoji" in text and "]]> 😀" in text and "code with ]]>" in text
        # Fields that are HTML (RSS and Atom summaries, every content) carry no markup that runs;
        # titles are plain text in every format, shown as written (control characters dropped).
        assert item["title"] == "Title <script>alert(1)</script> ]]> 😀 emoji & ampersand", url
        if url.endswith(".json"):
            html_fields = ["content"]
        else:
            html_fields = ["summary", "content"]
            assert parse(client, url).entries[0].title_detail.type == "text/plain"
        for field in html_fields:
            value = item[field]
            assert "<script" not in value.lower(), (url, field)
            assert "javascript:" not in value.lower(), (url, field)
            assert "onerror" not in re.sub(r'"[^"]*"', "", value), (url, field)  # only inside attribute values
        collector = URLCollector()
        collector.feed(item["content"])
        assert "script" not in collector.tags
        assert all(is_absolute(u) for u in collector.urls), collector.urls
    # The author's and tag's names (feed titles, categories) are cleaned too.
    parsed = parse(client, f"/authors/{hostile_article.author.slug}/feed/atom/")
    author = parsed.entries[0].author
    assert author.startswith("Eve <script>alert('a')</script>") and "\x01" not in author and "😀" in author


# Cheap: a fixed number of queries whatever the number of items.


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_query_count_does_not_grow_with_items(client, settings, url):
    settings.READER_CACHE_SECONDS = 0  # the feed's own queries, not the site-wide page cache's
    author = make_author("Ada Writer")
    make_article("First", author=author, tags=["Essays", "Craft"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert get(client, url).status_code == 200
        return len(captured)

    queries()  # warm up: the publication's settings are read once per content version, then cached
    one = queries()
    for n in range(8):
        make_article(f"More {n}", author=author, tags=["Essays", f"T{n}"])
    queries()  # the saves made a new content version: its settings are read once
    assert queries() == one
    assert one <= 4  # content version, freshness (with the author or tag), articles with authors, their tags

    with CaptureQueriesContext(connection) as captured:
        etag = get(client, url)["ETag"]
        assert get(client, url, **{"If-None-Match": etag}).status_code == 304
    assert len(captured) - one <= 2  # a 304 costs the content version and the freshness query only


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_a_feed_miss_is_at_most_four_queries_with_the_page_cache_on(client, settings, url):
    """The page cache's content-version read counts too (at most 4 on a miss)."""
    settings.READER_CACHE_SECONDS = 600
    author = make_author("Ada Writer")
    for n in range(3):
        make_article(f"Piece {n}", author=author, tags=["Essays", f"T{n}"])
    get(client, "/subscribe/")  # another page: the version's row, the publication's settings
    with CaptureQueriesContext(connection) as captured:
        assert get(client, url).status_code == 200
    assert len(captured) <= 4, [query["sql"][:80] for query in captured]


# JSON Feed structure.


@pytest.mark.parametrize("url", json_feed_urls())
def test_json_feed_follows_version_1_1(client, tagged_article, url):
    response = get(client, url)
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    document = json.loads(response.content)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and document["home_page_url"].startswith(BASE)
    assert document["feed_url"] == f"{BASE}{url}"
    assert document["language"] == "en-us"
    for item in document["items"]:
        assert set(item) >= {"id", "url", "title", "content_html", "date_published", "date_modified"}
        assert isinstance(item["id"], str) and item["url"].startswith(BASE)
        assert RFC3339.match(item["date_published"])
        assert item["authors"][0]["url"].startswith(f"{BASE}/authors/")


# Readable in a browser, unchanged for feed readers.


def test_browser_gets_generic_xml_the_same_feed_and_no_xslt(client, tagged_article):
    reader = get(client, "/feed/")
    assert reader["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert "Accept" in reader["Vary"]
    browser = get(client, "/feed/", Accept="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert browser["Content-Type"] == "application/xml; charset=utf-8"
    assert browser.content == reader.content
    # Browsers are removing XSLT (Chromium 156 already warns): the site's links lead to /subscribe/.
    assert b"xml-stylesheet" not in reader.content
    assert b"xml-stylesheet" not in get(client, "/feed/atom/").content


def test_the_subscribe_page_explains_feeds_and_every_feed_link_leads_there(client, tagged_article):
    page = get(client, "/subscribe/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    for url in ("/feed/", "/feed/atom/", "/feed.json"):
        assert f'<code>{BASE}{url}</code>' in html
    for url in ("/", f"/articles/{tagged_article.slug}/"):
        body = get(client, url).content.decode()
        assert 'href="/subscribe/"' in body
        # Readers are never sent to raw XML from the page itself; <link rel=alternate> is for readers' apps.
        assert not re.search(r'<a [^>]*href="/feed/', body)


def test_author_and_tag_pages_link_their_own_feeds(client, tagged_article):
    author, tag = tagged_article.author, tagged_article.tags.first()
    for page, feeds in (
        (f"/authors/{author.slug}/", f"/authors/{author.slug}/feed"),
        (f"/tags/{tag.slug}/", f"/tags/{tag.slug}/feed"),
    ):
        html = get(client, page).content.decode()
        for suffix in ("/", "/atom/", ".json"):
            assert f'<a href="{feeds}{suffix}">' in html
        assert 'href="/subscribe/"' in html


def test_pages_advertise_every_site_feed(client, tagged_article):
    html = get(client, "/").content.decode()
    for mime, url in (
        ("application/rss+xml", "/feed/"),
        ("application/atom+xml", "/feed/atom/"),
        ("application/feed+json", "/feed.json"),
    ):
        assert re.search(rf'<link rel="alternate" type="{re.escape(mime)}"[^>]*href="{re.escape(url)}"', html), mime


def test_publication_settings_name_the_feeds_and_change_their_validators(client, tagged_article):
    from articles.models import PublicationSettings

    before = get(client, "/feed/")
    PublicationSettings(name="The Daily Test", tagline="All the tests fit to print.").save()
    assert parse(client, "/feed/").feed.title == "The Daily Test"
    assert parse(client, "/feed/atom/").feed.subtitle == "All the tests fit to print."
    assert json.loads(get(client, "/tags/essays/feed.json").content)["title"] == "The Daily Test: Articles tagged Essays"
    assert get(client, "/feed/", **{"If-None-Match": before["ETag"]}).status_code == 200
