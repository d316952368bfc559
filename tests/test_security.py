"""Security headers on every response: pages (fresh and cached), feeds, errors, admin, static
and media files. The Content-Security-Policy never allows inline script or style."""

import pytest

from tests.factories import image_bytes, make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(media_root):
    article = make_article("Secured", tags=["Essays"])
    (media_root / "body").mkdir(parents=True)
    (media_root / "body" / "photo.jpg").write_bytes(image_bytes())
    return article


def paths(article):
    return [
        "/",
        "/?page=2",
        article.get_absolute_url(),
        article.author.get_absolute_url(),
        "/tags/essays/",
        "/archive/",
        "/search/?q=secured",
        "/feed/",
        "/feed/atom/",
        "/feed.json",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/articles/no-such-article/",
        "/admin/login/",
        "/admin/",
        "/static/css/site.css",
        "/media/body/photo.jpg",
    ]


def assert_secure(response, path):
    policy = response.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives.get("default-src") == "'self'", path
    assert directives.get("script-src") == "'self'" and directives.get("style-src") == "'self'", path
    assert directives.get("object-src") == "'none'" and directives.get("frame-ancestors") == "'none'", path
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
    assert response.get("Referrer-Policy") == "strict-origin-when-cross-origin", path
    assert response.get("X-Content-Type-Options") == "nosniff", path
    assert response.get("X-Frame-Options") == "DENY", path


def test_every_response_carries_the_security_headers(client, site):
    for path in paths(site):
        for attempt in ("miss", "hit"):  # cached pages keep their headers
            response = client.get(path)
            assert_secure(response, f"{path} ({attempt})")


def test_staff_pages_and_posts_carry_them_too(admin_client, site):
    for path in ["/admin/", "/admin/articles/article/", f"/admin/articles/article/{site.pk}/change/", "/"]:
        assert_secure(admin_client.get(path), path)
    response = admin_client.post("/admin/markdownx/markdownify/", {"content": "*hi*"})
    assert response.status_code == 200
    assert_secure(response, "markdownify")


def test_not_modified_answers_keep_them(client, site):
    etag = client.get("/").get("ETag")
    response = client.get("/", headers={"if_none_match": etag})
    assert response.status_code == 304
    assert_secure(response, "/ (304)")


def test_external_hero_images_the_importer_accepts_are_allowed_by_the_policy(client):
    article = make_article("Plain HTTP Hero", hero_image_url="http://images.example.org/hero.jpg")
    response = client.get(article.get_absolute_url())
    assert b'src="http://images.example.org/hero.jpg"' in response.content
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";") if d.strip())
    assert {"https:", "http:"} <= set(policy["img-src"].split())
