"""The admin's import page: .md uploads, zips (safe and hostile), the report, the rights it needs."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from articles.models import Article, Author
from tests.factories import ARTICLE_TEXT, image_bytes
from tests.staff import make_staff

pytestmark = pytest.mark.django_db
URL = "/admin/articles/import/"


@pytest.fixture
def editor(client):
    client.force_login(make_staff("Editor"))
    return client


def upload(name, data):
    return SimpleUploadedFile(name, data if isinstance(data, bytes) else data.encode("utf-8"))


def article(title, hero="https://images.example.org/hero.jpg", body="A body.\n"):
    return ARTICLE_TEXT.replace("A Test Article: With a Colon", title).replace(
        "https://images.example.org/hero.jpg", hero
    ).replace("![An image](https://images.example.org/body.webp)\n", body)


def make_zip(members: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return upload("articles.zip", buffer.getvalue())


def nothing_written(media_root):
    return not Article.objects.exists() and not Author.objects.filter(user=None).exists() and (
        not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))
    )


def test_the_article_list_links_to_the_import_page(editor):
    html = editor.get("/admin/articles/article/").content.decode()
    assert f'href="{URL}"' in html
    page = editor.get(URL)
    assert page.status_code == 200 and 'type="file"' in page.content.decode() and "multiple" in page.content.decode()


def test_md_files_with_their_images_are_imported_and_reported(editor, media_root):
    files = [
        upload("first.md", article("First One", hero="hero.png")),
        upload("hero.png", image_bytes("PNG")),
        upload("second.md", article("Second One")),
        upload("broken.md", "---\ntitle: 'x\n---\nbody\n"),
    ]
    response = editor.post(URL, {"files": files})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Imported 3 file(s): 2 created, 0 updated, 1 failed." in html
    assert "Created (2)" in html and "Updated (0)" in html and "Refused (1)" in html
    assert "broken.md" in html and "line 2" in html and "/articles/first-one/" in html
    first = Article.objects.get(slug="first-one")
    assert first.hero_image.name.startswith("heroes/") and (media_root / first.hero_image.name).is_file()
    # The same file again changes nothing; an edited one updates its article.
    html = editor.post(URL, {"files": [upload("second.md", article("Second One"))]}).content.decode()
    assert "0 created, 0 updated, 1 unchanged, 0 failed." in html and "Unchanged (1)" in html
    html = editor.post(URL, {"files": [upload("second.md", article("Second One", body="Edited.\n"))]}).content.decode()
    assert "0 created, 1 updated, 0 failed." in html and Article.objects.count() == 2
    assert Article.objects.get(slug="second-one").body.endswith("Edited.")


def test_a_zip_imports_with_images_relative_to_each_file(editor, media_root):
    archive = make_zip({
        "export/2024/one.md": article("Zipped One", hero="../pictures/hero.jpg", body="![In body](inline.png)\n"),
        "export/2024/inline.png": image_bytes("PNG"),
        "export/pictures/hero.jpg": image_bytes("JPEG"),
        "export/two.md": article("Zipped Two"),
        "export/readme.html": "<p>not an article</p>",
    })
    html = editor.post(URL, {"files": [archive]}).content.decode()
    assert "2 created, 0 updated, 0 failed." in html
    one = Article.objects.get(slug="zipped-one")
    assert (media_root / one.hero_image.name).is_file() and "/media/body/" in one.body


def test_check_only_writes_nothing(editor, media_root):
    archive = make_zip({"a.md": article("Checked", hero="hero.png"), "hero.png": image_bytes("PNG")})
    html = editor.post(URL, {"files": [archive], "dry_run": "on"}).content.decode()
    assert "Would import 1 file(s): 1 created" in html and "Would be created (1)" in html
    assert nothing_written(media_root)


@pytest.mark.parametrize("members,reason", [
    ({"../escape.md": ARTICLE_TEXT, "ok.md": ARTICLE_TEXT}, "a path outside the archive"),
    ({"/etc/absolute.md": ARTICLE_TEXT}, "a path outside the archive"),
    ({"dir/../../up.md": ARTICLE_TEXT}, "a path outside the archive"),
    ({"C:\\windows.md": ARTICLE_TEXT}, "a path outside the archive"),
    ({f"a{n}.md": ARTICLE_TEXT for n in range(6)}, "holds 6 files; the limit is 5"),
    ({"ok.md": ARTICLE_TEXT, "bomb.md": "0" * 30_000_000}, "a decompression bomb"),
    ({"ok.md": ARTICLE_TEXT, "big.md": bytes(range(256)) * 8_000}, "expands to"),
])
def test_hostile_zips_are_refused_and_write_nothing(editor, media_root, settings, members, reason):
    settings.IMPORT_MAX_FILES, settings.IMPORT_MAX_BYTES = 5, 2_000_000
    members = {"hero.png": image_bytes("PNG"), **members} if len(members) < 5 else members
    response = editor.post(URL, {"files": [make_zip(members)]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "The archive was refused, nothing was imported" in html and reason in html
    assert nothing_written(media_root)


def test_two_uploaded_files_of_the_same_name_are_refused_not_mixed_up(editor, media_root):
    """Two folders' photo.jpg arrive as two loose files of one name: the wrong one would be used."""
    files = [
        upload("a.md", article("Red One", hero="photo.jpg")),
        upload("photo.jpg", image_bytes("JPEG", color=(250, 0, 0))),
        upload("b.md", article("Blue One", hero="photo.jpg")),
        upload("photo.jpg", image_bytes("JPEG", color=(0, 0, 250))),
    ]
    response = editor.post(URL, {"files": files})
    html = response.content.decode()
    assert response.status_code == 400 and "More than one uploaded file is named photo.jpg" in html
    assert not Article.objects.exists() and nothing_written(media_root)


