"""A Ghost export (Settings -> Labs -> Export, JSON) -> articles.

- Posts bring their title, slug, uuid, dates (UTC), first author (display name), public tags
  (internal `#tags` are left out), custom excerpt (the description), feature image with its alt
  text, and content: `html`, else `lexical` or `mobiledoc` rendered here, then to Markdown.
- Status: published -> public, scheduled -> scheduled, draft -> draft; a members-only or paid
  post, and one sent only by email, -> draft with a warning.
- Image addresses `__GHOST_URL__/content/images/...` become site-absolute
  (`/content/images/...`), found under the command's `--static-dir` (Ghost's content folder's
  parent) when given; the export holds no image files.
- Pages are skipped and counted; `/slug/` (Ghost's address for a post) redirects to the article.
The export is one JSON document, read whole (Ghost's exports hold text only).
"""

import datetime as dt
import html as html_lib
import json
from collections.abc import Callable, Iterator
from typing import BinaryIO

from .frontmatter import Document
from .html import to_markdown
from .report import FileResult, ImageLoader, Skipped, SourceFile

GHOST_URL = "__GHOST_URL__"


def looks_like_ghost(head: bytes) -> bool:
    return b'"exported_on"' in head or (b'"db"' in head and b'"meta"' in head)


def _data(document) -> dict:
    if isinstance(document, dict) and isinstance(document.get("db"), list) and document["db"]:
        document = document["db"][0]
    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        return document["data"]
    raise ValueError("no 'data' with posts in it")


