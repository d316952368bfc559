"""Responsive images: smaller copies of uploaded images, made once with Pillow and stored.

An uploaded image (a hero or an image in a body) gets renditions at a few widths, in WebP
and in its own format, under names derived from the source's name and the width. They are
made when an article is saved or imported (`Article.prepare_for_save`), so a reader's request
only finds them: finding reads the source's header, never decodes it. External image URLs are
used as they are: Masthead does not fetch other people's images.
"""

import html
import io
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from .images import orientation_of, without_metadata

WIDTHS = (480, 960, 1600)
# No page draws an image wider than 42.5rem (680 px, 1,360 at 2x): a larger upload is served at
# most this wide (largest_width). Its original stays in storage (export, editors) but is never
# sent to readers.
MAX_WIDTH = 2400
FOLDER = "renditions"
# Formats Pillow re-encodes well. GIFs (often animated) and anything else are left as uploaded.
ORIGINAL_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
QUALITY = {"JPEG": 82, "WEBP": 80}
CACHE_SECONDS = 24 * 3600
MISSING_CACHE_SECONDS = 60  # a missing source may be uploaded soon: look again shortly

# How wide an image is drawn: the article measure on wide screens, the viewport less padding on phones.
ARTICLE_SIZES = "(min-width: 46rem) 42.5rem, calc(100vw - 2.5rem)"


@dataclass(frozen=True)
class Candidate:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class ResponsiveImage:
    """Everything a page needs to draw one image: `src`, `srcset`s per format, intrinsic size."""

    src: str
    width: int
    height: int
    srcset: str
    webp_srcset: str
    largest_url: str


def rendition_name(source_name: str, width: int, extension: str) -> str:
    """Deterministic: the same source and width always give the same name."""
    path = PurePosixPath(source_name)
    folder = path.parent.as_posix().replace("/", "-")
    return f"{FOLDER}/{folder}/{path.stem}-{width}w.{extension}"


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(buffer, format=fmt, quality=QUALITY.get(fmt, 90), optimize=True)
    return buffer.getvalue()


# Renditions found, by source name, in this process: a page (hero and share image) and the
# next pages ask again without a round trip to the shared cache. Only found ones are kept: a
# stored name always means the same file (storage never overwrites), so they cannot go stale.
_FOUND: OrderedDict[tuple, ResponsiveImage] = OrderedDict()
_FOUND_SIZE = 1024
_found_lock = threading.Lock()


def responsive_image(source_name: str) -> ResponsiveImage | None:
    """Renditions of a stored image, made on first use; None when it is missing or not re-encodable.

    The answer is cached, so a page draws its images without touching storage once they exist.
    """
    memo = (str(settings.MEDIA_ROOT), settings.MEDIA_URL, source_name)  # one storage's name
    with _found_lock:
        if memo in _FOUND:
            _FOUND.move_to_end(memo)
            return _FOUND[memo]
    key = f"renditions:{source_name}"
    found = cache.get(key)
    if found is None:
        found = _make_renditions(source_name) or False
        cache.set(key, found, CACHE_SECONDS if found else MISSING_CACHE_SECONDS)
    if found:
        with _found_lock:
            _FOUND[memo] = found
            while len(_FOUND) > _FOUND_SIZE:
                _FOUND.popitem(last=False)
    return found or None


# EXIF orientations that turn the picture a quarter: its upright width is the stored height.
QUARTER_TURNS = {5, 6, 7, 8}
# How each EXIF orientation is undone (what ImageOps.exif_transpose does, on the reduced pixels).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def largest_width(width: int) -> int:
    """The widest rendition: the image's own width, or a whole fraction of it (width / n, at
    most MAX_WIDTH) so that a huge image is reduced by a cheap whole-number box filter."""
    return width if width <= MAX_WIDTH else width // math.ceil(width / MAX_WIDTH)


