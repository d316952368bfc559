"""The editor's desk in a real Chromium: publishing buttons and the status line, restore,
redirects, autosave and the leaving guard, the toolbar's undo, live previews, review, alt text."""

import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from tests.factories import ARTICLE_TEXT, make_article
from tests.staff import make_staff

from .test_editor import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def settled(browser):
    """The change form autosaves in the background: let its last request (sent as a tab closes)
    finish before the test database is emptied."""
    yield
    for context in browser.contexts:
        context.close()
    time.sleep(1)


def status(page) -> str:
    return " ".join(page.text_content(".status-line >> nth=0").split())


def press(page, name):
    page.click(f"input[name={name}] >> nth=0")
    page.wait_for_load_state()


@pytest.fixture
def editor_page(page, live_server):
    make_staff("Editor", "editor")
    log_in(page, live_server, "editor")
    return page


@pytest.fixture
def reader(browser):
    context = browser.new_context()
    yield context.request
    context.close()


def test_publish_now_schedule_and_unpublish_with_the_status_line(editor_page, live_server, reader):
    page = editor_page
    started = timezone.now()
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    assert page.input_value("#id_publish_date_0") == ""  # a new draft carries no date to keep
    page.fill("#id_title", "Written Then Published")
    page.locator("#id_body").fill("Words for readers.")
    press(page, "_continue")
    page.wait_for_url("**/change/")
    assert status(page) == "Status: Draft"
    article = Article.objects.get(title="Written Then Published")
    url = f"{live_server.url}{article.get_absolute_url()}"
    assert reader.get(url).status == 404

    Article.objects.filter(pk=article.pk).update(publish_date=started - timedelta(days=90))  # opened long ago
    page.reload()
    press(page, "_publish")
    assert re.fullmatch(r"Status: Published \d+ \w{3} \d{4}, \d\d:\d\d", status(page)), status(page)
    article.refresh_from_db()
    assert article.publish_date >= started and article.is_public  # dated when it went out, not when begun
    assert reader.get(url).status == 200
    page.wait_for_selector("input[name=_unpublish]")
    assert page.locator("input[name=_publish]").count() == 0  # "Update" and "Unpublish" fit a live article

    press(page, "_unpublish")
    assert status(page).startswith("Status: Draft, unpublished (first published")
    assert reader.get(url).status == 404

    later = timezone.localtime() + timedelta(hours=3, minutes=5)
    page.fill("#id_publish_date_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_publish_date_1", later.strftime("%H:%M"))
    press(page, "_schedule")
    zone = timezone.get_current_timezone_name()
    expected = f"Status: Scheduled for {later:%a} {later.day} {later:%b %Y, %H:%M} {zone} (in 3 hours)"
    assert status(page) == expected
    assert Article.objects.get(pk=article.pk).status == Article.SCHEDULED

    # Publish now on an article published before keeps its first date.
    first = Article.objects.get(pk=article.pk).first_published
    press(page, "_publish")
    article.refresh_from_db()
    assert article.is_public and article.publish_date == first


def test_a_plain_save_keeps_the_state_and_a_draft_with_a_date_is_said_not_scheduled(editor_page, live_server):
    page = editor_page
    article = make_article("A Quiet Draft", draft=True)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    later = timezone.localtime() + timedelta(days=2)
    page.fill("#id_publish_date_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_publish_date_1", "09:30")
    press(page, "_continue")
    assert "Saved as a draft, not scheduled: press “Schedule”" in page.text_content(".messagelist")
    assert status(page) == "Status: Draft"
    assert Article.objects.get(pk=article.pk).draft


def test_restoring_an_old_revision_keeps_the_article_public(editor_page, live_server, reader):
    page = editor_page
    article = make_article("Restore Me", draft=True, body="The first text.")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    press(page, "_continue")  # a revision saved while it was a draft
    press(page, "_publish")
    page.locator("#id_body").fill("A worse text.")
    press(page, "_continue")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/history/")
    page.click("#change-history tbody tr:last-child th a")
    assert "stays Published" in " ".join(page.text_content("#content-main").split())
    page.click("input[value='Restore this version']")
    page.wait_for_url("**/change/")
    assert status(page).startswith("Status: Published")
    article.refresh_from_db()
    assert article.body == "The first text." and article.is_public
    assert reader.get(f"{live_server.url}{article.get_absolute_url()}").status == 200


def test_changing_a_published_slug_leaves_the_old_address_answering_301(editor_page, live_server, reader):
    page = editor_page
    article = make_article("Moving House", slug="old-house")
    uuid = article.uuid
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.fill("#id_slug", "new-house")
    press(page, "_continue")
    old = reader.get(f"{live_server.url}/articles/old-house/", max_redirects=0)
    assert old.status == 301 and old.headers["location"] == "/articles/new-house/"
    assert reader.get(f"{live_server.url}/articles/new-house/").status == 200
    assert Article.objects.get(pk=article.pk).uuid == uuid  # the feeds' id
    page.goto(f"{live_server.url}/admin/articles/redirect/")
    assert "/articles/old-house/" in page.text_content("#result_list")


