"""``make bench``: load a region, run the production stack, measure every page against the floor.

Prints one table and writes ``var/bench/results.json``. Environment:
``BENCH_SCALE`` (chapters, default 1000), ``BENCH_MEMBERS`` (mean chapter size, default 30),
``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/slipstream_bench``),
``BENCH_REQUESTS`` (requests per page at 50 clients, default 1000), ``BENCH_PORT``.
"""

import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE = int(os.environ.get("BENCH_SCALE", "1000"))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "30"))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/slipstream_bench")
PORT = int(os.environ.get("BENCH_PORT", "8089"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
VAR = ROOT / "var" / "bench"

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "chapter.settings",
    "DEBUG": "0",
    "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "CSRF_TRUSTED_ORIGINS": "http://127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "DATABASE_URL": DB_URL,
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    "CELERY_QUEUE": "bench",
    "VAR_DIR": str(VAR),
    "LOG_LEVEL": "WARNING",
}
os.environ.update(PRODUCTION_ENV)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import load  # noqa: E402
from bench.pages import PAGES, Personas, query_counts  # noqa: E402


def ensure_dataset() -> dict:
    from bench.generate import generate, generated_chapters

    call_command("migrate", verbosity=0)
    have = generated_chapters().count()
    marker = VAR / "dataset.json"
    if have == SCALE and marker.exists():
        info = json.loads(marker.read_text())
        if info.get("members") == MEMBERS:
            print(f"Reusing the generated region ({SCALE} chapters).")
            return info
    if have:
        print("Dataset differs from BENCH_SCALE: regenerating.")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        call_command("migrate", verbosity=0)
    print(f"Generating {SCALE} chapters × ~{MEMBERS} members × 104 weeks…", flush=True)
    counts = generate(chapters=SCALE, members=MEMBERS)
    info = {"chapters": SCALE, "members": MEMBERS, "rows": dict(counts)}
    info["total_rows"] = sum(v for k, v in counts.items() if k != "seconds")
    info["rows_per_second"] = round(info["total_rows"] / max(counts["seconds"], 1))
    marker.write_text(json.dumps(info, indent=2))
    return info


def start_server() -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True
    )
    # Workers listen with SO_REUSEPORT (chapter/gunicorn.py): a server left running on the port
    # would quietly take a share of the connections instead of failing this one's bind.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise SystemExit(
                f"127.0.0.1:{PORT} is in use: stop what listens there or set BENCH_PORT."
            )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:chapter.gunicorn",
         "chapter.wsgi:application", "--log-level", "warning"],
        cwd=ROOT, env=os.environ | {"WEB_BIND": f"127.0.0.1:{PORT}"},
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def _load(page, personas: Personas, clients: int, total: int, *, afresh: bool = False) -> dict:
    """``total`` requests of ``page`` from ``clients`` clients, after a warm-up of one request
    per client (each client's first visit draws what its chapter keeps, members.revision).
    ``afresh``: every request follows a write to its chapter, so nothing kept is used."""
    make = page.request_maker(personas, afresh=afresh)
    load.run(PORT, make, clients=clients, total=min(clients, total) if clients > 1 else 1)
    r = load.run(PORT, make, clients=clients, total=total)
    return {
        "p50_ms": round(r.p50, 2),
        "p95_ms": round(r.percentile(95), 2),
        "p99_ms": round(r.percentile(99), 2),
        "rps": round(r.rps, 1),
        "errors": r.errors,
        "requests": r.requests,
    }


