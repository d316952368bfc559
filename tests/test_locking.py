"""Two people edit the same article: the second save is refused and keeps their text."""

import pytest

from articles.models import Article
from tests.factories import make_article
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_editors(client, django_user_model):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(make_staff("Editor", "alice"))
    second.force_login(make_staff("Editor", "bob"))
    return first, second


def test_second_save_of_the_same_version_is_refused_and_keeps_the_text(two_editors):
    first, second = two_editors
    article = make_article("Shared Piece", body="Original text.")
    url = f"/admin/articles/article/{article.pk}/change/"
    loaded = article_form_data(article)  # both opened the form at version 1

    assert first.post(url, {**loaded, "body": "Alice's careful rewrite."}).status_code == 302
    response = second.post(url, {**loaded, "body": "Bob's different rewrite."})

    assert response.status_code == 200
    html = response.content.decode()
    assert "was changed by alice" in html and "was not saved" in html
    assert "Bob&#x27;s different rewrite." in html  # Bob's text is still on the form
    article.refresh_from_db()
    assert article.body == "Alice's careful rewrite." and article.version == 2
    # The re-rendered form now carries the current version: saving again is a deliberate overwrite.
    assert 'name="loaded_version" value="2"' in html
    assert second.post(url, {**loaded, "loaded_version": 2, "body": "Bob's different rewrite."}).status_code == 302
    article.refresh_from_db()
    assert article.body == "Bob's different rewrite." and article.version == 3


def test_bulk_actions_move_the_version_on(two_editors):
    first, second = two_editors
    article = make_article("Draft Piece", draft=True)
    loaded = article_form_data(article)
    first.post("/admin/articles/article/", {"action": "publish_now", "_selected_action": [article.pk]})
    response = second.post(f"/admin/articles/article/{article.pk}/change/", {**loaded, "body": "Late edit."})
    assert response.status_code == 200 and "was not saved" in response.content.decode()
    assert Article.objects.get(pk=article.pk).draft is False


def test_a_change_without_the_loaded_version_is_refused(two_editors):
    first, _ = two_editors
    article = make_article("Piece")
    form = article_form_data(article, body="No version sent.")
    del form["loaded_version"]
    response = first.post(f"/admin/articles/article/{article.pk}/change/", form)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.body != "No version sent."
