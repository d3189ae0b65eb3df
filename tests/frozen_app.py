"""A WSGI app that answers with how many objects its process set aside from the collector."""

import gc


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(gc.get_freeze_count()).encode()]
