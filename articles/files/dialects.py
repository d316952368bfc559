"""Front matter as other tools write it -> the reference keys.

Astro, its themes, Hugo, Jekyll, Eleventy and Obsidian name the same things differently. Each
foreign key maps to one reference key (the table below, also in the README); the reference key
wins when a file has both. A key no tool here defines is left for the importer to name as
unknown. Nothing is guessed from values, except that Jekyll's `published: false` means a draft
while Ghost-like `published: 2024-01-02` is a date.
"""

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

# foreign key -> reference key, in the order they are tried (first present wins).
ALIASES: dict[str, tuple[str, ...]] = {
    "publish_date": ("pubDate", "publishDate", "pubDatetime", "published", "publishedAt", "date"),
    "created_date": ("created", "createdAt"),
    "description": ("summary", "excerpt"),
    "heroImage": ("coverImage", "cover", "image", "images", "featured_image", "featureImage", "ogImage"),
    "heroImageAlt": ("coverImageAlt", "imageAlt", "cover_alt"),
    "author": ("authors",),
}
# Keys whose names join the tags (Hugo and Jekyll keep both tags and categories).
TAG_KEYS = ("tags", "categories", "category")
# Keys these tools use for something Masthead keeps itself, or that have no meaning here:
# read without a word (the update time is the import's; layout and permalinks are the site's).
IGNORED = {
    "updatedDate", "updated", "lastmod", "modDatetime", "updatedAt", "layout", "permalink", "aliases",
    "type", "weight", "toc", "comments", "featured", "eleventyExcludeFromCollections", "cssclasses",
}
ELEVENTY_DATES = {"last modified", "created", "git last modified", "git created"}
# Jekyll's posts: _posts/2013-01-11-my-post.md carries its date and its slug.
DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
# An ATX heading of level one, the first thing in a note: Obsidian's title.
FIRST_HEADING = re.compile(r"\A\s*# +(.+?)(?: +#+)? *(?:\n|\Z)")
BUNDLE_INDEX = {"index", "_index", "readme"}


@dataclass
class Mapped:
    meta: dict
    body: str
    notes: list[str] = field(default_factory=list)  # warnings about what was taken from where
    date_from_name: str | None = None


def _image(value, meta: dict) -> object:
    """`{src, alt}` (Astro), `{image, alt}` (Hugo themes) or a list of paths (Hugo `images`)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        alt = value.get("alt")
        if isinstance(alt, str) and "heroImageAlt" not in meta:
            meta["heroImageAlt"] = alt
        value = value.get("src") or value.get("image") or value.get("url")
    return value


def _author(value) -> object:
    """A name, `{name: ...}`, or a list of those (the first is the article's author)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value


def title_from_name(name: str) -> str:
    """'My note.md' -> 'My note'; 'my-first-post.md' -> 'My first post'; a bundle's folder name."""
    path = PurePosixPath(name.replace("\\", "/"))
    stem = path.stem
    if stem.lower() in BUNDLE_INDEX and path.parent.name:
        stem = path.parent.name
    if match := DATED_NAME.match(stem):
        stem = match.group(2)
    if " " not in stem:
        stem = re.sub(r"[-_]+", " ", stem).strip() or stem
    return stem[:1].upper() + stem[1:]


def map_keys(meta: dict, body: str, name: str) -> Mapped:
    """The reference keys for a file's front matter (and title, date and slug from its name)."""
    meta = dict(meta)
    mapped = Mapped(meta, body)
    published = meta.get("published")
    if isinstance(published, bool):  # Jekyll: `published: false` is a draft
        meta.pop("published")
        if "draft" not in meta:
            meta["draft"] = not published
    for key, aliases in ALIASES.items():
        for alias in aliases:
            if alias not in meta:
                continue
            value = meta.pop(alias)
            if key in meta or value in (None, "", []):
                continue
            if key == "heroImage":
                value = _image(value, meta)
            elif key == "author":
                value = _author(value)
            meta[key] = value
    if "heroImage" in meta:
        meta["heroImage"] = _image(meta["heroImage"], meta)
    if "author" in meta:
        meta["author"] = _author(meta["author"])
    for key in IGNORED & meta.keys():
        meta.pop(key)
    # Eleventy's date keywords name a file's own dates, which an import cannot know: no date.
    if isinstance(meta.get("publish_date"), str) and meta["publish_date"].strip().lower() in ELEVENTY_DATES:
        mapped.notes.append(f"publish_date: {meta.pop('publish_date')!r} is a date only Eleventy knows")
    # Tags written as one string (Eleventy's `tags: post`, `tags: a, b`) or lists, from each key.
    if any(key in meta for key in TAG_KEYS[1:]):
        names = []
        for key in TAG_KEYS:
            value = meta.pop(key, None)
            if isinstance(value, str):
                # Jekyll splits a string of categories at spaces: `categories: jekyll update`.
                value = value.split(",") if "," in value or key == "tags" else value.split()
            if isinstance(value, list):
                names += value
            elif value is not None:
                names.append(value)  # not names: the importer says what is wrong with it
        meta["tags"] = names
    stem = PurePosixPath(name.replace("\\", "/")).stem
    if match := DATED_NAME.match(stem):
        mapped.date_from_name = match.group(1)
        if "slug" not in meta and re.fullmatch(r"[-\w]+", match.group(2)):
            meta["slug"] = match.group(2)
    if meta.get("title") in (None, ""):
        heading = FIRST_HEADING.match(body)
        if heading:
            meta["title"] = heading.group(1).strip()
            mapped.body = body[heading.end():].lstrip("\n")
            mapped.notes.append("title: taken from the first heading (removed from the body)")
        else:
            meta["title"] = title_from_name(name)
            mapped.notes.append(f"title: taken from the file name ({meta['title']!r})")
    return mapped
