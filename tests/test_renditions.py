"""Responsive images: renditions made once with Pillow, stored, reused; pages use srcset and sizes."""

import io
import os
import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from articles.images import store_image
from articles.models import Article
from tests.factories import image_bytes, make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Every request renders (articles/cache.py would otherwise answer repeats without the view)."""
    settings.READER_CACHE_SECONDS = 0


def stored(name, **kwargs):
    default_storage.save(name, ContentFile(image_bytes(**kwargs)))
    return name


def open_stored(url):
    with default_storage.open(url.removeprefix("/media/")) as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
        return image


def test_hero_renditions_in_webp_and_original_format(client):
    article = make_article("Hero", hero_image=stored("heroes/big.jpg", size=(2000, 1000)), hero_image_alt="Big")
    html = client.get(article.get_absolute_url()).content.decode()
    for width in (480, 960, 1600):
        jpeg = open_stored(f"/media/renditions/heroes/big-{width}w.jpg")
        webp = open_stored(f"/media/renditions/heroes/big-{width}w.webp")
        assert (jpeg.format, jpeg.size) == ("JPEG", (width, width // 2))
        assert (webp.format, webp.size) == ("WEBP", (width, width // 2))
        assert f"/media/renditions/heroes/big-{width}w.webp {width}w" in html
        assert f"/media/renditions/heroes/big-{width}w.jpg {width}w" in html
    assert "/media/heroes/big.jpg 2000w" in html
    assert 'width="2000" height="1000"' in html and 'sizes="(min-width: 46rem)' in html
    # The hero is the page's largest paint: fetched first, never lazily.
    hero = html[html.index('class="hero"'):]
    assert hero.index('fetchpriority="high"') < hero.index(">")


def test_renditions_are_made_once_and_reused(client):
    article = make_article("Once", hero_image=stored("heroes/once.png", format="PNG", size=(1000, 500)))
    client.get(article.get_absolute_url())
    names = sorted(default_storage.listdir("renditions/heroes")[1])
    assert names == ["once-1000w.webp", "once-480w.png", "once-480w.webp", "once-960w.png", "once-960w.webp"]
    folder = default_storage.path("renditions/heroes")
    before = {name: os.stat(os.path.join(folder, name)).st_mtime_ns for name in names}
    for path in before:
        os.utime(os.path.join(folder, path), ns=(1, 1))
    cache.clear()  # even without the cached answer, stored renditions are found, not redrawn
    client.get(article.get_absolute_url())
    client.get("/")
    assert sorted(default_storage.listdir("renditions/heroes")[1]) == names
    assert all(os.stat(os.path.join(folder, name)).st_mtime_ns == 1 for name in names)


def test_small_images_are_never_enlarged(client):
    article = make_article("Small", hero_image=stored("heroes/small.jpg", size=(300, 200)))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "/media/heroes/small.jpg 300w" in html and "small-300w.webp 300w" in html
    assert "480w" not in html


def test_body_images_are_rewritten_once_at_save():
    name = store_image(image_bytes(size=(1200, 800)), "body")
    article = make_article(
        "Body",
        body=f'![A chart](/media/{name} "Caption")\n\n![Elsewhere](https://images.example.org/x.jpg)\n\n'
        "![Missing](/media/body/missing.jpg)",
    )
    stem = name.removeprefix("body/").removesuffix(".jpg")
    saved = Article.objects.get(pk=article.pk).body_html  # what every request will serve
    assert f'<source type="image/webp" srcset="/media/renditions/body/{stem}-480w.webp 480w' in saved
    assert f"/media/{name} 1200w" in saved and 'width="1200" height="800"' in saved
    assert 'alt="A chart"' in saved and 'title="Caption"' in saved and 'loading="lazy"' in saved
    external = re.search(r"<img[^>]*images\.example\.org/x\.jpg[^>]*>", saved).group(0)
    assert 'src="https://images.example.org/x.jpg"' in external and "srcset" not in external
    assert 'src="/media/body/missing.jpg"' in saved


def test_external_hero_is_used_as_it_is(client):
    article = make_article("External", hero_image_url="https://images.example.org/hero.jpg", hero_image_alt="Far")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<img class="hero" src="https://images.example.org/hero.jpg" alt="Far"' in html
    assert "srcset" not in html.split('class="hero"')[1].split(">")[0]


def test_gif_is_left_as_uploaded(client):
    article = make_article("Gif", hero_image=stored("heroes/anim.gif", format="GIF", size=(800, 400)))
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'src="/media/heroes/anim.gif"' in html and 'width="800" height="400"' in html
    assert not default_storage.exists("renditions/heroes/anim-480w.gif")


def test_lists_lazy_load_all_but_the_first_image(client):
    for i in range(3):
        make_article(f"Card {i}", hero_image=stored(f"heroes/c{i}.jpg", size=(1000, 500)))
    html = client.get("/").content.decode()
    images = [tag for tag in html.split("<img")[1:]]
    assert 'fetchpriority="high"' in images[0] and 'loading="lazy"' not in images[0]
    assert all('loading="lazy"' in tag for tag in images[1:])


def test_hero_renditions_exist_once_the_article_is_saved_before_any_reader_asks():
    make_article("Saved", hero_image=stored("heroes/saved.jpg", size=(1200, 600)), hero_image_alt="Saved")
    assert sorted(default_storage.listdir("renditions/heroes")[1]) == [
        "saved-1200w.webp", "saved-480w.jpg", "saved-480w.webp", "saved-960w.jpg", "saved-960w.webp",
    ]


def test_an_image_wider_than_any_layout_is_served_at_most_2400_pixels_wide(client):
    article = make_article("Huge", hero_image=stored("heroes/huge.jpg", size=(4800, 2400)), hero_image_alt="Huge")
    html = client.get(article.get_absolute_url()).content.decode()
    assert open_stored("/media/renditions/heroes/huge-2400w.jpg").size == (2400, 1200)
    assert open_stored("/media/renditions/heroes/huge-2400w.webp").size == (2400, 1200)
    assert "/media/renditions/heroes/huge-2400w.webp 2400w" in html
    assert "/media/heroes/huge.jpg" not in html  # the 4800-pixel original is kept, never sent
    assert 'width="2400" height="1200"' in html
    assert not any("4800w" in name for name in default_storage.listdir("renditions/heroes")[1])


def test_a_rotated_photo_gets_upright_renditions(client):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, seen portrait (turned a quarter clockwise)
    Image.new("RGB", (1000, 500), (10, 120, 200)).save(buffer, format="JPEG", exif=exif)
    default_storage.save("heroes/turned.jpg", ContentFile(buffer.getvalue()))
    article = make_article("Turned", hero_image="heroes/turned.jpg", hero_image_alt="Turned")
    html = client.get(article.get_absolute_url()).content.decode()
    assert open_stored("/media/renditions/heroes/turned-480w.webp").size == (480, 960)
    assert 'width="500" height="1000"' in html
