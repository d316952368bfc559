"""No stored or served image carries metadata: GPS in EXIF or in XMP, IPTC, comments.

Every upload path (hero, editor drop, avatar, logo, import) goes through articles/images.py;
the files are crafted with Pillow as a phone or a photo editor would write them.
"""

import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from articles.images import GPS_IFD, check_image
from articles.models import Article, Author, PublicationSettings
from tests.factories import make_article
from tests.staff import article_form_data, make_staff

pytestmark = pytest.mark.django_db

XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.4002N" '
    'exif:GPSLongitude="2,21.0504E"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
# What must never reach storage: the XMP position, the EXIF GPS block's maker note, comments.
TRACES = (b"GPSLatitude", b"48,51.4002N", b"Secret camera", b"home address")


def exif_with_gps(orientation=None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Secret camera"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    if orientation:
        exif[0x0112] = orientation
    return exif.tobytes()


def photo(fmt: str, size=(1200, 800), orientation=None) -> bytes:
    """A picture as a phone or an editor saves it: EXIF GPS, XMP GPS, a comment, a colour profile."""
    image = Image.new("RGB", size, (30, 110, 190))
    options = {"exif": exif_with_gps(orientation), "icc_profile": SRGB}
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", XMP)
        info.add_text("Comment", "home address")
        options["pnginfo"] = info
    elif fmt == "GIF":
        options = {"comment": b"home address"}
    else:
        options["xmp"] = XMP.encode()
    if fmt == "JPEG":
        options["comment"] = b"home address"
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    data = buffer.getvalue()
    assert any(trace in data for trace in TRACES)  # the fixture really carries the metadata
    return data


def assert_clean(data: bytes):
    for trace in TRACES:
        assert trace not in data
    with Image.open(io.BytesIO(data)) as image:
        assert GPS_IFD not in image.getexif()
        assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
        assert "comment" not in image.info and "Comment" not in image.info


def stored_files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()]


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("Editor"))
    return client


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_the_hero_page_serves_no_file_with_a_location(editor_client, client, media_root, fmt):
    article = make_article(f"Hero {fmt}", draft=True)
    form = article_form_data(
        article, _publish="1", hero_image=SimpleUploadedFile("IMG_0001.jpg", photo(fmt)), hero_image_alt="A lake"
    )
    assert editor_client.post(f"/admin/articles/article/{article.pk}/change/", form).status_code == 302
    article.refresh_from_db()
    original = (media_root / article.hero_image.name).read_bytes()
    assert_clean(original)
    if fmt != "GIF":
        with Image.open(io.BytesIO(original)) as image:
            assert image.info.get("icc_profile") == SRGB  # the colour profile is kept
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    served = set(re.findall(r'(?:src|srcset)="([^"]+)"', page))
    urls = {part.strip().split(" ")[0] for value in served for part in value.split(",")}
    media = sorted(url for url in urls if url.startswith("/media/"))
    assert media, page
    for url in media:  # the files themselves (the media URLconf is bound to the first test's folder)
        assert_clean((media_root / url.removeprefix("/media/")).read_bytes())


def test_orientation_is_kept_and_everything_else_goes(editor_client, media_root):
    response = editor_client.post("/admin/markdownx/upload/", {"image": SimpleUploadedFile("a.jpg", photo("JPEG", orientation=6))})
    name = response.json()["image_code"].split("(/media/")[1].rstrip(")")
    with Image.open(media_root / name) as stored:
        assert dict(stored.getexif()) == {0x0112: 6}


