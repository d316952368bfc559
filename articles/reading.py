"""Reading time of a Markdown body, estimated as Medium does."""

import re

WORDS_PER_MINUTE = 265
# The longest reading time an editor may set (the admin and the importer share it).
MAX_MINUTES = 9999
# Chinese and Japanese text has no spaces between words: count characters instead.
CJK_CHARACTERS_PER_MINUTE = 500

# Bounded and free of the brackets they end on, so a body of 50,000 "![" or "](" is one pass.
IMAGE = re.compile(r"!\[[^\[\]]{0,1000}\]\([^()]{0,2000}\)|<img\b[^<>]{0,2000}>", re.IGNORECASE)
LINK_TARGET = re.compile(r"\]\([^()]{0,2000}\)")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def image_seconds(count: int) -> int:
    """12 seconds for the first image, one second less for each next one, never under 3."""
    return sum(max(12 - i, 3) for i in range(count))


def reading_time(body: str) -> int:
    """Minutes to read a Markdown body: at least 1."""
    body = body or ""
    images = len(IMAGE.findall(body))
    text = LINK_TARGET.sub("]", IMAGE.sub(" ", body))
    cjk_characters = len(CJK.findall(text))
    words = len(WORD.findall(CJK.sub(" ", text)))
    seconds = words / WORDS_PER_MINUTE * 60 + cjk_characters / CJK_CHARACTERS_PER_MINUTE * 60
    seconds += image_seconds(images)
    return max(1, int(seconds / 60 + 0.5))  # rounded to the nearest minute
