"""Bulk import: batches, dry run, matching by uuid, progress on and off a terminal."""

import os
import pty
import re
import threading
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Author, Tag
from tests.factories import ARTICLE_TEXT, image_bytes, make_article

pytestmark = pytest.mark.django_db


def text(n, author="Test Author", tags="['Essays', 'AI']", extra=""):
    return ARTICLE_TEXT.replace("A Test Article: With a Colon", f"Article number {n}").replace(
        "author: 'Test Author'", f"author: '{author}'\ntags: {tags}{extra}"
    )


def write_many(folder, count, **options):
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"a{n:04d}.md").write_text(text(n, author=f"Author {n % 3}", **options), encoding="utf-8")
    return folder


def run_import(*args, stdout=None):
    out = stdout or StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out)
    except CommandError as error:
        return (out.getvalue() if stdout is None else ""), error
    return (out.getvalue() if stdout is None else ""), None


def test_many_files_are_written_in_batches_with_authors_and_tags_looked_up_once(tmp_path):
    folder = write_many(tmp_path / "many", 1200)
    with CaptureQueriesContext(connection) as queries:
        output, error = run_import(folder)
    assert error is None and "1200 created, 0 updated, 0 failed." in output
    assert Article.objects.count() == 1200 and Author.objects.count() == 3 and Tag.objects.count() == 2
    assert Article.objects.get(slug="article-number-1199").tags.count() == 2
    # Not a query or a transaction per file: three batches of bulk writes.
    assert len(queries) < 1200 / 4, len(queries)
    assert sum(1 for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")) <= 3
    article = Article.objects.get(slug="article-number-7")
    assert article.read_time == 8 and "<li>one</li>" in article.body_html  # derived fields are set


def test_reimporting_updates_in_bulk_and_replaces_tags(tmp_path):
    write_many(tmp_path / "many", 30)
    run_import(tmp_path / "many")
    version = Article.objects.get(slug="article-number-3").version
    write_many(tmp_path / "many", 30, tags="['Only One']")
    output, error = run_import(tmp_path / "many")
    assert "0 created, 30 updated, 0 failed." in output
    article = Article.objects.get(slug="article-number-3")
    assert list(article.tags.values_list("name", flat=True)) == ["Only One"]
    assert article.version == version + 1  # an editor's form opened before the import is now stale


def test_a_second_file_with_the_same_slug_in_one_run_is_refused_naming_the_first(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE_TEXT, encoding="utf-8")
    (tmp_path / "b.md").write_text(ARTICLE_TEXT.replace("'A subtitle'", "'Second one'"), encoding="utf-8")
    for dry_run in (["--dry-run"], []):
        output, error = run_import(tmp_path, *dry_run)
        assert error is not None
        assert f"b.md: failed: slug: 'a-test-article-with-a-colon' is also the slug of {tmp_path / 'a.md'}" in output
        assert "1 created, 0 updated, 1 failed." in output
    assert Article.objects.get().subtitle == "A subtitle"  # the first file's article, not overwritten


def test_a_second_file_with_the_same_uuid_in_one_run_is_refused(tmp_path):
    given = uuid.uuid4()
    (tmp_path / "a.md").write_text(ARTICLE_TEXT.replace("cta:", f"uuid: '{given}'\ncta:"), encoding="utf-8")
    (tmp_path / "b.md").write_text(
        ARTICLE_TEXT.replace("cta:", f"slug: 'other'\nuuid: '{given}'\ncta:"), encoding="utf-8"
    )
    output, error = run_import(tmp_path)
    assert error and f"b.md: failed: uuid: '{given}' is also the uuid of {tmp_path / 'a.md'}" in output
    assert Article.objects.get().slug == "a-test-article-with-a-colon"


def test_two_files_reaching_one_article_by_slug_and_by_uuid_are_refused(tmp_path):
    """One names the article by its slug, the other by its uuid (under a new slug): one writer only."""
    article = make_article("Old", slug="old-slug")
    (tmp_path / "a.md").write_text(ARTICLE_TEXT.replace("cta:", "slug: 'old-slug'\ncta:"), encoding="utf-8")
    (tmp_path / "b.md").write_text(
        ARTICLE_TEXT.replace("cta:", f"slug: 'new-slug'\nuuid: '{article.uuid}'\ncta:"), encoding="utf-8"
    )
    for dry_run in (["--dry-run"], []):
        output, error = run_import(tmp_path, *dry_run)
        assert error and f"b.md: failed: updates the same article (/articles/old-slug/) as {tmp_path / 'a.md'}" in output
    article.refresh_from_db()
    assert article.slug == "old-slug" and article.title == "A Test Article: With a Colon"


def test_dry_run_validates_everything_and_writes_nothing(tmp_path, media_root):
    make_article("Already here", slug="article-number-1")
    folder = write_many(tmp_path / "files", 3)
    (folder / "hero.png").write_bytes(image_bytes("PNG"))
    (folder / "a0000.md").write_text(text(0).replace("https://images.example.org/hero.jpg", "hero.png"))
    # An impossible date, unquoted (YAML would read a timestamp): refused with its reason.
    (folder / "bad.md").write_text("---\ntitle: 'x'\npublish_date: 2024-02-30\n---\n", encoding="utf-8")
    (folder / "dup.md").write_text(text(2), encoding="utf-8")  # same slug as a0002.md
    output, error = run_import(folder, "--dry-run")
    assert error is not None  # a file would be refused
    assert "Would import 5 file(s): 2 created, 1 updated, 2 failed. Nothing was written (dry run)." in output
    assert "a0000.md: would be created /articles/article-number-0/" in output
    assert "a0001.md: would be updated /articles/article-number-1/" in output
    assert "dup.md: failed: slug: 'article-number-2' is also the slug of" in output
    assert "bad.md: failed: publish_date: '2024-02-30' is not a date" in output
    assert Article.objects.count() == 1 and not Tag.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_a_uuid_matches_the_article_even_when_its_slug_changed(tmp_path):
    article = make_article("Old title", slug="old-slug")
    (tmp_path / "a.md").write_text(
        ARTICLE_TEXT.replace("cta:", f"slug: 'new-slug'\nuuid: '{article.uuid}'\ncta:"), encoding="utf-8"
    )
    output, error = run_import(tmp_path)
    assert error is None and "0 created, 1 updated" in output
    article.refresh_from_db()
    assert article.slug == "new-slug" and article.title == "A Test Article: With a Colon"


def test_a_uuid_file_never_takes_over_another_articles_slug(tmp_path):
    other = make_article("Someone else", slug="a-test-article-with-a-colon")
    (tmp_path / "a.md").write_text(ARTICLE_TEXT.replace("cta:", f"uuid: '{uuid.uuid4()}'\ncta:"), encoding="utf-8")
    output, error = run_import(tmp_path)
    assert error and "belongs to another article" in output
    other.refresh_from_db()
    assert other.title == "Someone else" and Article.objects.count() == 1


def test_a_new_article_keeps_the_uuid_of_its_file(tmp_path):
    given = uuid.uuid4()
    (tmp_path / "a.md").write_text(ARTICLE_TEXT.replace("cta:", f"uuid: '{given}'\ncta:"), encoding="utf-8")
    run_import(tmp_path)
    assert Article.objects.get().uuid == given
    (tmp_path / "b.md").write_text(ARTICLE_TEXT.replace("cta:", "uuid: 'nope'\ncta:"), encoding="utf-8")
    output, _ = run_import(tmp_path / "b.md")
    assert "b.md: failed: uuid: 'nope' is not a UUID" in output


def test_yaml_errors_name_the_file_and_the_line(tmp_path):
    (tmp_path / "bad.md").write_text("---\ntitle: 'ok'\nauthor: 'x'\ntags: [a, b\n---\nbody\n", encoding="utf-8")
    output, error = run_import(tmp_path)
    assert error and "bad.md: failed: line 5: invalid YAML" in output


def test_progress_without_a_terminal_is_plain_lines(tmp_path):
    write_many(tmp_path / "many", 60)
    output, error = run_import(tmp_path / "many", "-v", "0")
    lines = output.splitlines()
    progress = [line for line in lines if line.startswith("Progress: ")]
    assert 1 <= len(progress) <= 10 and "\r" not in output and "\x1b" not in output
    assert progress[-1].startswith("Progress: 60/60 files (100%),") and "files/s" in progress[-1]
    assert lines[-2] == "Imported 60 file(s): 60 created, 0 updated, 0 failed."
    assert lines[-1].startswith("Loss report: 60 item(s): ")


def test_progress_on_a_terminal_is_a_bar(tmp_path):
    write_many(tmp_path / "many", 60)
    (tmp_path / "many" / "zz-bad.md").write_text("+++\ntitle = \n+++\nnot TOML", encoding="utf-8")
    leader, follower = pty.openpty()
    received = []

    def read():
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    with open(follower, "w", encoding="utf-8", closefd=True) as terminal:
        assert terminal.isatty()
        run_import(tmp_path / "many", "-v", "0", stdout=terminal)
    reader.join(timeout=10)
    os.close(leader)
    output = b"".join(received).decode().replace("\r\n", "\n")
    assert "\r\x1b[2K[" in output and "Progress: " not in output  # a bar redrawn in place
    assert "files/s" in output and "left" in output
    assert "61/61 files (100%)" in output
    # A failure is printed on a line of its own, above the bar.
    assert "\r\x1b[2K" + f"{tmp_path / 'many' / 'zz-bad.md'}: failed: invalid TOML" in output
    assert "Imported 61 file(s): 60 created, 0 updated, 1 failed.\n" in output


@pytest.mark.parametrize("value,message", [
    ("2031-03-30T02:30", "does not exist in Europe/Paris"),  # clocks go forward 02:00 -> 03:00
    ("2031-10-26T02:30", "happens twice in Europe/Paris"),  # clocks go back 03:00 -> 02:00
])
def test_local_times_that_daylight_saving_skips_or_repeats_are_refused(tmp_path, settings, value, message):
    settings.TIME_ZONE = "Europe/Paris"
    (tmp_path / "a.md").write_text(ARTICLE_TEXT.replace("'2024-02-16'", f"'{value}'"), encoding="utf-8")
    output, error = run_import(tmp_path)
    assert error and f"publish_date: {value.replace('T', ' ')}:00: {message}" in output
    # The example is the file's own time, with each offset the zone has around it.
    offsets = ["+01:00", "+02:00"] if "not exist" in message else ["+02:00", "+01:00"]
    assert f"e.g. {value}:00{offsets[0]} or {value}:00{offsets[1]}" in output
    assert not Article.objects.exists()
    # With its offset the moment is exact, and accepted.
    (tmp_path / "a.md").write_text(ARTICLE_TEXT.replace("'2024-02-16'", f"'{value}:00+01:00'"), encoding="utf-8")
    assert run_import(tmp_path)[1] is None


@pytest.mark.parametrize("value", ["0001-01-01", "'0204-06-01'", "'9999-12-31T23:59:59-12:00'", "9999-12-31 22:00:00+00:00"])
def test_dates_at_the_edge_of_the_calendar_are_refused_and_the_rest_imported(tmp_path, settings, value):
    """Year 1 or 9999 overflow when shown in another time zone: every page listing them would fail."""
    settings.TIME_ZONE = "America/New_York"
    write_many(tmp_path, 2)
    (tmp_path / "edge.md").write_text(ARTICLE_TEXT.replace("'2024-02-16'", value), encoding="utf-8")
    for dry_run in (["--dry-run"], []):
        output, error = run_import(tmp_path, *dry_run)
        assert error and "edge.md: failed: publish_date:" in output and "between the years 1000 and 9998" in output
        assert "2 created, 0 updated, 1 failed" in output
    assert Article.objects.count() == 2


def test_a_midnight_that_happens_twice_exports_with_its_offset(tmp_path, settings):
    """In Havana clocks go back from 01:00 to 00:00 on 3 November 2024: a date alone is ambiguous."""
    import datetime as dt

    settings.TIME_ZONE = "America/Havana"
    second_midnight = dt.datetime(2024, 11, 3, 5, 0, tzinfo=dt.UTC)
    article = make_article("Twice midnight", publish_date=second_midnight)
    call_command("export_articles", str(tmp_path / "out"), stdout=StringIO())
    text = (tmp_path / "out" / "twice-midnight.md").read_text()
    assert "publish_date: '2024-11-03T00:00:00-05:00'" in text
    Article.objects.all().delete()
    run_import(tmp_path / "out")
    assert Article.objects.get(uuid=article.uuid).publish_date == second_midnight


def body_line(n):
    """ARTICLE_TEXT's body starts on line 13 of the file."""
    return 13 + n


@pytest.mark.parametrize("find,replace,reason", [
    ("The body, with", "The\x00body, with", "body: line 13 contains the control character U+0000 (NUL)"),
    ("- two", "- two \x0c", f"body: line {body_line(3)} contains the control character U+000C (FF)"),
    ("'A subtitle'", "'A \x1b[31msubtitle'", "subtitle: line 3 contains the control character U+001B (ESC)"),
    ("'A Test Article: With a Colon'", '"A test\\x01 title"', "title: contains the control character U+0001 (SOH)"),
    ("author: 'Test Author'", "author: 'Test Author'\ntags: ['ok', \"b\\0\"]", "tags: contains the control character U+0000 (NUL)"),
    ("- one", "- one \x85", f"body: line {body_line(2)} contains the control character U+0085"),
])
def test_control_characters_are_refused_naming_the_field_or_line_in_dry_run_too(tmp_path, find, replace, reason):
    """PostgreSQL cannot store NUL and HTML forbids controls: refused the same way on every database."""
    assert find in ARTICLE_TEXT
    (tmp_path / "bad.md").write_text(ARTICLE_TEXT.replace(find, replace), encoding="utf-8")
    (tmp_path / "good.md").write_text(text(1), encoding="utf-8")
    for dry_run in (["--dry-run"], []):
        output, error = run_import(tmp_path, *dry_run)
        assert error is not None
        line = next(line for line in output.splitlines() if "bad.md" in line)
        assert line == f"{tmp_path / 'bad.md'}: failed: {reason}"
        assert "1 created, 0 updated, 1 failed." in output
    assert list(Article.objects.values_list("slug", flat=True)) == ["article-number-1"]


def test_many_lines_with_control_characters_are_summed_up(tmp_path):
    body = "\n".join(f"line {n}\x07" for n in range(10))
    (tmp_path / "bell.md").write_text(ARTICLE_TEXT.replace("The body, with a list:", body), encoding="utf-8")
    output, error = run_import(tmp_path)
    assert error and "body: line 13 contains the control character U+0007 (BEL); body: line 14" in output
    assert "; and 7 more line(s) with control characters" in output


def refuse_a_title_in_the_database(title):
    """A real refusal by the database itself: a trigger, on SQLite or PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION masthead_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.title = '{title}' THEN RAISE EXCEPTION 'refused by a trigger'; END IF; RETURN NEW; "
                "END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER masthead_refuse BEFORE INSERT OR UPDATE ON articles_article "
                "FOR EACH ROW EXECUTE FUNCTION masthead_refuse()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER masthead_refuse BEFORE INSERT ON articles_article "
                f"WHEN NEW.title = '{title}' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"
            )


def test_a_file_the_database_refuses_fails_alone_and_the_batch_is_written(tmp_path):
    folder = write_many(tmp_path / "files", 5)
    (folder / "a0002.md").write_text(text("refused"), encoding="utf-8")
    refuse_a_title_in_the_database("Article number refused")
    output, error = run_import(folder)
    assert error is not None
    assert f"{folder / 'a0002.md'}: failed: the database refused it: refused by a trigger" in output
    assert "Imported 5 file(s): 4 created, 0 updated, 1 failed." in output
    assert Article.objects.count() == 4 and Tag.objects.count() == 2
    # The refused file's author (its only file) was not left behind.
    assert sorted(Author.objects.values_list("name", flat=True)) == ["Author 0", "Author 1"]
    assert all(article.tags.count() == 2 for article in Article.objects.all())


def test_one_line_fields_have_line_breaks_and_runs_of_spaces_collapsed(tmp_path, client):
    (tmp_path / "multi.md").write_text(
        "---\n"
        "title: |\n  Multi\n  line\n"
        "subtitle: \"Two  spaces\\tand a tab\"\n"
        "description: \"Kept\\non two lines\"\n"
        "author: \"QA\\n Tester\"\n"
        "heroImage: 'https://images.example.org/hero.jpg'\n"
        "heroImageAlt: \"A\\nred  square\"\n"
        "tags: [\"Open\\nWeb\", 'No\u00a0break']\n"
        "publish_date: '2024-03-01'\n"
        "---\n\nbody\n",
        encoding="utf-8",
    )
    output, error = run_import(tmp_path)
    assert error is None
    assert "(warning: title, subtitle, heroImageAlt, author, tags: line breaks and repeated spaces collapsed" in output
    article = Article.objects.get()
    assert (article.title, article.subtitle, article.hero_image_alt) == ("Multi line", "Two spaces and a tab", "A red square")
    assert article.author.name == "QA Tester" and article.description == "Kept\non two lines"
    assert sorted(article.tags.values_list("name", flat=True)) == ["No\u00a0break", "Open Web"]
    response = client.get(f"/articles/{article.slug}/")
    assert response.status_code == 200 and "<h1 dir=\"auto\">Multi line" in response.content.decode().replace("\n", "")


def test_tags_differing_by_case_or_slug_are_one_tag_in_dry_run_and_real_run(tmp_path):
    (tmp_path / "a.md").write_text(text(1, tags="['Python', 'python', 'C++', 'c++', 'C']"), encoding="utf-8")
    for dry_run in (["--dry-run"], []):
        output, error = run_import(tmp_path, *dry_run)
        assert error is None and "1 created, 0 updated, 0 failed." in output
        assert "(warning: tags: 'python' and 'Python' are one tag (tags ignore case))" in output
        assert "(warning: tags: 'C' and 'C++' are one tag (both have the address /tags/c/))" in output
        assert "saved meanwhile" not in output
    assert sorted(Article.objects.get().tags.values_list("name", "slug")) == [("C++", "c"), ("Python", "python")]

    # Existing tags are found by name ignoring case, then by slug; dry run and real run agree.
    (tmp_path / "a.md").unlink()
    (tmp_path / "b.md").write_text(text(2, tags="['PYTHON', 'c', 'New']"), encoding="utf-8")
    for dry_run in (["--dry-run"], []):
        output, error = run_import(tmp_path, *dry_run)
        assert error is None and "b.md: " + ("would be created" if dry_run else "created") in output
        assert "(warning: tags: 'c' is filed under the tag 'C++' (same address /tags/c/))" in output
    assert Tag.objects.count() == 3
    assert sorted(Article.objects.get(slug="article-number-2").tags.values_list("name", flat=True)) == ["C++", "New", "Python"]


def test_tags_merged_across_files_of_one_run_are_reported_alike_in_dry_run_and_real_run(tmp_path):
    (tmp_path / "a.md").write_text(text(1, tags="['C++']"), encoding="utf-8")
    (tmp_path / "b.md").write_text(text(2, tags="['c']"), encoding="utf-8")
    dry, _ = run_import(tmp_path, "--dry-run")
    real, _ = run_import(tmp_path)
    for output, action in ((dry, "would be created"), (real, "created")):
        line = next(line for line in output.splitlines() if "b.md" in line)
        assert f"b.md: {action} /articles/article-number-2/, public now (warning: " in line
        assert line.endswith("(warning: tags: 'c' is filed under the tag 'C++' (same address /tags/c/))")
    assert list(Tag.objects.values_list("name", flat=True)) == ["C++"]


def test_a_tag_made_in_the_admin_is_found_ignoring_case(tmp_path):
    existing = Tag.objects.create(name="Écriture")
    (tmp_path / "a.md").write_text(text(1, tags="['écriture']"), encoding="utf-8")
    output, error = run_import(tmp_path)
    assert error is None and "warning: tags" not in output  # the same name, whatever the case
    assert list(Article.objects.get().tags.all()) == [existing]


def test_tags_with_nothing_to_slug_get_a_stable_hash_slug(tmp_path, client):
    (tmp_path / "a.md").write_text(text(1, tags="['🚀', '!!!', '日本語']"), encoding="utf-8")
    run_import(tmp_path)
    slugs = dict(Tag.objects.values_list("name", "slug"))
    assert slugs["日本語"] == "日本語"
    assert re.fullmatch(r"tag-[0-9a-f]{6}", slugs["🚀"]) and re.fullmatch(r"tag-[0-9a-f]{6}", slugs["!!!"])
    assert slugs["🚀"] != slugs["!!!"]
    assert client.get(f"/tags/{slugs['🚀']}/").status_code == 200
    # Stable: the same names give the same addresses in another site.
    Article.objects.all().delete(), Tag.objects.all().delete()
    run_import(tmp_path)
    assert dict(Tag.objects.values_list("name", "slug")) == slugs


def test_an_unchanged_file_is_reported_unchanged_and_not_written(tmp_path):
    (tmp_path / "a.md").write_text(text(1), encoding="utf-8")
    run_import(tmp_path)
    article = Article.objects.get()
    for dry_run in (["--dry-run"], []):
        output, error = run_import(tmp_path, *dry_run)
        assert error is None
        assert f"{tmp_path / 'a.md'}: unchanged /articles/article-number-1/" in output
        assert "file(s): 0 created, 0 updated, 1 unchanged, 0 failed." in output
    fresh = Article.objects.get()
    assert (fresh.version, fresh.updated) == (article.version, article.updated)
    # A different tag is a change.
    (tmp_path / "a.md").write_text(text(1, tags="['Essays']"), encoding="utf-8")
    assert "0 created, 1 updated, 0 failed." in run_import(tmp_path)[0]


def test_one_reason_per_problem(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE_TEXT.replace("'A Test Article: With a Colon'", "{a: 1}"), encoding="utf-8")
    output, error = run_import(tmp_path)
    assert error and output.splitlines()[0].endswith("a.md: failed: title: must be text, not dict")


def test_a_hero_image_without_alt_text_is_a_warning_on_its_line(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE_TEXT, encoding="utf-8")
    (tmp_path / "b.md").write_text(
        text(2).replace("cta:", "heroImageAlt: 'A hero'\ncta:"), encoding="utf-8"
    )
    output, error = run_import(tmp_path)
    assert error is None
    lines = output.splitlines()
    assert lines[0].endswith(
        "a.md: created /articles/a-test-article-with-a-colon/, public now "
        "(warning: heroImageAlt: missing, so screen readers get nothing for the hero image)"
    )
    assert lines[1].endswith("b.md: created /articles/article-number-2/, public now")


@pytest.mark.parametrize("extra,message", [
    ("\nauthorSlug: 'not a slug!'", "authorSlug: 'not a slug!' is not an address"),
    ("\ntagSlugs: {'Elsewhere': 'x'}", "tagSlugs: 'Elsewhere' is not one of the article's tags"),
    ("\ntagSlugs: ['essays']", "tagSlugs: must map tag names to addresses"),
])
def test_bad_author_and_tag_addresses_are_refused_with_the_key(tmp_path, extra, message):
    (tmp_path / "a.md").write_text(text(1, extra=extra), encoding="utf-8")
    output, error = run_import(tmp_path)
    assert error and message in output and not Article.objects.exists()