def test_an_import_past_its_time_limit_names_what_is_left_and_the_same_upload_finishes_it(editor, settings):
    files = lambda: [upload(f"{n}.md", article(f"Timed {n}")) for n in range(3)]  # noqa: E731
    settings.IMPORT_MAX_SECONDS = 0  # the deadline has passed before the first file
    html = editor.post(URL, {"files": files()}).content.decode()
    assert "Not imported yet (3)" in html and "<li>0.md</li>" in html and "upload the same files again" in html.lower()
    assert not Article.objects.exists()
    settings.IMPORT_MAX_SECONDS = 600
    html = editor.post(URL, {"files": files()}).content.decode()
    assert "3 created" in html and "Not imported yet" not in html and Article.objects.count() == 3


def test_imported_articles_have_a_revision_and_can_be_recovered_once_deleted(editor):
    from reversion.models import Version

    editor.post(URL, {"files": [upload("kept.md", article("Kept In History"))]})
    imported = Article.objects.get(slug="kept-in-history")
    (version,) = Version.objects.get_for_object(imported)
    assert version.revision.get_comment() == "Imported from Markdown" and version.field_dict["title"] == "Kept In History"
    imported.delete()
    assert "Kept In History" in editor.get("/admin/articles/article/recover/").content.decode()


def test_a_file_that_is_not_a_zip_is_refused(editor, media_root):
    response = editor.post(URL, {"files": [upload("fake.zip", b"PK\x03\x04 not really")]})
    assert response.status_code == 400 and "not a readable .zip file" in response.content.decode()
    assert nothing_written(media_root)


def test_importing_needs_an_editors_rights(client):
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    client.force_login(make_staff("Contributor"))
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"files": [upload("a.md", ARTICLE_TEXT)]})
    assert response.status_code == 403 and not Article.objects.exists()
    assert URL not in client.get("/admin/articles/article/").content.decode()


def test_an_empty_form_says_what_is_missing(editor):
    response = editor.post(URL, {})
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_a_file_with_a_nul_byte_is_refused_on_the_page_and_the_others_imported(editor):
    files = [upload("nul.md", article("With NUL", body="nul \x00 byte\n")), upload("ok.md", article("Fine"))]
    html = editor.post(URL, {"files": files}).content.decode()
    assert "Imported 2 file(s): 1 created, 0 updated, 1 failed." in html
    assert "body: line 18 contains the control character U+0000 (NUL)" in html
    assert list(Article.objects.values_list("slug", flat=True)) == ["fine"]


def _zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _local_header(data: bytes, name: str) -> int:
    """The offset of the member's local header (its name follows the 30 fixed bytes)."""
    return data.index(name.encode()) - 30


def bad_crc() -> bytes:
    data = _zip_bytes({"ok.md": ARTICLE_TEXT.encode(), "a.md": ARTICLE_TEXT.replace("The body", "XYZZY body").encode()})
    return data.replace(b"XYZZY", b"PLUGH", 1)  # the stored bytes change, their CRC does not


def corrupt_deflate() -> bytes:
    data = bytearray(_zip_bytes({"a.md": (ARTICLE_TEXT * 40).encode()}, zipfile.ZIP_DEFLATED))
    start = _local_header(bytes(data), "a.md") + 30 + len("a.md")
    data[start + 10 : start + 60] = b"\xff" * 50
    return bytes(data)


def deflate64() -> bytes:
    data = bytearray(_zip_bytes({"a.md": (ARTICLE_TEXT * 5).encode()}, zipfile.ZIP_DEFLATED))
    local = _local_header(bytes(data), "a.md")
    data[local + 8 : local + 10] = (9).to_bytes(2, "little")
    central = bytes(data).index(b"PK\x01\x02")
    data[central + 10 : central + 12] = (9).to_bytes(2, "little")
    return bytes(data)


