"""Text as Masthead stores it: one form of Unicode, one line ending, no control characters,
and slugs. Every writer (the admin, the importer, the renderer, the feeds) uses these."""

import hashlib
import re
import unicodedata

from django.utils.text import slugify

# The C0 controls but tab and line ends, DEL and the C1 controls: HTML forbids them, PostgreSQL
# cannot store NUL, and in a text they are nearly always damage from a broken conversion.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone UTF-16 halves, which a YAML escape such as "\\ud800" can produce: no database encodes them.
SURROGATE = re.compile("[\ud800-\udfff]")
# Everything that is never text in HTML or XML: the above, U+FFFE/U+FFFF and the noncharacters
# U+FDD0-U+FDEF (the renderer uses two of those as its own markers).
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def strip_control_characters(text: str) -> str:
    return NOT_TEXT.sub("", text)


def normalise_newlines(text: str) -> str:
    """LF only: browsers send textareas with CRLF, old files use CR; one ending keeps export and
    import lossless."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def nfc(text: str) -> str:
    """One form for text that looks the same: "é" as one character, not "e" plus an accent
    (what macOS often pastes), so search, slugs and unique names treat them alike."""
    return unicodedata.normalize("NFC", text) if text and not unicodedata.is_normalized("NFC", text) else text


def slug_for(text: str, max_length: int = 200, prefix: str = "item") -> str:
    """Letters of any script are kept; text with none (emoji, punctuation) gets a stable hash."""
    slug = slugify(text, allow_unicode=True)[:max_length].strip("-")
    return slug or f"{prefix}-" + hashlib.sha256(text.casefold().encode()).hexdigest()[:6]


def unique_slug(model, text: str, max_length: int = 200) -> str:
    """A slug for `text` that no row of `model` uses yet."""
    base = slug_for(text, max_length, prefix=model._meta.model_name)
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug, n = base[: max_length - len(suffix)] + suffix, n + 1
    return slug
