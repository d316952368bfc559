"""Each role × each action, through the admin and through forged requests."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles.models import Article, Author
from tests.factories import make_article, make_author
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


@pytest.fixture
def contributor(client):
    user = make_staff("Contributor")
    client.force_login(user)
    return user


def test_migrate_created_the_three_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Contributor", "Editor", "Administrator"}
    assert Group.objects.get(name="Editor").permissions.filter(codename="publish_article").exists()
    assert not Group.objects.get(name="Contributor").permissions.filter(codename="publish_article").exists()
    assert Group.objects.get(name="Administrator").permissions.filter(codename="add_user").exists()


def test_contributor_new_article_gets_their_byline_and_stays_a_draft(client, contributor):
    other = make_author("Someone Else")
    tomorrow = timezone.localtime() + timedelta(days=1)
    response = client.post("/admin/articles/article/add/", {
        "title": "My First Piece", "slug": "my-first-piece", "body": "Words.", "description": "",
        "author": other.pk, "draft": "", "publish_date_0": tomorrow.strftime("%Y-%m-%d"),
        "publish_date_1": "09:00:00", "loaded_version": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="my-first-piece")
    assert article.author == contributor.author  # the forged author is ignored
    assert article.draft is True
    assert article.publish_date <= timezone.now()  # the forged schedule is ignored


def test_contributor_cannot_publish_or_schedule_their_draft_by_forged_post(client, contributor):
    article = make_article("Own Draft", author=contributor.author, draft=True)
    original_date = article.publish_date
    later = timezone.localtime() + timedelta(days=2)
    form = article_form_data(article, title="Own Draft, edited", draft="",
                             publish_date_0=later.strftime("%Y-%m-%d"), publish_date_1="10:00:00")
    assert client.post(change_url(article), form).status_code == 302
    article.refresh_from_db()
    assert article.title == "Own Draft, edited"  # the edit is kept...
    assert article.draft is True  # ...the publishing fields are not
    assert article.publish_date == original_date


def test_contributor_change_form_has_no_publishing_controls(client, contributor):
    article = make_article("Own Draft", author=contributor.author, draft=True)
    html = client.get(change_url(article)).content.decode()
    assert 'name="draft"' not in html and 'name="publish_date_0"' not in html
    changelist = client.get(CHANGELIST).content.decode()
    assert "publish_now" not in changelist and "revert_to_draft" not in changelist and 'value="schedule"' not in changelist


def test_contributor_sees_only_their_own_articles(client, contributor):
    mine = make_article("Mine", author=contributor.author, draft=True)
    theirs = make_article("Theirs", draft=True)
    html = client.get(CHANGELIST).content.decode()
    assert "Mine" in html and "Theirs" not in html
    assert client.get(change_url(theirs)).status_code in (302, 404)
    form = article_form_data(theirs, title="Hijacked")
    client.post(change_url(theirs), form)
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"
    assert client.get(change_url(mine)).status_code == 200


def test_contributor_cannot_edit_their_published_article(client, contributor):
    article = make_article("Published Piece", author=contributor.author)
    response = client.get(change_url(article))
    assert response.status_code == 200 and 'name="title"' not in response.content.decode()  # view only
    client.post(change_url(article), article_form_data(article, title="Changed after publishing"))
    article.refresh_from_db()
    assert article.title == "Published Piece"


@pytest.mark.parametrize("action", ["publish_now", "revert_to_draft", "schedule", "delete_selected"])
def test_contributor_forged_bulk_actions_are_refused(client, contributor, action):
    article = make_article("Own Draft", author=contributor.author, draft=True)
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [article.pk], "post": "yes"})
    assert response.status_code in (200, 302, 403)
    article.refresh_from_db()
    assert article.draft is True and Article.objects.filter(pk=article.pk).exists()


def test_contributor_cannot_manage_authors_users_or_settings(client, contributor):
    assert client.get("/admin/articles/author/add/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/articles/publicationsettings/").status_code == 403


def test_editor_edits_publishes_and_schedules_every_article(client):
    editor = make_staff("Editor")
    client.force_login(editor)
    drafts = [make_article(f"Draft {n}", draft=True) for n in range(2)]
    response = client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [a.pk for a in drafts]})
    assert response.status_code == 302
    assert Article.objects.published().count() == 2
    later = timezone.localtime() + timedelta(days=3)
    article = drafts[0]
    article.refresh_from_db()
    form = article_form_data(article, publish_date_0=later.strftime("%Y-%m-%d"), publish_date_1="09:00:00")
    assert client.post(change_url(article), {**form, "_schedule": "Reschedule"}).status_code == 302
    article.refresh_from_db()
    assert article.status == Article.SCHEDULED


def test_editor_manages_authors_but_not_users(client):
    client.force_login(make_staff("Editor"))
    response = client.post("/admin/articles/author/add/", {"name": "New Voice", "slug": "new-voice", "bio": ""})
    assert response.status_code == 302 and Author.objects.filter(name="New Voice").exists()
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/articles/publicationsettings/", follow=True).status_code == 200


def test_administrator_manages_users(client):
    client.force_login(make_staff("Administrator"))
    assert client.get("/admin/auth/user/").status_code == 200
    response = client.post("/admin/auth/user/add/", {
        "username": "newcomer", "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42",
        "usable_password": "true",
    })
    assert response.status_code == 302 and User.objects.filter(username="newcomer").exists()


def test_staff_without_a_role_sees_nothing(client):
    user = User.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403


# The whole matrix in one table: (what, contributor, editor, administrator).
MATRIX = [
    ("list articles", True, True, True),
    ("add an article", True, True, True),
    ("edit own draft", True, True, True),
    ("edit someone else's draft", False, True, True),
    ("publish now", False, True, True),
    ("schedule", False, True, True),
    ("revert to draft", False, True, True),
    ("delete an article", False, True, True),
    ("add an author", False, True, True),
    ("change publication settings", False, True, True),
    ("add a user", False, False, True),
]


def attempt(client, user, what) -> bool:
    """Try `what` as `user` through the admin; True when it took effect."""
    own = make_article("Own", author=user.author, draft=True, slug=f"own-{user.pk}")
    other = make_article("Other", draft=True, slug=f"other-{user.pk}")
    if what == "list articles":
        return client.get(CHANGELIST).status_code == 200
    if what == "add an article":
        client.post("/admin/articles/article/add/", {"title": "Added", "slug": "added", "body": "x",
                                                     "author": user.author.pk, "publish_date_0": "2030-01-01",
                                                     "publish_date_1": "09:00", "draft": "on"})
        return Article.objects.filter(slug="added").exists()
    if what in ("edit own draft", "edit someone else's draft"):
        article = own if what == "edit own draft" else other
        client.post(change_url(article), article_form_data(article, title="Edited"))
        article.refresh_from_db()
        return article.title == "Edited"
    if what in ("publish now", "schedule", "revert to draft", "delete an article"):
        target = other
        if what == "revert to draft":
            target.draft = False
            target.save()
        action = {"publish now": "publish_now", "schedule": "schedule", "revert to draft": "revert_to_draft",
                  "delete an article": "delete_selected"}[what]
        client.post(CHANGELIST, {"action": action, "_selected_action": [target.pk], "post": "yes", "apply": "1",
                                 "publish_date_0": "2030-01-01", "publish_date_1": "09:00"})
        if what == "delete an article":
            return not Article.objects.filter(pk=target.pk).exists()
        target.refresh_from_db()
        return {"publish now": target.is_public, "schedule": target.status == Article.SCHEDULED,
                "revert to draft": target.draft}[what]
    if what == "add an author":
        client.post("/admin/articles/author/add/", {"name": "Matrix Author", "slug": "matrix-author", "bio": ""})
        return Author.objects.filter(name="Matrix Author").exists()
    if what == "change publication settings":
        from articles.models import PublicationSettings

        client.post("/admin/articles/publicationsettings/1/change/", {"name": "Renamed", "tagline": "", "cta_text": "",
                                                                      "cta_link": "", "social_links": "", "logo_alt": ""})
        return PublicationSettings.objects.filter(name="Renamed").exists()
    if what == "add a user":
        client.post("/admin/auth/user/add/", {"username": "matrixuser", "password1": "a-long-pass-phrase-42",
                                              "password2": "a-long-pass-phrase-42", "usable_password": "true"})
        return User.objects.filter(username="matrixuser").exists()
    raise AssertionError(what)


@pytest.mark.parametrize("role,column", [("Contributor", 1), ("Editor", 2), ("Administrator", 3)])
@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_role_matrix(client, role, column, row):
    user = make_staff(role, f"{role.lower()}-matrix")
    client.force_login(user)
    assert attempt(client, user, row[0]) is row[column]


def test_contributor_cannot_list_or_recover_deleted_articles(client, contributor):
    assert client.get("/admin/articles/article/recover/").status_code == 403
