"""The CommonMark 0.31.2 spec and the GFM extension examples, through `render_markdown`.

Masthead's output differs from the spec's by design in ways that change no meaning: the
sanitiser drops what its allowlist lacks, ids and the fragment links to them carry a prefix, code is highlighted into spans,
`<h1>` is a section heading, tables scroll in a box. The normaliser below compares the two
on neutral ground: the spec's expected HTML goes through the same sanitiser (so what it drops
is dropped on both sides), then both lose what Masthead adds (classes, ids, Pygments spans, the
table box, image loading hints) and are compared as element trees, text whitespace folded.
"""

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import nh3
import pytest

from articles.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, REMOVED_WITH_CONTENT, URL_SCHEMES, render_markdown

DATA = Path(__file__).parent / "data"
COMMONMARK = json.loads((DATA / "commonmark-0.31.2-spec.json").read_text(encoding="utf-8"))
GFM = json.loads((DATA / "gfm-0.29-extensions.json").read_text(encoding="utf-8"))
# What Masthead adds to an element; never part of the meaning the spec pins.
ADDED_ATTRIBUTES = {"class", "id", "loading", "decoding", "role", "aria-label", "tabindex"}
BLOCKS = {"p", "li", "ul", "ol", "blockquote", "pre", "table", "thead", "tbody", "tr", "th", "td",
          "h2", "h3", "h4", "h5", "h6", "hr", "section", "div", "figure", "br"}


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list = []
        self.skip = 0  # inside the table box's <div> (ours) or a Pygments <span>: unwrapped
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        unwrap = tag == "span" or (tag == "div" and ("class", "table-scroll") in attrs)
        if tag in {"img", "input", "br", "hr"}:
            self.handle_startendtag(tag, attrs)
            return
        self.stack.append(unwrap)
        if not unwrap:
            self.out.append(("start", tag, self._attrs(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.out.append(("start", tag, self._attrs(attrs)))
        self.out.append(("end", tag))

    def handle_endtag(self, tag):
        if tag in {"img", "input", "br", "hr"}:
            return
        unwrap = self.stack.pop() if self.stack else False
        if not unwrap:
            self.out.append(("end", tag))

    def handle_data(self, data):
        if self.out and self.out[-1][0] == "text":
            self.out[-1] = ("text", self.out[-1][1] + data)
        else:
            self.out.append(("text", data))

    @staticmethod
    def _attrs(attrs):
        kept = []
        for name, value in attrs:
            if name in ADDED_ATTRIBUTES:
                continue
            if name in ("href", "src"):
                value = unquote(value or "").replace("#user-content-", "#")
            kept.append((name, value or ""))
        return tuple(sorted(kept))


def normalise(html: str) -> list:
    html = html.replace("<h1", "<h2").replace("</h1>", "</h2>")
    parser = _Tree()
    parser.feed(html)
    parser.close()
    result = []
    for item in parser.out:
        if item[0] == "text":
            text = " ".join(item[1].split())
            # Whitespace between blocks means nothing; inside text it is one space.
            if text or (result and result[-1][0] != "text" and result[-1][1] not in BLOCKS):
                result.append(("text", text or " "))
        else:
            result.append(item)
    # A lone space next to a block boundary is layout, not content.
    return [item for i, item in enumerate(result)
            if not (item == ("text", " ") and ((i + 1 < len(result) and result[i + 1][1] in BLOCKS)
                                              or (i and result[i - 1][1] in BLOCKS)))]


def sanitised(expected: str) -> str:
    """The spec's HTML after the same allowlist Masthead applies (what the sanitiser drops, dropped)."""
    # The document's final line end is not content (render_markdown's output has none).
    return nh3.clean(expected.rstrip("\n"), tags=ALLOWED_TAGS | {"h1"}, clean_content_tags=REMOVED_WITH_CONTENT,
                     attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True)


def passes(example) -> bool:
    return normalise(render_markdown(example["markdown"])) == normalise(sanitised(example["html"]))


def test_commonmark_conformance():
    failed = [e["example"] for e in COMMONMARK if not passes(e)]
    passed = len(COMMONMARK) - len(failed)
    print(f"CommonMark 0.31.2: {passed}/{len(COMMONMARK)} (failing examples: {failed})")
    assert len(COMMONMARK) == 652
    assert passed >= 630, failed


def test_gfm_extension_conformance():
    failed = [e["example"] for e in GFM if not passes(e)]
    passed = len(GFM) - len(failed)
    print(f"GFM extensions: {passed}/{len(GFM)} (failing examples: {failed})")
    assert len(GFM) == 24
    assert passed >= 20, failed


@pytest.mark.parametrize("section", ["Tables (extension)", "Strikethrough (extension)", "Task list items (extension)"])
def test_each_gfm_table_strikethrough_and_task_example_passes(section):
    examples = [e for e in GFM if e["section"] == section]
    assert examples and all(passes(e) for e in examples), [e["example"] for e in examples if not passes(e)]


def test_the_normaliser_is_not_blind():
    """It tells a wrong rendering from a right one: it cannot make every example pass."""
    example = next(e for e in COMMONMARK if e["markdown"] == "- foo\n- bar\n+ baz\n")
    assert passes(example)
    assert not passes({**example, "markdown": "- foo\n- bar\n- baz\n"})
    assert normalise("<p><em>a</em></p>") != normalise("<p><strong>a</strong></p>")
    assert normalise('<p><a href="/a">x</a></p>') != normalise('<p><a href="/b">x</a></p>')
