"""`manage.py export_articles`: what is chosen, where it goes, and what is refused."""

import datetime as dt
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.images import store_image
from articles.models import Article
from tests.factories import image_bytes, make_article, make_author

pytestmark = pytest.mark.django_db


def export(*args):
    out = StringIO()
    call_command("export_articles", *map(str, args), stdout=out)
    return out.getvalue()


def names(folder):
    return sorted(p.name for p in folder.glob("*.md"))


def at(day):
    return timezone.make_aware(dt.datetime.fromisoformat(day))


@pytest.fixture
def site():
    ada, bo = make_author("Ada Writer"), make_author("Bo Other")
    make_article("Ada in January", author=ada, publish_date=at("2024-01-10T12:00"))
    make_article("Ada in March", author=ada, publish_date=at("2024-03-31T23:59"))
    make_article("Bo in February", author=bo, publish_date=at("2024-02-01T00:00"))
    make_article("Bo draft", author=bo, draft=True)
    make_article("Ada scheduled", author=ada, publish_in=timedelta(days=3))


def test_every_article_one_file_named_by_slug(tmp_path, site):
    output = export(tmp_path / "out")
    assert names(tmp_path / "out") == [
        "ada-in-january.md", "ada-in-march.md", "ada-scheduled.md", "bo-draft.md", "bo-in-february.md",
    ]
    assert "Exported 5 article(s) (5 file(s) written, 0 unchanged), 0 image(s), 0 warning(s)." in output


def test_one_author(tmp_path, site):
    export(tmp_path / "out", "--author", "bo-other")
    assert names(tmp_path / "out") == ["bo-draft.md", "bo-in-february.md"]
    with pytest.raises(CommandError, match="No author with the slug 'nobody'"):
        export(tmp_path / "none", "--author", "nobody")


def test_a_date_range_includes_both_days(tmp_path, site):
    export(tmp_path / "out", "--since", "2024-02-01", "--until", "2024-03-31")
    assert names(tmp_path / "out") == ["ada-in-march.md", "bo-in-february.md"]
    export(tmp_path / "moments", "--since", "2024-01-10T12:00:01", "--until", "2024-02-01T00:00:00")
    assert names(tmp_path / "moments") == []
    with pytest.raises(CommandError, match="is not a date"):
        export(tmp_path / "bad", "--since", "last week")


def test_published_only_leaves_out_drafts_and_scheduled(tmp_path, site):
    export(tmp_path / "out", "--published-only")
    assert names(tmp_path / "out") == ["ada-in-january.md", "ada-in-march.md", "bo-in-february.md"]


def test_exporting_twice_gives_the_same_tree_and_rewrites_nothing(tmp_path, site):
    image = store_image(image_bytes("PNG"), "heroes")
    make_article("With hero", hero_image=image, hero_image_alt="A square")
    export(tmp_path / "one")
    export(tmp_path / "two")

    def tree(folder):
        return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert (tmp_path / "one" / "media" / image).read_bytes() == (settings.MEDIA_ROOT / image).read_bytes()
    # Into the same folder again: refused unless asked, then nothing changes on disk.
    with pytest.raises(CommandError, match="not empty"):
        export(tmp_path / "one")
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "one").rglob("*") if p.is_file()}
    output = export(tmp_path / "one", "--overwrite")
    assert "(0 file(s) written, 6 unchanged)" in output
    assert before == {p: p.stat().st_mtime_ns for p in (tmp_path / "one").rglob("*") if p.is_file()}


def test_changed_articles_are_rewritten_on_overwrite(tmp_path, site):
    export(tmp_path / "out")
    Article.objects.filter(slug="bo-draft").update(subtitle="Now with a subtitle")
    output = export(tmp_path / "out", "--overwrite")
    assert "(1 file(s) written, 4 unchanged)" in output
    assert "subtitle: 'Now with a subtitle'" in (tmp_path / "out" / "bo-draft.md").read_text()


def test_a_missing_image_is_a_warning_not_a_failure(tmp_path):
    article = make_article("Lost hero", body=f"![Gone]({settings.MEDIA_URL}body/gone.jpg)")
    # The files were deleted from media storage after they were uploaded.
    Article.objects.filter(pk=article.pk).update(hero_image="heroes/gone.png", hero_width=10, hero_height=10)
    output = export(tmp_path / "out")
    assert "lost-hero.md: written (warning: image 'heroes/gone.png' not exported: not found in media storage)" in output
    assert "2 warning(s)" in output
    text = (tmp_path / "out" / "lost-hero.md").read_text()
    assert "heroImage: ''" in text and f"![Gone]({settings.MEDIA_URL}body/gone.jpg)" in text


def test_exported_media_is_renamed_to_its_content_name(tmp_path):
    """An image stored under any name exports under the name an import will give it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    data = image_bytes("JPEG")
    default_storage.save("body/holiday_photo.jpg", ContentFile(data))
    make_article("Named by hand", body=f"![Photo]({settings.MEDIA_URL}body/holiday_photo.jpg)")
    export(tmp_path / "out")
    text = (tmp_path / "out" / "named-by-hand.md").read_text()
    exported = next((tmp_path / "out" / "media" / "body").iterdir())
    assert f"![Photo](media/body/{exported.name})" in text and exported.read_bytes() == data
    assert len(exported.stem) == 32


def test_a_slug_too_long_for_a_file_name_is_exported_under_a_shorter_name_and_comes_back(tmp_path):
    """150 CJK characters are 450 bytes: more than the 255 a file name may hold."""
    title = "東京" * 60 + "図書館" * 10
    article = make_article(title)
    make_article("Another", slug="another")
    call_command("export_articles", str(tmp_path / "out"), stdout=StringIO())
    names = sorted(p.name for p in (tmp_path / "out").glob("*.md"))
    assert len(names) == 2 and "another.md" in names
    long_name = next(n for n in names if n != "another.md")
    assert len(long_name.encode()) <= 246 and long_name.startswith("東京東京")
    Article.objects.all().delete()
    call_command("import_articles", str(tmp_path / "out"), stdout=StringIO())
    assert Article.objects.get(uuid=article.uuid).slug == article.slug


def test_the_output_must_be_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="not a folder"):
        export(tmp_path / "file")


def test_a_moment_daylight_saving_skips_is_refused_by_name(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with pytest.raises(CommandError, match="does not exist in Europe/Paris"):
        call_command("export_articles", str(tmp_path / "out"), "--since", "2024-03-31T02:30", stdout=StringIO())
    with pytest.raises(CommandError, match="happens twice in Europe/Paris"):
        call_command("export_articles", str(tmp_path / "out"), "--until", "2024-10-27T02:30", stdout=StringIO())
