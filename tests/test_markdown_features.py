"""Markdown as writers write it: what renders, and the live preview showing exactly the page's body."""

import datetime as dt
import re
import threading
from html.parser import HTMLParser
from io import StringIO

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from articles.admin.editor import PREVIEW_TURN_SECONDS
from articles.markdown import render_markdown
from articles.models import Article, PreviewRender
from tests.factories import image_bytes, make_article
from tests.staff import article_form_data, logged_in, make_staff

PREVIEW = "/admin/markdownx/markdownify/"


def test_fence_info_gives_the_language_and_never_breaks_the_fence():
    html = render_markdown('```jsx {2}\nconst a = 1;\n```\n\nAfter one.\n\n```js title="app.js"\nlet b;\n```\n\n'
                           "![pic](/media/p.jpg)\n\nAfter two.")
    assert html.count("<pre") == 2 and "<p>After one.</p>" in html and "<p>After two.</p>" in html
    assert 'class="language-jsx"' in html and 'class="language-js"' in html and 'src="/media/p.jpg"' in html
    assert "<figcaption>app.js</figcaption>" in html and "{2}" not in html


def test_code_is_highlighted_into_classes_and_unknown_languages_stay_plain():
    html = render_markdown("```python\ndef f():\n    return 1\n```\n\n```no-such-language\n<b>x</b>\n```")
    assert '<span class="k">def</span>' in html and '<span class="nf">f</span>' in html
    assert "style=" not in html
    plain = html.split('class="language-no-such-language">')[1]
    assert plain.startswith("&lt;b&gt;x&lt;/b&gt;\n</code>")


def test_fenced_code_inside_lists_and_quotes_stays_a_block():
    html = render_markdown("- item\n\n  ```python\n  x = 1\n  ```\n\n> ```\n> quoted\n> ```")
    assert html.count("<pre") == 2 and "<code>quoted\n</code>" in html


def test_lists_as_editors_indent_them():
    html = render_markdown("You will need:\n- flour\n- eggs\n  - two\n  - three\n")
    assert "<p>You will need:</p>\n<ul>" in html and re.search(r"<li>eggs\s*<ul>\s*<li>two</li>", html)


def test_heading_ids_are_stable_unique_and_fragment_links_follow():
    text = "[Setup](#setup) [Notes](#my-notes)\n\n## Setup\n\n## Setup\n\n## Notes {#my-notes}\n\n## Hello {world}\n\n## Ça va ?"
    html = render_markdown(text)
    assert '<h2 id="user-content-setup">Setup</h2>' in html and '<h2 id="user-content-setup-1">Setup</h2>' in html
    assert '<h2 id="user-content-my-notes">Notes</h2>' in html
    assert '<h2 id="user-content-hello-world">Hello {world}</h2>' in html
    assert 'id="user-content-ça-va"' in html
    assert 'href="#user-content-setup"' in html and 'href="#user-content-my-notes"' in html
    assert render_markdown(text) == html


def test_footnotes_link_both_ways_with_the_prefix():
    html = render_markdown("Claim.[^1] Another.[^note]\n\n[^1]: Source one.\n[^note]: Source two.")
    assert 'href="#user-content-fn-1" id="user-content-fnref-1"' in html
    assert '<li id="user-content-fn-note">' in html and 'href="#user-content-fnref-note"' in html
    assert 'class="footnote-backref"' in html and '<section class="footnotes">' in html


def test_tables_align_with_classes_task_lists_strikethrough_and_bare_urls():
    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n- [ ] todo\n- [x] done\n\n"
                           "~~gone~~ www.example.org and https://example.org/x.")
    assert '<th class="align-left">a</th>' in html and '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html and "style" not in html
    assert '<input type="checkbox" disabled="" aria-label="Not done">' in html
    assert '<input type="checkbox" checked="" disabled="" aria-label="Done">' in html
    assert "<del>gone</del>" in html
    assert '<a href="http://www.example.org">www.example.org</a>' in html
    assert '<a href="https://example.org/x">https://example.org/x</a>.' in html


def test_a_body_cannot_add_a_form_field_or_the_pages_classes():
    html = render_markdown('<input type="text" name="q" value="x"> <span class="admin-danger prose k">y</span>')
    assert '<input type="checkbox" disabled="" aria-label="Not done">' in html and "name=" not in html and "value=" not in html
    assert '<span class="k">y</span>' in html


def test_every_task_box_is_named_by_its_state_and_a_body_cannot_name_it_otherwise():
    html = render_markdown('- [ ] open task\n- [x] closed task\n\n<input aria-label="Done" title=\'x" checked="\'> '
                           '<input checked aria-label="Not done">')
    boxes = re.findall(r"<input\b[^>]*>", html)
    assert len(boxes) == 4 and all(box.count("aria-label=") == 1 for box in boxes)
    assert [re.search(r'aria-label="([^"]*)"', box).group(1) for box in boxes] == ["Not done", "Done", "Not done", "Done"]


