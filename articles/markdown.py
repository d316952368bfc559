"""Markdown to safe HTML: the only road from an article body to a page, a feed or a preview.

CommonMark with GitHub's extensions (tables, strikethrough, task lists, bare-URL autolinks,
footnotes), parsed by cmark-gfm, GitHub's own C implementation: linear in its input whatever
the input (it is fuzzed for that), which a pure-Python parser is not (see README.md).

cmarkgfm's Python functions only turn text into HTML (and leak the syntax tree and the HTML
of every call), so this module drives the C library it ships directly through ctypes: parse,
walk the tree (heading ids, highlighted code blocks), render, free. Then nh3 sanitises with an
allowlist; it is the last step that touches an attribute, and works on parsed attributes
(`_Attributes`): ids get one prefix, fragment links follow it, URLs are percent-encoded where
a reader or a feed reader might see a space or a hidden character.
"""

import ctypes
import html as html_lib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import cmarkgfm
from django.conf import settings
import nh3
from cmarkgfm import _cmark
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from .text import NOT_TEXT, strip_control_characters

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href", "class", "aria-label"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "code": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "sup": {"class"},
    "h2": {"class"},
    "section": {"class"},
    "figure": {"class"},
    "div": {"class", "role", "aria-label", "tabindex"},
    "td": {"colspan", "rowspan", "class"},
    "th": {"colspan", "rowspan", "scope", "class"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "input": {"type", "checked", "disabled"},
}
# Classes a body may carry: Masthead's own (static/css/site.css, static/css/code-*.css) and no
# other, so a body cannot borrow the page's or the admin's styles.
ALLOWED_CLASSES = (
    {"highlight", "footnote-ref", "footnote-backref", "footnotes", "table-scroll", "code", "visually-hidden"}
    | {f"align-{side}" for side in ("left", "center", "right")}
    | {name for name in STANDARD_TYPES.values() if name}
)
LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")
# Relative URLs stay allowed; any scheme not listed here (javascript:, data:, vbscript:) is dropped.
URL_SCHEMES = {"http", "https", "mailto"}
# Every id in a body carries this prefix, given or generated, and the body's own #fragment links
# follow: no body id can equal one of the page's or the admin's (the way GitHub does it).
ID_PREFIX = "user-content-"
# Removed with what they hold, not only their tags: their content is code or fallback text.
REMOVED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select"}

# The same, written as a character reference in raw HTML (`&#2;`, `&#x1b;`): the sanitiser
# would decode it into the page.
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def size_error(size: int) -> str | None:
    """Why a body of `size` bytes is too long to store, preview or import, or None."""
    if size > settings.MARKDOWN_MAX_BYTES:
        return (f"{size:,} bytes; the limit for one article is {settings.MARKDOWN_MAX_BYTES:,} bytes "
                "(MARKDOWN_MAX_BYTES). Split it into several articles.")
    return None


def body_size_error(text: str) -> str | None:
    problem = size_error(len(text.encode("utf-8", "surrogatepass")))
    return problem and f"The body is {problem}"


def _drop_control_reference(match: re.Match) -> str:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    return "" if code < 0x110000 and NOT_TEXT.match(chr(code)) else match.group(0)


