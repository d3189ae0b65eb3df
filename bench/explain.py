"""``python -m bench.explain PAGE``: EXPLAIN ANALYZE every query one bench page runs.

For finding the missing index or the scan that grows with history: the query's text, then
PostgreSQL's plan with actual times, against the generated region.
"""

import sys

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import bench.run  # noqa: F401 - the production environment and django.setup()
from bench.pages import PAGES, Personas


def main() -> None:
    call_command("collectstatic", "--noinput", verbosity=0)
    wanted = sys.argv[1]
    page = next(p for p in PAGES if wanted in p.label)
    personas = Personas.build(spread=5)
    login = (personas.members if page.who == "member" else personas.leaders)[0]
    client = Client()
    client.force_login(login.member.user)
    path = page.path(login.member)
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            sql = query["sql"]
            print("=" * 100)
            print(sql[:600])
            if not sql.lstrip().upper().startswith(("SELECT", "WITH", "(")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) " + sql)
            for (line,) in cursor.fetchall():
                print("   ", line)


if __name__ == "__main__":
    main()