def test_an_avatar_is_checked_named_from_its_content_and_served_as_what_it_is(editor_client, client, media_root):
    author = Author.objects.create(name="Avatar Person")
    upload = SimpleUploadedFile("résumé.pdf", photo("JPEG", size=(200, 200)), content_type="application/pdf")
    response = editor_client.post(
        f"/admin/articles/author/{author.pk}/change/",
        {"name": author.name, "slug": author.slug, "bio": "", "avatar": upload, "user": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    author.refresh_from_db()
    name = author.avatar.name
    assert name.startswith("avatars/") and name.endswith(".jpg") and "sum" not in name
    assert_clean((media_root / name).read_bytes())
    import mimetypes

    assert mimetypes.guess_type(author.avatar.url)[0] == "image/jpeg"  # what any server answers for it
    make_article("By the avatar", author=author)
    assert f'src="{author.avatar.url}"' in client.get(author.get_absolute_url()).content.decode()


def test_an_avatar_that_is_not_an_image_is_refused(editor_client, media_root):
    author = Author.objects.create(name="No Avatar")
    upload = SimpleUploadedFile("face.jpg", b"%PDF-1.4 not a picture\n" * 10)
    response = editor_client.post(
        f"/admin/articles/author/{author.pk}/change/",
        {"name": author.name, "slug": author.slug, "bio": "", "avatar": upload, "user": ""},
    )
    assert response.status_code == 200 and "not an image Masthead can read" in response.content.decode()
    assert stored_files(media_root) == []


def test_the_logo_is_stripped(editor_client, media_root):
    url = "/admin/articles/publicationsettings/1/change/"
    fields = {"name": "Logo", "tagline": "", "cta_text": "", "cta_link": "", "social_links": "", "logo_alt": "Logo"}
    response = editor_client.post(url, {**fields, "logo": SimpleUploadedFile("logo.png", photo("PNG", (300, 80)))})
    assert response.status_code == 302
    assert_clean((media_root / PublicationSettings.objects.get().logo.name).read_bytes())


def test_imported_images_are_stripped(editor_client, media_root):
    text = (
        "---\ntitle: Imported With A Photo\nauthor: Ada Writer\npublish_date: '2024-01-01'\n"
        "heroImage: hero.webp\nheroImageAlt: A hill\n---\nBody.\n\n![A field](field.jpg)\n"
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("post.md", text)
        zipped.writestr("hero.webp", photo("WEBP"))
        zipped.writestr("field.jpg", photo("JPEG"))
    upload = SimpleUploadedFile("site.zip", archive.getvalue(), content_type="application/zip")
    response = editor_client.post("/admin/articles/import/", {"files": [upload]})
    assert response.status_code == 200, response.content.decode()[:2000]
    article = Article.objects.get(title="Imported With A Photo")
    originals = [p for p in stored_files(media_root) if "renditions" not in p.parts]
    assert len(originals) == 2 and article.hero_image
    for path in stored_files(media_root):
        assert_clean(path.read_bytes())


def test_an_original_stored_with_metadata_earlier_is_never_served(client, media_root):
    """A file stored before every upload was stripped: the page serves a stripped copy instead."""
    name = default_storage.save("heroes/legacy.jpg", ContentFile(photo("JPEG", size=(900, 600))))
    article = make_article("Legacy", hero_image=name, hero_image_alt="Old")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "/media/heroes/legacy.jpg" not in page
    copy = "/media/renditions/heroes/legacy-900w.jpg"
    assert f"{copy} 900w" in page
    assert_clean((media_root / copy.removeprefix("/media/")).read_bytes())


def test_a_phones_multi_picture_jpeg_is_stored_as_its_first_picture_alone():
    primary, second = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(
        primary, "MPO", save_all=True, exif=exif_with_gps(),
        append_images=[Image.new("RGB", (40, 30), (10, 200, 10))],
    )
    assert primary.getvalue().count(b"Secret camera") >= 1
    checked = check_image(primary.getvalue())
    assert checked.format == "JPEG" and checked.file_name.endswith(".jpg")
    assert_clean(checked.data)
    with Image.open(io.BytesIO(checked.data)) as stored:
        assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
        assert stored.convert("RGB").getpixel((20, 15))[0] > 150  # the first picture


def test_stripping_is_stable_so_content_names_survive_export_and_import():
    for fmt in ("JPEG", "PNG", "WEBP", "GIF"):
        once = check_image(photo(fmt))
        assert check_image(once.data).data == once.data
        assert check_image(once.data).file_name == once.file_name


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["JPEG", "PNG", "WEBP", "GIF"]),
    cuts=st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=8)), max_size=4),
    truncate=st.none() | st.integers(min_value=0),
)
def test_damaged_images_are_refused_or_stored_clean_never_an_error(fmt, cuts, truncate):
    from django.core.exceptions import ValidationError

    data = bytearray(photo(fmt, size=(40, 30)))
    for position, replacement in cuts:
        at = position % len(data)
        data[at : at + len(replacement)] = replacement
    if truncate is not None:
        data = data[: truncate % (len(data) + 1)]
    try:
        checked = check_image(bytes(data))
    except ValidationError:
        return
    assert_clean(checked.data)
