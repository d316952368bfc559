"""Staff preview and signed share links: as readers will see it, never public, never cached."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing

from articles.preview import share_url
from tests.factories import make_article
from tests.staff import make_staff

pytestmark = pytest.mark.django_db


def test_staff_preview_of_a_draft_renders_the_reader_page_with_a_banner(client):
    article = make_article("Secret Draft", draft=True, body="The *hidden* paragraph.")
    assert client.get(article.get_absolute_url()).status_code == 404
    client.force_login(make_staff("Editor"))
    response = client.get(f"/admin/articles/article/{article.pk}/preview/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview, not public." in html and "The <em>hidden</em> paragraph." in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]


def test_scheduled_preview_names_its_moment(client):
    article = make_article("Soon", publish_in=timedelta(days=2))
    client.force_login(make_staff("Editor"))
    assert "Scheduled for" in client.get(f"/admin/articles/article/{article.pk}/preview/").content.decode()


def test_contributor_previews_only_their_own(client):
    contributor = make_staff("Contributor")
    mine = make_article("Mine", draft=True, author=contributor.author)
    theirs = make_article("Theirs", draft=True)
    client.force_login(contributor)
    assert client.get(f"/admin/articles/article/{mine.pk}/preview/").status_code == 200
    assert client.get(f"/admin/articles/article/{theirs.pk}/preview/").status_code == 404


def test_anonymous_cannot_use_the_staff_preview(client):
    article = make_article("Secret Draft", draft=True)
    response = client.get(f"/admin/articles/article/{article.pk}/preview/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_share_link_works_without_an_account(client):
    article = make_article("Shared Draft", draft=True, body="For your eyes.")
    response = client.get(share_url(article))
    assert response.status_code == 200
    assert "For your eyes." in response.content.decode() and "Preview, not public." in response.content.decode()
    assert response["X-Robots-Tag"].startswith("noindex") and "no-store" in response["Cache-Control"]


def test_tampered_share_link_is_404(client):
    article = make_article("Shared Draft", draft=True)
    other = make_article("Other Draft", draft=True)
    url = share_url(article)
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged = token.replace(str(article.uuid), str(other.uuid))
    assert client.get(f"/preview/{forged}/").status_code == 404
    assert client.get(url[:-3] + "xx/").status_code == 404
    assert client.get("/preview/not-a-token/").status_code == 404


class SignerOfLastWeek(signing.TimestampSigner):
    """Signs as the site did eight days ago."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 8 * 24 * 3600)


def test_expired_share_link_is_410(client, settings):
    settings.PREVIEW_LINK_MAX_AGE = 7 * 24 * 3600
    article = make_article("Shared Draft", draft=True)
    old_token = SignerOfLastWeek(salt="masthead.preview").sign(f"{article.uuid}.{article.share_secret}")
    expired = client.get(f"/preview/{old_token}/")
    assert expired.status_code == 410 and "has expired" in expired.content.decode()
    settings.PREVIEW_LINK_MAX_AGE = 9 * 24 * 3600  # the same link, within a longer validity
    assert client.get(f"/preview/{old_token}/").status_code == 200


def test_share_link_of_a_published_article_redirects_to_the_live_page(client):
    article = make_article("Went Live", draft=True)
    url = share_url(article)
    article.draft = False
    article.save()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()


def test_change_form_offers_preview_and_share_link(client):
    article = make_article("Draft With Links", draft=True)
    client.force_login(make_staff("Editor"))
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert f"/admin/articles/article/{article.pk}/preview/" in html
    token = signing.TimestampSigner(salt="masthead.preview").sign(f"{article.uuid}.{article.share_secret}").split(":")[0]
    assert f"/preview/{token}:" in html


@pytest.mark.parametrize("site_url, base", [("", "http://testserver"), ("https://news.example.org", "https://news.example.org")])
def test_share_link_on_the_change_form_is_a_full_address(client, settings, site_url, base):
    settings.SITE_URL = site_url
    article = make_article("Draft To Share", draft=True)
    client.force_login(make_staff("Editor"))
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    link = re.search(r'aria-label="Share preview link" value="([^"]+)"', html).group(1)
    # The token carries a timestamp, so compare the address up to it.
    assert link.startswith(f"{base}/preview/") and link.endswith("/")
    client.logout()
    assert client.get(link).status_code == 200  # opens the draft for someone without an account
