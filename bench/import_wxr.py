"""A large WordPress export (WXR) through `import_articles`: seconds and peak memory by size.

    PYTHONPATH=$PWD .venv/bin/python bench/import_wxr.py          # 10 MB and 50 MB
    PYTHONPATH=$PWD .venv/bin/python bench/import_wxr.py 5 20     # other sizes, in MB

For each size: writes a WXR of about that many megabytes (posts with block markup and classic
content, each with an attachment and comments, like a real export), imports it into an empty
SQLite database in its own process and prints the time and the peak resident memory
(getrusage). The reader streams the XML, so the peak should not grow with the file.
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
sys.path.insert(0, str(ROOT))

from bench.import_export import sentence  # noqa: E402
from tests.wxr import HEAD, TAIL, item  # noqa: E402


def post(rng: random.Random, n: int) -> str:
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(3, 7))) for _ in range(rng.randint(6, 12))]
    if n % 2:
        content = "\n\n".join(f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->" for p in paragraphs)
    else:
        content = "\n\n".join(paragraphs)  # classic
    content += f'\n\n<img src="https://old.example.org/wp-content/uploads/{n}.jpg" alt="Figure {n}" />'
    attachment = f"<wp:attachment_url><![CDATA[https://old.example.org/wp-content/uploads/{n}.jpg]]></wp:attachment_url>"
    return item(2 * n + 1, f"Post {n}: {sentence(rng)[:50]}", f"post-{n}", date=f"2015-{1 + n % 12:02d}-{1 + n % 28:02d} 10:00:00",
                content=content, excerpt=sentence(rng), categories=["News"], tags=[f"tag {n % 40}"],
                thumbnail=2 * n + 2, comments=n % 3) + item(2 * n + 2, f"image {n}", f"image-{n}", kind="attachment",
                                                          status="inherit", extra=attachment)


def child(path: str):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
    django.setup()
    from io import StringIO

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out = StringIO()
    started = time.perf_counter()
    call_command("import_articles", path, verbosity=0, stdout=out)
    seconds = time.perf_counter() - started
    lines = out.getvalue().strip().splitlines()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
                      "lines": [line for line in lines if line.startswith(("Imported", "Loss report"))]}))


def bench(megabytes: float):
    with tempfile.TemporaryDirectory(prefix="masthead-wxr-") as temporary:
        temporary = Path(temporary)
        path = temporary / "export.xml"
        rng = random.Random(megabytes)
        posts = 0
        with path.open("w", encoding="utf-8") as file:
            file.write(HEAD)
            while file.tell() < megabytes * 1e6:
                file.write(post(rng, posts))
                posts += 1
            file.write(TAIL)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{temporary / 'bench.sqlite3'}",
               "MEDIA_ROOT": str(temporary / "media"), "DEBUG": "True", "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, __file__, "--child", str(path)], env=env, capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"import failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"WXR {path.stat().st_size / 1e6:5.1f} MB, {posts:,} posts: {figures['seconds']:6.1f} s "
              f"({figures['cpu']:.1f} s CPU, which includes migrating the empty database) "
              f"({posts / figures['seconds']:,.0f} posts/s), peak memory {figures['peak_mb']:6.1f} MB")
        for line in figures["lines"]:
            print(f"  {line}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        for size in map(float, sys.argv[1:] or ["10", "50"]):
            bench(size)
