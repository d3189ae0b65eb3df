"""A web worker compiles every template before it takes its first request.

Django's cached loader compiles a template the first time a process draws it, and keeps it.
Without this, the first requests a new worker serves (after a deploy, or when a meeting starts
and every phone opens the same three pages at once) each pay for compiling the templates they
draw, on top of drawing them. ``chapter/gunicorn.py`` calls it once per worker.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import get_template


def compile_templates() -> int:
    """Load every template of the project into this process's template cache; the count."""
    count = 0
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix in {".html", ".txt"}:
                get_template(path.relative_to(folder).as_posix())
                count += 1
    return count
