"""Regenerate the abstract demo artwork used by demo/articles/*.md.

Run with:  .venv/bin/python demo/make_images.py
Every image is deterministic (seeded), soft-coloured and text-free.
"""
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent / "articles" / "media"
HERO, BODY, WIDE = (1600, 900), (1200, 800), (1200, 675)


def gradient(size, top, bottom, angle=0.0):
    """Linear gradient between two RGB colours; angle in degrees."""
    w, h = size
    small = Image.new("RGB", (64, 64))
    px = small.load()
    dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    for y in range(64):
        for x in range(64):
            t = ((x / 63 - 0.5) * dx + (y / 63 - 0.5) * dy) + 0.5
            t = min(1.0, max(0.0, t))
            px[x, y] = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom))
    return small.resize(size, Image.BICUBIC)


def overlay(base, draw_fn, blur=0, alpha=255):
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw_fn(ImageDraw.Draw(layer), base.size)
    if blur:
        # blur in premultiplied alpha ("RGBa") so soft edges don't get dark halos
        layer = layer.convert("RGBa").filter(ImageFilter.GaussianBlur(blur)).convert("RGBA")
    if alpha < 255:
        layer.putalpha(layer.getchannel("A").point(lambda a: a * alpha // 255))
    return Image.alpha_composite(base.convert("RGBA"), layer).convert("RGB")


def blobs(size, colours, bg, seed, n=9, blur=60):
    rnd = random.Random(seed)
    img = gradient(size, bg[0], bg[1], angle=rnd.uniform(0, 180))

    def draw(d, s):
        for _ in range(n):
            r = rnd.randint(s[1] // 6, s[1] // 2)
            x, y = rnd.randint(0, s[0]), rnd.randint(0, s[1])
            d.ellipse((x - r, y - r, x + r, y + r), fill=rnd.choice(colours) + (170,))

    return overlay(img, draw, blur=blur)


def circles(size, colours, bg, seed):
    rnd = random.Random(seed)
    img = gradient(size, bg[0], bg[1], angle=70)
    cx, cy = size[0] * rnd.uniform(0.55, 0.7), size[1] * 0.5

    def draw(d, s):
        for i, r in enumerate(range(s[1], 40, -s[1] // 9)):
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colours[i % len(colours)] + (120,))

    img = overlay(img, draw, blur=2)
    return overlay(img, lambda d, s: d.ellipse((s[0] * .12, s[1] * .2, s[0] * .12 + 140, s[1] * .2 + 140),
                                               fill=colours[0] + (230,)), blur=1)


def stripes(size, colours, bg, seed):
    rnd = random.Random(seed)
    img = gradient(size, bg[0], bg[1], angle=90)

    def draw(d, s):
        x = -s[1]
        while x < s[0]:
            w = rnd.randint(40, 160)
            d.polygon([(x, s[1]), (x + w, s[1]), (x + w + s[1], 0), (x + s[1], 0)],
                      fill=rnd.choice(colours) + (rnd.randint(60, 150),))
            x += w + rnd.randint(20, 120)

    return overlay(img, draw, blur=3)


def waves(size, colours, bg, seed):
    rnd = random.Random(seed)
    img = gradient(size, bg[0], bg[1], angle=90)
    w, h = size
    for i, col in enumerate(colours):
        base_y = h * (0.35 + 0.16 * i)
        amp, freq, phase = rnd.uniform(20, 60), rnd.uniform(1.2, 2.6), rnd.uniform(0, 6.3)

        def draw(d, s, base_y=base_y, amp=amp, freq=freq, phase=phase, col=col):
            pts = [(x, base_y + amp * math.sin(phase + freq * 2 * math.pi * x / s[0]))
                   for x in range(0, s[0] + 20, 20)]
            d.polygon(pts + [(s[0], s[1]), (0, s[1])], fill=col + (200,))

        img = overlay(img, draw, blur=2)
    return img


def grid(size, colours, bg, seed):
    rnd = random.Random(seed)
    img = gradient(size, bg[0], bg[1], angle=45)
    cell = size[1] // 6

    def draw(d, s):
        for gx in range(0, s[0], cell):
            for gy in range(0, s[1], cell):
                m = 14
                if rnd.random() < 0.55:
                    box = (gx + m, gy + m, gx + cell - m, gy + cell - m)
                    col = rnd.choice(colours) + (rnd.randint(90, 210),)
                    if rnd.random() < 0.5:
                        d.rounded_rectangle(box, radius=cell // 5, fill=col)
                    else:
                        d.ellipse(box, fill=col)

    return overlay(img, draw, blur=1)


STYLES = {"blobs": blobs, "circles": circles, "stripes": stripes, "waves": waves, "grid": grid}

# Soft palettes: (accent colours, (gradient start, gradient end))
DAWN = ([(244, 162, 97), (231, 111, 81), (255, 214, 165)], ((253, 240, 222), (242, 196, 170)))
SEA = ([(42, 157, 143), (138, 201, 189), (69, 123, 157)], ((230, 244, 241), (168, 210, 222)))
DUSK = ([(120, 94, 160), (229, 152, 155), (181, 131, 141)], ((44, 40, 75), (109, 89, 122)))
MOSS = ([(106, 153, 78), (167, 201, 87), (56, 102, 65)], ((242, 232, 207), (196, 214, 176)))
INK = ([(233, 196, 106), (42, 157, 143), (244, 162, 97)], ((38, 70, 83), (29, 53, 87)))
PAPER = ([(214, 204, 194), (188, 108, 37), (96, 108, 56)], ((250, 246, 238), (237, 224, 212)))
LILAC = ([(205, 180, 219), (255, 200, 221), (162, 210, 255)], ((255, 250, 252), (220, 225, 250)))

IMAGES = [
    # filename, style, palette, size, seed
    ("quiet-web.jpg", "blobs", SEA, HERO, 1),
    ("quiet-web-garden.jpg", "grid", MOSS, BODY, 2),
    ("rss-refuses-to-die.jpg", "circles", DAWN, HERO, 3),
    ("rss-feed-rings.jpg", "waves", DAWN, WIDE, 4),
    ("measure-of-a-line.jpg", "stripes", PAPER, HERO, 5),
    ("measure-columns.jpg", "grid", PAPER, BODY, 6),
    ("editing-is-subtraction.jpg", "circles", LILAC, HERO, 7),
    ("small-newsroom.jpg", "waves", INK, HERO, 8),
    ("small-newsroom-tide.jpg", "blobs", INK, WIDE, 9),
    ("plain-text.jpg", "grid", SEA, HERO, 10),
    ("style-guide-for-one.jpg", "stripes", DUSK, HERO, 11),
    ("style-guide-swatches.jpg", "blobs", DUSK, BODY, 12),
    ("archive-is-the-product.jpg", "waves", MOSS, HERO, 13),
    ("archive-strata.jpg", "stripes", LILAC, WIDE, 14),
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, style, (colours, bg), size, seed in IMAGES:
        img = STYLES[style](size, colours, bg, seed)
        path = OUT / name
        img.save(path, "JPEG", quality=80, progressive=True, optimize=True)
        print(f"{path.name:32} {size[0]}x{size[1]} {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
