"""Render times of `articles.markdown.render_markdown`: a long article, and hostile bodies.

    .venv/bin/python bench/render.py [--runs 30] [--legacy]

Prints the median time to render a 5,000-word article with headings, nested lists, tables,
highlighted code, footnotes, images and links; then the time of each pathological body (runs
of brackets, deep nesting, huge tables...: the inputs a renderer that is not linear chokes on).
`--legacy` also times Python-Markdown ("extra", "sane_lists") with nh3 on the same article,
the shape of the renderer Masthead used before, when the `markdown` package is installed.
Figures in bench/RESULTS.md.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this tree's articles/, not another checkout's editable install

WORDS = (
    "the a of to and in that is for it as was with be by on not he this are or his from at which but have an "
    "they you were her she there been one all we their has would when if so no will more time two may first "
    "story editor reader page river market season winter harbour council letter morning evening archive"
).split()

CODE = {
    "python": 'def fetch(url, *, retries=3):\n    """Fetch with retries."""\n    for attempt in range(retries):\n'
              '        try:\n            return session.get(url, timeout=10).json()\n'
              '        except TimeoutError as error:\n            log.warning("retry %s: %s", attempt, error)\n'
              '    raise RuntimeError(f"gave up on {url}")\n',
    "js": "export async function load(slug) {\n  const res = await fetch(`/api/${slug}`);\n"
          "  if (!res.ok) throw new Error(res.statusText);\n  return { ...(await res.json()), slug };\n}\n",
    "bash": 'set -eu\nfor f in *.md; do\n  echo "importing $f"\n  python manage.py import_articles "$f"\ndone\n',
}


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def article(words: int = 5000, seed: int = 1) -> str:
    """A long article as writers write one: about `words` words of prose and everything around it."""
    rng = random.Random(seed)
    parts, section, note = [], 0, 0
    while sum(len(part.split()) for part in parts) < words:
        section += 1
        parts.append(f"## Section {section}: {sentence(rng, 4)[:-1]}")
        for _ in range(3):
            body = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(4))
            body += f" See *the {rng.choice(WORDS)}* and **{rng.choice(WORDS)}**, `code_{section}`, "
            body += f"[a link](https://example.org/{section}) and [the setup](#section-{section})."
            if section % 2:
                note += 1
                body += f"[^n{note}]"
            parts.append(body)
        parts.append("\n".join(
            [f"- {sentence(rng, 6)}", f"  - {sentence(rng, 5)}", f"  - {sentence(rng, 5)}",
             f"- [ ] {sentence(rng, 4)}", f"- [x] ~~{sentence(rng, 4)}~~", f"1. {sentence(rng, 5)}",
             f"2. {sentence(rng, 5)}"]))
        if section % 3 == 0:
            rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} | {sentence(rng, 3)} |" for _ in range(6)]
            parts.append("| Name | Count | Note |\n| :--- | ---: | :---: |\n" + "\n".join(rows))
        if section % 2 == 0:
            language = rng.choice(sorted(CODE))
            parts.append(f'```{language} title="example.{language}"\n{CODE[language]}```')
        if section % 4 == 0:
            parts.append(f"![Figure {section}: {sentence(rng, 4)}](/media/body/figure-{section}.jpg)")
        if section % 5 == 0:
            parts.append(f"> {sentence(rng, 12)}\n> — {rng.choice(WORDS).title()}, https://example.org/q/{section}")
    parts.extend(f"[^n{n}]: {sentence(rng, 10)}" for n in range(1, note + 1))
    return "\n\n".join(parts) + "\n"


# Bodies a renderer that is not linear in its input takes minutes on (each about 100-200 KB).
PATHOLOGICAL = {
    "run of [": "[" * 100_000,
    "run of ![": "![" * 50_000,
    "run of [a](": "[a](" * 25_000,
    "run of ](": "](" * 50_000,
    "nested [[]]": "[" * 30_000 + "a" + "]" * 30_000,
    "nested >": ">" * 50_000 + " quote",
    "nested > lines": "".join(">" * i + " a\n" for i in range(1, 500)),
    "deep list": "".join("  " * i + "- item\n" for i in range(2_000)),
    "deep ordered list": "".join("   " * i + "1. item\n" for i in range(2_000)),
    "emphasis run *": "*" * 100_000 + "a",
    "emphasis alternating": "*a _b " * 25_000,
    "strong open run": "**a " * 40_000,
    "backtick runs": "".join("`" * i + "a" for i in range(1, 500)),
    "backtick run": "`" * 100_000,
    "run of <!--": "<!--" * 40_000,
    "run of <!": "<!" * 70_000,
    "unclosed <a": "<a " * 50_000,
    "run of &#": "&#" * 60_000,
    "2,000-column table": "|" + "a|" * 2_000 + "\n|" + "-|" * 2_000 + "\n" + ("|" + "b|" * 2_000 + "\n") * 30,
    "table rows, no delimiter": ("|a" * 500 + "\n") * 100,
    "20,000 reference definitions": "".join(f"[r{i}]: /u{i}\n" for i in range(20_000)) + "[r1] [r19999]\n",
    "20,000 references": "[x]: /u\n\n" + "[x] " * 20_000,
    "footnote run": "[^" * 60_000,
    "footnote definitions": "".join(f"[^f{i}]: note {i}\n" for i in range(10_000)) + "x[^f1]\n",
    "bare URL run": "www.a" * 30_000,
    "autolink run": "<http://a" * 20_000,
    "heading attributes": "## a {" * 30_000,
    "many headings, same text": "## Same\n" * 20_000,
    "fence info run": "```" + "{" * 100_000 + "\nx\n```\n",
    "nested blockquote list": "> - " * 20_000 + "a",
}


def median_ms(function, text: str, runs: int) -> float:
    function(text)  # warm up (imports, compiled patterns, Pygments lexers)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def legacy_renderer():
    """Python-Markdown with the extensions and sanitiser settings Masthead used before, or None."""
    try:
        import markdown
    except ImportError:
        return None
    import nh3

    from articles.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

    def render(text):
        html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
        return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"})

    return render


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--legacy", action="store_true", help="also time Python-Markdown, when installed")
    options = parser.parse_args()

    from articles.markdown import render_markdown

    text = article()
    print(f"article: {len(text.split()):,} words, {len(text.encode()):,} bytes, "
          f"{text.count('```') // 2} code blocks, {text.count('| :---')} tables, {text.count('](/media/')} images")
    print(f"render_markdown: median {median_ms(render_markdown, text, options.runs):.1f} ms over {options.runs} runs")
    if options.legacy:
        legacy = legacy_renderer()
        if legacy is None:
            print("Python-Markdown: not installed")
        else:
            print(f"Python-Markdown + nh3: median {median_ms(legacy, text, options.runs):.1f} ms over {options.runs} runs")
    print("\npathological bodies (one render each):")
    worst = 0.0
    for name, body in PATHOLOGICAL.items():
        start = time.perf_counter()
        render_markdown(body)
        elapsed = time.perf_counter() - start
        worst = max(worst, elapsed)
        print(f"  {name:32} {len(body.encode()) / 1000:7.0f} KB {elapsed * 1000:9.0f} ms")
    print(f"slowest pathological body: {worst:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
