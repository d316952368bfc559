"""The admin's scheduling, list, bulk actions, quality panel and publication settings."""

import datetime as dt
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
