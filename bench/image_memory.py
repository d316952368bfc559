"""Peak memory of a web worker saving a draft that uses a huge-but-small image, in one command.

    .venv/bin/python bench/image_memory.py [--side 7000] [--mode RGB]

Builds a PNG of side × side pixels (7000 × 7000 = 49 Mpx, under IMAGE_MAX_PIXELS' 50 Mpx; one
colour, so the file is about 200 KB), then saves a draft through the admin's change form in a
fresh subprocess (the database is made by another one), once with the PNG uploaded as its hero and once with it dropped into the
body: the save validates the upload, strips its metadata and makes its renditions. Each child
prints its peak resident memory (ru_maxrss) before and after the save, and the save's time.
Target: the peak stays under 300 MB.
"""

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 300

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])  # this tree's code (see bench/in_process.py)
work, how = Path(sys.argv[2]), sys.argv[3]
from bench.in_process import start_django
start_django(f"sqlite:///{work}/site-{how}.sqlite3", cache=how, media_root=work / f"media-{how}")
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from articles.images import store_image
from articles.models import Article, Author

if sys.argv[4] == "setup":  # in its own process: a web worker never migrates
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("editor", "e@example.org", "x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    Author.objects.create(name="Editor", user=user)
    Article.objects.create(title="A draft with a huge picture", author=user.author, draft=True, body="Words.")
    sys.exit(0)
user = User.objects.get(username="editor")
author, article = user.author, Article.objects.get()
client = Client()
client.force_login(user)
client.get("/admin/")  # warm: templates, admin site loaded
png = (work / "huge.png").read_bytes()
local = timezone.localtime(article.publish_date)
form = {
    "title": article.title, "slug": article.slug, "author": author.pk, "body": article.body,
    "loaded_version": article.version, "draft": "on", "hero_image_alt": "",
    "publish_date_0": local.strftime("%Y-%m-%d"), "publish_date_1": local.strftime("%H:%M:%S"),
}
if how == "hero":
    form.update(hero_image=SimpleUploadedFile("huge.png", png), hero_image_alt="A huge picture")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
if how == "body":
    # The editor's drop stores the file; the save makes the body's renditions.
    response = client.post("/admin/markdownx/upload/", {"image": SimpleUploadedFile("huge.png", png)})
    assert response.status_code == 200, response.content[:500]
    form["body"] = "Words.\n\n" + response.json()["image_code"]
response = client.post(f"/admin/articles/article/{article.pk}/change/", form)
seconds = time.perf_counter() - start
assert response.status_code == 302, response.content.decode()[:3000]
article.refresh_from_db()
made = sorted(p.name for p in (work / f"media-{how}" / "renditions").rglob("*") if p.is_file())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"how": how, "before_mb": round(before, 1), "peak_mb": round(peak, 1),
                  "seconds": round(seconds, 2), "renditions": len(made)}))
"""


def huge_png(side: int, mode: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, (side, side), (90, 140, 200, 255)[: len(mode)]).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--mode", default="RGB", choices=["RGB", "RGBA", "L"])
    parser.add_argument("--make", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        Path(args.make).write_bytes(huge_png(args.side, args.mode))
        return
    with tempfile.TemporaryDirectory(prefix="masthead-image-memory-") as folder:
        work = Path(folder)
        # Made in a process of its own: Linux carries a parent's peak memory (ru_maxrss) into the
        # children it starts, so this one stays small.
        subprocess.run(
            [sys.executable, __file__, "--make", str(work / "huge.png"), "--side", str(args.side), "--mode", args.mode],
            check=True,
        )
        data = (work / "huge.png").read_bytes()
        print(f"PNG {args.side}×{args.side} {args.mode} ({args.side * args.side / 1e6:.0f} Mpx), {len(data) / 1024:.0f} KB")
        worst = 0.0
        for how in ("hero", "body"):
            for step in ("setup", "save"):
                run = subprocess.run(
                    [sys.executable, "-c", CHILD, str(ROOT), str(work), how, step],
                    capture_output=True, text=True, cwd=ROOT,
                )
                if run.returncode:
                    break
            if run.returncode:
                sys.exit(f"{how}: the save failed\n{run.stderr[-3000:]}")
            figures = json.loads(run.stdout.strip().splitlines()[-1])
            worst = max(worst, figures["peak_mb"])
            print(
                f"{how:>4}: peak {figures['peak_mb']:.0f} MB (before the save {figures['before_mb']:.0f} MB), "
                f"{figures['seconds']:.2f} s, {figures['renditions']} renditions"
            )
        print(f"worst peak {worst:.0f} MB: {'ok' if worst < TARGET_MB else 'over'} (target < {TARGET_MB} MB)")


if __name__ == "__main__":
    main()
