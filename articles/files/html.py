"""HTML from WordPress and Ghost -> Markdown, and a list of what could not come across.

markdownify does the conversion (it keeps headings, emphasis, links, images with their alt text,
lists, quotes, code and tables, and lets each tag be handled on its own). Before it, what only
the old platform could render is turned into what Markdown can carry, and named:
- WordPress shortcodes: `[caption]` keeps its image and caption text, `[embed]`, `[video]` and
  `[audio]` become links, the rest (`[gallery]`, plugins' own) are removed;
- WordPress blocks: embeds become links, galleries keep their images, dynamic blocks (which
  hold no content of their own, e.g. latest posts) are removed;
- iframes, video, audio and object elements become a link to what they showed;
- WordPress classic posts (no <p> at all: WordPress adds paragraphs when it renders) get their
  paragraphs and line breaks first.
The Markdown is rendered and sanitised like every body when the article is saved.
"""

import html as html_lib
import json
import re

from markdownify import MarkdownConverter

KNOWN_SHORTCODES = {
    "gallery", "caption", "wp_caption", "embed", "video", "audio", "playlist", "contact-form-7",
    "contact-form", "googlemaps", "youtube", "vimeo", "soundcloud", "instagram", "tweet", "code",
    "sourcecode", "gist", "wpforms", "ninja_form", "shortcode",
}
SHORTCODE_PAIR = re.compile(r"\[([a-z][a-z0-9_-]*)((?:\s[^\]]*)?)\](.*?)\[/\1\]", re.DOTALL | re.IGNORECASE)
SHORTCODE_OPEN = re.compile(r"\[([a-z][a-z0-9_-]*)((?:\s[^\]]*)?)/?\]", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
BLOCK = re.compile(r"<!--\s*wp:([a-z0-9/-]+)(\s+\{.*?\})?\s*(/)?-->", re.DOTALL)
BLOCK_PAIR = re.compile(r"<!--\s*wp:((?:core-)?embed[a-z0-9/-]*)(\s+\{.*?\})?\s*-->(.*?)<!--\s*/wp:\1\s*-->", re.DOTALL)
MEDIA = re.compile(r"<(iframe|video|audio|object|embed)\b([^>]*)>(?:.*?</\1\s*>)?", re.DOTALL | re.IGNORECASE)
SOURCE = re.compile(r"""\b(?:src|data)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
BLOCK_TAG = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|img|!--)\b", re.IGNORECASE)
URL = re.compile(r"https?://[^\s<>\"']+")
# Blocks with content of their own; any other self-closing block is rendered by WordPress from
# elsewhere (latest posts, a form) and has nothing here to carry.
CONTENT_BLOCKS = {"block", "more", "nextpage", "spacer", "separator"}


def _attributes(text: str) -> dict:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in ATTRIBUTE.finditer(text or "")}


def _link(url: str) -> str:
    url = html_lib.escape(url, quote=True)
    return f'<p><a href="{url}">{url}</a></p>'


def _shortcodes(text: str, losses: list[str]) -> str:
    def pair(match: re.Match) -> str:
        name, attributes, inner = match.group(1).lower(), _attributes(match.group(2)), match.group(3)
        if name in ("caption", "wp_caption"):
            image = re.search(r"<img\b[^>]*>", inner)
            caption = re.sub(r"<img\b[^>]*>|</?a\b[^>]*>", "", inner).strip()
            return (image.group(0) if image else "") + (f"<p>{caption}</p>" if caption else "")
        if name in ("embed", "video", "audio"):
            url = attributes.get("src") or inner.strip()
            losses.append(f"shortcode [{name}] {url} became a link")
            return _link(url)
        if name in ("code", "sourcecode"):
            return f"<pre><code>{html_lib.escape(inner)}</code></pre>"
        losses.append(f"shortcode [{name}] removed (its text kept)")
        return inner

    def single(match: re.Match) -> str:
        name, attributes = match.group(1).lower(), match.group(2)
        if name not in KNOWN_SHORTCODES and "=" not in attributes:
            return match.group(0)  # [brackets] in prose
        url = _attributes(attributes).get("src") or _attributes(attributes).get("url")
        if name in ("video", "audio", "embed") and url:
            losses.append(f"shortcode [{name}] {url} became a link")
            return _link(url)
        if name == "gallery":
            ids = _attributes(attributes).get("ids")
            losses.append(f"shortcode [gallery] removed{f' (images {ids})' if ids else ''}")
        else:
            losses.append(f"shortcode [{name}] removed")
        return ""

    previous = None
    while previous != text:  # nested pairs, innermost last
        previous, text = text, SHORTCODE_PAIR.sub(pair, text)
    return SHORTCODE_OPEN.sub(single, text)


def _blocks(text: str, losses: list[str]) -> str:
    def embed(match: re.Match) -> str:
        try:
            url = json.loads(match.group(2) or "{}").get("url")
        except ValueError:
            url = None
        url = url or next(iter(URL.findall(match.group(3))), None)
        if not url:
            losses.append("an embed block with no address removed")
            return ""
        losses.append(f"embed {url} became a link")
        return _link(url)

    text = BLOCK_PAIR.sub(embed, text)

    def block(match: re.Match) -> str:
        name = match.group(1)
        short = name.removeprefix("core/")
        if short == "gallery":
            losses.append("a gallery became separate images")
        elif match.group(3) and short not in CONTENT_BLOCKS:
            losses.append(f"block {short!r} (rendered by WordPress, no content of its own) removed")
        return ""

    return BLOCK.sub(block, text)


def _media(text: str, losses: list[str]) -> str:
    def replace(match: re.Match) -> str:
        tag = match.group(1).lower()
        source = SOURCE.search(match.group(2)) or SOURCE.search(match.group(0))
        if source is None:
            losses.append(f"a <{tag}> with no address removed")
            return ""
        losses.append(f"<{tag}> {source.group(1)} became a link")
        return _link(html_lib.unescape(source.group(1)))

    return MEDIA.sub(replace, text)


def _paragraphs(text: str) -> str:
    """WordPress's classic editor stores text with blank lines between paragraphs and single line
    breaks inside them; it adds <p> and <br> itself when it renders."""
    if re.search(r"<p[\s>]", text, re.IGNORECASE):
        return text
    chunks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return "\n".join(
        chunk if BLOCK_TAG.match(chunk) else "<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>"
        for chunk in chunks
        if chunk.strip()
    )


class _Converter(MarkdownConverter):
    def convert_figcaption(self, el, text, *args, **kwargs):
        return f"\n\n{text.strip()}\n\n" if text.strip() else ""


_converter = _Converter(heading_style="ATX", bullets="-", strip=["script", "style", "form", "input", "button"])


def to_markdown(html: str, classic: bool = False) -> tuple[str, list[str]]:
    """Markdown for a post's HTML, and what could not come across as it was."""
    losses: list[str] = []
    if classic:
        html = _paragraphs(html)
    html = _blocks(html, losses)
    html = _shortcodes(html, losses)
    html = _media(html, losses)
    markdown = _converter.convert(html)
    markdown = re.sub(r"\n[ \t]+\n", "\n\n", markdown)  # blank lines left by removed parts; "  \n" is a line break
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip("\n")
    return markdown, list(dict.fromkeys(losses))