# libcmark-gfm, as loaded by cmarkgfm (same file, so the same process-wide extension registry).
_lib = ctypes.CDLL(_cmark.__file__)
_node, _text = ctypes.c_void_p, ctypes.c_char_p
for _name, _result, _arguments in [
    ("cmark_parser_new", _node, [ctypes.c_int]),
    ("cmark_parser_feed", None, [_node, _text, ctypes.c_size_t]),
    ("cmark_parser_finish", _node, [_node]),
    ("cmark_parser_free", None, [_node]),
    ("cmark_parser_attach_syntax_extension", ctypes.c_int, [_node, _node]),
    ("cmark_parser_get_syntax_extensions", _node, [_node]),
    ("cmark_find_syntax_extension", _node, [_text]),
    ("cmark_render_html", _node, [_node, ctypes.c_int, _node]),
    ("cmark_node_free", None, [_node]),
    ("cmark_node_new", _node, [ctypes.c_int]),
    ("cmark_node_get_type_string", _text, [_node]),
    ("cmark_node_get_type", ctypes.c_int, [_node]),
    ("cmark_node_first_child", _node, [_node]),
    ("cmark_node_next", _node, [_node]),
    ("cmark_node_get_literal", _text, [_node]),
    ("cmark_node_set_literal", ctypes.c_int, [_node, _text]),
    ("cmark_node_get_fence_info", _text, [_node]),
    ("cmark_node_get_fenced", ctypes.c_int, [_node, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int), ctypes.c_char_p]),
    ("cmark_node_last_child", _node, [_node]),
    ("cmark_node_prepend_child", ctypes.c_int, [_node, _node]),
    ("cmark_node_insert_before", ctypes.c_int, [_node, _node]),
    ("cmark_node_unlink", None, [_node]),
]:
    _function = getattr(_lib, _name)
    _function.restype, _function.argtypes = _result, _arguments


class _Memory(ctypes.Structure):
    _fields_ = [("calloc", ctypes.c_void_p), ("realloc", ctypes.c_void_p), ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p))]


_lib.cmark_get_default_mem_allocator.restype = ctypes.POINTER(_Memory)
_free = _lib.cmark_get_default_mem_allocator().contents.free  # what the renderer's output is allocated with

_lib.cmark_gfm_core_extensions_ensure_registered()
_EXTENSIONS = [_lib.cmark_find_syntax_extension(name) for name in (b"table", b"strikethrough", b"autolink", b"tasklist")]
# Raw HTML passes cmark (nh3 decides what stays); footnotes on; invalid UTF-8 replaced.
_OPTIONS = cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE | cmarkgfm.cmark.Options.CMARK_OPT_FOOTNOTES | cmarkgfm.cmark.Options.CMARK_OPT_VALIDATE_UTF8
# cmark_node_type values (cmark-gfm's node.h); extension nodes (tables...) have others.
_TEXT_NODE, _CODE_NODE = 0xC001, 0xC004
_CODE_BLOCK_NODE, _HTML_BLOCK_NODE, _HEADING_NODE = 0x8005, 0x8006, 0x8009
_CONTAINERS = {0x8002, 0x8003, 0x8004, 0x800B}  # block quote, list, item, footnote definition

for _type, _expected in [(_TEXT_NODE, b"text"), (_CODE_NODE, b"code"), (_CODE_BLOCK_NODE, b"code_block"),
                         (_HTML_BLOCK_NODE, b"html_block"), (_HEADING_NODE, b"heading")]:
    _probe = _lib.cmark_node_new(_type)
    assert _lib.cmark_node_get_type_string(_probe) == _expected, (hex(_type), _expected)  # a changed libcmark
    _lib.cmark_node_free(_probe)

# A heading's own id written after it, as kramdown, Pandoc, Hugo and Jekyll read it: `## Setup {#install}`.
GIVEN_ID = re.compile(r"\s*\{#([^\s{}#]{1,100})\}\s*$")
_HEADING_MARK = re.compile("<h([1-6])>\ufdd0([0-9]+)\ufdd1")
TOP_HEADING = re.compile(r"<(/?)h1\b", re.IGNORECASE)
_ALIGNED_CELL = re.compile(r'<(th|td) align="(left|center|right)">')
_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
# An image whose unsafe src (javascript:, data:) the sanitiser removed: nothing left to show.
IMAGE_WITHOUT_SOURCE = re.compile(r"<img\b(?![^>]*\ssrc=)[^>]*>")
_FOOTNOTES = '<section class="footnotes" data-footnotes>'
_FOOTNOTES_HEADING = '<h2 class="visually-hidden">Footnotes</h2>'
TABLE_START, TABLE_END = re.compile(r"<table\b", re.IGNORECASE), re.compile(r"</table\s*>", re.IGNORECASE)
# A wide table scrolls sideways in its own box on a phone, words whole; the box takes keyboard
# focus (tabindex) and is named (role, label) so people without a mouse can scroll it too.
TABLE_SCROLL = '<div class="table-scroll" role="region" aria-label="Table" tabindex="0">'