@pytest.mark.django_db
def test_the_live_preview_is_the_page_body(client):
    store = image_bytes(size=(1200, 800))
    from articles.images import store_image

    name = store_image(store, "body/")
    body = f"## Intro\n\n![A photo](/media/{name})\n\n```python\nx = 1\n```\n\n| a |\n|--:|\n| 1 |\n\nNote.[^1]\n\n[^1]: Yes."
    article = make_article(body=body)
    assert "<picture>" in article.body_html  # responsive image markup, as readers get it
    editor = logged_in(client, make_staff("Editor"))
    preview = editor.post(PREVIEW, {"content": body})
    assert preview.status_code == 200
    assert preview.content.decode() == article.body_html
    page = client.get(article.get_absolute_url()).content.decode()
    assert article.body_html in page


@pytest.mark.django_db
def test_no_body_id_can_clobber_an_admin_widget_through_the_preview(client):
    editor = logged_in(client, make_staff("Editor"))
    article = make_article(body="x")
    form = editor.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    admin_ids = set(re.findall(r'\bid="([^"]+)"', form))
    assert "id_tags_to" in admin_ids or "id_tags" in admin_ids
    body = " ".join(f'<span id="{value}">x</span>' for value in sorted(admin_ids)[:200])
    body += "\n\n## Content {#content}\n\n## id_tags_to"
    html = editor.post(PREVIEW, {"content": body}).content.decode()
    body_ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert body_ids and all(value.startswith("user-content-") for value in body_ids)
    assert not body_ids & admin_ids


@pytest.mark.django_db
def test_the_preview_is_staff_only_bounded_in_size_and_one_at_a_time(client, settings):
    assert client.post(PREVIEW, {"content": "*x*"}).status_code == 302  # to the admin login
    editor = make_staff("Editor")
    logged_in(client, editor)
    settings.MARKDOWN_MAX_BYTES = 1000
    refused = client.post(PREVIEW, {"content": "é" * 501})
    assert refused.status_code == 413 and "MARKDOWN_MAX_BYTES" in refused.content.decode()
    assert client.post(PREVIEW, {}).status_code == 400
    done = client.post(PREVIEW, {"content": "*x*"})
    assert done.status_code == 200 and done.content.decode() == "<p><em>x</em></p>"
    assert client.post(PREVIEW, {"content": "*again*"}).status_code == 200  # the turn was given back
    assert not PreviewRender.objects.exists()


def claim_elsewhere(user):
    """Take the editor's preview turn from another thread, on its own database connection: what
    a second gunicorn worker rendering a preview of the same editor does."""
    result = {}

    def run():
        try:
            result["token"] = PreviewRender.objects.claim(user, stale_after=30)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result["token"]


@pytest.mark.django_db(transaction=True)
def test_one_preview_at_a_time_per_editor_holds_across_workers_whatever_the_cache(client):
    editor = make_staff("Editor")
    logged_in(client, editor)
    token = claim_elsewhere(editor)
    assert token
    busy = client.post(PREVIEW, {"content": "*x*"})
    assert busy.status_code == 429 and busy["Retry-After"] == "1"
    other = logged_in(client.__class__(), make_staff("Contributor"))
    assert other.post(PREVIEW, {"content": "*x*"}).status_code == 200
    assert claim_elsewhere(editor) is None  # the other worker's turn is still its own
    PreviewRender.objects.release(editor, token)
    assert client.post(PREVIEW, {"content": "*x*"}).status_code == 200
    # A worker that died mid-render leaves its claim: after PREVIEW_TURN_SECONDS it is taken over.
    claim_elsewhere(editor)
    assert client.post(PREVIEW, {"content": "*x*"}).status_code == 429
    PreviewRender.objects.filter(user=editor).update(started=timezone.now() - dt.timedelta(seconds=PREVIEW_TURN_SECONDS + 1))
    assert client.post(PREVIEW, {"content": "*x*"}).status_code == 200
    assert not PreviewRender.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_body_over_the_limit_and_names_it(client, settings):
    settings.MARKDOWN_MAX_BYTES = 2000
    editor = logged_in(client, make_staff("Editor"))
    article = make_article(body="short")
    response = editor.post(f"/admin/articles/article/{article.pk}/change/", article_form_data(article, body="word " * 500))
    assert response.status_code == 200
    assert "MARKDOWN_MAX_BYTES" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "short"


