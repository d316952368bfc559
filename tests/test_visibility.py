"""The one visibility rule: not a draft, and the publish date has passed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "draft, publish_in, public, status",
    [
        (False, timedelta(days=-1), True, "published"),
        (False, timedelta(hours=1), False, "scheduled"),
        (True, timedelta(days=-1), False, "draft"),
        (True, timedelta(hours=1), False, "draft"),
    ],
)
def test_published_matrix(draft, publish_in, public, status):
    article = make_article(draft=draft, publish_in=publish_in)
    assert (article in Article.objects.published()) is public
    assert article.status == status


def test_scheduled_article_goes_live_at_its_moment_with_no_job(client):
    article = make_article("Soon", publish_in=timedelta(hours=1))
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Soon" not in client.get("/").content.decode()
    assert "Soon" not in client.get("/feed/").content.decode()

    # Time passes: nothing runs but the web server, and the article is public.
    Article.objects.filter(pk=article.pk).update(publish_date=timezone.now() - timedelta(seconds=1))
    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Soon" in client.get("/").content.decode()
    assert "Soon" in client.get("/feed/").content.decode()


def test_draft_answers_404_and_is_listed_nowhere(client):
    article = make_article("Hidden Draft", draft=True)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Hidden Draft" not in client.get("/").content.decode()
    assert "Hidden Draft" not in client.get("/feed/").content.decode()
    assert "Hidden Draft" not in client.get(article.author.get_absolute_url()).content.decode()


def test_new_article_in_admin_defaults_to_draft():
    assert Article._meta.get_field("draft").default is True
