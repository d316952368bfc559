"""Export, import into an empty database, export again: identical trees and identical articles."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from articles.images import store_image
from articles.models import Article, Author, Tag
from tests.factories import image_bytes, make_article, make_author

pytestmark = pytest.mark.django_db

LONG_BODY = "\n\n".join(
    f"## Part {n}\n\n" + " ".join(f"Word{n}x{i} ünïcode 😀 “quoted” text." for i in range(120)) for n in range(40)
)
CODE_AND_TABLE = """Before the code.

```html
<script>alert("hi")</script>
<div class="x">![not an image](not-a-file.png)</div>
```

Inline `<b>bold</b>` and `![also not](missing.png)` stay text.

| Name | Value |
|------|------:|
| a    | 1     |
| ü    | 2     |

    indented code line
"""

# (file name, front matter lines, body): each one exercises an edge of the format.
FILES = [
    ("unicode.md", [
        "title: 'Café Ünïcödé — 日本語のタイトル: a “test”'",
        "subtitle: 'Emoji 🚀✨ and ''single'' quotes'",
        "description: 'He said: \"it''s fine\" # not a comment'",
        "author: 'Zoë Ångström'",
        "read_time: '8 mins'",
        "publish_date: '2024-02-16'",
        "created_date: '2024-02-10'",
        "heroImage: 'https://images.example.org/hero.jpg'",
        "cta: 'Follow us: @masthead'",
        "tags: ['Écriture', 'AI', 'Design']",
    ], "Body with ünïcode, emoji 🎉 and a [link](https://example.org).\n"),
    ("long.md", [
        "title: 'A long one'", "author: 'Zoë Ångström'", "publish_date: '2023-11-05T18:45:12+05:30'",
        "created_date: '2023-11-01T08:00:00'",
    ], LONG_BODY),
    ("code.md", [
        "title: 'Code blocks with HTML, and tables'", "author: 'Bob Coder'", "publish_date: '2024-03-31T01:30:00Z'",
        "description: \"Line one\\nline two\\ttabbed\"",
    ], CODE_AND_TABLE),
    ("draft.md", [
        "title: 'A draft without a date'", "author: 'Bob Coder'", "draft: true", "slug: 'custom-draft-slug'",
    ], "\n\nStarts with blank lines and ends with two newlines.\n\n"),
    ("future.md", [
        "title: 'Scheduled for later'", "author: 'Zoë Ångström'",
        "publish_date: '2031-06-01T09:00:00.123456+02:00'", "read_time: 1",
    ], "Coming soon."),
    ("punctuation.md", [
        "title: '!!!'", "slug: 'bangs'", "author: 'Bob Coder'", "publish_date: '2024-01-01'", "cta: ''",
    ], ""),
    ("images.md", [
        "title: 'Uploaded images'", "author: 'Zoë Ångström'", "publish_date: '2024-05-05'",
        "heroImage: 'pictures/hero.png'", "heroImageAlt: 'A red square'",
    ], "![Inline](pictures/inline.jpg \"A title\")\n\n![External](https://images.example.org/x.webp)\n"),
]


def write_corpus(folder: Path):
    (folder / "pictures").mkdir(parents=True)
    (folder / "pictures" / "hero.png").write_bytes(image_bytes("PNG", color=(255, 0, 0)))
    (folder / "pictures" / "inline.jpg").write_bytes(image_bytes("JPEG", size=(30, 20)))
    for name, meta, body in FILES:
        (folder / name).write_text("---\n" + "\n".join(meta) + "\n---\n\n" + body, encoding="utf-8")
    # Windows line ends and a byte order mark.
    text = "\ufeff---\ntitle: 'From Windows'\nauthor: 'Bob Coder'\npublish_date: '2024-07-07'\n---\n\nLine one\nLine two\n"
    (folder / "windows.md").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))


def make_admin_style_articles():
    """Articles as editors make them: an uploaded hero and body image, CRLF from a textarea, both hero kinds."""
    hero = store_image(image_bytes("PNG", size=(40, 40), color=(0, 0, 255)), "heroes")
    body_image = store_image(image_bytes("JPEG", size=(50, 10)), "body")
    author = Author.objects.create(name="Editor Person")
    article = Article.objects.create(
        title="Written in the admin", author=author, draft=False,
        publish_date=timezone.make_aware(dt.datetime(2024, 9, 1, 14, 0)),
        body=f"Typed in a browser.\r\n\r\n![Uploaded]({settings.MEDIA_URL}{body_image})\r\n",
        hero_image=hero, hero_image_alt="Blue", hero_image_url="https://images.example.org/fallback.jpg",
        read_time_override=12,
    )
    article.tags.set([Tag.objects.create(name="From the admin")])


def snapshot() -> dict:
    """Every stored field of every article, with its author and tags, by slug."""
    # share_secret: each site's own (it signs its preview links), never exported.
    skip = {"id", "updated", "version", "author", "share_secret"}
    rows = {}
    for article in Article.objects.select_related("author").prefetch_related("tags"):
        row = {f.name: getattr(article, f.attname) for f in Article._meta.concrete_fields if f.name not in skip}
        row["hero_image"] = article.hero_image.name
        row["author"] = (article.author.name, article.author.slug)
        row["tags"] = sorted((tag.name, tag.slug) for tag in article.tags.all())
        rows[article.slug] = row
    return rows


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(command, *args):
    out = StringIO()
    call_command(command, *map(str, args), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("time_zone", ["Europe/Paris", "UTC", "America/New_York"])
def test_export_import_export_is_lossless(tmp_path, settings, time_zone):
    settings.TIME_ZONE = time_zone
    write_corpus(tmp_path / "source")
    assert "0 failed" in run("import_articles", tmp_path / "source")
    make_admin_style_articles()
    before = snapshot()
    assert len(before) == len(FILES) + 2

    run("export_articles", tmp_path / "first")
    first = tree(tmp_path / "first")

    # An empty site: no rows, and media storage somewhere new.
    Article.objects.all().delete(), Author.objects.all().delete(), Tag.objects.all().delete()
    settings.MEDIA_ROOT = tmp_path / "other-media"
    output = run("import_articles", tmp_path / "first")
    assert f"{len(before)} created, 0 updated, 0 failed." in output

    after = snapshot()
    for slug in before:
        for key in before[slug]:
            assert after[slug][key] == before[slug][key], (slug, key)
    assert after == before
    run("export_articles", tmp_path / "second")
    assert tree(tmp_path / "second") == first
    # The uploaded images came back into media storage.
    restored = Article.objects.get(slug="uploaded-images")
    assert (tmp_path / "other-media" / restored.hero_image.name).read_bytes() == first[f"media/{restored.hero_image.name}"]


def test_reimporting_an_export_into_the_same_site_changes_nothing(tmp_path):
    write_corpus(tmp_path / "source")
    run("import_articles", tmp_path / "source")
    make_admin_style_articles()
    before = snapshot()
    versions = dict(Article.objects.values_list("slug", "version"))
    run("export_articles", tmp_path / "out")
    output = run("import_articles", tmp_path / "out")
    assert f"0 created, 0 updated, {len(before)} unchanged, 0 failed." in output
    assert "out/a-long-one.md: unchanged /articles/a-long-one/" in output
    assert snapshot() == before
    # Nothing was written: an editor's form opened before the import is still current.
    assert dict(Article.objects.values_list("slug", "version")) == versions

    # One file edited: that one is updated, the others are still unchanged.
    edited = tmp_path / "out" / "a-long-one.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Word0x0 ", "Edited "), encoding="utf-8")
    output = run("import_articles", tmp_path / "out")
    assert f"0 created, 1 updated, {len(before) - 1} unchanged, 0 failed." in output
    assert Article.objects.get(slug="a-long-one").body.startswith("## Part 0\n\nEdited ")


def test_exported_files_read_as_the_reference_format(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Paris"
    write_corpus(tmp_path / "source")
    run("import_articles", tmp_path / "source")
    run("export_articles", tmp_path / "out")
    text = (tmp_path / "out" / "café-ünïcödé-日本語のタイトル-a-test.md").read_text(encoding="utf-8")
    assert text.startswith(
        "---\n"
        "title: 'Café Ünïcödé — 日本語のタイトル: a “test”'\n"
        "subtitle: 'Emoji 🚀✨ and ''single'' quotes'\n"
        "description: 'He said: \"it''s fine\" # not a comment'\n"
        "author: 'Zoë Ångström'\n"
        "read_time: '8 mins'\n"
        "publish_date: '2024-02-16'\n"
        "created_date: '2024-02-10'\n"
        "heroImage: 'https://images.example.org/hero.jpg'\n"
        "cta: 'Follow us: @masthead'\n"
        "tags: ['AI', 'Design', 'Écriture']\n"
        "uuid: '"
    )
    assert text.endswith("---\n\nBody with ünïcode, emoji 🎉 and a [link](https://example.org).\n")
    # A moment that is not a local midnight keeps its time and the site's offset.
    long = (tmp_path / "out" / "a-long-one.md").read_text(encoding="utf-8")
    assert "publish_date: '2023-11-05T14:15:12+01:00'\n" in long
    assert "created_date: '2023-11-01T08:00:00+01:00'\n" in long
    windows = (tmp_path / "out" / "from-windows.md").read_bytes()
    assert b"\r" not in windows and not windows.startswith(b"\xef\xbb\xbf")
    assert windows.endswith(b"---\n\nLine one\nLine two\n")
    draft = (tmp_path / "out" / "custom-draft-slug.md").read_text(encoding="utf-8")
    assert "slug: 'custom-draft-slug'\n" in draft and "draft: true\n" in draft
    assert draft.endswith("---\n\n\n\nStarts with blank lines and ends with two newlines.\n\n")
    assert "read_time" not in (tmp_path / "out" / "code-blocks-with-html-and-tables.md").read_text()
    images = (tmp_path / "out" / "uploaded-images.md").read_text(encoding="utf-8")
    article = Article.objects.get(slug="uploaded-images")
    assert f"heroImage: 'media/{article.hero_image.name}'\nheroImageAlt: 'A red square'\n" in images
    assert "![Inline](media/body/" in images and "![External](https://images.example.org/x.webp)" in images


def test_bodies_keep_one_line_ending_however_they_arrive(tmp_path):
    """Textareas post CRLF; the stored body uses LF, so its export re-imports to the same text."""
    make_admin_style_articles()
    article = Article.objects.get()
    assert "\r" not in article.body and article.body.startswith("Typed in a browser.\n\n![Uploaded](")


def test_renamed_authors_and_tags_keep_their_addresses_through_export_and_import(tmp_path):
    """A rename keeps the address (links, feeds); the file carries it so another site keeps it too."""

    article = make_article("Moved", author=make_author("QA Three"), tags=["normal tag", "Kept"])
    Author.objects.filter(slug="qa-three").update(name="QA Three Renamed")
    Tag.objects.filter(slug="normal-tag").update(name="Normal Renamed")
    call_command("export_articles", str(tmp_path / "out"), stdout=StringIO())
    text = (tmp_path / "out" / "moved.md").read_text()
    assert "authorSlug: 'qa-three'" in text and "tagSlugs: {'Normal Renamed': 'normal-tag'}" in text.replace('"', "'")
    assert "Kept" not in text.split("tagSlugs")[1].split("\n")[0]  # only what differs

    Article.objects.all().delete(), Author.objects.all().delete(), Tag.objects.all().delete()
    call_command("import_articles", str(tmp_path / "out"), stdout=StringIO())
    moved = Article.objects.get(uuid=article.uuid)
    assert (moved.author.name, moved.author.slug) == ("QA Three Renamed", "qa-three")
    assert {(tag.name, tag.slug) for tag in moved.tags.all()} == {("Normal Renamed", "normal-tag"), ("Kept", "kept")}
    # The second export is the same bytes.
    call_command("export_articles", str(tmp_path / "again"), stdout=StringIO())
    assert (tmp_path / "again" / "moved.md").read_text() == text


def test_a_file_naming_an_author_differently_finds_them_at_their_address(tmp_path):

    make_author("Ann Old Name")  # slug ann-old-name
    body = "---\ntitle: 'By address'\nauthor: 'Ann New Name'\nauthorSlug: 'ann-old-name'\npublish_date: '2024-01-01'\n---\nText.\n"
    (tmp_path / "a.md").write_text(body, encoding="utf-8")
    call_command("import_articles", str(tmp_path), stdout=StringIO())
    assert Article.objects.get(slug="by-address").author.slug == "ann-old-name" and Author.objects.count() == 1


def test_a_file_whose_author_name_and_address_name_two_authors_says_which_was_used(tmp_path):
    make_author("Date Person")  # slug date-person
    make_author("Brand New", slug="brand-new")
    body = "---\ntitle: 'Two authors'\nauthor: 'Brand New'\nauthorSlug: 'date-person'\npublish_date: '2024-01-01'\n---\nText.\n"
    (tmp_path / "a.md").write_text(body, encoding="utf-8")
    out = StringIO()
    call_command("import_articles", str(tmp_path), stdout=out)
    assert Article.objects.get(slug="two-authors").author.slug == "brand-new"
    assert "authorSlug: 'Brand New' was found by name, at /authors/brand-new/, not at the file's address 'date-person'" in out.getvalue()
