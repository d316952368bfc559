"""Share links can be revoked; a draft's share image names nothing guessable; /admin/r/ keeps drafts."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from articles.models import Article
from articles.preview import share_url
from articles.share_images import share_image_name
from tests.factories import make_article
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def editor(client):
    user = make_staff("Editor")
    return user


def as_user(client, user):
    client.force_login(user)
    return client


def test_revert_to_draft_revokes_the_links_shared_before(client, editor):
    article = make_article("Pulled", draft=True, body="First version.")
    link = share_url(article)
    assert client.get(link).status_code == 200
    article.draft = False
    article.save()
    assert client.get(link).status_code == 302  # published: the live page
    as_user(client, editor).post(CHANGELIST, {"action": "revert_to_draft", "_selected_action": [article.pk]})
    client.logout()
    gone = client.get(link)
    assert gone.status_code == 410
    page = gone.content.decode()
    assert "This preview link no longer works" in page and "First version." not in page
    assert gone["X-Robots-Tag"].startswith("noindex") and "no-store" in gone["Cache-Control"]
    article.refresh_from_db()
    assert client.get(share_url(article)).status_code == 200  # a new link works


def test_unpublishing_from_the_change_form_revokes_them(client, editor):
    article = make_article("Unpublished", draft=False)
    link = share_url(article)
    form = article_form_data(article, _unpublish="1")
    assert as_user(client, editor).post(f"/admin/articles/article/{article.pk}/change/", form).status_code == 302
    client.logout()
    assert client.get(link).status_code == 410


def test_moving_a_public_article_into_the_future_revokes_them(client, editor):
    article = make_article("Rescheduled", draft=False)
    link = share_url(article)
    later = timezone.localtime(timezone.now() + timedelta(days=3))
    form = article_form_data(
        article, _schedule="1", publish_date_0=later.strftime("%Y-%m-%d"), publish_date_1=later.strftime("%H:%M:%S")
    )
    assert as_user(client, editor).post(f"/admin/articles/article/{article.pk}/change/", form).status_code == 302
    client.logout()
    assert client.get(link).status_code == 410


def test_editing_a_draft_keeps_its_links(client, editor):
    article = make_article("Still Shared", draft=True)
    link = share_url(article)
    form = article_form_data(article, body="Edited while shared.", slug="a-new-address")
    assert as_user(client, editor).post(f"/admin/articles/article/{article.pk}/change/", form).status_code == 302
    client.logout()
    response = client.get(link)  # through a slug change too
    assert response.status_code == 200 and "Edited while shared." in response.content.decode()


def test_the_revoke_action_and_button(client, editor):
    first, second = make_article("One", draft=True), make_article("Two", draft=True)
    links = [share_url(first), share_url(second)]
    as_user(client, editor)
    response = client.post(CHANGELIST, {"action": "revoke_share_links", "_selected_action": [first.pk]}, follow=True)
    assert "Revoked the share links of 1 article(s)" in response.content.decode()
    change = client.get(f"/admin/articles/article/{second.pk}/change/").content.decode()
    button = f'formaction="/admin/articles/article/{second.pk}/revoke-share-links/"'
    assert button in change and "Revoke share links" in change
    assert client.get(f"/admin/articles/article/{second.pk}/revoke-share-links/").status_code == 403
    assert client.post(f"/admin/articles/article/{second.pk}/revoke-share-links/").status_code == 302
    client.logout()
    assert [client.get(link).status_code for link in links] == [410, 410]


def test_a_contributor_cannot_revoke_someone_elses_links(client):
    contributor = make_staff("Contributor")
    theirs = make_article("Theirs", draft=True)
    link = share_url(theirs)
    as_user(client, contributor)
    assert client.post(f"/admin/articles/article/{theirs.pk}/revoke-share-links/").status_code == 404
    client.post(CHANGELIST, {"action": "revoke_share_links", "_selected_action": [theirs.pk]})
    client.logout()
    assert client.get(link).status_code == 200


def test_restoring_an_old_version_does_not_bring_revoked_links_back(client, editor):
    from reversion.models import Version

    article = make_article("Versions", draft=True)
    as_user(client, editor)
    client.post(f"/admin/articles/article/{article.pk}/change/", article_form_data(article, body="Saved once."))
    link = share_url(Article.objects.get(pk=article.pk))
    client.post(CHANGELIST, {"action": "revoke_share_links", "_selected_action": [article.pk]})
    version = Version.objects.get_for_object(article).first()
    client.post(f"/admin/articles/article/{article.pk}/history/{version.pk}/")
    client.logout()
    assert client.get(link).status_code == 410


# ---- share images ----------------------------------------------------------------------


def public_share_image(client, title):
    """The /media/share/ address anyone can derive from a title."""
    return f"/media/{share_image_name(title, 'Masthead')}"


def test_a_drafts_share_image_is_never_at_the_name_its_title_gives(client, editor, media_root):
    title = "Our Merger With Acme, Announced Friday"
    article = make_article(title, draft=True)
    guessable = media_root / public_share_image(client, title).removeprefix("/media/")
    assert not guessable.exists()
    as_user(client, editor).get(f"/admin/articles/article/{article.pk}/preview/")
    client.logout()
    page = client.get(share_url(article)).content.decode()
    assert not guessable.exists()  # after a staff preview and a shared one
    assert client.get(public_share_image(client, title)).status_code == 404
    drawn = [p.name for p in (media_root / "share").iterdir()]
    assert drawn and all(f"/media/share/{name}" in page for name in drawn)  # the preview has its image
    article.draft = False
    article.save()
    client.get(article.get_absolute_url())
    assert guessable.exists()  # public now: the ordinary name


def test_two_drafts_with_one_title_get_different_images(client, editor, media_root):
    first, second = make_article("Same Title", draft=True), make_article("Same Title", draft=True)
    for article in (first, second):
        client.get(share_url(article))
    assert len(list((media_root / "share").iterdir())) == 2


# ---- /admin/r/ -------------------------------------------------------------------------


def shortcut(article):
    return f"/admin/r/{ContentType.objects.get_for_model(Article).pk}/{article.pk}/"


def test_the_view_on_site_shortcut_answers_only_for_what_the_user_may_view(client):
    contributor = make_staff("Contributor")
    mine = make_article("My Draft", draft=True, author=contributor.author)
    draft = make_article("Another Authors Draft", draft=True)
    scheduled = make_article("Another Authors Plan", publish_in=timedelta(days=2))
    public = make_article("Another Authors Public Piece")
    as_user(client, contributor)
    for hidden in (draft, scheduled, public):  # not in a contributor's admin at all
        response = client.get(shortcut(hidden))
        assert response.status_code == 404 and hidden.slug not in response.get("Location", "")
    own = client.get(shortcut(mine))
    assert own.status_code == 302 and own["Location"].endswith(mine.get_absolute_url())
    assert client.get(f"/admin/r/{ContentType.objects.get_for_model(Article).pk}/not-a-number/").status_code == 404
    assert client.get("/admin/r/99999/1/").status_code == 404


def test_editors_still_use_the_shortcut(client, editor):
    draft = make_article("Any Draft", draft=True)
    response = as_user(client, editor).get(shortcut(draft))
    assert response.status_code == 302 and response["Location"].endswith(draft.get_absolute_url())


def test_anonymous_visitors_are_sent_to_the_login(client):
    draft = make_article("Hidden", draft=True)
    response = client.get(shortcut(draft))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert draft.slug not in response["Location"]