# Code longer than this is shown plain: highlighting is work per character, bounded per body.
HIGHLIGHT_MAX_CHARACTERS = 20_000
HIGHLIGHT_BODY_MAX_CHARACTERS = 200_000
_FORMATTER = HtmlFormatter(nowrap=True)
_LANGUAGE = re.compile(r"[\w+#.-]{1,40}")
_TITLE = re.compile(r"""\btitle=(?:"([^"]*)"|'([^']*)'|(\S+))""")


def _code_block(info: str, code: str, budget: list[int]) -> str:
    """A fenced block: its info string's first word is the language; the rest never breaks it."""
    first = info.split(maxsplit=1)[0] if info.strip() else ""
    language = match.group(0) if (match := _LANGUAGE.match(first)) else ""
    title = _TITLE.search(info)
    body = None
    if language and len(code) <= min(HIGHLIGHT_MAX_CHARACTERS, budget[0]):
        try:
            lexer = get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False)
        except ClassNotFound:
            lexer = None
        if lexer is not None:
            budget[0] -= len(code)
            body = highlight(code, lexer, _FORMATTER)
    attributes = f' class="language-{html_lib.escape(language)}"' if language else ""
    block = f'<pre class="highlight"><code{attributes}>{body if body is not None else html_lib.escape(code, quote=False)}</code></pre>'
    if title:
        caption = html_lib.escape(next(group for group in title.groups() if group is not None), quote=False)
        block = f'<figure class="code"><figcaption>{caption}</figcaption>{block}</figure>'
    return block + "\n"


def slugify_heading(text: str) -> str:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in "-_ " or unicodedata.category(ch) == "Mn")
    return "-".join(text.split()) or "section"


@dataclass
class _Tree:
    """What the walk over the syntax tree found and changed."""

    heading_ids: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    next_number: dict[str, int] = field(default_factory=dict)  # so 20,000 equal headings stay linear

    def unique(self, base: str) -> str:
        candidate, number = base, self.next_number.get(base, 0)
        while candidate in self.used:
            number += 1
            candidate = f"{base}-{number}"
        self.next_number[base] = number
        self.used.add(candidate)
        return candidate


def _literal(node) -> str:
    value = _lib.cmark_node_get_literal(node)
    return value.decode("utf-8", "replace") if value else ""


def _is_fenced(node) -> bool:
    length, offset, character = ctypes.c_int(), ctypes.c_int(), ctypes.create_string_buffer(1)
    return bool(_lib.cmark_node_get_fenced(node, ctypes.byref(length), ctypes.byref(offset), character))


def _walk(first, descend):
    """(node, kind) from `first` through its following siblings, depth first, entering the
    children of the kinds `descend` accepts."""
    stack = [first]
    while stack:
        node = stack.pop()
        if not node:
            continue
        stack.append(_lib.cmark_node_next(node))
        kind = _lib.cmark_node_get_type(node)
        yield node, kind
        if descend(kind):
            stack.append(_lib.cmark_node_first_child(node))


def _inline_text(heading) -> str:
    """The text of a heading's inlines (text and code spans, through emphasis and links)."""
    leaves = (_TEXT_NODE, _CODE_NODE)
    nodes = _walk(_lib.cmark_node_first_child(heading), lambda kind: kind not in leaves)
    return "".join(_literal(node) for node, kind in nodes if kind in leaves)


