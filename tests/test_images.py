"""Hero uploads and editor drops go through one validation; refused files store nothing."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.images import GPS_IFD, check_image
from tests.factories import image_bytes, make_article
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def huge_png_header(width=20000, height=20000) -> bytes:
    """A PNG whose header claims a huge size: enough for Pillow to read the size, tiny on disk."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def stored_files(media_root):
    return sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())


REFUSED = [
    ("notes.jpg", b"This is a text file, not a photograph.\n" * 20, "not an image Masthead can read"),
    ("drawing.svg", SVG, "SVG images are not accepted"),
    ("innocent.png", SVG, "SVG images are not accepted"),
    ("bomb.png", huge_png_header(), "pixels; the limit is 50,000,000 pixels"),
    ("tall.png", huge_png_header(8000, 8000), "8000×8000 pixels; the limit is"),
    ("animation.bmp", image_bytes("BMP"), "BMP images are not accepted"),
]


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("Editor"))
    return client


@pytest.mark.parametrize("name,data,message", REFUSED, ids=[r[0] for r in REFUSED])
def test_editor_drop_refuses_bad_files_and_stores_nothing(editor_client, media_root, name, data, message):
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    response = editor_client.post("/admin/markdownx/upload/", {"image": upload})
    assert response.status_code == 400
    assert message in " ".join(response.json()["image"])
    assert stored_files(media_root) == []


def test_editor_drop_refuses_oversize_file(editor_client, media_root, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 2000
    data = image_bytes("PNG", size=(300, 300), color=(1, 2, 3)) + b"\0" * 3000
    response = editor_client.post("/admin/markdownx/upload/", {"image": SimpleUploadedFile("big.png", data)})
    assert response.status_code == 400
    assert "the limit is" in response.json()["image"][0]
    assert stored_files(media_root) == []


def test_editor_drop_stores_full_size_with_detected_extension_and_no_location(editor_client, media_root):
    upload = SimpleUploadedFile("holiday.gif", jpeg_with_gps(), content_type="image/gif")
    response = editor_client.post("/admin/markdownx/upload/", {"image": upload})
    assert response.status_code == 200
    [name] = stored_files(media_root)
    assert name.startswith("body/") and name.endswith(".jpg") and "holiday" not in name
    assert response.json()["image_code"] == f"![](/media/{name})"
    with Image.open(media_root / name) as stored:
        assert stored.size == (40, 30)  # not shrunk
        assert dict(stored.getexif()) == {}  # GPS and the camera's details: no EXIF is kept


def test_anonymous_and_non_staff_cannot_upload(client, django_user_model, media_root):
    upload = SimpleUploadedFile("a.png", image_bytes("PNG"))
    assert client.post("/admin/markdownx/upload/", {"image": upload}).status_code == 302
    assert stored_files(media_root) == []


@pytest.mark.parametrize("name,data,message", REFUSED, ids=[r[0] for r in REFUSED])
def test_hero_upload_refused_with_message_text_kept_nothing_stored(editor_client, media_root, name, data, message):
    article = make_article("Kept Words", draft=True)
    form = article_form_data(article, body="My unsaved paragraph.", hero_image=SimpleUploadedFile(name, data),
                             hero_image_alt="A view")
    response = editor_client.post(f"/admin/articles/article/{article.pk}/change/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    assert "My unsaved paragraph." in html
    assert stored_files(media_root) == []
    article.refresh_from_db()
    assert article.body != "My unsaved paragraph." and not article.hero_image


def test_hero_upload_stored_under_content_name_with_detected_format(editor_client, media_root):
    article = make_article("With Hero", draft=True)
    form = article_form_data(
        article, hero_image=SimpleUploadedFile("photo.png", jpeg_with_gps(), content_type="image/png"),
        hero_image_alt="A blue square",
    )
    response = editor_client.post(f"/admin/articles/article/{article.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.hero_image.name.startswith("heroes/") and article.hero_image.name.endswith(".jpg")
    assert "photo" not in article.hero_image.name
    assert (article.hero_width, article.hero_height) == (40, 30)
    with Image.open(article.hero_image.path) as stored:
        assert GPS_IFD not in stored.getexif()


def test_a_hero_image_without_alt_text_is_saved_with_a_warning(editor_client, media_root):
    article = make_article("No Alt", draft=True)
    form = article_form_data(article, hero_image=SimpleUploadedFile("p.png", image_bytes("PNG")), hero_image_alt="")
    response = editor_client.post(f"/admin/articles/article/{article.pk}/change/", form, follow=True)
    html = response.content.decode()
    assert "The hero image has no alt text" in html  # advice, not a refusal
    article.refresh_from_db()
    assert article.hero_image.name.startswith("heroes/") and stored_files(media_root) != []
    form_page = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Hero image alt text: missing" in form_page


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_accepted_formats(format):
    checked = check_image(image_bytes(format))
    assert checked.format == format and checked.file_name.endswith("." + checked.extension)
