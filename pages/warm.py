"""A web worker compiles every template and learns its URLs before its first request.

Django's cached loader compiles a template the first time a process draws it, and keeps it;
the URL resolver builds its table for ``reverse()`` the first time a process names a URL.
Without this, the first requests a new worker serves (after a deploy, or when a meeting starts
and every phone opens the same three pages at once) each pay for compiling the templates they
draw and for that table, on top of drawing them. ``chapter/gunicorn.py`` calls ``warm`` once
per worker.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse


def warm() -> int:
    """Compile the templates, then build the URL table (for the site's language: a chapter
    in another language builds its own on its first page); the templates' count."""
    count = compile_templates()
    reverse("home")
    return count


def compile_templates() -> int:
    """Load every template of the project into this process's template cache; the count."""
    count = 0
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix in {".html", ".txt"}:
                get_template(path.relative_to(folder).as_posix())
                count += 1
    return count