def _prepare(root, tree: _Tree):
    """Give headings their ids (as markers the HTML step turns into attributes); highlight code.

    Only blocks that can hold headings or code are visited (never paragraphs' or tables'
    inlines), so the walk costs per block, not per character.
    """
    headings, code_blocks = [], []
    for node, kind in _walk(_lib.cmark_node_first_child(root), lambda kind: kind in _CONTAINERS):
        if kind == _HEADING_NODE:
            headings.append((node, _inline_text(node)))
        elif kind == _CODE_BLOCK_NODE and _is_fenced(node):
            info = _lib.cmark_node_get_fence_info(node)
            if info:
                code_blocks.append((node, info.decode("utf-8", "replace"), _literal(node)))

    for node, text in headings:
        given, last = None, _lib.cmark_node_last_child(node)
        if last and _lib.cmark_node_get_type(last) == _TEXT_NODE:
            literal = _literal(last)
            if match := GIVEN_ID.search(literal):
                given = match.group(1)
                _lib.cmark_node_set_literal(last, literal[: match.start()].encode())
                text = text[: len(text) - len(literal) + match.start()]
        # Made unique once the whole body's other ids are known (_unsanitised_html).
        tree.heading_ids.append(given or slugify_heading(text))
        marker = _lib.cmark_node_new(_TEXT_NODE)
        _lib.cmark_node_set_literal(marker, f"\ufdd0{len(tree.heading_ids) - 1}\ufdd1".encode())
        _lib.cmark_node_prepend_child(node, marker)

    budget = [HIGHLIGHT_BODY_MAX_CHARACTERS]
    for node, info, code in code_blocks:
        replacement = _lib.cmark_node_new(_HTML_BLOCK_NODE)
        _lib.cmark_node_set_literal(replacement, _code_block(info, code, budget).encode())
        _lib.cmark_node_insert_before(node, replacement)
        _lib.cmark_node_unlink(node)
        _lib.cmark_node_free(node)


def _commonmark_to_html(text: str, tree: _Tree) -> str:
    parser = _lib.cmark_parser_new(_OPTIONS)
    root = None
    try:
        for extension in _EXTENSIONS:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        data = text.encode("utf-8", "replace")
        _lib.cmark_parser_feed(parser, data, len(data))
        root = _lib.cmark_parser_finish(parser)
        _prepare(root, tree)
        output = _lib.cmark_render_html(root, _OPTIONS, _lib.cmark_parser_get_syntax_extensions(parser))
        try:
            return ctypes.string_at(output).decode("utf-8", "replace")
        finally:
            _free(output)
    finally:
        if root:
            _lib.cmark_node_free(root)
        _lib.cmark_parser_free(parser)


# Characters a URL may not show as they are: spaces of any kind, controls, and the invisible
# format characters (U+200B, U+2060, U+FEFF...). Some readers and feed readers trim them, which
# would turn "\u2028javascript:" into a live script link; percent-encoded they are inert.
def _hidden(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Co", "Cn")


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]{0,30}):", re.IGNORECASE)


def _disguised_scheme(url: str) -> bool:
    """A URL that reads as a scheme other than http(s)/mailto once decoded and its hidden
    characters dropped (what a careless reader might do): inert for browsers, dropped anyway."""
    probe = "".join(ch for ch in unquote(url[:200]) if not _hidden(ch))
    match = _SCHEME.match(probe)
    return bool(match) and match.group(1).lower() not in URL_SCHEMES


_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def encode_url(url: str) -> str:
    """`url` with every hidden character and every % that starts no escape percent-encoded."""
    url = _LONE_PERCENT.sub("%25", url)
    if any(_hidden(ch) for ch in url):
        url = "".join(quote(ch, safe="") if _hidden(ch) else ch for ch in url)
    return url


class _Attributes:
    """nh3's attribute filter, per render: it sees each kept attribute, parsed, in document order."""

    def __init__(self, targets: set[str]):
        self.ids: set[str] = set()
        # Ids a #fragment link may mean, by lower case: headings' are lower case, links often not.
        self.targets = targets
        self.folded = {}
        for target in sorted(targets):
            self.folded.setdefault(target.casefold(), target)

    def _fragment(self, fragment: str) -> str:
        if fragment in self.targets:
            return fragment
        return self.folded.get(unquote(fragment).casefold(), fragment)

    def __call__(self, tag: str, name: str, value: str) -> str | None:
        if name == "id":
            value = value if value.startswith(ID_PREFIX) else ID_PREFIX + value
            if value in self.ids:  # a given id repeated: HTML allows one element per id
                return None
            self.ids.add(value)
            return value
        if name == "href" and value.startswith("#"):
            value = "#" + ID_PREFIX + self._fragment(_unprefixed(value[1:]))
        if name in ("href", "src"):
            return None if _disguised_scheme(value) else encode_url(value)
        if name == "class":
            kept = [c for c in value.split() if c in ALLOWED_CLASSES or (tag == "code" and LANGUAGE_CLASS.fullmatch(c))]
            return " ".join(kept) or None
        if name == "tabindex":
            return "0" if value == "0" else None
        if name == "role":
            return value if value == "region" else None
        return value


