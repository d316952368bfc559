"""Hostile bodies render, in time linear in their length.

A quadratic renderer takes minutes on these; the timeout per test catches that without timing
anything here (bench/render.py prints the figures: each well under 2 s).
"""

import re

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from articles.markdown import INLINE_TAGS, MAX_DEPTH, render_inline_markdown, render_markdown
from articles.admin.quality import IMAGE_WITHOUT_ALT
from articles.reading import reading_time
from bench.render import PATHOLOGICAL


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_a_pathological_body_renders(name):
    body = PATHOLOGICAL[name]
    html = render_markdown(body)
    assert isinstance(html, str)
    reading_time(body)
    IMAGE_WITHOUT_ALT.findall(body)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", ["<div>", "<blockquote>", "<div>\n", "<b><i>", "> ", "- "])
def test_deep_nesting_is_flattened_not_lost(unit):
    html = render_markdown(unit * 30_000 + "deep text")
    assert "deep text" in html
    assert html.count("<blockquote>") <= MAX_DEPTH and html.count("<div>") <= MAX_DEPTH


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MARKDOWN_PIECES = st.sampled_from(["[", "]", "(", ")", "![", "*", "_", "`", "```", "~~", "> ", "- ", "1. ", "|", "---",
                                   "\n", "\n\n", "<", ">", "&#", ";", "#", "## ", "{#", "}", "[^", "]:", "www.", "http://",
                                   "<div>", "</div>", "<!--", "-->", "\t", "    ", "a", "é", "\u2028", "\x02", "\ufdd0"])


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(MARKDOWN_PIECES, max_size=60).map("".join))
def test_any_body_renders_deterministically_without_control_characters(body):
    html = render_markdown(body)
    assert render_markdown(body) == html
    assert not _CONTROL.search(html)
    assert "\ufdd0" not in html and "<script" not in html.lower()


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(MARKDOWN_PIECES | st.sampled_from(["<img src=/a.jpg>", "<h2 id=x>", "[^1]: n", "<input>"]), max_size=60).map("".join))
def test_any_call_to_action_renders_to_inline_markup_without_ids(text):
    html = render_inline_markdown(text)
    assert render_inline_markdown(text) == html
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= INLINE_TAGS
    assert not re.search(r"<[a-z][^>]*\sid=", html)  # text shows its `<` escaped: only tags start with one
    assert "\ufdd0" not in html and not _CONTROL.search(html)
