"""The Content-Security-Policy (no 'unsafe-inline') breaks nothing: reader pages, the admin and
the markdownx editor run in a real Chromium with no violation reported."""

import pytest

from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def watch(page):
    """Console errors and page errors, the CSP reports among them."""
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"{m.text} {m.location.get('url')}"))
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_reader_pages_admin_and_editor_work_under_the_policy(page, live_server, django_user_model):
    article = make_article("Under Policy", tags=["Essays"], body="Text with *emphasis*.")
    django_user_model.objects.create_superuser("chief", "chief@example.org", PASSWORD)
    problems = watch(page)

    for path in ["/", article.get_absolute_url(), article.author.get_absolute_url()]:
        response = page.goto(live_server.url + path)
        assert "unsafe-inline" not in response.headers["content-security-policy"]

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    for path in [
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/author/add/",
        "/admin/articles/tag/",
        "/admin/auth/user/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "unsafe-inline" not in response.headers["content-security-policy"]

    # The markdownx editor: its script runs (live preview) and the date widgets appear.
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator("#id_body").press_sequentially("Live **preview** text")
    page.locator(".markdownx-preview strong", has_text="preview").wait_for()
    assert page.locator(".datetimeshortcuts").count() > 0

    assert [p for p in problems if "Content Security Policy" in p or "Content-Security-Policy" in p] == []
    # Chromium's own /favicon.ico request on admin pages is not the page's doing.
    assert [p for p in problems if "/favicon.ico" not in p] == []
