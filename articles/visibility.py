"""Which authors and tags readers may see: those with at least one published article.

An author or tag with only drafts or scheduled articles (or none) answers 404 like an unknown
one, on its page and its feeds, so nobody can probe for the name of an embargoed tag or an
unannounced author. "Published" is `Article.objects.published()`, the one visibility rule.
"""

from django.db.models import Exists, OuterRef

from .models import Article, Author, Tag


def public_authors():
    return Author.objects.filter(Exists(Article.objects.published().filter(author=OuterRef("pk"))))


def public_tags():
    return Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))
