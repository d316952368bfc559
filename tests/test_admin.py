"""The admin's scheduling, list, bulk actions, quality panel and publication settings."""

import datetime as dt
import re
from io import StringIO
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, PublicationSettings
from tests.factories import make_article
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("Editor"))
    return client


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"
    timezone.activate("Europe/Paris")
    yield
    timezone.deactivate()


def change(client, article, **changes):
    return client.post(f"/admin/articles/article/{article.pk}/change/", article_form_data(article, **changes))


def test_publish_date_is_entered_in_the_site_time_zone(editor_client, paris):
    article = make_article("Timed", draft=True)
    response = change(editor_client, article, publish_date_0="2031-03-03", publish_date_1="09:00", _schedule="Schedule")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.publish_date == dt.datetime(2031, 3, 3, 8, 0, tzinfo=dt.UTC)  # 09:00 in Paris, winter time
    assert "scheduled for 3 March 2031, 09:00" in editor_client.get(CHANGELIST).content.decode()
    form = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Scheduled for Mon 3 Mar 2031, 09:00 Europe/Paris (in " in form


@pytest.mark.parametrize("day,time,message", [
    ("2031-03-30", "02:30", "does not exist in Europe/Paris"),  # clocks go forward 02:00 -> 03:00
    ("2031-10-26", "02:30", "happens twice in Europe/Paris"),  # clocks go back 03:00 -> 02:00
])
def test_daylight_saving_gaps_and_overlaps_are_refused(editor_client, paris, day, time, message):
    article = make_article("Timed", draft=True, body="Text I must not lose.")
    before = article.publish_date
    response = change(editor_client, article, draft="", publish_date_0=day, publish_date_1=time, body="New words.")
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "New words." in html
    article.refresh_from_db()
    assert article.publish_date == before and article.draft


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_edge_of_the_calendar_are_refused(editor_client, day, settings):
    settings.TIME_ZONE = "America/New_York"
    article = make_article("Timed", draft=True)
    with timezone.override("America/New_York"):
        response = change(editor_client, article, publish_date_0=day, publish_date_1="23:00", body="Kept words.")
    html = response.content.decode()
    assert response.status_code == 200 and "between the years 1000 and 9998" in html and "Kept words." in html
    article.refresh_from_db()
    assert article.publish_date.year not in (1, 9999)


def test_list_shows_state_and_filters_scheduled(editor_client):
    make_article("Live One")
    make_article("Hidden One", draft=True)
    make_article("Later One", publish_in=timedelta(days=5))
    html = editor_client.get(CHANGELIST).content.decode()
    assert "scheduled for" in html and "draft" in html and "published" in html
    scheduled = editor_client.get(CHANGELIST, {"status": "scheduled"}).content.decode()
    assert "Later One" in scheduled and "Live One" not in scheduled and "Hidden One" not in scheduled


def test_upcoming_view_orders_by_publish_date(editor_client):
    make_article("Third", publish_in=timedelta(days=9))
    make_article("First", publish_in=timedelta(hours=2))
    make_article("Second", publish_in=timedelta(days=2))
    make_article("Already Out")
    html = editor_client.get("/admin/articles/article/upcoming/").content.decode()
    assert html.index("First") < html.index("Second") < html.index("Third") and "Already Out" not in html
    assert "/admin/articles/article/upcoming/" in editor_client.get(CHANGELIST).content.decode()


def test_bulk_schedule_asks_for_a_date_then_schedules(editor_client, paris):
    drafts = [make_article(f"Draft {n}", draft=True) for n in range(2)]
    ids = [a.pk for a in drafts]
    page = editor_client.post(CHANGELIST, {"action": "schedule", "_selected_action": ids})
    assert page.status_code == 200 and 'name="publish_date_0"' in page.content.decode()
    past = editor_client.post(CHANGELIST, {"action": "schedule", "_selected_action": ids, "apply": "1",
                                           "publish_date_0": "2001-01-01", "publish_date_1": "09:00"})
    assert "Choose a moment in the future" in past.content.decode()
    done = editor_client.post(CHANGELIST, {"action": "schedule", "_selected_action": ids, "apply": "1",
                                           "publish_date_0": "2031-03-03", "publish_date_1": "09:00"})
    assert done.status_code == 302
    for article in Article.objects.filter(pk__in=ids):
        assert article.status == Article.SCHEDULED
        assert article.publish_date == dt.datetime(2031, 3, 3, 8, 0, tzinfo=dt.UTC)


def test_bulk_publish_and_revert(editor_client):
    article = make_article("Coming", publish_in=timedelta(days=1))
    editor_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.is_public and editor_client.get(article.get_absolute_url()).status_code == 200
    editor_client.post(CHANGELIST, {"action": "revert_to_draft", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.draft
    editor_client.logout()
    assert editor_client.get(article.get_absolute_url()).status_code == 404


def test_quality_panel_flags_what_an_editor_can_fix(editor_client):
    article = make_article(
        "Short", description="Too short.", hero_image_url="https://images.example.org/h.jpg",
        body="Intro.\n\n![](https://images.example.org/a.jpg)\n\n![A chart](https://images.example.org/b.jpg)",
    )
    html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Title: 5 characters" in html
    assert "Description: 10 characters" in html
    assert "Hero image alt text: missing" in html
    assert "Body images without alt text: 1" in html
    assert "Reading time: 1 min" in html
    assert "In search results" in html and f"/articles/{article.slug}/" in html


def test_quality_panel_warns_when_a_published_slug_changed(editor_client):
    article = make_article("A Title Long Enough For Search", slug="first-address")
    assert change(editor_client, article).status_code == 302
    article.refresh_from_db()
    assert change(editor_client, article, slug="second-address").status_code == 302
    html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Slug changed after publishing: /articles/first-address/" in html


def test_publication_settings_are_one_cached_record_used_by_every_page(editor_client):
    assert editor_client.get("/admin/articles/publicationsettings/").status_code == 302
    url = "/admin/articles/publicationsettings/1/change/"
    response = editor_client.post(url, {
        "name": "The Quarterly", "tagline": "Slow news", "cta_text": "Write to us.", "cta_link": "",
        "social_links": "not a link", "logo_alt": "",
    })
    assert "is not an http(s) address" in response.content.decode()
    response = editor_client.post(url, {
        "name": "The Quarterly", "tagline": "Slow news", "cta_text": "Write to us.", "cta_link": "",
        "social_links": "https://mastodon.social/@quarterly", "logo_alt": "",
    })
    assert response.status_code == 302 and PublicationSettings.objects.count() == 1
    article = make_article("Any Article")
    page = editor_client.get(article.get_absolute_url()).content.decode()
    assert "The Quarterly" in page and "Write to us." in page
    assert editor_client.get("/admin/articles/publicationsettings/add/").status_code == 403


def test_publication_logo_goes_through_the_image_validation(editor_client, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import image_bytes

    url = "/admin/articles/publicationsettings/1/change/"
    fields = {"name": "Logo Test", "tagline": "", "cta_text": "", "cta_link": "", "social_links": ""}
    svg = SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    response = editor_client.post(url, {**fields, "logo": svg, "logo_alt": "Logo Test"})
    assert "SVG images are not accepted" in response.content.decode()
    assert not any(p.is_file() for p in media_root.rglob("*"))
    png = SimpleUploadedFile("logo.svg", image_bytes("PNG"))  # the name lies; the bytes decide
    assert editor_client.post(url, {**fields, "logo": png, "logo_alt": "Logo Test"}).status_code == 302
    logo = PublicationSettings.objects.get().logo.name
    assert logo.startswith("brand/") and logo.endswith(".png")


def test_bulk_actions_are_recorded_as_revisions(editor_client):
    from reversion.models import Version

    article = make_article("Bulk", draft=True)
    editor_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [article.pk]})
    [version] = Version.objects.get_for_object(article)
    assert version.revision.comment == "Published (bulk action)"


@pytest.mark.parametrize("minutes,accepted", [("12", True), ("9999", True), ("10000", False), ("99999999999999", False), ("0", False)])
def test_the_reading_time_override_has_the_importers_limits(editor_client, minutes, accepted, tmp_path):
    article = make_article("Timed read", body="Kept words.")
    response = change(editor_client, article, read_time_override=minutes)
    article.refresh_from_db()
    if accepted:
        assert response.status_code == 302 and article.read_time_override == int(minutes)
        # What the admin accepts, the export writes and the import reads back.
        call_command("export_articles", str(tmp_path / "out"), stdout=StringIO())
        Article.objects.all().delete()
        call_command("import_articles", str(tmp_path / "out"), stdout=StringIO())
        assert Article.objects.get(slug=article.slug).read_time_override == int(minutes)
    else:
        assert response.status_code == 200 and article.read_time_override is None
        assert "Ensure this value is" in response.content.decode()


def test_a_slug_pasted_in_decomposed_unicode_is_composed_not_refused(editor_client):
    import unicodedata

    article = make_article("Café", slug="cafe-old")
    response = change(editor_client, article, slug=unicodedata.normalize("NFD", "café-crème"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.slug == "café-crème" and unicodedata.is_normalized("NFC", article.slug)


# ---- the editor's desk: explicit publishing, review, redirects, autosave, aids ----------------

from django.test import Client  # noqa: E402

ADD = "/admin/articles/article/add/"


def new_article_data(**fields):
    data = {"title": "Fresh Piece", "slug": "fresh-piece", "body": "Words.", "description": "", "subtitle": "",
            "hero_image_alt": "", "hero_image_url": "", "cta": "", "read_time_override": "", "loaded_version": "",
            "publish_date_0": "", "publish_date_1": ""}
    data.update(fields)
    return data


def test_publish_now_dates_an_article_never_published_now_in_the_form_and_in_bulk(editor_client):
    september = timezone.now() - timedelta(days=80)
    started = make_article("Begun In September", draft=True, publish_date=september)
    before = timezone.now()
    assert change(editor_client, started, _publish="Publish now").status_code == 302
    started.refresh_from_db()
    assert started.is_public and started.publish_date >= before and started.first_published == started.publish_date

    other = make_article("Also Begun Long Ago", draft=True, publish_date=september)
    editor_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.is_public and other.publish_date >= before


def test_an_article_published_before_keeps_its_first_date(editor_client):
    article = make_article("Old News")  # published yesterday
    first = article.publish_date
    editor_client.post(CHANGELIST, {"action": "revert_to_draft", "_selected_action": [article.pk]})
    editor_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.is_public and article.publish_date == first
    assert change(editor_client, article, _unpublish="Unpublish").status_code == 302
    article.refresh_from_db()
    assert article.draft
    assert change(editor_client, article, _publish="Publish now").status_code == 302
    article.refresh_from_db()
    assert article.is_public and article.publish_date == first.replace(microsecond=0)  # as the form sends it


def test_a_new_article_published_from_the_add_form_is_dated_now(editor_client):
    before = timezone.now()
    assert editor_client.post(ADD, new_article_data(author=make_article("x").author_id, _publish="1")).status_code == 302
    article = Article.objects.get(slug="fresh-piece")
    assert article.is_public and article.publish_date >= before


@pytest.mark.parametrize("submit", ["_save", "_continue"])
def test_the_standard_submits_save_content_and_keep_the_state(editor_client, submit):
    for article in [make_article("Live", slug="live"), make_article("Hidden", slug="hidden", draft=True),
                    make_article("Coming", slug="coming", publish_in=timedelta(days=2))]:
        state = article.status
        # A forged draft flag is no field any more: only the buttons change the state.
        response = change(editor_client, article, body="New words.", draft="" if article.draft else "on", **{submit: "1"})
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.body == "New words." and article.status == state


def test_a_plain_save_does_not_move_an_article_across_now_by_its_date(editor_client):
    live = make_article("Live Piece")
    later = timezone.localtime() + timedelta(days=3)
    response = change(editor_client, live, publish_date_0=later.strftime("%Y-%m-%d"), publish_date_1="09:00", body="Kept.")
    html = response.content.decode()
    assert response.status_code == 200 and "Press “Schedule”" in html and "Kept." in html
    coming = make_article("Coming Piece", publish_in=timedelta(days=2))
    response = change(editor_client, coming, publish_date_0="2020-01-01", publish_date_1="09:00")
    assert response.status_code == 200 and "Press “Publish now”" in response.content.decode()
    assert change(editor_client, coming, _publish="1").status_code == 302
    coming.refresh_from_db()
    assert coming.is_public


def test_schedule_needs_a_future_date(editor_client):
    article = make_article("To Schedule", draft=True)
    response = change(editor_client, article, publish_date_0="", publish_date_1="", _schedule="Schedule")
    assert response.status_code == 200 and "To schedule, set a date and time in the future" in response.content.decode()
    article.refresh_from_db()
    assert article.draft


def test_the_form_shows_the_buttons_that_fit(editor_client):
    def buttons(article):
        html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
        return {name for name in ("_publish", "_schedule", "_unpublish", "_review") if f'name="{name}"' in html}

    assert buttons(make_article("D", slug="d", draft=True)) == {"_publish", "_schedule"}
    assert buttons(make_article("S", slug="s", publish_in=timedelta(days=1))) == {"_publish", "_schedule", "_unpublish"}
    assert buttons(make_article("P", slug="p")) == {"_unpublish"}
    html = editor_client.get(f"/admin/articles/article/{make_article('Q', slug='q').pk}/change/").content.decode()
    assert re.search(r"Status:</span> <strong>Published \d+ \w{3} \d{4}, \d\d:\d\d</strong>", html)
    assert 'name="draft"' not in html


def test_a_missing_hero_alt_text_warns_and_never_blocks(editor_client):
    article = make_article("Imported Without Alt", hero_image_url="https://images.example.org/h.jpg")
    response = change(editor_client, article, subtitle="Corrected", _continue="1")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.subtitle == "Corrected"
    page = editor_client.get(response["Location"]).content.decode()
    assert "The hero image has no alt text" in page and "Hero image alt text: missing" in page


def test_a_refused_save_keeps_the_newly_chosen_hero_image(editor_client, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import image_bytes

    article = make_article("Two Editors", body="Original.")
    stale = article_form_data(article)
    Article.objects.filter(pk=article.pk).update(version=2)  # someone saved meanwhile
    photo = SimpleUploadedFile("photo.jpg", image_bytes("JPEG", size=(90, 60)))
    response = editor_client.post(f"/admin/articles/article/{article.pk}/change/",
                                  {**stale, "hero_image": photo, "hero_image_alt": "A photo", "body": "Mine."})
    html = response.content.decode()
    assert response.status_code == 200 and "was not saved" in html and "Your new hero image is kept" in html
    held = re.search(r'name="held_hero_image" value="([^"]+)"', html).group(1)
    response = editor_client.post(f"/admin/articles/article/{article.pk}/change/",
                                  {**stale, "loaded_version": 2, "held_hero_image": held, "hero_image_alt": "A photo",
                                   "body": "Mine."})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "Mine." and article.hero_image.name.startswith("heroes/") and article.hero_width == 90
    # A forged held name points nowhere.
    forged = editor_client.post(f"/admin/articles/article/{article.pk}/change/",
                                {**article_form_data(article), "held_hero_image": "heroes/../../etc/passwd"})
    assert forged.status_code == 302
    article.refresh_from_db()
    assert article.hero_width == 90


def test_view_on_site_of_a_draft_leads_to_the_preview(editor_client):
    draft = make_article("Not Yet", draft=True)
    html = editor_client.get(f"/admin/articles/article/{draft.pk}/change/").content.decode()
    assert f"/admin/articles/article/{draft.pk}/preview/" in html
    assert f'href="{draft.get_absolute_url()}"' not in html
    live = make_article("Out Now")
    html = editor_client.get(f"/admin/articles/article/{live.pk}/change/").content.decode()
    assert f'href="{live.get_absolute_url()}" class="viewsitelink"' in html


def test_slug_help_text_and_admin_branding(editor_client):
    html = editor_client.get(ADD).content.decode()
    assert "/articles//" not in html and "/articles/your-slug/" in html
    assert "Django administration" not in html and "Django site admin" not in html
    assert 'rel="icon"' in html and "img/favicon.svg" in html
    PublicationSettings.objects.update_or_create(pk=1, defaults={"name": "The Quarterly"})
    from django.core.cache import cache

    cache.clear()
    index = editor_client.get("/admin/").content.decode()
    assert "The Quarterly" in index


def test_the_recover_button_is_only_for_those_who_may_recover(editor_client):
    client = Client()
    assert "Recover deleted articles" in editor_client.get(CHANGELIST).content.decode()
    contributor = make_staff("Contributor", "cora")
    client.force_login(contributor)
    html = client.get(CHANGELIST).content.decode()
    assert client.get(CHANGELIST).status_code == 200 and "recover" not in html.lower()


def test_review_submission_pending_filter_and_count(editor_client):
    client = Client()
    contributor = make_staff("Contributor", "cora")
    client.force_login(contributor)
    assert client.post(ADD, new_article_data(_review="Submit for review")).status_code == 302
    article = Article.objects.get(slug="fresh-piece")
    assert article.draft and article.review_requested and article.author.user == contributor
    assert "Pending review" in editor_client.get(CHANGELIST).content.decode()
    pending = editor_client.get(CHANGELIST, {"status": "pending"}).content.decode()
    assert "Fresh Piece" in pending and "draft, pending review" in pending
    assert "1 article pending review" in editor_client.get("/admin/").content.decode()
    assert "pending review" not in client.get("/admin/").content.decode()  # contributors get no count
    assert change(editor_client, article, _publish="1").status_code == 302
    article.refresh_from_db()
    assert article.is_public and article.review_requested is None
    assert "No article is pending review" in editor_client.get("/admin/").content.decode()


def test_the_call_to_action_takes_inline_markdown_on_the_page_and_in_feeds(client):
    article = make_article("With A Link", cta="Write to [the desk](https://example.org/desk) — *any* time.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<a href="https://example.org/desk">the desk</a>' in page and "<em>any</em>" in page and "[the desk]" not in page
    feed = client.get("/feed/").content.decode()
    assert "the desk&lt;/a&gt;" in feed or "the desk</a>" in feed
    assert "[the desk]" not in feed
    hostile = make_article("Hostile", slug="hostile", cta="[x](javascript:alert(1)) <script>alert(2)</script>")
    page = client.get(hostile.get_absolute_url()).content.decode()
    assert "javascript:alert" not in page and "<script>alert(2)" not in page


def test_the_call_to_action_is_inline_only_and_repeats_no_id_of_the_body(client):
    shared = "## Subscribe\n\nThe body's own words.[^1]\n\n[^1]: The body's note."
    cta = ("## Subscribe\n\nJoin [the list](https://example.org/list) *today*.[^1]\n\n[^1]: A note.\n\n"
           "- first\n- second\n\n![](/media/no-alt.jpg) ![A bell](/media/bell.jpg)")
    article = make_article("Sharing Ids", body=shared, cta=cta)
    page = client.get(article.get_absolute_url()).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert "user-content-subscribe" in ids and "user-content-fn-1" in ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    aside = page.split('<div class="cta-text" dir="auto">')[1].split("</div>")[0]
    assert 'id="' not in aside and "<h2" not in aside and "<li" not in aside and "<img" not in aside
    assert '<a href="https://example.org/list">the list</a> <em>today</em>' in aside
    for words in ("<p>Subscribe</p>", "<p>first</p>", "<p>second</p>", "A note.", "A bell"):
        assert words in aside
    feed = client.get("/feed/").content.decode()
    assert feed.count("user-content-subscribe") == 1 and "no-alt.jpg" not in feed


def test_slug_changes_of_published_articles_leave_a_redirect_and_drafts_none(editor_client):
    client = Client()
    live = make_article("Live Address", slug="first")
    assert change(editor_client, live, slug="second").status_code == 302
    live.refresh_from_db()
    assert change(editor_client, live, slug="third").status_code == 302
    for old in ("first", "second"):
        response = client.get(f"/articles/{old}/")
        assert response.status_code == 301 and response["Location"] == "/articles/third/"
    live.refresh_from_db()
    assert change(editor_client, live, slug="first").status_code == 302  # back home: no loop
    assert client.get("/articles/first/").status_code == 200
    assert client.get("/articles/third/")["Location"] == "/articles/first/"

    from articles.models import Redirect

    draft = make_article("Never Out", slug="never-out", draft=True)
    assert change(editor_client, draft, slug="never-out-2").status_code == 302
    assert not Redirect.objects.filter(article=draft).exists()
    listing = editor_client.get("/admin/articles/redirect/").content.decode()
    assert "/articles/second/" in listing and "/articles/third/" in listing


def test_editors_manage_redirects_contributors_do_not(editor_client):
    client = Client()
    article = make_article("Target")
    response = editor_client.post("/admin/articles/redirect/add/", {"old_path": "/?p=12", "article": article.pk})
    assert response.status_code == 302
    assert client.get("/?p=12").status_code in (200, 301)  # "/" is a live page: a redirect never shadows it
    client.force_login(make_staff("Contributor", "cora"))
    assert client.get("/admin/articles/redirect/").status_code == 403


def test_autosave_is_a_private_copy_offered_back_to_its_editor_only(editor_client):
    client = Client()
    article = make_article("Autosaved", body="Public words.")
    url = f"/admin/articles/article/{article.pk}/autosave/"
    response = editor_client.post(url, {"body": "Unsaved words.", "title": "Autosaved", "loaded_version": "1"})
    assert response.status_code == 200 and "saved" in response.json()
    article.refresh_from_db()
    assert article.body == "Public words."  # nothing public changed
    assert "Unsaved words." not in client.get(article.get_absolute_url()).content.decode()
    form = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "You have unsaved work on this article" in form and "Unsaved words." in form

    other = make_staff("Editor", "otto")
    client.force_login(other)
    assert "You have unsaved work" not in client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    contributor = make_staff("Contributor", "cora")
    client.force_login(contributor)
    assert client.post(url, {"body": "Hijack."}).status_code in (403, 404)

    # Saving the article ends the copy; so does discarding it.
    assert change(editor_client, article, body="Unsaved words.").status_code == 302
    assert "You have unsaved work" not in editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    editor_client.post("/admin/articles/article/autosave/", {"body": "A new one."})
    assert "A new one." in editor_client.get(ADD).content.decode()
    editor_client.post("/admin/articles/article/autosave/", {"discard": "1"})
    assert "You have unsaved work" not in editor_client.get(ADD).content.decode()
