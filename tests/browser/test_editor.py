"""An editor's day in a real Chromium: write, preview, upload, schedule; the article goes live on time."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import image_bytes, make_article
from tests.staff import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def drop_file(page, selector, name, data: bytes, mime):
    """Drop a file on an element the way a browser does: a DataTransfer in a drop event."""
    page.evaluate(
        """([selector, name, bytes, mime]) => {
            const target = document.querySelector(selector);
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, {type: mime}));
            target.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        [selector, name, list(data), mime],
    )


def test_editor_writes_previews_uploads_and_schedules(page, live_server, tmp_path, browser_reader):
    make_staff("Editor", "editor")
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/add/")

    page.fill("#id_title", "Scheduled From The Browser")
    page.fill("#id_description", "An article written, previewed and scheduled in a real browser by an editor.")
    page.locator("#id_body").press_sequentially("Opening words with **strong emphasis**.\n\n")
    # The markdownx live preview renders through Masthead's own Markdown renderer.
    page.locator(".markdownx-preview strong", has_text="strong emphasis").wait_for()

    # An SVG dropped into the editor is refused with a message; the text stays as it was.
    before = page.input_value("#id_body")
    drop_file(page, "#id_body", "logo.svg", SVG, "image/svg+xml")
    page.locator(".upload-message", has_text="SVG images are not accepted").wait_for()
    page.wait_for_function("() => document.querySelector('#id_body').style.opacity === '1'")
    assert page.input_value("#id_body") == before

    # A real image dropped into the editor is inserted as Markdown, with the alt text asked for.
    drop_file(page, "#id_body", "photo.png", image_bytes("PNG", size=(30, 20)), "image/png")
    page.wait_for_function("() => document.querySelector('#id_body').value.includes('](/media/body/')")
    page.fill("#alt-text-input", "A small orange square")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#id_body').value.includes('![A small orange square](/media/body/')")

    hero = tmp_path / "hero.jpg"
    hero.write_bytes(image_bytes("JPEG", size=(120, 80)))
    page.set_input_files("#id_hero_image", str(hero))
    page.fill("#id_hero_image_alt", "An orange rectangle")

    moment = timezone.localtime() + timedelta(seconds=8)
    page.fill("#id_publish_date_0", moment.strftime("%Y-%m-%d"))
    page.fill("#id_publish_date_1", moment.strftime("%H:%M:%S"))
    page.click("input[name=_schedule] >> nth=0")
    page.wait_for_url("**/change/")
    assert "Scheduled for" in page.text_content(".status-line")
    page.goto(f"{live_server.url}/admin/articles/article/")
    assert "scheduled for" in page.text_content("#result_list")

    article = Article.objects.get(title="Scheduled From The Browser")
    assert article.hero_image.name.startswith("heroes/") and article.hero_image_alt == "An orange rectangle"
    assert article.status == Article.SCHEDULED

    reader = browser_reader
    url = f"{live_server.url}{article.get_absolute_url()}"
    assert reader.get(url).status == 404
    assert "Scheduled From The Browser" not in reader.get(f"{live_server.url}/").text()
    assert "Scheduled From The Browser" not in reader.get(f"{live_server.url}/feed/").text()

    wait = (article.publish_date - timezone.now()).total_seconds() + 0.5
    time.sleep(max(wait, 0))  # the scheduled moment passes; nothing else runs

    page_response = reader.get(url)
    assert page_response.status == 200 and "strong emphasis" in page_response.text()
    assert "Scheduled From The Browser" in reader.get(f"{live_server.url}/").text()
    assert "Scheduled From The Browser" in reader.get(f"{live_server.url}/feed/").text()


def test_contributor_cannot_publish_or_schedule(page, live_server):
    contributor = make_staff("Contributor", "casey")
    log_in(page, live_server, "casey")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    assert page.locator("#id_publish_date_0").count() == 0
    assert page.locator("input[name=_publish], input[name=_schedule], input[name=_unpublish]").count() == 0
    page.fill("#id_title", "A Contributor's Draft")
    page.locator("#id_body").fill("Draft text.")
    page.click("input[name=_continue] >> nth=0")
    page.wait_for_url("**/change/")
    article = Article.objects.get(title="A Contributor's Draft")
    assert article.author.user == contributor and article.draft

    # No publishing actions in the list.
    page.goto(f"{live_server.url}/admin/articles/article/")
    options = page.locator("select[name=action] option").all_text_contents()
    assert not any(label in " ".join(options) for label in ["Publish now", "Schedule", "Revert to draft"])

    # Forged requests from the contributor's own session: the form with publishing fields
    # added, and the publish action posted directly.
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    future = timezone.localtime() + timedelta(days=1)
    status = page.evaluate(
        """async ([day, time]) => {
            const form = document.querySelector("#article_form");
            const data = new FormData(form);
            data.set("draft", ""); data.set("publish_date_0", day); data.set("publish_date_1", time);
            data.set("_save", "Save");
            const saved = await fetch(form.action || location.href, {method: "POST", body: data});
            const action = new FormData();
            action.set("csrfmiddlewaretoken", data.get("csrfmiddlewaretoken"));
            action.set("action", "publish_now");
            action.set("_selected_action", document.location.pathname.split("/").at(-3));
            const published = await fetch("/admin/articles/article/", {method: "POST", body: action});
            return [saved.status, published.status];
        }""",
        [future.strftime("%Y-%m-%d"), "09:00:00"],
    )
    assert status[0] in (200, 302) and status[1] in (200, 302, 403)
    article.refresh_from_db()
    assert article.draft is True and article.publish_date < timezone.now()
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_editor_previews_a_draft_and_shares_it(page, live_server, browser_reader):
    make_staff("Editor", "editor")
    article = make_article("Preview Me", draft=True, body="Only for the team.")
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    share = page.input_value(".share-preview input")
    with page.expect_popup() as popup:
        page.click("text=Open preview")
    preview = popup.value
    preview.wait_for_load_state()
    assert "Preview, not public." in preview.text_content(".preview-banner")
    assert "Only for the team." in preview.content()
    shared = browser_reader.get(share if share.startswith("http") else f"{live_server.url}{share}")
    assert shared.status == 200 and "Only for the team." in shared.text()


@pytest.fixture
def browser_reader(browser):
    """An anonymous reader: a fresh browser context with no cookies."""
    context = browser.new_context()
    yield context.request
    context.close()
