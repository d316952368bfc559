"""Every admin save is a revision; editors compare two and restore one, as a new revision."""

import re

import pytest
from reversion.models import Version

from articles.models import PublicationSettings
from tests.factories import make_article
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_staff("Editor", "eve")
    client.force_login(user)
    return user


def save(client, article, **changes):
    article.refresh_from_db()
    response = client.post(f"/admin/articles/article/{article.pk}/change/", article_form_data(article, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()


def test_each_save_records_who_and_what(client, editor):
    article = make_article("Evolving", body="First paragraph.")
    save(client, article, body="First paragraph.\n\nSecond paragraph.")
    save(client, article, title="Evolving, retitled")
    versions = list(Version.objects.get_for_object(article))
    assert len(versions) == 2
    assert all(v.revision.user == editor for v in versions)
    assert versions[0].field_dict["title"] == "Evolving, retitled"
    assert "Second paragraph." in versions[1].field_dict["body"]


def test_history_lists_revisions_and_compare_shows_a_readable_diff(client, editor):
    article = make_article("Diffable", body="Line one.\nLine two.")
    save(client, article, body="Line one.\nLine two, <b>revised</b>.")
    save(client, article, body="Line one.\nLine two, <b>revised</b>.\nLine three.", title="Diffable too")
    history = client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    old, new = [v.pk for v in Version.objects.get_for_object(article)][::-1]
    assert f'value="{old}"' in history and "Compare selected versions" in history

    html = client.get(f"/admin/articles/article/{article.pk}/history/compare/", {"old": old, "new": new}).content.decode()
    # Word by word: only what changed is marked, the unchanged words around it are plain text.
    assert re.search(r'<ins class="diff-added">(<span[^>]*>[^<]*</span>)?\s*Line three\.<', html)
    assert "&lt;b&gt;revised&lt;/b&gt;" in html and "<b>revised</b>" not in html  # escaped
    assert re.search(r'<ins class="diff-added">(<span[^>]*>[^<]*</span>)? too<', html)
    assert not re.search(r'class="diff-(added|removed)">(<span[^>]*>[^<]*</span>)?[^<]*Line one', html)


def test_restore_brings_back_a_version_as_a_new_revision(client, editor):
    article = make_article("Restorable", body="The good version.")
    save(client, article, body="The good version.")
    good = Version.objects.get_for_object(article).first()
    save(client, article, body="An unfortunate rewrite.", title="Oops")
    preview = client.get(f"/admin/articles/article/{article.pk}/history/{good.pk}/").content.decode()
    assert "Restore this version" in preview
    assert re.search(r'<del class="diff-removed">(<span[^>]*>[^<]*</span>)?An unfortunate rewrite<', preview)
    assert re.search(r'<ins class="diff-added">(<span[^>]*>[^<]*</span>)?The good version<', preview)

    response = client.post(f"/admin/articles/article/{article.pk}/history/{good.pk}/")
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body) == ("Restorable", "The good version.")
    assert "The good version." in article.body_html
    versions = list(Version.objects.get_for_object(article))
    assert len(versions) == 3 and versions[0].revision.comment.startswith("Restored the version of")
    assert article.version == 4  # restoring moves the lock on: open forms are now stale


def test_contributor_restore_does_not_publish(client):
    contributor = make_staff("Contributor", "cora")
    editor_client = client.__class__()
    editor_client.force_login(make_staff("Editor", "ed"))
    article = make_article("Once Public", author=contributor.author)
    save(editor_client, article, body="Public text.")
    published_version = Version.objects.get_for_object(article).first()
    save(editor_client, article, body="Back to draft text.", _unpublish="Unpublish")
    article.refresh_from_db()
    assert article.draft is True
    client.force_login(contributor)
    assert client.post(f"/admin/articles/article/{article.pk}/history/{published_version.pk}/").status_code == 302
    article.refresh_from_db()
    assert article.body == "Public text." and article.draft is True


def test_publication_settings_have_revisions(client, editor):
    url = "/admin/articles/publicationsettings/1/change/"
    client.get("/admin/articles/publicationsettings/")
    for name in ["The Ledger", "The Daily Ledger"]:
        response = client.post(url, {"name": name, "tagline": "News", "cta_text": "", "cta_link": "",
                                     "social_links": "https://mastodon.social/@ledger", "logo_alt": ""})
        assert response.status_code == 302
    record = PublicationSettings.objects.get()
    assert [v.field_dict["name"] for v in Version.objects.get_for_object(record)] == ["The Daily Ledger", "The Ledger"]
    assert "The Daily Ledger" in client.get("/").content.decode()


def test_a_browser_resending_the_body_with_crlf_is_not_a_body_change(client, editor):
    article = make_article("Unchanged Body", body="Line one.\nLine two.\n")
    save(client, article, body="Line one.\r\nLine two.\r\n", title="Only The Title Changed")
    assert article.body == "Line one.\nLine two.\n"
    message = Version.objects.get_for_object(article).first().revision.comment
    assert "Body" not in message and "Title" in message


def test_a_deleted_article_is_recovered_and_one_whose_address_was_taken_says_by_whom(client, editor):
    article = make_article("Deleted piece", slug="deleted-piece")
    save(client, article, title="Deleted piece, edited")  # a revision to recover from
    version_id = Version.objects.get_for_object(article).first().pk
    assert client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"}).status_code == 302
    assert "Deleted piece, edited" in client.get("/admin/articles/article/recover/").content.decode()

    squatter = make_article("Squatter", slug="deleted-piece")
    response = client.get(f"/admin/articles/article/recover/{version_id}/", follow=True)
    assert "its address /articles/deleted-piece/ is now used by “Squatter”" in response.content.decode()
    squatter.slug = "squatter"
    squatter.save()
    response = client.get(f"/admin/articles/article/recover/{version_id}/")
    assert response.status_code == 200 and "Deleted piece, edited" in response.content.decode()


import random  # noqa: E402

from articles.admin.revisions import word_diff  # noqa: E402


def test_a_word_diff_holds_both_texts_whole():
    """Many random pairs of short texts (no run long enough to be shortened)."""
    pick = random.Random(13)
    alphabet = list("ab c\n.,éß<>&")
    for _ in range(2000):
        old = "".join(pick.choice(alphabet) for _ in range(pick.randrange(20)))
        new = "".join(pick.choice(alphabet) for _ in range(pick.randrange(20)))
        pieces = word_diff(old, new)
        assert "".join(p["text"] for p in pieces if p["kind"] in ("same", "removed")) == old
        assert "".join(p["text"] for p in pieces if p["kind"] in ("same", "added")) == new


def test_a_one_word_edit_in_a_long_paragraph_shows_that_word():
    words = " ".join(f"word{n}" for n in range(200))
    pieces = word_diff(words, words.replace("word100", "changed"))
    assert [p["text"] for p in pieces if p["kind"] == "removed"] == ["word100"]
    assert [p["text"] for p in pieces if p["kind"] == "added"] == ["changed"]
    assert sum(len(p["text"]) for p in pieces) < 400  # the unchanged words around it are shortened
