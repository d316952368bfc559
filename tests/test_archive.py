"""/archive/: the months with published articles and their counts, after every kind of write.

Every test reads them through the page readers get.
"""

import datetime as dt
from collections import Counter
from io import StringIO
import re
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/articles/article/"
ENTRY = re.compile(r'<a href="/archive/(\d{4})/(\d{2})/">[^<]+</a> <span class="count">(\d+) articles?</span>')


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """The view itself; the tests that need the page cache turn it back on."""
    settings.READER_CACHE_SECONDS = 0


@pytest.fixture
def editor(client):
    client.force_login(make_staff("Editor"))
    return client


def at(year, month, day=15, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def archive(client, url="/archive/") -> dict[str, int]:
    """The months listed on an archive page, "YYYY-MM" -> count, in page order."""
    response = client.get(url)
    assert response.status_code == 200, url
    return {f"{year}-{month}": int(count) for year, month, count in ENTRY.findall(response.content.decode())}


def this_month() -> str:
    return f"{timezone.localtime():%Y-%m}"


def month_of(article) -> str:
    return f"{timezone.localtime(article.publish_date):%Y-%m}"


def test_counts_follow_create_edit_move_draft_publish_and_delete(client, editor):
    """Every change an editor makes in the admin, read back as a reader sees it."""
    first = make_article("First", publish_date=at(2024, 3, 1))
    make_article("Second", publish_date=at(2024, 3, 20))
    make_article("Hidden", publish_date=at(2024, 3, 21), draft=True)
    make_article("Other", publish_date=at(2023, 7))
    assert archive(client) == {"2024-03": 2, "2023-07": 1}

    def save(**changes):
        first.refresh_from_db()
        response = editor.post(f"{CHANGELIST}{first.pk}/change/", article_form_data(first, **changes))
        assert response.status_code == 302, response.content.decode()[:2000]

    save(title="First, retitled")  # same month, same state
    assert archive(client) == {"2024-03": 2, "2023-07": 1}
    save(publish_date_0="2023-07-02")  # moves to another month
    assert archive(client) == {"2024-03": 1, "2023-07": 2}
    save(_unpublish="Unpublish")
    assert archive(client) == {"2024-03": 1, "2023-07": 1}
    save(_publish="Publish now", publish_date_0="2022-01-05")  # published again, in a new month
    assert archive(client) == {"2024-03": 1, "2023-07": 1, "2022-01": 1}
    response = editor.post(f"{CHANGELIST}{first.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert archive(client) == {"2024-03": 1, "2023-07": 1}
    Article.objects.filter(title="Second").delete()  # a queryset delete
    assert archive(client) == {"2023-07": 1}


def test_bulk_actions_move_articles_in_and_out_of_the_archive(client, editor):
    old = [make_article(f"Old {n}", publish_date=at(2024, 2, n + 1)) for n in range(3)]
    drafts = [make_article(f"Draft {n}", publish_date=at(2024, 1, n + 1), draft=True) for n in range(2)]
    assert archive(client) == {"2024-02": 3}

    editor.post(CHANGELIST, {"action": "revert_to_draft", "_selected_action": [old[0].pk, old[1].pk]})
    assert archive(client) == {"2024-02": 1}
    # Publish now: drafts never published are dated now; one published before keeps its month.
    editor.post(CHANGELIST, {"action": "publish_now", "_selected_action": [a.pk for a in drafts] + [old[0].pk]})
    assert archive(client) == {this_month(): 2, "2024-02": 2}
    # Scheduled for later: out of the archive, and its future month is not listed.
    response = editor.post(CHANGELIST, {"action": "schedule", "_selected_action": [old[2].pk, drafts[0].pk],
                                        "apply": "1", "publish_date_0": "2031-03-03", "publish_date_1": "09:00"})
    assert response.status_code == 302
    assert archive(client) == {this_month(): 1, "2024-02": 1}


def test_queryset_update_and_bulk_create_keep_the_counts(client):
    """The paths that send no signals: update() (and so bulk_update()) and bulk_create()."""
    author = make_article("Seed", publish_date=at(2020, 5)).author
    Article.objects.bulk_create([
        Article(title=f"Bulk {n}", slug=f"bulk-{n}", author=author, draft=n == 0, publish_date=at(2020, 6, n + 1))
        for n in range(4)
    ])
    assert archive(client) == {"2020-06": 3, "2020-05": 1}
    Article.objects.filter(title__startswith="Bulk").update(publish_date=at(2019, 12))
    assert archive(client) == {"2020-05": 1, "2019-12": 3}
    Article.objects.filter(title="Bulk 0").update(draft=False)
    Article.objects.filter(title="Bulk 1").update(draft=True)
    assert archive(client) == {"2020-05": 1, "2019-12": 3}
    moved = list(Article.objects.filter(title__in=["Bulk 2", "Bulk 3"]))
    for article in moved:
        article.publish_date = at(2020, 5, 2)
    Article.objects.bulk_update(moved, ["publish_date"])
    assert archive(client) == {"2020-05": 3, "2019-12": 1}


def import_file(folder, slug, date, draft=False):
    text = f"---\ntitle: '{slug}'\nauthor: 'Importer'\npublish_date: '{date}'\n{'draft: true' if draft else ''}\n---\n\nBody.\n"
    (folder / f"{slug}.md").write_text(text, encoding="utf-8")


def test_the_importer_keeps_the_counts_on_create_and_update(client, tmp_path):
    for n in range(5):
        import_file(tmp_path, f"spring-{n}", f"2021-04-{n + 1:02d}", draft=n == 4)
    import_file(tmp_path, "winter", "2020-12-24")
    call_command("import_articles", str(tmp_path), stdout=StringIO())
    assert archive(client) == {"2021-04": 4, "2020-12": 1}
    # Re-import: two move to another month, one becomes a draft, the draft is published.
    import_file(tmp_path, "spring-0", "2021-05-01")
    import_file(tmp_path, "spring-1", "2021-05-02")
    import_file(tmp_path, "spring-2", "2021-04-03", draft=True)
    import_file(tmp_path, "spring-4", "2021-04-05")
    call_command("import_articles", str(tmp_path), stdout=StringIO())
    assert archive(client) == {"2021-05": 2, "2021-04": 2, "2020-12": 1}


def test_loaddata_raw_saves_keep_the_counts(client, tmp_path):
    kept = make_article("Kept", publish_date=at(2018, 8))
    fixture = tmp_path / "articles.json"
    with open(fixture, "w") as out:
        call_command("dumpdata", "articles.article", "articles.author", stdout=out)
    assert archive(client) == {"2018-08": 1}
    pk = kept.pk
    kept.delete()
    assert archive(client) == {}
    call_command("loaddata", str(fixture), verbosity=0)
    assert archive(client) == {"2018-08": 1}
    # Loaded over an existing row that was elsewhere: the old month loses it.
    Article.objects.filter(pk=pk).update(publish_date=at(2018, 9))
    assert archive(client) == {"2018-09": 1}
    call_command("loaddata", str(fixture), verbosity=0)
    assert archive(client) == {"2018-08": 1}


def test_current_month_counts_only_what_is_public_and_future_months_never_show(client):
    make_article("Just out", publish_date=timezone.now() - dt.timedelta(seconds=5))
    make_article("Next year", publish_in=dt.timedelta(days=400))
    make_article("In a minute", publish_in=dt.timedelta(minutes=1))  # this month, or else the next: not listed
    make_article("Draft now", publish_date=timezone.now() - dt.timedelta(seconds=5), draft=True)
    make_article("Past", publish_date=at(2024, 3))
    listed = archive(client)
    assert listed == {this_month(): 1, "2024-03": 1}
    assert list(listed) == [this_month(), "2024-03"]  # newest first


def test_a_scheduled_article_appears_exactly_after_its_moment_with_the_page_cache_on(client, settings):
    settings.READER_CACHE_SECONDS = 600
    out = make_article("Already out", publish_date=timezone.now() - dt.timedelta(seconds=5))
    scheduled = make_article("Goes out soon", publish_in=dt.timedelta(seconds=2))
    before = archive(client)
    assert before == {month_of(out): 1}
    assert archive(client) == before  # from the cache
    while timezone.now() <= scheduled.publish_date:
        time.sleep(0.2)
    assert archive(client) == dict(Counter(month_of(article) for article in (scheduled, out)))


def test_a_time_zone_change_recounts_the_months(client, settings):
    """23:30 UTC on 31 March is April in Paris: the month the reader sees moves with TIME_ZONE."""
    settings.TIME_ZONE = "UTC"
    make_article("Late", publish_date=dt.datetime(2024, 3, 31, 23, 30, tzinfo=dt.UTC))
    make_article("Mid", publish_date=at(2024, 3, 10))
    assert archive(client) == {"2024-03": 2}
    settings.TIME_ZONE = "Europe/Paris"
    assert archive(client) == {"2024-04": 1, "2024-03": 1}
    assert "Late" in client.get("/archive/2024/04/").content.decode()
    # A write first, then the page: the same months.
    settings.TIME_ZONE = "UTC"
    make_article("Early", publish_date=dt.datetime(2024, 4, 30, 22, 30, tzinfo=dt.UTC))  # May in Paris
    settings.TIME_ZONE = "Europe/Paris"
    make_article("Another", publish_date=at(2024, 3, 11))
    assert archive(client) == {"2024-05": 1, "2024-04": 1, "2024-03": 2}


@pytest.mark.parametrize(
    "zone, moment, month",
    [
        ("America/New_York", dt.datetime(2024, 4, 1, 2, 0, tzinfo=dt.UTC), "2024-03"),  # 22:00 on 31 March
        ("Pacific/Kiritimati", dt.datetime(2024, 2, 29, 10, 30, tzinfo=dt.UTC), "2024-03"),  # UTC+14
        ("Asia/Kathmandu", dt.datetime(2024, 12, 31, 18, 20, tzinfo=dt.UTC), "2025-01"),  # UTC+5:45
        ("America/New_York", dt.datetime(2024, 3, 31, 3, 59, tzinfo=dt.UTC), "2024-03"),
    ],
)
def test_months_are_the_readers_months_in_any_zone(client, settings, zone, moment, month):
    settings.TIME_ZONE = zone
    make_article("Edge", publish_date=moment)
    make_article("Middle", publish_date=at(2024, 3, 15))
    expected = Counter([month, "2024-03"])
    assert archive(client) == dict(sorted(expected.items(), reverse=True))
    year, number = month.split("-")
    assert "Edge" in client.get(f"/archive/{year}/{number}/").content.decode()


def test_raw_sql_writes_show_at_once(client):
    """The months are counted from the articles on every page: even a write Django does not
    see (raw SQL) shows on the next uncached page, with nothing to rebuild."""
    make_article("One", publish_date=at(2024, 3))
    make_article("Two", publish_date=at(2024, 4))
    assert archive(client) == {"2024-04": 1, "2024-03": 1}
    with connection.cursor() as cursor:  # behind Django's back
        cursor.execute("UPDATE articles_article SET draft = %s WHERE title = %s", [True, "Two"])
    assert archive(client) == {"2024-03": 1}


def test_sixty_months_a_page_newest_first_empty_months_left_out(client):
    make_article("Now", publish_date=timezone.now() - dt.timedelta(seconds=5))
    for n in range(62):  # every other month from January 2010
        make_article(f"Month {n}", publish_date=at(2010 + (2 * n) // 12, (2 * n) % 12 + 1))
    first, second = archive(client), archive(client, "/archive/?page=2")
    assert len(first) == 60 and len(second) == 3
    assert list(first)[:2] == [this_month(), "2020-03"] and list(second) == ["2010-05", "2010-03", "2010-01"]
    assert "2020-02" not in first and "Page 1 of 2" in client.get("/archive/").content.decode()
    assert client.get("/archive/?page=3").status_code == 404


def test_archive_is_at_most_four_queries_on_a_cache_miss_whatever_the_size(client, settings):
    """The page cache's version read, the counts, the page's months."""
    settings.READER_CACHE_SECONDS = 600

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_article("One", publish_date=at(2024, 3))
    client.get("/subscribe/")  # another page: the version's row, the publication's settings
    few = queries("/archive/")
    for n in range(40):
        make_article(f"More {n}", publish_date=at(2015 + n % 9, n % 12 + 1))
    make_article("Now", publish_date=timezone.now() - dt.timedelta(seconds=5))
    client.get("/subscribe/")
    assert queries("/archive/") <= few <= 4  # does not grow with the number of articles
    assert queries("/archive/?page=1") <= few