def _reduce(image: Image.Image, factor: int, band_rows: int = 32) -> Image.Image:
    """image.reduce(factor), a band of rows at a time: Pillow reduces an image with alpha through
    a premultiplied copy, which for the whole image would double the peak memory."""
    width, height = image.size
    reduced = Image.new(image.mode, (math.ceil(width / factor), math.ceil(height / factor)))
    step = band_rows * factor  # whole blocks in every band: the same pixels as one reduce()
    for top in range(0, height, step):
        band = image.crop((0, top, width, min(top + step, height)))
        reduced.paste(band.reduce(factor), (0, top // factor))
    if "transparency" in image.info:
        reduced.info["transparency"] = image.info["transparency"]
    return reduced


def _decode(image: Image.Image, top: int, upright_width: int, orientation: int | None) -> Image.Image:
    """The upright pixels, `top` wide or a little more, in bounded memory.

    A JPEG decodes at 1/2, 1/4 or 1/8 of its size directly (draft). Other formats decode at
    full size (4 bytes a pixel: IMAGE_MAX_PIXELS bounds it) and are reduced at once by a whole
    factor; the full-size pixels are freed before anything else is made, and no full-size copy
    is ever made (orientation is applied to the reduced pixels).
    """
    turned = orientation in QUARTER_TURNS
    target = top * (image.height if turned else image.width) / upright_width  # in stored pixels
    scale = target / image.width
    image.draft(image.mode, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    image.load()
    factor = int(image.width // target) if image.width >= 2 * target else 1
    if factor > 1:
        pixels = _reduce(image, factor)
        image.close()  # frees the full-size pixels
    else:
        pixels = image
    if orientation in UPRIGHT:
        pixels = pixels.transpose(UPRIGHT[orientation])
    return pixels


def _resize(image: Image.Image, width: int, height: int) -> Image.Image:
    # reducing_gap: a cheap box reduction first, then Lanczos; the same look, several times faster.
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _original_candidate(source_name: str, data: bytes, fmt: str, orientation, width: int, height: int) -> Candidate:
    """The upload itself as the largest candidate, unless it still carries metadata (a file
    stored before every upload was stripped): then a stripped copy, so no served file has any."""
    try:
        clean = without_metadata(data, fmt, orientation)
    except ValueError:
        clean = data
    if clean == data:
        return Candidate(default_storage.url(source_name), width, height)
    name = rendition_name(source_name, width, ORIGINAL_FORMATS[fmt])
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(clean))
    return Candidate(default_storage.url(name), width, height)


def _make_renditions(source_name: str) -> ResponsiveImage | None:
    if not source_name or not default_storage.exists(source_name):
        return None
    try:
        with default_storage.open(source_name, "rb") as file:
            data = file.read()
        image = Image.open(io.BytesIO(data))  # the header only, until pixels are needed
        fmt = image.format
        if fmt not in ORIGINAL_FORMATS:
            return None
        orientation = orientation_of(image)
        width, height = image.size
        if orientation in QUARTER_TURNS:
            width, height = height, width
        top = largest_width(width)
        widths = [w for w in WIDTHS if w < top] + [top]
        pixels = None
        candidates = {"orig": [], "webp": []}
        for w in widths:
            h = max(1, round(height * w / width))
            resized = None
            for kind, out_fmt in (("orig", fmt), ("webp", "WEBP")):
                if w == width and out_fmt == fmt:
                    # The original itself is the largest candidate in its own format.
                    candidates[kind].append(_original_candidate(source_name, data, fmt, orientation, w, h))
                    continue
                name = rendition_name(source_name, w, ORIGINAL_FORMATS[out_fmt])
                if not default_storage.exists(name):
                    if pixels is None:
                        pixels = _decode(image, top, width, orientation)
                    if resized is None:
                        resized = pixels if pixels.size == (w, h) else _resize(pixels, w, h)
                    default_storage.save(name, ContentFile(_encode(resized, out_fmt)))
                candidates[kind].append(Candidate(default_storage.url(name), w, h))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    default = next((c for c in candidates["orig"] if c.width >= 960), candidates["orig"][-1])
    return ResponsiveImage(
        src=default.url,
        width=top,
        height=max(1, round(height * top / width)),
        srcset=", ".join(f"{c.url} {c.width}w" for c in candidates["orig"]),
        webp_srcset=", ".join(f"{c.url} {c.width}w" for c in candidates["webp"]),
        largest_url=candidates["orig"][-1].url,
    )


def storage_name_for_url(url: str) -> str | None:
    """The storage name of an uploaded file given its media URL; None for any other URL."""
    prefix = settings.MEDIA_URL
    if not url.startswith(prefix):
        return None
    name = unquote(url[len(prefix):])
    if not name or ".." in PurePosixPath(name).parts or name.startswith("/"):
        return None
    return name


def picture_html(
    image: ResponsiveImage, *, alt: str, sizes: str, css_class: str = "", lazy: bool = True, title: str = ""
) -> str:
    """A <picture> with a WebP source and an <img> that keeps its box while loading."""
    loading = ' loading="lazy" decoding="async"' if lazy else ' fetchpriority="high" decoding="async"'
    class_attr = f' class="{html.escape(css_class)}"' if css_class else ""
    class_attr += f' title="{html.escape(title)}"' if title else ""
    return (
        f'<picture><source type="image/webp" srcset="{html.escape(image.webp_srcset)}" sizes="{html.escape(sizes)}">'
        f'<img{class_attr} src="{html.escape(image.src)}" srcset="{html.escape(image.srcset)}" '
        f'sizes="{html.escape(sizes)}" width="{image.width}" height="{image.height}" '
        f'alt="{html.escape(alt)}"{loading}></picture>'
    )


IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def responsive_body_images(body_html: str) -> str:
    """Turn uploaded images in rendered, sanitised body HTML into responsive <picture>s.

    Runs once when an article is saved (not per request). Only images whose `src` is one of
    our uploads and that Pillow can re-encode are rewritten; every other image stays as it is.
    """

    def rewrite(match: re.Match) -> str:
        attributes = {name.lower(): html.unescape(value) for name, value in ATTRIBUTE.findall(match.group(0))}
        name = storage_name_for_url(attributes.get("src", ""))
        image = responsive_image(name) if name else None
        if image is None:
            return match.group(0)
        return picture_html(image, alt=attributes.get("alt", ""), sizes=ARTICLE_SIZES, title=attributes.get("title", ""))

    return IMG_TAG.sub(rewrite, body_html)
