"""Old addresses of an article answer 301 to its page (articles.models.Redirect)."""

import pytest

from articles.models import Redirect
from articles.redirects import record_slug_change

from .factories import make_article

pytestmark = pytest.mark.django_db


def test_an_old_path_answers_301_to_the_article(client):
    article = make_article("Moved")
    Redirect.objects.record("/2013/01/11/moved/", article)
    response = client.get("/2013/01/11/moved/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_a_query_string_address_is_matched_whole(client):
    article = make_article("Numbered")
    Redirect.objects.record("/old/?p=123", article)
    assert client.get("/old/?p=123")["Location"] == article.get_absolute_url()
    assert client.get("/old/?p=124").status_code == 404


def test_an_old_path_passes_the_query_string_on(client):
    article = make_article("New Home", slug="new")
    Redirect.objects.record("/articles/old/", article)
    response = client.get("/articles/old/?utm_source=mail&page=2")
    assert response.status_code == 301 and response["Location"] == "/articles/new/?utm_source=mail&page=2"
    assert client.get("/articles/old/?q=caf%C3%A9")["Location"] == "/articles/new/?q=caf%C3%A9"
    assert client.head("/articles/old/?a=1")["Location"] == "/articles/new/?a=1"
    assert client.get("/articles/old/")["Location"] == "/articles/new/"


def test_a_hidden_article_is_not_revealed(client):
    article = make_article("Pulled", draft=True)
    Redirect.objects.record("/old-address/", article)
    assert client.get("/old-address/").status_code == 404


def test_a_chain_of_slug_changes_collapses_and_never_loops(client):
    article = make_article("First", slug="first")
    for new in ("second", "third", "first"):
        old = article.slug
        article.slug = new
        article.save()
        record_slug_change(article, old)
    # Back at its first address: that one is live, the others lead straight to it.
    assert not Redirect.objects.filter(old_path="/articles/first/").exists()
    for old in ("second", "third"):
        response = client.get(f"/articles/{old}/")
        assert response.status_code == 301 and response["Location"] == "/articles/first/"
    assert client.get("/articles/first/").status_code == 200


def test_a_redirect_never_shadows_a_live_page(client):
    article, other = make_article("One", slug="one"), make_article("Two", slug="two")
    Redirect.objects.record("/articles/two/", article)
    assert client.get("/articles/two/").status_code == 200
    assert other.slug == "two"
