"""What the in-process benchmarks (queries.py, scale.py, search_scale.py) share: this tree's
Django, configured as production runs it, on the database they are given.

The scripts put this tree first on sys.path before importing this module: the virtualenv's
editable install may point at another checkout (a worktree), whose code they would otherwise measure.
"""

import os
import secrets
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_django(database_url: str, cache: str, media_root: Path | None = None):
    """Settings for a production-like run (DEBUG off, the given database and cache), then Django."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="publication.settings",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url,
        CACHE_URL=f"locmemcache://{cache}",
        LOG_LEVEL="ERROR",
    )
    if media_root:
        os.environ["MEDIA_ROOT"] = str(media_root)
    import django

    django.setup()


def throwaway_postgres(folder: Path) -> str:
    """A PostgreSQL server with its data in `folder` (scripts/services.sh); its DATABASE_URL."""
    return subprocess.run(
        ["sh", "scripts/services.sh", "postgres", str(folder)], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def stop_postgres(folder: Path):
    subprocess.run(["sh", "scripts/services.sh", "stop", str(folder)], cwd=ROOT)