def test_autosave_survives_a_closed_tab_and_leaving_asks_first(browser, live_server):
    make_staff("Editor", "editor")
    article = make_article("Unsaved Work", body="Saved words.")
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "editor")
    change = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    page.goto(change)
    page.click("#id_body")
    page.keyboard.press("End")
    page.keyboard.type(" Words typed before the crash.")
    page.wait_for_selector(".autosave-status:has-text('Private copy kept')", timeout=15000)
    page.close()  # the tab is gone; nothing was saved
    assert Article.objects.get(pk=article.pk).body == "Saved words."
    assert article.get_absolute_url()  # nothing public changed

    page = context.new_page()
    page.goto(change)
    page.wait_for_selector(".autosave-offer")
    page.click(".autosave-restore")
    assert page.input_value("#id_body") == "Saved words. Words typed before the crash."

    # Leaving with unsaved changes asks first.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    context.close()


def test_the_toolbar_and_shortcuts_keep_undo_working_and_tab_moves_on(editor_page, live_server):
    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    body = page.locator("#id_body")
    body.click()
    page.keyboard.type("hello world")
    body.evaluate("e => e.setSelectionRange(6, 11)")
    page.click(".markdown-toolbar .toolbar-bold")
    assert body.input_value() == "hello **world**"
    page.keyboard.press("Control+i")
    assert body.input_value() == "hello **_world_**"
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("a point")
    page.keyboard.press("Control+Shift+8")
    assert body.input_value() == "hello **_world_**\n- a point"
    seen = []
    for _ in range(30):  # the browser groups typing into undo steps as it likes
        page.keyboard.press("Control+z")
        seen.append(body.input_value())
        if not seen[-1]:
            break
    # Every insertion is undone in turn, and the typing before them too.
    assert "hello **_world_**\na point" in seen and "hello **world**" in seen and "hello world" in seen
    assert seen[-1] == ""
    page.keyboard.press("Control+Shift+z")
    page.keyboard.press("Tab")
    assert "\t" not in body.input_value()
    assert page.evaluate("document.activeElement.id") != "id_body"  # the focus moved on
    body.fill("four words right here")
    assert "4 words · 1 min read" in page.text_content(".body-stats")


def test_the_search_and_social_previews_follow_the_typing(editor_page, live_server):
    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator("#id_title").press_sequentially("A Title Typed Live")
    assert page.text_content(".social-card-title") == "A Title Typed Live"
    assert page.text_content(".snippet-title") == "A Title Typed Live"
    assert page.text_content(".social-card-generated-title") == "A Title Typed Live"
    assert "18 / 70 characters" in page.text_content("#id_title_counter")
    page.locator("#id_description").press_sequentially("What the piece says.")
    assert page.text_content(".social-card-description") == "What the piece says."
    assert "/articles/a-title-typed-live/" in page.text_content(".snippet-url")
    page.fill("#id_hero_image_url", "https://images.example.org/hero.jpg")
    assert page.get_attribute(".social-card-hero", "src") == "https://images.example.org/hero.jpg"
    assert page.locator(".social-card-generated").is_hidden()


def test_a_contributor_submits_for_review_and_editors_see_it_pending(page, browser, live_server):
    make_staff("Contributor", "casey")
    make_staff("Editor", "editor")
    log_in(page, live_server, "casey")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_title", "Please Look At This")
    page.locator("#id_body").fill("A draft for an editor.")
    press(page, "_review")
    assert "Submitted “Please Look At This” for review" in page.text_content(".messagelist")
    assert "submitted for review" in status(page)
    assert page.locator("input[name=_review]").count() == 0
    article = Article.objects.get(title="Please Look At This")
    assert article.draft and article.review_requested

    context = browser.new_context()
    editor = context.new_page()
    log_in(editor, live_server, "editor")
    assert "1 article pending review" in editor.text_content(".pending-review")
    editor.click(".pending-review a")
    assert "Please Look At This" in editor.text_content("#result_list")
    assert "pending review" in editor.text_content("#result_list")
    context.close()


def test_an_imported_article_without_alt_text_saves_with_a_warning(editor_page, live_server, tmp_path):
    source = tmp_path / "piece.md"
    source.write_text(ARTICLE_TEXT)
    call_command("import_articles", str(source), stdout=StringIO())
    article = Article.objects.get(title="A Test Article: With a Colon")
    assert article.hero_image_url and not article.hero_image_alt
    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.fill("#id_subtitle", "A subtitle, corrected")
    press(page, "_continue")
    assert "The hero image has no alt text" in page.text_content(".messagelist")
    assert "Hero image alt text: missing" in page.text_content(".quality-checks")
    assert Article.objects.get(pk=article.pk).subtitle == "A subtitle, corrected"


def test_ctrl_s_saves_the_content_and_keeps_the_state(editor_page, live_server):
    page = editor_page
    article = make_article("Saved By Keyboard", draft=True)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.click("#id_subtitle")
    page.keyboard.type("Typed, then Ctrl+S")
    with page.expect_navigation():
        page.keyboard.press("Control+s")
    page.wait_for_url("**/change/")
    assert "was changed successfully" in page.text_content(".messagelist")
    article.refresh_from_db()
    assert article.subtitle == "Typed, then Ctrl+S" and article.draft


def test_the_image_button_uploads_and_asks_for_alt_text(editor_page, live_server, tmp_path, media_root):
    from tests.factories import image_bytes

    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes("PNG", size=(40, 30)))
    with page.expect_file_chooser() as chooser:
        page.click(".markdown-toolbar .toolbar-image")
    chooser.value.set_files(str(photo))
    page.fill("#alt-text-input", "A tiny orange photo")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#id_body').value.includes('![A tiny orange photo](/media/body/')")
