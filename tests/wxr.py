"""A small WordPress export (WXR 1.2) written by the tests: posts in every status, a page, an
attachment used as a featured image, a menu item, comments, classic and block content."""

from xml.sax.saxutils import escape

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Old Blog</title>
	<link>https://old.example.org</link>
	<description>Just another WordPress site</description>
	<language>en-US</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://old.example.org</wp:base_site_url>
	<wp:base_blog_url>https://old.example.org</wp:base_blog_url>
	<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[jdoe]]></wp:author_login><wp:author_email><![CDATA[j@example.org]]></wp:author_email><wp:author_display_name><![CDATA[Jane Doe]]></wp:author_display_name><wp:author_first_name><![CDATA[Jane]]></wp:author_first_name><wp:author_last_name><![CDATA[Doe]]></wp:author_last_name></wp:author>
	<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename><![CDATA[uncategorized]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Uncategorized]]></wp:cat_name></wp:category>
	<generator>https://wordpress.org/?v=6.4.2</generator>
"""
TAIL = "</channel>\n</rss>\n"


def item(post_id, title, slug, status="publish", kind="post", date="2013-01-11 10:00:00", content="",
         excerpt="", categories=(), tags=(), password="", thumbnail=None, comments=0, extra=""):
    link = f"https://old.example.org/{date[:10].replace('-', '/')}/{slug}/" if status == "publish" else f"https://old.example.org/?p={post_id}"
    meta = f"<wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[{thumbnail}]]></wp:meta_value></wp:postmeta>" if thumbnail else ""
    terms = "".join(f'<category domain="category" nicename="{escape(c.lower())}"><![CDATA[{c}]]></category>' for c in categories)
    terms += "".join(f'<category domain="post_tag" nicename="{escape(t.lower())}"><![CDATA[{t}]]></category>' for t in tags)
    comment_xml = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id><wp:comment_author><![CDATA[Reader]]></wp:comment_author>"
        f"<wp:comment_date_gmt>2013-01-12 10:00:00</wp:comment_date_gmt><wp:comment_content><![CDATA[Nice.]]></wp:comment_content>"
        f"<wp:comment_approved><![CDATA[1]]></wp:comment_approved></wp:comment>"
        for n in range(comments)
    )
    gmt = "0000-00-00 00:00:00" if status == "draft" else date
    return f"""	<item>
		<title><![CDATA[{title}]]></title>
		<link>{link}</link>
		<pubDate>Fri, 11 Jan 2013 10:00:00 +0000</pubDate>
		<dc:creator><![CDATA[jdoe]]></dc:creator>
		<guid isPermaLink="false">https://old.example.org/?p={post_id}</guid>
		<description></description>
		<content:encoded><![CDATA[{content}]]></content:encoded>
		<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
		<wp:post_id>{post_id}</wp:post_id>
		<wp:post_date><![CDATA[{date}]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[{gmt}]]></wp:post_date_gmt>
		<wp:comment_status><![CDATA[open]]></wp:comment_status>
		<wp:post_name><![CDATA[{slug}]]></wp:post_name>
		<wp:status><![CDATA[{status}]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[{kind}]]></wp:post_type>
		<wp:post_password><![CDATA[{password}]]></wp:post_password>
		<wp:is_sticky>0</wp:is_sticky>
		{terms}{meta}{extra}{comment_xml}
	</item>
"""


CLASSIC = """First paragraph of a classic post,
with a line break.

Second paragraph with <strong>bold</strong> and a <a href="https://example.org/">link</a>.

[caption id="attachment_9" align="aligncenter" width="300"]<img src="https://old.example.org/wp-content/uploads/2013/01/photo.jpg" alt="A photo" width="300" height="200" /> The caption[/caption]

[gallery ids="9,10"]

[contact-form-7 id="12" title="Contact"]"""

BLOCKS = """<!-- wp:paragraph -->
<p>A block post with <em>emphasis</em>.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2 class="wp-block-heading">A heading</h2>
<!-- /wp:heading -->

<!-- wp:list -->
<ul><li>one</li><li>two</li></ul>
<!-- /wp:list -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=abc","type":"video","providerNameSlug":"youtube"} -->
<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=abc
</div></figure>
<!-- /wp:embed -->

<!-- wp:latest-posts /-->

<!-- wp:code -->
<pre class="wp-block-code"><code>print("hi")</code></pre>
<!-- /wp:code -->"""

ATTACHMENT = """<wp:attachment_url><![CDATA[https://old.example.org/wp-content/uploads/2013/01/hero.jpg]]></wp:attachment_url><wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_image_alt]]></wp:meta_key><wp:meta_value><![CDATA[A hero photo]]></wp:meta_value></wp:postmeta>"""


def export(future_date="2099-06-01 08:00:00") -> str:
    return HEAD + "".join([
        item(1, "Hello Classic", "hello-classic", content=CLASSIC, excerpt="The <b>classic</b> excerpt.",
             categories=["Uncategorized", "News"], tags=["Python", "web"], thumbnail=20, comments=2),
        item(2, "Block Party", "block-party", date="2014-05-06 07:08:09", content=BLOCKS, tags=["Python"]),
        item(3, "Coming Soon", "coming-soon", status="future", date=future_date, content="<p>Later.</p>"),
        item(4, "Work in progress", "", status="draft", content="<p>Not yet.</p>"),
        item(5, "Secret", "secret", password="hunter2", content="<p>Hidden.</p>"),
        item(6, "Pending review", "pending-review", status="pending", content="<p>Soon.</p>"),
        item(7, "Private note", "private-note", status="private", content="<p>Mine.</p>"),
        item(8, "About", "about", kind="page", content="<p>About us.</p>", comments=1),
        item(20, "hero", "hero", kind="attachment", status="inherit", extra=ATTACHMENT),
        item(21, "Home", "home", kind="nav_menu_item"),
        item(22, "Trashed", "trashed", status="trash", content="<p>Gone.</p>"),
        item(23, "Caf\u00e9 \u00e9t\u00e9", "caf%c3%a9-%c3%a9t%c3%a9", date="2015-07-01 12:00:00", content="<p>Unicode slug.</p>"),
    ]) + TAIL
