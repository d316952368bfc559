import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_published_article_is_served_and_listed(client):
    article = make_article("Hello Readers")
    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Hello Readers" in client.get("/").content.decode()
