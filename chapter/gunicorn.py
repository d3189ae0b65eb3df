"""gunicorn's settings in production: ``gunicorn -c python:chapter.gunicorn chapter.wsgi``.

``make bench`` measures the app under exactly these. Environment: ``WEB_BIND`` (default
``127.0.0.1:8000``, behind your TLS proxy), ``WEB_WORKERS`` (default two per core),
``WEB_THREADS`` (default 1), and with ``BEHIND_TLS_PROXY=1``
``FORWARDED_ALLOW_IPS``, the proxy's addresses (default this host's).
"""

import os

from chapter.env import env_addresses, env_bool, env_int, env_str

# One request at a time per process, two processes a core: a process's threads share Python's
# lock, so requests served side by side each take as many times longer, the dearest pages the
# most; one at a time, each runs at its core's full speed in its turn while the core's other
# process computes whenever this one waits on PostgreSQL. gthread rather than sync keeps a
# phone's or a proxy's connection alive between requests. Why, what the meeting burst read,
# and when to raise WEB_WORKERS or WEB_THREADS: docs/operating.md, "The web server".
worker_class = "gthread"
workers = env_int("WEB_WORKERS", 2 * (os.cpu_count() or 1), minimum=1)
threads = env_int("WEB_THREADS", 1, minimum=1)

# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
# connections over them. On one shared socket whichever worker wakes first takes the next
# connection, so a burst of keep-alive connections (a proxy's, a meeting's phones) can land
# 37/5/4/4 on four workers and stay there: their requests queue behind one process while
# the others idle, and the tail latency swings from one run to the next.
reuse_port = True

bind = [env_str("WEB_BIND") or "127.0.0.1:8000"]

# gunicorn believes X-Forwarded-Proto from these addresses, and a request it believes is served
# as HTTPS: no redirect to HTTPS, secure cookies. So only with a TLS proxy (BEHIND_TLS_PROXY, as
# Django's SECURE_PROXY_SSL_HEADER, the one header both read) and only from the proxy; otherwise
# anything on this host could say "https" for a plain request. Without a proxy no header is
# believed at all: a peer on a Unix socket has no address, and gunicorn believes it whatever
# the list says.
if env_bool("BEHIND_TLS_PROXY", False):
    forwarded_allow_ips = ",".join(env_addresses("FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"]))
    secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
else:
    forwarded_allow_ips = ""
    secure_scheme_headers = {}


def post_worker_init(worker) -> None:
    """Compile every template and build the URL table before taking requests (``pages.warm``),
    once Django is loaded (a worker serving another WSGI app, as a test does, has nothing to
    compile); then set everything loaded so far aside from the garbage collector.

    A loaded worker holds some 150,000 objects (Django, the apps, the compiled templates) that
    live as long as it does. Python's collector walks every one of them at each full
    collection, which pages allocating as much as a meeting's come to every few hundred
    requests: a pause of tens of milliseconds for every thread of the worker, longer on a busy
    machine, and the slowest requests of a meeting burst were those caught in one.
    ``gc.freeze()`` moves them to a generation the collector never walks, so a full collection
    walks only what requests have left behind. Nothing frozen is ever freed, and nothing
    loaded at start-up was going to be.
    """
    import gc

    from django.apps import apps

    if apps.ready:
        from pages.warm import warm

        warm()
    gc.collect()
    gc.freeze()
