"""/healthz: 200 when the database answers, 503 when it does not; never cached."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_answers_200_from_the_database_every_time(client, django_assert_num_queries):
    for _ in range(2):
        with django_assert_num_queries(1):  # a real query each time, never a cached answer
            response = client.get("/healthz")
        assert response.status_code == 200 and response.content == b"ok\n"
        assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens there


def healthz_with(database_url: str) -> tuple[int, str, str]:
    """GET /healthz in a new process whose database is `database_url`."""
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode().strip(), r['Cache-Control'], sep='|')"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "publication.settings"}
    env["ALLOWED_HOSTS"] = "testserver"
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    status, body, cache_control = result.stdout.splitlines()[-1].split("|")
    return int(status), body, cache_control + result.stderr


def test_healthz_answers_503_when_postgresql_does_not_answer():
    pytest.importorskip("psycopg")
    status, body, rest = healthz_with(f"postgres://masthead@127.0.0.1:{closed_port()}/masthead")
    assert (status, body) == (503, "database unavailable")
    assert "no-store" in rest and "Health check failed" in rest


def test_healthz_answers_503_when_the_sqlite_file_cannot_be_opened(tmp_path):
    status, body, _ = healthz_with(f"sqlite:///{tmp_path}/no-such-folder/db.sqlite3")
    assert (status, body) == (503, "database unavailable")
