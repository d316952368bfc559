"""`import_articles` on posts as other tools write them: Astro, Astro themes, Hugo (YAML and TOML),
Jekyll, Eleventy, Obsidian, MDX; human dates; defaults instead of refusals; each article's state."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from articles.models import Article, Author
from articles.publication_settings import PublicationSettings
from tests.factories import image_bytes, make_author

from tests.importing import run_import

pytestmark = pytest.mark.django_db



def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def day(article):
    return timezone.localtime(article.publish_date).date()


ASTRO = """---
title: 'First post'
description: 'Lorem ipsum dolor sit amet'
pubDate: 'Jul 08 2022'
updatedDate: 'Jul 10 2022'
heroImage: '../../assets/blog-placeholder-3.jpg'
---

Lorem ipsum dolor sit amet, consectetur adipiscing elit.
"""

ASTRO_THEME = """---
title: "Building a blog"
publishDate: "22 Feb 2023"
description: "How this blog was made"
tags: ["astro", "blogging"]
coverImage:
  src: "./cover.png"
  alt: "A laptop on a desk"
ogImage: "/social.png"
draft: false
---

Text of the post.
"""

HUGO_YAML = """---
title: "Hugo post"
date: 2019-03-11T09:30:00-05:00
lastmod: 2020-01-01
draft: true
tags: ["markdown", "css"]
categories: ["themes"]
summary: "A summary"
images: ["post-cover.png"]
series: ["Themes Guide"]
---

Hugo body.
"""

HUGO_TOML = """+++
title = "TOML post"
date = 2019-03-10
description = "Written in TOML"
tags = ["toml", "hugo"]
categories = ["syntax"]
draft = false
+++

TOML body.
"""

JEKYLL = """---
layout: post
title:  "Welcome to Jekyll!"
date:   2013-11-04 21:46:02 -0600
categories: jekyll update
author: Tom Preston-Werner
---

You'll find this post in your `_posts` directory.
"""

ELEVENTY = """---
title: This is my first post.
description: This is a post on My Blog about agile frameworks.
date: 2018-05-01
tags: number-1
---

Leverage agile frameworks.
"""

OBSIDIAN = """# A note about gardens

