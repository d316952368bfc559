"""Property-based: no file, front matter or export makes the importer raise; each is imported
or refused with a reason, and the others in the run are not affected."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from articles.files import dialects, frontmatter, mdx
from articles.files.ghost import GhostExport
from articles.files.html import to_markdown
from articles.files.report import FileResult, SourceFile
from articles.files.writing import import_files
from articles.files.wordpress import WordPressExport
from articles.models import Article

pytestmark = pytest.mark.django_db

KEYS = ["title", "date", "pubDate", "publishDate", "published", "draft", "tags", "categories", "author", "authors",
        "heroImage", "coverImage", "images", "slug", "uuid", "read_time", "description", "summary", "tagSlugs",
        "authorSlug", "lastmod", "created", "heroImageAlt", "cta", "subtitle"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True), st.text(max_size=30),
    st.sampled_from(["2024-02-30", "Jul 08 2022", "22 Feb 2023", "2013-11-04 21:46:02 -0600", "0000-00-00",
                     "9999-12-31T23:59:59", "1-1-1", "tomorrow", "2024-03-31T02:30:00", "+infinity"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
yaml_lines = st.lists(st.tuples(st.sampled_from(KEYS) | st.text(string.ascii_letters, min_size=1, max_size=6), values), max_size=8)
quick = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def run(sources):
    report = import_files(sources, dry_run=True)
    assert len(report.results) == len(sources)
    for result in report.results:
        assert result.action in ("created", "updated", "unchanged", "failed")
        assert result.action != "failed" or result.errors
    return report


@quick
@given(yaml_lines, st.text(max_size=200), st.sampled_from(["a.md", "2024-01-02-x.md", "post/index.md", "n.mdx"]))
def test_any_front_matter_is_imported_or_refused_with_a_reason(lines, body, name):
    meta = "\n".join(f"{key}: {json.dumps(value, default=str)}" for key, value in lines)
    run([SourceFile(name, f"---\n{meta}\n---\n{body}"), SourceFile("good.md", "---\ntitle: Good\n---\nb\n")])


@quick
@given(st.text(max_size=400))
def test_any_text_is_imported_or_refused_with_a_reason(text):
    prefixes = ("", "---\n", "+++\n", "---\ntitle: x\n---\n", "+++\ntitle = 'x'\n+++\n")
    report = run([SourceFile(f"{n}.md", prefix + text) for n, prefix in enumerate(prefixes)])
    assert report.total == len(prefixes)


@quick
@given(st.text(alphabet=string.printable, max_size=300))
def test_yaml_and_toml_syntax_noise(text):
    for delimiter in ("---", "+++"):
        run([SourceFile("a.md", f"{delimiter}\n{text}\n{delimiter}\nbody\n")])


@quick
@given(st.text(max_size=300))
def test_html_and_mdx_conversion_never_raise(text):
    markdown, losses = to_markdown(text, classic=True)
    assert isinstance(markdown, str) and all(isinstance(loss, str) for loss in losses)
    kept, removed = mdx.to_markdown(text)
    assert isinstance(kept, str) and isinstance(removed, str)
    mapped = dialects.map_keys({}, text, "x.md")
    assert isinstance(mapped.meta["title"], str)


@quick
@given(st.dictionaries(st.sampled_from(["posts", "users", "tags", "posts_tags", "posts_authors", "posts_meta"]),
                       st.lists(st.dictionaries(st.sampled_from(["id", "title", "slug", "status", "html", "lexical",
                                                                 "mobiledoc", "published_at", "type", "post_id",
                                                                 "tag_id", "author_id", "name", "visibility"]),
                                                values, max_size=6), max_size=3), max_size=6))
def test_any_ghost_json_is_imported_or_refused(data):
    blob = json.dumps({"db": [{"meta": {"exported_on": 1}, "data": data}]}, default=str).encode()
    export = GhostExport("g.json", lambda: __import__("io").BytesIO(blob), lambda path: None)
    items = [item for item in export if isinstance(item, (SourceFile, FileResult))]
    import_files(items, dry_run=True)


@quick
@given(st.text(max_size=200), st.text(max_size=50), st.sampled_from(["publish", "draft", "future", "x", ""]))
def test_any_wordpress_item_is_imported_or_refused(content, title, status):
    from xml.sax.saxutils import escape

    xml = (
        '<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>'
        f"<title>{escape(title)}</title><wp:post_type>post</wp:post_type><wp:status>{status}</wp:status>"
        f"<wp:post_id>1</wp:post_id><content:encoded>{escape(content)}</content:encoded></item></channel></rss>"
    )
    data = xml.encode("utf-8", "surrogatepass")
    export = WordPressExport("w.xml", lambda: __import__("io").BytesIO(data), lambda path: None)
    items = [item for item in export if isinstance(item, (SourceFile, FileResult))]
    import_files(items, dry_run=True)
    assert not Article.objects.exists()


def test_parse_keeps_a_yaml_timestamp_as_text():
    assert frontmatter.parse("---\ndate: 2024-02-30\n---\n").meta == {"date": "2024-02-30"}
