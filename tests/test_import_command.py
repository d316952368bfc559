"""`manage.py import_articles`: good files, each kind of bad file, re-import."""

import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, Author
from tests.factories import ARTICLE_TEXT, image_bytes

pytestmark = pytest.mark.django_db


def run_import(*paths):
    """Run the command; return (output, error or None)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("import_articles", *map(str, paths), stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reference_format_imports_every_field(tmp_path):
    output, error = run_import(write(tmp_path, "a.md", ARTICLE_TEXT))
    assert error is None
    article = Article.objects.get()
    assert article.title == "A Test Article: With a Colon"
    assert article.slug == "a-test-article-with-a-colon"
    assert article.subtitle == "A subtitle"
    assert article.description == "A description of the test article."
    assert article.author.name == "Test Author"
    assert article.read_time == 8 and article.read_time_override == 8
    assert article.hero_image_url == "https://images.example.org/hero.jpg"
    assert article.cta == "Follow us for more."
    assert article.draft is False
    assert article.status == "published"
    assert "<li>one</li>" in article.body_html
    assert "Imported 1 file(s): 1 created, 0 updated, 0 failed." in output


def test_a_date_means_the_start_of_that_day_in_the_site_time_zone(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Paris"
    run_import(write(tmp_path, "a.md", ARTICLE_TEXT))
    article = Article.objects.get()
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert article.publish_date == dt.datetime(2024, 2, 16, tzinfo=paris)
    assert article.created_date == dt.datetime(2025, 2, 16, tzinfo=paris)


def test_full_datetimes_keep_their_offset(tmp_path):
    text = ARTICLE_TEXT.replace("'2024-02-16'", "'2025-06-01T09:30:00+02:00'")
    run_import(write(tmp_path, "a.md", text))
    assert Article.objects.get().publish_date == dt.datetime(2025, 6, 1, 7, 30, tzinfo=dt.timezone.utc)


def test_reimport_updates_by_slug_without_duplicates(tmp_path):
    path = write(tmp_path, "a.md", ARTICLE_TEXT)
    run_import(path)
    write(tmp_path, "a.md", ARTICLE_TEXT.replace("'A subtitle'", "'A new subtitle'"))
    output, error = run_import(path)
    assert error is None
    assert Article.objects.count() == 1 and Author.objects.count() == 1
    assert Article.objects.get().subtitle == "A new subtitle"
    assert "0 created, 1 updated, 0 failed." in output


def test_slug_from_front_matter_is_used(tmp_path):
    run_import(write(tmp_path, "a.md", ARTICLE_TEXT.replace("cta:", "slug: 'my-slug'\ncta:")))
    assert Article.objects.get().slug == "my-slug"


def test_optional_keys_draft_tags_and_computed_read_time(tmp_path):
    text = ARTICLE_TEXT.replace("read_time: '8 mins'\n", "").replace(
        "---\n\nThe body", "tags: ['Essays', 'AI']\ndraft: true\n---\n\nThe body"
    )
    run_import(write(tmp_path, "a.md", text))
    article = Article.objects.get()
    assert article.draft is True and article.status == "draft"
    assert sorted(article.tags.values_list("name", flat=True)) == ["AI", "Essays"]
    assert article.read_time_override is None and article.read_time == 1


BAD_FILES = {
    "unclosed.md": ("---\ntitle: 'x'\nauthor: 'y'\n", "not closed"),
    "broken-yaml.md": ("---\ntitle: 'x\nauthor: [\n---\nbody\n", "line"),
    "blank-title.md": (ARTICLE_TEXT.replace("'A Test Article: With a Colon'", "'  '"), "title: required"),
    "bad-date.md": (ARTICLE_TEXT.replace("'2024-02-16'", "'next Tuesday'"), "publish_date"),
    "bad-created.md": (ARTICLE_TEXT.replace("'2025-02-16'", "'2025-13-45'"), "created_date"),
    "ftp-hero.md": (ARTICLE_TEXT.replace("https://images.example.org/hero.jpg", "ftp://example.org/x.jpg"), "heroImage"),
    "js-hero.md": (ARTICLE_TEXT.replace("https://images.example.org/hero.jpg", "javascript:alert(1)"), "heroImage"),
    "impossible-date.md": (ARTICLE_TEXT.replace("'2024-02-16'", "2024-02-30"), "publish_date: '2024-02-30' is not a date"),
    "list-title.md": (ARTICLE_TEXT.replace("title: 'A Test Article: With a Colon'", "title: [1, 2]"), "title: must be text"),
    "bad-read-time.md": (ARTICLE_TEXT.replace("'8 mins'", "'a while'"), "read_time"),
    "bad-draft.md": (ARTICLE_TEXT.replace("cta:", "draft: 'maybe'\ncta:"), "draft"),
    "not-a-mapping.md": ("---\n- a\n- b\n---\nbody\n", "mapping"),
}


def test_each_bad_file_is_reported_by_name_writes_nothing_and_does_not_stop_the_others(tmp_path):
    for name, (text, _) in BAD_FILES.items():
        write(tmp_path, name, text)
    write(tmp_path, "good.md", ARTICLE_TEXT)
    output, error = run_import(tmp_path)
    assert error is not None, "the command must exit non-zero when a file failed"
    for name, (_, reason) in BAD_FILES.items():
        line = next(line for line in output.splitlines() if name in line)
        assert "failed" in line and reason in line, line
    assert Article.objects.count() == 1
    assert Author.objects.count() == 1
    assert f"1 created, 0 updated, {len(BAD_FILES)} failed." in output


def test_yaml_errors_name_the_line(tmp_path):
    output, _ = run_import(write(tmp_path, "bad.md", "---\ntitle: 'ok'\nauthor: 'x'\nsubtitle: [unclosed\n---\nbody\n"))
    assert "bad.md" in output and "line " in output


def test_non_utf8_file_is_refused(tmp_path):
    (tmp_path / "latin1.md").write_bytes(ARTICLE_TEXT.replace("body", "bödy").encode("latin-1"))
    output, error = run_import(tmp_path / "latin1.md")
    assert error and "UTF-8" in output and not Article.objects.exists()


def test_missing_path_is_reported(tmp_path):
    output, error = run_import(tmp_path / "nope")
    assert error and "no such file" in output


def test_crlf_and_bom_input(tmp_path):
    (tmp_path / "win.md").write_bytes(("\ufeff" + ARTICLE_TEXT).replace("\n", "\r\n").encode())
    _, error = run_import(tmp_path / "win.md")
    assert error is None
    assert Article.objects.get().title == "A Test Article: With a Colon"


def test_relative_images_are_validated_and_stored(tmp_path, media_root):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "hero.png").write_bytes(image_bytes("PNG"))
    (tmp_path / "media" / "inline.jpg").write_bytes(image_bytes("JPEG"))
    text = ARTICLE_TEXT.replace("https://images.example.org/hero.jpg", "media/hero.png").replace(
        "https://images.example.org/body.webp", "media/inline.jpg"
    )
    _, error = run_import(write(tmp_path, "a.md", text))
    assert error is None
    article = Article.objects.get()
    assert article.hero_image.name.startswith("heroes/") and article.hero_image.name.endswith(".png")
    assert (media_root / article.hero_image.name).exists()
    assert article.hero_width == 64 and article.hero_height == 48
    assert "/media/body/" in article.body and "media/inline.jpg" not in article.body


def test_images_by_reference_and_in_html_are_stored_and_exported_like_inline_ones(tmp_path, media_root, client):
    source = tmp_path / "source"
    (source / "media").mkdir(parents=True)
    for name in ("ref.jpg", "raw.png", "single.png"):
        (source / "media" / name).write_bytes(image_bytes("PNG" if name.endswith("png") else "JPEG", size=(600, 300)))
    body = (
        "![A red photo][photo]\n\n<img src=\"media/raw.png\" alt=\"Raw HTML\">\n\n"
        "<p><img alt='Single' src='media/single.png'></p>\n\nRead [the notes][notes].\n\n"
        "```\n<img src=\"media/in-code.png\">\n```\n\n"
        "[photo]: media/ref.jpg \"A title\"\n[notes]: notes.txt\n"
    )
    text = ARTICLE_TEXT.replace("https://images.example.org/hero.jpg", "https://images.example.org/h.jpg")
    text = text[: text.index("---", 4) + 4] + "\n" + body
    _, error = run_import(write(source, "a.md", text))
    assert error is None
    article = Article.objects.get()
    assert "media/ref.jpg" not in article.body and "[photo]: /media/body/" in article.body
    assert '<img src="/media/body/' in article.body and "<img alt='Single' src='/media/body/" in article.body
    assert "[notes]: notes.txt" in article.body  # a link's definition is not an image
    assert '<img src="media/in-code.png">' in article.body  # code is text
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count("<picture>") == 3 and 'alt="A red photo"' in html and 'alt="Raw HTML"' in html

    call_command("export_articles", str(tmp_path / "out"), stdout=io.StringIO())
    exported = (tmp_path / "out" / f"{article.slug}.md").read_text()
    assert "[photo]: media/body/" in exported and '<img src="media/body/' in exported and "/media/" not in exported
    for name in re.findall(r"media/body/[\w.]+", exported):
        assert (tmp_path / "out" / name).is_file()


def test_text_is_stored_composed_and_images_named_in_decomposed_unicode_are_found(tmp_path, media_root):
    """Files from a Mac: text and file names often in NFD ("e" + combining accent)."""
    import unicodedata

    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / nfd("café.png")).write_bytes(image_bytes("PNG"))
    text = ARTICLE_TEXT.replace("A Test Article: With a Colon", nfd("Crème brûlée")).replace(
        "https://images.example.org/body.webp", nfd("media/café.png")
    )
    _, error = run_import(write(tmp_path, "a.md", text))
    assert error is None
    article = Article.objects.get()
    assert article.title == "Crème brûlée" and unicodedata.is_normalized("NFC", article.body)
    assert "/media/body/" in article.body and "café" not in article.body


def test_images_with_spaces_in_angle_brackets_and_unquoted_html_sources_are_stored(tmp_path, media_root):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "my photo.jpg").write_bytes(image_bytes("JPEG"))
    (tmp_path / "media" / "blue.png").write_bytes(image_bytes("PNG"))
    text = ARTICLE_TEXT + "\n![Spaced](<media/my photo.jpg>)\n\n<IMG SRC=media/blue.png ALT=Blue>\n"
    _, error = run_import(write(tmp_path, "a.md", text))
    assert error is None
    body = Article.objects.get().body
    assert "![Spaced](</media/body/" in body and '<IMG SRC="/media/body/' in body and "media/blue.png" not in body


def test_what_macos_leaves_beside_articles_is_not_imported(tmp_path):
    (tmp_path / "export").mkdir()
    write(tmp_path / "export", "mac.md", ARTICLE_TEXT)
    (tmp_path / "__MACOSX" / "export").mkdir(parents=True)
    (tmp_path / "__MACOSX" / "export" / "._mac.md").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (tmp_path / "export" / "._other.md").write_bytes(b"\x00\x05\x16\x07")
    output, error = run_import(tmp_path)
    assert error is None and "Imported 1 file(s): 1 created" in output and "MACOSX" not in output


def test_a_fake_image_is_refused(tmp_path, media_root):
    source = tmp_path / "source"
    (source / "img").mkdir(parents=True)
    (source / "img" / "hero.jpg").write_bytes(b"<svg onload=alert(1)></svg>")
    text = ARTICLE_TEXT.replace("https://images.example.org/hero.jpg", "img/hero.jpg")
    output, error = run_import(write(source, "a.md", text))
    assert error and "hero.jpg" in output
    assert not Article.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_images_outside_the_imported_folder_are_not_read(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(image_bytes("PNG"))
    folder = tmp_path / "articles"
    folder.mkdir()
    text = ARTICLE_TEXT.replace("https://images.example.org/hero.jpg", "../secret.png")
    write(folder, "a.md", text)
    output, error = run_import(folder)
    assert error is None and "heroImage: image '../secret.png' was not found" in output
    assert not Article.objects.get().hero_image


def test_future_publish_date_is_scheduled(tmp_path):
    future = (timezone.now() + dt.timedelta(days=30)).isoformat()
    run_import(write(tmp_path, "a.md", ARTICLE_TEXT.replace("'2024-02-16'", f"'{future}'")))
    assert Article.objects.get().status == "scheduled"


def test_titles_and_tags_without_letters_get_stable_slugs(tmp_path):
    text = ARTICLE_TEXT.replace("title: 'A Test Article: With a Colon'", "title: '🚀!!!'").replace(
        "cta:", "tags: ['🚀']\ncta:"
    )
    _, error = run_import(write(tmp_path, "a.md", text))
    assert error is None
    article = Article.objects.get()
    assert article.slug.startswith("article-") and len(article.slug) == len("article-") + 6
    assert article.tags.get().slug.startswith("tag-")
    # The same title gives the same address when imported again: no duplicate.
    run_import(tmp_path / "a.md")
    assert Article.objects.count() == 1
