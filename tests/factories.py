"""Test data, written by the tests themselves."""

import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from articles.models import Article, Author, Tag


def make_author(name="Ada Writer", **fields):
    return Author.objects.get_or_create(name=name, defaults=fields)[0]


def make_tag(name="Essays"):
    return Tag.objects.get_or_create(name=name)[0]


def make_article(title="An Article", *, author=None, draft=False, publish_in=None, tags=(), **fields):
    """A published article by default; `publish_in` (a timedelta) schedules it, `draft=True` hides it."""
    fields.setdefault("body", "Some *Markdown* body text for readers.")
    fields.setdefault("description", f"What {title} is about, in one sentence.")
    if publish_in is not None:
        fields["publish_date"] = timezone.now() + publish_in
    else:
        fields.setdefault("publish_date", timezone.now() - timedelta(days=1))
    article = Article.objects.create(title=title, author=author or make_author(), draft=draft, **fields)
    if tags:
        article.tags.set([make_tag(name) for name in tags])
    return article


def image_bytes(format="JPEG", size=(64, 48), color=(200, 80, 40)):
    """A real image encoded by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=format)
    return buffer.getvalue()


ARTICLE_TEXT = """---
title: 'A Test Article: With a Colon'
subtitle: 'A subtitle'
description: 'A description of the test article.'
author: 'Test Author'
read_time: '8 mins'
publish_date: '2024-02-16'
created_date: '2025-02-16'
heroImage: 'https://images.example.org/hero.jpg'
cta: 'Follow us for more.'
---

The body, with a list:

- one
- two

![An image](https://images.example.org/body.webp)
"""
