"""No script URL survives, whatever space or invisible character stands before its scheme.

Every Unicode space and format character, raw and as a character reference, before
`javascript:`, `vbscript:` and `data:`, in links and images, raw HTML and Markdown: checked in
`render_markdown`, on the article page, in the live preview and in the RSS, Atom and JSON feeds.
"""

import json
import re
import sys
import unicodedata
from html import unescape
from urllib.parse import unquote

import feedparser
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from articles.markdown import render_markdown
from tests.factories import make_article
from tests.staff import logged_in, make_staff

# Everything str.strip() or a lenient URL parser might drop: every whitespace code point (the
# 17 Unicode spaces str.strip() removes and URL parsers keep among them), the C0 and C1
# controls, and every format character (U+00AD, U+200B-U+200F, U+2060, U+FEFF...).
HIDDEN = sorted(
    {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    | {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}
    | {chr(c) for c in range(0x30000) if unicodedata.category(chr(c)) == "Cf"}
)
SCHEMES = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>"]
SCRIPT_URL = re.compile(r"^\s*(?:javascript|vbscript|data):", re.IGNORECASE)


def forms(hidden: str, url: str) -> list[str]:
    reference = f"&#x{ord(hidden):x};"
    return [
        f'<a href="{hidden}{url}">raw</a>',
        f'<a href="{reference}{url}">ref</a>',
        f'<a href="{reference}{reference}{url}">refs</a>',
        f'<img src="{reference}{url}" alt="i">',
        f"[md]({reference}{url})",
        f"[md raw](<{hidden}{url}>)",
        f"![img]({reference}{url})",
        f"[ref]\n\n[ref]: {reference}{url}",
    ]


CORPUS = "\n\n".join(form for hidden in HIDDEN for url in SCHEMES[:2] for form in forms(hidden, url)) + "\n\n" + \
    "\n\n".join(form for hidden in HIDDEN[::7] for url in SCHEMES[2:] for form in forms(hidden, url))


def url_values(html: str) -> list[str]:
    """Every href/src/srcset URL in `html`, as a browser or a lenient reader would read it."""
    values = [unescape(v) for v in re.findall(r'(?:href|src|srcset)\s*=\s*"([^"]*)"', html, re.IGNORECASE)]
    urls = []
    for value in values:
        for candidate in value.split(","):
            candidate = candidate.strip(" \t\n\r\f").split(" ")[0]
            urls.append(candidate)
            # A reader that decodes and trims too much must still see no scheme.
            urls.append("".join(ch for ch in unquote(candidate) if ch not in HIDDEN and unicodedata.category(ch)[0] != "C"))
    return urls


def assert_no_script_url(html: str, where: str):
    bad = [url for url in url_values(html) if SCRIPT_URL.match(url) or SCRIPT_URL.match(url.strip())]
    assert not bad, f"{where}: {bad[:5]}"
    # Nor a live-looking scheme in any attribute at all, however encoded.
    for attribute in re.findall(r'=\s*"([^"]*)"', html):
        assert not SCRIPT_URL.match(unescape(attribute).strip()), f"{where}: {attribute!r}"


def test_the_corpus_covers_what_the_issue_names():
    for code in [0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
                 0xAD, *range(0x200B, 0x2010), 0x2060, 0xFEFF, 0x2, 0x3]:
        assert chr(code) in HIDDEN, hex(code)


def test_render_markdown_leaves_no_script_url():
    html = render_markdown(CORPUS)
    assert_no_script_url(html, "render_markdown")
    # The links are still there, inert (a relative link to a percent-encoded path, or no href).
    assert html.count(">raw</a>") == 2 * len(HIDDEN) + 2 * len(HIDDEN[::7])


@pytest.mark.parametrize("hidden", ["\u2028", "\u00a0", "\u200b", "\ufeff", "\u3000"])
def test_a_hidden_character_before_a_scheme_drops_the_url_and_elsewhere_is_percent_encoded(hidden):
    assert render_markdown(f'<a href="&#x{ord(hidden):x};javascript:alert(1)">x</a>') == "<p><a>x</a></p>"
    encoded = "".join(f"%{byte:02X}" for byte in hidden.encode())
    html = render_markdown(f'<a href="/a&#x{ord(hidden):x};b">x</a>')
    assert f'href="/a{encoded}b"' in html


@hypothesis_settings(max_examples=300, deadline=None)
@given(prefix=st.lists(st.sampled_from(HIDDEN + ["&#x2028;", "&#0;", "&#x9;", " ", "%", "&nbsp;", "%20", "\\"]), max_size=6).map("".join),
       scheme=st.sampled_from(SCHEMES), form=st.sampled_from(["a", "img", "md", "ref"]))
def test_any_mix_of_hidden_characters_leaves_no_script_url(prefix, scheme, form):
    body = {"a": f'<a href="{prefix}{scheme}">x</a>', "img": f'<img src="{prefix}{scheme}" alt="x">',
            "md": f"[x]({prefix}{scheme})", "ref": f"[x]\n\n[x]: <{prefix}{scheme}>"}[form]
    assert_no_script_url(render_markdown(body), body)


@pytest.mark.django_db
def test_no_script_url_on_the_page_the_preview_or_any_feed(client, settings):
    settings.SITE_URL = "https://news.example.org"
    article = make_article(title="Corpus", body=CORPUS)
    page = client.get(article.get_absolute_url()).content.decode()
    assert_no_script_url(page, "article page")
    for path in ["/feed/", "/feed/atom/"]:
        response = client.get(path)
        assert response.status_code == 200
        feed = response.content.decode()
        assert "Corpus" in feed
        entry = feedparser.parse(feed).entries[0]
        content = entry.get("content", [{}])[0].get("value") or entry.get("summary", "")
        assert_no_script_url(content, path)
        assert_no_script_url(unescape(feed), path + " (raw)")
    data = json.loads(client.get("/feed.json").content)
    assert_no_script_url(data["items"][0]["content_html"], "/feed.json")

    editor = logged_in(client, make_staff("Editor"))
    preview = editor.post("/admin/markdownx/markdownify/", {"content": CORPUS})
    assert preview.status_code == 200
    assert_no_script_url(preview.content.decode(), "live preview")


@pytest.mark.django_db
def test_control_characters_never_reach_a_page_or_feed(client):
    article = make_article(title="Controls", body="<first\\_last@example.com> a\x02b\x03c &#2; &#x3; <b title=\"&#x1b;\">x</b>")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", article.body_html)
    assert "&#2;" not in article.body_html and "&#x3;" not in article.body_html
    assert "first_last@example.com" in article.body_html
    for path in [article.get_absolute_url(), "/feed/", "/feed/atom/", "/feed.json"]:
        text = client.get(path).content.decode()
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text), path
