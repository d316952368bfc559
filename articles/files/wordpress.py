"""A WordPress export (WXR: RSS with WordPress's namespaces) -> articles.

Read with defusedxml (no entity expansion, no external entities, no DTD tricks) and streamed
with iterparse, each item cleared once read, so memory stays flat however large the export.
Two passes over the file: the first finds the authors' display names, each attachment's address
and alt text (for featured images) and the count of every kind of item, the second yields posts.

- Posts bring their title, slug, date (UTC), author (display name), categories and tags (as
  tags; WordPress's default "Uncategorized" is left out), excerpt (the description), featured
  image (its address and alt text) and content (to Markdown, articles/files/html.py).
- Status: publish -> public, future -> scheduled, draft/pending/private -> draft; a password
  -protected post -> draft, with a warning. Trashed posts and auto-drafts are skipped.
- Pages, attachments, menu items, revisions, reusable blocks, other post types and comments are
  skipped and counted by kind for the loss report.
- The post's permalink (`/2013/01/11/slug/`) and `/?p=ID` become redirects to the article.
"""

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import BinaryIO
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .frontmatter import Document
from .html import to_markdown
from .report import FileResult, ImageLoader, Skipped, SourceFile

NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
DRAFT_STATUSES = {"draft", "pending", "private"}
SKIPPED_STATUSES = {"trash": "trashed posts", "auto-draft": "auto-drafts", "inherit": "revisions"}
KINDS = {
    "page": "pages", "attachment": "attachments", "nav_menu_item": "menu items", "revision": "revisions",
    "wp_block": "reusable blocks", "wp_navigation": "menus", "custom_css": "custom CSS",
    "wp_template": "templates", "wp_template_part": "templates", "wp_global_styles": "styles",
}
TAG_TEXT = re.compile(r"<[^>]+>")


@functools.lru_cache(maxsize=512)
def _key(tag: str) -> str:
    """'{http://wordpress.org/export/1.2/}post_type' -> 'wp:post_type' (any WXR version)."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if uri.startswith("http://wordpress.org/export/"):
        return f"{'excerpt' if uri.rstrip('/').endswith('excerpt') else 'wp'}:{local}"
    return f"{NAMESPACES.get(uri, uri)}:{local}"


def _text(element, key: str) -> str:
    for child in element:
        if _key(child.tag) == key:
            return (child.text or "").strip() if key not in ("content:encoded", "excerpt:encoded") else child.text or ""
    return ""


def _meta(item) -> dict[str, str]:
    values = {}
    for child in item:
        if _key(child.tag) == "wp:postmeta":
            values[_text(child, "wp:meta_key")] = _text(child, "wp:meta_value")
    return values


def _gmt(text: str) -> dt.datetime | None:
    if not text or text.startswith("0000"):
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _path(url: str) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


class WordPressExport:
    def __init__(self, name: str, opener: Callable[[], BinaryIO], load_image: ImageLoader):
        self.name, self.opener, self.load_image = name, opener, load_image
        self.authors: dict[str, str] = {}
        self.attachments: dict[str, tuple[str, str]] = {}  # id -> (address, alt text)
        self.kinds: Counter = Counter()
        self.error: str | None = None
        try:
            self._first_pass()
        except (ParseError, DefusedXmlException, ValueError, OSError) as error:
            self.error = f"not a readable WordPress export: {error}"

    def _items(self) -> Iterator[tuple[str, object]]:
        """('author', element) and ('item', element), each cleared after use."""
        with self.opener() as file:
            parent = None
            for event, element in iterparse(file, events=("start", "end"), forbid_dtd=True):
                key = _key(element.tag)
                if event == "start":
                    if key == "channel":
                        parent = element
                    continue
                if key in ("item", "wp:author") and parent is not None:
                    yield key, element
                    element.clear()
                    if element in parent:
                        parent.remove(element)

    def _first_pass(self):
        for key, element in self._items():
            if key == "wp:author":
                login = _text(element, "wp:author_login")
                self.authors[login] = _text(element, "wp:author_display_name") or login
                continue
            kind = _text(element, "wp:post_type") or "post"
            self.kinds[kind] += 1
            if kind == "attachment":
                url = _text(element, "wp:attachment_url") or _text(element, "guid")
                self.attachments[_text(element, "wp:post_id")] = (url, _meta(element).get("_wp_attachment_image_alt", ""))

    def __len__(self):
        return max(sum(self.kinds.values()), 1)

    def __iter__(self) -> Iterator[SourceFile | FileResult | Skipped]:
        if self.error:
            yield FileResult(self.name, "failed", errors=[self.error])
            return
        try:
            for key, item in self._items():
                if key == "item":
                    yield from self._item(item)
        except (ParseError, DefusedXmlException, ValueError, OSError) as error:
            yield FileResult(self.name, "failed", errors=[f"the export stops being readable: {error}; the posts before it were read"])

    def _item(self, item) -> Iterator[SourceFile | Skipped]:
        kind = _text(item, "wp:post_type") or "post"
        comments = sum(1 for child in item if _key(child.tag) == "wp:comment")
        if comments:
            yield Skipped("comments", comments)
        status = _text(item, "wp:status")
        if kind != "post":
            yield Skipped(KINDS.get(kind, f"other items ({kind})"))
            return
        if status in SKIPPED_STATUSES:
            yield Skipped(SKIPPED_STATUSES[status])
            return
        post_id = _text(item, "wp:post_id")
        title = _text(item, "title")
        notes = []
        if not title:
            title = f"Untitled (WordPress post {post_id})"
            notes.append("title: the post had none")
        meta = {"title": title, "author": self.authors.get(_text(item, "dc:creator"), _text(item, "dc:creator"))}
        slug = unquote(_text(item, "wp:post_name"))
        if slug:
            meta["slug"] = slug
        if moment := _gmt(_text(item, "wp:post_date_gmt")):
            meta["publish_date"] = moment
        meta["draft"] = status in DRAFT_STATUSES or status not in ("publish", "future")
        if _text(item, "wp:post_password"):
            meta["draft"] = True
            notes.append("password-protected on WordPress, so imported as a draft")
        if status == "private":
            notes.append("private on WordPress, so imported as a draft")
        tags = []
        for child in item:
            if child.tag == "category" and child.get("domain") in ("category", "post_tag"):
                if child.get("domain") == "category" and child.get("nicename") == "uncategorized":
                    continue
                tags.append((child.text or "").strip())
        if tags:
            meta["tags"] = tags
        excerpt = TAG_TEXT.sub("", _text(item, "excerpt:encoded")).strip()
        if excerpt:
            meta["description"] = excerpt
        thumbnail = _meta(item).get("_thumbnail_id")
        if thumbnail:
            url, alt = self.attachments.get(thumbnail, ("", ""))
            if url:
                meta["heroImage"] = url
                if alt:
                    meta["heroImageAlt"] = alt
            else:
                notes.append(f"featured image: attachment {thumbnail} is not in the export")
        content = _text(item, "content:encoded")
        body, losses = to_markdown(content, classic="<!-- wp:" not in content)
        notes += losses
        redirects = [path for path in (_path(_text(item, "link")), f"/?p={post_id}" if post_id else None) if path]
        yield SourceFile(
            f"{self.name} post {post_id or '?'}", document=Document(meta, body), load_image=self.load_image,
            notes=notes, redirects=list(dict.fromkeys(redirects)),
        )