def _id(value) -> str | None:
    """A row's id, as the key the other tables use; None when it is not one."""
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _moment(text) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# Lexical's text format bits and the tags they stand for.
FORMATS = ((1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"))


def raw_token(index: int) -> str:
    """Stands in the HTML for a Markdown card, put back as it is after the conversion."""
    return f"MASTHEADRAW{index}END"


def lexical_html(node, raw: list[str]) -> str:
    """HTML for Ghost's Lexical document (the editor's JSON), node by node; Markdown cards are
    appended to `raw` and stand as tokens."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    inner = "".join(lexical_html(child, raw) for child in node.get("children") or [])
    if kind == "text":
        text = html_lib.escape(str(node.get("text", "")))
        for bit, tag in FORMATS:
            if int(node.get("format") or 0) & bit:
                text = f"<{tag}>{text}</{tag}>"
        return text
    if kind == "linebreak":
        return "<br>"
    if kind == "link":
        return f'<a href="{html_lib.escape(str(node.get("url", "")))}">{inner}</a>'
    if kind in ("heading", "extended-heading"):
        tag = node.get("tag") if node.get("tag") in ("h1", "h2", "h3", "h4", "h5", "h6") else "h2"
        return f"<{tag}>{inner}</{tag}>"
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" else "ul"
        return f"<{tag}>{inner}</{tag}>"
    if kind == "listitem":
        return f"<li>{inner}</li>"
    if kind in ("quote", "aside", "extended-quote"):
        return f"<blockquote>{inner}</blockquote>"
    if kind in ("codeblock", "code"):
        return f"<pre><code>{html_lib.escape(str(node.get('code', '')))}{inner}</code></pre>"
    if kind == "image":
        src, alt = html_lib.escape(str(node.get("src", ""))), html_lib.escape(str(node.get("alt", "")))
        caption = node.get("caption")
        return f'<p><img src="{src}" alt="{alt}"></p>' + (f"<p>{caption}</p>" if caption else "")
    if kind == "markdown":
        raw.append(str(node.get("markdown", "")))
        return f"<p>{raw_token(len(raw) - 1)}</p>"
    if kind == "html":
        return str(node.get("html", ""))
    if kind in ("horizontalrule", "divider"):
        return "<hr>"
    if kind in ("embed", "video", "audio", "bookmark"):
        url = html_lib.escape(str(node.get("url") or node.get("src") or ""))
        return f'<iframe src="{url}"></iframe>' if url else ""
    if kind == "paragraph":
        return f"<p>{inner}</p>"
    return inner  # root and unknown containers


def mobiledoc_html(document, raw: list[str]) -> str:
    """HTML for Ghost's older Mobiledoc format: sections of markers, and cards."""
    if not isinstance(document, dict):
        return ""
    markups, cards, out = document.get("markups") or [], document.get("cards") or [], []

    def markers(items) -> str:
        text, open_tags = "", []
        for marker in items or []:
            if not isinstance(marker, list) or len(marker) < 4:
                continue
            kind, opens, closes, value = marker[:4]
            for index in opens or []:
                tag, *attributes = markups[index] if index < len(markups) else ["span"]
                attrs = attributes[0] if attributes else []
                href = next((attrs[i + 1] for i in range(0, len(attrs) - 1, 2) if attrs[i] == "href"), None)
                text += f'<{tag} href="{html_lib.escape(str(href))}">' if href else f"<{tag}>"
                open_tags.append(tag)
            text += html_lib.escape(str(value)) if kind == 0 else ""
            for _ in range(int(closes or 0)):
                if open_tags:
                    text += f"</{open_tags.pop()}>"
        return text + "".join(f"</{tag}>" for tag in reversed(open_tags))

    for section in document.get("sections") or []:
        if not isinstance(section, list) or not section:
            continue
        if section[0] == 1 and len(section) >= 3:
            tag = str(section[1]).lower()
            tag = tag if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote") else "p"
            out.append(f"<{tag}>{markers(section[2])}</{tag}>")
        elif section[0] == 3 and len(section) >= 3:
            tag = "ol" if section[1] == "ol" else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{markers(item)}</li>" for item in section[2]) + f"</{tag}>")
        elif section[0] == 10 and len(section) >= 2 and section[1] < len(cards):
            name, payload = (cards[section[1]] + [{}])[:2]
            payload = payload if isinstance(payload, dict) else {}
            node = {"type": {"card-markdown": "markdown", "hr": "horizontalrule"}.get(name, name), **payload}
            out.append(lexical_html(node, raw))
    return "".join(out)


class GhostExport:
    def __init__(self, name: str, opener: Callable[[], BinaryIO], load_image: ImageLoader):
        self.name, self.load_image = name, load_image
        self.error: str | None = None
        self.data: dict = {}
        try:
            with opener() as file:
                self.data = _data(json.load(file))
        except (ValueError, OSError, RecursionError) as error:
            self.error = f"not a readable Ghost export: {error}"

    def _list(self, key: str) -> list[dict]:
        value = self.data.get(key)
        return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []

    def __len__(self):
        return max(len(self._list("posts")), 1)

    def __iter__(self) -> Iterator[SourceFile | FileResult | Skipped]:
        if self.error:
            yield FileResult(self.name, "failed", errors=[self.error])
            return
        users = {_id(row.get("id")): row.get("name") or row.get("slug") for row in self._list("users")}
        tags = {_id(row.get("id")): row for row in self._list("tags")}

        def order(row):
            value = row.get("sort_order")
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

        post_tags: dict = {}
        for row in sorted(self._list("posts_tags"), key=order):
            post_tags.setdefault(_id(row.get("post_id")), []).append(_id(row.get("tag_id")))
        post_authors: dict = {}
        for row in sorted(self._list("posts_authors"), key=order):
            post_authors.setdefault(_id(row.get("post_id")), []).append(_id(row.get("author_id")))
        post_meta = {_id(row.get("post_id")): row for row in self._list("posts_meta")}
        for post in self._list("posts"):
            try:
                yield self._post(post, users, tags, post_tags, post_authors, post_meta)
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                yield FileResult(f"{self.name} post {post.get('slug') or post.get('id')}", "failed",
                                 errors=[f"not a post Masthead can read: {error}"])

    def _post(self, post, users, tags, post_tags, post_authors, post_meta) -> SourceFile | Skipped:
        if post.get("type") == "page" or post.get("page") in (True, 1):
            return Skipped("pages")
        notes = []
        meta = {"title": str(post.get("title") or f"Untitled (Ghost post {post.get('id')})")}
        if post.get("slug"):
            meta["slug"] = str(post["slug"])
        if post.get("uuid"):
            meta["uuid"] = str(post["uuid"])
        author_ids = post_authors.get(_id(post.get("id"))) or [_id(post.get("author_id"))]
        author = next((users[a] for a in author_ids if users.get(a)), None)
        if author:
            meta["author"] = str(author)
        status, visibility = post.get("status"), post.get("visibility") or "public"
        moment = _moment(post.get("published_at"))
        if moment:
            meta["publish_date"] = moment
        if created := _moment(post.get("created_at")):
            meta["created_date"] = created
        meta["draft"] = status not in ("published", "scheduled")
        if status == "sent":
            notes.append("sent by email only on Ghost, so imported as a draft")
        if visibility != "public" and not meta["draft"]:
            meta["draft"] = True
            notes.append(f"for {visibility} readers on Ghost, so imported as a draft")
        names = [tags[t].get("name") for t in post_tags.get(_id(post.get("id")), []) if t in tags]
        names = [str(name) for name in names if name and not str(name).startswith("#")]
        if names:
            meta["tags"] = names
        if post.get("custom_excerpt"):
            meta["description"] = str(post["custom_excerpt"])
        extra = post_meta.get(_id(post.get("id")), {})
        image = post.get("feature_image")
        if image:
            meta["heroImage"] = str(image).replace(GHOST_URL, "")
            alt = extra.get("feature_image_alt") or post.get("feature_image_alt")
            if alt:
                meta["heroImageAlt"] = str(alt)
        html, raw = post.get("html"), []
        if not html and post.get("lexical"):
            html = lexical_html(json.loads(post["lexical"]).get("root"), raw)
        elif not html and post.get("mobiledoc"):
            html = mobiledoc_html(json.loads(post["mobiledoc"]), raw)
        body, losses = to_markdown(str(html or "").replace(GHOST_URL, ""))
        for index, markdown in enumerate(raw):
            body = body.replace(raw_token(index), markdown.replace(GHOST_URL, "").strip("\n"))
        notes += losses
        return SourceFile(
            f"{self.name} post {post.get('slug') or post.get('id')}", document=Document(meta, body),
            load_image=self.load_image, notes=notes, redirects=[f"/{post['slug']}/"] if post.get("slug") else [],
        )