Some [[wikilinks]] and text.
"""


def test_astro_starter_post(tmp_path):
    post = write(tmp_path / "src" / "content" / "blog" / "first-post.md", ASTRO)
    (tmp_path / "src" / "assets").mkdir(parents=True)
    (tmp_path / "src" / "assets" / "blog-placeholder-3.jpg").write_bytes(image_bytes())
    output, error = run_import(tmp_path / "src")
    assert error is None, output
    article = Article.objects.get()
    assert article.title == "First post" and day(article) == dt.date(2022, 7, 8) and not article.draft
    assert article.hero_image.name.startswith("heroes/")  # found relative to the file, inside the folder
    assert "public now" in output and "updatedDate" not in output
    assert post.name in output


def test_astro_theme_post_with_cover_image_and_alt(tmp_path):
    write(tmp_path / "building.md", ASTRO_THEME)
    (tmp_path / "cover.png").write_bytes(image_bytes("PNG"))
    output, error = run_import(tmp_path)
    assert error is None, output
    article = Article.objects.get()
    assert day(article) == dt.date(2023, 2, 22) and article.hero_image_alt == "A laptop on a desk"
    assert article.hero_image and sorted(article.tags.values_list("name", flat=True)) == ["astro", "blogging"]


def test_hugo_yaml_and_toml(tmp_path):
    write(tmp_path / "content" / "posts" / "hugo.md", HUGO_YAML)
    write(tmp_path / "content" / "posts" / "toml.md", HUGO_TOML)
    output, error = run_import(tmp_path / "content")
    assert error is None, output
    hugo, toml = Article.objects.get(title="Hugo post"), Article.objects.get(title="TOML post")
    assert hugo.draft and hugo.publish_date == dt.datetime(2019, 3, 11, 14, 30, tzinfo=dt.UTC)
    assert hugo.description == "A summary"
    assert sorted(hugo.tags.values_list("name", flat=True)) == ["css", "markdown", "themes"]
    assert "heroImage: image 'post-cover.png' was not found" in output
    assert not toml.draft and day(toml) == dt.date(2019, 3, 10) and toml.description == "Written in TOML"
    assert sorted(toml.tags.values_list("name", flat=True)) == ["hugo", "syntax", "toml"]
    assert "Unknown front matter keys, ignored (files): series (1)." in output
    assert "hugo.md: created /articles/hugo-post/, draft" in output


def test_jekyll_post_takes_its_slug_and_date_from_the_file_name(tmp_path):
    write(tmp_path / "_posts" / "2013-11-04-welcome-to-jekyll.markdown", JEKYLL)
    write(tmp_path / "_posts" / "2014-01-02-no-date.md", "---\ntitle: Undated\n---\n\nBody.\n")
    write(tmp_path / "_posts" / "2015-05-05-hidden.md", "---\ntitle: Hidden\npublished: false\n---\n\nBody.\n")
    output, error = run_import(tmp_path)
    assert error is None, output
    welcome = Article.objects.get(slug="welcome-to-jekyll")
    assert welcome.publish_date == dt.datetime(2013, 11, 5, 3, 46, 2, tzinfo=dt.UTC)
    assert welcome.author.name == "Tom Preston-Werner"
    assert sorted(welcome.tags.values_list("name", flat=True)) == ["jekyll", "update"]  # split at spaces, as Jekyll does
    undated = Article.objects.get(slug="no-date")
    assert day(undated) == dt.date(2014, 1, 2) and "publish_date: missing, taken from the file name (2014-01-02)" in output
    assert Article.objects.get(slug="hidden").draft
    assert "Unknown front matter keys" not in output  # layout is read and ignored (the README lists it)


def test_eleventy_tags_as_a_string(tmp_path):
    write(tmp_path / "posts" / "firstpost.md", ELEVENTY)
    write(tmp_path / "posts" / "undated.md", "---\ntitle: Undated\ndate: Last Modified\ntags: [post, notes]\n---\nb\n")
    output, error = run_import(tmp_path)
    assert error is None, output
    article = Article.objects.get(title="This is my first post.")
    assert list(article.tags.values_list("name", flat=True)) == ["number-1"] and day(article) == dt.date(2018, 5, 1)
    assert "publish_date: 'Last Modified' is a date only Eleventy knows" in output


def test_obsidian_note_without_front_matter(tmp_path):
    write(tmp_path / "vault" / "Gardens.md", OBSIDIAN)
    write(tmp_path / "vault" / "Loose thoughts.md", "Only some text, no heading.\n")
    output, error = run_import(tmp_path / "vault")
    assert error is None, output
    garden = Article.objects.get(title="A note about gardens")
    assert garden.body.startswith("Some [[wikilinks]]")  # the heading became the title
    assert Article.objects.get(title="Loose thoughts").body == "Only some text, no heading."
    assert "title: taken from the file name ('Loose thoughts')" in output
    assert "publish_date: missing, so the moment of the first import" in output


def test_a_missing_date_is_the_first_import_and_is_kept_on_reimport(tmp_path):
    path = write(tmp_path / "a.md", "---\ntitle: 'No date'\n---\n\nFirst.\n")
    run_import(path)
    first = Article.objects.get().publish_date
    path.write_text("---\ntitle: 'No date'\n---\n\nSecond.\n", encoding="utf-8")
    output, _ = run_import(path)
    article = Article.objects.get()
    assert article.body == "Second." and article.publish_date == first
    assert "updated" in output and "publish_date: missing" in output


def test_title_only_file_imports(tmp_path):
    output, error = run_import(write(tmp_path / "t.md", "---\ntitle: Just a title\n---\n"))
    assert error is None and Article.objects.get().body == ""


@pytest.mark.parametrize("text,expected", [
    ("Jul 08 2022", dt.date(2022, 7, 8)),
    ("22 Feb 2023", dt.date(2023, 2, 22)),
    ("2013-11-04 21:46:02 -0600", dt.date(2013, 11, 5)),  # in UTC, the site's zone here
    ("2024-02-16T09:30:00+01:00", dt.date(2024, 2, 16)),
    ("March 3, 2021", dt.date(2021, 3, 3)),
])
def test_human_dates(tmp_path, text, expected):
    output, error = run_import(write(tmp_path / "a.md", f"---\ntitle: x\ndate: '{text}'\n---\nb\n"))
    assert error is None, output
    assert day(Article.objects.get()) == expected


@pytest.mark.parametrize("value", ["2024-02-30", "'2024-02-30'", "'Feb 2023'", "'next Tuesday'", "'31/31/2020'"])
def test_impossible_or_partial_dates_are_refused_with_the_file_and_the_others_import(tmp_path, value):
    write(tmp_path / "bad.md", f"---\ntitle: Bad\npublish_date: {value}\nfoo: 1\n---\nb\n")
    write(tmp_path / "good.md", "---\ntitle: Good\ndate: 2024-02-16\n---\nb\n")
    output, error = run_import(tmp_path)
    assert error is not None
    line = next(line for line in output.splitlines() if "bad.md" in line)
    assert "failed: publish_date:" in line and "is not a date" in line
    assert Article.objects.get().title == "Good"
    assert "foo (1)" in output  # a failed file's unknown keys are listed too


def test_a_failed_files_warnings_are_printed(tmp_path):
    write(tmp_path / "bad.md", "---\ntitle: \"A  title\"\ndraft: maybe\n---\nb\n")
    output, error = run_import(tmp_path)
    assert error is not None
    line = next(line for line in output.splitlines() if "bad.md" in line)
    assert "bad.md: failed: draft: must be true or false, not 'maybe' (warning: " in line
    assert "(warning: title: line breaks and repeated spaces collapsed to single spaces)" in line


def test_default_author_from_the_publication_settings(tmp_path):
    write(tmp_path / "a.md", "---\ntitle: Anonymous\n---\nb\n")
    output, _ = run_import(tmp_path)
    assert Article.objects.get().author.name == PublicationSettings().site_name
    assert "Author: 1 article(s) name no author and are by" in output and "the publication's name" in output
    record = PublicationSettings(pk=1)
    record.default_author = make_author("Jane Editor")
    record.save()
    write(tmp_path / "b.md", "---\ntitle: Second anonymous\n---\nb\n")
    output, _ = run_import(tmp_path / "b.md")
    assert Article.objects.get(title="Second anonymous").author.name == "Jane Editor"
    assert "are by 'Jane Editor' (the publication's default author)" in output


def test_drafts_option_and_states_in_the_dry_run(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Paris"
    write(tmp_path / "now.md", "---\ntitle: Now\ndate: 2024-02-16\n---\nb\n")
    write(tmp_path / "later.md", "---\ntitle: Later\ndate: 2099-12-02T09:30:00+01:00\n---\nb\n")
    write(tmp_path / "hidden.md", "---\ntitle: Hidden\ndraft: true\n---\nb\n")
    output, _ = run_import(tmp_path, "--dry-run")
    assert "now.md: would be created /articles/now/, public now" in output
    assert "later.md: would be created /articles/later/, scheduled for 2 Dec 2099 09:30 Europe/Paris" in output
    assert "hidden.md: would be created /articles/hidden/, draft" in output
    assert not Article.objects.exists()
    output, _ = run_import(tmp_path, "--drafts")
    assert Article.objects.filter(draft=True).count() == 3 and "public now" not in output


def test_images_missing_or_site_absolute(tmp_path):
    body = "![a](/images/a.png) ![b](missing.png) <img src=x>\n"
    write(tmp_path / "posts" / "a.md", f"---\ntitle: Images\n---\n{body}")
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "a.png").write_bytes(image_bytes("PNG"))
    output, error = run_import(tmp_path / "posts")
    assert error is None
    assert "body: image '/images/a.png' was not found; the reference is kept as written" in output
    assert "image 'missing.png' was not found" in output and "image 'x' was not found" in output
    assert Article.objects.get().body == body.rstrip("\n").replace("src=x", "src=\"x\"")
    output, error = run_import(tmp_path / "posts", "--static-dir", tmp_path / "static")
    body = Article.objects.get().body
    assert "/media/body/" in body and "(missing.png)" in body and "/images/a.png" not in body


def test_page_bundle_finds_its_images(tmp_path):
    write(tmp_path / "content" / "my-trip" / "index.md", "---\ntitle: My trip\n---\n![A beach](beach.jpg)\n")
    (tmp_path / "content" / "my-trip" / "beach.jpg").write_bytes(image_bytes())
    output, error = run_import(tmp_path / "content")
    assert error is None, output
    assert "/media/body/" in Article.objects.get().body


def test_mdx_imports_its_markdown_and_names_what_was_removed(tmp_path):
    text = (
        "---\ntitle: MDX post\ndate: 2024-01-02\n---\n"
        "import Chart from '../components/Chart.astro';\nexport const data = [1, 2];\n\n"
        "# Heading\n\n<Chart data={data} />\n\n<Callout type=\"tip\">\nKept **text**.\n</Callout>\n"
    )
    output, error = run_import(write(tmp_path / "post.mdx", text))
    assert error is None, output
    body = Article.objects.get().body
    assert "import" not in body and "<Chart" not in body and "Kept **text**." in body
    assert "MDX: removed 1 import line(s), 1 export line(s), the JSX component(s) <Callout>, <Chart>" in output


def test_a_file_past_the_markdown_limit_is_refused_unread(tmp_path, settings):
    settings.MARKDOWN_MAX_BYTES = 1000
    write(tmp_path / "big.md", "---\ntitle: Big\n---\n" + "word " * 400)
    write(tmp_path / "small.md", "---\ntitle: Small\n---\nb\n")
    output, error = run_import(tmp_path)
    assert error is not None
    assert "big.md: failed: 2,019 bytes; the limit for one article is 1,000 bytes (MARKDOWN_MAX_BYTES)" in output
    assert list(Article.objects.values_list("title", flat=True)) == ["Small"]


def test_a_scheduled_moment_in_another_zone(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        write(tmp_path / "a.md", "---\ntitle: Paris\ndate: 'Jul 08 2022'\n---\nb\n")
        run_import(tmp_path)
    assert Article.objects.get().publish_date == dt.datetime(2022, 7, 7, 22, 0, tzinfo=dt.UTC)
    assert Author.objects.count() == 1
