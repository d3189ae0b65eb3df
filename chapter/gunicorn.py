"""gunicorn's settings in production: ``gunicorn -c python:chapter.gunicorn chapter.wsgi``.

``make bench`` measures the app under exactly these. Environment: ``WEB_BIND`` (default
``127.0.0.1:8000``, behind your TLS proxy), ``WEB_WORKERS`` (default two per core) and
``WEB_THREADS`` (default 8).
"""

import os

from chapter.env import env_int, env_str

# Threads let a process serve other requests while one waits on PostgreSQL or Redis; two
# processes a core keep every core busy although each holds Python's lock while it computes.
worker_class = "gthread"
workers = env_int("WEB_WORKERS", 2 * (os.cpu_count() or 1), minimum=1)
threads = env_int("WEB_THREADS", 8, minimum=1)

# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
# connections over them. On one shared socket whichever worker wakes first takes the next
# connection, so a burst of keep-alive connections (a proxy's, a meeting's phones) can land
# 37/5/4/4 on four workers and stay there: their requests queue behind one process while
# the others idle, and the tail latency swings from one run to the next.
reuse_port = True

bind = [env_str("WEB_BIND") or "127.0.0.1:8000"]
