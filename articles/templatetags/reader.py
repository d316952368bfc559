"""Template helpers for the readers' pages: responsive heroes, share images, JSON-LD."""

import json

from django import template
from django.utils.html import _json_script_escapes, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from ..addresses import absolute_url
from ..markdown import render_inline_markdown
from ..renditions import picture_html, responsive_image
from ..share_images import share_image_url
from ..views import archive_month_url

register = template.Library()


@register.filter
def iso8601(moment) -> str:
    """A date and time as HTML's datetime attribute and Open Graph want it: no microseconds."""
    return localtime(moment).isoformat(timespec="seconds") if moment else ""


@register.filter
def call_to_action_html(text) -> str:
    """A call to action written in inline Markdown (links, emphasis): paragraphs, no ids."""
    return mark_safe(render_inline_markdown(text or ""))


@register.filter
def month_archive_url(month) -> str:
    """The canonical archive address of the month a date falls in."""
    return archive_month_url(month.year, month.month)


# How wide a hero is drawn in each place (CSS in static/css/site.css decides the same widths).
SIZES = {
    "article": "(min-width: 46rem) 42.5rem, calc(100vw - 2.5rem)",
    "featured": "(min-width: 72rem) 40rem, (min-width: 48rem) 58vw, calc(100vw - 2.5rem)",
    "card": "(min-width: 72rem) 27rem, (min-width: 48rem) 38vw, calc(100vw - 2.5rem)",
}


@register.simple_tag
def hero_image(article, place="article", lazy=True, alt=None):
    """The article's hero: responsive renditions of an upload, an external URL as it is."""
    alt = article.hero_image_alt if alt is None else alt
    css_class = "hero"
    if article.hero_image:
        image = responsive_image(article.hero_image.name)
        if image is not None:
            return mark_safe(picture_html(image, alt=alt, sizes=SIZES[place], css_class=css_class, lazy=lazy))
    if not article.hero_src:
        return ""
    size = (
        format_html(' width="{}" height="{}"', article.hero_width, article.hero_height)
        if article.hero_image and article.hero_width
        else ""
    )
    loading = mark_safe(' loading="lazy" decoding="async"' if lazy else ' fetchpriority="high" decoding="async"')
    return format_html(
        '<img class="{}" src="{}" alt="{}"{}{}>', css_class, article.hero_src, alt, size, loading
    )


@register.simple_tag(takes_context=True)
def share_image(context, article):
    """(absolute URL, width, height) of the image shown when the article is shared."""
    request = context["request"]
    if article.hero_image:
        image = responsive_image(article.hero_image.name)
        if image is not None:
            return absolute_url(request, image.largest_url), image.width, image.height
    if article.hero_image_url:
        return article.hero_image_url, None, None
    # Until it is public (a preview), the image's name also depends on the article's share secret.
    secret = "" if article.is_public else article.share_secret
    return absolute_url(request, share_image_url(article.title, str(context["site_name"]), secret)), 1200, 630


@register.simple_tag(takes_context=True)
def article_json_ld(context, article, image_url):
    """A schema.org Article as JSON-LD: data, not script, so a strict CSP allows it."""
    request = context["request"]
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.description or article.subtitle,
        "image": [image_url],
        "datePublished": localtime(article.publish_date).isoformat(),
        "dateModified": localtime(article.updated).isoformat(),
        "author": [
            {"@type": "Person", "name": article.author.name, "url": absolute_url(request, article.author.get_absolute_url())}
        ],
        "publisher": {"@type": "Organization", "name": str(context["site_name"]), "url": absolute_url(request, "/")},
        "mainEntityOfPage": absolute_url(request, article.get_absolute_url()),
    }
    text = json.dumps(data, ensure_ascii=False).translate(_json_script_escapes)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
