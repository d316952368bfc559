"""Markdown to safe HTML: the only road from an article body to a page, a feed or a preview."""

import re

import markdown as markdown_lib
import nh3

EXTENSIONS = ["extra", "sane_lists"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul", "var",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "code": {"class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
}
# Relative URLs stay allowed; any scheme not listed here (javascript:, data:, vbscript:) is dropped.
URL_SCHEMES = {"http", "https", "mailto"}

# Control characters (but tab, line feed, carriage return), lone surrogates and U+FFFE/U+FFFF:
# forbidden in HTML and XML alike, and meaningless in an article, so they never reach a page.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_control_characters(text: str) -> str:
    return _CONTROL_CHARACTERS.sub("", text)


TOP_HEADING = re.compile(r"<(/?)h1\b", re.IGNORECASE)
# The reader pages' own ids (templates/): a body heading may not take one (`## Notes {#content}`
# would steal the skip link's target).
PAGE_IDS = {"content", "search-query", "related-title"}
# An image whose unsafe src (javascript:, data:) the sanitiser removed: nothing left to show.
IMAGE_WITHOUT_SOURCE = re.compile(r"<img\b(?![^>]*\ssrc=)[^>]*>")
# A URL may not hold spaces ("java\tscript:" arrives as "java    script:", a harmless relative link
# but invalid HTML) nor a % that starts no escape (100%/done): both are percent-encoded, which
# leads to the same place.
URL_TO_FIX = re.compile(r'\b(href|src)="([^"]*(?:\s|%(?![0-9A-Fa-f]{2}))[^"]*)"')
WHITESPACE = re.compile(r"\s")
LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
TABLE_START, TABLE_END = re.compile(r"<table\b[^>]*>"), "</table>"
# A wide table scrolls sideways in its own box on a phone, words whole; the box takes keyboard
# focus (tabindex) and is named (role, label) so people without a mouse can scroll it too.
TABLE_SCROLL = '<div class="table-scroll" role="region" aria-label="Table" tabindex="0">'


def _encode_url(match: re.Match) -> str:
    url = LONE_PERCENT.sub("%25", match.group(2).strip())
    return f'{match.group(1)}="{WHITESPACE.sub("%20", url)}"'


def render_markdown(text: str) -> str:
    """Render Markdown and sanitise the result with an allowlist.

    The article page, the feeds and the editor's live preview all call this, so what an
    editor previews is exactly what readers get.
    """
    html = markdown_lib.markdown(strip_control_characters(text or ""), extensions=EXTENSIONS, output_format="html")
    # The page's title is its only <h1>: a `# Heading` in a body becomes a section heading.
    html = TOP_HEADING.sub(r"<\1h2", html)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        # No rel on links: bodies come from trusted staff and never open a new window, and a
        # rel left on a link whose unsafe href was removed would be invalid HTML.
        link_rel=None,
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        attribute_filter=lambda tag, name, value: None if name == "id" and value in PAGE_IDS else value,
        strip_comments=True,
    )
    # nh3 appends the set attributes in hash order, which changes from call to call: one order,
    # so the same body always renders to the same HTML (stable ETags, lossless export/import).
    html = html.replace(' decoding="async" loading="lazy"', ' loading="lazy" decoding="async"')
    html = IMAGE_WITHOUT_SOURCE.sub("", html)
    html = URL_TO_FIX.sub(_encode_url, html)
    # After sanitising, so the wrapper is ours; nh3's output has every <table> closed.
    return TABLE_START.sub(lambda m: TABLE_SCROLL + m.group(0), html).replace(TABLE_END, TABLE_END + "</div>")