def measure(personas: Personas) -> list[dict]:
    """Every page at 1 and 50 clients. The floor at 50 clients is measured again right
    before each page, and every ratio is to the median of those runs: this shared machine's
    speed drifts over the minutes a run takes, and the floor's p95 at 50 clients (a queue
    of two-millisecond requests) varies by a third from one run to the next, more than any
    page's. Each page's row keeps the floor run beside it."""
    floor_page = next(page for page in PAGES if page.label == "floor")
    results, floor_runs = [], []
    for page in PAGES:
        row = {"page": page.label, "c1": _load(page, personas, 1, max(50, REQUESTS // 10))}
        if page.method == "GET" and page is not floor_page:
            row["c1_afresh"] = _load(page, personas, 1, max(50, REQUESTS // 20), afresh=True)
        if page is floor_page:
            row["c50"] = _load(page, personas, 50, REQUESTS)
            floor_runs.append(row["c50"])
        else:
            floor_runs.append(_load(floor_page, personas, 50, REQUESTS))
            row["floor_c50"] = floor_runs[-1]
            row["c50"] = _load(page, personas, 50, REQUESTS)
        results.append(row)
        print(f"  {page.label:<28} c1 p50 {row['c1']['p50_ms']:>7} ms   "
              f"c50 p95 {row['c50']['p95_ms']:>8} ms  {row['c50']['rps']:>7} req/s  "
              f"errors {row['c1']['errors'] + row['c50']['errors']}", flush=True)  # fmt: skip
    floor = results[PAGES.index(floor_page)]
    floor["c50_runs"] = floor_runs
    for key in ("p50_ms", "p95_ms", "p99_ms", "rps"):
        floor["c50"][key] = round(statistics.median(run[key] for run in floor_runs), 2)
    for row in results:
        row["ratio_p95_c50"] = round(row["c50"]["p95_ms"] / floor["c50"]["p95_ms"], 2)
        row["ratio_rps_c50"] = round(floor["c50"]["rps"] / max(row["c50"]["rps"], 0.001), 2)
    return results


def forget_bench_slips() -> int:
    """Delete the referrals the POST runs logged, so a reused region stays as generated (and
    the next run's dashboards do not list this run's hundreds of slips)."""
    from referrals.models import Referral

    deleted, _ = Referral.objects.filter(contact_name__startswith="Bench contact ").delete()
    return deleted


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def command_timings(personas: Personas) -> dict:
    from reports.lights import light_window
    from reports.palms import palms_rows

    start, end = light_window(personas.largest.today())
    from bench.generate import generated_chapters
    from members.models import Member
    from reminders.services import due_now

    everyone = list(generated_chapters().values_list("pk", flat=True))
    members = Member.objects.count()
    sweeps_ms = timed(lambda: due_now(), 3)
    return {
        **import_timing(),
        **bni_read_timing(),
        "palms_chapter_ms": timed(lambda: palms_rows(personas.largest, start, end), 7),
        "palms_region_ms": timed(lambda: palms_rows(everyone, start, end), 3),
        "reminder_sweeps_ms": sweeps_ms,
        "reminder_sweeps_members_per_s": round(members / (sweeps_ms / 1000)),
    }


#: ``import_chapter`` runs this many times, each into a new chapter; the median is reported.
IMPORT_REPEAT = 3


def import_timing() -> dict:
    """``import_chapter`` on a generated directory (~50,000 rows) into a new chapter, three
    times: the median, as for the other commands (this machine's speed moves from one run to
    the next), with every run kept. The first pays the process's first import (its modules,
    compiled queries and a new connection's catalog), as a ``manage.py import_chapter`` does."""
    import shutil

    from tests.imports.generate import write_chapter

    runs = []
    for _ in range(IMPORT_REPEAT):
        stamp = time.time_ns()
        directory = VAR / "import-dir"
        shutil.rmtree(directory, ignore_errors=True)
        rows = sum(write_chapter(directory, domain=f"import{stamp}.bench").values())
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("import_chapter", f"imported-{stamp}", str(directory), stdout=quiet)
        runs.append(round(rows / (time.perf_counter() - started)))
    return {
        "import_rows": rows,
        "import_rows_per_s": round(statistics.median(runs)),
        "import_rows_per_s_runs": runs,
    }


#: DOMAIN.md's target: a slips audit of this many rows read in under two seconds.
BNI_AUDIT_ROWS = 5000


def bni_read_timing() -> dict:
    """Reading a generated 5,000-row BNI Connect slips audit, as SpreadsheetML 2003 and as
    .xlsx (the two forms BNI Connect's files arrive in): the median of five reads each."""
    from bniconnect.reader import read_bni
    from tests.bniconnect.files import audit_file

    timings = {}
    for fmt, name in (("spreadsheetml", "audit.xls"), ("xlsx", "audit.xlsx")):
        data = audit_file(BNI_AUDIT_ROWS, fmt)
        timings[f"bni_audit_{BNI_AUDIT_ROWS}_rows_{fmt}_ms"] = timed(
            lambda d=data, n=name: read_bni(d, n), 5
        )
    return timings


def main() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    info = ensure_dataset()
    personas = Personas.build()
    server = start_server()
    try:
        print(f"Measuring against gunicorn on 127.0.0.1:{PORT} ({os.cpu_count()} cores)…")
        pages = measure(personas)
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts = query_counts(personas)
    for p in pages:
        p["queries"] = counts.get(p["page"])
    forget_bench_slips()
    timings = command_timings(personas)
    results = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "dataset": info,
        "pages": pages,
        "commands": timings,
    }
    (VAR / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print()
    print(f"{'page':<28}{'c1 p50':>9}{'afresh':>9}{'c50 p95':>10}{'req/s':>9}{'×floor':>8}"
          f"{'queries S/L':>13}")  # fmt: skip
    for p in pages:
        q = p["queries"] or {}
        afresh = p["c1_afresh"]["p50_ms"] if "c1_afresh" in p else "-"
        print(f"{p['page']:<28}{p['c1']['p50_ms']:>9}{afresh:>9}{p['c50']['p95_ms']:>10}"
              f"{p['c50']['rps']:>9}{p['ratio_p95_c50']:>8}"
              f"{str(q.get('smallest', '-')) + '/' + str(q.get('largest', '-')):>13}")  # fmt: skip
    for key, value in timings.items():
        unit = " ms" if key.endswith("_ms") else ""
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        print(f"{key:<32}{shown:>9}{unit}")
    print(f"\nDataset: {info.get('total_rows')} rows; results in {VAR / 'results.json'}")


if __name__ == "__main__":
    main()