@pytest.mark.django_db
def test_the_importer_refuses_a_body_over_the_limit_and_warns_of_removed_elements(tmp_path, settings):
    settings.MARKDOWN_MAX_BYTES = 2000
    front = "---\ntitle: {title}\nauthor: Ada\npublish_date: 2024-01-02\n---\n"
    (tmp_path / "long.md").write_text(front.format(title="Long one") + "word " * 500, encoding="utf-8")
    (tmp_path / "embed.md").write_text(front.format(title="Embed one") + '<iframe src="https://v.example/1"></iframe>\n\n<video src="a.mp4"></video>\n\nText.', encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_articles", str(tmp_path), stdout=out, stderr=err)
    report = out.getvalue() + err.getvalue()
    assert "MARKDOWN_MAX_BYTES" in report
    assert "<iframe>" in report and "<video>" in report
    assert not Article.objects.filter(title="Long one").exists()
    assert Article.objects.filter(title="Embed one").exists()


@pytest.mark.django_db
def test_the_quality_panel_names_what_the_sanitiser_removes(client):
    editor = logged_in(client, make_staff("Editor"))
    article = make_article(body='<iframe src="https://v.example/1"></iframe>\n\n<video src="a.mp4"></video>\n\n<b>ok</b>')
    form = editor.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Removed from the body: &lt;iframe&gt;, &lt;video&gt;" in form
    clean = make_article(title="Clean one", body="<b>ok</b> and <https://example.org>")
    assert "Removed from the body" not in editor.get(f"/admin/articles/article/{clean.pk}/change/").content.decode()


@pytest.mark.django_db
def test_rerender_articles_brings_stored_bodies_to_this_renderer(client):
    article = make_article(body="## Setup\n\n~~old~~")
    Article.objects.filter(pk=article.pk).update(body_html="<h2>Setup</h2><p>~~old~~</p>")
    call_command("rerender_articles", stdout=StringIO())
    article.refresh_from_db()
    assert article.body_html == '<h2 id="user-content-setup">Setup</h2>\n<p><del>old</del></p>'


class _Boxes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.boxes = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.boxes.append(attrs)


TASK_PIECES = st.sampled_from(["- [ ] ", "- [x] ", "* [X] ", "task", "\n", "\n\n", "<input", " checked", " aria-label=",
                               ' title="', "'", '"', ">", "/>", "Done", "  ", "> ", "1. "])


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(TASK_PIECES, max_size=40).map("".join))
def test_any_box_in_any_body_has_exactly_one_name_saying_its_state(body):
    parser = _Boxes()
    parser.feed(render_markdown(body))
    for attrs in parser.boxes:
        names = [value for name, value in attrs if name == "aria-label"]
        checked = any(name == "checked" for name, _ in attrs)
        assert names == ["Done" if checked else "Not done"], attrs


def ids_of(html):
    return re.findall(r'<[a-z0-9]+\b[^>]*\sid="([^"]*)"', html)


def test_a_heading_named_like_another_id_of_the_body_is_numbered_and_no_id_is_lost():
    html = render_markdown('<a id="setup"></a>\n\n## Setup\n\n## Setup')
    assert ids_of(html) == ["user-content-setup", "user-content-setup-1", "user-content-setup-2"]
    html = render_markdown("## fn-1\n\nText[^1]\n\n[^1]: note")
    assert '<h2 id="user-content-fn-1-1">fn-1</h2>' in html and '<li id="user-content-fn-1">' in html
    assert 'href="#user-content-fn-1" id="user-content-fnref-1"' in html
    html = render_markdown("## Install {#setup}\n\n<span id='user-content-setup'>x</span>")
    assert ids_of(html) == ["user-content-setup-1", "user-content-setup"]


def test_a_fragment_link_finds_its_heading_whatever_the_case():
    html = render_markdown("## Setup\n\n## Café au lait\n\n[a](#Setup) [b](#CAF%C3%A9-AU-LAIT) [c](#setup) [d](#Nowhere)"
                           "\n\n<span id='Exact'>x</span> <span id='exact'>y</span> [e](#Exact) [f](#exact)")
    assert '<a href="#user-content-setup">a</a>' in html and '<a href="#user-content-café-au-lait">b</a>' in html
    assert '<a href="#user-content-setup">c</a>' in html and '<a href="#user-content-Nowhere">d</a>' in html
    assert '<a href="#user-content-Exact">e</a>' in html and '<a href="#user-content-exact">f</a>' in html


ID_PIECES = st.sampled_from(["## Setup", "## setup-1", "## fn-1", "## fnref-1", '<a id="setup"></a>', "<span id=setup-1>x</span>",
                             "## A {#setup}", "Text[^1]", "[^1]: note", "more[^x]", "[^x]: other", "\n\n", "# Setup"])


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(ID_PIECES, max_size=20).map("".join))
def test_every_heading_and_footnote_keeps_an_id_and_none_repeats(body):
    html = render_markdown(body)
    ids = ids_of(html)
    assert len(ids) == len(set(ids))
    assert html.count("<h2") - html.count('<h2 class="visually-hidden"') == len(re.findall(r'<h2 id="', html))
    assert html.count('<li id="user-content-fn-') == html.count("<li") - len(re.findall(r"<li>", html))
    # (A back link of a note that nothing refers to has no reference to lead to: cmark-gfm's.)
    for fragment in re.findall(r'<a href="#([^"]*)"(?! class="footnote-backref")', html):
        assert fragment in ids
