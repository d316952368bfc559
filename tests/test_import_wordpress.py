"""A WordPress export through `import_articles` and the admin page: posts, statuses, the loss
report, HTML to Markdown, old addresses answering 301, and hostile XML."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article, Redirect
from tests.staff import make_staff
from tests.wxr import export

from tests.importing import run_import

pytestmark = pytest.mark.django_db



@pytest.fixture
def imported(tmp_path):
    path = tmp_path / "old-blog.WordPress.2024-01-01.xml"
    path.write_text(export(), encoding="utf-8")
    output, error = run_import(path)
    assert error is None, output
    return output


def test_posts_come_across_with_their_fields(imported):
    post = Article.objects.get(slug="hello-classic")
    assert post.title == "Hello Classic" and post.author.name == "Jane Doe"
    assert post.publish_date == dt.datetime(2013, 1, 11, 10, 0, tzinfo=dt.UTC) and post.is_public
    assert sorted(post.tags.values_list("name", flat=True)) == ["News", "Python", "web"]  # not Uncategorized
    assert post.description == "The classic excerpt."
    assert post.hero_image_url == "https://old.example.org/wp-content/uploads/2013/01/hero.jpg"
    assert post.hero_image_alt == "A hero photo"
    assert post.body.startswith("First paragraph of a classic post,  \nwith a line break.\n\n")
    assert "classic post,<br>" in post.body_html
    assert "\n\nSecond paragraph with **bold** and a [link](https://example.org/)." in post.body
    assert "![A photo](https://old.example.org/wp-content/uploads/2013/01/photo.jpg)" in post.body
    assert "The caption" in post.body and "[gallery" not in post.body and "contact-form-7" not in post.body
    assert "<strong>bold</strong>" in post.body_html  # rendered and sanitised as every body is


def test_block_markup_becomes_markdown(imported):
    post = Article.objects.get(slug="block-party")
    assert "A block post with *emphasis*." in post.body and "## A heading" in post.body
    assert "- one\n- two" in post.body and 'print("hi")' in post.body
    assert "<https://www.youtube.com/watch?v=abc>" in post.body
    assert "wp:" not in post.body
    assert "embed https://www.youtube.com/watch?v=abc became a link" in imported
    assert "block 'latest-posts' (rendered by WordPress, no content of its own) removed" in imported


def test_statuses_map_to_public_scheduled_and_draft(imported):
    states = {article.slug: article.status for article in Article.objects.all()}
    assert states["coming-soon"] == "scheduled"
    assert states["work-in-progress"] == "draft"  # a draft has no slug in WordPress: from the title
    assert states["secret"] == states["pending-review"] == states["private-note"] == "draft"
    assert "password-protected on WordPress, so imported as a draft" in imported
    assert states["café-été"] == "published"  # percent-encoded slug, decoded
    assert set(states) == {"hello-classic", "block-party", "coming-soon", "work-in-progress", "secret",
                           "pending-review", "private-note", "café-été"}


def test_the_loss_report_accounts_for_every_item(imported):
    assert "Imported 8 file(s): 8 created, 0 updated, 0 failed." in imported
    assert (
        "Loss report: 15 item(s): 3 imported as they are, 5 imported with changes or warnings (listed with each), "
        "0 refused; skipped: 1 attachments, 3 comments, 1 menu items, 1 pages, 1 trashed posts."
    ) in imported
    assert "shortcode [gallery] removed (images 9,10)" in imported


def test_old_addresses_answer_301(imported, client):
    assert client.get("/2013/01/11/hello-classic/").headers["Location"] == "/articles/hello-classic/"
    response = client.get("/?p=1")
    assert response.status_code == 301 and response.headers["Location"] == "/articles/hello-classic/"
    assert client.get("/?p=2").headers["Location"] == "/articles/block-party/"
    # Drafts and scheduled posts stay hidden: their old addresses lead nowhere yet.
    assert Redirect.objects.filter(old_path="/?p=3").exists()
    assert client.get("/?p=3").status_code == 200  # the home page, as for any unknown ?p=
    assert client.get("/?p=4").status_code == 200
    assert client.get("/articles/coming-soon/").status_code == 404
    assert client.get("/?p=999").status_code == 200


def test_importing_again_updates_nothing(imported, tmp_path):
    output, error = run_import(next(tmp_path.glob("*.xml")))
    assert error is None and "0 created, 0 updated, 8 unchanged, 0 failed." in output
    assert Redirect.objects.filter(old_path="/?p=1").count() == 1


def test_dry_run_writes_nothing_and_says_what_would_happen(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(export(), encoding="utf-8")
    output, _ = run_import(path, "--dry-run")
    assert "post 3: would be created /articles/coming-soon/, scheduled for 1 Jun 2099 08:00 UTC" in output
    assert not Article.objects.exists() and not Redirect.objects.exists()


def test_entities_are_not_expanded(tmp_path):
    bomb = export().replace(
        '<?xml version="1.0" encoding="UTF-8" ?>',
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
    ).replace("Hello Classic", "&b;")
    path = tmp_path / "bomb.xml"
    path.write_text(bomb, encoding="utf-8")
    output, error = run_import(path)
    assert error is not None and "bomb.xml: failed: not a readable WordPress export" in output
    assert not Article.objects.exists()


def test_a_truncated_export_keeps_what_came_before(tmp_path):
    text = export()
    path = tmp_path / "cut.xml"
    path.write_text(text[: text.index("<title><![CDATA[About")], encoding="utf-8")
    output, error = run_import(path)
    assert error is not None and "cut.xml: failed: not a readable WordPress export" in output


def test_the_admin_page_imports_an_export(client):
    client.force_login(make_staff("Editor"))
    upload = SimpleUploadedFile("blog.xml", export().encode())
    response = client.post("/admin/articles/import/", {"files": [upload]})
    page = response.content.decode()
    assert response.status_code == 200 and "Loss report: 15 item(s)" in page
    assert "scheduled for 1 Jun 2099 08:00 UTC" in page and "public now" in page
    assert Article.objects.count() == 8
