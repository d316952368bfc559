"""A Ghost export (JSON, as Ghost 5 writes it) through `import_articles`: html, lexical and
mobiledoc content, statuses, members-only posts, pages, images and /slug/ redirects."""

import datetime as dt
import json

import pytest

from articles.models import Article
from tests.factories import image_bytes

from tests.importing import run_import

pytestmark = pytest.mark.django_db

LEXICAL = {"root": {"type": "root", "children": [
    {"type": "paragraph", "children": [
        {"type": "text", "text": "Lexical ", "format": 0},
        {"type": "text", "text": "bold", "format": 1},
        {"type": "link", "url": "https://example.org/", "children": [{"type": "text", "text": "a link", "format": 0}]},
    ]},
    {"type": "heading", "tag": "h2", "children": [{"type": "text", "text": "Section", "format": 0}]},
    {"type": "markdown", "markdown": "A *markdown* card\n\n1. first"},
    {"type": "image", "src": "__GHOST_URL__/content/images/2023/02/cat.png", "alt": "A cat"},
]}}
MOBILEDOC = {
    "version": "0.3.1", "atoms": [], "markups": [["em"], ["a", ["href", "https://ghost.org/"]]],
    "cards": [["markdown", {"markdown": "Card *text*"}], ["hr", {}]],
    "sections": [[1, "p", [[0, [0], 1, "Mobiledoc"], [0, [], 0, " and "], [0, [1], 1, "Ghost"]]], [10, 0], [10, 1],
                 [3, "ul", [[[0, [], 0, "item"]]]]],
}


def ghost_export() -> dict:
    def post(n, slug, title, status="published", **fields):
        return {"id": f"p{n}", "uuid": f"00000000-0000-4000-8000-00000000000{n}", "title": title, "slug": slug,
                "status": status, "visibility": "public", "type": "post", "published_at": "2023-02-22T10:00:00.000Z",
                "created_at": "2023-02-20T08:00:00.000Z", "updated_at": "2023-02-22T10:00:00.000Z",
                "html": None, "lexical": None, "mobiledoc": None, "feature_image": None, "custom_excerpt": None,
                **fields}

    return {"db": [{"meta": {"exported_on": 1700000000000, "version": "5.74.0"}, "data": {
        "posts": [
            post(1, "welcome", "Welcome to Ghost", html='<p>Hello <strong>Ghost</strong>.</p><figure class="kg-card kg-embed-card"><iframe src="https://www.youtube.com/embed/xyz"></iframe></figure>',
                 feature_image="__GHOST_URL__/content/images/2023/02/hero.png", custom_excerpt="The excerpt"),
            post(2, "lexical-post", "Lexical post", lexical=json.dumps(LEXICAL)),
            post(3, "mobiledoc-post", "Mobiledoc post", mobiledoc=json.dumps(MOBILEDOC)),
            post(4, "draft-post", "A draft", status="draft", published_at=None, html="<p>Draft.</p>"),
            post(5, "later", "Later", status="scheduled", published_at="2099-01-01T09:00:00.000Z", html="<p>Soon.</p>"),
            post(6, "members", "For members", visibility="members", html="<p>Paid.</p>"),
            post(7, "about", "About", type="page", html="<p>A page.</p>"),
        ],
        "posts_meta": [{"post_id": "p1", "feature_image_alt": "A hero"}],
        "users": [{"id": "u1", "name": "Ghost Writer", "slug": "ghost"}, {"id": "u2", "name": "Second", "slug": "second"}],
        "posts_authors": [{"post_id": f"p{n}", "author_id": "u1", "sort_order": 0} for n in range(1, 8)]
        + [{"post_id": "p1", "author_id": "u2", "sort_order": 1}],
        "tags": [{"id": "t1", "name": "Getting Started", "slug": "getting-started"}, {"id": "t2", "name": "#internal", "slug": "hash-internal"}],
        "posts_tags": [{"post_id": "p1", "tag_id": "t1", "sort_order": 0}, {"post_id": "p1", "tag_id": "t2", "sort_order": 1}],
    }}]}



@pytest.fixture
def export_path(tmp_path):
    path = tmp_path / "my-site.ghost.2024-01-01.json"
    path.write_text(json.dumps(ghost_export()), encoding="utf-8")
    return path


def test_a_ghost_export_comes_across(export_path, tmp_path, client):
    static = tmp_path / "ghost"
    (static / "content" / "images" / "2023" / "02").mkdir(parents=True)
    (static / "content" / "images" / "2023" / "02" / "hero.png").write_bytes(image_bytes("PNG"))
    output, error = run_import(export_path, "--static-dir", static)
    assert error is None, output
    welcome = Article.objects.get(slug="welcome")
    assert welcome.title == "Welcome to Ghost" and welcome.author.name == "Ghost Writer"
    assert str(welcome.uuid) == "00000000-0000-4000-8000-000000000001"
    assert welcome.publish_date == dt.datetime(2023, 2, 22, 10, 0, tzinfo=dt.UTC) and welcome.is_public
    assert welcome.description == "The excerpt" and welcome.hero_image_alt == "A hero" and welcome.hero_image
    assert list(welcome.tags.values_list("name", flat=True)) == ["Getting Started"]
    assert welcome.body.startswith("Hello **Ghost**.") and "<https://www.youtube.com/embed/xyz>" in welcome.body
    assert "<iframe> https://www.youtube.com/embed/xyz became a link" in output

    lexical = Article.objects.get(slug="lexical-post").body
    assert "Lexical **bold**[a link](https://example.org/)" in lexical and "## Section" in lexical
    assert "A *markdown* card\n\n1. first" in lexical and "![A cat](/content/images/2023/02/cat.png)" in lexical
    assert "body: image '/content/images/2023/02/cat.png' was not found" in output
    mobiledoc = Article.objects.get(slug="mobiledoc-post").body
    assert "*Mobiledoc* and [Ghost](https://ghost.org/)" in mobiledoc and "Card *text*" in mobiledoc
    assert "- item" in mobiledoc

    states = {a.slug: a.status for a in Article.objects.all()}
    assert states == {"welcome": "published", "lexical-post": "published", "mobiledoc-post": "published",
                      "draft-post": "draft", "later": "scheduled", "members": "draft"}
    assert "for members readers on Ghost, so imported as a draft" in output
    assert "skipped: 1 pages." in output and "Loss report: 7 item(s)" in output

    response = client.get("/welcome/")
    assert response.status_code == 301 and response.headers["Location"] == "/articles/welcome/"
    assert client.get("/later/").status_code == 404  # scheduled: hidden until its moment


def test_a_json_file_that_is_not_an_export_is_refused_by_name(tmp_path):
    path = tmp_path / "data.json"
    path.write_text('{"exported_on": 1, "db": "nonsense"}', encoding="utf-8")
    output, error = run_import(path)
    assert error is not None and "data.json: failed: not a readable Ghost export" in output


def test_a_control_character_in_a_post_is_refused_by_name(tmp_path):
    data = ghost_export()
    data["db"][0]["data"]["posts"][0]["html"] = "<p>Nul \u0000 here.</p>"
    path = tmp_path / "g.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    output, error = run_import(path)
    assert error is not None and "post welcome: failed: body: contains the control character U+0000 (NUL)" in output
    assert Article.objects.filter(slug="lexical-post").exists()
