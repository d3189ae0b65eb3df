"""``python -m bench.profile [page ...]``: where each bench page spends its time, in-process.

Runs each page through Django's test client against the generated region with the production
settings and prints, per page, the median wall time, the time inside the database and each
query's median. ``--afresh`` writes to the chapter before each request, so each page is drawn
rather than kept; ``--cprofile`` writes a cProfile dump per page under ``var/bench/profiles``.
"""

import os
import statistics
import sys
import time

from django.core.management import call_command
from django.db import connection
from django.test import Client

import bench.run  # sets the production environment and django.setup()
from bench.pages import PAGES, Personas
from triggers.revision import touch

REPEAT = int(os.environ.get("BENCH_PROFILE_REPEAT", "30"))


class Timer:
    def __init__(self):
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, (time.perf_counter() - started) * 1000))


def main() -> None:
    call_command("collectstatic", "--noinput", verbosity=0)
    wanted = [a for a in sys.argv[1:] if not a.startswith("--")]
    cprofile = "--cprofile" in sys.argv
    afresh = "--afresh" in sys.argv  # a write to the chapter before each request, untimed
    personas = Personas.build(spread=5)
    for page in PAGES:
        if wanted and not any(w in page.label for w in wanted):
            continue
        logins = personas.members if page.who == "member" else personas.leaders
        login = logins[0]
        client = Client()
        client.force_login(login.member.user)
        path = page.path(login.member)

        def hit(n: int, page=page, client=client, path=path, login=login) -> None:
            # Like the load driver, send the session cookie only: a message a POST leaves
            # for the page it redirects to is not carried into the next request.
            client.cookies.pop("messages", None)
            if page.method == "POST":
                response = client.post(
                    path,
                    data=page.body(login.member, n),
                    content_type="application/x-www-form-urlencoded",
                )
            else:
                response = client.get(path)
            assert response.status_code < 400, (page.label, response.status_code)

        for n in range(3):
            hit(n)
        walls, cpus, sqls, per_query = [], [], [], []
        profiler = None
        if cprofile:
            import cProfile

            profiler = cProfile.Profile()
        for n in range(REPEAT):
            if afresh:
                touch(login.member.chapter_id)
            timer = Timer()
            with connection.execute_wrapper(timer):
                started, cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                hit(n + 10)
                if profiler:
                    profiler.disable()
                walls.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
            sqls.append(sum(t for _, t in timer.queries))
            per_query.append(timer.queries)
        print(
            f"{page.label:<28} wall {statistics.median(walls):6.2f} ms   "
            f"python cpu {statistics.median(cpus):6.2f} ms   "
            f"sql {statistics.median(sqls):6.2f} ms   queries {len(per_query[-1])}"
        )
        if "--queries" in sys.argv:
            for i, (sql, _) in enumerate(per_query[-1]):
                med = statistics.median(q[i][1] for q in per_query if len(q) > i)
                print(f"    {med:6.2f} ms  {sql[:150]}")
        if profiler:
            out = bench.run.VAR / "profiles"
            out.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(out / f"{page.label.replace(' ', '_').replace('/', '')}.prof")


if __name__ == "__main__":
    try:
        main()
    finally:
        bench.run.forget_bench_slips()
