"""Hostile Markdown is rendered harmless, everywhere it is shown."""

from io import StringIO

import pytest

from articles.markdown import render_markdown
from tests.factories import make_article

HOSTILE = """
<script>alert('body')</script>

<img src=x onerror="alert('img')">

[click me](javascript:alert('link'))

[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<a href="vbscript:msgbox(1)">vb</a>

<iframe src="https://evil.example/"></iframe>

<object data="x.swf"></object>

<style>body{display:none}</style>

<p style="color:red" onclick="alert('p')">styled</p>

<svg onload="alert('svg')"><circle/></svg>
"""


def test_hostile_markup_is_removed():
    html = render_markdown(HOSTILE)
    lowered = html.lower()
    for forbidden in ["<script", "onerror", "onclick", "onload", "javascript:", "vbscript:", "data:text",
                      "<iframe", "<object", "<style", "style=", "<svg", "alert('body')"]:
        assert forbidden not in lowered, forbidden
    assert "styled" in html
    assert "click me" in html


def test_markdown_features_render():
    html = render_markdown("## Heading\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\n<b>code</b>\n```\n\n![Alt](/media/x.jpg)")
    assert '<h2 id="user-content-heading">Heading</h2>' in html
    assert "<li>one</li>" in html
    # A table scrolls in its own box, which a keyboard can reach.
    assert '<div class="table-scroll" role="region" aria-label="Table" tabindex="0"><table>' in html
    assert html.count("</table></div>") == 1
    assert "&lt;b&gt;code&lt;/b&gt;" in html
    assert 'alt="Alt"' in html and 'src="/media/x.jpg"' in html
    assert 'loading="lazy"' in html


def test_safe_links_keep_their_target():
    html = render_markdown("[site](https://example.org/a?b=1) [mail](mailto:a@example.org) [rel](/articles/x/)")
    assert 'href="https://example.org/a?b=1"' in html
    assert 'href="mailto:a@example.org"' in html
    assert 'href="/articles/x/"' in html


@pytest.mark.django_db
def test_article_page_shows_hostile_fields_escaped(client):
    article = make_article(
        title="<script>alert('title')</script>",
        subtitle='"><img src=x onerror=alert(1)>',
        description="<b>desc</b>",
        cta="<script>alert('cta')</script>",
        body=HOSTILE,
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x onerror" not in page
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page
    # The call to action is Markdown through the one renderer: a script in it is removed, like a body's.
    assert "alert('cta')" not in page and "alert(&#x27;cta&#x27;)" not in page


@pytest.mark.django_db
def test_body_is_rendered_once_on_save_not_per_request():
    article = make_article(body="*stored*")
    assert article.body_html == "<p><em>stored</em></p>"


def test_control_characters_never_reach_the_html():
    html = render_markdown("Control chars: \x01\x02\x08\x0b\x0c\x1b\x7f\x85 end.\n\n\tcode\ttab\n\nLine\r\nbreaks")
    assert not [ch for ch in html if (ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) <= 0x9F]
    assert "Control chars:  end." in html
    assert "<pre><code>code" in html and "Line\nbreaks" in html  # tab and line ends are whitespace, kept


@pytest.mark.django_db
def test_article_page_carries_no_control_characters(client):
    article = make_article(body="Body \x00\x01\x1b text")
    assert article.body_html == "<p>Body  text</p>"
    page = client.get(article.get_absolute_url()).content.decode()
    assert not [ch for ch in page if ord(ch) < 32 and ch not in "\t\n\r"]


def test_links_carry_only_their_href():
    """A link whose unsafe href was removed keeps no attribute (rel without href is invalid HTML)."""
    html = render_markdown(
        '[x](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">y</a> <a href="vbscript:z" rel="me">z</a> '
        '[ok](https://example.org/) <a href="/in/" rel="nofollow" target="_blank">in</a>'
    )
    assert "<a>x</a>" in html and "<a>y</a>" in html and "<a>z</a>" in html
    assert '<a href="https://example.org/">ok</a>' in html and '<a href="/in/">in</a>' in html
    assert "rel=" not in html and "target=" not in html


def test_rendering_is_deterministic():
    text = "[a](https://example.org/) ![b](/media/b.jpg) ![c](https://example.org/c.png \"C\")"
    assert len({render_markdown(text) for _ in range(50)}) == 1
    assert '<img loading="lazy" decoding="async" src="/media/b.jpg" alt="b">' in render_markdown(text)


@pytest.mark.django_db
def test_rerender_command_updates_bodies_stored_by_older_versions(client):
    from django.core.management import call_command

    from articles.models import Article

    article = make_article(body="[x](javascript:y) a\x01b")
    stale = '<p><a rel="noopener noreferrer nofollow">x</a> a\x01b</p>'
    Article.objects.filter(pk=article.pk).update(body_html=stale)
    call_command("rerender_articles", stdout=StringIO())
    article.refresh_from_db()
    assert article.body_html == "<p><a>x</a> ab</p>"
    assert "<p><a>x</a> ab</p>" in client.get(article.get_absolute_url()).content.decode()


def test_a_top_level_heading_in_a_body_becomes_a_section_heading():
    # The article's title is the page's one <h1>; the heading's text must not be lost.
    assert render_markdown("# Big Heading\n\ntext") == '<h2 id="user-content-big-heading">Big Heading</h2>\n<p>text</p>'
    assert render_markdown('<H1 id="x">Raw</H1>') == '<h2 id="user-content-x">Raw</h2>'


def test_a_raw_html_table_is_wrapped_once_and_no_attribute_reaches_the_wrapper():
    html = render_markdown('<table onclick="x()" style="width:9000px"><tr><td>1</td></tr></table>\n\nAfter.')
    assert html.count('<div class="table-scroll"') == 1 and html.count("</table></div>") == 1
    assert "onclick" not in html and "9000px" not in html


def test_images_whose_source_was_unsafe_are_dropped_not_left_without_src():
    html = render_markdown("![a](javascript:alert(1)) ![b](data:image/svg+xml;base64,PHN2Zz4=) <img src=x:y alt=c> ![ok](/media/ok.png)")
    assert html.count("<img") == 1 and 'src="/media/ok.png"' in html and "javascript" not in html


def test_a_body_cannot_take_the_pages_own_ids():
    html = render_markdown("## Notes {#content}\n\n## Kept {#my-notes}\n\n<p id=\"search-query\">x</p>")
    assert 'id="content"' not in html and 'id="search-query"' not in html
    # Every body id carries one prefix, so it can equal no page id; given ids are kept under it.
    assert 'id="user-content-content"' in html and 'id="user-content-my-notes"' in html


def test_urls_never_hold_spaces():
    html = render_markdown("[x](java\tscript:alert(1)) and [y](<a file.html>) ![z](<my pic.png>) <a href=\"a\tb c\">w</a>")
    assert 'href="java' not in html  # a tab in a destination makes no link (CommonMark)
    assert 'href="a%09b%20c"' in html
    assert 'href="a%20file.html"' in html and 'src="my%20pic.png"' in html
    html = render_markdown("[a](https://example.org/100%/done) [b](https://example.org/a%20b)")
    assert 'href="https://example.org/100%25/done"' in html and 'href="https://example.org/a%20b"' in html
