"""Articles <-> files, with no HTTP and no admin in it: front matter (frontmatter.py, dialects.py,
mdx.py), validation.py, writing.py (import_files), sources.py (paths, uploads, zips), export.py,
and the WordPress and Ghost readers (wordpress.py, ghost.py, html.py)."""
