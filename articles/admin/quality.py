"""Non-blocking checks an editor can act on, shown on the article's change form."""

import re
from dataclasses import dataclass

from django.utils.html import strip_tags
from django.utils.text import Truncator

from ..markdown import removed_elements, removed_elements_message
from ..reading import reading_time

TITLE_RANGE = (20, 70)
DESCRIPTION_RANGE = (50, 160)
IMAGE_WITHOUT_ALT = re.compile(r"!\[\s*\]\(|<img\b(?![^<>]{0,2000}\balt\s*=\s*[\"'][^\"']+)[^<>]{0,2000}>", re.IGNORECASE)


@dataclass
class Check:
    ok: bool
    label: str
    advice: str = ""


def checks(article, previous_slugs=()) -> list[Check]:
    title_length = len(article.title or "")
    description_length = len((article.description or "").strip())
    missing_alt = len(IMAGE_WITHOUT_ALT.findall(article.body or ""))
    has_hero = bool(article.hero_image or article.hero_image_url)
    minutes = article.read_time_override or reading_time(article.body)
    result = [
        Check(
            TITLE_RANGE[0] <= title_length <= TITLE_RANGE[1],
            f"Title: {title_length} characters",
            f"Search engines show about {TITLE_RANGE[1]} characters; aim for {TITLE_RANGE[0]}–{TITLE_RANGE[1]}.",
        ),
        Check(
            DESCRIPTION_RANGE[0] <= description_length <= DESCRIPTION_RANGE[1],
            f"Description: {description_length} characters" if description_length else "Description: missing",
            f"Lists, feeds and search results show it; aim for {DESCRIPTION_RANGE[0]}–{DESCRIPTION_RANGE[1]} characters.",
        ),
        Check(
            not has_hero or bool(article.hero_image_alt.strip()),
            "Hero image alt text: " + ("present" if article.hero_image_alt.strip() else "missing") if has_hero
            else "Hero image: none",
            "Describe the image for readers who cannot see it.",
        ),
        Check(
            missing_alt == 0,
            f"Body images without alt text: {missing_alt}",
            "Write the description between the brackets: ![what the image shows](…).",
        ),
        Check(True, f"Reading time: {minutes} min"),
    ]
    if removed := removed_elements(article.body or ""):
        result.append(Check(False, "Removed from the body: " + ", ".join(f"<{name}>" for name in removed),
                            removed_elements_message(removed)))
    if previous_slugs:
        result.append(
            Check(
                False,
                "Slug changed after publishing: " + ", ".join(f"/articles/{slug}/" for slug in previous_slugs),
                "The old address answers a permanent redirect to this one (Redirects in the admin lists them).",
            )
        )
    return result


def search_snippet(article, base_url: str) -> dict:
    """How the article may appear in a search result."""
    description = (article.description or "").strip() or strip_tags(article.body_html or "")
    return {
        "title": Truncator(article.title).chars(TITLE_RANGE[1]),
        "url": f"{base_url}/articles/{article.slug}/",
        "description": Truncator(" ".join(description.split())).chars(DESCRIPTION_RANGE[1]),
    }
