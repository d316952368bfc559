"""The 1200×630 image shown when an article without a hero image is shared.

Drawn once with Pillow (the title and the site's name) and stored under a name derived
from both and from the fonts that draw them, so a new title, site name or installed font
gives a new image and an unchanged one is reused. An article not yet public has its image
named with its share secret too (articles/preview.py): nobody can confirm that a draft exists
by guessing its title and asking for the name the title gives. Text no installed font can draw (a Japanese
title without a CJK font, emoji) is never drawn as rows of empty boxes: the image then shows
the site's name instead.
"""

import functools
import hashlib
import io

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from .text import strip_control_characters

SIZE = (1200, 630)
FOLDER = "share"
BACKGROUND = (29, 53, 87)
TEXT = (253, 252, 250)
ACCENT = (244, 165, 130)
MAX_LINES = 4
# Fonts Debian ships (fonts-dejavu-core comes with Chromium); Pillow's own font otherwise.
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


# A code point no font draws: what a font shows for a character it lacks looks like this.
NEVER_DRAWN = "\U0010fffd"


def share_image_name(title: str, site_name: str, secret: str = "") -> str:
    """`secret`: the article's share secret while it is not public, else empty."""
    title, site_name = _drawn_texts(clean_title(title), clean_title(site_name))
    fonts = f"{_font_file(title)}\n{_font_file(site_name)}"
    named = f"{site_name}\n{title}\n{fonts}" + (f"\n{secret}" if secret else "")
    digest = hashlib.sha256(named.encode()).hexdigest()[:32]
    return f"{FOLDER}/{digest}.png"


def _glyph(font, char: str) -> tuple:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


@functools.lru_cache(maxsize=1024)
def _font_file(text: str) -> str | None:
    """The first installed font that draws every character of `text` (None: none does)."""
    wide = any(ord(ch) > 0x2E80 for ch in text)
    for path in (*CJK_FONT_FILES, *FONT_FILES) if wide else FONT_FILES:
        try:
            font = ImageFont.truetype(path, 24)
        except OSError:
            continue
        missing = _glyph(font, NEVER_DRAWN)
        if all(_glyph(font, char) != missing for char in set(text) if not char.isspace()):
            return path
    return None


def _drawn_texts(title: str, site_name: str) -> tuple[str, str]:
    """The title and the site line to draw: the site's name takes the title's place when no font
    can draw the title, and is left out when no font can draw it."""
    if _font_file(site_name) is None:
        site_name = ""
    if _font_file(title) is None:
        title, site_name = site_name, ""
    return title, site_name


def _font(size: int, text: str):
    path = _font_file(text)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def clean_title(title: str) -> str:
    """The title as one line: control characters dropped, every run of whitespace (newlines,
    tabs, U+2028...) one space. Pillow refuses to measure multi-line text."""
    return " ".join(strip_control_characters(title or "").split())


def _wrap(text: str, font, max_width: int, draw: ImageDraw.ImageDraw) -> list[str]:
    """Greedy wrapping by measured width, between words; a word wider than a line (a long URL,
    or CJK text, written without spaces) breaks between characters instead."""

    def fits(candidate: str) -> bool:
        return draw.textlength(candidate, font=font) <= max_width

    lines, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}" if line else word
        if fits(trial):
            line = trial
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and not fits(line + char):
                lines.append(line)
                line = char
            else:
                line += char
    if line:
        lines.append(line)
    return lines


def _ellipsis(line: str, font, max_width: int, draw: ImageDraw.ImageDraw) -> str:
    """`line` cut short enough to end with "…" inside the width."""
    while line and draw.textlength(line.rstrip() + " …", font=font) > max_width:
        line = line[:-1]
    return line.rstrip() + " …"


def draw_share_image(title: str, site_name: str) -> bytes:
    title, site_name = _drawn_texts(clean_title(title), clean_title(site_name))
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 80
    width = SIZE[0] - 2 * margin
    draw.rectangle((0, 0, 24, SIZE[1]), fill=ACCENT)
    for size in (72, 60, 50, 42):
        font = _font(size, title)
        lines = _wrap(title, font, width, draw)
        if len(lines) <= MAX_LINES:
            break
    if len(lines) > MAX_LINES:
        lines = lines[: MAX_LINES - 1] + [_ellipsis(lines[MAX_LINES - 1], font, width, draw)]
    y = margin
    for line in lines:
        draw.text((margin, y), line, font=font, fill=TEXT)
        y += int(size * 1.2)
    site_font = _font(36, site_name)
    draw.text((margin, SIZE[1] - margin - 36), site_name, font=site_font, fill=ACCENT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def share_image_url(title: str, site_name: str, secret: str = "") -> str:
    """The stored share image's URL for this title, drawing and storing it the first time."""
    name = share_image_name(title, site_name, secret)
    key = f"share-image:{name}"
    url = cache.get(key)
    if url is None:
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(draw_share_image(title, site_name)))
        url = default_storage.url(name)
        cache.set(key, url, 24 * 3600)
    return url