def mismatched_names() -> bytes:
    data = bytearray(_zip_bytes({"a.md": ARTICLE_TEXT.encode()}))
    local = _local_header(bytes(data), "a.md")
    data[local + 30 : local + 34] = b"b.md"  # the central directory still says a.md
    return bytes(data)


@pytest.mark.parametrize("make,reason", [
    (bad_crc, "a.md: damaged (Bad CRC-32 for file 'a.md')"),
    (corrupt_deflate, "a.md: damaged (its compressed data is corrupt"),
    (deflate64, "a.md: compressed with Deflate64, which cannot be read"),
    (mismatched_names, "a.md: damaged (File name in directory 'a.md' and header b'b.md' differ.)"),
    (lambda: _zip_bytes({"a.md": b"x"})[:40], "not a readable .zip file"),
])
def test_damaged_or_unsupported_zips_are_a_form_error(editor, media_root, make, reason):
    response = editor.post(URL, {"files": [upload("site.zip", make())]})
    html = response.content.decode()
    assert response.status_code == 400, html[:500]
    assert reason in html.replace("&#x27;", "'")
    assert not Article.objects.exists() and nothing_written(media_root)


class RecordingHandler(FileUploadHandler):
    """Stands for Django's own handlers: records every file it is given."""

    seen: list[str] = []

    def new_file(self, field_name, file_name, *args, **kwargs):
        RecordingHandler.seen.append(file_name)
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def recording(settings):
    RecordingHandler.seen = []
    settings.FILE_UPLOAD_HANDLERS = ["tests.test_admin_import.RecordingHandler", *settings.FILE_UPLOAD_HANDLERS]
    return RecordingHandler.seen


def test_uploads_from_who_may_not_import_are_never_read(client, recording):
    files = {"files": [upload("a.md", ARTICLE_TEXT)]}
    assert client.post(URL, files).status_code == 302  # anonymous, holding no session: to the login page
    client.force_login(make_staff("Contributor"))
    assert client.post(URL, files).status_code == 403
    assert recording == [] and not Article.objects.exists()  # the body was never parsed


def test_a_body_past_the_import_limit_is_stopped_before_any_file_is_kept(editor, recording, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    response = editor.post(URL, {"files": [upload("huge.zip", b"0" * 1_300_000)]})
    html = response.content.decode()
    assert response.status_code == 400 and "The upload is 1.3 MB; the limit is 0.1 MB. Nothing was read" in html
    assert recording == []


def test_files_past_the_limit_in_a_body_of_allowed_length_are_stopped_as_they_arrive(editor, recording, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    response = editor.post(URL, {"files": [upload("a.md", ARTICLE_TEXT), upload("huge.zip", b"0" * 300_000)]})
    assert response.status_code == 400 and "The upload is larger than 0.1 MB; nothing was imported." in response.content.decode()
    assert not Article.objects.exists()


def test_one_markdown_file_past_the_body_limit_is_refused_by_name(editor, settings, recording):
    settings.MARKDOWN_MAX_BYTES = 5_000
    response = editor.post(URL, {"files": [upload("ok.md", ARTICLE_TEXT), upload("long.md", ARTICLE_TEXT + "word " * 5_000)]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "long.md: larger than 5,000 bytes, the limit for one article (MARKDOWN_MAX_BYTES)" in html
    assert not Article.objects.exists()


def test_a_long_markdown_file_in_a_zip_is_refused_by_name_and_the_others_import(editor, settings):
    settings.MARKDOWN_MAX_BYTES = 5_000
    archive = make_zip({"ok.md": ARTICLE_TEXT, "long.md": ARTICLE_TEXT + "word " * 5_000})
    html = editor.post(URL, {"files": [archive]}).content.decode()
    assert "the limit for one article is 5,000 bytes (MARKDOWN_MAX_BYTES)" in html
    assert Article.objects.count() == 1


def test_a_zip_of_a_static_site_finds_site_absolute_images_and_reads_exports(editor, media_root):
    from tests.wxr import export

    archive = make_zip({
        "content/posts/a.md": "---\ntitle: Static\ndate: 2024-02-16\n---\n![A figure](/images/fig.png)\n",
        "static/images/fig.png": image_bytes("PNG"),
        "exports/blog.xml": export(),
    })
    html = editor.post(URL, {"files": [archive]}).content.decode()
    assert "Loss report: 16 item(s)" in html
    assert "/media/body/" in Article.objects.get(slug="static").body
    assert Article.objects.filter(slug="hello-classic").exists()


def test_check_only_shows_each_articles_state(editor):
    files = [upload("a.md", "---\ntitle: Later\ndate: 2099-12-02T09:30:00Z\n---\nb\n"),
             upload("b.md", "---\ntitle: Hidden\ndraft: true\n---\nb\n")]
    html = editor.post(URL, {"files": files, "dry_run": "on"}).content.decode()
    assert "scheduled for 2 Dec 2099 09:30 UTC" in html and ">draft</td>" in html
    assert not Article.objects.exists()
