"""Measure the readers' site as the web's tools see it, in one command.

    .venv/bin/python bench/quality.py [--tools ../shared/tools] [--keep]

Starts gunicorn (DEBUG=False) on a free 127.0.0.1 port with a temporary SQLite database,
media and static folders and the demo content, then runs Lighthouse (mobile), axe-core, the
Nu HTML checker and a browser check on /, an article page, an author page and a search
results page, and prints the figures with the targets: Lighthouse >= 95 in every category,
0 axe violations, 0 vnu errors, article HTML + CSS < 50 KB, no console errors or failed
requests. Exits 1 when a target is missed, 2 when it could not measure.
"""

import argparse
import gzip
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LIGHTHOUSE_MIN = 95
PAGE_BUDGET = 50 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_tool(command: list[str], timeout: int = 240) -> dict:
    """The tools print one JSON object last on stdout."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    if not lines:
        return {"error": (done.stderr or done.stdout).strip()[-500:] or f"exit {done.returncode}"}
    return json.loads(lines[-1])


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def transferred(url: str) -> tuple[int, int]:
    """(bytes as sent, gzip-compressed bytes): what a browser downloads with and without compression."""
    body = fetch(url)
    return len(body), len(gzip.compress(body, 6))


def start_site(workdir: Path) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    for args in (["migrate", "-v0"], ["load_demo"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + args, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    gunicorn = Path(PYTHON).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "publication.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            fetch(base + "/healthz")
            return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 20 s")


def pages(base: str) -> dict[str, str]:
    """The four pages measured, found on the site itself."""
    home = fetch(base + "/").decode()
    article = re.search(r'href="(/articles/[^"]+/)"', home).group(1)
    author = re.search(r'href="(/authors/[^"]+/)"', home).group(1)
    return {"home": "/", "article": article, "author": author, "search": "/search/?q=writing"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", default=str(ROOT.parent / "shared" / "tools"), help="the site tools folder")
    parser.add_argument("--keep", action="store_true", help="leave the server running until Ctrl-C")
    args = parser.parse_args()
    tools = Path(args.tools)
    if not (tools / "lighthouse.sh").exists():
        print(json.dumps({"error": f"no site tools in {tools} (use --tools)"}))
        return 2

    with tempfile.TemporaryDirectory(prefix="masthead-quality-") as workdir:
        server, base = start_site(Path(workdir))
        try:
            urls = pages(base)
            for path in urls.values():  # first visits make the image renditions and share images
                fetch(base + path)
            results, failures = {}, []
            for name, path in urls.items():
                url = base + path
                print(f"measuring {name}: {path}", file=sys.stderr)
                lighthouse = run_tool(["bash", str(tools / "lighthouse.sh"), url])
                axe = run_tool(["bash", str(tools / "axe.sh"), url])
                axe_phone = run_tool(["bash", str(tools / "axe.sh"), url, "--width", "390"])
                vnu = run_tool(["bash", str(tools / "vnu.sh"), url])
                browser = run_tool([PYTHON, str(tools / "browser.py"), url, "--width", "390", "--no-screenshot"])
                row = {
                    "path": path,
                    "lighthouse": {k: lighthouse.get(k) for k in ("performance", "accessibility", "best_practices", "seo")},
                    "lcp_ms": (lighthouse.get("metrics") or {}).get("lcp_ms"),
                    "cls": (lighthouse.get("metrics") or {}).get("cls"),
                    "axe_violations": [axe.get("violations"), axe_phone.get("violations")],
                    "vnu_errors": vnu.get("errors"),
                    "console_errors": len(browser.get("console_errors") or []),
                    "failed_requests": len(browser.get("failed_requests") or []) + len(browser.get("http_errors") or []),
                    "horizontal_overflow_390": (browser.get("dom") or {}).get("horizontal_overflow"),
                }
                for tool, result in (("lighthouse", lighthouse), ("axe", axe), ("vnu", vnu), ("browser", browser)):
                    if result.get("error"):
                        failures.append(f"{name}: {tool} could not measure: {result['error']}")
                for category, score in row["lighthouse"].items():
                    if score is None or score < LIGHTHOUSE_MIN:
                        failures.append(f"{name}: Lighthouse {category} {score} < {LIGHTHOUSE_MIN}")
                if row["axe_violations"] != [0, 0]:
                    failures.append(f"{name}: axe violations {row['axe_violations']}")
                if row["vnu_errors"] != 0:
                    failures.append(f"{name}: vnu errors {row['vnu_errors']}")
                if row["console_errors"] or row["failed_requests"] or row["horizontal_overflow_390"]:
                    failures.append(f"{name}: console errors, failed requests or sideways scroll")
                results[name] = row

            article_html = fetch(base + urls["article"]).decode()
            css_path = re.search(r'<link rel="stylesheet" href="([^"]+)"', article_html).group(1)
            html_raw, html_gz = transferred(base + urls["article"])
            css_raw, css_gz = transferred(base + css_path)
            weight = {
                "html_bytes": html_raw, "css_bytes": css_raw, "total_bytes": html_raw + css_raw,
                "total_gzip_bytes": html_gz + css_gz, "budget_bytes": PAGE_BUDGET,
            }
            if html_raw + css_raw >= PAGE_BUDGET:
                failures.append(f"article HTML + CSS {html_raw + css_raw} bytes >= {PAGE_BUDGET}")
        finally:
            server.terminate()
            server.wait(timeout=20)

    print(f"{'page':8} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4} {'axe':>5} {'vnu':>3} {'cons':>4} {'fail':>4}  path")
    for name, row in results.items():
        lh = row["lighthouse"]
        print(
            f"{name:8} {lh['performance']!s:>4} {lh['accessibility']!s:>4} {lh['best_practices']!s:>4} {lh['seo']!s:>4} "
            f"{'/'.join(map(str, row['axe_violations'])):>5} {row['vnu_errors']!s:>3} {row['console_errors']:>4} "
            f"{row['failed_requests']:>4}  {row['path']}"
        )
    print(
        f"article HTML + CSS: {weight['total_bytes']:,} bytes uncompressed ({weight['total_gzip_bytes']:,} gzipped); "
        f"budget {PAGE_BUDGET:,}"
    )
    print("targets met" if not failures else "targets missed:\n  " + "\n  ".join(failures))
    print(json.dumps({"ok": not failures, "pages": results, "article_weight": weight, "failures": failures}))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
