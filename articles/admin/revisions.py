"""What a revision holds as editors read it, and word-by-word diffs between two of them."""

import difflib
import re

from ..dates import local
from ..models import Article, Author, Tag

# What a revision shows and restores, in form order; publishing fields only for publishers.
CONTENT_FIELDS = [
    "title", "subtitle", "slug", "description", "body", "hero_image", "hero_image_url",
    "hero_image_alt", "cta", "read_time_override", "tags",
]
PUBLISHING_FIELDS = ["author", "draft", "publish_date"]


def _field_text(name: str, value) -> str:
    """A field's value as an editor reads it in a diff."""
    if value in (None, ""):
        return ""
    if name == "author":
        return str(Author.objects.filter(pk=value).first() or value)
    if name == "tags":
        return ", ".join(Tag.objects.filter(pk__in=value).order_by("name").values_list("name", flat=True))
    if name == "publish_date":
        return local(value)
    if name == "draft":
        return "draft" if value else "not a draft"
    return str(value)


def snapshot_of_version(version) -> dict:
    data = version.field_dict
    values = {name: data.get(name) for name in CONTENT_FIELDS if name != "tags"}
    values.update(author=data.get("author_id"), draft=data.get("draft"), publish_date=data.get("publish_date"))
    values["tags"] = [int(pk) for pk in data.get("tags", [])]
    return {name: _field_text(name, values[name]) for name in CONTENT_FIELDS + PUBLISHING_FIELDS}


def snapshot_of_article(article) -> dict:
    values = {name: getattr(article, name) for name in CONTENT_FIELDS if name != "tags"}
    values.update(author=article.author_id, draft=article.draft, publish_date=article.publish_date)
    values["tags"] = list(article.tags.values_list("pk", flat=True))
    return {name: _field_text(name, values[name]) for name in CONTENT_FIELDS + PUBLISHING_FIELDS}


TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
CONTEXT_WORDS = 12


def word_diff(old: str, new: str) -> list[dict]:
    """The pieces of a text change, word by word: unchanged runs shortened to their edges, so a
    one-word edit in a long paragraph shows as that word (escaped by the template)."""
    before, after = TOKENS.findall(old), TOKENS.findall(new)
    opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    # Changes separated only by spaces read as one change: "An unfortunate rewrite" → "The good version".
    merged = []
    for op in opcodes:
        tag, i1, i2, j1, j2 = op
        if merged and tag != "equal" and merged[-1][0] != "equal":
            merged[-1] = ("replace", merged[-1][1], i2, merged[-1][3], j2)
            continue
        if merged and tag != "equal" and len(merged) >= 2 and merged[-2][0] != "equal" and merged[-1][0] == "equal" \
                and not "".join(before[merged[-1][1]:merged[-1][2]]).strip():
            merged.pop()
            merged[-1] = ("replace", merged[-1][1], i2, merged[-1][3], j2)
            continue
        merged.append(op)
    pieces = []
    for tag, i1, i2, j1, j2 in merged:
        if tag == "equal":
            same = before[i1:i2]
            if len(same) > 2 * CONTEXT_WORDS + 1:
                head = same[:CONTEXT_WORDS] if pieces else []
                tail = same[-CONTEXT_WORDS:] if i2 < len(before) or j2 < len(after) else []
                if head:
                    pieces.append({"kind": "same", "text": "".join(head)})
                pieces.append({"kind": "hunk", "text": " … "})
                if tail:
                    pieces.append({"kind": "same", "text": "".join(tail)})
            else:
                pieces.append({"kind": "same", "text": "".join(same)})
            continue
        if i2 > i1:
            pieces.append({"kind": "removed", "text": "".join(before[i1:i2])})
        if j2 > j1:
            pieces.append({"kind": "added", "text": "".join(after[j1:j2])})
    return pieces


def field_diffs(old: dict, new: dict, fields=None) -> list[dict]:
    """Changed fields, each with its word-by-word diff for display."""
    changes = []
    for name in fields or CONTENT_FIELDS + PUBLISHING_FIELDS:
        if old[name] == new[name]:
            continue
        changes.append({"field": Article._meta.get_field(name).verbose_name, "pieces": word_diff(old[name], new[name])})
    return changes
