"""Bulk import and export at scale: files per second and peak memory for each step.

    .venv/bin/python bench/import_export.py            # N = 1,000 and 10,000
    .venv/bin/python bench/import_export.py 2000 5000   # other sizes

For each N: writes N articles in the reference format into a temporary folder, imports
them into an empty SQLite database (a fresh temporary DATABASE_URL and MEDIA_ROOT), exports
them, and prints the figures. Each step runs in its own process, so its peak resident
memory (getrusage) is its own: flat memory shows as the same peak for 1,000 and 10,000.
"""

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "publishing archive reader editor newsroom feed story draft column measure typeface margin "
    "subscriber headline paragraph correction source interview deadline edition audience print web "
    "independent quiet small garden letter essay review notebook language clarity rhythm length"
).split()
AUTHORS = [f"Author {name} {n}" for n in range(10) for name in ("Ada", "Bo", "Cy", "Di", "Ed")]
TAGS = ["Publishing", "Design", "Open Web", "RSS", "Editing", "Typography", "Business", "AI", "Media", "Essays"]


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    return " ".join(words).capitalize() + "."


def article(rng: random.Random, n: int) -> str:
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(3, 7))) for _ in range(rng.randint(6, 14))]
    paragraphs.insert(2, "## A heading for part two")
    paragraphs.insert(4, "\n".join(f"- {sentence(rng)}" for _ in range(4)))
    paragraphs.insert(5, f"![An illustration](https://images.example.org/{n}/figure.webp)")
    day = 1 + n % 28
    lines = [
        "---",
        f"title: 'Article {n}: {sentence(rng)[:60].rstrip('.')}'",
        f"subtitle: '{sentence(rng)}'",
        f"description: '{sentence(rng)} {sentence(rng)}'",
        f"author: '{AUTHORS[n % len(AUTHORS)]}'",
        f"read_time: '{rng.randint(3, 12)} mins'" if n % 3 == 0 else None,
        f"publish_date: '2024-{1 + n % 12:02d}-{day:02d}'" if n % 4 else f"publish_date: '2024-05-{day:02d}T09:30:00+02:00'",
        f"created_date: '2024-01-{day:02d}'",
        f"heroImage: 'https://images.example.org/{n}/hero.jpg'",
        f"cta: '{sentence(rng)}'",
        f"tags: {json.dumps(rng.sample(TAGS, 2))}",
        "draft: true" if n % 10 == 0 else None,
        "---",
        "",
        "\n\n".join(paragraphs),
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"


def child(step: str, folder: str):
    """Run one step in this process; print its figures as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
    django.setup()
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    started = time.perf_counter()
    if step == "migrate":
        call_command("migrate", verbosity=0)
    elif step == "import":
        call_command("import_articles", folder, verbosity=0, stdout=out)
    else:
        call_command("export_articles", folder, stdout=out)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    lines = out.getvalue().strip().splitlines()
    summary = [line for line in lines if line.startswith(("Imported", "Exported"))][-1:] or lines[-1:]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": peak_kb / 1024, "last": summary}))


def run(step: str, folder: Path, env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", step, str(folder)], env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"{step} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench(n: int):
    with tempfile.TemporaryDirectory(prefix="masthead-bench-") as temporary:
        temporary = Path(temporary)
        source, exported = temporary / "source", temporary / "exported"
        source.mkdir()
        rng = random.Random(n)
        started = time.perf_counter()
        for i in range(n):
            (source / f"article-{i:05d}.md").write_text(article(rng, i), encoding="utf-8")
        generated = time.perf_counter() - started
        size = sum(p.stat().st_size for p in source.iterdir())
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{temporary / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(temporary / "media"),
            "DEBUG": "True",
        }
        run("migrate", source, env)
        print(f"N = {n:,} articles ({size / 1e6:.1f} MB of Markdown, generated in {generated:.1f} s)")
        for step, folder in [("import", source), ("export", exported)]:
            figures = run(step, folder, env)
            rate = n / figures["seconds"]
            print(
                f"  {step:<7} {figures['seconds']:6.1f} s ({figures.get('cpu', 0):.1f} s CPU)  {rate:7,.0f} files/s"
                f"  peak memory {figures['peak_mb']:6.1f} MB"
                f"   [{' '.join(figures['last'])}]"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        for n in map(int, sys.argv[1:] or ["1000", "10000"]):
            bench(n)