def _unprefixed(value: str) -> str:
    return value[len(ID_PREFIX):] if value.startswith(ID_PREFIX) else value


# An id on a tag of the rendered HTML (raw HTML's, footnotes'); text shows its `<` escaped.
_TAG_ID = re.compile(r"""<[A-Za-z][^<>]{0,2000}?\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


def _unsanitised_html(text: str) -> str:
    return _unsanitised(text)[0]


def _unsanitised(text: str) -> tuple[str, set[str]]:
    """The body as HTML with Masthead's structure (ids, classes, wrappers), before sanitising,
    and every id in it (without the prefix)."""
    tree = _Tree()
    html = _commonmark_to_html(strip_control_characters(text or ""), tree).rstrip("\n")
    # Headings take what is left: an id written in raw HTML or a footnote's keeps its own, and a
    # heading of the same name is numbered (`setup-1`) rather than left without an id.
    tree.used = {_unprefixed(html_lib.unescape(next(g for g in m.groups() if g is not None))) for m in _TAG_ID.finditer(html)}
    others = set(tree.used)
    heading_ids = [tree.unique(_unprefixed(base)) for base in tree.heading_ids]
    html = _HEADING_MARK.sub(lambda m: f'<h{m.group(1)} id="{html_lib.escape(heading_ids[int(m.group(2))])}">', html)
    # The page's title is its only <h1>: a `# Heading` in a body becomes a section heading.
    html = TOP_HEADING.sub(r"<\1h2", html)
    html = _ALIGNED_CELL.sub(r'<\1 class="align-\2">', html)
    # First on the tag, so they win over a body's own loading= (the parser keeps the first).
    html = _IMAGE.sub('<img loading="lazy" decoding="async"', html)
    html = TABLE_END.sub("</table></div>", TABLE_START.sub(TABLE_SCROLL + "<table", html))
    # The footnotes are a section of the page: named for screen readers (and valid HTML).
    html = html.replace(_FOOTNOTES, _FOOTNOTES + "\n" + _FOOTNOTES_HEADING, 1)
    return _CHARACTER_REFERENCE.sub(_drop_control_reference, strip_control_characters(html)), others | set(heading_ids)


# The HTML parser under nh3 spends time per element in proportion to how deep it is open, so
# 50,000 nested quotes (`>>>>...`, or `<div>` repeated) would take it minutes. No article needs
# more depth than this: deeper elements lose their tags (never their content) before sanitising.
MAX_DEPTH = 48
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]{0,30})")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


def limit_depth(html: str) -> str:
    """`html` with the elements opened deeper than MAX_DEPTH unwrapped (in one linear pass)."""
    if html.count("<") <= MAX_DEPTH:
        return html
    out, last, stack, dropped = [], 0, [], {}
    for match in _TAG_NAME.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID or match.start() < last:
            continue
        drop = False
        if not closing:
            if len(stack) >= MAX_DEPTH:
                dropped[name] = dropped.get(name, 0) + 1
                drop = True
            else:
                stack.append(name)
        elif dropped.get(name):
            dropped[name] -= 1
            drop = True
        elif name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name):]
        if drop:
            # A tag's end is near its start (bounded, so a run of `<div <div` stays linear).
            end = html.find(">", match.end(), match.end() + 2000)
            end = match.end() if end < 0 else end + 1
            out.append(html[last:match.start()])
            last = end
    out.append(html[last:])
    return "".join(out)


def render_markdown(text: str) -> str:
    """Render Markdown and sanitise the result with an allowlist.

    The article page, the feeds and the editor's live preview all call this, so what an
    editor previews is exactly what readers get.
    """
    return _sanitised(*_unsanitised(text))


# What a call to action keeps: text-level markup in paragraphs, and no id (it shares the page
# with the body, whose ids it must not repeat).
INLINE_TAGS = {"a", "abbr", "b", "br", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "p", "q",
               "s", "samp", "small", "strong", "sub", "sup", "time", "u", "var"}
_BLOCK_TAG = re.compile(r"</?(?:h[1-6]|p|li|ul|ol|blockquote|pre|table|caption|thead|tbody|tfoot|tr|th|td|div|"
                        r"section|figure|figcaption|dl|dt|dd|details|summary|hr)\b[^>]*>")
_IMAGE_TAG = re.compile(r"<img\b[^>]*>")
# A footnote's marks link to ids the call to action does not have: its number and note stay, as text.
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-ref"><a\b[^>]*>(.*?)</a></sup>')
_FOOTNOTE_BACKREF = re.compile(r'\s*<a\b[^>]*\sclass="footnote-backref"[^>]*>.*?</a>')
_ALT = re.compile(r'\salt="([^"]*)"')


def _alt_text(match: re.Match) -> str:
    alt = _ALT.search(match.group(0))
    return alt.group(1) if alt else ""


def render_inline_markdown(text: str) -> str:
    """A short text in inline Markdown (links, emphasis, code) as paragraphs of safe HTML.

    Block syntax (headings, lists, quotes, tables) gives plain paragraphs of its text, an image
    its alt text, footnote syntax stays text: the result carries no id and no block of its own.
    """
    html = _sanitised(*_unsanitised(text))  # attribute values escaped: `>` ends a tag
    html = _FOOTNOTE_REF.sub(r"<sup>\1</sup>", _FOOTNOTE_BACKREF.sub("", html)).replace(_FOOTNOTES_HEADING, "")
    html = _IMAGE_TAG.sub(_alt_text, html)
    paragraphs = (part.strip() for part in _BLOCK_TAG.sub("\ufdd0", html).split("\ufdd0"))
    html = "\n".join(f"<p>{part}</p>" for part in paragraphs if part)
    return nh3.clean(html, tags=INLINE_TAGS, attributes={"a": {"href"}, "abbr": {"title"}, "time": {"datetime"}},
                     url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True)


def _sanitised(html: str, ids: set[str]) -> str:
    html = nh3.clean(
        limit_depth(html),
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        # No rel on links: bodies come from trusted staff and never open a new window, and a
        # rel left on a link whose unsafe href was removed would be invalid HTML.
        link_rel=None,
        # A task list's box shows a state; it is never a form field.
        set_tag_attribute_values={"input": {"type": "checkbox", "disabled": ""}},
        attribute_filter=_Attributes(ids),
        strip_comments=True,
    )
    return _CHECKBOX.sub(_named_checkbox, IMAGE_WITHOUT_SOURCE.sub("", html))


# A task's box, as the sanitiser writes it (attribute values escaped, so `>` ends the tag).
_CHECKBOX = re.compile(r"<input\b([^>]*)>")
_CHECKED = re.compile(r'\schecked="')


def _named_checkbox(match: re.Match) -> str:
    """A task's box named by its state: a form control without a name is unlabelled to
    assistive technology (the task's text beside it is not its label)."""
    name = "Done" if _CHECKED.search(match.group(1)) else "Not done"
    return f'<input{match.group(1)} aria-label="{name}">'


_RAW_TAG = re.compile(r"<[A-Za-z]")
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]{0,30})(?=[\s/>])")


def removed_elements(text: str) -> list[str]:
    """The raw HTML elements of a body the sanitiser removes (`iframe`, `video`...), by name, once each.

    Only markup can open a tag in the renderer's output (text has its `<` escaped), so every
    tag found there that the allowlist lacks is one the page will not show.
    """
    if not _RAW_TAG.search(text or ""):  # no raw HTML: nothing to remove (and no render needed)
        return []
    found = {name.lower() for name in _TAG.findall(_unsanitised_html(text))}
    return sorted(found - ALLOWED_TAGS - {"h1"})


def removed_elements_message(names: list[str]) -> str:
    shown = ", ".join(f"<{name}>" for name in names)
    return (f"{shown} {'is' if len(names) == 1 else 'are'} not shown to readers (only safe HTML is kept: "
            "embeds, video and scripts are removed); link to the content instead.")
