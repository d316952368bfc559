"""The HTML -> Markdown converters considered for WordPress and Ghost content, side by side.

    PYTHONPATH=$PWD .venv/bin/python bench/html_to_markdown.py

markdownify is what Masthead uses (articles/files/html.py); html2text is measured when it is
installed (`pip install html2text`; not a dependency). For each: the time to convert a post
200 times, and whether what matters survives (headings, emphasis, links, images with alt text,
lists, code, line breaks, tables, quotes), checked on the HTML Masthead renders from the
Markdown each one writes (so `_x_` and `*x*` count alike).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402

import django  # noqa: E402
from markdownify import markdownify  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
django.setup()
from articles.markdown import render_markdown  # noqa: E402

from tests.wxr import BLOCKS  # noqa: E402

SAMPLE = BLOCKS + """
<p>Line one<br>line two, <a href="https://example.org/a_b">a link</a> and <img src="https://example.org/x.png" alt="An alt">.</p>
<blockquote><p>A quote</p></blockquote><ol><li>first</li><li>second</li></ol>
<p>Literal: 2 *times* 3 is not *6*, __init__ stays.</p>
<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>
"""
CHECKS = {
    "heading": "A heading</h2>", "emphasis": "<em>emphasis</em>", "link": 'href="https://example.org/a_b"',
    "image alt": 'alt="An alt"', "list": "<ol>", "code": "<code>print(", "line break": "Line one<br",
    "table": "<table", "quote": "<blockquote>", "literal characters": "2 *times* 3 is not *6*, __init__ stays",
}


def convert_markdownify(html: str) -> str:
    return markdownify(html, heading_style="ATX", bullets="-")


def converters():
    yield "markdownify", convert_markdownify
    try:
        import html2text
    except ImportError:
        print("html2text: not installed, not measured")
        return

    def convert(html: str) -> str:
        parser = html2text.HTML2Text()
        parser.body_width = 0
        return parser.handle(html)

    yield "html2text", convert


for name, convert in converters():
    started = time.perf_counter()
    for _ in range(200):
        markdown = convert(SAMPLE)
    per_post = (time.perf_counter() - started) / 200 * 1000
    rendered = render_markdown(markdown)
    kept = [check for check, text in CHECKS.items() if text in rendered]
    lost = sorted(set(CHECKS) - set(kept))
    print(f"{name:<12} {per_post:5.2f} ms a post; keeps {len(kept)}/{len(CHECKS)}" + (f"; loses: {', '.join(lost)}" if lost else ""))
